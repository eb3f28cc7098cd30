"""Management pages and the admins' API at district-like volume.

    uv run python bench/manage_pages.py [--db sqlite|postgres|both] [--students 50000] [--audit 200000]

On a fresh database with the small demo district (no extensions), adds N extra students (spread over the
first school's classes, so one school admin manages them all) and M audit-log entries over the schools.
Then, in-process through Django's test client (no network), times each page or API call R times and
prints the median, the slowest, and the number of SQL queries of one call (after one warm-up call).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup(db: str, students: int, audit: int):
    os.environ["ZHIJIAO_DATA_DIR"] = tempfile.mkdtemp(prefix="zj-bench-manage-")
    os.environ.pop("DATABASE_URL", None)
    if db == "postgres":
        from bench._util import PG_BASE, reset_pg

        reset_pg("zj_bench_manage")
        os.environ["DATABASE_URL"] = f"{PG_BASE}/zj_bench_manage"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from zhijiao.accounts.models import AuditAction, AuditLog, Role, RoleKind, User
    from zhijiao.core.models import NodeKind, OrgNode
    from zhijiao.demo.builder import build_demo

    setup_test_environment()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    ctx = build_demo(size="small", extensions=False)
    school = ctx.schools[0]
    classes = list(OrgNode.objects.filter(kind=NodeKind.CLASS, path__startswith=school.path).order_by("path"))
    rng = random.Random(7)
    surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "子涵梓轩欣怡浩然雨泽思彤一诺宇航佳怡俊杰"
    User.objects.bulk_create([User(username=f"b{i:07d}", name=rng.choice(surnames) + rng.choice(given) + rng.choice(given),
                                   student_number=f"B5101080{i:010d}", password="!", must_change_password=False)
                              for i in range(students)], batch_size=5000)
    ids = list(User.objects.filter(username__startswith="b").order_by("pk").values_list("pk", flat=True))
    Role.objects.bulk_create([Role(user_id=pk, kind=RoleKind.STUDENT, node=classes[i % len(classes)])
                              for i, pk in enumerate(ids)], batch_size=10000)
    now = timezone.now()
    actions = [AuditAction.LOGIN_OK, AuditAction.LOGIN_OK, AuditAction.LOGIN_OK, AuditAction.LOGIN_FAILED,
               AuditAction.ADMIN_CHANGE, AuditAction.PASSWORD_CHANGED, AuditAction.SENSITIVE_READ]
    AuditLog.objects.bulk_create([
        AuditLog(at=now - timedelta(minutes=i), actor_id=ids[i % len(ids)] if ids else None,
                 action=actions[i % len(actions)], target_type="user", target_id=str(i),
                 school=ctx.schools[i % len(ctx.schools)], ip=f"10.0.{i % 250}.{i % 200}",
                 detail={"change": "renamed"} if i % 7 == 4 else {})
        for i in range(audit)], batch_size=10000)
    print(f"[{db}] setup {time.perf_counter() - started:.1f} s: small demo + {students} students in "
          f"{len(classes)} classes of one school + {audit} audit entries")
    return ctx, ids


def measure(label, fn, repeat):
    from django.db import connection

    times = []
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        fn()  # warm-up (first-use imports, template compilation), and the query count
    for _ in range(repeat):
        started = time.perf_counter()
        resp = fn()
        times.append(time.perf_counter() - started)
        assert resp.status_code in (200, 201), (label, resp.status_code, resp.content[:300])
    print(f"  {label:<44} median {statistics.median(times) * 1000:8.1f} ms  max {max(times) * 1000:8.1f} ms"
          f"  {queries[0]:4d} queries  {len(resp.content) / 1024:7.1f} KB")


def run(db: str, students: int, audit: int, repeat: int) -> None:
    ctx, ids = setup(db, students, audit)
    from django.db import connections
    from django.test import Client

    from zhijiao.accounts.actions import token_issue
    from zhijiao.accounts.models import User

    def session(username):
        c = Client()
        c.force_login(User.objects.get(username=username), backend="zhijiao.accounts.backends.AccountOrPhoneBackend")
        return c

    district, school_admin = session("qu_admin"), session("xiao_admin")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=User.objects.get(username='xiao_admin')).key}")
    someone = User.objects.get(pk=ids[len(ids) // 2]) if ids else User.objects.get(username="xuesheng")
    from zhijiao.accounts.selectors import people_search

    people = people_search(User.objects.get(username="xiao_admin")).count()
    last_people_page, last_api_page = (people + 19) // 20, (people + 49) // 50
    today = time.strftime("%Y-%m-%d")
    cases = [
        ("org: district admin, school list", lambda: district.get("/accounts/manage/org/")),
        ("org: school admin, grades+classes+counts", lambda: school_admin.get("/accounts/manage/org/")),
        ("people: page 1", lambda: school_admin.get("/accounts/manage/people/")),
        (f"people: page {last_people_page}", lambda: school_admin.post("/accounts/manage/people/",
                                                                       {"page": str(last_people_page)})),
        ("people: search by name", lambda: school_admin.post("/accounts/manage/people/", {"q": someone.name})),
        ("people: search by student number",
         lambda: school_admin.post("/accounts/manage/people/", {"q": someone.student_number})),
        ("people: role filter head_teacher", lambda: school_admin.post("/accounts/manage/people/",
                                                                      {"role": "head_teacher"})),
        ("person page", lambda: school_admin.get(f"/accounts/manage/people/{someone.pk}/")),
        ("API GET /org/people page 1", lambda: api.get("/api/v1/org/people")),
        (f"API GET /org/people page {last_api_page}", lambda: api.get(f"/api/v1/org/people?page={last_api_page}")),
        ("audit: district admin page 1", lambda: district.get("/accounts/audit/")),
        ("audit: school admin page 1", lambda: school_admin.get("/accounts/audit/")),
        ("audit: district, action+date filter",
         lambda: district.get("/accounts/audit/", {"action": "admin_change", "date_from": today, "date_to": today})),
        ("audit: district page 1000", lambda: district.get("/accounts/audit/", {"page": 1000})),
    ]
    for label, fn in cases:
        measure(label, fn, repeat)
    measure("audit: XLSX export, school admin (capped)", lambda: school_admin.get("/accounts/audit/export.xlsx"), 2)
    connections.close_all()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--students", type=int, default=50000)
    parser.add_argument("--audit", type=int, default=200000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.db == "both":
        import subprocess

        for db in ("sqlite", "postgres"):
            subprocess.run([sys.executable, __file__, "--db", db, "--students", str(args.students),
                            "--audit", str(args.audit), "--repeat", str(args.repeat)], check=True)
    else:
        run(args.db, args.students, args.audit, args.repeat)
