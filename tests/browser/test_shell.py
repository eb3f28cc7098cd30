"""The web shell in a real Chromium: login, each role's home, a phone-sized screen, language switch."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district(transactional_db):
    from zhijiao.demo.builder import build_demo

    return build_demo(size="small")


@pytest.mark.parametrize("username,role_label", [
    ("qu_admin", "区县管理员"), ("xiao_cio", "首席信息官"), ("xiao_admin", "学校管理员"), ("laoshi", "班主任"),
    ("xuesheng", "学生"), ("jiazhang", "家长"), ("duxue", "督学"),
])
def test_each_demo_role_logs_in_on_a_phone(district, phone_page, browser_login, username, role_label):
    browser_login(phone_page, username)
    assert phone_page.locator("h1").inner_text() == "我的工作台"
    assert role_label in phone_page.locator("[data-testid=who]").inner_text()
    # Nothing overflows a 360 px screen sideways.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360


def test_wrong_password_shows_a_clear_message(district, page, browser_login):
    browser_login(page, "laoshi", "not-the-password")
    assert "账号或密码不正确" in page.locator("[data-testid=login-error]").inner_text()


def test_switch_to_english_and_back(district, page, browser_login):
    browser_login(page, "laoshi")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("button[name=language][value=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "我的工作台"
