"""Rollups: hand counts, incremental = full recompute, crash mid-run, voiding."""

import random
import uuid
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from zhijiao.accounts.models import Role, RoleKind
from zhijiao.cockpit import rollup
from zhijiao.cockpit.indicators import ROLE_GROUPS, VOIDED_VERB
from zhijiao.cockpit.models import (
    DAY_COLUMNS,
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
    week_of,
)
from zhijiao.core.models import NodeKind, OrgNode
from zhijiao.records.actions import record_event
from zhijiao.records.models import Statement
from zhijiao.records.vocabulary import VERBS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rollup_backend")]


def _vector_counts() -> dict:
    """The count vectors as plain counts: (kind, owner, role, verb, type, day) → statements that day (a
    day's count is its running total less the previous row's), and the days whose active bit is set."""
    import numpy as np

    owner_of = {(k, slot): owner for k, owner, slot in OwnerSlot.objects.values_list("kind", "owner_id", "slot")}
    combo = {pk: (k, r, v, t) for pk, k, r, v, t in CountKey.objects.values_list("pk", "kind", "role", "verb",
                                                                               "object_type")}
    counts, active = {}, set()
    previous: dict[int, np.ndarray] = {}
    for key_id, day, totals, bits in CountVector.objects.order_by("key_id", "day").values_list(
            "key_id", "day", "totals", "active"):
        kind, role, verb, object_type = combo[key_id]
        now = np.frombuffer(bytes(totals), dtype="<i4").astype(np.int64)
        before = previous.get(key_id, np.zeros(0, dtype=np.int64))
        before = np.pad(before, (0, len(now) - len(before)))
        flags = np.unpackbits(np.frombuffer(bytes(bits), dtype=np.uint8))[:len(now)]
        for slot in np.nonzero(now - before)[0]:
            counts[(kind, owner_of[(kind, int(slot))], role, verb, object_type, day)] = int(now[slot] - before[slot])
        for slot in np.nonzero(flags)[0]:
            active.add((kind, owner_of[(kind, int(slot))], role, verb, object_type, day))
        previous[key_id] = now
    assert active == set(counts), "a day's active bit is set exactly where it has statements"
    return counts


def _snapshot():
    out = {"vectors": _vector_counts()}
    for model in (HourlyCount, ActorDaily, SchoolDaily, DistrictHourly, ActiveDaily, ActiveWeekly):
        fields = [f.name for f in model._meta.fields if f.name not in ("id", "n")]
        out[model.__name__] = {tuple(r[f] for f in fields): r["n"]
                               for r in model.objects.exclude(n=0).values(*fields, "n")}
    out["ActorYear"] = {(r["actor_id"], r["school_id"], r["role"], r["year"]): tuple(r[c] for c in DAY_COLUMNS)
                        for r in ActorYear.objects.values()
                        if any(r[c] for c in DAY_COLUMNS)}
    return out


def _active_from_raw():
    """(ActiveDaily, ActiveWeekly, ActorYear) as the raw statements give them: every person-day with a
    statement that is neither voided nor voiding; each person once a week (within a year)."""
    group_of = {kind: g for g, kinds in ROLE_GROUPS.items() for kind in kinds}
    days = set()
    for actor_id, school_id, role, ts in Statement.objects.filter(voided=False, actor__isnull=False).exclude(
            verb=VOIDED_VERB).values_list("actor_id", "school_id", "actor_role", "timestamp"):
        days.add((timezone.localtime(ts).date(), actor_id, school_id or 0, group_of.get(role, "other")))
    active: dict = {}
    years: dict = {}
    weeks: dict = {}
    for week, school_id, role, _actor in {(week_of(d), s, r, a) for d, a, s, r in days}:
        weeks[(week, school_id, role)] = weeks.get((week, school_id, role), 0) + 1
    for day, actor_id, school_id, role in days:
        active[(day, school_id, role)] = active.get((day, school_id, role), 0) + 1
        doy = day.timetuple().tm_yday - 1
        bits = list(years.get((actor_id, school_id, role, day.year), (0,) * len(DAY_COLUMNS)))
        bits[doy // 62] |= 1 << (doy % 62)
        years[(actor_id, school_id, role, day.year)] = tuple(bits)
    return active, weeks, years


def _local(day_offset: int, hour: int) -> datetime:
    day = timezone.localdate() - timedelta(days=day_offset)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 15))


