"""The batched trail: counted reads (a resource viewed or downloaded, a search) off the request path.

A page someone merely opens must cost reads only (architecture section 5). So the request appends one
line to this process's spool file under `<data dir>/trail/` (`ZHIJIAO_TRAIL_DIR`) — one `write()` to a file opened with
O_APPEND, no database, no lock another request waits on — and the response goes out after that write
returned. The lines are applied to the database off the request path, in batches:

- a background thread in each web process closes its spool file every `ZHIJIAO_TRAIL_DRAIN_SECONDS`
  (renamed `*.ready`) and applies ready files; the Celery beat task `records.drain_trail` and the
  command `zhijiao trail-drain` do the same from outside, and also pick up the files of processes
  that died (same host, pid no longer alive);
- a file is claimed by an atomic rename, so two drainers never apply the same file at once;
- a file's rows and its `TrailBatch` row commit in one transaction, so a file is applied exactly once
  even when the drainer dies between the commit and deleting the file.

A kill -9 of a web worker loses nothing it acknowledged: each line reached the kernel before the
response was sent, and the file outlives the process. (A power cut can lose the last seconds unless
`ZHIJIAO_TRAIL_FSYNC=1`, which syncs each line to disk at the cost of a disk flush per counted read.)

What a line means is up to the app that wrote it: each kind has one applier, registered by its app's
`ready()` with `register_trail_kind`, called inside the drain transaction with all of a file's entries
of that kind, in order.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrailEntry:
    """One counted read: its kind, when it happened, a statement id reserved for it, the app's payload."""

    kind: str
    at: datetime
    id: uuid.UUID
    payload: dict


Applier = Callable[[list[TrailEntry]], None]
_APPLIERS: dict[str, Applier] = {}


def register_trail_kind(kind: str, applier: Applier) -> None:
    """`applier(entries)` stores a batch of `kind` entries; it runs inside the drain transaction."""
    _APPLIERS[kind] = applier


def spool_dir() -> Path:
    return Path(settings.ZHIJIAO_TRAIL_DIR)


# A busy process hands its file to the drainers at least this often (an idle one: its drain thread does).
ROTATE_SECONDS = 2.0
_HOST = socket.gethostname().replace(".", "_")


