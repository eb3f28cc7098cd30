"""Every daily page against a district-size PostgreSQL database: each SQL statement it runs, EXPLAINed.

    uv run python bench/explain.py [--db postgres://postgres@127.0.0.1:5432/zj_district] [--data-dir /tmp/zjd]
                                   [--pending-indexes] [--min-rows 10000] [--only TEXT] [--sql]

Picks representative people from the data by role (the teacher who set the most homework, a student of
theirs with open homework and a notebook, that student's parent, the school's admin, the district admin),
logs each in (`Client.force_login`), renders every page they open daily through Django's test client with
the settings pointed at the database, captures every statement, and runs
`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` on each SELECT in a transaction that is rolled back. Prints per
page: status, render time, query count, each query's execution time, and every Seq Scan on a table of
more than --min-rows rows (table and its rows). Exit code 0.

The database is only read, apart from what rendering a page does itself (an audit row for a sensitive
read, a bounded cockpit rollup catch-up, the session). `--pending-indexes` creates the indexes of
migrations not yet applied to this database inside each EXPLAIN's transaction (so they are rolled back
with it): the plans the migrations would give, without migrating the database.
"""

import argparse
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/zj_district"


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default=os.environ.get("EXPLAIN_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--data-dir", default=os.environ.get("EXPLAIN_DATA_DIR", "/tmp/zjd"))
    ap.add_argument("--pending-indexes", action="store_true",
                    help="EXPLAIN with the indexes of unapplied migrations (created and rolled back)")
    ap.add_argument("--min-rows", type=int, default=10_000, help="flag Seq Scans on tables larger than this")
    ap.add_argument("--only", default="", help="only pages whose label or URL contains this text")
    ap.add_argument("--sql", action="store_true", help="print each statement's SQL (shortened)")
    return ap.parse_args()


ARGS = parse_args()
os.environ["DATABASE_URL"] = ARGS.db
os.environ["ZHIJIAO_DATA_DIR"] = ARGS.data_dir
os.environ["ZHIJIAO_TRAIL_DRAIN_SECONDS"] = "0"  # no drain thread: counted reads never reach the database
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")

import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# Counted reads (a resource viewed, a search) are spooled off the request path; spool them into a scratch
# directory that is thrown away, so this run adds no views to the database's counters later.
TRAIL_DIR = tempfile.mkdtemp(prefix="zj-explain-trail-")
settings.ZHIJIAO_TRAIL_DIR = TRAIL_DIR
atexit.register(shutil.rmtree, TRAIL_DIR, ignore_errors=True)  # registered first: runs after the spool closes

from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

BACKEND = "zhijiao.accounts.backends.AccountOrPhoneBackend"
READ = re.compile(r"^\s*(\(\s*)?(SELECT|WITH)\b", re.I)


# --- who, and what they open -----------------------------------------------------------------------------