def _people(demo):
    school = demo.schools[0]
    klass = OrgNode.objects.filter(kind=NodeKind.CLASS, path__startswith=school.path).first()
    teacher = Role.objects.filter(kind=RoleKind.TEACHER, node=school).first().user
    student = Role.objects.filter(kind=RoleKind.STUDENT, node=klass).first().user
    return school, klass, teacher, student


def _random_trail(demo, n: int, seed: int = 1):
    rng = random.Random(seed)
    schools = demo.schools
    teachers = list(Role.objects.filter(kind=RoleKind.TEACHER).select_related("user", "node")[:40])
    students = list(Role.objects.filter(kind=RoleKind.STUDENT).select_related("user", "node")[:80])
    made = []
    for _ in range(n):
        if rng.random() < 0.5:
            r = rng.choice(teachers)
            s = record_event(actor=r.user, verb=rng.choice(["assigned", "graded", "responded", "created", "logged-in"]),
                             object_kind=rng.choice(["homework", "resource", "platform"]), object_key=rng.randrange(9),
                             school=r.node, actor_role=rng.choice(["teacher", "head_teacher", ""]),
                             timestamp=_local(rng.randrange(20), rng.randrange(24)))
        else:
            r = rng.choice(students)
            s = record_event(actor=r.user, verb=rng.choice(["submitted", "viewed", "logged-in"]),
                             object_kind=rng.choice(["homework", "resource"]), object_key=rng.randrange(9),
                             school=rng.choice(schools), klass=r.node, actor_role="student",
                             timestamp=_local(rng.randrange(20), rng.randrange(24)))
        made.append(s)
    return made


def test_counts_match_a_hand_count_for_one_school(demo):
    school, klass, teacher, student = _people(demo)
    other = demo.schools[1]
    for _ in range(3):
        record_event(actor=teacher, verb="assigned", object_kind="homework", object_key=1, school=school, klass=klass,
                     actor_role="head_teacher", timestamp=_local(2, 9))
    record_event(actor=teacher, verb="graded", object_kind="homework", object_key=1, school=school, klass=klass,
                 actor_role="teacher", timestamp=_local(2, 21))
    for _ in range(5):
        record_event(actor=student, verb="submitted", object_kind="homework", object_key=1, school=school,
                     klass=klass, actor_role="student", timestamp=_local(1, 19))
    record_event(actor=student, verb="viewed", object_kind="resource", object_key=7, school=other,
                 actor_role="student", timestamp=_local(1, 19))  # another school: not in this school's counts

    result = rollup.run_incremental(lag=0)
    assert result.statements == 10

    day2, day1 = _local(2, 9).date(), _local(1, 19).date()
    vectors = _vector_counts()
    mine = {(k[2], k[3], k[5]): n for k, n in vectors.items() if k[:2] == ("class", klass.pk)}
    assert mine == {
        ("teacher", VERBS["assigned"], day2): 3,
        ("teacher", VERBS["graded"], day2): 1,
        ("student", VERBS["submitted"], day1): 5,
    }
    hourly = {(r.day, r.hour): r.n for r in HourlyCount.objects.filter(school_id=school.pk)}
    assert hourly == {(day2, 9): 3, (day2, 21): 1, (day1, 19): 5}
    # a teacher's own keys by verb (students have none); per person and day, every statement
    mine = {(k[3], k[5]): n for k, n in vectors.items() if k[:2] == ("actor", teacher.pk)}
    assert mine == {(VERBS["assigned"], day2): 3, (VERBS["graded"], day2): 1}
    assert not any(k[:2] == ("actor", student.pk) for k in vectors)
    assert list(ActorDaily.objects.filter(actor_id=teacher.pk).values_list("day", "n")) == [(day2, 4)]
    assert list(ActorDaily.objects.filter(actor_id=student.pk, school_id=school.pk).values_list("role", "n")) == \
        [("student", 5)]


def test_incremental_runs_equal_a_full_recompute(demo):
    _random_trail(demo, 150, seed=1)
    rollup.run_incremental(batch_size=17, lag=0)
    _random_trail(demo, 90, seed=2)  # more arrive between runs
    rollup.run_incremental(batch_size=31, lag=0)
    rollup.run_incremental(batch_size=31, lag=0)  # nothing new: changes nothing
    incremental = _snapshot()
    assert RollupCheckpoint.objects.get().statements == 240

    full = rollup.run_full(lag=0)
    assert full.statements == 240
    assert _snapshot() == incremental
    assert sum(incremental["SchoolDaily"].values()) == 240


