"""zhijiao trail-drain: apply spooled counted reads (resource views, downloads, searches) now."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "把缓冲的浏览、下载、搜索记录写入数据库。Apply the batched trail now."

    def handle(self, *args, **opts):
        from zhijiao.records.trail import trail_drain, trail_pending

        n = trail_drain()
        self.stdout.write(self.style.SUCCESS(f"applied {n} entries; {trail_pending()} files pending"))
