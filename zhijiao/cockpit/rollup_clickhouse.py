"""The `clickhouse` rollup backend: ClickHouse groups each batch; the groups go back into the rollup tables.

On PostgreSQL the sql backend's one statement that reads a batch and fills every table runs on one core
(data-modifying CTEs never run in parallel): a peak day took ≈140 s. Here, inside the rollup's transaction:

1. The batch's seven narrow columns leave the relational store in one read from the rollup's own
   connection — the same transaction that moves the checkpoint —: PostgreSQL `COPY (SELECT …) TO STDOUT`
   (tab-separated text, which ClickHouse reads as it is), SQLite plain rows; streamed into ClickHouse as they
   come (chDB: through a named pipe; a server: one streamed insert), so extraction and parsing overlap.
2. ClickHouse holds them in a temporary Memory table and groups it three ways: (day, hour, school,
   role group) — which sums to the hourly, school-daily and district-hourly tables —, (day, person, school,
   role group) — the per-person table and the person-days of ActorYear/ActiveDaily —, and the count
   vectors' keys. ClickHouse is the server at `ZHIJIAO_CLICKHOUSE_URL`, else chDB in this process; both
   through clickhouse-connect (its `chdb://` backend for chDB), with the very same SQL (`Client` below).
3. The groups are upserted into the same rollup tables the sql backend fills, with the same upserts
   (PostgreSQL: COPY into a temporary table, then one `INSERT … SELECT … ON CONFLICT DO UPDATE` per table).

So the pages, the voids (rollup.py applies them for both backends), exactly-once and crash recovery are
those of the sql backend; ClickHouse holds nothing between batches. chdb and clickhouse-connect are the
optional `clickhouse` extra (`pip install 'zhijiao[clickhouse]'`), imported only when this backend runs.
"""

import errno
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from zhijiao.cockpit.indicators import DETAILED_GROUPS, ROLE_GROUPS, VOIDED_VERB
from zhijiao.cockpit.models import ActorDaily, DistrictHourly, HourlyCount, SchoolDaily
from zhijiao.cockpit.rollup_sql import active_days_sql, upsert_sql
from zhijiao.cockpit.vectors import as_date, vectors_add
from zhijiao.records.models import Statement

BATCH_TABLE = "zj_rollup_batch"
GRID_TABLE = "zj_rollup_grid"
# The batch's columns, as ClickHouse holds them (the order of the extract's SELECT).
BATCH_COLUMNS = ("ts DateTime64(6, 'UTC'), actor_id Nullable(Int64), school_id Int64, klass_id Int64, "
                 "actor_role LowCardinality(String), verb LowCardinality(String), object_type LowCardinality(String)")
# PostgreSQL writes timestamps as `2026-12-07 01:15:00.123456+00`, SQLite as `2026-12-07 01:15:00.123456`.
LOAD_SETTINGS = {"date_time_input_format": "best_effort"}


# Seconds of each step of the last batch (extract and load, group, write back): bench/cockpit.py prints them.
last_steps: dict[str, float] = {}


class MissingEngine(RuntimeError):
    """The clickhouse backend was chosen but its optional packages are not installed."""


# --- the client adapter: one clickhouse-connect client, on a server or on chDB ---------------------------

