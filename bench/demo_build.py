"""Time building the demo district.

    uv run python bench/demo_build.py                      # district size on SQLite and PostgreSQL
    uv run python bench/demo_build.py --size small --db sqlite

Prints wall time and row counts per database. The district size is the design point: 266 school sites,
~150,000 students, ~10,000 teachers, ~110,000 parents.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._util import env_for, zhijiao  # noqa: E402

COUNT_SQL = """
import django, os
django.setup()
from zhijiao.accounts.models import Role, RoleKind, User
from zhijiao.core.models import OrgNode
print('schools', OrgNode.objects.filter(kind='school').count(), 'classes', OrgNode.objects.filter(kind='class').count())
for k in ('student', 'parent', 'teacher'):
    print(k, User.objects.filter(roles__kind=k).distinct().count())
print('accounts', User.objects.count(), 'roles', Role.objects.count())
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="district")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        env = env_for(db)
        env["DJANGO_SETTINGS_MODULE"] = "zhijiao.settings"
        zhijiao(["migrate", "-v0"], env)
        started = time.perf_counter()
        zhijiao(["demo", "--size", args.size], env, capture_output=True)
        took = time.perf_counter() - started
        import subprocess

        counts = subprocess.run([sys.executable, "-c", COUNT_SQL], env=env, capture_output=True, text=True,
                                cwd=Path(__file__).resolve().parent.parent).stdout.strip().replace("\n", "; ")
        print(f"demo --size {args.size} on {db:<8}: {took:6.1f} s   {counts}")


if __name__ == "__main__":
    main()
