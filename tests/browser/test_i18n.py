"""The English UI in a real Chromium: switch with the top-bar button, walk the big apps, switch back."""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@pytest.fixture
def district(transactional_db):
    from zhijiao.cockpit import demo as cockpit_demo
    from zhijiao.demo.builder import build_demo

    ctx = build_demo(size="small", extensions=False)
    cockpit_demo.build(ctx)
    return ctx


def _to_english(p):
    p.click("button[name=language][value=en]")
    p.wait_for_load_state()
    assert p.locator("html").get_attribute("lang") == "en"


def _headings(p):
    return [t.strip() for t in p.locator("h1, h2").all_inner_texts()]


def _no_chinese_in_chrome(p):
    """Navigation, headings and buttons carry no Chinese (people's and schools' names are data, not UI)."""
    texts = p.locator("nav a, .app-name, .app-desc, h2, button:not([lang=zh-CN]), label").all_inner_texts()
    assert [t for t in texts if HAN.search(t)] == []


def test_teacher_uses_the_big_apps_in_english(district, page, browser_login, live_server):
    browser_login(page, "laoshi")
    assert page.locator("h1").inner_text() == "我的工作台"
    _to_english(page)
    assert page.locator("h1").inner_text() == "My workbench"
    assert page.get_by_role("button", name="Log out").is_visible()
    _no_chinese_in_chrome(page)

    page.get_by_role("link", name=re.compile("Resource centre")).first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Resource centre"
    _no_chinese_in_chrome(page)

    page.goto(f"{live_server.url}/search/")
    assert page.locator("h1").inner_text() == "Resource search"
    assert page.get_by_role("button", name="Search").first.is_visible()

    page.goto(f"{live_server.url}/homework/")
    assert page.locator("h1").inner_text() == "Smart homework"
    _no_chinese_in_chrome(page)

    page.click("button[name=language][value=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "智慧作业"
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "我的工作台"


def test_district_admin_sees_the_cockpit_in_english_on_a_phone(district, phone_page, browser_login, live_server):
    p = phone_page
    browser_login(p, "qu_admin")
    _to_english(p)
    p.get_by_role("link", name=re.compile("Data cockpit")).first.click()
    p.wait_for_load_state()
    assert p.locator("h1").inner_text().endswith("Data cockpit")
    assert "School ranking (deep-application index)" in _headings(p)
    _no_chinese_in_chrome(p)
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    p.click("button[name=language][value=zh-hans]")
    p.wait_for_load_state()
    assert p.locator("h1").inner_text().endswith("数据驾驶舱")
