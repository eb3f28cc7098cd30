"""Writers for resources that come from another platform over OAI-PMH (the harvester in `openplatform`).

A harvested record becomes a national- or district-level item that links to the original
(type "外部链接"): the far side reviewed and published it, so it arrives approved. Which remote
identifier maps to which item is the harvester's business; these actions only create, update in place
and withdraw items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from zhijiao.catalog.models import Chapter, KnowledgePoint, Section, Stage, Subject
from zhijiao.records.actions import record_event
from zhijiao.resources.models import Level, Licence, Resource, ResourceType, Sharing, Status
from zhijiao.search.actions import index_enqueue

TYPE_BY_LABEL = {str(label): value for value, label in ResourceType.choices}


@dataclass
class HarvestedItem:
    """The fields of one remote record, already read from its metadata (oai_dc)."""

    title: str
    url: str  # where the original lives (dc:identifier)
    description: str = ""
    authors: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)  # dc:subject values
    types: list[str] = field(default_factory=list)  # dc:type values
    date: datetime | None = None
    rights: str = ""
    coverage: list[str] = field(default_factory=list)  # dc:coverage (our section names)


def _match_catalog(item: HarvestedItem) -> dict:
    """Catalog links for values that name our own sections, stages, subjects, chapters or knowledge points."""
    values = set(item.subjects)
    chapters = list(Chapter.objects.filter(title_path__in=values).select_related("book"))
    stage = Stage.objects.filter(name__in=values).first()
    subject = Subject.objects.filter(name__in=values).first()
    kps = list(KnowledgePoint.objects.filter(name__in=values, subject=subject)) if subject else []
    section = Section.objects.filter(name__in=item.coverage).first() if item.coverage else None
    matched = {c.title_path for c in chapters} | {k.name for k in kps}
    matched |= {stage.name} if stage else set()
    matched |= {subject.name} if subject else set()
    tags = [s for s in item.subjects if s not in matched]
    tags += [t for t in item.types if t in TYPE_BY_LABEL]
    return {"chapters": chapters, "kps": kps, "stage": stage, "subject": subject, "section": section,
            "tags": list(dict.fromkeys(t[:50] for t in tags))[:20]}


@transaction.atomic
def resource_upsert_harvested(*, resource: Resource | None, item: HarvestedItem, level: str,
                              source_url: str) -> tuple[Resource, bool]:
    """Create (resource=None) or update in place a harvested item. Returns (resource, changed)."""
    if level not in (Level.NATIONAL, Level.DISTRICT):
        raise ValueError("harvested items are national- or district-level")
    if not item.title.strip() or not item.url.startswith(("http://", "https://")):
        raise ValueError("a harvested record needs a title and an http(s) identifier")
    cat = _match_catalog(item)
    book = cat["chapters"][0].book if cat["chapters"] else None
    licence = item.rights if item.rights in Licence.values else Licence.ALL_RIGHTS
    values = {
        "type": ResourceType.LINK, "title": item.title.strip()[:200], "description": item.description.strip(),
        "authors": "，".join(item.authors)[:200], "level": level,
        "sharing": Sharing.PUBLIC if level == Level.NATIONAL else Sharing.DISTRICT,
        "licence": licence, "external_url": item.url[:500], "tags": cat["tags"], "section": cat["section"],
        "stage": book.stage if book else cat["stage"], "subject": book.subject if book else cat["subject"],
        "edition": book.edition if book else None, "grade_level": book.grade_level if book else None,
        "volume": book.volume if book else "", "status": Status.APPROVED,
    }
    created = resource is None
    if created:
        resource = Resource.objects.create(school=None, contributor=None,
                                           published_at=item.date or timezone.now(), **values)
        changed = True
    else:
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        diff = {k: v for k, v in values.items() if getattr(resource, k) != v}
        changed = bool(diff)
        if resource.published_at is None:
            resource.published_at = item.date or timezone.now()
            diff["published_at"] = resource.published_at
        for k, v in diff.items():
            setattr(resource, k, v)
        if diff:
            resource.save(update_fields=[*diff, "updated_at"])
    chapter_ids = {c.pk for c in cat["chapters"]}
    kp_ids = {k.pk for k in cat["kps"]}
    if set(resource.chapters.values_list("pk", flat=True)) != chapter_ids:
        resource.chapters.set(chapter_ids)
        changed = True
    if set(resource.knowledge_points.values_list("pk", flat=True)) != kp_ids:
        resource.knowledge_points.set(kp_ids)
        changed = True
    if changed and not created:
        # The resource page caches an item's chapters and knowledge points per `updated_at`.
        resource.updated_at = timezone.now()
        Resource.objects.filter(pk=resource.pk).update(updated_at=resource.updated_at)
    if changed:
        record_event(actor=None, verb="imported" if created else "updated", object_kind="resource",
                     object_key=resource.pk, object_name=resource.title,
                     result={"response": "harvested"},
                     extensions={"https://zhijiao.example.org/xapi/extensions/harvest-source": source_url[:200]})
        index_enqueue(kind="resource", pk=resource.pk)
    return resource, changed


@transaction.atomic
def resource_withdraw_harvested(*, resource: Resource, source_url: str) -> bool:
    """The far side deleted the record: withdraw our copy (kept, so links and favourites do not break)."""
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if resource.status == Status.WITHDRAWN:
        return False
    resource.status = Status.WITHDRAWN
    resource.save(update_fields=["status", "updated_at"])
    record_event(actor=None, verb="deleted", object_kind="resource", object_key=resource.pk,
                 object_name=resource.title, result={"response": "harvested-deleted"},
                 extensions={"https://zhijiao.example.org/xapi/extensions/harvest-source": source_url[:200]})
    index_enqueue(kind="resource", pk=resource.pk)
    return True
