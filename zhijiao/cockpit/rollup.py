"""Incremental rollups of the event trail, with a checkpoint (architecture section 5).

Statements are read in (stored, id) order, up to `now - lag` (the safety lag: a statement whose
transaction commits late still carries an earlier `stored`, so the newest seconds are left for the
next run). Each batch is one SQL `INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE SET n = n + excluded.n`
per rollup table, and the checkpoint moves in the SAME transaction: a crash before commit rolls the
counts back with it, so a resumed run never counts a statement twice. Runs lock the checkpoint row,
so two runs never process the same batch.

Voiding (xAPI): every statement counts +1 in its own buckets when read, whether or not it was voided
later; a voiding statement (verb …/voided) counts −1 in its target's buckets when it is read. A
statement's contribution thus depends only on immutable rows, so any split into batches — and a full
recompute — gives the same numbers.
"""

import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from zhijiao.cockpit.indicators import DETAILED_GROUPS, ROLE_GROUPS, VOIDED_VERB
from zhijiao.cockpit.models import (
    DAY_COLUMNS,
    DAYS_PER_COLUMN,
    ActiveDaily,
    ActorDaily,
    ActorYear,
    CountKey,
    CountVector,
    DistrictHourly,
    HourlyCount,
    OwnerSlot,
    RollupCheckpoint,
    SchoolDaily,
)
from zhijiao.cockpit.vectors import as_date, vectors_add
from zhijiao.records.models import Statement

CHECKPOINT = "statements"
DEFAULT_LAG_SECONDS = 60


def lag_seconds() -> int:
    return int(getattr(settings, "ZHIJIAO_COCKPIT_LAG_SECONDS", DEFAULT_LAG_SECONDS))


@dataclass
class RollupResult:
    batches: int = 0
    statements: int = 0
    voids: int = 0
    seconds: float = 0.0
    skipped: bool = False  # another run held the checkpoint


def _after_counts(batch_no: int) -> None:
    """Called after a batch's counts are written and before its checkpoint moves (tests inject crashes)."""


# --- SQL pieces ---------------------------------------------------------------------------------------

def _role_sql() -> str:
    whens = " ".join(
        f"WHEN s.actor_role IN ({', '.join(repr(k) for k in kinds)}) THEN '{group}'"
        for group, kinds in ROLE_GROUPS.items())
    return f"CASE {whens} ELSE 'other' END"


def _sqlite_offset() -> str:
    off = ZoneInfo(settings.TIME_ZONE).utcoffset(datetime.now())
    return f"{int(off.total_seconds() // 60):+d} minutes"


def _time_sql() -> tuple[str, str, list]:
    """(day expression, hour expression, params for each) in the platform's time zone."""
    if connection.vendor == "postgresql":
        return ('(s."timestamp" AT TIME ZONE %s)::date', 'EXTRACT(HOUR FROM s."timestamp" AT TIME ZONE %s)::int',
                [settings.TIME_ZONE])
    # SQLite has no zone database: the zone's current UTC offset (exact for zones without DST).
    return ('date(s."timestamp", %s)', "CAST(strftime('%%H', s.\"timestamp\", %s) AS INTEGER)", [_sqlite_offset()])


def _local(ts: datetime) -> datetime:
    if connection.vendor == "postgresql":
        return timezone.localtime(ts, ZoneInfo(settings.TIME_ZONE))
    off = ZoneInfo(settings.TIME_ZONE).utcoffset(datetime.now())
    return ts.astimezone(ZoneInfo("UTC")).replace(tzinfo=None) + off


def _tables():
    """(model, key columns, key expressions, extra WHERE) for each rollup table."""
    role = _role_sql()
    return [
        (HourlyCount, ["day", "hour", "school_id"], ["{day}", "{hour}", "COALESCE(s.school_id, 0)"], ""),
        (ActorDaily, ["day", "actor_id", "school_id", "role"], ["{day}", "s.actor_id", "COALESCE(s.school_id, 0)", role],
         " AND s.actor_id IS NOT NULL"),
        (SchoolDaily, ["day", "school_id", "role"], ["{day}", "COALESCE(s.school_id, 0)", role], ""),
        (DistrictHourly, ["day", "hour"], ["{day}", "{hour}"], ""),
    ]


