import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from zhijiao.core.models import OrgNode


class Command(BaseCommand):
    help = "一键启动：建库、生成示范区（如为空）、启动服务。Migrate, build the demo district if empty, serve."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("ZHIJIAO_BIND", "127.0.0.1:8000"))
        parser.add_argument("--no-demo", action="store_true", help="do not build the demo district")

    def handle(self, *args, bind, no_demo, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库已就绪 / database ready")
        # Hashed, pre-compressed static files, as production serves them (web/static_storage.py).
        call_command("collectstatic", interactive=False, verbosity=0)
        if not no_demo and not OrgNode.objects.exists():
            call_command("demo", size="small", no_logins=True)
        from zhijiao.search.selectors import get_backend

        stale = get_backend().needs_rebuild()
        if stale:  # an index left by an older version: rebuild before serving, so search finds everything
            self.stdout.write(f"{stale}: 重建搜索索引 / rebuilding the search index")
            call_command("reindex")
        from zhijiao.demo.logins import print_logins

        host, _, port = bind.rpartition(":")
        print_logins(self.stdout, f"http://{host or '127.0.0.1'}:{port}/")
        call_command("serve", bind=bind)
