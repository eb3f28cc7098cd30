"""`zhijiao worker`: a Celery worker for the platform's background tasks (docs/background-work.md)."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

NO_BROKER = (
    "未设置 CELERY_BROKER_URL：没有消息队列时，后台任务在 Web 进程内于提交后直接运行，不需要 worker 和 beat。"
    "如需独立的后台进程，请设置 CELERY_BROKER_URL（例如 redis://127.0.0.1:6379/1 或 amqp://user:pass@host:5672//）。\n"
    "CELERY_BROKER_URL is not set: without a broker, background tasks run inside the web process after each "
    "commit and no worker or beat is needed. To run them apart, set CELERY_BROKER_URL "
    "(e.g. redis://127.0.0.1:6379/1 or amqp://user:pass@host:5672//)."
)


def require_broker() -> None:
    if not settings.CELERY_BROKER_URL:
        raise CommandError(NO_BROKER)


class Command(BaseCommand):
    help = ("运行 Celery worker，执行后台任务（需要 CELERY_BROKER_URL）。"
            "Run a Celery worker for the background tasks (needs CELERY_BROKER_URL). "
            "Arguments after -- go to `celery worker` as they are.")

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=int(os.environ.get("ZHIJIAO_WORKER_CONCURRENCY", 2)),
                            help="worker processes (default 2: one per core of a small server)")
        parser.add_argument("--queues", default=settings.CELERY_TASK_DEFAULT_QUEUE,
                            help="comma-separated queues to consume (default: %(default)s)")
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument("celery_args", nargs="*", metavar="-- CELERY_OPTION",
                            help="passed on to celery worker, e.g. -- --max-memory-per-child 500000")

    def handle(self, *args, concurrency, queues, loglevel, celery_args, **options):
        require_broker()
        from zhijiao.celery_app import app

        argv = [
            "worker", f"--concurrency={concurrency}", f"--queues={queues}", f"--loglevel={loglevel}",
            "--hostname=zhijiao@%h",
            # One message per process at a time (acks late), so a long rollup never sits on queued work.
            f"--prefetch-multiplier={settings.CELERY_WORKER_PREFETCH_MULTIPLIER}",
            f"--max-tasks-per-child={settings.CELERY_WORKER_MAX_TASKS_PER_CHILD}",
            # No worker-to-worker chatter: a district runs one or two workers, not a cluster to synchronise.
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            *celery_args,
        ]
        return_code = app.worker_main(argv)
        if return_code:
            raise SystemExit(return_code)