def test_a_crash_between_counts_and_checkpoint_never_double_counts(demo, monkeypatch):
    _random_trail(demo, 100, seed=3)

    def crash(batch_no):
        if batch_no == 2:
            raise RuntimeError("power cut")

    monkeypatch.setattr(rollup, "_after_counts", crash)
    with pytest.raises(RuntimeError):
        rollup.run_incremental(batch_size=30, lag=0)
    cp = RollupCheckpoint.objects.get()
    assert cp.statements == 60  # two batches committed, the third rolled back with its counts
    assert sum(SchoolDaily.objects.values_list("n", flat=True)) == 60

    monkeypatch.setattr(rollup, "_after_counts", lambda batch_no: None)
    rollup.run_incremental(batch_size=30, lag=0)  # resume
    resumed = _snapshot()
    assert sum(resumed["SchoolDaily"].values()) == 100
    rollup.run_full(lag=0)
    assert _snapshot() == resumed


def test_the_safety_lag_leaves_the_newest_statements_for_the_next_run(demo):
    _random_trail(demo, 5, seed=4)
    assert rollup.run_incremental(lag=3600).statements == 0
    assert rollup.run_incremental(lag=0).statements == 5


def test_voiding_subtracts_consistently_in_incremental_and_full_runs(demo):
    made = _random_trail(demo, 40, seed=5)
    rollup.run_incremental(batch_size=7, lag=0)
    # The LRS voids two statements: a voiding statement per target (and the flag on the target).
    for target in made[:2]:
        Statement.objects.create(id=uuid.uuid4(), actor=None, verb=VOIDED_VERB, object_type="StatementRef",
                                 object_id=str(target.id), timestamp=timezone.now(), voided=False,
                                 statement={"verb": {"id": VOIDED_VERB},
                                            "object": {"objectType": "StatementRef", "id": str(target.id)}})
        Statement.objects.filter(pk=target.pk).update(voided=True)
    r = rollup.run_incremental(batch_size=7, lag=0)
    assert r.voids == 2
    incremental = _snapshot()
    assert sum(incremental["SchoolDaily"].values()) == 38
    assert sum(incremental["HourlyCount"].values()) == 38
    assert (incremental["ActiveDaily"], incremental["ActiveWeekly"], incremental["ActorYear"]) == _active_from_raw()
    rollup.run_full(lag=0)
    assert _snapshot() == incremental


def test_active_people_per_day_and_year_are_what_the_raw_statements_give(demo):
    made = _random_trail(demo, 160, seed=8)
    rollup.run_incremental(batch_size=23, lag=0)
    _random_trail(demo, 60, seed=9)  # the same people on the same days again: no one counted twice
    rollup.run_incremental(batch_size=23, lag=0)
    snap = _snapshot()
    assert (snap["ActiveDaily"], snap["ActiveWeekly"], snap["ActorYear"]) == _active_from_raw()
    assert sum(snap["SchoolDaily"].values()) == sum(snap["DistrictHourly"].values()) == 220
    # Void every statement of one person-day: that person is no longer active that day.
    target = made[0]
    day = timezone.localtime(target.timestamp).date()
    same_day = [s for s in Statement.objects.filter(actor_id=target.actor_id).exclude(verb=VOIDED_VERB)
                if timezone.localtime(s.timestamp).date() == day]
    for t in same_day:
        Statement.objects.create(id=uuid.uuid4(), actor=None, verb=VOIDED_VERB, object_type="StatementRef",
                                 object_id=str(t.id), timestamp=timezone.now(), voided=False,
                                 statement={"verb": {"id": VOIDED_VERB},
                                            "object": {"objectType": "StatementRef", "id": str(t.id)}})
        Statement.objects.filter(pk=t.pk).update(voided=True)
    rollup.run_incremental(batch_size=5, lag=0)
    voided = _snapshot()
    assert (voided["ActiveDaily"], voided["ActiveWeekly"], voided["ActorYear"]) == _active_from_raw()
    assert sum(voided["ActiveDaily"].values()) == sum(snap["ActiveDaily"].values()) - 1
    rollup.run_full(lag=0)
    assert _snapshot() == voided