def _vector_sets():
    """(kind, key expressions: day, owner, role, verb, type; extra WHERE) of the count vectors' groupings:
    a teacher's own statements (verb and type kept for the detailed role groups only, so students' rows
    group small and are dropped after), and the statements attributed to a class."""
    role = _role_sql()
    detailed = ", ".join(f"'{g}'" for g in DETAILED_GROUPS)
    return [
        ("actor", ["{day}", "s.actor_id", role, f"CASE WHEN {role} IN ({detailed}) THEN s.verb ELSE '' END",
                   f"CASE WHEN {role} IN ({detailed}) THEN s.object_type ELSE '' END"], " AND s.actor_id IS NOT NULL"),
        ("class", ["{day}", "COALESCE(s.klass_id, 0)", role, "s.verb", "s.object_type"], ""),
    ]


# Every table the rollup fills (a full run empties them all).
ROLLUP_MODELS = (HourlyCount, ActorDaily, SchoolDaily, DistrictHourly, ActiveDaily, ActorYear,
                 CountVector, CountKey, OwnerSlot)
ACTOR_TABLE = 1  # index in `_tables()` of the per-person table, whose rows also feed ActorYear and ActiveDaily


def _doy_year_sql(day: str) -> tuple[str, str]:
    """(day of year from 0, year) of a date expression."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(DOY FROM {day})::int - 1)", f"EXTRACT(YEAR FROM {day})::int"
    return f"(CAST(strftime('%%j', {day}) AS INTEGER) - 1)", f"CAST(strftime('%%Y', {day}) AS INTEGER)"


def _active_days_sql(source: str) -> tuple[str, str]:
    """Two statements over `source`, a query of distinct (day, actor_id, school_id, role) rows of the batch
    (columns of those names): the first adds to ActiveDaily the person-days not yet set in ActorYear, the
    second sets them. Run in this order (or, in one statement, both reading the rows before it)."""
    doy, year = _doy_year_sql("b.day")
    one = "1::bigint" if connection.vendor == "postgresql" else "1"
    ay, act = ActorYear._meta.db_table, ActiveDaily._meta.db_table
    word = " ".join(f"WHEN {k} THEN a.{c}" for k, c in enumerate(DAY_COLUMNS))
    new_days = (
        f"INSERT INTO {act} (day, school_id, role, n) "
        f"SELECT b.day, b.school_id, b.role, COUNT(*) FROM ({source}) b "
        f"LEFT JOIN {ay} a ON a.actor_id = b.actor_id AND a.school_id = b.school_id AND a.role = b.role "
        f"AND a.year = {year} "
        f"WHERE a.id IS NULL OR ((CASE {doy} / {DAYS_PER_COLUMN} {word} END) >> ({doy} %% {DAYS_PER_COLUMN})) & 1 = 0 "
        f"GROUP BY b.day, b.school_id, b.role "
        f"ON CONFLICT (day, school_id, role) DO UPDATE SET n = {act}.n + excluded.n")
    # The OR of distinct day bits is their SUM over DISTINCT values (each day is its own bit).
    masks = ", ".join(
        f"CAST(SUM(DISTINCT CASE WHEN {doy} / {DAYS_PER_COLUMN} = {k} THEN {one} << ({doy} %% {DAYS_PER_COLUMN}) "
        f"ELSE 0 END) AS BIGINT)" for k in range(len(DAY_COLUMNS)))
    cols = ", ".join(DAY_COLUMNS)
    set_days = (
        f"INSERT INTO {ay} (actor_id, school_id, role, year, {cols}) "
        f"SELECT b.actor_id, b.school_id, b.role, {year}, {masks} FROM ({source}) b "
        f"GROUP BY b.actor_id, b.school_id, b.role, {year} "
        f"ON CONFLICT (actor_id, school_id, role, year) DO UPDATE SET "
        + ", ".join(f"{c} = {ay}.{c} | excluded.{c}" for c in DAY_COLUMNS))
    return new_days, set_days


def _range_sql(lo, hi) -> tuple[str, list]:
    pk = Statement._meta.pk
    sql, params = [], []
    if lo is not None:
        sql.append("s.stored >= %s AND (s.stored > %s OR s.id > %s)")
        lo_id = pk.get_db_prep_value(uuid.UUID(lo[1]), connection)
        lo_at = connection.ops.adapt_datetimefield_value(lo[0])
        params += [lo_at, lo_at, lo_id]
    hi_id = pk.get_db_prep_value(hi[1], connection)
    sql.append("s.stored <= %s AND (s.stored < %s OR s.id <= %s)")
    hi_at = connection.ops.adapt_datetimefield_value(hi[0])
    params += [hi_at, hi_at, hi_id]
    return " AND ".join(sql), params


def _upsert_sql(model, cols: list[str], select_sql: str) -> str:
    table = model._meta.db_table
    col_list = ", ".join(cols)
    return (f"INSERT INTO {table} ({col_list}, n) {select_sql} "
            f"ON CONFLICT ({col_list}) DO UPDATE SET n = {table}.n + excluded.n")


def _apply_batch(lo, hi) -> tuple[int, int]:
    """Add the statements in (lo, hi] to every rollup table. Returns (statements, voids)."""
    where, wparams = _range_sql(lo, hi)
    if connection.vendor == "postgresql":
        counted = _apply_batch_one_pass(where, wparams)
    else:
        counted = _apply_batch_per_table(where, wparams)
    voiding, voids = _apply_voids(where, wparams)
    return counted + voiding, voids


def _vector_rows_sql(col: dict, gids: list[int]) -> str:
    """PostgreSQL: a query over the grouping CTE `g` of the one-pass rollup giving the batch's rows for the
    count vectors: (kind, owner, role, verb, object_type, day, n)."""
    detailed = ", ".join(f"'{g}'" for g in DETAILED_GROUPS)
    selects = []
    for (kind, exprs, extra), gid in zip(_vector_sets(), gids, strict=True):
        day, owner, role, verb, object_type = (col[e] for e in exprs)
        where = (f"has_actor AND {role} IN ({detailed})" if extra else f"{owner} <> 0")
        selects.append(f"SELECT '{kind}', {owner}, {role}, {verb}, {object_type}, {day}, n FROM g "
                       f"WHERE gid = {gid} AND {where}")
    return " UNION ALL ".join(selects)


def _vector_rows_per_table(where: str, wparams: list) -> list[tuple]:
    """SQLite: the batch's rows for the count vectors (as `_vector_rows_sql`), from the statements."""
    day_sql, _hour, tparams = _time_sql()
    role = _role_sql()
    detailed = ", ".join(f"'{g}'" for g in DETAILED_GROUPS)
    st = Statement._meta.db_table
    rows = []
    with connection.cursor() as cur:
        cur.execute(f"SELECT 'actor', s.actor_id, {role}, s.verb, s.object_type, {day_sql}, COUNT(*) FROM {st} s "
                    f"WHERE {where} AND s.verb <> %s AND s.actor_id IS NOT NULL AND {role} IN ({detailed}) "
                    f"GROUP BY 2, 3, 4, 5, 6 UNION ALL "
                    f"SELECT 'class', s.klass_id, {role}, s.verb, s.object_type, {day_sql}, COUNT(*) FROM {st} s "
                    f"WHERE {where} AND s.verb <> %s AND COALESCE(s.klass_id, 0) <> 0 GROUP BY 2, 3, 4, 5, 6",
                    [*tparams, *wparams, VOIDED_VERB, *tparams, *wparams, VOIDED_VERB])
        for kind, owner, r, verb, object_type, day, n in cur.fetchall():
            rows.append((kind, owner, r, verb, object_type, as_date(day), n))
    return rows


