"""The only writers of the resource library.

Each action: keyword-only arguments, one transaction, one event through `record_event`, and a search
outbox entry (`index_enqueue`) when what search shows changes. Counters change only through single
UPDATE statements with F() expressions, so concurrent use loses no update.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, time

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Sum, Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.accounts.models import User
from zhijiao.accounts.selectors import scope_of
from zhijiao.catalog.models import Chapter, KnowledgePoint, Section
from zhijiao.core.actions import notify
from zhijiao.core.models import OrgNode
from zhijiao.records.actions import record_event, statement_build, statements_insert
from zhijiao.records.trail import TrailEntry, trail_append
from zhijiao.resources.models import (
    EDITABLE_STATUSES,
    PENDING_STATUSES,
    Comment,
    CommentStatus,
    Decision,
    Favourite,
    Level,
    Licence,
    PointsAccount,
    PointsEvent,
    PointsLedger,
    PointsRule,
    Rating,
    Resource,
    ResourceFile,
    ResourceType,
    Review,
    Sharing,
    Status,
    Subscription,
    SubscriptionKind,
    ViewHistory,
)
from zhijiao.resources.selectors import (
    can_edit,
    can_moderate,
    can_review,
    contributor_school,
    is_contributor,
    is_district_reviewer,
)
from zhijiao.resources.uploads import CheckedFile, UploadRefused, inspect_upload
from zhijiao.search.actions import index_enqueue

# Used when no PointsRule row exists for an event (operators change them in the admin).
DEFAULT_POINTS_RULES = {
    PointsEvent.APPROVED: (10, 0),
    PointsEvent.VIEWED: (1, 20),
    PointsEvent.DOWNLOADED: (2, 30),
    PointsEvent.FAVOURITED: (2, 30),
    PointsEvent.RATED: (3, 30),
}


class ResourceError(ValueError):
    """Bad input a person can fix; `field` names the form field it belongs to."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- helpers ----------------------------------------------------------------------------------------------

def _event_context(user) -> dict:
    scope = scope_of(user)
    ctx: dict = {"actor_role": scope.primary_role or ""}
    if scope.school_ids:
        ctx["school"] = OrgNode(pk=min(scope.school_ids))
    if len(scope.own_class_ids) == 1:
        ctx["klass"] = OrgNode(pk=next(iter(scope.own_class_ids)))
    return ctx


def _event(user, verb: str, resource: Resource, result: dict | None = None) -> None:
    record_event(actor=user, verb=verb, object_kind="resource", object_key=resource.pk, object_name=resource.title,
                 result=result, **_event_context(user))


def _bump(resource: Resource, **deltas: int) -> None:
    """UPDATE resource SET counter = counter + delta: one statement, no lost update."""
    Resource.objects.filter(pk=resource.pk).update(**{k: F(k) + v for k, v in deltas.items()})


def _notify(*, user_id: int | None, kind: str, title: str, body: str = "", resource: Resource | None = None) -> None:
    """Tell one user (the contributor, a comment's author) in their inbox, linking to the resource."""
    url = reverse("resources:detail", args=[resource.pk]) if resource is not None else ""
    notify(users=[user_id], kind=kind, title=title, body=body, url=url)


def _rule(event: str) -> tuple[int, int] | None:
    row = PointsRule.objects.filter(event=event).first()
    if row is not None:
        return (row.points, row.daily_cap) if row.is_active else None
    return DEFAULT_POINTS_RULES.get(event)


def _today_start() -> datetime:
    now = timezone.localtime()
    return timezone.make_aware(datetime.combine(now.date(), time.min), now.tzinfo)


