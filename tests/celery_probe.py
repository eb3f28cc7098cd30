"""A task for the broker tests only: `zhijiao worker -- --include tests.celery_probe` loads it."""

from pathlib import Path

from celery import shared_task


@shared_task(name="tests.celery_probe.write")
def write(path: str, text: str) -> None:
    """A side effect the test can see from outside the worker process, with no database involved."""
    Path(path).write_text(text, encoding="utf-8")
