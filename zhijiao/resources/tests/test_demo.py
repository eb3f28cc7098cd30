"""The demo library reads like a real platform and gives every demo role something to do."""

import random
from types import SimpleNamespace

from zhijiao.resources import demo
from zhijiao.resources.models import Comment, Level, Resource, ResourceFile, Status
from zhijiao.resources.selectors import resource_search_document, review_queue, visible_resources


def test_small_demo_library(lib):
    demo.build(lib.demo)
    levels = set(Resource.objects.values_list("level", flat=True))
    assert levels == {Level.NATIONAL, Level.DISTRICT, Level.SCHOOL}
    assert Resource.objects.filter(status=Status.APPROVED).count() > 200
    assert len(set(Resource.objects.values_list("type", flat=True))) >= 10
    # reviewers of the first school and of the district have work waiting
    assert review_queue(lib.users["xiao_admin"]).exists()
    assert Comment.objects.filter(status="pending", resource__school=lib.demo.schools[0]).exists()
    # the demo teacher has uploads in several states, and a note about the one sent back
    states = set(Resource.objects.filter(contributor=lib.users["laoshi"]).values_list("status", flat=True))
    assert {Status.APPROVED, Status.PENDING_SCHOOL, Status.CHANGES_REQUESTED, Status.DRAFT} <= states
    # files are real, tiny and shared by content address
    assert ResourceFile.objects.count() > 200
    assert ResourceFile.objects.values("file").distinct().count() <= 6
    # titles carry no textbook numbering like "识字 3 口耳目"
    assert not Resource.objects.filter(title__regex=r"^《?\d").exists()
    # a student sees only approved items
    assert not visible_resources(lib.users["xuesheng"]).exclude(status=Status.APPROVED).exists()


def test_district_size_inserts_in_bulk_without_files(lib):
    ctx = SimpleNamespace(size="district", rng=random.Random(1), schools=lib.demo.schools, progress=lambda m: None)
    demo.build(ctx, count=1500)
    assert Resource.objects.count() == 1500
    assert ResourceFile.objects.count() == 0
    assert Resource.chapters.through.objects.count() == 1500


def test_search_document_describes_the_item(lib):
    r = lib.make(title="时、分、秒 微课：认识秒针", type="micro", level="district")
    r.tags = ["微课"]
    r.save()
    doc = resource_search_document(r)
    assert doc["title"] == "时、分、秒 微课：认识秒针" and doc["tags"] == ["微课"]
    assert doc["chapters"] == [lib.chapter.title_path]
    assert doc["type"] == "micro" and doc["level"] == "district" and doc["status"] == "approved"
    assert doc["subject"] == lib.chapter.book.subject.code and doc["grade"] == lib.chapter.book.grade_level
    assert doc["school_id"] == r.school_id and doc["contributor_id"] == lib.users["laoshi"].pk
    for key in ("description", "authors", "knowledge_points", "section", "stage", "edition", "sharing",
                "created_at", "updated_at", "view_count"):
        assert key in doc
