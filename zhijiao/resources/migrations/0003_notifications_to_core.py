"""Copy every resource-centre notification into the one inbox, core.Notification (0004 then drops the old table).

read_at and created_at are kept; the link to the resource survives as the url (the kernel keeps no foreign
key into resources). Backwards, rows of the resource-centre kinds are copied back.
"""

import re

from django.db import migrations

BATCH = 1000
RESOURCE_KINDS = ("review_approved", "review_rejected", "review_changes_requested", "comment_hidden")


def forwards(apps, schema_editor):
    Old = apps.get_model("resources", "Notification")
    New = apps.get_model("core", "Notification")
    batch = []
    for n in Old.objects.order_by("pk").iterator(chunk_size=BATCH):
        url = n.url or (f"/resources/{n.resource_id}/" if n.resource_id else "")
        batch.append(New(user_id=n.user_id, kind=n.kind, title=n.title, body=n.body, url=url,
                         created_at=n.created_at, read_at=n.read_at))
        if len(batch) >= BATCH:
            New.objects.bulk_create(batch)
            batch = []
    New.objects.bulk_create(batch)


def backwards(apps, schema_editor):
    Old = apps.get_model("resources", "Notification")
    New = apps.get_model("core", "Notification")
    Resource = apps.get_model("resources", "Resource")
    rows = list(New.objects.filter(kind__in=RESOURCE_KINDS).order_by("pk"))
    wanted = {int(m.group(1)) for n in rows if (m := re.fullmatch(r"/resources/(\d+)/", n.url))}
    existing = set(Resource.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    batch = []
    for n in rows:
        m = re.fullmatch(r"/resources/(\d+)/", n.url)
        rid = int(m.group(1)) if m and int(m.group(1)) in existing else None
        batch.append(Old(user_id=n.user_id, kind=n.kind[:30], title=n.title, body=n.body, url=n.url,
                         resource_id=rid, created_at=n.created_at, read_at=n.read_at))
    Old.objects.bulk_create(batch, batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_notification"),
        ("resources", "0002_resource_res_status_published"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