class Picks:
    """Representative people and objects, found in the data by role (not by demo account names)."""

    def __init__(self):
        from zhijiao.accounts.models import Role, RoleKind
        from zhijiao.homework.models import Assignment, Submission, SubmissionStatus
        from zhijiao.learning.models import Thread, WrongItem
        from zhijiao.questions.models import Question

        done = [SubmissionStatus.SUBMITTED, SubmissionStatus.GRADED]
        row = (Assignment.objects.values("teacher_id").annotate(n=Count("pk")).order_by("-n", "teacher_id").first())
        if row:
            self.teacher = _user(row["teacher_id"])
        else:
            self.teacher = Role.objects.filter(kind=RoleKind.HEAD_TEACHER).select_related("user").first().user
        self.assignment = (Assignment.objects.filter(teacher=self.teacher)
                           .annotate(n=Count("submissions", filter=Q(submissions__status__in=done)))
                           .order_by("-n", "-pk").first())
        self.graded = (Submission.objects.filter(assignment=self.assignment, status__in=done).order_by("pk").first()
                       if self.assignment else None)
        self.question_id = None
        if self.assignment:
            tier = self.assignment.tiers.order_by("pk").first()
            item = tier.paper.items.order_by("order", "pk").first() if tier else None
            self.question_id = item.question_id if item else None
        self.klass = (self.assignment.classes.order_by("path").first() if self.assignment else
                      Role.objects.filter(user=self.teacher, kind__in=[RoleKind.HEAD_TEACHER,
                                                                       RoleKind.SUBJECT_TEACHER]).first().node)
        students = Role.objects.filter(kind=RoleKind.STUDENT, node=self.klass).values("user_id")
        now = timezone.now()
        open_subs = Submission.objects.filter(student_id__in=students, assignment__open_at__lte=now,
                                              status__in=[SubmissionStatus.ASSIGNED, SubmissionStatus.DRAFT])
        best = (WrongItem.objects.filter(student_id__in=open_subs.values("student_id")).values("student_id")
                .annotate(n=Count("pk")).order_by("-n", "student_id").first())
        sid = best["student_id"] if best else (open_subs.values_list("student_id", flat=True).first()
                                               or students.values_list("user_id", flat=True).first())
        self.student = _user(sid)
        self.open_sub = open_subs.filter(student=self.student).order_by("pk").first()
        self.done_sub = (Submission.objects.filter(student=self.student, status__in=done).order_by("-pk").first())
        self.wrong_item = WrongItem.objects.filter(student=self.student, resolved=False).order_by("pk").first()
        parent_role = Role.objects.filter(kind=RoleKind.PARENT, child=self.student).select_related("user").first()
        self.parent = parent_role.user if parent_role else None
        school = self.klass.school()
        admin_role = (Role.objects.filter(kind=RoleKind.SCHOOL_ADMIN, node=school).select_related("user").first()
                      or Role.objects.filter(kind=RoleKind.SCHOOL_ADMIN).select_related("user").first())
        self.school_admin = admin_role.user if admin_role else None
        district_role = Role.objects.filter(kind=RoleKind.DISTRICT_ADMIN).select_related("user").first()
        self.district_admin = district_role.user if district_role else None
        self.thread = Thread.objects.filter(klass=self.klass).order_by("-pk").first()
        self.question = Question.objects.filter(share="district").order_by("pk").first()
        self.chapter_key, self.resources_by_user = _busy_chapter(), {}

    def resource_for(self, user):
        """An approved item this user may open (the newest they see)."""
        from zhijiao.resources.selectors import visible_resources

        if user.pk not in self.resources_by_user:
            self.resources_by_user[user.pk] = (visible_resources(user).filter(status="approved")
                                               .values_list("pk", flat=True).first())
        return self.resources_by_user[user.pk]


def _user(pk):
    from zhijiao.accounts.models import User

    return User.objects.get(pk=pk) if pk else None


def _busy_chapter() -> str | None:
    """The key of a lesson with many resources (browse shows a full page of them)."""
    from zhijiao.catalog.models import Chapter
    from zhijiao.resources.models import Resource

    link = Resource.chapters.through
    sample = list(link.objects.order_by("pk").values_list("chapter_id", flat=True)[:20_000])
    if not sample:
        chapter = Chapter.objects.order_by("pk").first()
        return chapter.key if chapter else None
    chapter_id = Counter(sample).most_common(1)[0][0]
    return Chapter.objects.get(pk=chapter_id).key


def pages(p: Picks) -> list[tuple[str, object, str | None]]:
    """(label, user, url) of every daily page; url None when the data has nothing to show there."""
    def url(name, *args):
        return reverse(name, args=args) if all(a is not None for a in args) else None

    chapter = f"?chapter={p.chapter_key}" if p.chapter_key else ""
    common = []
    for who, user in (("teacher", p.teacher), ("student", p.student), ("parent", p.parent),
                      ("school admin", p.school_admin), ("district admin", p.district_admin)):
        if user is None:
            continue
        common += [
            (f"home ({who})", user, "/"),
            (f"inbox ({who})", user, url("web:inbox")),
            (f"resources browse ({who})", user, url("resources:browse") + chapter),
            (f"a resource ({who})", user, url("resources:detail", p.resource_for(user))),
            (f"search 数学 ({who})", user, url("search:results") + "?q=数学"),
        ]
    klass_id = p.klass.pk if p.klass else None
    mine = [
        ("homework list (teacher)", p.teacher, url("homework:teacher")),
        ("assignment report", p.teacher, url("homework:detail", p.assignment.pk if p.assignment else None)),
        ("grade a submission", p.teacher, url("homework:grade_submission", p.graded.pk if p.graded else None)),
        ("grade one question", p.teacher, url("homework:grade_question", p.assignment.pk if p.assignment else None,
                                              p.question_id)),
        ("learning classes (teacher)", p.teacher, url("learning:index")),
        ("class report", p.teacher, url("learning:class_map", klass_id)),
        ("student report (teacher)", p.teacher, url("learning:student", p.student.pk)),
        ("Q&A list (teacher)", p.teacher, url("learning:qa_list")),
        ("Q&A thread (teacher)", p.teacher, url("learning:qa_detail", p.thread.pk if p.thread else None)),
        ("question bank (the grade's book)", p.teacher, url("questions:bank")),
        ("question bank (every book)", p.teacher, url("questions:bank") + "?book="),
        ("papers by rules", p.teacher, url("questions:paper_rules")),
        ("assign homework (本班用书)", p.teacher, url("homework:assign")),
        ("a question", p.teacher, url("questions:detail", p.question.pk if p.question else None)),
        ("catalog browse", p.teacher, url("catalog:browse") + chapter),
        ("homework list (student)", p.student, url("homework:my")),
        ("do homework", p.student, url("homework:do", p.open_sub.pk if p.open_sub else None)),
        ("homework result (student)", p.student, url("homework:result", p.done_sub.pk if p.done_sub else None)),
        ("my learning status", p.student, url("learning:my")),
        ("wrong-question notebook", p.student, url("learning:notebook")),
        ("targeted practice", p.student, url("learning:practise", p.wrong_item.pk if p.wrong_item else None)),
        ("Q&A list (student)", p.student, url("learning:qa_list")),
        ("homework list (parent)", p.parent, url("homework:children")),
        ("child's learning status (parent)", p.parent, url("learning:student", p.student.pk)),
        ("learning classes (school admin)", p.school_admin, url("learning:index")),
        ("school cockpit (school admin)", p.school_admin, url("cockpit:my_school")),
        ("district cockpit", p.district_admin, url("cockpit:district")),
        ("teacher cockpit (district admin)", p.district_admin, url("cockpit:teacher", p.teacher.pk)),
    ]
    return [(label, user, u) for label, user, u in common + mine if user is not None]


