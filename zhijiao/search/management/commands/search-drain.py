"""zhijiao search-drain: apply pending search outbox rows to the index (waits for the writer lock)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "把搜索待办（outbox）中积压的变更写入索引。"

    def handle(self, *args, **opts):
        from zhijiao.search.actions import drain_outbox_now
        from zhijiao.search.selectors import pending_outbox_count

        n = drain_outbox_now(wait=True)
        self.stdout.write(self.style.SUCCESS(f"applied {n} outbox rows; {pending_outbox_count()} pending"))
