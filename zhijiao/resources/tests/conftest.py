"""Fixtures of the resource library's tests: the small demo's people plus a catalog and handy makers."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhijiao.resources import samples


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def lib(demo, users, settings, tmp_path):
    """The demo's people, a catalog (the catalog app's, or the resources demo's fallback) and makers."""
    from zhijiao.catalog.models import Book, Chapter
    from zhijiao.resources.demo import _fallback_catalog
    from zhijiao.resources.models import Level, Resource, ResourceFile, ResourceType, Sharing, Status

    settings.MEDIA_ROOT = tmp_path / "media"
    if not Book.objects.exists():
        _fallback_catalog()
    leaves = Chapter.objects.filter(children__isnull=True).select_related("book").order_by("book__grade_level", "pk")
    chapter = leaves.first()

    def make(*, contributor="laoshi", status=Status.APPROVED, level=Level.SCHOOL, sharing=Sharing.DISTRICT,
             school=None, type=ResourceType.COURSEWARE, title="测试资源", file: tuple[str, bytes] | None = None,
             chapter_=None):
        user = users[contributor] if contributor else None
        if school is None and user is not None:
            from zhijiao.resources.selectors import contributor_school

            school = contributor_school(user)
        ch = chapter_ or chapter
        r = Resource.objects.create(type=type, title=title, contributor=user, school=school, level=level,
                                    sharing=sharing, status=status, stage_id=ch.book.stage_id,
                                    subject_id=ch.book.subject_id, grade_level=ch.book.grade_level,
                                    published_at=timezone.now() if status == Status.APPROVED else None)
        r.chapters.add(ch)
        if file is not None:
            import hashlib

            from django.core.files.base import ContentFile

            name, data = file
            mime = {"pdf": "application/pdf", "mp4": "video/mp4", "png": "image/png", "mp3": "audio/mpeg",
                    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}[
                name.rsplit(".", 1)[-1]]
            rf = ResourceFile(resource=r, original_name=name, mime_type=mime, size=len(data),
                              sha256=hashlib.sha256(data).hexdigest())
            rf.file.save(f"resources/t/{rf.sha256}.{name.rsplit('.', 1)[-1]}", ContentFile(data), save=False)
            rf.save()
        return r

    return SimpleNamespace(chapter=chapter, leaves=list(leaves), make=make, users=users, demo=demo,
                           samples=samples, upload=upload)