def points_grant(*, user_id: int, event: str, points: int | None = None, resource: Resource | None = None,
                 source_user_id: int | None = None, note: str = "") -> PointsLedger | None:
    """Append a ledger entry and move the balance, within the rule's daily cap. None when nothing is due."""
    rule = _rule(event)
    if points is None:
        if rule is None:
            return None
        points, cap = rule
    else:
        cap = 0
    if not points:
        return None
    with transaction.atomic():
        PointsAccount.objects.get_or_create(user_id=user_id)
        # Lock the account row: grants for one person run one at a time, so the cap holds.
        PointsAccount.objects.select_for_update().get(user_id=user_id)
        if cap:
            today = (PointsLedger.objects.filter(user_id=user_id, event=event, at__gte=_today_start())
                     .aggregate(s=Sum("points"))["s"] or 0)
            points = min(points, cap - today)
            if points <= 0:
                return None
        PointsAccount.objects.filter(user_id=user_id).update(balance=F("balance") + points)
        balance = PointsAccount.objects.values_list("balance", flat=True).get(user_id=user_id)
        return PointsLedger.objects.create(user_id=user_id, event=event, points=points, balance_after=balance,
                                           resource=resource, source_user_id=source_user_id, note=note[:200])


def _apply_catalog(resource: Resource, chapters: Iterable[Chapter], knowledge_points: Iterable[KnowledgePoint]):
    chapters = list(chapters)
    resource.chapters.set(chapters)
    resource.knowledge_points.set(list(knowledge_points))
    if chapters:
        book = chapters[0].book
        Resource.objects.filter(pk=resource.pk).update(stage_id=book.stage_id, subject_id=book.subject_id,
                                                       edition_id=book.edition_id, grade_level=book.grade_level,
                                                       volume=book.volume)
        resource.stage_id, resource.subject_id, resource.edition_id = book.stage_id, book.subject_id, book.edition_id
        resource.grade_level, resource.volume = book.grade_level, book.volume


def _store_file(resource: Resource, checked: CheckedFile, upload, original_name: str) -> ResourceFile:
    rf = ResourceFile(resource=resource, original_name=original_name[-200:], mime_type=checked.mime_type,
                      size=checked.size, sha256=checked.sha256, is_primary=True, has_scripts=checked.has_scripts)
    path = f"resources/{checked.sha256[:2]}/{checked.sha256}.{checked.extension}"
    if default_storage.exists(path):
        rf.file.name = path  # same content already stored: reuse it
    else:
        upload.seek(0)
        rf.file.save(path, upload, save=False)
    resource.files.filter(is_primary=True).update(is_primary=False)
    rf.save()
    return rf


def _check_fields(*, actor: User, type: str, title: str, level: str, sharing: str, licence: str,
                  external_url: str, school: OrgNode | None, has_file: bool) -> None:
    if type not in ResourceType.values:
        raise ResourceError(_("请选择资源类型。"), field="type")
    if not title.strip():
        raise ResourceError(_("请填写标题。"), field="title")
    if level not in Level.values:
        raise ResourceError(_("请选择资源级别。"), field="level")
    if level == Level.NATIONAL and not is_district_reviewer(actor):
        raise ResourceError(_("只有区县管理员可以发布国家级资源。"), field="level")
    if level == Level.SCHOOL and school is None:
        raise ResourceError(_("校级资源须属于一所学校；您的账号不属于任何学校，请选择“区级”。"), field="level")
    if sharing not in Sharing.values:
        raise ResourceError(_("请选择共享范围。"), field="sharing")
    if level != Level.SCHOOL and sharing == Sharing.SCHOOL:
        raise ResourceError(_("区级和国家级资源至少在全区共享，不能选择“仅本校”。"), field="sharing")
    if licence not in Licence.values:
        raise ResourceError(_("请选择许可方式。"), field="licence")
    if type == ResourceType.LINK:
        if not external_url.startswith(("http://", "https://")):
            raise ResourceError(_("外部链接须以 http:// 或 https:// 开头。"), field="external_url")
    elif not has_file:
        raise ResourceError(_("请选择要上传的文件。"), field="file")


# --- contribution and review (凡进必审) ---------------------------------------------------------------------

