"""Celery wrappers around search actions."""

from celery import shared_task


@shared_task(name="search.tasks.drain_outbox")
def drain_outbox() -> int:
    from zhijiao.search.actions import drain_outbox_now

    return drain_outbox_now(wait=True)
