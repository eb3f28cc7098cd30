"""The rollup's SQL, and the `sql` rollup backend: the relational store groups each batch itself.

A rollup backend adds a batch's statements (all but the voiding ones) to every rollup table, inside the
caller's transaction, and returns how many it counted; `zhijiao/cockpit/rollup.py` reads the batch's range,
applies the voids and moves the checkpoint in the same transaction, whatever the backend
(`ZHIJIAO_COCKPIT_BACKEND`: `sql` here, `clickhouse` in rollup_clickhouse.py). The table definitions
and the upserts below are shared by both backends.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from zhijiao.cockpit.indicators import DETAILED_GROUPS, ROLE_GROUPS, VOIDED_VERB
from zhijiao.cockpit.models import (
    DAY_COLUMNS,
    DAYS_PER_COLUMN,
    ActiveDaily,
    ActiveWeekly,
    ActorDaily,
    ActorYear,
    DistrictHourly,
    HourlyCount,
    SchoolDaily,
)
from zhijiao.cockpit.vectors import as_date, vectors_add
from zhijiao.records.models import Statement


def role_sql() -> str:
    whens = " ".join(
        f"WHEN s.actor_role IN ({', '.join(repr(k) for k in kinds)}) THEN '{group}'"
        for group, kinds in ROLE_GROUPS.items())
    return f"CASE {whens} ELSE 'other' END"


def sqlite_offset() -> str:
    off = ZoneInfo(settings.TIME_ZONE).utcoffset(datetime.now())
    return f"{int(off.total_seconds() // 60):+d} minutes"


def time_sql() -> tuple[str, str, list]:
    """(day expression, hour expression, params for each) in the platform's time zone."""
    if connection.vendor == "postgresql":
        return ('(s."timestamp" AT TIME ZONE %s)::date', 'EXTRACT(HOUR FROM s."timestamp" AT TIME ZONE %s)::int',
                [settings.TIME_ZONE])
    # SQLite has no zone database: the zone's current UTC offset (exact for zones without DST).
    return ('date(s."timestamp", %s)', "CAST(strftime('%%H', s.\"timestamp\", %s) AS INTEGER)", [sqlite_offset()])



def count_tables():
    """(model, key columns, key expressions, extra WHERE) for each rollup table."""
    role = role_sql()
    return [
        (HourlyCount, ["day", "hour", "school_id"], ["{day}", "{hour}", "COALESCE(s.school_id, 0)"], ""),
        (ActorDaily, ["day", "actor_id", "school_id", "role"], ["{day}", "s.actor_id", "COALESCE(s.school_id, 0)", role],
         " AND s.actor_id IS NOT NULL"),
        (SchoolDaily, ["day", "school_id", "role"], ["{day}", "COALESCE(s.school_id, 0)", role], ""),
        (DistrictHourly, ["day", "hour"], ["{day}", "{hour}"], ""),
    ]


def vector_groupings():
    """(kind, key expressions: day, owner, role, verb, type; extra WHERE) of the count vectors' groupings:
    a teacher's own statements (verb and type kept for the detailed role groups only, so students' rows
    group small and are dropped after), and the statements attributed to a class."""
    role = role_sql()
    detailed = ", ".join(f"'{g}'" for g in DETAILED_GROUPS)
    return [
        ("actor", ["{day}", "s.actor_id", role, f"CASE WHEN {role} IN ({detailed}) THEN s.verb ELSE '' END",
                   f"CASE WHEN {role} IN ({detailed}) THEN s.object_type ELSE '' END"], " AND s.actor_id IS NOT NULL"),
        ("class", ["{day}", "COALESCE(s.klass_id, 0)", role, "s.verb", "s.object_type"], ""),
    ]



ACTOR_TABLE = 1  # index in `count_tables()` of the per-person table, whose rows also feed ActorYear, ActiveDaily
# and ActiveWeekly