@transaction.atomic
def resource_create(*, contributor: User, type: str, title: str, description: str = "", authors: str = "",
                    level: str = Level.SCHOOL, sharing: str = Sharing.DISTRICT, licence: str = Licence.ALL_RIGHTS,
                    section: Section | None = None, chapters: Iterable[Chapter] = (),
                    knowledge_points: Iterable[KnowledgePoint] = (), tags: Iterable[str] = (),
                    external_url: str = "", duration_seconds: int | None = None, upload=None,
                    upload_name: str = "", submit: bool = True) -> Resource:
    """A teacher's new item, with its file checked by content. Submitted for review unless `submit=False`."""
    if not is_contributor(contributor):
        raise ResourceError(_("只有教师和管理员可以上传资源。"))
    school = contributor_school(contributor)
    _check_fields(actor=contributor, type=type, title=title, level=level, sharing=sharing, licence=licence,
                  external_url=external_url, school=school, has_file=upload is not None)
    checked = None
    if upload is not None:
        name = upload_name or getattr(upload, "name", "") or ""
        try:
            checked = inspect_upload(fileobj=upload, name=name, size=upload.size, resource_type=type)
        except UploadRefused as exc:
            raise ResourceError(exc.message, field="file") from None
    resource = Resource.objects.create(
        type=type, title=title.strip()[:200], description=description.strip(), authors=authors.strip()[:200]
        or contributor.display_name, contributor=contributor, school=school,
        level=level, sharing=sharing, licence=licence, section=section,
        tags=[t.strip() for t in tags if t.strip()][:20], external_url=external_url.strip(),
        duration_seconds=(checked.duration_seconds if checked and checked.duration_seconds else duration_seconds),
        status=Status.DRAFT,
    )
    _apply_catalog(resource, chapters, knowledge_points)
    if checked is not None:
        _store_file(resource, checked, upload, upload_name or upload.name)
    _event(contributor, "created", resource, {"response": resource.type})
    if submit:
        _submit(contributor, resource)
    index_enqueue(kind="resource", pk=resource.pk)
    return resource


@transaction.atomic
def resource_update(*, actor: User, resource: Resource, title: str, description: str = "", authors: str = "",
                    sharing: str | None = None, licence: str | None = None, chapters: Iterable[Chapter] | None = None,
                    knowledge_points: Iterable[KnowledgePoint] | None = None, tags: Iterable[str] | None = None,
                    external_url: str | None = None, upload=None, upload_name: str = "") -> Resource:
    """The contributor edits an item that is not waiting for review (e.g. after 退回修改)."""
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if not can_edit(actor, resource):
        raise ResourceError(_("此资源正在审核中，不能修改；如需修改请先撤回。"))
    if not title.strip():
        raise ResourceError(_("请填写标题。"), field="title")
    sharing = sharing or resource.sharing
    if resource.level != Level.SCHOOL and sharing == Sharing.SCHOOL:
        raise ResourceError(_("区级和国家级资源至少在全区共享，不能选择“仅本校”。"), field="sharing")
    if upload is not None:
        try:
            checked = inspect_upload(fileobj=upload, name=upload_name or upload.name, size=upload.size,
                                     resource_type=resource.type)
        except UploadRefused as exc:
            raise ResourceError(exc.message, field="file") from None
        _store_file(resource, checked, upload, upload_name or upload.name)
        if checked.duration_seconds:
            resource.duration_seconds = checked.duration_seconds
    resource.title = title.strip()[:200]
    resource.description = description.strip()
    resource.authors = authors.strip()[:200] or resource.authors
    resource.sharing = sharing
    if licence:
        resource.licence = licence
    if tags is not None:
        resource.tags = [t.strip() for t in tags if t.strip()][:20]
    if external_url is not None and resource.type == ResourceType.LINK:
        resource.external_url = external_url.strip()
    if resource.status == Status.APPROVED:
        # A published item that changes goes back through review (凡进必审).
        resource.status = Status.DRAFT
    resource.save()
    if chapters is not None or knowledge_points is not None:
        _apply_catalog(resource, chapters if chapters is not None else resource.chapters.all(),
                       knowledge_points if knowledge_points is not None else resource.knowledge_points.all())
    _event(actor, "updated", resource)
    index_enqueue(kind="resource", pk=resource.pk)
    return resource