def test_the_command_and_the_celery_task(demo):
    import io

    from django.core.management import call_command
    from django.test import override_settings

    from zhijiao.cockpit.tasks import rollup as rollup_task

    _random_trail(demo, 12, seed=6)
    out = io.StringIO()
    call_command("cockpit-rollup", "--lag", "0", "--batch", "5", stdout=out)
    assert "12 statements" in out.getvalue() and "3 batches" in out.getvalue()
    out = io.StringIO()
    call_command("cockpit-rollup", "--full", "--lag", "0", stdout=out)
    assert "full" in out.getvalue() and "12 statements" in out.getvalue()
    _random_trail(demo, 3, seed=7)
    assert rollup_task.apply(kwargs={}).get()["statements"] == 0  # the default 60 s lag holds the newest back
    with override_settings(ZHIJIAO_COCKPIT_LAG_SECONDS=0):
        assert rollup_task.apply(kwargs={}).get()["statements"] == 3


def test_cockpit_rollup_batch_0_takes_the_whole_backlog_in_one_transaction(demo, capsys):
    from django.core.management import call_command

    _random_trail(demo, 50, seed=12)
    call_command("cockpit-rollup", "--batch", "0", "--lag", "0", "--no-warm")
    assert RollupCheckpoint.objects.get().statements == 50
    assert "1 batches" in capsys.readouterr().out


def test_cockpit_rollup_refuses_a_negative_batch_and_counts_nothing(demo):
    from django.core.management import CommandError, call_command

    _random_trail(demo, 5, seed=13)
    with pytest.raises(CommandError, match="不能为负数"):
        call_command("cockpit-rollup", "--batch", "-5", "--lag", "0")
    assert not RollupCheckpoint.objects.filter(statements__gt=0).exists()


def test_both_backends_fill_identical_rollup_tables_from_the_same_trail(demo, settings, rollup_backend):
    """The conformance check between backends: the same trail (odd rows included: no actor, no school or
    class, a role outside the groups, a verb with a tab and a quote in it, a void) rolled up in batches
    by this backend and fully by the sql backend gives the same tables."""
    made = _random_trail(demo, 120, seed=21)
    school, _klass, teacher, _student = _people(demo)
    Statement.objects.create(id=uuid.uuid4(), actor=None, verb="https://example.org/verb/odd\t'x'\\y",
                             object_type="", object_id="urn:x", timestamp=_local(3, 23), statement={})
    Statement.objects.create(id=uuid.uuid4(), actor=teacher, actor_role="parent", verb=VERBS["viewed"],
                             object_type="http://adlnet.gov/expapi/activities/media", object_id="urn:y",
                             school=school, timestamp=_local(0, 0), statement={})
    Statement.objects.create(id=uuid.uuid4(), actor=None, verb=VOIDED_VERB, object_type="StatementRef",
                             object_id=str(made[0].id), timestamp=timezone.now(), statement={})
    rollup.run_incremental(batch_size=41, lag=0)
    mine = _snapshot()
    assert sum(mine["SchoolDaily"].values()) == 121  # 122 counted, one voided

    settings.ZHIJIAO_COCKPIT_BACKEND = "sql"
    rollup.run_full(lag=0)
    assert _snapshot() == mine


def test_cockpit_rollup_refuses_an_unknown_backend_and_counts_nothing(demo, settings):
    from django.core.management import CommandError, call_command

    _random_trail(demo, 5, seed=14)
    settings.ZHIJIAO_COCKPIT_BACKEND = "duckdb"
    with pytest.raises(CommandError, match="unknown rollup backend 'duckdb'"):
        call_command("cockpit-rollup", "--lag", "0", "--no-warm")
    assert not RollupCheckpoint.objects.filter(statements__gt=0).exists()


def test_the_migration_fills_people_per_week_from_the_bitmaps_as_the_rollup_does(demo):
    """An installation rolled up before ActiveWeekly existed gets it from ActorYear, no full recompute."""
    import importlib

    from django.apps import apps

    _random_trail(demo, 120, seed=31)
    rollup.run_incremental(batch_size=50, lag=0)
    rolled = _snapshot()["ActiveWeekly"]
    assert rolled
    ActiveWeekly.objects.all().delete()
    importlib.import_module("zhijiao.cockpit.migrations.0005_active_weekly").fill_from_actor_year(apps, None)
    assert _snapshot()["ActiveWeekly"] == rolled
