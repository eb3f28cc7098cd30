"""zhijiao reindex: rebuild the search index from the database (into a fresh directory, then swap)."""

from django.core.management.base import BaseCommand
from tqdm import tqdm


class Command(BaseCommand):
    help = "重建搜索索引：从数据库读出全部资源，写入新的索引目录后替换旧索引（搜索不中断）。"

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, **opts):
        from zhijiao.search.actions import index_rebuild
        from zhijiao.search.documents import resource_count

        bar = tqdm(total=resource_count(), unit="doc", desc="reindex", disable=opts["no_progress"])
        seen = [0]

        def progress(n):
            bar.update(n - seen[0])
            seen[0] = n

        n = index_rebuild(progress=progress)
        bar.close()
        self.stdout.write(self.style.SUCCESS(f"indexed {n} resources"))