def _submit(actor: User, resource: Resource) -> None:
    resource.status = Status.PENDING_SCHOOL if resource.level == Level.SCHOOL else Status.PENDING_DISTRICT
    resource.submitted_at = timezone.now()
    resource.save(update_fields=["status", "submitted_at", "updated_at"])
    Review.objects.create(resource=resource, decision=Decision.SUBMITTED, reviewer=actor,
                          stage=Level.SCHOOL if resource.status == Status.PENDING_SCHOOL else Level.DISTRICT)
    _event(actor, "submitted", resource, {"response": resource.status})


@transaction.atomic
def resource_submit(*, actor: User, resource: Resource) -> Resource:
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if resource.contributor_id != actor.pk:
        raise ResourceError(_("只有上传者可以提交审核。"))
    if resource.status not in EDITABLE_STATUSES:
        raise ResourceError(_("此资源已提交或已通过，无需再次提交。"))
    if resource.type != ResourceType.LINK and not resource.files.exists():
        raise ResourceError(_("请先上传文件再提交审核。"), field="file")
    _submit(actor, resource)
    index_enqueue(kind="resource", pk=resource.pk)
    return resource


@transaction.atomic
def resource_withdraw(*, actor: User, resource: Resource) -> Resource:
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if resource.contributor_id != actor.pk:
        raise ResourceError(_("只有上传者可以撤回。"))
    if resource.status == Status.WITHDRAWN:
        return resource
    resource.status = Status.WITHDRAWN
    resource.save(update_fields=["status", "updated_at"])
    Review.objects.create(resource=resource, decision=Decision.WITHDRAWN, reviewer=actor)
    _event(actor, "deleted", resource, {"response": "withdrawn"})
    index_enqueue(kind="resource", pk=resource.pk)
    return resource


@transaction.atomic
def resource_review(*, reviewer: User, resource: Resource, decision: str, reason: str = "") -> Resource:
    """Approve, reject (with a reason) or send back for changes (with a reason); the contributor is told."""
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if resource.status not in PENDING_STATUSES:
        raise ResourceError(_("此资源当前不在待审核状态（可能已被其他审核人处理）。"))
    if not can_review(reviewer, resource):
        raise ResourceError(_("您不是此资源的审核人。"))
    if decision not in (Decision.APPROVED, Decision.REJECTED, Decision.CHANGES_REQUESTED):
        raise ResourceError(_("请选择审核结论。"), field="decision")
    reason = reason.strip()
    if decision != Decision.APPROVED and not reason:
        raise ResourceError(_("不通过或退回修改时，请写明理由，方便上传者修改。"), field="reason")
    stage = Level.SCHOOL if resource.status == Status.PENDING_SCHOOL else Level.DISTRICT
    Review.objects.create(resource=resource, decision=decision, reason=reason, reviewer=reviewer, stage=stage)
    now = timezone.now()
    if decision == Decision.APPROVED:
        resource.status = Status.APPROVED
        resource.published_at = resource.published_at or now
        title = _("您上传的资源《%(t)s》已通过审核") % {"t": resource.title}
        verb = "approved"
    elif decision == Decision.REJECTED:
        resource.status = Status.REJECTED
        title = _("您上传的资源《%(t)s》未通过审核") % {"t": resource.title}
        verb = "rejected"
    else:
        resource.status = Status.CHANGES_REQUESTED
        title = _("您上传的资源《%(t)s》需要修改") % {"t": resource.title}
        verb = "rejected"
    resource.save(update_fields=["status", "published_at", "updated_at"])
    _notify(user_id=resource.contributor_id, kind=f"review_{decision}", title=title, body=reason, resource=resource)
    if decision == Decision.APPROVED and resource.contributor_id and not PointsLedger.objects.filter(
            user_id=resource.contributor_id, event=PointsEvent.APPROVED, resource=resource).exists():
        points_grant(user_id=resource.contributor_id, event=PointsEvent.APPROVED, resource=resource,
                     source_user_id=reviewer.pk, note=resource.title)
    _event(reviewer, verb, resource, {"response": decision})
    index_enqueue(kind="resource", pk=resource.pk)
    return resource


