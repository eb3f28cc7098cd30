"""Where a web worker's memory goes: one process loads what a worker loads, part by part, and prints the RSS
and anonymous RSS (its heap) each part added.

    uv run python bench/worker_memory.py --db zj_load --data-dir /tmp/zj-load --redis redis://127.0.0.1:6379/3

Uses the district `bench/load.py` built (database, data directory with its search index, a Redis db of its
own: flushed). Parts: `zhijiao.wsgi` imported (Django, URLconf, views), the first cache read and query,
`catalog_snapshot()` (with its tracemalloc size), the search analyzer's dictionary, the search index opened,
then pages through Django's test client as a student: 15 searches, 300 browse pages, 500 resource pages,
45 more searches.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._util import PG_BASE  # noqa: E402

QUERIES = ["三年级 数学", "分数的初步认识", "古诗", "识字", "Unit 1", "勾股定理", "微课", "教案 语文", "乘法", "课件",
           "阅读", "英语 四年级", "长方形", "复习", "口算"]


def memory() -> tuple[float, float]:
    status = Path("/proc/self/status").read_text()
    return tuple(int(re.search(rf"{k}:\s+(\d+)", status).group(1)) / 1024 for k in ("VmRSS", "RssAnon"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="zj_load")
    ap.add_argument("--data-dir", default="/tmp/zj-load")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    args = ap.parse_args()
    os.environ.update(DATABASE_URL=f"{PG_BASE}/{args.db}", REDIS_URL=args.redis, ZHIJIAO_DATA_DIR=args.data_dir,
                      DJANGO_SETTINGS_MODULE="zhijiao.settings", ZHIJIAO_CLOCK="0")
    if os.environ.get("MALLOC_ARENA_MAX") != "2":  # as `zhijiao serve` sets it, before the first allocation
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "MALLOC_ARENA_MAX": "2"})
    subprocess.run(["redis-cli", "-u", args.redis, "flushdb"], check=True, capture_output=True)
    parts = [("interpreter", memory())]

    import zhijiao.wsgi  # noqa: F401  (what a worker imports)

    parts.append(("zhijiao.wsgi imported (Django, URLconf, views)", memory()))
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    cache.get("x")
    parts.append(("first cache read (imports redis-py)", memory()))
    get_user_model().objects.first()
    parts.append(("first query", memory()))
    from zhijiao.catalog.selectors import catalog_snapshot

    tracemalloc.start()
    catalog_snapshot()
    traced = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    parts.append((f"catalog_snapshot() (tracemalloc: {traced:.1f} MB)", memory()))
    from zhijiao.search import analyzer
    from zhijiao.search.documents import ensure_catalog_terms

    analyzer.tokenizer()
    ensure_catalog_terms()
    parts.append(("search analyzer (dictionary, lesson titles)", memory()))
    from zhijiao.search.selectors import get_backend

    get_backend().count()
    parts.append(("search index opened", memory()))

    from django.test import Client

    from zhijiao.accounts.models import Role
    from zhijiao.resources.models import Resource

    rng = random.Random(3)
    client = Client()
    client.force_login(get_user_model().objects.get(pk=Role.objects.filter(kind="student").values_list(
        "user_id", flat=True).first()))
    for q in QUERIES:
        assert client.get("/search/", {"q": q}, HTTP_HOST="127.0.0.1").status_code == 200
    parts.append(("15 searches", memory()))
    items = list(Resource.objects.filter(status="approved", level__in=["national", "district"]).order_by("pk")
                 .values_list("pk", flat=True)[:20000])
    chapters = list(Resource.chapters.through.objects.filter(resource_id__in=items[:5000])
                    .values_list("chapter__key", flat=True).distinct()[:2000])
    for key in rng.sample(chapters, min(300, len(chapters))):
        client.get("/resources/", {"chapter": key}, HTTP_HOST="127.0.0.1")
    parts.append(("300 browse pages", memory()))
    for pk in rng.sample(items, min(500, len(items))):
        client.get(f"/resources/{pk}/", HTTP_HOST="127.0.0.1")
    parts.append(("500 resource pages", memory()))
    for page in range(2, 5):
        for q in QUERIES:
            client.get("/search/", {"q": q, "page": page}, HTTP_HOST="127.0.0.1")
    parts.append(("45 more searches", memory()))

    print(f"{'part':<52} {'RSS MB':>8} {'added':>7} {'anon MB':>8} {'added':>7}")
    for (_name, before), (name, after) in zip(parts, parts[1:], strict=False):
        print(f"{name:<52} {after[0]:>8.1f} {after[0] - before[0]:>+7.1f} {after[1]:>8.1f} {after[1] - before[1]:>+7.1f}")


if __name__ == "__main__":
    main()
