"""OAI-PMH provider and catalog import figures, on a fresh SQLite database of its own.

    uv run python bench/oai.py [--items 20000] [--page-size 100]

Builds the shipped catalog and N approved district/national resources linked to chapters, then
harvests the whole list through /oai with the test client (ListIdentifiers and ListRecords in oai_dc
and lom, following resumption tokens) and times GetRecord. Prints figures; asserts nothing.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["ZHIJIAO_DATA_DIR"] = tempfile.mkdtemp(prefix="zj-bench-oai-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from lxml import etree  # noqa: E402

NS = {"o": "http://www.openarchives.org/OAI/2.0/"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=20000)
    ap.add_argument("--page-size", type=int, default=100)
    a = ap.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    settings.ZHIJIAO_OAI_PAGE_SIZE = a.page_size
    call_command("migrate", verbosity=0)

    from zhijiao.catalog.actions import catalog_load_shipped
    from zhijiao.catalog.models import Chapter, Section
    from zhijiao.resources.models import Resource

    t = time.perf_counter()
    catalog_load_shipped()
    print(f"catalog import (shipped, {Chapter.objects.count()} chapters): {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    catalog_load_shipped()
    print(f"catalog re-import (unchanged): {time.perf_counter() - t:.2f} s")

    chapters = list(Chapter.objects.select_related("book"))
    section = Section.objects.get(code="kcjx")
    now = timezone.now()
    rows = []
    for i in range(a.items):
        ch = chapters[i % len(chapters)]
        rows.append(Resource(type="micro", title=f"{ch.title} 微课 {i}", description="简介" * 20, authors="王老师",
                             level="national" if i % 5 == 0 else "district", sharing="district",
                             status="approved", section=section, stage_id=ch.book.stage_id,
                             subject_id=ch.book.subject_id, edition_id=ch.book.edition_id,
                             grade_level=ch.book.grade_level, volume=ch.book.volume, published_at=now,
                             licence="CC-BY-4.0", tags=["同步"]))
    t = time.perf_counter()
    Resource.objects.bulk_create(rows, batch_size=2000)
    ids = list(Resource.objects.order_by("pk").values_list("pk", flat=True))
    through = Resource.chapters.through
    through.objects.bulk_create([through(resource_id=rid, chapter_id=chapters[i % len(chapters)].pk)
                                 for i, rid in enumerate(ids)], batch_size=5000)
    Resource.objects.update(updated_at=now - timezone.timedelta(hours=1))
    print(f"built {a.items} resources in {time.perf_counter() - t:.1f} s")

    client = Client()
    for verb, prefix in [("ListIdentifiers", "oai_dc"), ("ListRecords", "oai_dc"), ("ListRecords", "lom")]:
        params = {"verb": verb, "metadataPrefix": prefix}
        pages, n, times, size = 0, 0, [], 0
        t0 = time.perf_counter()
        while True:
            t = time.perf_counter()
            body = client.get("/oai", params).content
            times.append(time.perf_counter() - t)
            size += len(body)
            root = etree.fromstring(body)
            n += len(root.findall(f"o:{verb}/o:header", NS)) + len(root.findall(f"o:{verb}/o:record", NS))
            pages += 1
            token = root.findtext(f"o:{verb}/o:resumptionToken", namespaces=NS)
            if not token:
                break
            params = {"verb": verb, "resumptionToken": token}
        total = time.perf_counter() - t0
        times.sort()
        print(f"{verb} {prefix}: {n} items in {pages} pages, {total:.1f} s total, {n / total:.0f} items/s, "
              f"page median {statistics.median(times) * 1000:.0f} ms, p95 {times[int(len(times) * .95)] * 1000:.0f} ms, "
              f"{size / pages / 1024:.0f} KiB/page")
    times = []
    for rid in ids[:: max(1, len(ids) // 200)]:
        t = time.perf_counter()
        client.get("/oai", {"verb": "GetRecord", "metadataPrefix": "lom",
                            "identifier": f"oai:{settings.ZHIJIAO_OAI_REPOSITORY_ID}:resource/{rid}"})
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"GetRecord lom: median {statistics.median(times) * 1000:.1f} ms, p95 {times[int(len(times) * .95)] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
