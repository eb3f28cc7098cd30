"""A class of 50 submitting the same homework at once: submissions per second and latency percentiles.

    uv run python bench/homework.py                      # throwaway SQLite database (WAL) in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zj_bench uv run python bench/homework.py
    uv run python bench/homework.py --students 50 --questions 10 --rounds 3

Each student is a thread with its own database connection, posting the answer form to the real view
(`POST /homework/s/<id>/` with action=submit) through Django's full request stack: objective items are
graded, mastery and the wrong-question notebook update and one statement per answer is recorded. All
threads start together on a barrier. On PostgreSQL the database named in DATABASE_URL is created and
dropped by the benchmark.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup_django():
    os.environ.setdefault("ZHIJIAO_DATA_DIR", tempfile.mkdtemp(prefix="zhijiao-bench-hw-"))
    os.environ["ZHIJIAO_ALLOWED_HOSTS"] = "testserver"  # requests go through Django's test client
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
    import django

    django.setup()
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        import psycopg

        db = settings.DATABASES["default"]
        name = db["NAME"]
        with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"],
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


def build(n_students: int, n_questions: int, rounds: int):
    from datetime import timedelta

    from django.utils import timezone

    from zhijiao.accounts.models import Role, RoleKind, User
    from zhijiao.core.models import NodeKind, OrgNode, child_path
    from zhijiao.homework.actions import TierSpec, assignment_create
    from zhijiao.questions.actions import paper_create
    from zhijiao.questions.models import Question, Share
    from zhijiao.questions.tests.factories import tiny_catalog

    region = OrgNode.objects.create(kind=NodeKind.REGION, name="R", path=child_path("", 1), depth=0)
    district = OrgNode.objects.create(kind=NodeKind.DISTRICT, name="D", parent=region,
                                      path=child_path(region.path, 1), depth=1)
    school = OrgNode.objects.create(kind=NodeKind.SCHOOL, name="S", parent=district,
                                    path=child_path(district.path, 1), depth=2)
    grade = OrgNode.objects.create(kind=NodeKind.GRADE, name="三年级", parent=school, grade_level=3,
                                   path=child_path(school.path, 1), depth=3)
    klass = OrgNode.objects.create(kind=NodeKind.CLASS, name="三年级(1)班", parent=grade, grade_level=3,
                                   path=child_path(grade.path, 1), depth=4)
    teacher = User.objects.create(username="bench_t", must_change_password=False)
    Role.objects.create(user=teacher, kind=RoleKind.SUBJECT_TEACHER, node=klass, subject="数学")
    students = User.objects.bulk_create([User(username=f"bench_s{i}", must_change_password=False)
                                         for i in range(n_students)])
    students = list(User.objects.filter(username__startswith="bench_s").order_by("pk"))
    Role.objects.bulk_create([Role(user=s, kind=RoleKind.STUDENT, node=klass) for s in students])
    cat = tiny_catalog()
    qs = []
    for i in range(n_questions):
        kind = ("single", "fill", "truefalse", "multiple")[i % 4]
        answer = {"single": "B", "fill": [["60"], ["1"]], "truefalse": True, "multiple": ["A", "C"]}[kind]
        opts = [{"key": k, "text": f"选项{k}"} for k in "ABCD"] if kind in ("single", "multiple") else []
        q = Question.objects.create(qtype=kind, stem=f"第 {i} 题", options=opts, answer=answer, owner=teacher,
                                    share=Share.MINE, fingerprint=f"bench{i}", difficulty=2)
        q.knowledge_points.add(cat["hms"] if i % 2 else cat["add"])
        qs.append(q)
    paper = paper_create(owner=teacher, title="bench", question_ids=[q.pk for q in qs])
    now = timezone.now()
    assignments = [assignment_create(teacher=teacher, title=f"bench {r}", kind="after", open_at=now - timedelta(1),
                                     due_at=now + timedelta(1), tiers=[TierSpec(paper_id=paper.pk,
                                                                                class_ids=[klass.pk])])
                   for r in range(rounds)]
    return students, qs, assignments


def form_for(qs, k: int) -> dict:
    data = {"action": "submit"}
    for i, q in enumerate(qs):
        right = (i + k) % 3 != 0
        if q.qtype == "single":
            data[f"q{q.pk}"] = "B" if right else "C"
        elif q.qtype == "multiple":
            data[f"q{q.pk}"] = ["A", "C"] if right else ["A"]
        elif q.qtype == "truefalse":
            data[f"q{q.pk}"] = "true" if right else "false"
        else:
            data[f"q{q.pk}"] = ["60", "1"] if right else ["50", "1"]
    return data


def run_round(students, qs, assignment) -> tuple[list[float], float, int]:
    from django.db import connection
    from django.test import Client

    from zhijiao.homework.models import Submission

    subs = dict(Submission.objects.filter(assignment=assignment).values_list("student_id", "pk"))
    clients = []
    for s in students:
        c = Client()
        c.force_login(s, backend="zhijiao.accounts.backends.AccountOrPhoneBackend")
        clients.append(c)
    barrier = threading.Barrier(len(students) + 1)
    latencies: list[float] = []
    failures = []
    lock = threading.Lock()

    def work(k):
        c = clients[k]
        data = form_for(qs, k)
        barrier.wait()
        t0 = time.perf_counter()
        resp = c.post(f"/homework/s/{subs[students[k].pk]}/", data)
        dt = time.perf_counter() - t0
        with lock:
            latencies.append(dt)
            if resp.status_code != 302 or "/result/" not in resp.get("Location", ""):
                failures.append(resp.status_code)
        connection.close()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(students))]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    done = Submission.objects.filter(assignment=assignment, status__in=["submitted", "graded"]).count()
    if failures or done != len(students):
        left = list(Submission.objects.filter(assignment=assignment).exclude(status__in=["submitted", "graded"])
                    .values_list("student_id", "status"))
        raise SystemExit(f"failed: {failures[:5]}, stored {done}; not submitted: {left[:5]}")
    return latencies, wall, done


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=50)
    ap.add_argument("--questions", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    engine = setup_django()
    students, qs, assignments = build(args.students, args.questions, args.rounds)
    print(f"database: {engine}; {args.students} students submit {args.questions} questions at once; "
          f"{args.rounds} rounds (each a fresh assignment)")
    all_lat = []
    for r, a in enumerate(assignments, start=1):
        lat, wall, done = run_round(students, qs, a)
        all_lat += lat
        lat.sort()
        p99 = lat[min(len(lat) - 1, int(round(0.99 * len(lat))) - 1)]
        print(f"round {r}: {done} submissions in {wall:.2f} s = {done / wall:.1f} submissions/s; "
              f"latency p50 {statistics.median(lat) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
              f"max {lat[-1] * 1000:.0f} ms")
    all_lat.sort()
    p99 = all_lat[min(len(all_lat) - 1, int(round(0.99 * len(all_lat))) - 1)]
    print(f"all rounds: p50 {statistics.median(all_lat) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    from django.conf import settings

    if engine == "postgresql":
        from django.db import connections

        connections.close_all()
        import psycopg

        db = settings.DATABASES["default"]
        with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"],
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}"')


if __name__ == "__main__":
    main()
