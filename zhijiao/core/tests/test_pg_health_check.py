"""A connection PostgreSQL dropped between two requests does not fail the second one (CONN_HEALTH_CHECKS,
answered by polling the socket: zhijiao/core/postgresql/base.py)."""

import time

import psycopg
import pytest
from django.db import close_old_connections, connection

from zhijiao.core.models import OrgNode

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's connection handling")


def _terminate(pid: int) -> None:
    params = connection.get_connection_params()
    with psycopg.connect(**{**params, "autocommit": True}) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
        for _ in range(100):  # the backend has gone once pg_stat_activity no longer lists it
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_between_requests_is_replaced():
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    close_old_connections()  # a request starts
    OrgNode.objects.count()
    assert connection.is_usable()  # a live idle connection passes
    pid = connection.connection.info.backend_pid
    close_old_connections()  # the request ends; the connection is kept for the next one

    _terminate(pid)
    assert not connection.is_usable()

    close_old_connections()  # the next request
    assert OrgNode.objects.count() >= 0  # no OperationalError: Django connected again
    assert connection.connection.info.backend_pid != pid
