"""Django's PostgreSQL backend with a health check that costs no round trip.

`CONN_HEALTH_CHECKS` keeps a connection that PostgreSQL dropped (a restart, `pg_terminate_backend`, an
idle timeout) from failing the next request: before a request's first query Django asks `is_usable()`,
which sends `SELECT 1` and waits for the answer, a round trip on every request (for a single xAPI
statement, one of the two). A server that ends a connection says so: it sends a FATAL message and closes
the socket, so an idle connection's socket becomes readable. This backend asks the socket instead (one
`poll`, no I/O): readable while idle means the server has sent something unasked, so the connection is
not trusted and Django connects again. What neither check can see quickly is a network that silently
swallows packets (`SELECT 1` then hangs as long as the first query would); TCP keepalives are for that.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed:
            return False
        from psycopg.pq import TransactionStatus

        if conn.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()  # mid-transaction (not the start of a request): ask the server
        try:
            poller = select.poll()
            poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
            return not poller.poll(0)
        except (OSError, ValueError, base.Database.Error):
            return False
