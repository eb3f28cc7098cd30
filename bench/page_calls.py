"""In-process cost of the four daily pages against the district `bench/load.py` built: Python function calls
per page (deterministic, so comparable on a busy machine) and CPU per page (under cProfile, inflated), for a
first visit by a student, then the same URLs opened by a student of another school and by a subject teacher
(what the shared pages of `web.shared_pages` save).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zj_load REDIS_URL=redis://127.0.0.1:6379/3 \
    ZHIJIAO_DATA_DIR=/tmp/zj-load uv run python bench/page_calls.py [N=40] [home browse resource search]

Empty the Redis database first (`redis-cli -n 3 flushdb`) for a cold first visit.
"""
import cProfile
import os
import pstats
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
import django  # noqa: E402

django.setup()
from django.test import Client  # noqa: E402

from zhijiao.accounts.models import Role  # noqa: E402
from zhijiao.resources.models import Resource  # noqa: E402

rng = random.Random(3)
def pick(kind, skip_school=None):
    for r in Role.objects.filter(kind=kind, user__is_active=True).select_related("node").order_by("user_id")[:3000:37]:
        school = ".".join(r.node.path.split(".")[:3])
        if school != skip_school:
            return r.user, school
a, sa = pick("student")
b, _ = pick("student", skip_school=sa)
t, _ = pick("subject_teacher")
items = list(Resource.objects.filter(status="approved", level__in=["national", "district"]).order_by("pk").values_list("pk", flat=True)[:2000])
chapters = list(Resource.chapters.through.objects.filter(resource_id__in=items[:500]).values_list("chapter__key", flat=True).distinct()[:200])
kinds = {"home": lambda: "/", "browse": lambda: f"/resources/?chapter={rng.choice(chapters)}",
         "resource": lambda: f"/resources/{rng.choice(items)}/", "search": lambda: "/search/?q=" + rng.choice(["三年级 数学", "古诗", "微课", "勾股定理", "分数", "识字", "Unit 1"])}
N = int(sys.argv[1]) if len(sys.argv) > 1 else 40
only = sys.argv[2:] or list(kinds)
clients = {}
for name, u in (("student A", a), ("student B", b), ("teacher", t)):
    cl = Client(HTTP_HOST="127.0.0.1")
    cl.force_login(u)
    clients[name] = cl
clients["student A"].get("/search/?q=数学")  # the analyzer's dictionary
for k in only:
    urls = [kinds[k]() for _ in range(N)]
    row = []
    for name, cl in clients.items():
        pr = cProfile.Profile()
        t0 = time.process_time()
        pr.enable()
        for u in urls:
            resp = cl.get(u)
            assert resp.status_code == 200, (u, resp.status_code)
        pr.disable()
        cpu = (time.process_time() - t0) / N * 1000
        calls = pstats.Stats(pr).total_calls / N
        row.append(f"{name}: {calls:7.0f} calls {cpu:5.1f} ms")
    print(f"{k:9}", " | ".join(row))
