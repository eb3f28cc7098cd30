"""Without a broker, one web process per host runs the beat schedule (zhijiao/core/clock.py)."""

import multiprocessing
import threading

from django.test import override_settings

from zhijiao.core import clock


def _try_lock(path, q):
    q.put(clock._take_lock(path) is not None)


def test_one_process_holds_the_clock_the_next_takes_over_when_it_lets_go(tmp_path):
    path = tmp_path / "clock.lock"
    fd = clock._take_lock(path)
    assert fd is not None
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_try_lock, args=(path, q))
    p.start(), p.join()
    assert q.get() is False  # another web process on the host does not run the schedule twice
    import os

    os.close(fd)  # the holder exits
    p = ctx.Process(target=_try_lock, args=(path, q))
    p.start(), p.join()
    assert q.get() is True


def test_no_clock_with_a_broker_or_when_turned_off():
    with override_settings(ZHIJIAO_CLOCK=True, CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:5672//"):
        assert clock.start_clock() is False
    with override_settings(ZHIJIAO_CLOCK=False, CELERY_BROKER_URL=""):
        assert clock.start_clock() is False


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
            for _ in range(300):
                cp = RollupCheckpoint.objects.filter(statements__gt=0).first()
                if cp is not None:
                    break
                stop.wait(0.1)
        finally:
            stop.set()
            t.join(10)
    assert cp is not None and cp.statements >= 1
