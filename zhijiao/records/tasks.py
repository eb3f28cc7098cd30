"""Celery wrappers around records actions."""

from celery import shared_task


@shared_task(name="records.drain_trail")
def drain_trail() -> int:
    """Apply spooled counted reads (a safety net beside each web process's own drain thread)."""
    from zhijiao.records.trail import trail_drain

    return trail_drain()
