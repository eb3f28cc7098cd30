"""The first cockpit page after a start, cold: a fresh process (local-memory cache empty) and, on this
machine, the scratch database's pages out of PostgreSQL's shared buffers and out of the OS page cache.

Run after `bench/cockpit.py` built the scratch district (same `--db-name`):

    uv run python bench/cockpit_cold.py --db-name zj_bench_cockpit              # 5 cold starts, each page
    uv run python bench/cockpit_cold.py --db-name zj_bench_cockpit --profile    # and where the time goes

Each run: (1) evict — read ~400 MB of statements through an index (index scans go through the shared
buffers, sequential scans do not), so the 128 MB of shared buffers hold none of the cockpit's pages, then
drop the database's files from the OS page cache (`posix_fadvise(DONTNEED)` on each file under
`base/<oid>/`: only this database's files; needs root and PostgreSQL on this machine, otherwise it is
skipped and said so); (2) start a new Python process, set Django up, load the middleware and the URLconf as a worker does when
it starts (zhijiao/wsgi.py), log in (not timed), and time the
first request of the page (the Django test client, in-process, as bench/cockpit.py does). Printed: wall
ms of the first and of a second request, and the CPU ms of the process and of its PostgreSQL backend.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from _util import PG_BASE  # noqa: E402

COCKPIT_TABLES = ("cockpit_%", "accounts_role", "core_orgnode", "accounts_user")


def evict(db_name: str, page_cache: bool = True) -> str:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/{db_name}", autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_bitmapscan = off")
        # ~400 MB of heap pages through the (stored) index: each evicts a buffer (no ring buffer here).
        conn.execute("SELECT sum(length(statement::text)) FROM (SELECT statement FROM records_statement "
                     "ORDER BY stored DESC LIMIT 150000) s")
        oid, data_dir = conn.execute("SELECT oid, current_setting('data_directory') FROM pg_database "
                                     "WHERE datname = current_database()").fetchone()
        cached = None
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_buffercache")
            likes = " OR ".join("c.relname LIKE %s" for _ in COCKPIT_TABLES)
            cached = conn.execute(
                "SELECT count(*) FROM pg_buffercache b JOIN pg_class c ON b.relfilenode = pg_relation_filenode(c.oid) "
                f"AND b.reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                f"WHERE ({likes}) AND c.relname NOT LIKE 'records_%%'", COCKPIT_TABLES).fetchone()[0]
        except psycopg.Error:
            pass
    base = Path(data_dir) / "base" / str(oid)
    dropped = 0
    if not page_cache:
        return f"shared buffers holding cockpit/org pages: {cached}; OS page cache kept"
    try:
        for f in base.iterdir():
            fd = os.open(f, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                dropped += 1
            finally:
                os.close(fd)
        page_cache = f"OS page cache dropped for {dropped} files"
    except OSError as e:
        page_cache = f"OS page cache NOT dropped ({e.__class__.__name__})"
    return f"shared buffers holding cockpit/org pages: {cached}; {page_cache}"


CHILD = r"""
import json, os, sys, time, tempfile
os.environ["ZHIJIAO_DATA_DIR"] = tempfile.mkdtemp(prefix="zj-cold-")
os.environ["DATABASE_URL"] = sys.argv[1]
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # as zhijiao/wsgi.py does when a worker starts
get_resolver().reverse_dict
from django.db import connection
from django.test import Client
from zhijiao.accounts.models import User
client = Client(HTTP_HOST="localhost")
client.handler.load_middleware()  # a worker loads it when it starts (zhijiao/wsgi.py), not on a request
client.force_login(User.objects.get(username="qu_admin"), backend="zhijiao.accounts.backends.AccountOrPhoneBackend")
with connection.cursor() as cur:
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
def pg_cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
url = sys.argv[2]
profile = sys.argv[3] == "1"
if profile:
    import cProfile, pstats
    prof = cProfile.Profile()
c0, p0, t0 = time.process_time(), pg_cpu(), time.perf_counter()
if profile:
    prof.enable()
r = client.get(url)
if profile:
    prof.disable()
first, cpu, pg = time.perf_counter() - t0, time.process_time() - c0, pg_cpu() - p0
assert r.status_code == 200, r.status_code
t0 = time.perf_counter()
assert client.get(url).status_code == 200
again = time.perf_counter() - t0
if profile:
    pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(90)
print(json.dumps({"first": first * 1000, "cpu": cpu * 1000, "pg": pg * 1000, "again": again * 1000}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db-name", default="zj_bench_cockpit")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--url", action="append", help="pages to time (default: the district page, 30 days, "
                                                  "semester and 43 custom days)")
    ap.add_argument("--no-evict", action="store_true", help="a fresh process only (buffers as they are)")
    ap.add_argument("--keep-page-cache", action="store_true", help="evict the shared buffers only")
    ap.add_argument("--profile", action="store_true", help="print cProfile's top functions of the first request")
    args = ap.parse_args()
    from datetime import date, timedelta

    today = date.today()
    urls = args.url or ["/cockpit/?period=30", "/cockpit/?period=semester",
                        f"/cockpit/?start={today - timedelta(days=45)}&end={today - timedelta(days=3)}"]
    for url in urls:
        runs = []
        for _ in range(args.runs):
            note = "buffers as they were" if args.no_evict else evict(args.db_name, not args.keep_page_cache)
            out = subprocess.run([sys.executable, "-c", CHILD, f"{PG_BASE}/{args.db_name}", url,
                                  "1" if args.profile else "0"], cwd=ROOT, capture_output=True, text=True)
            if out.returncode:
                sys.exit(out.stderr)
            if args.profile:
                print(out.stderr)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        firsts = [r["first"] for r in runs]
        print(f"{url}: first request after a cold start {min(firsts):.0f}–{max(firsts):.0f} ms "
              f"(median {statistics.median(firsts):.0f}; CPU {statistics.median(r['cpu'] for r in runs):.0f} ms "
              f"process + {statistics.median(r['pg'] for r in runs):.0f} ms PostgreSQL), "
              f"then {statistics.median(r['again'] for r in runs):.0f} ms from the cache; {note}")


if __name__ == "__main__":
    main()
