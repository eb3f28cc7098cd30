"""The Celery app of the platform (docs/background-work.md).

Imported by `zhijiao/__init__.py`, so every `@shared_task` binds to it. Importing it only creates the app:
the settings (`CELERY_*` in zhijiao/settings.py) are read when the app is first used, and the apps'
`tasks.py` modules are found when a worker starts (or when the app is finalized), so `import zhijiao` stays
cheap and needs no configured Django.

Without `CELERY_BROKER_URL` the settings make every task eager: `.delay()` runs the task in the calling
process, and nothing needs a worker or beat (`zhijiao start`). With a broker, `zhijiao worker` runs the
tasks and `zhijiao beat` (one per deployment) sends the periodic ones below.

Run Celery's own command line against it with `celery -A zhijiao.celery_app ...` if ever needed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")

# Periodic tasks, sent by `zhijiao beat`. Tasks are named by string, so this module imports no app. Each
# message expires after its own interval: while the workers are down, beat does not pile up a backlog of
# runs that the next one makes pointless. A later app adds its entries to this one dict, e.g.
#     BEAT_SCHEDULE["reminders.send_due"] = {"task": "reminders.send_due", "schedule": 60.0, ...}
BEAT_SCHEDULE: dict[str, dict] = {
    # Cockpit rollups from the event trail, then the district figures computed ahead (docs/cockpit.md).
    "cockpit.rollup": {"task": "cockpit.rollup", "schedule": 300.0, "options": {"expires": 300}},
    # Safety net: the search outbox is normally drained right after each commit (docs/search.md).
    "search.drain_outbox": {"task": "search.tasks.drain_outbox", "schedule": 60.0, "options": {"expires": 60}},
    # The event trail's buffered statements into the store (zhijiao/records/tasks.py).
    "records.drain_trail": {"task": "records.drain_trail", "schedule": 10.0, "options": {"expires": 10}},
}

app = Celery("zhijiao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = BEAT_SCHEDULE
app.autodiscover_tasks()  # lazy: each installed app's `tasks` module, imported when the app is finalized
