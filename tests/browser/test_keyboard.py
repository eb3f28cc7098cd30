"""Every control reachable and usable by keyboard: on the daily pages of each role, Tab alone reaches every
visible link, button, field and disclosure, each showing where the focus is; and a student does a homework
from the list to 提交 with the keyboard alone."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAILY = {
    "xuesheng": ["/", "/homework/my/", "@todo", "/learning/notebook/", "/learning/me/", "/resources/",
                 "/search/?q=%E6%97%B6%E9%97%B4"],
    "laoshi": ["/", "/homework/", "/questions/", "/catalog/", "/learning/", "/learning/qa/"],
    "jiazhang": ["/", "/homework/children/"],
    "xiao_admin": ["/", "/cockpit/my-school/"],
    "qu_admin": ["/", "/cockpit/"],
}

# Marks every visible control with data-kb and returns their keys; radios of one group are one stop (the
# arrow keys move within a group), and what sits in a closed <details> is not on screen.
CONTROLS_JS = """() => {
  const sel = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, ' +
              'summary, [tabindex]:not([tabindex="-1"])';
  const keys = new Set();
  document.querySelectorAll(sel).forEach((e, i) => {
    const closed = e.closest('details:not([open])');
    if (closed && e.tagName !== 'SUMMARY') return;
    if (closed && e.parentElement !== closed) return;
    const st = getComputedStyle(e);
    if (st.visibility === 'hidden' || (!e.getClientRects().length && !e.matches('.skip'))) return;
    e.dataset.kb = e.type === 'radio' ? 'radio:' + e.name : 'kb' + i;
    keys.add(e.dataset.kb);
  });
  return [...keys];
}"""
ACTIVE_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const st = getComputedStyle(e);
  const ring = (st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) > 0) || st.boxShadow !== 'none';
  return {key: e.dataset.kb || (e.tagName + ' ' + (e.id || e.className)), ring: ring,
          what: e.tagName.toLowerCase() + ' ' + (e.textContent || e.value || '').trim().slice(0, 20)};
}"""


def _tab_through(p) -> tuple[set, list, set]:
    """(keys reached by Tab, controls focused without a visible ring, every control's key)."""
    controls = set(p.evaluate(CONTROLS_JS))
    p.evaluate("document.activeElement && document.activeElement.blur()")
    reached, no_ring, first, last = set(), [], None, None
    for _ in range(len(controls) * 4 + 10):
        p.keyboard.press("Tab")
        got = p.evaluate(ACTIVE_JS)
        if got is None or (got["key"] == first and len(reached) > 1):
            break  # back at the start of the page
        if got["key"] == last:
            continue  # Tab moves between a date field's parts within the one control
        first, last = first or got["key"], got["key"]
        reached.add(got["key"])
        if not got["ring"]:
            no_ring.append(got["what"])
    return reached, no_ring, controls


def _open(p, base, path):
    if path == "@todo":
        p.goto(f"{base}/homework/my/")
        p.locator("[data-testid=todo] a").first.click()
    else:
        p.goto(f"{base}{path}")
    p.wait_for_load_state()


def test_tab_reaches_every_control_of_the_daily_pages_with_a_visible_focus(demo_full, browser, browser_login,
                                                                           live_server):
    failures = []
    for username, paths in DAILY.items():
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
        p = context.new_page()
        browser_login(p, username)
        for path in paths:
            _open(p, live_server.url, path)
            reached, no_ring, controls = _tab_through(p)
            where = f"{username} {path}"
            if len(controls) < 3:
                failures.append(f"{where}: only {len(controls)} controls found")
            if missed := controls - reached:
                names = p.evaluate("keys => keys.map(k => { const e = document.querySelector("
                                   "`[data-kb='${k}']`); return e.tagName + ' ' + e.textContent.trim()"
                                   ".slice(0, 20); })", sorted(missed)[:5])
                failures.append(f"{where}: Tab never reaches {len(missed)} of {len(controls)}: {names}")
            if no_ring:
                failures.append(f"{where}: focus not shown on {no_ring[:5]}")
        context.close()
    assert not failures, "\n".join(failures)


def test_a_student_does_homework_with_the_keyboard_alone(demo_full, phone_page, browser_login, live_server):
    from zhijiao.homework.models import Submission

    p = phone_page
    browser_login(p, "xuesheng")
    p.goto(f"{live_server.url}/homework/my/")
    todo = p.locator("[data-testid=todo] a").first
    target = todo.get_attribute("href")
    _press_tab_until(p, f"a[href='{target}']")
    p.keyboard.press("Enter")
    p.wait_for_url(f"**{target}")
    sub = Submission.objects.get(pk=int(p.url.rstrip("/").rsplit("/", 1)[-1]))

    # answer every question from the keyboard: a choice with the arrow keys or Space, text by typing
    answered = 0
    while True:
        kind = _press_tab_until(p, "#answer-form input, #answer-form textarea, [data-testid=submit]")
        if kind == "submit":
            break
        if kind == "radio":
            p.keyboard.press("ArrowDown")  # the next option of the group, checked
        elif kind == "checkbox":
            p.keyboard.press("Space")
        else:
            p.keyboard.type("12")
        answered += 1
    with p.expect_navigation():
        p.keyboard.press("Enter")
    sub.refresh_from_db()
    assert answered >= 2 and sub.status in ("submitted", "graded")  # objective answers are marked at once
    assert sub.answers.exclude(response__in=[None, "", []]).count() >= 2


def _press_tab_until(p, selector: str, limit: int = 80) -> str:
    """Tab until the focus is on an element matching `selector`; its kind (radio, checkbox, text, submit)."""
    for _ in range(limit):
        p.keyboard.press("Tab")
        kind = p.evaluate("sel => { const e = document.activeElement; if (!e || !e.matches(sel)) return null;"
                          " return e.dataset.testid === 'submit' ? 'submit' : (e.type || e.tagName); }", selector)
        if kind:
            return kind
    raise AssertionError(f"Tab never reached {selector}")