def _rendered(exprs: list[str], day_sql: str, hour_sql: str, tparams: list) -> tuple[list[str], list]:
    params: list = []
    rendered = []
    for e in exprs:
        if e == "{day}":
            rendered.append(day_sql)
            params += tparams
        elif e == "{hour}":
            rendered.append(hour_sql)
            params += tparams
        else:
            rendered.append(e)
    return rendered, params


def _apply_batch_per_table(where: str, wparams: list) -> int:
    """One INSERT ... SELECT ... GROUP BY per rollup table (SQLite). Returns the statements counted."""
    day_sql, hour_sql, tparams = _time_sql()
    st = Statement._meta.db_table
    with connection.cursor() as cur:
        for model, cols, exprs, extra in _tables():
            rendered, params = _rendered(exprs, day_sql, hour_sql, tparams)
            group = ", ".join(str(i) for i in range(1, len(cols) + 1))
            select = (f"SELECT {', '.join(rendered)}, COUNT(*) FROM {st} s "
                      f"WHERE {where} AND s.verb <> %s{extra} GROUP BY {group}")
            cur.execute(_upsert_sql(model, cols, select), params + wparams + [VOIDED_VERB])
        _model, _cols, exprs, _extra = _tables()[ACTOR_TABLE]
        rendered, params = _rendered(exprs[:4], day_sql, hour_sql, tparams)  # day, actor, school, role
        source = (f"SELECT DISTINCT {rendered[0]} AS day, {rendered[1]} AS actor_id, {rendered[2]} AS school_id, "
                  f"{rendered[3]} AS role FROM {st} s WHERE {where} AND s.verb <> %s AND s.actor_id IS NOT NULL")
        for sql in _active_days_sql(source):
            cur.execute(sql, params + wparams + [VOIDED_VERB])
        cur.execute(f"SELECT COUNT(*) FROM {st} s WHERE {where} AND s.verb <> %s", wparams + [VOIDED_VERB])
        counted = cur.fetchone()[0]
    vectors_add(_vector_rows_per_table(where, wparams))
    return counted


