"""Counters lose no update under concurrent use (single UPDATE ... SET n = n + 1 statements).

Runs on PostgreSQL (DATABASE_URL=postgres://...), where requests really run in parallel.
"""

import threading

import pytest
from django.db import connection, connections

from zhijiao.records.trail import trail_drain
from zhijiao.resources import actions
from zhijiao.resources.models import Resource

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL for real parallel writes")


def _run_parallel(fns):
    errors = []
    barrier = threading.Barrier(len(fns))

    def run(fn):
        try:
            barrier.wait()
            fn()
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_no_lost_updates_under_concurrent_use(lib):
    from zhijiao.accounts.models import Role, RoleKind

    r = lib.make()
    students = [role.user for role in Role.objects.filter(kind=RoleKind.STUDENT).select_related("user")[:8]]
    viewers = students * 5  # 40 views by 8 people, 8 threads at a time

    def view_batch(user):
        return lambda: [actions.resource_view(user=user, resource=r) for _ in range(5)]

    _run_parallel([view_batch(u) for u in students])
    assert trail_drain() == len(viewers)
    _run_parallel([lambda u=u: actions.favourite_add(user=u, resource=r) for u in students])
    _run_parallel([lambda u=u, k=k: actions.rating_set(user=u, resource=r, score=1 + k % 5)
                   for k, u in enumerate(students)])
    _run_parallel([lambda u=u: actions.rating_set(user=u, resource=r, score=5) for u in students])
    r = Resource.objects.get(pk=r.pk)
    assert r.view_count == len(viewers)
    assert r.favourite_count == len(students)
    assert (r.rating_count, r.rating_sum) == (len(students), 5 * len(students))
    from zhijiao.resources.models import PointsAccount, PointsLedger

    # points granted concurrently: ledger and balance agree
    acct = PointsAccount.objects.get(user=lib.users["laoshi"])
    assert acct.balance == sum(PointsLedger.objects.filter(user=lib.users["laoshi"]).values_list("points", flat=True))
