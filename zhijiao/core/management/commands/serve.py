import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "用 gunicorn 提供服务（生产部署）。Serve the platform with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("ZHIJIAO_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("ZHIJIAO_WORKERS", 2)))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("ZHIJIAO_THREADS", 4)))

    def handle(self, *args, bind, workers, threads, **options):
        argv = [sys.executable, "-m", "gunicorn", "zhijiao.wsgi:application", "--bind", bind,
                "--workers", str(workers), "--threads", str(threads), "--access-logfile", "-",
                "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms']  # path only: no query strings in logs
        if settings.DEBUG:
            argv.append("--reload")
        sys.stdout.flush()
        os.execv(sys.executable, argv)