def _apply_batch_one_pass(where: str, wparams: list) -> int:
    """PostgreSQL: every rollup table from ONE read of the batch's statements, in one SQL statement.

    The statements are wide rows (the xAPI JSON); reading them once per table was most of a full run.
    Here one scan feeds a GROUP BY GROUPING SETS (one hash table per rollup table, filled in the same
    pass), and data-modifying CTEs upsert each grouping into its table. Returns the statements counted."""
    day_sql, hour_sql, tparams = _time_sql()
    st = Statement._meta.db_table
    tables = _tables()
    vector_sets = _vector_sets()
    # Every key expression once, as a column of the batch's rows (x0, x1 ...).
    exprs: list[str] = []
    for table_exprs, _extra in [(t[2], t[3]) for t in tables] + [(v[1], v[2]) for v in vector_sets]:
        for e in table_exprs:
            if e not in exprs:
                exprs.append(e)
    rendered, params = _rendered(exprs, day_sql, hour_sql, tparams)
    col = {e: f"x{i}" for i, e in enumerate(exprs)}
    batch = (f"SELECT {', '.join(f'{r} AS {col[e]}' for e, r in zip(exprs, rendered, strict=True))}, "
             f"s.actor_id IS NOT NULL AS has_actor FROM {st} s WHERE {where} AND s.verb <> %s")
    params += wparams + [VOIDED_VERB]
    # One grouping set per table and per kind of count vector; a set with an extra WHERE (an actor) also
    # groups by has_actor, and only its rows with an actor are used.
    sets = [[col[e] for e in set_exprs] + (["has_actor"] if extra else [])
            for set_exprs, extra in [(t[2], t[3]) for t in tables] + [(v[1], v[2]) for v in vector_sets]]
    every = sorted({c for s_ in sets for c in s_})
    grouping = f"GROUPING({', '.join(every)})"
    # GROUPING(...) has a 1 bit for each column NOT in the row's set: the bit pattern names the set.
    ids = [sum(1 << (len(every) - 1 - i) for i, c in enumerate(every) if c not in s_) for s_ in sets]
    parts = [f"g AS (SELECT {', '.join(every)}, {grouping} AS gid, COUNT(*) AS n FROM ({batch}) b "
             f"GROUP BY GROUPING SETS ({', '.join('(' + ', '.join(s_) + ')' for s_ in sets)}))"]
    for i, ((model, cols, table_exprs, extra), gid) in enumerate(zip(tables, ids, strict=False)):
        keep = " AND has_actor" if extra else ""
        select = f"SELECT {', '.join(col[e] for e in table_exprs)}, n FROM g WHERE gid = {gid}{keep}"
        parts.append(f"u{i} AS ({_upsert_sql(model, cols, select)} RETURNING 1)")
    # The person-days of the batch, from the per-person grouping; both statements read ActorYear as it was
    # before this statement (every part of one statement sees the same snapshot), as the order requires.
    actor_exprs = tables[ACTOR_TABLE][2][:4]  # day, actor, school, role
    source = (f"SELECT DISTINCT {', '.join(f'{col[e]} AS {n}' for e, n in zip(actor_exprs, ('day', 'actor_id', 'school_id', 'role'), strict=True))} "
              f"FROM g WHERE gid = {ids[ACTOR_TABLE]} AND has_actor")
    for j, part in enumerate(_active_days_sql(source)):
        parts.append(f"a{j} AS ({part} RETURNING 1)")
    # The statement's result: the rows for the count vectors, then (kind NULL) the statements counted.
    sql = (f"WITH {', '.join(parts)} {_vector_rows_sql(col, ids[len(tables):])} "
           f"UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, COALESCE(SUM(n), 0) FROM g WHERE gid = {ids[0]}")
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    counted = next(int(r[6]) for r in rows if r[0] is None)
    vectors_add(r for r in rows if r[0] is not None)
    return counted


