"""One index writer at a time, across threads, web workers and Celery workers: a file lock under the index dir."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from pathlib import Path

_held = threading.local()  # roots this thread holds: the lock is re-entrant within a thread


class IndexBusy(Exception):
    """Another process or thread holds the index writer lock."""


@contextlib.contextmanager
def writer_lock(root: Path, *, wait: bool = True, timeout: float = 600.0):
    """Hold the exclusive writer lock of the index under `root`.

    wait=False raises IndexBusy at once if another writer holds it (its holder, or the next drain, will
    apply the pending work); wait=True waits up to `timeout` seconds.
    """
    root.mkdir(parents=True, exist_ok=True)
    key = str(Path(root).resolve())
    held = getattr(_held, "roots", None)
    if held is None:
        held = _held.roots = {}
    if held.get(key):
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    fd = os.open(root / ".writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait or time.monotonic() > deadline:
                    raise IndexBusy(str(root)) from None
                time.sleep(0.05)
        held[key] = 1
        try:
            yield
        finally:
            held[key] = 0
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