class _Spool:
    """This process's open spool file. Reset after a fork: a child never writes into its parent's file."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pid = 0
        self.fd: int | None = None
        self.path: Path | None = None
        self.opened = 0.0
        self.thread: threading.Thread | None = None
        self.exit_hook = False

    def _open(self) -> None:
        d = spool_dir()
        d.mkdir(parents=True, exist_ok=True)
        self.path = d / f"{_HOST}.{os.getpid()}.{time.time_ns()}.open"
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self.opened = time.monotonic()
        if not self.exit_hook:
            atexit.register(self.close)  # a worker that exits cleanly hands its last file over
            self.exit_hook = True

    def append(self, line: bytes) -> None:
        with self.lock:
            if self.pid != os.getpid():  # first use in this process (or in a forked child)
                self.pid, self.fd, self.path, self.thread = os.getpid(), None, None, None
            if self.fd is not None and time.monotonic() - self.opened > ROTATE_SECONDS:
                self._hand_over()
            if self.fd is None:
                self._open()
            os.write(self.fd, line)
            if settings.ZHIJIAO_TRAIL_FSYNC:
                os.fsync(self.fd)
            if self.thread is None and settings.ZHIJIAO_TRAIL_DRAIN_SECONDS > 0:
                self.thread = threading.Thread(target=_drain_loop, name="zhijiao-trail", daemon=True)
                self.thread.start()

    def close(self) -> None:
        """Hand the current file to the drainers (rename to *.ready)."""
        with self.lock:
            if self.fd is not None and self.pid == os.getpid():
                self._hand_over()

    def _hand_over(self) -> None:
        os.close(self.fd)
        path, self.fd, self.path = self.path, None, None
        if path.stat().st_size:
            os.rename(path, path.with_suffix(".ready"))
        else:
            path.unlink()


_spool = _Spool()


def trail_append(*, kind: str, payload: dict) -> None:
    """Count a read: one line in this process's spool file, applied to the database off the request path."""
    entry = {"k": kind, "t": timezone.now().isoformat(), "id": str(uuid.uuid4()), "p": payload}
    _spool.append((json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode())


def trail_flush() -> None:
    """Close this process's spool file so the next drain applies it (tests, shutdown)."""
    _spool.close()


def _read(path: Path) -> list[TrailEntry]:
    entries = []
    with open(path, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break  # a line cut short by a kill mid-write was never acknowledged
            try:
                d = json.loads(raw)
                entries.append(TrailEntry(kind=d["k"], at=datetime.fromisoformat(d["t"]), id=uuid.UUID(d["id"]),
                                          payload=d["p"]))
            except (ValueError, KeyError, TypeError):
                log.error("trail: unreadable line skipped in %s", path.name)
    return entries


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _orphaned(path: Path) -> bool:
    """An *.open or *.applying file of a process on this host that is no longer running."""
    host, pid, *_ = path.name.split(".")
    owner = int(path.suffix.rsplit("-", 1)[-1]) if path.suffix.startswith(".applying-") else int(pid)
    return host == _HOST and owner != os.getpid() and not _pid_alive(owner)


def _base(path: Path) -> str:
    return ".".join(path.name.split(".")[:3])  # host.pid.ns: the file's one name through its renames


def _claim(path: Path) -> Path | None:
    claimed = path.parent / f"{_base(path)}.applying-{os.getpid()}"
    try:
        os.rename(path, claimed)
    except FileNotFoundError:
        return None  # another drainer took it
    return claimed


def _apply(path: Path) -> int:
    from zhijiao.records.models import TrailBatch

    name = _base(path)
    entries = _read(path)
    try:
        with transaction.atomic():
            TrailBatch.objects.create(name=name, entries=len(entries))
            by_kind: dict[str, list[TrailEntry]] = {}
            for e in entries:
                by_kind.setdefault(e.kind, []).append(e)
            for kind, group in by_kind.items():
                applier = _APPLIERS.get(kind)
                if applier is None:
                    raise RuntimeError(f"trail: no applier registered for {kind!r}")
                applier(group)
    except IntegrityError:
        if not TrailBatch.objects.filter(name=name).exists():
            raise
        entries = []  # applied before: the drainer died after the commit, before the unlink
    path.unlink()
    return len(entries)


def trail_drain(*, include_own: bool = True) -> int:
    """Apply every ready spool file (and the files of dead processes on this host); entries applied.

    `include_own` first closes this process's own file, so what it counted so far is applied now.
    A file that fails to apply is left (renamed back to *.ready) for the next drain and logged.
    """
    if include_own:
        trail_flush()
    d = spool_dir()
    if not d.exists():
        return 0
    applied = 0
    for path in sorted(d.iterdir()):
        suffix = path.suffix
        if suffix == ".ready" or (suffix == ".open" or suffix.startswith(".applying-")) and _orphaned(path):
            claimed = _claim(path)
            if claimed is None:
                continue
            try:
                applied += _apply(claimed)
            except Exception:
                log.exception("trail: could not apply %s; kept for the next drain", claimed.name)
                os.rename(claimed, claimed.parent / f"{_base(claimed)}.ready")
    return applied


def trail_pending() -> int:
    """Spool files not yet applied (for health checks and tests)."""
    d = spool_dir()
    return sum(1 for p in d.iterdir() if p.stat().st_size) if d.exists() else 0


def _drain_loop() -> None:
    # Each web process applies what it counted every few seconds; errors are logged, never raised.
    pid = os.getpid()
    while _spool.pid == pid:
        time.sleep(settings.ZHIJIAO_TRAIL_DRAIN_SECONDS)
        try:
            trail_drain()
        except Exception:
            log.exception("trail: drain failed")
        finally:
            close_old_connections()