# --- use ------------------------------------------------------------------------------------------------

TRAIL_VIEWED = "resources.viewed"
TRAIL_DOWNLOADED = "resources.downloaded"


def _trail_payload(user: User, resource: Resource, **extra) -> dict:
    ctx = _event_context(user)
    return {"user": user.pk, "resource": resource.pk, "contributor": resource.contributor_id,
            "title": resource.title, "role": ctx["actor_role"],
            "school": ctx["school"].pk if "school" in ctx else None,
            "klass": ctx["klass"].pk if "klass" in ctx else None, **extra}


def resource_view(*, user: User, resource: Resource) -> None:
    """Count a view of a published item (previews by its contributor or reviewers are not counted).

    Opening a page writes nothing to the database: the view goes to the batched trail (records.trail)
    and `resource_views_apply` stores it — counter, history, points, statement — off the request path.
    """
    if resource.status == Status.APPROVED:
        trail_append(kind=TRAIL_VIEWED, payload=_trail_payload(user, resource))


def resource_download(*, user: User, resource: Resource, file: ResourceFile) -> None:
    """Count a download of a published item's file (batched like views; `resource_downloads_apply`)."""
    if resource.status == Status.APPROVED:
        trail_append(kind=TRAIL_DOWNLOADED, payload=_trail_payload(user, resource, file=file.pk))


def _trail_statement(e: TrailEntry, verb: str, result: dict | None = None):
    p = e.payload
    return statement_build(actor=p["user"], verb=verb, object_kind="resource", object_key=p["resource"],
                           object_name=p["title"], result=result, school=p["school"], klass=p["klass"],
                           actor_role=p["role"], timestamp=e.at, statement_id=e.id)


def _bump_many(counts: Counter, field: str) -> None:
    for resource_id, n in sorted(counts.items()):  # a fixed order: two drainers never deadlock
        Resource.objects.filter(pk=resource_id).update(**{field: F(field) + n})


def resource_views_apply(entries: list[TrailEntry]) -> None:
    """Store a batch of spooled views (inside the trail's drain transaction): what `resource_view` used to
    write per request — the counter, the person's history, the contributor's points for a first view by
    someone else, and the statement — in a few statements per batch."""
    live = set(Resource.objects.filter(pk__in={e.payload["resource"] for e in entries}).values_list("pk", flat=True))
    entries = [e for e in entries if e.payload["resource"] in live]  # an item deleted since is not counted
    _bump_many(Counter(e.payload["resource"] for e in entries), "view_count")
    seen: dict[tuple[int, int], list[TrailEntry]] = {}
    for e in entries:
        seen.setdefault((e.payload["user"], e.payload["resource"]), []).append(e)
    existing = {
        (h.user_id, h.resource_id): h
        for h in ViewHistory.objects.filter(user_id__in={u for u, _r in seen}, resource_id__in={r for _u, r in seen})
    }
    new = []
    for (user_id, resource_id), views in seen.items():
        if (user_id, resource_id) in existing:
            ViewHistory.objects.filter(pk=existing[(user_id, resource_id)].pk).update(
                times=F("times") + len(views), last_viewed_at=Greatest(F("last_viewed_at"), Value(views[-1].at)))
        else:
            new.append(ViewHistory(user_id=user_id, resource_id=resource_id, first_viewed_at=views[0].at,
                                   last_viewed_at=views[-1].at, times=len(views)))
    ViewHistory.objects.bulk_create(new)
    for h in new:
        contributor = seen[(h.user_id, h.resource_id)][0].payload["contributor"]
        if contributor and contributor != h.user_id:
            points_grant(user_id=contributor, event=PointsEvent.VIEWED, resource=Resource(pk=h.resource_id),
                         source_user_id=h.user_id)
    statements_insert(statements=[_trail_statement(e, "viewed") for e in entries])


