"""Figures for any period a user can pick (active users per school, daily and weekly trends, visits) are
what the raw statements give, including a custom period across New Year."""

import random
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from zhijiao.accounts.models import Role, RoleKind
from zhijiao.cockpit import rollup, selectors
from zhijiao.cockpit.indicators import ROLE_GROUPS, VOIDED_VERB
from zhijiao.records.actions import record_event
from zhijiao.records.models import Statement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rollup_backend")]

GROUP_OF = {kind: g for g, kinds in ROLE_GROUPS.items() for kind in kinds}


def _trail(demo, days: list[date], n: int, seed: int) -> None:
    rng = random.Random(seed)
    teachers = list(Role.objects.filter(kind=RoleKind.TEACHER).select_related("user", "node")[:30])
    students = list(Role.objects.filter(kind=RoleKind.STUDENT).select_related("user", "node")[:60])
    for _ in range(n):
        day = rng.choice(days)
        ts = timezone.make_aware(datetime(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60)))
        if rng.random() < 0.4:
            r = rng.choice(teachers)
            record_event(actor=r.user, verb=rng.choice(["graded", "logged-in"]), object_kind="homework",
                         object_key=rng.randrange(5), school=r.node, actor_role="teacher", timestamp=ts)
        else:
            r = rng.choice(students)
            record_event(actor=r.user, verb="submitted", object_kind="homework", object_key=rng.randrange(5),
                         school=rng.choice(demo.schools), klass=r.node, actor_role="student", timestamp=ts)


def _raw(start: date, end: date):
    """(active per school and role group, visits per day, active per day, active per week) from the raw rows."""
    people = defaultdict(set)
    visits, day_people, week_people = defaultdict(int), defaultdict(set), defaultdict(set)
    for actor, school, role, ts in Statement.objects.filter(voided=False).exclude(verb=VOIDED_VERB).values_list(
            "actor_id", "school_id", "actor_role", "timestamp"):
        day = timezone.localtime(ts).date()
        if not start <= day <= end:
            continue
        key = (school or 0, GROUP_OF.get(role, "other"), actor)
        people[key[:2]].add(actor)
        visits[day] += 1
        day_people[day].add(key)
        week_people[day - timedelta(days=day.weekday())].add(key)
    return ({k: len(v) for k, v in people.items()}, dict(visits), {d: len(v) for d, v in day_people.items()},
            {w: len(v) for w, v in week_people.items()})


@pytest.mark.parametrize("span", ["7", "custom-new-year", "semester"])
def test_period_figures_equal_a_recount(demo, span):
    today = timezone.localdate()
    recent = [today - timedelta(days=k) for k in range(40)]
    new_year = [date(2025, 12, 24) + timedelta(days=k) for k in range(16)]  # 12-24 … 01-08
    _trail(demo, recent + new_year, 500, seed=3)
    rollup.run_incremental(batch_size=97, lag=0)
    if span == "custom-new-year":
        period, _msg = selectors.period_from({"start": "2025-12-27", "end": "2026-01-06"})
        # Someone is active on both sides of New Year in the week of 12-29: counted once in that week.
        dec = _raw(date(2025, 12, 29), date(2025, 12, 31))[3][date(2025, 12, 29)]
        jan = _raw(date(2026, 1, 1), date(2026, 1, 4))[3][date(2025, 12, 29)]
        assert _raw(date(2025, 12, 29), date(2026, 1, 4))[3][date(2025, 12, 29)] < dec + jan
    else:
        period, _msg = selectors.period_from({"period": span})
    active, visits, day_active, week_active = _raw(period.start, period.end)

    figs = selectors.school_figures(list(demo.schools), period)
    got = {}
    for f in figs:
        for role, n in (("student", f.active_students), ("teacher", f.active_teachers)):
            if n:
                got[(f.school.pk, role)] = n
    assert got == {k: v for k, v in active.items() if k[1] in ("student", "teacher")}
    assert sum(f.active_users for f in figs) == sum(v for k, v in active.items() if k[0] in got_schools(figs))

    daily = selectors.daily_trend(period)
    assert {d["day"]: d["visits"] for d in daily if d["visits"]} == visits
    assert {d["day"]: d["active"] for d in daily if d["active"]} == day_active
    weekly = selectors.weekly_trend(period)
    assert {w["week"]: w["active"] for w in weekly if w["active"]} == week_active
    assert sum(w["visits"] for w in weekly) == sum(visits.values())


