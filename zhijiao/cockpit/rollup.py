"""Incremental rollups of the event trail, with a checkpoint (architecture section 5).

Statements are read in (stored, id) order, up to `now - lag` (the safety lag: a statement whose
transaction commits late still carries an earlier `stored`, so the newest seconds are left for the
next run). A rollup backend (`ZHIJIAO_COCKPIT_BACKEND`) adds each batch to the rollup tables: `sql` (the
default, rollup_sql.py) groups it in the relational store — upserts `… ON CONFLICT DO UPDATE SET n = n +
excluded.n` —, `clickhouse` (rollup_clickhouse.py) groups it in ClickHouse and upserts the groups. Either
way the counts are written, and the checkpoint moves, in the SAME transaction: a crash before commit rolls the
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

from zhijiao.cockpit import rollup_clickhouse
from zhijiao.cockpit.indicators import DETAILED_GROUPS, ROLE_GROUPS, VOIDED_VERB
from zhijiao.cockpit.models import (
    DAY_COLUMNS,
    DAYS_PER_COLUMN,
    ActiveDaily,
    ActiveWeekly,
    ActorDaily,
    ActorYear,
    CountKey,
    CountVector,
    DistrictHourly,
    HourlyCount,
    OwnerSlot,
    RollupCheckpoint,
    SchoolDaily,
    week_end,
    week_of,
    year_masks,
)
from zhijiao.cockpit.rollup_sql import SqlBackend, count_tables, upsert_sql
from zhijiao.cockpit.vectors import vectors_add
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


BACKENDS = ("sql", "clickhouse")


def backend():
    """The rollup backend the settings name (`ZHIJIAO_COCKPIT_BACKEND`)."""
    name = getattr(settings, "ZHIJIAO_COCKPIT_BACKEND", "sql")
    if name == "clickhouse":
        return rollup_clickhouse.ClickHouseBackend()
    if name != "sql":
        raise ValueError(f"ZHIJIAO_COCKPIT_BACKEND: unknown rollup backend {name!r} (one of {', '.join(BACKENDS)})")
    return SqlBackend()


def _after_counts(batch_no: int) -> None:
    """Called after a batch's counts are written and before its checkpoint moves (tests inject crashes)."""


def _local(ts: datetime) -> datetime:
    if connection.vendor == "postgresql":
        return timezone.localtime(ts, ZoneInfo(settings.TIME_ZONE))
    off = ZoneInfo(settings.TIME_ZONE).utcoffset(datetime.now())
    return ts.astimezone(ZoneInfo("UTC")).replace(tzinfo=None) + off


# Every table the rollup fills (a full run empties them all).
ROLLUP_MODELS = (HourlyCount, ActorDaily, SchoolDaily, DistrictHourly, ActiveDaily, ActiveWeekly, ActorYear,
                 CountVector, CountKey, OwnerSlot)

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


def _apply_batch(lo, hi) -> tuple[int, int]:
    """Add the statements in (lo, hi] to every rollup table. Returns (statements, voids)."""
    where, wparams = _range_sql(lo, hi)
    counted = backend().count(where, wparams)
    voiding, voids = _apply_voids(where, wparams)
    return counted + voiding, voids



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
        for (model, cols, _e, _x), counts in zip(count_tables(), (hourly, actor, school_daily, district_hourly),
                                                  strict=True):
            if counts:
                placeholders = ", ".join(["%s"] * (len(cols) + 1))
                cur.executemany(upsert_sql(model, cols, f"VALUES ({placeholders})"),
                                [(connection.ops.adapt_datefield_value(k[0]), *k[1:], v)
                                 for k, v in counts.items()])
    _person_days_voided(person_days)
    vectors_add((*k, n) for k, n in count_keys.items())
    return len(voiding), sum(1 for k in target_keys if k in targets)


def _person_days_voided(person_days: set[tuple]) -> None:
    """A person-day whose statements are all voided now counts as inactive: its ActorYear bit is cleared
    and ActiveDaily loses one (read from ActorDaily, whose counts the voids have just lowered); ActiveWeekly
    too when no other day of that week (within the year) is left."""
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
        setattr(row, column, getattr(row, column) & ~bit)
        week = week_of(day)
        if not any(getattr(row, c) & m for c, m in year_masks(week, week_end(week)).items()):
            ActiveWeekly.objects.filter(week=week, school_id=school, role=role).update(n=F("n") - 1)


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