class Client:
    """clickhouse-connect on the server at `ZHIJIAO_CLICKHOUSE_URL`, or on chDB in this process (its `chdb://`
    backend): the same client calls and the same SQL; only loading the batch differs (chDB reads a named
    pipe, a server is sent a streamed body). One per process and URL, used by one rollup at a time."""

    _clients: dict = {}
    _lock = threading.Lock()

    def __init__(self, url: str):
        try:
            import clickhouse_connect

            if not url:
                import chdb  # noqa: F401  (clickhouse-connect's chdb:// backend needs it)
        except ImportError as exc:
            raise MissingEngine("ZHIJIAO_COCKPIT_BACKEND=clickhouse needs the optional packages chdb and "
                                "clickhouse-connect: uv sync --extra clickhouse (or pip install "
                                "'zhijiao[clickhouse]')") from exc
        self.in_process = not url
        with self._lock:
            if url not in Client._clients:
                Client._clients[url] = clickhouse_connect.get_client(dsn=url or "chdb://memory")
        self.client = Client._clients[url]

    def command(self, sql: str) -> None:
        self.client.command(sql)

    def load_tsv(self, table: str, chunks: Iterable[bytes]) -> None:
        """Insert TabSeparated `chunks` into `table` as they come, so the relational store's extraction and
        ClickHouse's parsing overlap. A server is sent them as one streamed HTTP body; chDB reads them from a
        named pipe with the file() table function, in a thread (chDB runs without the GIL) while this thread
        writes the pipe. clickhouse-connect's own raw_insert on chDB would spool the whole batch to a file first."""
        if not self.in_process:
            try:
                self.client.raw_insert(table, insert_block=chunks, fmt="TabSeparated", settings=LOAD_SETTINGS)
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()  # ends a COPY left half read, before the transaction rolls back
            return
        opts = ", ".join(f"{k} = {_quote(v)}" for k, v in LOAD_SETTINGS.items())
        with tempfile.TemporaryDirectory(prefix="zj-rollup-") as tmp:
            fifo = os.path.join(tmp, "batch.tsv")
            os.mkfifo(fifo, 0o600)
            failed: list[BaseException] = []

            def load() -> None:
                try:
                    self.command(f"INSERT INTO {table} SELECT * FROM file({_quote(fifo)}, 'TabSeparated', "
                                 f"{_quote(BATCH_COLUMNS)}) SETTINGS {opts}")
                except BaseException as exc:  # noqa: BLE001 (raised again in the calling thread)
                    failed.append(exc)

            loader = threading.Thread(target=load, name="zj-rollup-load", daemon=True)
            loader.start()
            try:
                fd = _open_pipe_writer(fifo, loader)
                if fd is not None:
                    with open(fd, "wb", buffering=0) as out:
                        for chunk in chunks:
                            out.write(chunk)
            except BrokenPipeError:
                if not failed:  # the loader closed the pipe without an error of its own
                    raise
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()  # ends a COPY left half read, before the transaction rolls back
                loader.join()  # the pipe is closed: the loader reads to its end, or has stopped
            if failed:
                raise failed[0]

    def query_tsv(self, sql: str) -> bytes:
        return self.client.raw_query(sql, fmt="TabSeparated")


def _open_pipe_writer(fifo: str, loader: threading.Thread) -> int | None:
    """The write end of `fifo` once the loader has opened it for reading; None if the loader ended first
    (an error before it opened the pipe: a blocking open would then wait for ever)."""
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
            if not loader.is_alive():
                return None
            time.sleep(0.002)
            continue
        os.set_blocking(fd, True)
        return fd


def client() -> Client:
    return Client(getattr(settings, "ZHIJIAO_CLICKHOUSE_URL", ""))


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# ClickHouse's TabSeparated escapes (and PostgreSQL's COPY text format reads the same ones).
_UNESCAPE = {"b": "\b", "f": "\f", "r": "\r", "n": "\n", "t": "\t", "0": "\0", "'": "'", "\\": "\\"}


def _fields(line: str) -> list[str]:
    return [re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m.group(1), m.group(1)), f) if "\\" in f else f
            for f in line.split("\t")]


def _rows(tsv: bytes) -> list[list[str]]:
    return [_fields(line) for line in tsv.decode().splitlines()]


def _escape(value) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


# --- the backend ---------------------------------------------------------------------------------------

EXTRACT_CHUNK = 1 << 20  # bytes handed to ClickHouse at a time


def _extract(where: str, wparams: list) -> Iterator[bytes]:
    """The batch's columns (BATCH_COLUMNS, voiding statements left out) as TabSeparated chunks, read on the
    rollup's own connection and transaction."""
    st = Statement._meta.db_table
    select = (f'SELECT s."timestamp", s.actor_id, COALESCE(s.school_id, 0), COALESCE(s.klass_id, 0), '
              f"s.actor_role, s.verb, s.object_type FROM {st} s WHERE {where} AND s.verb <> %s")
    params = [*wparams, VOIDED_VERB]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Django's connection is in UTC, so timestamps come out as `… +00`. COPY hands over one row at a
            # time: gather them into chunks.
            buf = bytearray()
            with cur.cursor.copy(f"COPY ({select}) TO STDOUT", params) as copy:
                for row in copy:
                    buf += row
                    if len(buf) >= EXTRACT_CHUNK:
                        yield bytes(buf)
                        buf.clear()
            if buf:
                yield bytes(buf)
            return
        cur.execute(select, params)
        while rows := cur.fetchmany(10_000):
            yield "".join("\t".join(_escape(v) for v in row) + "\n" for row in rows).encode()