def _apply_voids(where: str, wparams: list) -> tuple[int, int]:
    """Subtract the targets of the voiding statements in the batch from their buckets.
    Returns (voiding statements read, voids applied)."""
    st = Statement._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT s.object_id FROM {st} s WHERE {where} AND s.verb = %s", wparams + [VOIDED_VERB])
        voiding = cur.fetchall()
        target_keys = []
        for (object_id,) in voiding:
            try:
                target_keys.append(uuid.UUID(str(object_id).rsplit("/", 1)[-1]))
            except ValueError:
                continue
    if not target_keys:
        return len(voiding), 0
    targets = {t["id"]: t for t in Statement.objects.filter(id__in=set(target_keys)).exclude(verb=VOIDED_VERB)
               .values("id", "timestamp", "school_id", "klass_id", "actor_id", "actor_role", "verb", "object_type")}
    group_of = {kind: g for g, kinds in ROLE_GROUPS.items() for kind in kinds}
    hourly, actor, school_daily, district_hourly = Counter(), Counter(), Counter(), Counter()
    person_days: set[tuple] = set()
    count_keys: Counter = Counter()  # (kind, owner, role, verb, type, day) of the count vectors
    for key in target_keys:  # one −1 per voiding statement read
        t = targets.get(key)
        if t is None:
            continue
        local = _local(t["timestamp"])
        day, hour = local.date(), local.hour
        role = group_of.get(t["actor_role"], "other")
        school, klass = t["school_id"] or 0, t["klass_id"] or 0
        hourly[(day, hour, school)] -= 1
        school_daily[(day, school, role)] -= 1
        district_hourly[(day, hour)] -= 1
        if klass:
            count_keys[("class", klass, role, t["verb"], t["object_type"], day)] -= 1
        if t["actor_id"] and role in DETAILED_GROUPS:
            count_keys[("actor", t["actor_id"], role, t["verb"], t["object_type"], day)] -= 1
        if t["actor_id"]:
            actor[(day, t["actor_id"], school, role)] -= 1
            person_days.add((day, t["actor_id"], school, role))
    with connection.cursor() as cur:
        for (model, cols, _e, _x), counts in zip(_tables(), (hourly, actor, school_daily, district_hourly),
                                                  strict=True):
            if counts:
                placeholders = ", ".join(["%s"] * (len(cols) + 1))
                cur.executemany(_upsert_sql(model, cols, f"VALUES ({placeholders})"),
                                [(connection.ops.adapt_datefield_value(k[0]), *k[1:], v)
                                 for k, v in counts.items()])
    _person_days_voided(person_days)
    vectors_add((*k, n) for k, n in count_keys.items())
    return len(voiding), sum(1 for k in target_keys if k in targets)


