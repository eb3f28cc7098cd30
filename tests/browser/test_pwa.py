"""zhijiao installs as an app on a phone (Chromium's install criteria hold: manifest, icons, service worker)
and, when the network drops, a page shows the platform's offline page instead of the browser's error;
when it returns, pages come from the network again (never from a stale cache)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def installed_profile(browser, tmp_path):
    """A phone-sized Chromium with a profile on disk: Chromium does not offer to install from incognito,
    which every fresh test context is."""
    from conftest import CHROMIUM

    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, viewport={"width": 360, "height": 740},
        locale="zh-CN", is_mobile=True, has_touch=True, args=["--no-sandbox", "--disable-gpu"])
    yield context.pages[0] if context.pages else context.new_page()
    context.close()


def test_installable_and_offline_page(demo, installed_profile, browser_login, live_server):
    p = installed_profile
    browser_login(p, "xuesheng")
    p.evaluate("navigator.serviceWorker.ready")  # installed and active: the shell is cached
    cdp = p.context.new_cdp_session(p)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors
    manifest = cdp.send("Page.getAppManifest")
    assert not manifest.get("errors"), manifest.get("errors")
    assert '"start_url": "/"' in manifest["data"] and '"display": "standalone"' in manifest["data"]

    p.reload()  # now controlled by the service worker
    # (not wait_for_function: Playwright evaluates its predicate with eval(), which the pages' policy forbids)
    p.evaluate("navigator.serviceWorker.controller !== null || new Promise(r => "
               "navigator.serviceWorker.addEventListener('controllerchange', () => r(true)))")
    p.context.set_offline(True)
    p.goto(f"{live_server.url}/homework/my/")
    assert p.locator("[data-testid=offline]").inner_text() == "网络已断开"
    assert p.evaluate("document.documentElement.scrollWidth") <= 360

    p.context.set_offline(False)
    p.goto(f"{live_server.url}/homework/my/")
    assert p.locator("[data-testid=offline]").count() == 0
    assert "作业" in p.locator("h1").inner_text()
