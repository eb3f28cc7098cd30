"""Without a broker, one web process per host runs the beat schedule (zhijiao/core/clock.py)."""

import multiprocessing

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
