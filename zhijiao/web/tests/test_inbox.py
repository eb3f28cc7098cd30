"""The one inbox (消息通知): core's writer and readers, the /inbox/ page, the top bar's unread count, the old
addresses, and that nobody ever sees another user's notifications."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from zhijiao.core.actions import notifications_mark_read, notify
from zhijiao.core.models import Notification
from zhijiao.core.selectors import notifications, unread_notification_count

pytestmark = pytest.mark.django_db


def test_notify_writes_one_row_per_user_skipping_none_and_repeats(users):
    laoshi, xuesheng = users["laoshi"], users["xuesheng"]
    rows = notify(users=[laoshi, xuesheng.pk, None, laoshi], kind="qa_asked", title="题" * 300, url="/learning/qa/1/")
    assert len(rows) == 2
    assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted([laoshi.pk, xuesheng.pk])
    assert all(len(n.title) == 200 and n.read_at is None for n in Notification.objects.all())
    assert notify(users=[], kind="x", title="nobody") == []


def test_readers_and_mark_read_are_per_user(users):
    laoshi, xuesheng = users["laoshi"], users["xuesheng"]
    notify(users=[laoshi], kind="a", title="老师的")
    notify(users=[xuesheng], kind="b", title="学生的")
    assert [n.title for n in notifications(user=laoshi)] == ["老师的"]
    assert unread_notification_count(user=laoshi) == 1
    assert notifications_mark_read(user=xuesheng) == 1
    assert unread_notification_count(user=laoshi) == 1 and unread_notification_count(user=xuesheng) == 0


def test_anonymous_is_sent_to_login(client):
    for method in (client.get, client.post):
        resp = method("/inbox/")
        assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


def test_inbox_newest_first_unread_marked_then_read(users, client_as):
    laoshi = users["laoshi"]
    old = timezone.now() - timedelta(days=2)
    Notification.objects.create(user=laoshi, kind="review_approved", title="旧的已读通知", created_at=old,
                                read_at=old)
    notify(users=[laoshi], kind="qa_asked", title="学生提问：秒针", url="/learning/qa/7/", body="书上第 3 页")
    c = client_as(laoshi)
    home = c.get("/").content.decode()
    assert 'data-testid="inbox-link"' in home and 'data-testid="inbox-unread">1<' in home
    page = c.get("/inbox/").content.decode()
    assert page.index("学生提问：秒针") < page.index("旧的已读通知")
    assert page.count("未读</span>") == 1 and 'href="/learning/qa/7/"' in page and "书上第 3 页" in page
    # Seen once: read now, and the top bar no longer counts it.
    assert unread_notification_count(user=laoshi) == 0
    page = c.get("/inbox/").content.decode()
    assert "未读</span>" not in page and 'data-testid="inbox-unread"' not in page


def test_inbox_pages_and_marks_only_what_it_shows(users, client_as):
    laoshi = users["laoshi"]
    start = timezone.now() - timedelta(hours=1)
    Notification.objects.bulk_create(Notification(user=laoshi, kind="t", title=f"第{i:02d}条", created_at=start
                                                  + timedelta(minutes=i)) for i in range(25))
    c = client_as(laoshi)
    page = c.get("/inbox/").content.decode()
    assert "第24条" in page and "第05条" in page and "第04条" not in page and 'rel="next"' in page
    assert unread_notification_count(user=laoshi) == 5  # page 2 not seen yet
    assert 'data-testid="inbox-mark-all"' in page
    page2 = c.get("/inbox/?page=2").content.decode()
    assert "第04条" in page2 and "第00条" in page2 and page2.count("未读</span>") == 5
    notify(users=[laoshi], kind="t", title="又一条")
    resp = c.post("/inbox/")
    assert resp.status_code == 302 and resp["Location"] == "/inbox/"
    assert unread_notification_count(user=laoshi) == 0


def test_nobody_sees_another_users_notifications(users, client_as):
    laoshi, xuesheng = users["laoshi"], users["xuesheng"]
    notify(users=[laoshi], kind="review_changes_requested", title="老师的秘密通知", body="只给老师看")
    notify(users=[xuesheng], kind="qa_answered", title="学生自己的通知")
    c = client_as(xuesheng)
    page = c.get("/inbox/").content.decode()
    assert "学生自己的通知" in page and "老师的秘密通知" not in page and "只给老师看" not in page
    for p in ("?page=2", "?page=999", "?page=x"):
        assert "老师的秘密通知" not in c.get(f"/inbox/{p}").content.decode()
    c.post("/inbox/")  # 全部标为已读 touches only the caller's own
    assert Notification.objects.get(user=laoshi).read_at is None
    assert unread_notification_count(user=laoshi) == 1
    for username in ("qu_admin", "xiao_admin", "jiazhang"):
        assert "老师的秘密通知" not in client_as(users[username]).get("/inbox/").content.decode()


def test_old_addresses_lead_to_the_one_inbox(users, client_as):
    c = client_as(users["laoshi"])
    for old in ("/resources/notifications/", "/learning/notifications/"):
        resp = c.get(old)
        assert resp.status_code == 302 and resp["Location"] == "/inbox/"


def test_unread_badge_caps_at_99(users, client_as):
    laoshi = users["laoshi"]
    notify(users=[laoshi], kind="t", title="一条")
    Notification.objects.bulk_create(Notification(user=laoshi, kind="t", title=str(i)) for i in range(120))
    assert 'data-testid="inbox-unread">99+<' in client_as(laoshi).get("/").content.decode()


@pytest.fixture
def restore_language():
    """The test client leaves the last request's language active in this thread; put Chinese back."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_inbox_in_english(users, client_as, restore_language):
    from zhijiao.web.tests.test_i18n import _chinese_ui_text

    c = client_as(users["laoshi"])
    c.cookies["django_language"] = "en"
    assert _chinese_ui_text(c.get("/inbox/").content.decode()) == []  # empty inbox
    notify(users=[users["laoshi"]], kind="t", title="content stays as written")
    home = c.get("/").content.decode()
    link = home.split('data-testid="inbox-link"')[1].split("</a>")[0]
    assert _chinese_ui_text(home) == [] and 'aria-label="Notifications: 1 unread"' in link and not HAN.search(link)
    page = c.get("/inbox/").content.decode()
    assert _chinese_ui_text(page) == [] and "content stays as written" in page


HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
