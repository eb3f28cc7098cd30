"""Demo activity for the cockpit (order 70): a semester's trail of statements, varied by school.

The rows have the shape `records.actions.record_event` writes (columns + xAPI JSON); they are
bulk-inserted because this is generated demo data, not user actions. Activity is dense over the last
30 days and sparse before (the platform's adoption growing), and each school has its own engagement
level so rankings and the warning list are interesting. Then the rollups are computed.
"""

import random
import uuid
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.utils import timezone

from zhijiao.accounts.models import Role, RoleKind
from zhijiao.cockpit import rollup
from zhijiao.cockpit.actions import indicator_configs_seed
from zhijiao.cockpit.indicators import DEFAULTS, type_iri
from zhijiao.core.models import NodeKind, OrgNode
from zhijiao.records.actions import statements_index
from zhijiao.records.models import Statement
from zhijiao.records.vocabulary import VERBS, activity_id

SMALL_FACTORS = [0.9, 0.55, 0.3, 0.12, 0.7]  # engagement of the small demo's five schools
WINDOW_DAYS = 120
DENSE_DAYS = 30
SPARSE = 0.3
HOME = "https://zhijiao.example.org/"

# What teachers do, per indicator (the first verb and type of each default indicator), and who does it.
TEACHER_ACTIONS = [(i.code, i.verbs[0] if i.verbs else "logged-in", i.object_types[0] if i.object_types else "platform",
                    i.threshold) for i in DEFAULTS if i.attribution == "actor" and i.measure == "count"]
CLASS_ACTIONS = [(i.code, i.verbs[0], i.object_types[0], i.threshold) for i in DEFAULTS if i.attribution == "class"]


def _statement(*, actor_id, role, verb, kind, key, school_id, klass_id, ts, now) -> Statement:
    sid = uuid.uuid4()
    ext = {activity_id("org-node", "school"): school_id, activity_id("user", "role"): role}
    if klass_id:
        ext[activity_id("org-node", "class")] = klass_id
    verb_id = VERBS[verb]
    obj_type = type_iri(kind)
    obj_id = activity_id(kind, key)
    body = {
        "id": str(sid),
        "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": str(actor_id)}},
        "verb": {"id": verb_id, "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": obj_id, "definition": {"type": obj_type}},
        "context": {"platform": "zhijiao", "extensions": ext},
        "timestamp": ts.isoformat(), "stored": now.isoformat(), "version": "1.0.3",
    }
    return Statement(id=sid, actor_id=actor_id, actor_role=role, verb=verb_id, object_type=obj_type,
                     object_id=obj_id, school_id=school_id, klass_id=klass_id, timestamp=ts, statement=body)


def build(ctx) -> None:
    rng = random.Random(f"cockpit-{ctx.size}")
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    days = [today - timedelta(days=d) for d in range(WINDOW_DAYS)]
    weights = [(1.0 if d < DENSE_DAYS else SPARSE) * (0.25 if day.weekday() >= 5 else 1.0)
               for d, day in enumerate(days)]
    dense_equiv = sum(weights) / 30.0  # how many "dense months" the window holds
    now = timezone.now()

    def when(teacher: bool) -> datetime:
        day = rng.choices(days, weights)[0]
        hour = rng.choice((8, 9, 10, 11, 14, 15, 16, 17, 20, 21) if teacher else (7, 16, 17, 18, 19, 20, 21))
        return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tz)

    def count(expected: float) -> int:
        n = int(expected)
        return n + (1 if rng.random() < expected - n else 0)

    schools = list(ctx.schools)
    factors = {s.pk: (SMALL_FACTORS[i % len(SMALL_FACTORS)] if ctx.size == "small"
                      else min(1.0, max(0.03, rng.betavariate(2.2, 2.0) if i % 10 else rng.random() * 0.2)))
               for i, s in enumerate(schools)}
    school_of_path = {s.path: s.pk for s in schools}
    teachers: dict[int, int] = {}
    for uid, path in Role.objects.filter(kind=RoleKind.TEACHER, node__kind=NodeKind.SCHOOL).values_list(
            "user_id", "node__path"):
        if path in school_of_path:
            teachers.setdefault(uid, school_of_path[path])
    students_of: dict[int, list[int]] = defaultdict(list)
    for uid, cid in Role.objects.filter(kind=RoleKind.STUDENT).values_list("user_id", "node_id"):
        students_of[cid].append(uid)
    class_school = {c.pk: school_of_path.get(c.path[:21]) for c in OrgNode.objects.filter(kind=NodeKind.CLASS)}
    classes_of: dict[int, list[int]] = defaultdict(list)
    for uid, cid in Role.objects.filter(kind__in=(RoleKind.HEAD_TEACHER, RoleKind.SUBJECT_TEACHER)).values_list(
            "user_id", "node_id"):
        classes_of[uid].append(cid)

    small = ctx.size == "small"

    def thr(attribution: str, threshold: float) -> float:
        # The small demo scales count thresholds down (and its volumes with them) to stay a few thousand rows.
        if not small:
            return threshold
        return max(1.0, round((min(threshold, 6) if attribution == "actor" else threshold) / 3.0, 1))

    rows: list[Statement] = []
    for uid, sid in teachers.items():
        p = min(1.0, max(0.0, rng.gauss(factors[sid], 0.25)))
        if p < 0.05:
            continue  # never logged in: counts against the school's share
        klasses = classes_of.get(uid) or [0]
        rows.append(_statement(actor_id=uid, role="teacher", verb="logged-in", kind="platform", key="web",
                               school_id=sid, klass_id=None, ts=when(True), now=now))
        for _code, verb, kind, threshold in TEACHER_ACTIONS:
            for _ in range(count(thr("actor", threshold) * 1.4 * p * dense_equiv)):
                k = rng.choice(klasses)
                rows.append(_statement(actor_id=uid, role="teacher", verb=verb, kind=kind, key=rng.randrange(1, 500),
                                       school_id=sid, klass_id=k or None, ts=when(True), now=now))
    for cid, members in students_of.items():
        sid = class_school.get(cid)
        if sid is None or not members:
            continue
        p = min(1.0, max(0.0, rng.gauss(factors[sid], 0.2)))
        for _code, verb, kind, threshold in CLASS_ACTIONS:
            for _ in range(count(thr("class", threshold) * 1.4 * p * dense_equiv)):
                rows.append(_statement(actor_id=rng.choice(members), role="student", verb=verb, kind=kind,
                                       key=rng.randrange(1, 500), school_id=sid, klass_id=cid, ts=when(False),
                                       now=now))
        for _ in range(count(len(members) * (0.3 if small else 3.0) * p * dense_equiv)):
            rows.append(_statement(actor_id=rng.choice(members), role="student", verb="logged-in", kind="platform",
                                   key="web", school_id=sid, klass_id=cid, ts=when(False), now=now))
    for start in range(0, len(rows), 5000):
        chunk = rows[start:start + 5000]
        Statement.objects.bulk_create(chunk, batch_size=5000)
        # The LRS filters (agent, activity) read an index the bulk insert bypasses: write it too.
        statements_index(statements=chunk)
    ctx.progress(f"cockpit: {len(rows)} activity statements")
    indicator_configs_seed()
    if small:
        from zhijiao.cockpit.models import IndicatorConfig

        for c in IndicatorConfig.objects.filter(measure="count"):
            c.threshold = thr(c.attribution, c.threshold)
            c.save(update_fields=["threshold"])
    r = rollup.run_full(lag=0)
    ctx.progress(f"cockpit: rolled up {r.statements} statements in {r.seconds:.2f} s")
