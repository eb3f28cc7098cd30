"""Demo activity for the cockpit (order 70): a semester's trail of statements, varied by school.

The rows have the shape `records.actions.record_event` writes (columns + xAPI JSON); they are
bulk-inserted because this is generated demo data, not user actions (COPY on PostgreSQL, with the
table's secondary indexes built once after the load), together with the LRS index rows `record_event`
would write. Activity is dense over the last 30 days and sparse before (the platform's adoption growing),
and each school has its own engagement level so rankings and the warning list are interesting. Statement
ids come from their own seeded generator, so the same seed gives the same trail. Then the rollups are
computed.
"""

import random
import uuid
from collections import defaultdict
from datetime import datetime, time, timedelta
from itertools import accumulate, islice

from django.db import connection
from django.utils import timezone

from zhijiao.accounts.models import Role, RoleKind
from zhijiao.cockpit import rollup
from zhijiao.cockpit.actions import indicator_configs_seed
from zhijiao.cockpit.indicators import DEFAULTS, type_iri
from zhijiao.cockpit.rollup import ROLLUP_MODELS
from zhijiao.core.models import NodeKind, OrgNode
from zhijiao.demo import bulk
from zhijiao.records.actions import MAX_TERM, statements_index
from zhijiao.records.models import Statement, StatementTerm
from zhijiao.records.vocabulary import VERBS, activity_id

SMALL_FACTORS = [0.9, 0.55, 0.3, 0.12, 0.7]  # engagement of the small demo's five schools
WINDOW_DAYS = 120
DENSE_DAYS = 30
SPARSE = 0.3
HOME = "https://zhijiao.example.org/"
CHUNK = 20_000  # statements generated and written at a time

# What teachers do, per indicator (the first verb and type of each default indicator), and who does it.
TEACHER_ACTIONS = [(i.code, i.verbs[0] if i.verbs else "logged-in", i.object_types[0] if i.object_types else "platform",
                    i.threshold) for i in DEFAULTS if i.attribution == "actor" and i.measure == "count"]
CLASS_ACTIONS = [(i.code, i.verbs[0], i.object_types[0], i.threshold) for i in DEFAULTS if i.attribution == "class"]


SCHOOL_KEY, CLASS_KEY, ROLE_KEY = (activity_id("org-node", "school"), activity_id("org-node", "class"),
                                   activity_id("user", "role"))


def _statement(*, sid, actor_id, role, verb, kind, key, school_id, klass_id, ts, now) -> dict:
    """The field values of one statement (a dict: a model instance per row would cost more than writing it)."""
    ext = {SCHOOL_KEY: school_id, ROLE_KEY: role}
    if klass_id:
        ext[CLASS_KEY] = klass_id
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
    return dict(id=sid, actor_id=actor_id, actor_role=role, verb=verb_id, object_type=obj_type, object_id=obj_id,
                school_id=school_id, klass_id=klass_id, timestamp=ts, stored=now, statement=body)


def _statement_of(args: tuple, now: datetime) -> dict:
    """`_statement` of one entry of the generated trail: (id bits, actor, role, verb, kind, key, school, class, time)."""
    sid, actor_id, role, verb, kind, key, school_id, klass_id, ts = args
    return _statement(sid=str(uuid.UUID(int=sid, version=4)), actor_id=actor_id, role=role, verb=verb, kind=kind,
                      key=key, school_id=school_id, klass_id=klass_id, ts=ts, now=now)


# The PostgreSQL build writes the same statements as COPY text directly: the JSON of `_statement`'s body and
# the index rows `records.xapi.statements.terms` gives it, spelled out (tests hold both equal to the
# originals), because a million statements through dicts, json.dumps and terms() cost minutes.
_BODY = ('{{"id": "{sid}", "actor": {{"objectType": "Agent", "account": {{"homePage": "' + HOME + '", "name": '
         '"{actor}"}}}}, "verb": {{"id": "{verb_id}", "display": {{"en-US": "{verb}"}}}}, "object": {{"objectType": '
         '"Activity", "id": "{obj_id}", "definition": {{"type": "{obj_type}"}}}}, "context": {{"platform": "zhijiao", '
         '"extensions": {{"' + SCHOOL_KEY + '": {school}, "' + ROLE_KEY + '": "{role}"{klass}}}}}, "timestamp": "{ts}", '
         '"stored": "{now}", "version": "1.0.3"}}')
_STATEMENT_COLUMNS = ("id", "actor_id", "actor_role", "verb", "object_type", "object_id", "school_id", "klass_id",
                      "timestamp", "stored", "statement")


def _body_json(args: tuple, now_iso: str, sid_text: str, ts_iso: str) -> str:
    """json.dumps(_statement_of(args, now)["statement"]), written out (`sid_text`, `ts_iso`: the id and time as
    text, which the caller has anyway)."""
    _sid, actor_id, role, verb, kind, key, school_id, klass_id, _ts = args
    return _BODY.format(sid=sid_text, actor=actor_id, verb_id=VERBS[verb], verb=verb, obj_id=activity_id(kind, key),
                        obj_type=type_iri(kind), school=school_id, role=role,
                        klass=f', "{CLASS_KEY}": {klass_id}' if klass_id else "", ts=ts_iso, now=now_iso)


def _term_rows(actor_id, obj_id: str) -> list[tuple[str, str, bool]]:
    """terms() of a demo statement: its object and its actor, both primary (sorted, as terms() returns them)."""
    return [("activity", obj_id[:MAX_TERM], True), ("agent", f"account:{HOME}|{actor_id}"[:MAX_TERM], True)]


_job: dict = {}  # what the forked workers of a PostgreSQL build need (set before they are forked)


