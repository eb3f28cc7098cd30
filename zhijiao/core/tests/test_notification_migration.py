"""The two old inboxes (resources.Notification, learning.Notification) are copied into core.Notification by
the migrations, keeping read and created times, then dropped."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from zhijiao.core.tests.migrating import migrate_to, migrate_to_latest

BEFORE = [("core", "0002_notification"), ("resources", "0002_resource_res_status_published"),
          ("learning", "0002_initial")]
AFTER = [("resources", "0004_delete_notification"), ("learning", "0004_delete_notification")]



@pytest.mark.django_db(transaction=True)
def test_old_rows_are_copied_into_the_one_inbox():
    try:
        old = migrate_to(BEFORE)
        User = old.get_model("accounts", "User")
        a = User.objects.create(username="mig_a", name="甲")
        b = User.objects.create(username="mig_b", name="乙")
        then = timezone.now() - timedelta(days=3)
        ResNote = old.get_model("resources", "Notification")
        ResNote.objects.create(user_id=a.pk, kind="review_approved", title="您上传的资源《甲》已通过审核",
                               body="", url="/resources/5/", created_at=then, read_at=then + timedelta(hours=1))
        ResNote.objects.create(user_id=b.pk, kind="comment_hidden", title="评论未通过审核", body="理由",
                               url="", created_at=then)
        LearnNote = old.get_model("learning", "Notification")
        q = LearnNote.objects.create(user_id=a.pk, text="学生提问：秒针", url="/learning/qa/3/")
        LearnNote.objects.filter(pk=q.pk).update(created_at=then + timedelta(days=1))
        h = LearnNote.objects.create(user_id=b.pk, text="作业“口算”被退回订正", url="/homework/s/9/",
                                     read_at=then + timedelta(days=2))
        LearnNote.objects.filter(pk=h.pk).update(created_at=then + timedelta(days=2))

        new = migrate_to(AFTER)
        Note = new.get_model("core", "Notification")
        rows = {n.title: n for n in Note.objects.all()}
        assert len(rows) == 4
        r = rows["您上传的资源《甲》已通过审核"]
        assert (r.user_id, r.kind, r.url, r.created_at, r.read_at) == (
            a.pk, "review_approved", "/resources/5/", then, then + timedelta(hours=1))
        c = rows["评论未通过审核"]
        assert (c.user_id, c.body, c.read_at, c.created_at) == (b.pk, "理由", None, then)
        q = rows["学生提问：秒针"]
        assert (q.user_id, q.kind, q.url, q.read_at, q.created_at) == (
            a.pk, "qa", "/learning/qa/3/", None, then + timedelta(days=1))
        h = rows["作业“口算”被退回订正"]
        assert (h.kind, h.read_at, h.created_at) == ("homework_returned", then + timedelta(days=2),
                                                     then + timedelta(days=2))
        tables = connection.introspection.table_names()
        assert "core_notification" in tables
        assert "resources_notification" not in tables and "learning_notification" not in tables
    finally:
        migrate_to_latest()