def _local_sql() -> str:
    """The statement's local time in ClickHouse, as the sql backend reckons it (rollup_sql.time_sql)."""
    if connection.vendor == "postgresql":
        return f"toTimeZone(ts, {_quote(str(ZoneInfo(settings.TIME_ZONE)))})"
    # SQLite: the zone's current UTC offset (exact for zones without DST), as the sql backend does there.
    off = int(ZoneInfo(settings.TIME_ZONE).utcoffset(datetime.now()).total_seconds())
    return f"addSeconds(toTimeZone(ts, 'UTC'), {off})"


def _role_sql() -> str:
    cases = ", ".join(f"actor_role IN ({', '.join(_quote(k) for k in kinds)}), {_quote(group)}"
                      for group, kinds in ROLE_GROUPS.items())
    return f"multiIf({cases}, 'other')"


def _grid_sql() -> str:
    """The batch by (day, hour, school, role group): the hourly, school-daily and district-hourly tables'
    common grouping, kept in a temporary table for them."""
    return (f"SELECT toDate(lt) AS day, toHour(lt) AS hour, school_id, {_role_sql()} AS role, count() AS n "
            f"FROM (SELECT {_local_sql()} AS lt, school_id, actor_role FROM {BATCH_TABLE}) "
            f"GROUP BY day, hour, school_id, role")


def _queries() -> dict[str, str]:
    """The batch's groupings (ClickHouse SQL, the same for chDB and a server): each rollup table's rows, ready
    to copy in, and the batch's size."""
    detailed = ", ".join(_quote(g) for g in DETAILED_GROUPS)
    rows = (f"SELECT toDate(lt) AS day, toHour(lt) AS hour, actor_id, school_id, klass_id, role, verb, object_type "
            f"FROM (SELECT {_local_sql()} AS lt, actor_id, school_id, klass_id, {_role_sql()} AS role, verb, "
            f"object_type FROM {BATCH_TABLE})")
    return {
        "hourly": f"SELECT day, hour, school_id, sum(n) FROM {GRID_TABLE} GROUP BY day, hour, school_id",
        "school_daily": f"SELECT day, school_id, role, sum(n) FROM {GRID_TABLE} GROUP BY day, school_id, role",
        "district": f"SELECT day, hour, sum(n) FROM {GRID_TABLE} GROUP BY day, hour",
        "total": f"SELECT count() FROM {BATCH_TABLE}",
        "people": f"SELECT day, assumeNotNull(actor_id) AS actor, school_id, role, count() FROM ({rows}) "
                  f"WHERE actor_id IS NOT NULL GROUP BY day, actor, school_id, role",
        "vectors": f"SELECT 'actor', assumeNotNull(actor_id) AS owner, role, verb, object_type, day, count() "
                   f"FROM ({rows}) WHERE actor_id IS NOT NULL AND role IN ({detailed}) "
                   f"GROUP BY owner, role, verb, object_type, day "
                   f"UNION ALL SELECT 'class', klass_id AS owner, role, verb, object_type, day, count() "
                   f"FROM ({rows}) WHERE klass_id <> 0 GROUP BY owner, role, verb, object_type, day",
    }