def _person_days_voided(person_days: set[tuple]) -> None:
    """A person-day whose statements are all voided now counts as inactive: its ActorYear bit is cleared
    and ActiveDaily loses one (read from ActorDaily, whose counts the voids have just lowered)."""
    for day, actor_id, school, role in sorted(person_days):
        left = ActorDaily.objects.filter(day=day, actor_id=actor_id, school_id=school, role=role).aggregate(
            n=Sum("n"))["n"] or 0
        if left > 0:
            continue
        doy = day.timetuple().tm_yday - 1
        column, bit = DAY_COLUMNS[doy // DAYS_PER_COLUMN], 1 << (doy % DAYS_PER_COLUMN)
        row = ActorYear.objects.filter(actor_id=actor_id, school_id=school, role=role, year=day.year).first()
        if row is None or not getattr(row, column) & bit:
            continue
        ActorYear.objects.filter(pk=row.pk).update(**{column: getattr(row, column) & ~bit})
        ActiveDaily.objects.filter(day=day, school_id=school, role=role).update(n=F("n") - 1)


# --- the runs -----------------------------------------------------------------------------------------

def _locked_checkpoint(skip_locked: bool) -> RollupCheckpoint | None:
    RollupCheckpoint.objects.get_or_create(name=CHECKPOINT)
    qs = RollupCheckpoint.objects.select_for_update(skip_locked=skip_locked) if connection.vendor == "postgresql" \
        else RollupCheckpoint.objects.select_for_update()
    return qs.filter(name=CHECKPOINT).first()


def _next_hi(lo, cutoff: datetime, batch_size: int | None):
    qs = Statement.objects.filter(stored__lte=cutoff)
    if lo is not None:
        qs = qs.filter(Q(stored__gte=lo[0]) & (Q(stored__gt=lo[0]) | Q(id__gt=uuid.UUID(lo[1]))))
    if batch_size:
        row = qs.order_by("stored", "id").values_list("stored", "id")[batch_size - 1 : batch_size].first()
        if row is not None:
            return row
    return qs.order_by("-stored", "-id").values_list("stored", "id").first()


def _one_batch(cp: RollupCheckpoint, cutoff: datetime, batch_size: int | None, batch_no: int) -> tuple[int, int] | None:
    lo = (cp.last_stored, cp.last_id) if cp.last_stored is not None else None
    hi = _next_hi(lo, cutoff, batch_size)
    if hi is None or (lo is not None and hi[0] == lo[0] and str(hi[1]) == lo[1]):
        return None  # nothing new (the second test guards against rows stored in a foreign text format)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:  # room for the GROUP BYs to hash in memory (this transaction only)
            cur.execute("SET LOCAL work_mem = '256MB'")
    n, voids = _apply_batch(lo, hi)
    _after_counts(batch_no)
    cp.last_stored, cp.last_id = hi[0], str(hi[1])
    cp.statements += n
    cp.updated_at = timezone.now()
    cp.save()
    return n, voids


def run_incremental(*, batch_size: int | None = 100_000, max_batches: int | None = None,
                    lag: int | None = None, skip_locked: bool = False) -> RollupResult:
    """Process the statements stored since the checkpoint, batch by batch (one transaction each)."""
    started = time.monotonic()
    result = RollupResult()
    cutoff = timezone.now() - timedelta(seconds=lag_seconds() if lag is None else lag)
    while max_batches is None or result.batches < max_batches:
        with transaction.atomic():
            cp = _locked_checkpoint(skip_locked)
            if cp is None:
                result.skipped = True
                break
            done = _one_batch(cp, cutoff, batch_size, result.batches)
            if done is None:
                # Nothing new: still note that the rollup is current.
                cp.updated_at = timezone.now()
                cp.save(update_fields=["updated_at"])
                break
        result.batches += 1
        result.statements += done[0]
        result.voids += done[1]
    result.seconds = time.monotonic() - started
    return result


def run_full(*, lag: int | None = None, batch_size: int | None = None) -> RollupResult:
    """Forget every rollup and recompute from the raw statements (one transaction unless batched)."""
    started = time.monotonic()
    with transaction.atomic():
        cp = _locked_checkpoint(False)
        for model in ROLLUP_MODELS:
            model.objects.all().delete()
        cp.last_stored, cp.last_id, cp.statements = None, "", 0
        cp.full_at = timezone.now()
        cp.updated_at = None
        cp.save()
        result = RollupResult()
        if batch_size is None:
            cutoff = timezone.now() - timedelta(seconds=lag_seconds() if lag is None else lag)
            done = _one_batch(cp, cutoff, None, 0)
            if done is not None:
                result.batches, result.statements, result.voids = 1, done[0], done[1]
            else:
                cp.updated_at = timezone.now()
                cp.save()
    if batch_size is not None:
        result = run_incremental(batch_size=batch_size, lag=lag)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:  # fresh statistics for the planner after a rebuild
            for model in ROLLUP_MODELS:
                cur.execute(f"ANALYZE {model._meta.db_table}")
    result.seconds = time.monotonic() - started
    return result


def checkpoint() -> RollupCheckpoint | None:
    return RollupCheckpoint.objects.filter(name=CHECKPOINT).first()


