"""From the owning app's description of an item to a `SearchDocument`, with facet labels.

The resource library describes one item with `zhijiao.resources.selectors.resource_search_document`
(facet values are codes: subject "math", grade 3, type "micro"). Here the codes stay as facet values and
their Chinese labels (数学, 三年级, 微课) become `keywords`, so a search for 三年级 数学 finds the item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from zhijiao.search.base import SearchDocument

_AUTHOR_SPLIT = re.compile(r"[,，、;；/]+")


@lru_cache(maxsize=1)
def _static_labels() -> dict[str, dict[str, str]]:
    """The Chinese labels, whatever language the calling thread has active: they are cached for the process
    and become index keywords, so an English request (or test) that happens to call first must not turn
    them into English."""
    from django.conf import settings
    from django.utils import translation

    from zhijiao.catalog.models import GRADE_LABELS
    from zhijiao.resources.models import Level, ResourceType, Sharing, Status

    with translation.override(settings.LANGUAGE_CODE):
        return {
            "grade": {str(k): str(v) for k, v in GRADE_LABELS.items()},
            "type": {c.value: str(c.label) for c in ResourceType},
            "level": {c.value: str(c.label) for c in Level},
            "sharing": {c.value: str(c.label) for c in Sharing},
            "status": {c.value: str(c.label) for c in Status},
        }


def catalog_labels() -> dict[str, dict[str, str]]:
    """code -> name for section, stage, subject, edition (small tables: read fresh each call)."""
    from zhijiao.catalog.models import Edition, Section, Stage, Subject

    out = {name: dict(model.objects.values_list("code", "name"))
           for name, model in (("section", Section), ("stage", Stage), ("subject", Subject), ("edition", Edition))}
    out.update(_static_labels())
    return out


def facet_label(labels: dict[str, dict[str, str]], field: str, value: str) -> str:
    return labels.get(field, {}).get(str(value), str(value))


def document_from_resource(data: dict, labels: dict[str, dict[str, str]]) -> SearchDocument:
    """A `SearchDocument` from `resource_search_document(resource)`'s dict."""
    authors = data.get("authors") or ()
    if isinstance(authors, str):
        authors = [a.strip() for a in _AUTHOR_SPLIT.split(authors) if a.strip()]
    grade = data.get("grade")
    facets = {
        "section": data.get("section") or "",
        "stage": data.get("stage") or "",
        "subject": data.get("subject") or "",
        "grade": str(grade) if grade not in (None, "") else "",
        "edition": data.get("edition") or "",
        "type": data.get("type") or "",
        "level": data.get("level") or "",
    }
    keywords = tuple(facet_label(labels, f, v) for f, v in facets.items() if v and f != "level")
    return SearchDocument(
        id=int(data["id"]),
        title=data.get("title") or "",
        description=data.get("description") or "",
        tags=tuple(str(t) for t in data.get("tags") or () if t),
        authors=tuple(authors),
        chapters=tuple(data.get("chapters") or ()),
        knowledge_points=tuple(data.get("knowledge_points") or ()),
        keywords=keywords,
        status=data.get("status") or "",
        owner_school_id=data.get("school_id"),
        contributor_id=data.get("contributor_id"),
        sharing_scope=data.get("sharing") or "",
        created=data.get("published_at") or data.get("created_at"),
        updated=data.get("updated_at"),
        view_count=int(data.get("view_count") or 0),
        **facets,
    )


def resource_documents(pks: Iterable[int], labels=None) -> dict[int, SearchDocument]:
    """Current documents of the given resources (missing ones are absent: deleted)."""
    from zhijiao.resources.models import Resource
    from zhijiao.resources.selectors import resource_search_document

    labels = labels or catalog_labels()
    qs = Resource.objects.filter(pk__in=list(pks)).select_related("section", "stage", "subject", "edition")
    return {r.pk: document_from_resource(resource_search_document(r), labels) for r in qs}


def all_resource_documents(*, batch: int = 2000) -> Iterator[SearchDocument]:
    """Every resource's document, read in batches with three queries per batch (for a rebuild).

    Builds the same dict as `resource_search_document` (a test holds the two equal) without its two
    queries per item.
    """
    from zhijiao.resources.models import Resource

    labels = catalog_labels()
    codes = {name: {pk: code for pk, code in model.objects.values_list("pk", "code")}
             for name, model in _catalog_models().items()}
    through_c = Resource.chapters.through
    through_k = Resource.knowledge_points.through
    last = 0
    while True:
        rows = list(Resource.objects.filter(pk__gt=last).order_by("pk")[:batch])
        if not rows:
            return
        ids = [r.pk for r in rows]
        last = ids[-1]
        chapters: dict[int, list] = {}
        for rid, book_id, path, title_path, title in (
            through_c.objects.filter(resource_id__in=ids)
            .values_list("resource_id", "chapter__book_id", "chapter__path", "chapter__title_path", "chapter__title")
        ):
            chapters.setdefault(rid, []).append((book_id, path, title_path or title))
        kps: dict[int, list] = {}
        for rid, name in through_k.objects.filter(resource_id__in=ids).values_list("resource_id",
                                                                                    "knowledgepoint__name"):
            kps.setdefault(rid, []).append(name)
        for r in rows:
            data = {
                "id": r.pk, "title": r.title, "description": r.description, "tags": list(r.tags or []),
                "authors": r.authors,
                "chapters": [t for _b, _p, t in sorted(chapters.get(r.pk, []))],
                "knowledge_points": kps.get(r.pk, []),
                "section": codes["section"].get(r.section_id, ""),
                "stage": codes["stage"].get(r.stage_id, ""),
                "subject": codes["subject"].get(r.subject_id, ""),
                "grade": r.grade_level,
                "edition": codes["edition"].get(r.edition_id, ""),
                "type": r.type, "level": r.level, "status": r.status, "school_id": r.school_id,
                "contributor_id": r.contributor_id, "sharing": r.sharing, "created_at": r.created_at,
                "updated_at": r.updated_at, "published_at": r.published_at, "view_count": r.view_count,
            }
            yield document_from_resource(data, labels)


def resource_count() -> int:
    from zhijiao.resources.models import Resource

    return Resource.objects.count()


def _catalog_models():
    from zhijiao.catalog.models import Edition, Section, Stage, Subject

    return {"section": Section, "stage": Stage, "subject": Subject, "edition": Edition}


def lesson_titles() -> list[str]:
    """The shipped catalog's lesson titles (taught to the analyzer as whole words at index time)."""
    from zhijiao.catalog.models import Chapter

    return list(Chapter.objects.filter(kind="lesson").values_list("title", flat=True).distinct()[:20000])


_terms_loaded = False


def ensure_catalog_terms() -> None:
    """Teach this process's analyzer the catalog's lesson titles as whole words (once per process)."""
    global _terms_loaded
    if _terms_loaded:
        return
    _terms_loaded = True
    from zhijiao.search import analyzer

    try:
        titles = lesson_titles()
    except Exception:  # no catalog tables yet (e.g. before migrate)
        return
    analyzer.add_terms(_clean_title(t) for t in titles)


def _clean_title(title: str) -> str:
    """'19 大象的耳朵' -> '大象的耳朵'; '识字 1 天地人' -> '天地人'."""
    last = (title or "").split()[-1] if (title or "").split() else ""
    return last if re.search(r"[\u4e00-\u9fff]{2,}", last) and not re.search(r"[：:、，,（(]", last) else ""