def group_batch(ch, where: str, wparams: list) -> dict[str, bytes]:
    """The batch's groupings from ClickHouse (`ch`, a client), as TabSeparated bytes by name (see `_queries`)."""
    ch.command(f"DROP TEMPORARY TABLE IF EXISTS {BATCH_TABLE}")
    ch.command(f"CREATE TEMPORARY TABLE {BATCH_TABLE} ({BATCH_COLUMNS}) ENGINE = Memory")
    try:
        t0 = time.monotonic()
        ch.load_tsv(BATCH_TABLE, _extract(where, wparams))  # extracted and loaded at once
        t1 = time.monotonic()
        ch.command(f"CREATE TEMPORARY TABLE {GRID_TABLE} ENGINE = Memory AS {_grid_sql()}")
        groups = {name: ch.query_tsv(sql) for name, sql in _queries().items()}
        last_steps.clear()
        last_steps.update(extract_and_load=t1 - t0, group=time.monotonic() - t1)
        return groups
    finally:
        ch.command(f"DROP TEMPORARY TABLE IF EXISTS {GRID_TABLE}")
        ch.command(f"DROP TEMPORARY TABLE IF EXISTS {BATCH_TABLE}")


def _upsert(model, cols: list[str], types: list[str], data: bytes | list[tuple]) -> None:
    """Add rows (key columns, then n) to a rollup table through a temporary table: PostgreSQL COPYs them in
    (TabSeparated bytes as ClickHouse wrote them, or tuples), SQLite inserts them."""
    tmp = f"zj_rollup_{model._meta.model_name}"
    all_cols = [*cols, "n"]
    defs = ", ".join(f"{c} {t}" for c, t in zip(all_cols, [*types, "bigint"], strict=True))
    with connection.cursor() as cur:
        t0 = time.monotonic()
        cur.execute(f"DROP TABLE IF EXISTS {tmp}")
        cur.execute(f"CREATE TEMP TABLE {tmp} ({defs})")
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {tmp} ({', '.join(all_cols)}) FROM STDIN") as copy:
                if isinstance(data, bytes):
                    copy.write(data)
                else:
                    for row in data:
                        copy.write_row(row)
        else:
            rows = _rows(data) if isinstance(data, bytes) else data
            cur.executemany(f"INSERT INTO {tmp} VALUES ({', '.join(['%s'] * len(all_cols))})", rows)
        t1 = time.monotonic()
        cur.execute(upsert_sql(model, cols, f"SELECT {', '.join(all_cols)} FROM {tmp} WHERE true"))
        t2 = time.monotonic()
        if model is ActorDaily:
            # The person-days of ActorYear and ActiveDaily: the batch's (day, person, school, role) rows.
            for sql in active_days_sql(f"SELECT day, actor_id, school_id, role FROM {tmp}"):
                cur.execute(sql, [])
            last_steps.update(people_copy=t1 - t0, people_upsert=t2 - t1, people_active_days=time.monotonic() - t2)
        cur.execute(f"DROP TABLE {tmp}")


class ClickHouseBackend:
    name = "clickhouse"

    def __init__(self):
        self.client = client()  # MissingEngine at once where the optional packages are not installed

    def count(self, where: str, wparams: list) -> int:
        """As SqlBackend.count: the batch's statements, voiding ones excepted, added to every rollup table."""
        with Client._lock:  # one batch at a time on the process's client (its session holds the table)
            groups = group_batch(self.client, where, wparams)
        t = time.monotonic()
        # Straight from ClickHouse's TabSeparated output into PostgreSQL's COPY: no row passes through Python
        # (a full rollup's hourly grid is ~10^6 rows).
        _upsert(HourlyCount, ["day", "hour", "school_id"], ["date", "smallint", "bigint"], groups["hourly"])
        _upsert(SchoolDaily, ["day", "school_id", "role"], ["date", "bigint", "varchar(12)"], groups["school_daily"])
        _upsert(DistrictHourly, ["day", "hour"], ["date", "smallint"], groups["district"])
        t1 = time.monotonic()
        _upsert(ActorDaily, ["day", "actor_id", "school_id", "role"], ["date", "bigint", "bigint", "varchar(12)"],
                groups["people"])
        t2 = time.monotonic()
        vectors_add((kind, int(owner), role, verb, object_type, as_date(day), int(n))
                    for kind, owner, role, verb, object_type, day, n in _rows(groups["vectors"]))
        t3 = time.monotonic()
        last_steps.update(write_small=t1 - t, write_people=t2 - t1, write_vectors=t3 - t2, write=t3 - t)
        return int(groups["total"])
