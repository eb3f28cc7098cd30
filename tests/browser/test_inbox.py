"""The one inbox on a 360 px phone: the top bar's unread count leads to it, nothing overflows sideways."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district(transactional_db):
    from zhijiao.demo.builder import build_demo

    return build_demo(size="small")


def test_teacher_on_a_phone_opens_the_inbox_from_the_top_bar(district, phone_page, browser_login, live_server):
    from zhijiao.accounts.models import User
    from zhijiao.core.actions import notify
    from zhijiao.core.selectors import unread_notification_count

    laoshi = User.objects.get(username="laoshi")
    notify(users=[laoshi], kind="qa_asked", url="/learning/qa/",
           title="学生提问：一个很长很长的问题标题，在手机上也要能完整地换行显示，不能把页面撑宽" * 2)
    unread = unread_notification_count(user=laoshi)
    p = phone_page
    browser_login(p, "laoshi")
    badge = p.locator("[data-testid=inbox-unread]")
    assert badge.inner_text() == str(unread)
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    p.locator("[data-testid=inbox-link]").click()
    p.wait_for_load_state()
    assert p.url == f"{live_server.url}/inbox/"
    assert p.locator("h1").inner_text() == "消息通知"
    first = p.locator("[data-testid=inbox] li").first
    assert "学生提问" in first.inner_text() and "未读" in first.inner_text()
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    # Seen: everything fitted on the first page, so the top bar no longer shows a count.
    assert unread <= 20
    p.reload()
    assert p.locator("[data-testid=inbox-unread]").count() == 0
    assert "未读" not in p.locator("[data-testid=inbox]").inner_text()
    assert unread_notification_count(user=laoshi) == 0
