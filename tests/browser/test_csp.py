"""The Content-Security-Policy in a real Chromium (issue 11): the daily pages of each role run their scripts —
the service worker, the cockpit's charts, homework autosave, the confirmation before a password reset, the
PDF viewer's frame — with no violation reported."""

import pytest

from tests.browser.waits import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolation([e.violatedDirective, e.blockedURI, e.documentURI].join(" "));
});
"""


@pytest.fixture
def watched(browser):
    """A desktop page and the list of CSP violations it reports: the securitypolicyviolation events of every
    document it opens, and Chromium's console messages about the policy."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    violations = []
    context.expose_function("__cspViolation", lambda text: violations.append(text))
    context.add_init_script(REPORT_VIOLATIONS)
    p = context.new_page()
    p.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    p.on("pageerror", lambda e: violations.append(f"page error: {e}"))
    yield p, violations
    context.close()


def _open(p, url: str) -> None:
    resp = p.goto(url)
    assert resp.status == 200, url
    assert "script-src 'self'" in resp.headers["content-security-policy"], url  # the policy is enforced
    p.wait_for_load_state("load")


def _login(p, live_server, username):
    from zhijiao.demo.logins import DEMO_PASSWORD

    _open(p, f"{live_server.url}/accounts/login/")
    p.fill("#id_identifier", username)
    p.fill("#id_password", DEMO_PASSWORD)
    p.click("button[type=submit]")
    p.wait_for_load_state("load")


def test_daily_pages_run_under_the_policy_without_a_violation(demo_full, watched, live_server):
    from zhijiao.accounts.models import User
    from zhijiao.resources.models import ResourceFile
    from zhijiao.resources.selectors import access_resource

    p, violations = watched

    # A teacher's home: the service worker registers (worker-src) and htmx loads.
    _login(p, live_server, "laoshi")
    _open(p, f"{live_server.url}/")
    assert p.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    wait_until(p, "window.htmx !== undefined")
    # A resource's PDF shows in the page's own frame (frame-ancestors 'self' on the file, not 'none').
    laoshi = User.objects.get(username="laoshi")
    pdf = next(f for f in ResourceFile.objects.filter(mime_type="application/pdf", resource__status="approved")
               .select_related("resource").order_by("pk")[:50] if _may_open(access_resource, laoshi, f.resource_id))
    _open(p, f"{live_server.url}/resources/{pdf.resource_id}/")
    p.locator("[data-testid=viewer]").wait_for()
    p.wait_for_timeout(500)
    frames = [f.url for f in p.frames if f != p.main_frame]
    assert any(u.endswith(f"/resources/{pdf.resource_id}/files/{pdf.pk}/") for u in frames), frames
    assert not any(u.startswith("chrome-error:") for u in frames), frames
    p.context.clear_cookies()

    # The district's cockpit: Chart.js draws from the JSON data blocks.
    _login(p, live_server, "qu_admin")
    _open(p, f"{live_server.url}/cockpit/")
    wait_until(p, "window.Chart && document.querySelectorAll('.chart canvas').length > 0 && "
                  "[...document.querySelectorAll('.chart canvas')].every(c => Chart.getChart(c))")
    p.context.clear_cookies()

    # A student's homework: the first to-do opens, autosave's script is there and answers.
    _login(p, live_server, "xuesheng")
    _open(p, f"{live_server.url}/homework/my/")
    href = p.locator("[data-testid=todo] a").first.get_attribute("href")
    _open(p, f"{live_server.url}{href}")
    field = p.locator("#answer-form textarea, #answer-form input[type=text]").first
    if field.count():
        field.fill("60")
    else:
        p.locator("#answer-form input[type=radio]").first.check()
    wait_until(p, "document.getElementById('autosave-status').getAttribute('data-state') === 'saved'")
    p.context.clear_cookies()

    # A school admin resets a teacher's password: data-confirm asks first (web/pwa.js); "cancel" keeps it.
    _login(p, live_server, "xiao_admin")
    teacher = User.objects.get(username="laoshi2")
    person = f"{live_server.url}/accounts/manage/people/{teacher.pk}/"
    _open(p, person)
    dialogs = []

    def answer(dialog, accept):
        dialogs.append((dialog.type, dialog.message))
        dialog.accept() if accept else dialog.dismiss()

    p.once("dialog", lambda d: answer(d, False))
    p.click("[data-testid=reset-password]")
    p.wait_for_timeout(300)
    assert dialogs == [("confirm", "确定要重置该账号的密码吗？")]
    assert p.url == person and p.locator("[data-testid=temporary-password]").count() == 0
    teacher.refresh_from_db()
    assert not teacher.must_change_password

    p.once("dialog", lambda d: answer(d, True))
    p.click("[data-testid=reset-password]")
    p.locator("[data-testid=temporary-password]").wait_for()
    assert len(dialogs) == 2

    assert violations == [], violations


def _may_open(access_resource, user, resource_id) -> bool:
    from django.http import Http404

    try:
        access_resource(user, resource_id)
    except Http404:
        return False
    return True
