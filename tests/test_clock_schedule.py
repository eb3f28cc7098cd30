"""Without a broker the server's clock runs the beat schedule: a statement recorded reaches the cockpit's
rollups with nobody opening a page (zhijiao/core/clock.py)."""

import threading

from django.db import OperationalError
from django.test import override_settings

from zhijiao.core import clock


def test_the_clock_runs_the_schedule_a_statement_reaches_the_cockpit(tmp_path, transactional_db):
    from zhijiao.accounts.models import User
    from zhijiao.cockpit.models import RollupCheckpoint
    from zhijiao.demo.builder import build_demo
    from zhijiao.records.actions import record_event

    build_demo(size="small", extensions=False)
    RollupCheckpoint.objects.all().delete()
    teacher = User.objects.get(username="laoshi")
    record_event(actor=teacher, verb="assigned", object_kind="homework", object_key=1, actor_role="teacher")
    stop = threading.Event()
    with override_settings(DATA_DIR=tmp_path, ZHIJIAO_COCKPIT_LAG_SECONDS=0):
        t = threading.Thread(target=clock._clock_loop, args=(stop,), daemon=True)
        t.start()
        try:
            cp = None
            for _ in range(300):
                try:
                    cp = RollupCheckpoint.objects.filter(statements__gt=0).first()
                except OperationalError as exc:
                    # The tests' in-memory SQLite shares one cache between threads, with table locks that
                    # no busy timeout waits on: while the clock's rollup writes, a reader is told "locked".
                    if "locked" not in str(exc):
                        raise
                if cp is not None:
                    break
                stop.wait(0.1)
        finally:
            stop.set()
            t.join(10)
    assert cp is not None and cp.statements >= 1
