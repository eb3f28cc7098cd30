"""xAPI statement queries (GET /xapi/statements) over millions of statements: each filter's SQL, EXPLAINed.

    uv run python bench/lrs_query.py [--n 2000000] [--pg-db zj_lrs_query] [--reuse] [--only TEXT] [--plans]

Builds a scratch PostgreSQL database (dropped and made again unless --reuse), migrates it and loads N
statements in SQL (generate_series; secondary indexes dropped during the load and made again after):
the shape bench/ingest.py posts (a learner answered one of 2,000 questions, a course as parent activity,
5,000 learners, the bench client as authority), ten statements per registration, one in 1,000 by a
learner with no other statement, one in 1,000 about a question nobody else answered, one in 20 with the
verb `experienced`, one in 500 a StatementRef to an earlier statement and one in 2,000 voiding an earlier
one (which is then voided), stored two seconds apart; the index rows (`StatementTerm`) the LRS writes for
each. Then, in-process through `records.selectors.statements_query` (what the view calls) with a client
that reads everything, for each filter: the selector's wall time (best of 3), the rows and whether there
is a `more` page, and each SQL statement's execution time from `EXPLAIN (ANALYZE, BUFFERS)`; --plans
prints the plans too.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _util import PG_BASE, reset_pg, zhijiao  # noqa: E402

PG_DB = "zj_lrs_query"
SSO = "https://sso.example.org"
Q = "https://questions.example.org/q/"
VERB = "http://adlnet.gov/expapi/verbs/"

# One row per i in 1..N; the same expressions make the statement row and its index rows.
GEN = f"""
WITH g AS (
  SELECT i,
    md5('s' || i)::uuid AS id,
    CASE WHEN i % 1000 = 0 THEN 'x' || i ELSE 's' || (i % 5000) END AS learner,
    CASE WHEN i % 500 = 250 THEN 'ref'
         WHEN i % 2000 = 1300 THEN 'void'
         ELSE 'act' END AS kind,
    CASE WHEN i % 1000 = 500 THEN '{Q}rare/' || i ELSE '{Q}' || (i % 2000) END AS question,
    CASE WHEN i % 500 = 250 THEN md5('s' || (i - 100))::uuid
         WHEN i % 2000 = 1300 THEN md5('s' || (i - 1000))::uuid END AS ref,
    CASE WHEN i % 2000 = 1300 THEN '{VERB}voided' WHEN i % 500 = 250 THEN '{VERB}commented'
         WHEN i % 20 = 0 THEN '{VERB}experienced' ELSE '{VERB}answered' END AS verb,
    md5('r' || (i / 10))::uuid AS registration,
    'https://courses.example.org/c/' || (i % 50) AS course,
    timestamptz '2026-09-01 00:00:00+00' + i * interval '2 seconds' AS stored
  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
)
"""

STATEMENTS = GEN + """
INSERT INTO records_statement (id, actor_id, actor_role, verb, object_type, object_id, school_id, klass_id,
  timestamp, stored, voided, statement, registration, object_ref, voided_by, client_id, has_attachments)