# --- EXPLAIN -----------------------------------------------------------------------------------------------

def pending_index_sql() -> list[str]:
    """CREATE INDEX statements of migrations not yet applied to this database."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return []
    statements = executor.loader.collect_sql(plan)
    with connection.cursor() as cur:
        cur.execute("SELECT relname FROM pg_class WHERE relkind IN ('r', 'p')")
        tables = {name for (name,) in cur.fetchall()}
    out = []
    for s in statements:
        m = re.match(r'\s*CREATE\s+(UNIQUE\s+)?INDEX\b.*?\bON\s+"?(\w+)"?', s, re.I | re.S)
        if m and m.group(2) in tables:  # an index of a table a pending migration creates is left out
            out.append(s)
    return out


class Explainer:
    def __init__(self, dsn: str, indexes: list[str]):
        import psycopg

        self.conn = psycopg.connect(dsn)
        self.indexes = indexes
        self.rows: dict[str, int] = {}
        with self.conn.cursor() as cur:
            cur.execute("SELECT c.relname, GREATEST(c.reltuples, 0)::bigint FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'm') "
                        "AND n.nspname = 'public'")
            self.rows = dict(cur.fetchall())
            for name, in_stats in self._live_rows(cur).items():
                self.rows[name] = max(self.rows.get(name, 0), in_stats)
        self.conn.rollback()

    @staticmethod
    def _live_rows(cur) -> dict[str, int]:
        cur.execute("SELECT relname, n_live_tup FROM pg_stat_user_tables")
        return dict(cur.fetchall())

    def explain(self, sql: str) -> dict:
        """{'ms': execution ms, 'plan': root node, 'seq': [(table, rows, actual rows)]} for one SELECT."""
        with self.conn.cursor() as cur:
            try:
                cur.execute("SET LOCAL statement_timeout = '120s'")
                for stmt in self.indexes:
                    cur.execute(stmt)
                cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
                (doc,) = cur.fetchone()
            finally:
                self.conn.rollback()
        top = doc[0] if isinstance(doc, list) else doc
        seq = []
        for node in _nodes(top["Plan"]):
            if "Seq Scan" in node.get("Node Type", ""):
                table = node.get("Relation Name", "?")
                rows = self.rows.get(table, 0)
                if rows > ARGS.min_rows:
                    seq.append((table, rows, int(node.get("Actual Rows", 0) * node.get("Actual Loops", 1))))
        return {"ms": float(top.get("Execution Time", 0.0)), "plan": top["Plan"], "seq": seq,
                "hit": top["Plan"].get("Shared Hit Blocks", 0), "read": top["Plan"].get("Shared Read Blocks", 0)}


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", []) or []:
        yield from _nodes(child)


def _shape(sql: str) -> str:
    """A statement with its literals blanked (the same query with other values is the same shape)."""
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


def _short(sql: str, n: int = 150) -> str:
    sql = re.sub(r"\s+", " ", sql)
    sql = re.sub(r'SELECT (DISTINCT )?("[a-z_]+"\."[a-z_]+"(\s+AS\s+"\w+")?, )+', r"SELECT \1…, ", sql)
    return sql[:n] + ("…" if len(sql) > n else "")


# --- run -------------------------------------------------------------------------------------------------

def render(client: Client, url: str):
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url, follow=True)
    return resp, (time.perf_counter() - started) * 1000, [q["sql"] for q in ctx.captured_queries]


def main() -> int:
    setup_test_environment()  # the test client's host name is allowed; nothing else changes
    indexes = pending_index_sql() if ARGS.pending_indexes else []
    t0 = time.perf_counter()
    picks = Picks()
    print(f"database {ARGS.db.rsplit('@', 1)[-1]}  (people picked in {time.perf_counter() - t0:.1f} s)")
    print(f"  teacher #{picks.teacher.pk} {picks.teacher.username}, student #{picks.student.pk} "
          f"{picks.student.username}, parent {getattr(picks.parent, 'username', '—')}, school admin "
          f"{getattr(picks.school_admin, 'username', '—')}, district admin {getattr(picks.district_admin, 'username', '—')}")
    if ARGS.pending_indexes:
        print(f"  with {len(indexes)} index(es) of unapplied migrations, created in each EXPLAIN's rolled-back "
              f"transaction:")
        for s in indexes:
            print(f"    {_short(s, 160)}")
    explainer = Explainer(ARGS.db, indexes)
    big = sorted(((r, t) for t, r in explainer.rows.items() if r > ARGS.min_rows), reverse=True)
    print(f"  tables over {ARGS.min_rows:,} rows: " + ", ".join(f"{t} {r:,}" for r, t in big))
    print()

    summary = []
    for label, user, url in pages(picks):
        if ARGS.only and ARGS.only not in label and (url is None or ARGS.only not in url):
            continue
        if url is None:
            print(f"== {label}: skipped (nothing of this kind in the data)\n")
            continue
        client = Client()
        client.force_login(user, backend=BACKEND)
        _resp, cold_ms, cold_sql = render(client, url)  # first visit: caches fill
        resp, ms, sql = render(client, url)
        reads = [s for s in sql if READ.match(s)]
        # Reads only the first visit made (figures computed before they were cached), EXPLAINed too.
        again = {_shape(s) for s in reads}
        first_only = list(dict.fromkeys(s for s in cold_sql if READ.match(s) and _shape(s) not in again))
        print(f"== {label}: {url}  [{user.username}]  status {resp.status_code}  "
              f"{len(sql)} queries ({len(cold_sql)} on the first visit)  render {ms:.0f} ms (first {cold_ms:.0f} ms)")
        total, seqs, slowest, first_seqs = 0.0, [], 0.0, []
        for s, first in [(s, False) for s in reads] + [(s, True) for s in first_only]:
            try:
                e = explainer.explain(s)
            except Exception as exc:  # report it and go on
                print(f"   EXPLAIN failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}  {_short(s)}")
                continue
            if first:
                first_seqs += e["seq"]
            else:
                total += e["ms"]
                slowest = max(slowest, e["ms"])
                seqs += e["seq"]
            flag = "".join(f"  SEQ SCAN {t} ({rows:,} rows)" for t, rows, _actual in e["seq"])
            line = f"   {e['ms']:8.2f} ms  {e['plan']['Node Type']:<18}{' (first visit only)' if first else ''}{flag}"
            print(line + (f"\n              {_short(s, 400)}" if ARGS.sql or flag else ""))
        writes = len(sql) - len(reads)
        print(f"   -> {len(reads)} reads explained ({writes} other statements), SQL time {total:.1f} ms, "
              f"slowest {slowest:.1f} ms, seq scans on big tables: {len(seqs)}"
              + (f"; first visit only: {len(first_only)} reads, {len(first_seqs)} seq scans" if first_only else "")
              + "\n")
        summary.append((label, resp.status_code, len(sql), total, slowest,
                        sorted({f"{t} ({rows:,})" for t, rows, _a in seqs}),
                        sorted({f"{t} ({rows:,})" for t, rows, _a in first_seqs})))

    print("SUMMARY")
    print(f"{'page':<38} {'status':>6} {'queries':>7} {'SQL ms':>8} {'slowest':>8}  seq scans on tables > "
          f"{ARGS.min_rows:,} rows")
    for label, status, n, total, slowest, seqs, first_seqs in summary:
        extra = f"  [first visit: {', '.join(first_seqs)}]" if first_seqs else ""
        print(f"{label:<38} {status:>6} {n:>7} {total:>8.1f} {slowest:>8.1f}  {', '.join(seqs) or '—'}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
