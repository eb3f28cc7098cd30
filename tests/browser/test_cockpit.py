"""The data cockpit in a real Chromium: charts render (Chart.js canvases), no console errors, drill-down
district → school → teacher, and phones at 360 px."""

import pytest

from tests.browser.waits import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district(transactional_db):
    from zhijiao.cockpit import demo as cockpit_demo
    from zhijiao.demo.builder import build_demo

    ctx = build_demo(size="small", extensions=False)
    cockpit_demo.build(ctx)
    return ctx


def _watch(p):
    errors = []
    # (the shell has no favicon yet: Chromium's automatic /favicon.ico request is not the cockpit's)
    p.on("console", lambda m: errors.append(m.text)
         if m.type == "error" and not (m.location or {}).get("url", "").endswith("/favicon.ico") else None)
    p.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _charts_drawn(p, at_least: int):
    """Chart.js drew every frame's canvas (a chart object is bound to it, with its data), at a usable size."""
    wait_until(p, "window.Chart && [...document.querySelectorAll('.chart canvas')].every("
                  "c => Chart.getChart(c) && Chart.getChart(c).data.datasets[0].data.length > 0)")
    assert p.locator(".chart canvas").count() >= at_least
    box = p.locator(".chart canvas").first.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100


def test_district_admin_drills_down_on_desktop(district, page, browser_login, live_server):
    errors = _watch(page)
    browser_login(page, "qu_admin")
    page.get_by_role("link", name="数据驾驶舱").first.click()
    page.wait_for_load_state()
    assert "数据驾驶舱" in page.locator("h1").inner_text()
    assert page.locator("[data-testid=district-index]").inner_text().endswith("%")
    _charts_drawn(page, 6)
    assert page.locator("#t-warnings").is_visible()

    first_school = district.schools[0]
    page.locator("section[aria-labelledby=t-ranking]").get_by_role("link", name=first_school.name).click()
    page.wait_for_load_state()
    assert first_school.name in page.locator("h1").inner_text()
    _charts_drawn(page, 4)
    page.locator("section[aria-labelledby=t-teachers] tbody a").first.click()
    page.wait_for_load_state()
    assert "深度应用情况" in page.locator("h1").inner_text()
    assert page.locator("[data-testid=teacher-score]").is_visible()
    _charts_drawn(page, 2)
    # the period switch keeps working on the drill-down page
    page.get_by_role("link", name="本学期").click()
    page.wait_for_load_state()
    assert "period=semester" in page.url
    assert errors == []


def test_district_admin_on_a_phone(district, phone_page, browser_login):
    errors = _watch(phone_page)
    browser_login(phone_page, "qu_admin")
    phone_page.goto(phone_page.url.rsplit("/", 1)[0] + "/cockpit/")
    _charts_drawn(phone_page, 6)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360  # tables scroll inside their frame; charts fit the screen
    chart_width = phone_page.locator(".chart canvas").first.bounding_box()["width"]
    assert chart_width <= 340
    assert errors == []


@pytest.mark.parametrize("phone", [False, True])
def test_school_cio_sees_own_school_only(district, page, phone_page, browser_login, live_server, phone):
    p = phone_page if phone else page
    errors = _watch(p)
    browser_login(p, "xiao_cio")
    p.get_by_role("link", name="数据驾驶舱").first.click()
    p.wait_for_load_state()
    assert district.schools[0].name in p.locator("h1").inner_text()
    _charts_drawn(p, 4)
    if phone:
        assert p.evaluate("document.documentElement.scrollWidth") <= 360
    p.locator("section[aria-labelledby=t-teachers] tbody a").first.click()
    p.wait_for_load_state()
    assert p.locator("[data-testid=teacher-score]").is_visible()
    assert errors == []
    resp = p.goto(f"{live_server.url}/cockpit/school/{district.schools[1].pk}/")
    assert resp.status == 404
