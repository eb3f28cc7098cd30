"""Roster import (花名册导入) at school size: 2,000 students with a parent each, in one XLSX.

    uv run python bench/roster_import.py [--db sqlite|postgres|both] [--students 2000] [--no-parents]

On a fresh database with the small demo district (no extensions), as the district admin: one new
school with 6 grades x 8 classes, N students and N parents (one parent per student, given in the student
sheet) and 60 teachers. Times the dry run, the import, the unchanged re-import and an edit (10% of the
students moved class), and prints the number of SQL queries of each.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def workbook(n: int, moved: bool = False, parents: bool = True) -> bytes:
    from openpyxl import Workbook

    code = "510108088801"
    wb = Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet("学校")
    ws.append(["学校代码", "学校名称", "学校类型", "办学性质"])
    ws.append([code, "成都市压测小学", "小学", "公办"])
    grades = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"]
    ws = wb.create_sheet("班级")
    ws.append(["学校代码", "年级", "班级名称"])
    classes = [(g, f"({k})班") for g in grades for k in range(1, 9)]
    for g, c in classes:
        ws.append([code, g, c])
    ws = wb.create_sheet("教师")
    ws.append(["学校代码", "姓名", "手机号", "工号", "任教学科", "任教班级", "班主任班级"])
    for t in range(60):
        g, c = classes[t % len(classes)]
        ws.append([code, f"教师{t:03d}", f"137{t:08d}", f"T{t:04d}", "语文", f"{g}{c}", f"{g}{c}" if t < 48 else ""])
    ws = wb.create_sheet("学生")
    ws.append(["学校代码", "年级", "班级名称", "姓名", "学籍号", "性别", "家长姓名", "家长手机号", "关系"])
    for i in range(n):
        k = i % len(classes)
        if moved and i % 10 == 0:
            k = (k + 1) % 8 + (k // 8) * 8  # another class of the same grade
        g, c = classes[k]
        parent = [f"家长{i:05d}", f"136{i:08d}", "母亲"] if parents else ["", "", ""]
        ws.append([code, g, c, f"学生{i:05d}", f"G51010888{i:010d}", "男女"[i % 2], *parent])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(db: str, n: int, parents: bool = True) -> None:
    os.environ["ZHIJIAO_DATA_DIR"] = tempfile.mkdtemp(prefix="zj-bench-roster-")
    os.environ.pop("DATABASE_URL", None)
    if db == "postgres":
        from bench._util import PG_BASE, reset_pg

        reset_pg("zj_bench_roster")
        os.environ["DATABASE_URL"] = f"{PG_BASE}/zj_bench_roster"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from zhijiao.accounts.models import User
    from zhijiao.accounts.roster_actions import roster_import
    from zhijiao.demo.builder import build_demo

    call_command("migrate", verbosity=0)
    build_demo(size="small", extensions=False)
    actor = User.objects.get(username="qu_admin")
    data = workbook(n, parents=parents)
    print(f"[{db}] roster: 1 school, 48 classes, 60 teachers, {n} students, {n if parents else 0} parents; "
          f"XLSX {len(data) / 1024:.0f} KB")
    for label, files, dry in [("dry run", data, True), ("import", data, False), ("re-import (unchanged)", data, False),
                              ("edit: 10% moved class", workbook(n, moved=True, parents=parents), False)]:
        queries = [0]

        def count(execute, sql, params, many, context, queries=queries):
            queries[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            report = roster_import(actor=actor, files=[("bench.xlsx", files)], dry_run=dry)
            took = time.perf_counter() - started
        assert report.ok, report.text()[:2000]
        c = report.counts
        print(f"  {label:<24} {took:6.2f} s  {queries[0]:6d} queries  "
              f"students c/u/n {c['students']['create']}/{c['students']['update']}/{c['students']['unchanged']}  "
              f"new accounts {len(report.accounts)}")
    connections.close_all()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--no-parents", action="store_true", help="students only")
    args = parser.parse_args()
    if args.db == "both":
        import subprocess

        for db in ("sqlite", "postgres"):
            subprocess.run([sys.executable, __file__, "--db", db, "--students", str(args.students),
                            *(["--no-parents"] if args.no_parents else [])], check=True)
    else:
        run(args.db, args.students, parents=not args.no_parents)
