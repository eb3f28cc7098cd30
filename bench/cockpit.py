"""Cockpit rollups and pages at district scale.

Builds its own scratch database (PostgreSQL `zj_bench_cockpit`, or SQLite in a temp dir), the demo
district's org tree and people, then a semester's trail of N statements bulk-loaded (COPY on
PostgreSQL, executemany on SQLite), and prints: load time, full rollup time, incremental rollup time
for a day's new statements, a no-op incremental run, and cockpit page render times.

    uv run python bench/cockpit.py --n 1000000                       # PostgreSQL, district org tree
    uv run python bench/cockpit.py --n 10000000                      # the design point (~10M statements)
    uv run python bench/cockpit.py --db sqlite --n 200000 --size small
    uv run python bench/cockpit.py --n 10000000 --peak-day 9640000     # and a peak day's rollup
    uv run python bench/cockpit.py --reuse --pages-only                # time the pages again
    uv run python bench/cockpit.py --backend clickhouse --n 1000000    # rollups grouped by chDB (uv sync --extra clickhouse)
    uv run python bench/cockpit.py --db-name zj_bench_chdb --reuse --no-full --peak-day 9640000 --peak-copy \
        --peak-backends clickhouse,sql --peak-rollback                  # a peak day on both backends, same rows, left waiting
    uv run python bench/cockpit.py --db-name zj_bench_chdb --reuse --no-full --peak-again --peak-backends clickhouse \
        --peak-rollback                                                 # time the waiting peak day again
    uv run python bench/cockpit.py --reuse --n 10000000 --day-only --backend clickhouse   # an ordinary day's incremental

Each rollup prints its wall seconds, statements/s and the CPU seconds of this process (chDB included)
and of its PostgreSQL backend (read from /proc: the database on this machine).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _util import PG_BASE, reset_pg  # noqa: E402

DB_NAME = "zj_bench_cockpit"
ZJ = "https://zhijiao.example.org/xapi/"


def setup(db: str, keep: bool, name: str = DB_NAME) -> None:
    os.environ["ZHIJIAO_DATA_DIR"] = tempfile.mkdtemp(prefix="zj-bench-cockpit-")
    os.environ.pop("DATABASE_URL", None)
    if db == "postgres":
        if not keep:
            reset_pg(name)
        os.environ["DATABASE_URL"] = f"{PG_BASE}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def pools():
    from zhijiao.accounts.models import Role, RoleKind
    from zhijiao.core.models import NodeKind, OrgNode

    school_of_path = dict(OrgNode.objects.filter(kind=NodeKind.SCHOOL).values_list("path", "pk"))
    t = {}
    for uid, path in Role.objects.filter(kind=RoleKind.TEACHER).values_list("user_id", "node__path"):
        t.setdefault(uid, school_of_path[path[:21]])
    tclass = {}
    for uid, cid in Role.objects.filter(kind__in=(RoleKind.HEAD_TEACHER, RoleKind.SUBJECT_TEACHER)).values_list(
            "user_id", "node_id"):
        tclass.setdefault(uid, cid)
    teachers = np.array([(u, s, tclass.get(u, 0)) for u, s in t.items()], dtype=np.int64)
    students = np.array([(u, school_of_path[p[:21]], c) for u, c, p in Role.objects.filter(
        kind=RoleKind.STUDENT).values_list("user_id", "node_id", "node__path")], dtype=np.int64)
    # each school gets its own engagement level (so rankings spread)
    rng = np.random.default_rng(7)
    level = {s: rng.beta(2.2, 2.0) for s in school_of_path.values()}
    tw = np.array([level[s] for s in teachers[:, 1]]) * rng.gamma(2.0, 0.5, len(teachers))
    sw = np.array([level[s] for s in students[:, 1]]) * rng.gamma(2.0, 0.5, len(students))
    return teachers, tw / tw.sum(), students, sw / sw.sum()


TEACHER_VERBS = [  # (verb IRI, activity kind, share)
    ("verbs/logged-in", "platform", .10), ("verbs/created", "resource", .06), ("verbs/searched", "search", .08),
    ("verbs/assigned", "homework", .08), ("verbs/graded", "homework", .30), ("verbs/shared", "resource", .05),
    ("http://id.tincanapi.com/verb/viewed", "learning-report", .08), ("http://adlnet.gov/expapi/verbs/responded",
                                                                      "question", .10),
    ("http://adlnet.gov/expapi/verbs/commented", "resource", .05), ("verbs/posted", "research-post", .04),
    ("http://adlnet.gov/expapi/verbs/completed", "training", .03), ("verbs/posted", "message", .03),
]
STUDENT_VERBS = [
    ("verbs/logged-in", "platform", .20), ("http://id.tincanapi.com/verb/viewed", "resource", .35),
    ("verbs/submitted", "homework", .25), ("http://adlnet.gov/expapi/verbs/answered", "question", .15),
    ("http://adlnet.gov/expapi/verbs/asked", "question", .05),
]
TYPES = {"platform": f"{ZJ}activities/platform", "resource": "http://adlnet.gov/expapi/activities/media",
         "search": f"{ZJ}activities/search", "homework": f"{ZJ}activities/homework",
         "question": "http://adlnet.gov/expapi/activities/cmi.interaction"}


def _iri(v: str) -> str:
    return v if "://" in v else f"{ZJ}{v}"


def _type(kind: str) -> str:
    return TYPES.get(kind, f"{ZJ}activities/{kind}")


def generate(n: int, start: datetime, end: datetime, pool, seed: int, stored_at: datetime | None = None):
    """Yield row tuples (id hex, actor, role, verb, type, object id, school, class, ts, stored, json)."""
    teachers, tw, students, sw = pool
    rng = np.random.default_rng(seed)
    span = (end - start).total_seconds()
    tv = [(_iri(v), _type(k), k) for v, k, _s in TEACHER_VERBS]
    tp = np.array([s for *_x, s in TEACHER_VERBS])
    sv = [(_iri(v), _type(k), k) for v, k, _s in STUDENT_VERBS]
    sp = np.array([s for *_x, s in STUDENT_VERBS])
    chunk = 200_000
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        is_t = rng.random(m) < 0.3
        ti = rng.choice(len(teachers), size=m, p=tw)
        si = rng.choice(len(students), size=m, p=sw)
        tverb = rng.choice(len(tv), size=m, p=tp / tp.sum())
        sverb = rng.choice(len(sv), size=m, p=sp / sp.sum())
        secs = rng.random(m) * span
        keys = rng.integers(1, 1_000_000, size=m)
        ids = os.urandom(16 * m).hex()
        for j in range(m):
            if is_t[j]:
                actor, school, klass = teachers[ti[j]]
                verb, otype, kind = tv[tverb[j]]
                role = "teacher"
            else:
                actor, school, klass = students[si[j]]
                verb, otype, kind = sv[sverb[j]]
                role = "student"
            ts = start + timedelta(seconds=float(secs[j]))
            stored = stored_at or ts + timedelta(seconds=3)
            sid = ids[32 * j: 32 * j + 32]
            oid = f"{ZJ}activities/{kind}/{keys[j]}"
            body = (f'{{"id": "{sid}", "actor": {{"objectType": "Agent", "account": {{"homePage": '
                    f'"https://zhijiao.example.org/", "name": "{actor}"}}}}, "verb": {{"id": "{verb}"}}, '
                    f'"object": {{"objectType": "Activity", "id": "{oid}", "definition": {{"type": "{otype}"}}}}, '
                    f'"context": {{"platform": "zhijiao", "extensions": {{"{ZJ}activities/org-node/school": {school}, '
                    f'"{ZJ}activities/org-node/class": {klass}, "{ZJ}activities/user/role": "{role}"}}}}, '
                    f'"timestamp": "{ts.isoformat()}", "version": "1.0.3"}}')
            yield (sid, int(actor), role, verb, otype, oid, int(school), int(klass) or None, ts, stored, body)


COLS = ("id", "actor_id", "actor_role", "verb", "object_type", "object_id", "school_id", "klass_id", "timestamp",
        "stored", "voided", "statement", "has_attachments")


def load(rows, db: str) -> int:
    from django.db import connection

    count = 0
    if db == "postgres":
        with connection.cursor() as cur:
            raw = cur.cursor if hasattr(cur, "cursor") else cur
            buf = []
            with raw.copy(f"COPY records_statement ({', '.join(COLS)}) FROM STDIN") as cp:
                for r in rows:
                    klass = r[7] if r[7] is not None else "\\N"
                    buf.append(f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\t{r[6]}\t{klass}\t"
                               f"{r[8].isoformat()}\t{r[9].isoformat()}\tf\t{r[10]}\tf\n")
                    count += 1
                    if len(buf) >= 20_000:
                        cp.write("".join(buf))
                        buf = []
                if buf:
                    cp.write("".join(buf))
        return count
    sql = f"INSERT INTO records_statement ({', '.join(COLS)}) VALUES ({', '.join(['%s'] * len(COLS))})"
    dt = connection.ops.adapt_datetimefield_value  # the text Django itself writes
    batch = []
    with connection.cursor() as cur:
        for r in rows:
            batch.append((r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], dt(r[8]), dt(r[9]),
                          False, r[10], False))
            count += 1
            if len(batch) >= 20_000:
                cur.executemany(sql, batch)
                batch = []
        if batch:
            cur.executemany(sql, batch)
    return count


def peak_copy(n: int, day0: datetime, stored: datetime) -> int:
    """PostgreSQL: n statements within day0 07:00-21:00, copied from the trail's (each repeated as needed)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM records_statement WHERE stored < %s", [day0])
        have = cur.fetchone()[0]
        cur.execute(
            f"INSERT INTO records_statement ({', '.join(COLS)}) "
            "SELECT gen_random_uuid(), s.actor_id, s.actor_role, s.verb, s.object_type, s.object_id, s.school_id, "
            "s.klass_id, %s + random() * interval '14 hours', %s, false, s.statement, false "
            "FROM (SELECT * FROM records_statement WHERE stored < %s) s CROSS JOIN generate_series(1, %s) LIMIT %s",
            [day0, stored, day0, -(-n // max(have, 1)), n])
        return cur.rowcount


def pg_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine: /proc), 0 on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def timed(label: str, run):
    """Run a rollup; print wall seconds, statements/s and CPU seconds (this process, its PG backend)."""
    cpu0, pg0 = time.process_time(), pg_cpu()
    r = run()
    cpu, pg = time.process_time() - cpu0, pg_cpu() - pg0
    rate = f" ({r.statements / r.seconds:,.0f}/s)" if r.seconds else ""
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"  {label}: {r.seconds:.1f} s for {r.statements:,} statements{rate}; CPU {cpu:.1f} s rollup process "
          f"+ {pg:.1f} s PostgreSQL backend ({r.batches} batches); load average after {load}")
    from django.conf import settings

    from zhijiao.cockpit import rollup_clickhouse

    if settings.ZHIJIAO_COCKPIT_BACKEND == "clickhouse" and rollup_clickhouse.last_steps:
        print("    last batch: " + ", ".join(f"{k} {v:.1f} s" for k, v in rollup_clickhouse.last_steps.items()))
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000_000,
                    help="statements over the semester (default: the design point, 10M; --n 1000000 for a quick run)")
    ap.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    ap.add_argument("--size", choices=["small", "district"], default="district", help="demo org tree and people")
    ap.add_argument("--days", type=int, default=84, help="semester length in days, ending yesterday")
    ap.add_argument("--renders", type=int, default=3)
    ap.add_argument("--reuse", action="store_true",
                    help="PostgreSQL: keep the scratch database of the previous run (skip building and loading)")
    ap.add_argument("--peak-day", type=int, default=0, metavar="N",
                    help="also load N statements within one day (yesterday 07:00-21:00; Chenghua's peak is 9640000) "
                         "and time their rollup in one batch, as `zhijiao cockpit-rollup --batch 0` runs it")
    ap.add_argument("--peak-copy", action="store_true",
                    help="PostgreSQL: make the peak day inside the database from the trail's statements (the same "
                         "people, verbs and JSON bodies; fresh ids, times spread over the day) instead of generating "
                         "it in Python: minutes instead of ~40 on a busy 2-core machine")
    ap.add_argument("--peak-backends", default="",
                    help="comma-separated rollup backends to time the peak day with, on the same data: each but the "
                         "last in a transaction rolled back afterwards (default: --backend)")
    ap.add_argument("--peak-rollback", action="store_true",
                    help="roll back the last --peak-backends run too, leaving the peak day waiting for --peak-again")
    ap.add_argument("--peak-again", action="store_true",
                    help="with --reuse: time --peak-backends on the statements already waiting after the checkpoint "
                         "(a previous --peak-rollback run's peak day) instead of loading a new one")
    ap.add_argument("--no-full", action="store_true",
                    help="with --reuse: skip the full and the one-day rollups (the rollups are current)")
    ap.add_argument("--day-only", action="store_true",
                    help="with --reuse: skip the full rollup, time only a new day's incremental rollup (the rollups "
                         "must be current: otherwise the waiting statements are in it too)")
    ap.add_argument("--pages-only", action="store_true",
                    help="with --reuse: only time the pages (no rollup runs, no new statements)")
    ap.add_argument("--db-name", default=DB_NAME, help=f"PostgreSQL scratch database (default {DB_NAME})")
    ap.add_argument("--backend", choices=["sql", "clickhouse"], default="sql",
                    help="the rollup backend (ZHIJIAO_COCKPIT_BACKEND): sql, or clickhouse (chDB in-process unless "
                         "ZHIJIAO_CLICKHOUSE_URL names a server)")
    args = ap.parse_args()

    os.environ["ZHIJIAO_COCKPIT_BACKEND"] = args.backend
    setup(args.db, keep=args.reuse and args.db == "postgres", name=args.db_name)
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from zhijiao.accounts.models import Role, RoleKind, User
    from zhijiao.cockpit import rollup
    from zhijiao.cockpit.actions import indicator_configs_seed
    from zhijiao.demo.builder import build_demo

    print(f"cockpit bench: db={args.db} size={args.size} n={args.n:,} days={args.days} backend={args.backend}")
    from zhijiao.core.models import NodeKind, OrgNode
    from zhijiao.records.models import Statement

    pool = None
    now = timezone.now().replace(microsecond=0)
    if args.reuse and Statement.objects.exists():
        schools = list(OrgNode.objects.filter(kind=NodeKind.SCHOOL).order_by("path"))
        print(f"  reusing {Statement.objects.count():,} statements, {len(schools)} schools")
    else:
        t = time.monotonic()
        ctx = build_demo(size=args.size, extensions=False)
        schools = ctx.schools
        indicator_configs_seed()
        print(f"  org tree and people ({len(schools)} schools, {User.objects.count():,} accounts): "
              f"{time.monotonic() - t:.1f} s")
        pool = pools()
        end = now - timedelta(days=1)
        start = end - timedelta(days=args.days)
        t = time.monotonic()
        from django.db import transaction

        from zhijiao.demo import bulk

        # One transaction, the table's secondary indexes built once afterwards (PostgreSQL): maintaining five
        # indexes on random statement ids row by row made a 10M load take ~37 minutes.
        with transaction.atomic(), bulk.loading(Statement):
            n = load(generate(args.n, start, end, pool, seed=1), args.db)
        load_s = time.monotonic() - t
        print(f"  load {n:,} statements: {load_s:.1f} s ({n / load_s:,.0f}/s)")
    if args.db == "postgres":
        with connection.cursor() as cur:
            cur.execute("ANALYZE records_statement")

    if not (args.pages_only and args.reuse) and not (args.no_full and args.reuse):
        if not (args.day_only and args.reuse):
            timed("full rollup", lambda: rollup.run_full(lag=0))
            from zhijiao.cockpit.models import ActorDaily, CountVector, HourlyCount

            print(f"    rollup rows: hourly {HourlyCount.objects.count():,}, per-person daily "
                  f"{ActorDaily.objects.count():,}, count vectors {CountVector.objects.count():,}")

        pool = pool or pools()
        day_n = max(1, args.n // args.days)
        today0 = now - timedelta(hours=2)
        n2 = load(generate(day_n, today0, now - timedelta(minutes=5), pool, seed=2, stored_at=now - timedelta(minutes=2)),
                  args.db)
        timed(f"incremental rollup of one day's {n2:,} new statements", lambda: rollup.run_incremental(lag=0))
        r = rollup.run_incremental(lag=0)
        print(f"  incremental rollup with nothing new: {r.seconds * 1000:.0f} ms")
    if (args.peak_day or args.peak_again) and not args.pages_only:
        from django.conf import settings
        from django.db import transaction

        from zhijiao.demo import bulk

        if not args.peak_again:
            day0 = timezone.localtime(now).replace(hour=7, minute=0, second=0) - timedelta(days=1)
            t = time.monotonic()
            with transaction.atomic(), bulk.loading(Statement):
                if args.peak_copy and args.db == "postgres":
                    n3 = peak_copy(args.peak_day, day0, now - timedelta(minutes=1))
                else:
                    pool = pool or pools()
                    n3 = load(generate(args.peak_day, day0, day0 + timedelta(hours=14), pool, seed=3,
                                       stored_at=now - timedelta(minutes=1)), args.db)
            print(f"  load a peak day of {n3:,} statements: {time.monotonic() - t:.1f} s")
            if args.db == "postgres":
                with connection.cursor() as cur:
                    cur.execute("ANALYZE records_statement")
        backends = [b for b in (args.peak_backends or args.backend).split(",") if b]
        for i, name in enumerate(backends):
            settings.ZHIJIAO_COCKPIT_BACKEND = name
            with transaction.atomic():
                timed(f"rollup of the peak day in one batch, {name} backend",
                      lambda: rollup.run_incremental(lag=0, batch_size=None))
                if i < len(backends) - 1 or args.peak_rollback:
                    transaction.set_rollback(True)  # the next backend starts from the same checkpoint
        settings.ZHIJIAO_COCKPIT_BACKEND = args.backend

    admin = User.objects.get(username="qu_admin")
    cio = User.objects.get(username="xiao_cio")
    teacher = Role.objects.filter(kind=RoleKind.TEACHER, node=schools[0]).first().user
    pages = [
        ("district, last 30 days", admin, "/cockpit/?period=30"),
        ("district, semester", admin, "/cockpit/?period=semester"),
        ("district, custom dates", admin, f"/cockpit/?start={(now - timedelta(days=45)).date()}"
                                          f"&end={(now - timedelta(days=3)).date()}"),
        ("district export ranking", admin, "/cockpit/?period=30&export=ranking"),
        ("school (CIO), last 30 days", cio, f"/cockpit/school/{schools[0].pk}/?period=30"),
        ("school (CIO), semester", cio, f"/cockpit/school/{schools[0].pk}/?period=semester"),
        ("teacher drill-down, semester", cio, f"/cockpit/teacher/{teacher.pk}/?period=semester"),
    ]
    from django.core.cache import cache
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imported when the worker starts, as zhijiao/wsgi.py does)
    cache.clear()  # the first render of each page computes; later ones use the cached figures
    for label, user, url in pages:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user, backend="zhijiao.accounts.backends.AccountOrPhoneBackend")
        times = []
        for _ in range(args.renders):
            t = time.monotonic()
            resp = client.get(url)
            times.append(time.monotonic() - t)
            assert resp.status_code == 200, (url, resp.status_code)
        warm = times[1:] or times
        print(f"  page {label:<30} first {times[0] * 1000:7.0f} ms, then median {statistics.median(warm) * 1000:5.0f} ms"
              f"  ({len(resp.content) // 1024} KB)")

    # What `zhijiao cockpit-rollup` does after a run with new statements: the district pages computed ahead.
    from zhijiao.cockpit.actions import figures_warm

    cache.clear()
    t = time.monotonic()
    n_pages = figures_warm()
    print(f"  computing the district pages ahead (3 tab periods): {time.monotonic() - t:.1f} s for {n_pages} pages")
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin, backend="zhijiao.accounts.backends.AccountOrPhoneBackend")
    t = time.monotonic()
    assert client.get("/cockpit/?period=30").status_code == 200
    print(f"  district page right after that: {(time.monotonic() - t) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