def _copy_chunk(chunk: list[tuple]) -> tuple[int, str, str]:
    """COPY text of a chunk of the trail and of its LRS index rows (run in a forked worker)."""
    statement, term, now_iso = _job["statement"], _job["term"], _job["now_iso"]
    rows, term_rows = [], []
    for args in chunk:
        sid, actor_id, role, verb, kind, key, school_id, klass_id, ts = args
        sid_text = str(uuid.UUID(int=sid, version=4))
        ts_iso = ts.isoformat()
        obj_id = activity_id(kind, key)
        rows.append(statement.format(sid_text, actor_id, role, VERBS[verb], type_iri(kind), obj_id, school_id,
                                     klass_id or "\\N", ts_iso, now_iso,
                                     bulk.copy_escape(_body_json(args, now_iso, sid_text, ts_iso))))
        term_rows += [term.format(sid_text, kind_, bulk.copy_escape(key_), "t" if primary else "f")
                      for kind_, key_, primary in _term_rows(actor_id, obj_id)]
    return len(chunk), "\n".join(rows) + "\n", "\n".join(term_rows) + "\n"


def build(ctx) -> None:
    rng = random.Random(f"cockpit-{ctx.size}")
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    days = [today - timedelta(days=d) for d in range(WINDOW_DAYS)]
    weights = [(1.0 if d < DENSE_DAYS else SPARSE) * (0.25 if day.weekday() >= 5 else 1.0)
               for d, day in enumerate(days)]
    dense_equiv = sum(weights) / 30.0  # how many "dense months" the window holds
    cum_weights = list(accumulate(weights))  # what choices(days, weights) computes on every call
    now = timezone.now()

    def when(teacher: bool) -> datetime:
        day = rng.choices(days, cum_weights=cum_weights)[0]
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

    ids = random.Random(f"cockpit-ids-{ctx.size}")  # statement ids: seeded, apart from the content's stream

    def trail():
        """The statements in order, each as the arguments of `_statement` (a tuple, cheap to hand to a worker)."""
        for uid, sid in teachers.items():
            p = min(1.0, max(0.0, rng.gauss(factors[sid], 0.25)))
            if p < 0.05:
                continue  # never logged in: counts against the school's share
            klasses = classes_of.get(uid) or [0]
            yield (ids.getrandbits(128), uid, "teacher", "logged-in", "platform", "web", sid, None, when(True))
            for _code, verb, kind, threshold in TEACHER_ACTIONS:
                for _ in range(count(thr("actor", threshold) * 1.4 * p * dense_equiv)):
                    k = rng.choice(klasses)
                    yield (ids.getrandbits(128), uid, "teacher", verb, kind, rng.randrange(1, 500), sid, k or None,
                           when(True))
        for cid, members in students_of.items():
            sid = class_school.get(cid)
            if sid is None or not members:
                continue
            p = min(1.0, max(0.0, rng.gauss(factors[sid], 0.2)))
            for _code, verb, kind, threshold in CLASS_ACTIONS:
                for _ in range(count(thr("class", threshold) * 1.4 * p * dense_equiv)):
                    yield (ids.getrandbits(128), rng.choice(members), "student", verb, kind, rng.randrange(1, 500),
                           sid, cid, when(False))
            for _ in range(count(len(members) * (0.3 if small else 3.0) * p * dense_equiv)):
                yield (ids.getrandbits(128), rng.choice(members), "student", "logged-in", "platform", "web", sid, cid,
                       when(False))

    stream = trail()
    chunks = iter(lambda: list(islice(stream, CHUNK)), [])
    with bulk.progress_bar(getattr(ctx, "tqdm_factory", None), None, "学习记录 statements") as bar, \
            bulk.loading(Statement, StatementTerm):
        if bulk.postgres():
            # COPY, with the statements and their LRS index rows (what `statements_index`, i.e. what
            # `record_event` writes) formatted in forked workers while this process draws the next chunk;
            # the tables' secondary indexes are built once afterwards instead of row by row.
            statement = bulk.RowFormat(Statement)
            term = bulk.RowFormat(StatementTerm, database_pk=True)
            _job.update(now_iso=now.isoformat(), statement=statement.template(_STATEMENT_COLUMNS),
                        term=term.template(("statement_id", "kind", "key", "primary")))
            try:
                written = bulk.copy_parallel(
                    chunks, _copy_chunk, [(Statement._meta.db_table, statement.columns),
                                          (StatementTerm._meta.db_table, term.columns)],
                    workers=1 if small else None, tick=bar.update)
            finally:
                _job.clear()
        else:
            written = 0
            for chunk in chunks:
                objs = [Statement(**_statement_of(args, now)) for args in chunk]
                Statement.objects.bulk_create(objs, batch_size=5000)
                statements_index(statements=objs)
                written += len(objs)
                bar.update(len(objs))
    ctx.progress(f"cockpit: {written} activity statements")
    indicator_configs_seed()
    if small:
        from zhijiao.cockpit.models import IndicatorConfig

        for c in IndicatorConfig.objects.filter(measure="count"):
            c.threshold = thr(c.attribution, c.threshold)
            c.save(update_fields=["threshold"])
    if bulk.postgres():
        with connection.cursor() as cur:  # statistics for the rollup's plan (the trail was just loaded)
            cur.execute(f"ANALYZE {connection.ops.quote_name(Statement._meta.db_table)}")
    with bulk.loading(*ROLLUP_MODELS):  # empty tables: their indexes built after
        r = rollup.run_full(lag=0)
    ctx.progress(f"cockpit: rolled up {r.statements} statements in {r.seconds:.2f} s")
