"""`zhijiao beat`: sends the periodic tasks of `zhijiao.celery_app.BEAT_SCHEDULE` (docs/background-work.md).

Run exactly one per deployment: two would send every task twice.
"""

import os

from django.conf import settings
from django.core.management.base import BaseCommand

from zhijiao.core.management.commands.worker import require_broker


class Command(BaseCommand):
    help = ("运行 Celery beat，按计划发送定时任务（每个部署只运行一个；需要 CELERY_BROKER_URL）。"
            "Run Celery beat, which sends the periodic tasks (one per deployment; needs CELERY_BROKER_URL). "
            "Arguments after -- go to `celery beat` as they are.")

    def add_arguments(self, parser):
        parser.add_argument("--schedule", default=str(settings.DATA_DIR / "celerybeat-schedule"),
                            help="where beat remembers the last run of each entry (default: under the data dir)")
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument("celery_args", nargs="*", metavar="-- CELERY_OPTION", help="passed on to celery beat")

    def handle(self, *args, schedule, loglevel, celery_args, **options):
        require_broker()
        from zhijiao.celery_app import app

        os.makedirs(os.path.dirname(os.path.abspath(schedule)), exist_ok=True)
        return_code = app.start(["beat", f"--schedule={schedule}", f"--loglevel={loglevel}", *celery_args])
        if return_code:
            raise SystemExit(return_code)
