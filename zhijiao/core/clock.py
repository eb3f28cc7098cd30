"""The beat schedule without a broker: one web process on the host runs the periodic tasks itself.

With `CELERY_BROKER_URL` set, `zhijiao beat` sends the periodic tasks of `zhijiao.celery_app.BEAT_SCHEDULE`
to the workers. Without one (`zhijiao start`, a small deployment), nothing would run on a clock, and the
cockpit pages used to bring their rollups up to date themselves: a write on the request path of whoever
opened the page. Instead, each web process started by `zhijiao serve` (gunicorn imports `zhijiao.wsgi`)
starts this clock thread; the one that holds the file lock `<data dir>/clock.lock` runs each task of the
schedule at its interval, eagerly, in that thread. When that process exits (a restart, `--max-requests`),
the kernel releases the lock and another process's clock takes over within `RETRY_SECONDS`.

Every scheduled task is safe to run twice and takes its own lock, so a second host running its own clock
against the same database wastes work but breaks nothing.
"""

import fcntl
import logging
import os
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)

RETRY_SECONDS = 30.0  # how often a process without the lock tries to take it
TICK_SECONDS = 1.0

_started_in: int | None = None


def clock_enabled() -> bool:
    return bool(settings.ZHIJIAO_CLOCK) and not settings.CELERY_BROKER_URL


def start_clock() -> bool:
    """Start this process's clock thread (once per process; no-op with a broker or `ZHIJIAO_CLOCK=0`)."""
    global _started_in
    if not clock_enabled() or _started_in == os.getpid():
        return False
    _started_in = os.getpid()
    threading.Thread(target=_clock_loop, name="zhijiao-clock", daemon=True).start()
    return True


def run_scheduled(task_name: str) -> bool:
    """Run one task of the schedule in this thread; False (and logged) if it raised."""
    from zhijiao.celery_app import app

    app.loader.import_default_modules()  # the apps' tasks.py (what a worker imports when it starts)
    result = app.tasks[task_name].apply()
    if result.failed():
        log.error("clock: %s failed: %r", task_name, result.result)
        return False
    return True


def _take_lock(path: Path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd  # held for as long as the clock runs: the life of the process


def _clock_loop(stop: threading.Event | None = None) -> None:
    from zhijiao.celery_app import BEAT_SCHEDULE

    stop = stop or threading.Event()
    lock_path = Path(settings.DATA_DIR) / "clock.lock"
    while (fd := _take_lock(lock_path)) is None:
        if stop.wait(RETRY_SECONDS):
            return
    log.info("clock: process %s runs the beat schedule", os.getpid())
    last: dict[str, float] = {}
    while not stop.is_set():
        for name, entry in BEAT_SCHEDULE.items():
            now = time.monotonic()
            if now - last.get(name, float("-inf")) >= float(entry["schedule"]):
                last[name] = now
                try:
                    run_scheduled(entry["task"])
                except Exception:  # never let one task stop the clock
                    log.exception("clock: %s raised", entry["task"])
                finally:
                    close_old_connections()  # as after a request: none left open across ticks
        stop.wait(TICK_SECONDS)
    os.close(fd)  # a stopped clock (tests) lets another take over