def resource_downloads_apply(entries: list[TrailEntry]) -> None:
    """Store a batch of spooled downloads: counter, the contributor's points, statements."""
    live = set(Resource.objects.filter(pk__in={e.payload["resource"] for e in entries}).values_list("pk", flat=True))
    entries = [e for e in entries if e.payload["resource"] in live]
    _bump_many(Counter(e.payload["resource"] for e in entries), "download_count")
    for e in entries:
        contributor = e.payload["contributor"]
        if contributor and contributor != e.payload["user"]:
            points_grant(user_id=contributor, event=PointsEvent.DOWNLOADED, resource=Resource(pk=e.payload["resource"]),
                         source_user_id=e.payload["user"])
    statements_insert(statements=[_trail_statement(e, "downloaded", {"extensions": {"file": e.payload["file"]}})
                                  for e in entries])


def _require_published(resource: Resource) -> None:
    if resource.status != Status.APPROVED:
        raise ResourceError(_("资源通过审核后才能收藏、评分和评论。"))


@transaction.atomic
def favourite_add(*, user: User, resource: Resource) -> bool:
    """True if newly added. Adding twice is harmless."""
    _require_published(resource)
    try:
        with transaction.atomic():
            Favourite.objects.create(user_id=user.pk, resource=resource)
    except IntegrityError:
        return False
    _bump(resource, favourite_count=1)
    if resource.contributor_id and resource.contributor_id != user.pk:
        points_grant(user_id=resource.contributor_id, event=PointsEvent.FAVOURITED, resource=resource,
                     source_user_id=user.pk)
    _event(user, "favourited", resource)
    return True


@transaction.atomic
def favourite_remove(*, user: User, resource: Resource) -> bool:
    deleted, _rows = Favourite.objects.filter(user_id=user.pk, resource=resource).delete()
    if deleted:
        Resource.objects.filter(pk=resource.pk, favourite_count__gt=0).update(favourite_count=F("favourite_count") - 1)
        _event(user, "favourited", resource, {"response": "removed"})
    return bool(deleted)


