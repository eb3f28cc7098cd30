"""The outbox: written in the caller's transaction, drained in order by one writer, crash-safe."""

import subprocess
import sys
import textwrap
import threading

import pytest
from django.db import transaction

from zhijiao.search.actions import drain_outbox_now, index_enqueue
from zhijiao.search.base import ScopeFilter, SearchDocument, SearchQuery
from zhijiao.search.locking import IndexBusy, writer_lock
from zhijiao.search.models import IndexOutbox
from zhijiao.search.selectors import get_backend

EVERYTHING = ScopeFilter(everything=True)


def found(text):
    return [h.id for h in get_backend().search(SearchQuery(text=text, scope=EVERYTHING)).hits]


def test_unknown_kind_or_op_refused(db):
    with pytest.raises(ValueError):
        index_enqueue(kind="nonsense", pk=1)
    with pytest.raises(ValueError):
        index_enqueue(kind="resource", pk=1, op="explode")


def test_enqueue_in_rolled_back_transaction_leaves_nothing(make_resource, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                make_resource(title="勾股定理 回滚的资源")
                raise RuntimeError("the action failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert IndexOutbox.objects.count() == 0
    assert found("勾股定理") == []


def test_commit_drains_after_commit(make_resource, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            r = make_resource(title="勾股定理的证明")
            assert found("勾股定理") == []  # nothing in the index before commit
    assert found("勾股定理") == [r.pk]
    assert IndexOutbox.objects.count() == 0


def test_drain_reads_current_state_update_and_delete(make_resource):
    r = make_resource(title="静夜思 朗读")
    drain_outbox_now()
    assert found("静夜思") == [r.pk]
    r.title = "春晓 朗读"
    r.save()
    index_enqueue(kind="resource", pk=r.pk)
    index_enqueue(kind="resource", pk=r.pk)  # twice is harmless
    assert drain_outbox_now() == 2
    assert found("静夜思") == [] and found("春晓") == [r.pk]
    pk = r.pk
    r.delete()
    index_enqueue(kind="resource", pk=pk)  # upsert of a missing row removes it
    drain_outbox_now()
    assert found("春晓") == []
    assert get_backend().count() == 0


def test_interrupted_drain_is_reapplied(make_resource, monkeypatch):
    from zhijiao.search import actions

    a = make_resource(title="一元二次方程 课件")
    b = make_resource(title="一元二次方程 学案")

    def crash(ids):
        raise SystemExit("worker killed after the index commit, before the rows were deleted")

    monkeypatch.setattr(actions, "_forget", crash)
    with pytest.raises(SystemExit):
        drain_outbox_now()
    assert IndexOutbox.objects.count() == 2  # the rows survive the crash
    monkeypatch.undo()
    assert drain_outbox_now() == 2
    assert sorted(found("一元二次方程")) == sorted([a.pk, b.pk])
    assert get_backend().count() == 2  # re-applied, not duplicated
    assert IndexOutbox.objects.count() == 0


def test_failed_index_write_keeps_rows_and_counts_attempts(make_resource, monkeypatch):
    make_resource(title="分数的初步认识")
    backend = get_backend()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(backend, "write", broken)
    with pytest.raises(OSError):
        drain_outbox_now()
    row = IndexOutbox.objects.get()
    assert row.attempts == 1
    monkeypatch.undo()
    drain_outbox_now()
    assert IndexOutbox.objects.count() == 0 and len(found("分数的初步认识")) == 1


def test_busy_lock_leaves_rows_for_the_holder(make_resource):
    r = make_resource(title="多位数乘一位数")
    backend = get_backend()
    backend.count()  # create the index
    held = threading.Event()
    release = threading.Event()

    def holder():
        with writer_lock(backend.root):
            held.set()
            release.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(10)
    try:
        assert drain_outbox_now(wait=False) == 0  # does not wait, does not fail
        assert IndexOutbox.objects.count() == 1
        with pytest.raises(IndexBusy):
            with writer_lock(backend.root, wait=False):
                pass
    finally:
        release.set()
        t.join()
    assert drain_outbox_now(wait=False) == 1
    assert found("乘一位") == [r.pk]


def test_two_writers_at_once_do_not_corrupt(search_index_dir):
    """Two worker processes write the same index at the same time: the lock queues them; all lands."""
    from zhijiao.search.tantivy_backend import TantivyBackend

    TantivyBackend(search_index_dir).count()
    script = textwrap.dedent(f"""
        import sys
        from zhijiao.search.base import SearchDocument
        from zhijiao.search.tantivy_backend import TantivyBackend
        b = TantivyBackend({str(search_index_dir)!r})
        start = int(sys.argv[1])
        for batch in range(5):
            b.index([SearchDocument(id=start + batch * 20 + i, title=f"勾股定理 第{{start}}组") for i in range(20)])
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(start)]) for start in (1, 1001)]
    for p in procs:
        assert p.wait(120) == 0
    backend = TantivyBackend(search_index_dir)
    assert backend.count() == 200
    assert backend.search(SearchQuery(text="勾股定理", scope=EVERYTHING)).total == 200


def test_threads_index_and_search_concurrently(search_index_dir):
    from zhijiao.search.tantivy_backend import TantivyBackend

    backend = TantivyBackend(search_index_dir)
    errors = []

    def writer(start):
        try:
            for i in range(10):
                backend.index([SearchDocument(id=start + i, title="分数的初步认识")])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader():
        try:
            for _ in range(20):
                backend.search(SearchQuery(text="分数", scope=EVERYTHING))
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(s,)) for s in (0, 100)] + [threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert backend.count() == 20


def test_a_failing_drain_after_commit_does_not_fail_the_writer(make_resource, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    backend = get_backend()

    def broken(*args, **kwargs):
        raise OSError("index directory not writable")

    monkeypatch.setattr(backend, "write", broken)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            r = make_resource(title="勾股定理 写入成功")
    from zhijiao.resources.models import Resource

    assert Resource.objects.filter(pk=r.pk).exists()  # the library's change stands
    assert IndexOutbox.objects.get().attempts == 1  # and the index work waits
    monkeypatch.undo()
    drain_outbox_now()
    assert found("勾股定理") == [r.pk]
