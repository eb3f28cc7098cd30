from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def make_resource(db):
    """make_resource(title, level=..., status=..., chapter_key=..., ago=minutes) -> a Resource, dated in the past."""
    from zhijiao.catalog.models import Chapter, Section
    from zhijiao.resources.models import Resource

    def _make(title, *, level="district", status="approved", sharing=None, chapter_key="rj-sx-g3a/0008.",
              section="kcjx", ago=60, authors="王老师，李老师", published=True, **extra):
        when = timezone.now() - timedelta(minutes=ago)
        r = Resource.objects.create(
            type=extra.pop("type", "micro"), title=title, description=f"{title} 的简介", authors=authors,
            level=level, status=status, sharing=sharing or ("public" if level == "national" else "district"),
            section=Section.objects.filter(code=section).first(), licence="CC-BY-4.0",
            published_at=when if (published or status == "approved") else None, tags=["同步"], **extra)
        if chapter_key:
            ch = Chapter.objects.select_related("book").get(key=chapter_key)
            r.chapters.add(ch)
            r.knowledge_points.add(*ch.knowledge_points.all())
            Resource.objects.filter(pk=r.pk).update(stage=ch.book.stage, subject=ch.book.subject,
                                                    edition=ch.book.edition, grade_level=ch.book.grade_level,
                                                    volume=ch.book.volume)
        Resource.objects.filter(pk=r.pk).update(updated_at=when)
        r.refresh_from_db()
        return r

    return _make


@pytest.fixture
def catalog(db):
    from zhijiao.catalog.actions import catalog_load_shipped

    catalog_load_shipped()