@transaction.atomic
def rating_set(*, user: User, resource: Resource, score: int) -> Rating:
    """One rating per person, 1–5, changeable; the sum and count move in single UPDATEs."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ResourceError(_("评分须是 1 到 5 之间的整数。"), field="score")
    _require_published(resource)
    existing = Rating.objects.select_for_update().filter(user_id=user.pk, resource=resource).first()
    if existing is None:
        try:
            with transaction.atomic():
                rating = Rating.objects.create(user_id=user.pk, resource=resource, score=score)
        except IntegrityError:
            existing = Rating.objects.select_for_update().get(user_id=user.pk, resource=resource)
        else:
            _bump(resource, rating_sum=score, rating_count=1)
            if resource.contributor_id and resource.contributor_id != user.pk:
                points_grant(user_id=resource.contributor_id, event=PointsEvent.RATED, resource=resource,
                             source_user_id=user.pk)
            _event(user, "rated", resource, {"score": {"raw": score, "min": 1, "max": 5}})
            return rating
    delta = score - existing.score
    if delta:
        Rating.objects.filter(pk=existing.pk).update(score=score, updated_at=timezone.now())
        _bump(resource, rating_sum=delta)
        existing.score = score
    _event(user, "rated", resource, {"score": {"raw": score, "min": 1, "max": 5}})
    return existing


@transaction.atomic
def comment_add(*, user: User, resource: Resource, body: str) -> Comment:
    """A comment waits for moderation unless its author moderates this item."""
    _require_published(resource)
    body = (body or "").strip()
    if not body:
        raise ResourceError(_("评论内容不能为空。"), field="body")
    if len(body) > 1000:
        raise ResourceError(_("评论不能超过 1000 字（现在 %(n)d 字）。") % {"n": len(body)}, field="body")
    visible = can_moderate(user, resource)
    comment = Comment.objects.create(resource=resource, author=user, body=body,
                                     status=CommentStatus.VISIBLE if visible else CommentStatus.PENDING,
                                     moderated_by=user if visible else None,
                                     moderated_at=timezone.now() if visible else None)
    if visible:
        _bump(resource, comment_count=1)
    _event(user, "commented", resource, {"extensions": {"comment": comment.pk}})
    return comment


@transaction.atomic
def comment_moderate(*, moderator: User, comment: Comment, status: str) -> Comment:
    comment = Comment.objects.select_for_update().select_related("resource").get(pk=comment.pk)
    if not can_moderate(moderator, comment.resource):
        raise ResourceError(_("您不能审核此评论。"))
    if status not in (CommentStatus.VISIBLE, CommentStatus.HIDDEN):
        raise ResourceError(_("请选择显示或隐藏。"), field="status")
    was_visible = comment.status == CommentStatus.VISIBLE
    if status == comment.status:
        return comment
    Comment.objects.filter(pk=comment.pk).update(status=status, moderated_by=moderator, moderated_at=timezone.now())
    if status == CommentStatus.VISIBLE and not was_visible:
        _bump(comment.resource, comment_count=1)
    elif was_visible:
        Resource.objects.filter(pk=comment.resource_id, comment_count__gt=0).update(
            comment_count=F("comment_count") - 1)
    if status == CommentStatus.HIDDEN:
        _notify(user_id=comment.author_id, kind="comment_hidden",
                title=_("您在《%(t)s》下的评论未通过审核") % {"t": comment.resource.title}, resource=comment.resource)
    comment.status = status
    _event(moderator, "approved" if status == CommentStatus.VISIBLE else "rejected", comment.resource,
           {"extensions": {"comment": comment.pk}})
    return comment


# --- subscriptions ---------------------------------------------------------------------------------

@transaction.atomic
def subscription_create(*, user: User, kind: str, chapter: Chapter | None = None, subject=None,
                        grade_level: int | None = None, author: User | None = None, query: str = "") -> Subscription:
    if kind not in SubscriptionKind.values:
        raise ResourceError(_("请选择订阅类型。"), field="kind")
    if kind == SubscriptionKind.CHAPTER and chapter is None:
        raise ResourceError(_("请选择要订阅的章节。"), field="chapter")
    if kind == SubscriptionKind.SUBJECT_GRADE and subject is None:
        raise ResourceError(_("请选择学科。"), field="subject")
    if kind == SubscriptionKind.AUTHOR and author is None:
        raise ResourceError(_("请选择作者。"), field="author")
    if kind == SubscriptionKind.QUERY and not query.strip():
        raise ResourceError(_("请输入搜索词。"), field="query")
    existing = Subscription.objects.filter(user=user, kind=kind, chapter=chapter, subject=subject,
                                           grade_level=grade_level, author=author, query=query.strip()).first()
    if existing:
        return existing
    return Subscription.objects.create(user=user, kind=kind, chapter=chapter, subject=subject,
                                       grade_level=grade_level, author=author, query=query.strip()[:200])


@transaction.atomic
def subscription_delete(*, user: User, subscription_id: int) -> None:
    Subscription.objects.filter(user=user, pk=subscription_id).delete()


@transaction.atomic
def feed_mark_seen(*, user: User) -> None:
    Subscription.objects.filter(user=user).update(last_seen_at=timezone.now())
