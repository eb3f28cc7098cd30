"""Resource centre under concurrent load: the browse page (catalog tree + a chapter's resources) and a
resource page (player, counters, comments; every open counts a view), loopback only, bounded.

    uv run python bench/browse.py [--db sqlite|postgres|both] [--resources 50000] [--clients 8] [--requests 800]

Builds the small demo on a fresh database, adds N more library items by bulk insert (spread over the
shipped catalog's chapters, levels, schools), serves it with gunicorn (2 workers x 4 threads), logs C
clients in through the real form (students and teachers), then each fetches browse pages for random
chapters/books and resource pages for random visible items. Prints requests/second and p50/p95/p99.
"""

import argparse
import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._util import ROOT, env_for, server, summarise, zhijiao  # noqa: E402
from bench.login_home import login  # noqa: E402

USERS = ["xuesheng", "laoshi", "s0000002", "laoshi2", "jiazhang", "xiao_admin"]

ADD_LIBRARY = """
import django, json, random, sys, time
django.setup()
from types import SimpleNamespace
from django.db import transaction
from zhijiao.core.models import OrgNode
from zhijiao.resources import demo
n = int(sys.argv[1])
t0 = time.perf_counter()
ctx = SimpleNamespace(size="bench", rng=random.Random(7), progress=lambda m: None,
                      schools=list(OrgNode.objects.filter(kind="school").order_by("path")))
with transaction.atomic():
    demo.build(ctx, count=n)
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""

TARGETS = """
import django, json
django.setup()
from zhijiao.catalog.models import Book, Chapter
from zhijiao.resources.models import Resource
books = list(Book.objects.values_list("code", flat=True))
chapters = list(Chapter.objects.values_list("key", flat=True))
items = list(Resource.objects.filter(status="approved", level__in=["national", "district"])
             .order_by("?").values_list("pk", flat=True)[:500])
print(json.dumps({"books": books, "chapters": chapters, "items": items, "total": Resource.objects.count()}))
"""


def py(code: str, env: dict, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(db: str, resources: int, clients: int, requests: int) -> None:
    env = env_for(db)
    env["DJANGO_SETTINGS_MODULE"] = "zhijiao.settings"
    zhijiao(["migrate", "-v0"], env)
    zhijiao(["demo", "--size", "small"], env, capture_output=True)
    added = py(ADD_LIBRARY, env, str(resources)) if resources else {"seconds": 0}
    t = py(TARGETS, env)
    print(f"[{db}] library: {t['total']} items ({resources} bulk-inserted in {added['seconds']:.1f} s), "
          f"{len(t['chapters'])} chapters; {clients} clients, gunicorn 2 workers x 4 threads")
    with server(env) as base:
        openers = [login(base, USERS[i % len(USERS)])[0] for i in range(clients)]
        lock = threading.Lock()
        results: dict[str, list[float]] = {"browse": [], "resource": []}

        def browse_url(rng):
            if rng.random() < 0.8:
                return f"{base}/resources/?chapter={rng.choice(t['chapters'])}"
            return f"{base}/resources/?book={rng.choice(t['books'])}"

        def worker(opener, n, kind, seed):
            rng = random.Random(seed)
            for _ in range(n):
                url = browse_url(rng) if kind == "browse" else f"{base}/resources/{rng.choice(t['items'])}/"
                t0 = time.perf_counter()
                with opener.open(url, timeout=60) as resp:
                    resp.read()
                    assert resp.status == 200, (url, resp.status)
                with lock:
                    results[kind].append(time.perf_counter() - t0)

        for kind in ("browse", "resource"):
            per = max(1, requests // clients)
            started = time.perf_counter()
            threads = [threading.Thread(target=worker, args=(o, per, kind, i)) for i, o in enumerate(openers)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            wall = time.perf_counter() - started
            label = "browse (chapter/book page)" if kind == "browse" else "resource page (+1 view)"
            print("  " + summarise(label, results[kind], wall))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=800)
    args = parser.parse_args()
    for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        run(db, args.resources, args.clients, args.requests)


if __name__ == "__main__":
    main()