SELECT id, NULL, '', verb,
  CASE kind WHEN 'act' THEN 'http://adlnet.gov/expapi/activities/cmi.interaction' ELSE 'StatementRef' END,
  CASE kind WHEN 'act' THEN question ELSE ref::text END,
  NULL, NULL, stored - interval '1 minute', stored, false,
  jsonb_build_object(
    'id', id, 'version', '1.0.3', 'stored', to_char(stored AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    'timestamp', to_char((stored - interval '1 minute') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    'actor', jsonb_build_object('objectType', 'Agent', 'account',
                                jsonb_build_object('homePage', %(sso)s::text, 'name', learner)),
    'verb', jsonb_build_object('id', verb),
    'object', CASE kind WHEN 'act' THEN jsonb_build_object('objectType', 'Activity', 'id', question,
                'definition', jsonb_build_object('type', 'http://adlnet.gov/expapi/activities/cmi.interaction'))
              ELSE jsonb_build_object('objectType', 'StatementRef', 'id', ref) END,
    'result', jsonb_build_object('success', i % 3 <> 0, 'score', jsonb_build_object('scaled', (i % 10) / 10.0),
                                 'duration', 'PT42S'),
    'context', jsonb_build_object('registration', registration,
                                  'contextActivities', jsonb_build_object('parent',
                                      jsonb_build_array(jsonb_build_object('id', course)))),
    'authority', %(authority)s::jsonb),
  registration, ref, NULL, %(client)s::int, false
FROM g
"""

TERMS = GEN + """
INSERT INTO records_statementterm (statement_id, kind, key, "primary")
SELECT id, 'agent', 'account:' || %(sso)s::text || '|' || learner, true FROM g
UNION ALL SELECT id, 'activity', question, true FROM g WHERE kind = 'act'
UNION ALL SELECT id, 'activity', course, false FROM g
UNION ALL SELECT id, 'agent', %(authority_key)s::text, false FROM g
"""
# psycopg placeholders: SQL's modulo operator is written %% in these.
STATEMENTS, TERMS = (s.replace(" % ", " %% ") for s in (STATEMENTS, TERMS))


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2_000_000)
    ap.add_argument("--pg-db", default=PG_DB, help="scratch PostgreSQL database (dropped and made again)")
    ap.add_argument("--reuse", action="store_true", help="query the database as it is (no rebuild)")
    ap.add_argument("--only", default="", help="only cases whose label contains this text")
    ap.add_argument("--plans", action="store_true", help="print each EXPLAIN ANALYZE plan")
    return ap.parse_args()


ARGS = parse_args()
DSN = f"{PG_BASE}/{ARGS.pg_db}"


def build(n: int) -> None:
    import tempfile

    import psycopg

    reset_pg(ARGS.pg_db)
    env = dict(os.environ, DATABASE_URL=DSN, ZHIJIAO_DATA_DIR=tempfile.mkdtemp(prefix="zj-lrsq-"))
    zhijiao(["migrate", "-v", "0"], env)
    out = zhijiao(["xapi-client", "add", "bench"], env, capture_output=True, text=True).stdout
    key = out.strip().splitlines()[-1].split(":")[0]
    from zhijiao.records.xapi.statements import CLIENT_HOME

    authority = {"objectType": "Agent", "name": "bench", "account": {"homePage": CLIENT_HOME, "name": key}}
    t0 = time.perf_counter()
    with psycopg.connect(DSN, autocommit=True) as conn:
        client = conn.execute("SELECT id FROM records_lrsclient WHERE key = %s", [key]).fetchone()[0]
        idx = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('records_statement', "
            "'records_statementterm') AND indexdef NOT LIKE 'CREATE UNIQUE%'").fetchall()
        fks = conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid IN ('records_statement'::regclass, "
            "'records_statementterm'::regclass)").fetchall()
        for table, name, _d in fks:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _d in idx:
            conn.execute(f'DROP INDEX "{name}"')
        import json

        params = {"sso": SSO, "client": client, "authority": json.dumps(authority),
                  "authority_key": f"account:{CLIENT_HOME}|{key}"}
        step = 250_000
        for lo in range(1, n + 1, step):
            hi = min(n, lo + step - 1)
            conn.execute(STATEMENTS, {**params, "lo": lo, "hi": hi})
            conn.execute(TERMS, {**params, "lo": lo, "hi": hi})
            print(f"  loaded {hi:,} statements ({time.perf_counter() - t0:.0f} s)", flush=True)
        # Voiding statements void their targets (as records.actions does).
        conn.execute("UPDATE records_statement t SET voided = true, voided_by = v.id FROM records_statement v "
                     "WHERE v.verb = %s AND t.id = v.object_ref", [VERB + "voided"])
        for _name, d in idx:
            conn.execute(d)
        for table, name, d in fks:
            conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {d}')
        conn.execute("VACUUM ANALYZE records_statement")
        conn.execute("VACUUM ANALYZE records_statementterm")
    print(f"built {n:,} statements in {time.perf_counter() - t0:.0f} s", flush=True)


def cases(n: int) -> list[tuple[str, dict, bool]]:
    """(label, StatementQuery keyword arguments, also fetch the `more` page)."""
    import hashlib
    import uuid
    from datetime import UTC, datetime

    def md5uuid(s):
        return str(uuid.UUID(hashlib.md5(s.encode()).hexdigest()))

    def agent(name):
        return {"objectType": "Agent", "account": {"homePage": SSO, "name": name}}

    reg = md5uuid(f"r{n // 20}")  # ten statements, in the middle of the data
    mid = datetime(2026, 9, 1, tzinfo=UTC).timestamp() + n  # stored of statement n/2
    since = datetime.fromtimestamp(mid - 3600, UTC)
    until = datetime.fromtimestamp(mid + 3600, UTC)
    return [
        ("no filter", {}, True),
        ("registration (10 statements)", {"registration": reg}, False),
        ("registration, ascending", {"registration": reg, "ascending": True}, False),
        ("registration, since/until (an hour each side)", {"registration": reg, "since": since, "until": until},
         False),
        ("agent with one statement", {"agent": agent(f"x{(n // 2000) * 1000}")}, False),
        ("agent, 400 statements, limit 100", {"agent": agent("s42"), "limit": 100}, True),
        ("activity with one statement", {"activity": f"{Q}rare/{(n // 2000) * 1000 + 500}"}, False),
        ("activity, 1,000 statements, limit 100", {"activity": f"{Q}7", "limit": 100}, True),
        ("activity 1,000 + related_activities", {"activity": f"{Q}7", "related_activities": True}, False),
        ("related course (1 in 50), limit 100",
         {"activity": "https://courses.example.org/c/7", "related_activities": True, "limit": 100}, True),
        ("verb experienced (1 in 20), limit 100", {"verb": VERB + "experienced", "limit": 100}, True),
        ("verb voided (1 in 2,000)", {"verb": VERB + "voided"}, False),
        ("verb answered + since/until", {"verb": VERB + "answered", "since": since, "until": until}, False),
        ("agent s42 + verb experienced", {"agent": agent("s42"), "verb": VERB + "experienced"}, False),
    ]


def main() -> int:
    if not ARGS.reuse:
        build(ARGS.n)
    os.environ["DATABASE_URL"] = DSN
    os.environ.setdefault("ZHIJIAO_DATA_DIR", "/tmp/zj-lrsq-data")
    os.environ["ZHIJIAO_TRAIL_DRAIN_SECONDS"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhijiao.records import selectors
    from zhijiao.records.models import LrsClient, Statement
    from zhijiao.records.xapi.auth import XapiAccess

    n = Statement.objects.count()
    access = XapiAccess(client=LrsClient.objects.get(name="bench"), scopes=frozenset({"all"}))
    print(f"{n:,} statements; selector wall ms best of 3; per SQL statement: EXPLAIN ANALYZE execution ms")
    for label, kw, more in cases(n if ARGS.reuse else ARGS.n):
        if ARGS.only and ARGS.only not in label:
            continue
        q = selectors.StatementQuery(**kw)
        best = None
        for _ in range(3):
            t0 = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                rows, token, _asof = selectors.statements_query(access, q)
                if more and token:
                    rows2, _t, _a = selectors.statements_more(access, token)
            ms = (time.perf_counter() - t0) * 1000
            best = ms if best is None else min(best, ms)
        page2 = f", next page {len(rows2)}" if more and token else ""
        print(f"\n{label}: {best:.1f} ms, {len(rows)} rows, more={'yes' if token else 'no'}{page2}")
        for qd in ctx.captured_queries:
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + qd["sql"])
                plan = [r[0] for r in cur.fetchall()]
            ex = next((p for p in plan if p.startswith("Execution Time")), "")
            print(f"  {ex}  {qd['sql'][:110]}…")
            if ARGS.plans:
                print("    " + "\n    ".join(plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
