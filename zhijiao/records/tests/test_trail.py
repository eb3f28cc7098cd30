"""The batched trail: counted reads spooled to files and applied exactly once, whatever dies when."""

import os
import subprocess
import sys

import pytest

from zhijiao.records import trail
from zhijiao.records.actions import statement_build, statements_insert
from zhijiao.records.models import Statement, TrailBatch

KIND = "test.counted"


def _apply(entries):
    statements_insert(statements=[
        statement_build(actor=None, verb="viewed", object_kind="resource", object_key=e.payload["n"], timestamp=e.at,
                        statement_id=e.id) for e in entries])


@pytest.fixture(autouse=True)
def _kind():
    trail.register_trail_kind(KIND, _apply)
    yield
    trail._APPLIERS.pop(KIND, None)


def _count(n0: int, n: int) -> None:
    for i in range(n0, n0 + n):
        trail.trail_append(kind=KIND, payload={"n": i})


@pytest.mark.django_db
def test_appending_writes_nothing_to_the_database_until_drained(django_assert_num_queries):
    with django_assert_num_queries(0):
        _count(0, 5)
    assert Statement.objects.count() == 0
    assert trail.trail_drain() == 5
    assert sorted(int(s.object_id.rsplit("/", 1)[-1]) for s in Statement.objects.all()) == [0, 1, 2, 3, 4]
    assert trail.trail_drain() == 0 and trail.trail_pending() == 0


@pytest.mark.django_db
def test_a_file_applied_before_a_crash_is_not_applied_again(monkeypatch):
    _count(0, 3)
    # The drainer commits the file's rows, then dies before deleting the file (here: the unlink fails).
    real_unlink = trail.Path.unlink
    monkeypatch.setattr(trail.Path, "unlink", lambda self, *a, **k: (_ for _ in ()).throw(OSError("crash")))
    trail.trail_drain()
    monkeypatch.setattr(trail.Path, "unlink", real_unlink)
    assert Statement.objects.count() == 3 and trail.trail_pending() == 1  # stored, and the file is still there
    assert trail.trail_drain() == 0  # recognised by its TrailBatch row: deleted, nothing stored twice
    assert Statement.objects.count() == 3 and trail.trail_pending() == 0
    assert TrailBatch.objects.get().entries == 3


@pytest.mark.django_db
def test_the_file_of_a_killed_process_is_applied_and_a_torn_last_line_ignored():
    # A child process counts 4 reads, starts a 5th line, and is killed -9 before finishing it.
    code = (
        "import os, signal, django; django.setup();"
        "from zhijiao.records import trail;"
        f"[trail.trail_append(kind={KIND!r}, payload={{'n': i}}) for i in range(4)];"
        "os.write(trail._spool.fd, b'{\"k\": \"cut');"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "DJANGO_SETTINGS_MODULE": "zhijiao.settings",
                                                           "ZHIJIAO_TRAIL_DIR": str(trail.spool_dir())})
    assert proc.returncode == -9
    [orphan] = list(trail.spool_dir().glob("*.open"))
    assert trail.trail_drain() == 4
    assert Statement.objects.count() == 4 and not orphan.exists()


@pytest.mark.django_db
def test_a_live_process_file_is_left_alone(tmp_path):
    # Another live process's open file (here: our parent's pid) is still being written: not claimed.
    d = trail.spool_dir()
    d.mkdir(parents=True, exist_ok=True)
    live = d / f"{trail._HOST}.{os.getppid()}.1.open"
    live.write_bytes(f'{{"k":"{KIND}","t":"2026-12-01T08:00:00+08:00","id":"{"0" * 32}","p":{{"n":1}}}}\n'.encode())
    assert trail.trail_drain() == 0 and live.exists()
    live.unlink()


@pytest.mark.django_db
def test_a_failing_batch_is_kept_for_the_next_drain(caplog):
    trail.trail_append(kind="nobody.registered", payload={})
    assert trail.trail_drain() == 0
    assert len(list(trail.spool_dir().glob("*.ready"))) == 1  # kept, not lost
    assert "no applier registered" in caplog.text
    trail.register_trail_kind("nobody.registered", lambda entries: None)
    try:
        assert trail.trail_drain() == 1 and trail.trail_pending() == 0
    finally:
        trail._APPLIERS.pop("nobody.registered", None)
