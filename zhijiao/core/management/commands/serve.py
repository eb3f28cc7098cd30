"""zhijiao serve: the production web server (gunicorn, threaded workers), with defaults for the machine."""

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


def default_workers() -> int:
    # Pages are CPU-bound Python: one process per core, threads to overlap database and cache round trips.
    return int(os.environ.get("ZHIJIAO_WORKERS") or (os.cpu_count() or 1))


class Command(BaseCommand):
    help = "用 gunicorn 提供服务（生产部署）。Serve the platform with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("ZHIJIAO_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=default_workers(),
                            help="processes (default: ZHIJIAO_WORKERS, else one per CPU core)")
        parser.add_argument("--threads", type=int, default=int(os.environ.get("ZHIJIAO_THREADS", 4)),
                            help="threads per process (default: ZHIJIAO_THREADS, else 4)")
        parser.add_argument("--max-requests", type=int, default=int(os.environ.get("ZHIJIAO_MAX_REQUESTS", 50000)),
                            help="restart a worker after this many requests (bounds memory growth; 0: never)")
        parser.add_argument("--no-access-log", action="store_true",
                            default=os.environ.get("ZHIJIAO_ACCESS_LOG", "1") == "0",
                            help="no access log on stdout (or ZHIJIAO_ACCESS_LOG=0)")

    def handle(self, *args, bind, workers, threads, max_requests, no_access_log, **options):
        argv = [sys.executable, "-m", "gunicorn", "zhijiao.wsgi:application", "--bind", bind,
                "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
                "--max-requests", str(max_requests), "--max-requests-jitter", str(max_requests // 10),
                "--graceful-timeout", "30",
                # gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl): two
                # instances on one host would take each other's. Each data directory gets its own.
                "--control-socket", str(settings.DATA_DIR / "gunicorn.ctl")]
        if not no_access_log:  # path only: no query strings (search words, tokens) in logs
            argv += ["--access-logfile", "-", "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms']
        if settings.DEBUG:
            argv.append("--reload")
        # glibc gives each thread that allocates its own malloc arena; with 4 threads a worker's memory
        # spreads over several and is not returned (measured: 25-50 MB more RSS per worker under load).
        # Two arenas cost no throughput here. An operator's own value wins.
        os.environ.setdefault("MALLOC_ARENA_MAX", "2")
        sys.stdout.flush()
        os.execv(sys.executable, argv)
