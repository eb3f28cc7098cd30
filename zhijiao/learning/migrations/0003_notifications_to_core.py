"""Copy every learning notification into the one inbox, core.Notification (0004 then drops the old table).

read_at and created_at are kept; the old `text` becomes the title, and the kind is told from the link
(Q&A or homework sent back). Backwards, rows of those kinds are copied back.
"""

from django.db import migrations

BATCH = 1000
LEARNING_KINDS = ("qa", "qa_asked", "qa_answered", "homework_returned", "learning")


def _kind(url: str) -> str:
    if "/homework/" in url:
        return "homework_returned"
    if "/qa/" in url:
        return "qa"
    return "learning"


def forwards(apps, schema_editor):
    Old = apps.get_model("learning", "Notification")
    New = apps.get_model("core", "Notification")
    batch = []
    for n in Old.objects.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(New(user_id=n.user_id, kind=_kind(n.url), title=n.text, url=n.url,
                         created_at=n.created_at, read_at=n.read_at))
        if len(batch) >= BATCH:
            New.objects.bulk_create(batch)
            batch = []
    New.objects.bulk_create(batch)


def backwards(apps, schema_editor):
    Old = apps.get_model("learning", "Notification")
    New = apps.get_model("core", "Notification")
    for n in New.objects.filter(kind__in=LEARNING_KINDS).order_by("pk").iterator(chunk_size=BATCH):
        old = Old.objects.create(user_id=n.user_id, text=n.title[:200], url=n.url, read_at=n.read_at)
        Old.objects.filter(pk=old.pk).update(created_at=n.created_at)  # created_at is auto_now_add


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_notification"),
        ("learning", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
