"""Time building the demo district, phase by phase.

    uv run python bench/demo_build.py --size district --db postgres   # the design point on PostgreSQL
    uv run python bench/demo_build.py                                 # district size on SQLite and PostgreSQL
    uv run python bench/demo_build.py --size small --db sqlite

Each run gets a fresh scratch database (PostgreSQL: `--pg-name`, default zj_bench_demo, dropped and created
at `BENCH_PG`, dropped again afterwards unless `--keep`; SQLite: a temp data dir), migrates it, then times
`zhijiao demo --size SIZE` and prints the seconds of each phase the command reports (org tree and people,
accounts, roles, then each app's demo extension, then the commit) and the wall time of the command, which
includes starting Django. Row counts follow. The district size is the design point: 266 school sites,
~150,000 students, ~10,000 teachers, ~110,000 parents, 300,000 resources.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._util import PG_BASE, ROOT, reset_pg, zhijiao  # noqa: E402

COUNT_SQL = """
import django
django.setup()
from zhijiao.accounts.models import Role, User
from zhijiao.core.models import OrgNode
from zhijiao.records.models import Statement
from zhijiao.resources.models import Resource
print('schools', OrgNode.objects.filter(kind='school').count(), 'classes', OrgNode.objects.filter(kind='class').count())
for k in ('student', 'parent', 'teacher'):
    print(k, User.objects.filter(roles__kind=k).distinct().count())
print('accounts', User.objects.count(), 'roles', Role.objects.count())
print('resources', Resource.objects.count(), 'statements', Statement.objects.count())
"""
PHASE = re.compile(r"^\s*phase (.+?)\s+([0-9.]+) s$")


def _drop_pg(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="district")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pg-name", default="zj_bench_demo", help="scratch PostgreSQL database (dropped first)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    parser.add_argument("--quiet", action="store_true", help="hide the progress bars")
    args = parser.parse_args()
    for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="zhijiao.settings",
                   ZHIJIAO_DATA_DIR=tempfile.mkdtemp(prefix="zj-bench-demo-"))
        env.pop("DATABASE_URL", None)
        if db == "postgres":
            reset_pg(args.pg_name)
            env["DATABASE_URL"] = f"{PG_BASE}/{args.pg_name}"
        try:
            zhijiao(["migrate", "-v0"], env)
            started = time.perf_counter()
            out = zhijiao(["demo", "--size", args.size, "--seed", str(args.seed), "--no-logins"], env,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL if args.quiet else None, text=True).stdout
            took = time.perf_counter() - started
            counts = subprocess.run([sys.executable, "-c", COUNT_SQL], env=env, capture_output=True, text=True,
                                    cwd=ROOT).stdout.strip().replace("\n", "; ")
        finally:
            if db == "postgres" and not args.keep:
                _drop_pg(args.pg_name)
        print(f"demo --size {args.size} on {db}:")
        for line in out.splitlines():
            m = PHASE.match(line)
            if m:
                print(f"  {m.group(1):<24} {float(m.group(2)):7.1f} s")
        print(f"  {'total (wall, with start-up)':<24} {took:7.1f} s")
        print(f"  rows: {counts}")


if __name__ == "__main__":
    main()