def got_schools(figs) -> set[int]:
    return {f.school.pk for f in figs}


def _indicator_values_from_raw(teachers: list[int], period) -> dict[int, dict[str, float]]:
    """Each teacher's indicator values over the period, recounted from the raw statements: a teacher's own
    statements (role groups `DETAILED_GROUPS`) for "actor" indicators, those of the classes they teach for
    "class" ones; a count, or distinct days (per class, summed over the classes)."""
    from zhijiao.cockpit.indicators import DETAILED_GROUPS

    inds = [i for i in selectors.indicators() if i.enabled and i.weight > 0]
    classes_of = defaultdict(set)
    for uid, cid in Role.objects.filter(kind__in=selectors.CLASS_TEACHING_KINDS).values_list("user_id", "node_id"):
        classes_of[uid].add(cid)
    rows = []
    for actor, klass, role, verb, object_type, ts in Statement.objects.filter(voided=False).exclude(
            verb=VOIDED_VERB).values_list("actor_id", "klass_id", "actor_role", "verb", "object_type", "timestamp"):
        day = timezone.localtime(ts).date()
        if period.start <= day <= period.end:
            rows.append((actor, klass, GROUP_OF.get(role, "other"), verb, object_type, day))

    def counts(ind, picked) -> float:
        hits = [r for r in picked if (not ind.verbs or r[3] in ind.verb_iris())
                and (not ind.object_types or r[4] in ind.type_iris()) and (not ind.roles or r[2] in ind.roles)]
        return float(len({r[5] for r in hits}) if ind.measure == "days" else len(hits))

    out = {}
    for t in teachers:
        own = [r for r in rows if r[0] == t and r[2] in DETAILED_GROUPS]
        values = {}
        for ind in inds:
            if ind.attribution == "actor":
                values[ind.code] = counts(ind, own)
            else:
                values[ind.code] = sum(counts(ind, [r for r in rows if r[1] == c]) for c in classes_of[t])
        out[t] = values
    return out


@pytest.mark.parametrize("when", [{"period": "7"}, {"period": "30"}, {"period": "semester"},
                                  {"start": "2025-12-20", "end": "2026-01-10"}])
def test_the_teacher_index_for_any_period_is_what_the_raw_statements_give(demo, when):
    today = timezone.localdate()
    _trail(demo, [today - timedelta(days=k) for k in range(40)] + [date(2025, 12, 18) + timedelta(days=k)
                                                                    for k in range(30)], 600, seed=11)
    rollup.run_incremental(batch_size=71, lag=0)
    # a void: the statement leaves every figure, count vectors included
    target = Statement.objects.filter(actor_role="teacher").order_by("timestamp").first()
    Statement.objects.create(id=__import__("uuid").uuid4(), actor=None, verb=VOIDED_VERB, object_type="StatementRef",
                             object_id=str(target.id), timestamp=timezone.now(), voided=False,
                             statement={"verb": {"id": VOIDED_VERB},
                                        "object": {"objectType": "StatementRef", "id": str(target.id)}})
    Statement.objects.filter(pk=target.pk).update(voided=True)
    rollup.run_incremental(batch_size=71, lag=0)
    period, _msg = selectors.period_from(when)
    teachers = selectors._teachers_of([s.path for s in demo.schools])
    scores = selectors.teacher_scores(teachers, period)
    raw = _indicator_values_from_raw(list(teachers), period)
    assert {t: s.values for t, s in scores.items()} == raw
    from zhijiao.cockpit.indicators import DEFAULTS

    for attribution in ("actor", "class"):  # the period holds activity of both kinds of key
        codes = {i.code for i in DEFAULTS if i.attribution == attribution}
        assert any(v for values in raw.values() for c, v in values.items() if c in codes), attribution
    days_codes = {i.code for i in DEFAULTS if i.measure == "days"}
    assert any(v for values in raw.values() for c, v in values.items() if c in days_codes)
    # and a full recompute gives the same vectors
    rollup.run_full(lag=0)
    again = selectors.teacher_scores(teachers, period)
    assert {t: s.values for t, s in again.items()} == raw