def _doy_year_sql(day: str) -> tuple[str, str]:
    """(day of year from 0, year) of a date expression."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(DOY FROM {day})::int - 1)", f"EXTRACT(YEAR FROM {day})::int"
    return f"(CAST(strftime('%%j', {day}) AS INTEGER) - 1)", f"CAST(strftime('%%Y', {day}) AS INTEGER)"


def _week_sql(day: str, doy: str) -> tuple[str, str]:
    """(weekday from 0 = Monday, the first day of the day's week within its year: ActiveWeekly's `week`)."""
    if connection.vendor == "postgresql":
        dow = f"(EXTRACT(ISODOW FROM {day})::int - 1)"
        return dow, f"({day} - LEAST({dow}, {doy}))"
    dow = f"((CAST(strftime('%%w', {day}) AS INTEGER) + 6) %% 7)"
    return dow, f"date({day}, '-' || min({dow}, {doy}) || ' days')"


def active_days_sql(source: str) -> tuple[str, ...]:
    """Three statements over `source`, a query of distinct (day, actor_id, school_id, role) rows of the batch
    (columns of those names): the first adds to ActiveDaily the person-days not yet set in ActorYear, the
    second to ActiveWeekly the person-weeks with no day set in ActorYear, the third sets the days. Run in this
    order (or, in one statement, all reading the rows before it)."""
    doy, year = _doy_year_sql("b.day")
    dow, week = _week_sql("b.day", doy)
    one = "1::bigint" if connection.vendor == "postgresql" else "1"
    ay, act, wk = ActorYear._meta.db_table, ActiveDaily._meta.db_table, ActiveWeekly._meta.db_table
    word = " ".join(f"WHEN {k} THEN a.{c}" for k, c in enumerate(DAY_COLUMNS))
    join = (f"LEFT JOIN {ay} a ON a.actor_id = b.actor_id AND a.school_id = b.school_id AND a.role = b.role "
            f"AND a.year = {year} ")

    def bit(d: str) -> str:  # the bit of day of year `d` in the person's row
        return f"((CASE ({d}) / {DAYS_PER_COLUMN} {word} END) >> (({d}) %% {DAYS_PER_COLUMN})) & 1"

    new_days = (
        f"INSERT INTO {act} (day, school_id, role, n) "
        f"SELECT b.day, b.school_id, b.role, COUNT(*) FROM ({source}) b {join}"
        f"WHERE a.id IS NULL OR {bit(doy)} = 0 "
        f"GROUP BY b.day, b.school_id, b.role "
        f"ON CONFLICT (day, school_id, role) DO UPDATE SET n = {act}.n + excluded.n")
    # The days of the day's week within its year: k days away, on Monday..Sunday and not before 1 January
    # (days past 31 December are bits never set).
    week_bits = " + ".join(
        f"(CASE WHEN {dow} + ({k}) BETWEEN 0 AND 6 AND {doy} + ({k}) >= 0 THEN {bit(f'{doy} + ({k})')} ELSE 0 END)"
        for k in range(-6, 7))
    new_weeks = (
        f"INSERT INTO {wk} (week, school_id, role, n) "
        f"SELECT w.week, w.school_id, w.role, COUNT(*) FROM (SELECT DISTINCT {week} AS week, b.actor_id, "
        f"b.school_id, b.role FROM ({source}) b {join}"
        f"WHERE a.id IS NULL OR ({week_bits}) = 0) w "
        f"GROUP BY w.week, w.school_id, w.role "
        f"ON CONFLICT (week, school_id, role) DO UPDATE SET n = {wk}.n + excluded.n")
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
    return new_days, new_weeks, set_days


def upsert_sql(model, cols: list[str], select_sql: str) -> str:
    table = model._meta.db_table
    col_list = ", ".join(cols)
    return (f"INSERT INTO {table} ({col_list}, n) {select_sql} "
            f"ON CONFLICT ({col_list}) DO UPDATE SET n = {table}.n + excluded.n")



def _vector_rows_sql(col: dict, gids: list[int]) -> str:
    """PostgreSQL: a query over the grouping CTE `g` of the one-pass rollup giving the batch's rows for the
    count vectors: (kind, owner, role, verb, object_type, day, n)."""
    detailed = ", ".join(f"'{g}'" for g in DETAILED_GROUPS)
    selects = []
    for (kind, exprs, extra), gid in zip(vector_groupings(), gids, strict=True):
        day, owner, role, verb, object_type = (col[e] for e in exprs)
        where = (f"has_actor AND {role} IN ({detailed})" if extra else f"{owner} <> 0")
        selects.append(f"SELECT '{kind}', {owner}, {role}, {verb}, {object_type}, {day}, n FROM g "
                       f"WHERE gid = {gid} AND {where}")
    return " UNION ALL ".join(selects)


def _vector_rows_per_table(where: str, wparams: list) -> list[tuple]:
    """SQLite: the batch's rows for the count vectors (as `_vector_rows_sql`), from the statements."""
    day_sql, _hour, tparams = time_sql()
    role = role_sql()
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
    day_sql, hour_sql, tparams = time_sql()
    st = Statement._meta.db_table
    with connection.cursor() as cur:
        for model, cols, exprs, extra in count_tables():
            rendered, params = _rendered(exprs, day_sql, hour_sql, tparams)
            group = ", ".join(str(i) for i in range(1, len(cols) + 1))
            select = (f"SELECT {', '.join(rendered)}, COUNT(*) FROM {st} s "
                      f"WHERE {where} AND s.verb <> %s{extra} GROUP BY {group}")
            cur.execute(upsert_sql(model, cols, select), params + wparams + [VOIDED_VERB])
        _model, _cols, exprs, _extra = count_tables()[ACTOR_TABLE]
        rendered, params = _rendered(exprs[:4], day_sql, hour_sql, tparams)  # day, actor, school, role
        source = (f"SELECT DISTINCT {rendered[0]} AS day, {rendered[1]} AS actor_id, {rendered[2]} AS school_id, "
                  f"{rendered[3]} AS role FROM {st} s WHERE {where} AND s.verb <> %s AND s.actor_id IS NOT NULL")
        for sql in active_days_sql(source):
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
    day_sql, hour_sql, tparams = time_sql()
    st = Statement._meta.db_table
    tables = count_tables()
    vector_sets = vector_groupings()
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
        parts.append(f"u{i} AS ({upsert_sql(model, cols, select)} RETURNING 1)")
    # The person-days of the batch, from the per-person grouping; both statements read ActorYear as it was
    # before this statement (every part of one statement sees the same snapshot), as the order requires.
    actor_exprs = tables[ACTOR_TABLE][2][:4]  # day, actor, school, role
    source = (f"SELECT DISTINCT {', '.join(f'{col[e]} AS {n}' for e, n in zip(actor_exprs, ('day', 'actor_id', 'school_id', 'role'), strict=True))} "
              f"FROM g WHERE gid = {ids[ACTOR_TABLE]} AND has_actor")
    for j, part in enumerate(active_days_sql(source)):
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


class SqlBackend:
    """The relational store reads and groups the batch (PostgreSQL: one statement; SQLite: one per table)."""

    name = "sql"

    def count(self, where: str, wparams: list) -> int:
        """Add the statements matching `where` (over `records_statement s`), voiding ones excepted, to every
        rollup table. Returns the statements counted."""
        if connection.vendor == "postgresql":
            return _apply_batch_one_pass(where, wparams)
        return _apply_batch_per_table(where, wparams)
