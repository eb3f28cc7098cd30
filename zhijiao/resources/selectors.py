"""Reads of the resource library. Every read takes the acting user and returns only what they may see.

Visibility (凡进必审): an item is seen beyond its contributor only once approved, and then by whom its
level and sharing scope allow. Reviewers also see what waits in their queue and what they oversee.
`access_resource(user, id)` raises Http404 outside that: an item you may not see does not exist for you.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from zhijiao.accounts.models import RoleKind, User
from zhijiao.accounts.selectors import scope_of
from zhijiao.catalog.models import Book, Chapter, KnowledgePoint
from zhijiao.catalog.selectors import CATALOG
from zhijiao.core.cache import cached
from zhijiao.resources.models import (
    Comment,
    CommentStatus,
    Favourite,
    Level,
    PointsAccount,
    PointsLedger,
    Rating,
    Resource,
    ResourceFile,
    Sharing,
    Status,
    Subscription,
    SubscriptionKind,
    ViewHistory,
)

SCHOOL_REVIEWER_ROLES = {RoleKind.SCHOOL_ADMIN, RoleKind.CIO}
CONTRIBUTOR_ROLES = {RoleKind.TEACHER, RoleKind.HEAD_TEACHER, RoleKind.SUBJECT_TEACHER, RoleKind.SCHOOL_ADMIN,
                     RoleKind.CIO, RoleKind.DISTRICT_ADMIN}


# --- who is who ---------------------------------------------------------------------------------------

def reviewer_school_ids(user) -> set[int]:
    """Schools whose school-level items this user reviews (school admins and CIOs)."""
    return {r.node_id for r in scope_of(user).roles if r.kind in SCHOOL_REVIEWER_ROLES}


def is_district_reviewer(user) -> bool:
    return scope_of(user).has(RoleKind.DISTRICT_ADMIN)


def is_reviewer(user) -> bool:
    return is_district_reviewer(user) or bool(reviewer_school_ids(user))


def is_contributor(user) -> bool:
    return scope_of(user).has(*CONTRIBUTOR_ROLES)


def contributor_school(user):
    """The school a contributor uploads for (their first school), or None for district staff."""
    scope = scope_of(user)
    for r in scope.roles:
        if r.kind in CONTRIBUTOR_ROLES and r.node.kind == "school":
            return r.node
    ids = sorted(scope.school_ids)
    if ids:
        from zhijiao.core.models import OrgNode

        return OrgNode.objects.get(pk=ids[0])
    return None


def can_review(user, resource: Resource) -> bool:
    if resource.status == Status.PENDING_SCHOOL:
        return resource.school_id in reviewer_school_ids(user) and resource.contributor_id != user.pk
    if resource.status == Status.PENDING_DISTRICT:
        return is_district_reviewer(user) and resource.contributor_id != user.pk
    return False


def can_moderate(user, resource: Resource) -> bool:
    """Comments on an item are moderated by its school's reviewers and by district reviewers."""
    return is_district_reviewer(user) or (resource.school_id is not None
                                         and resource.school_id in reviewer_school_ids(user))


def can_edit(user, resource: Resource) -> bool:
    return resource.contributor_id == user.pk and resource.status not in (Status.PENDING_SCHOOL,
                                                                          Status.PENDING_DISTRICT)


# --- visibility ---------------------------------------------------------------------------------------

def _published_q(user) -> Q:
    scope = scope_of(user)
    wide = Q(level__in=[Level.NATIONAL, Level.DISTRICT]) | Q(sharing__in=[Sharing.DISTRICT, Sharing.PUBLIC])
    if scope.school_ids:
        wide |= Q(school_id__in=scope.school_ids)
    return Q(status=Status.APPROVED) & wide


def _oversight_q(user) -> Q | None:
    """Items a reviewer sees in any submitted state: their school's, or all for district reviewers."""
    if is_district_reviewer(user):
        return ~Q(status=Status.DRAFT)
    schools = reviewer_school_ids(user)
    if schools:
        return Q(school_id__in=schools) & ~Q(status=Status.DRAFT)
    return None


def published_q(user) -> Q:
    """The condition of `published_resources`, to combine with others in one filter."""
    if user is None or not user.is_authenticated:
        return Q(status=Status.APPROVED, sharing=Sharing.PUBLIC)
    return _published_q(user)


def published_resources(user) -> QuerySet[Resource]:
    """Approved items this user may see (what browsing, feeds and the API list show)."""
    return Resource.objects.filter(published_q(user))


def visible_resources(user) -> QuerySet[Resource]:
    """Everything this user may open: approved in scope, their own items, and reviewers' oversight."""
    if not user.is_authenticated:
        return published_resources(user)
    cond = _published_q(user) | Q(contributor_id=user.pk)
    oversight = _oversight_q(user)
    if oversight is not None:
        cond |= oversight
    return Resource.objects.filter(cond)


def may_open(user, resource: Resource) -> bool:
    """`visible_resources(user)` for one loaded item, decided in Python (the same rules, row by row), so
    opening an item is a primary-key lookup instead of compiling the whole visibility condition."""
    if not user.is_authenticated:
        return resource.status == Status.APPROVED and resource.sharing == Sharing.PUBLIC
    if resource.status == Status.APPROVED and (
            resource.level in (Level.NATIONAL, Level.DISTRICT) or resource.sharing in (Sharing.DISTRICT, Sharing.PUBLIC)
            or resource.school_id in scope_of(user).school_ids):
        return True
    if resource.contributor_id == user.pk:
        return True
    if resource.status == Status.DRAFT:
        return False
    return is_district_reviewer(user) or resource.school_id in reviewer_school_ids(user)


def access_resource(user, resource_id: int, *, mine: bool = False) -> Resource:
    """The item, if this user may open it. With `mine`, the same query also tells what the user did with it:
    `is_favourite`, `my_rating` (None if not rated) and `my_pending_comment` (a comment awaiting review)."""
    qs = (Resource.objects.filter(pk=resource_id)
          .select_related("school", "contributor", "section", "stage", "subject", "edition"))
    if mine:
        of_user = {"user_id": user.pk, "resource_id": OuterRef("pk")}
        qs = qs.annotate(
            is_favourite=Exists(Favourite.objects.filter(**of_user)),
            my_rating=Subquery(Rating.objects.filter(**of_user).values("score")[:1]),
            my_pending_comment=Exists(Comment.objects.filter(author_id=user.pk, resource_id=OuterRef("pk"),
                                                             status=CommentStatus.PENDING)))
    resource = qs.first()
    if resource is None or not may_open(user, resource):
        raise Http404("resource not found")
    return resource


@dataclass(frozen=True)
class ResourceSheet:
    """What the resource page shows beside the item's own row; the same for everyone who may open it."""

    files: list[ResourceFile]
    chapters: list[Chapter]
    knowledge_points: list[KnowledgePoint]


def resource_sheet(resource: Resource) -> ResourceSheet:
    """The item's files, chapters and knowledge points, read once per version of the item and shared from
    the cache: every writer of these saves the item (`updated_at`), and a renamed chapter or knowledge
    point bumps the catalog's generation."""
    return cached(CATALOG, f"res-sheet:{resource.pk}:{resource.updated_at.timestamp()}", lambda: ResourceSheet(
        files=list(resource.files.all()),
        chapters=list(resource.chapters.select_related("book")),
        knowledge_points=list(resource.knowledge_points.all())))


def review_queue(user) -> QuerySet[Resource]:
    cond = Q(pk__in=[])
    schools = reviewer_school_ids(user)
    if schools:
        cond |= Q(status=Status.PENDING_SCHOOL, school_id__in=schools)
    if is_district_reviewer(user):
        cond |= Q(status=Status.PENDING_DISTRICT)
    return (Resource.objects.filter(cond).exclude(contributor_id=user.pk)
            .select_related("school", "contributor", "subject").order_by("submitted_at", "pk"))


def my_uploads(user, *, status: str | None = None) -> QuerySet[Resource]:
    qs = Resource.objects.filter(contributor_id=user.pk).select_related("subject")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-updated_at", "-pk")


def resource_reviews(user, resource: Resource):
    """The review history, for the contributor and reviewers only."""
    if resource.contributor_id != user.pk and not (can_moderate(user, resource) or can_review(user, resource)):
        return []
    return list(resource.reviews.select_related("reviewer"))


def resource_files(resource: Resource):
    return list(resource.files.all())


# --- catalog navigation (until the catalog browse component lands) -------------------------------------

def chapter_subtree(chapter: Chapter) -> QuerySet[Chapter]:
    return Chapter.objects.filter(book_id=chapter.book_id, path__startswith=chapter.path)


def resources_in_chapters(qs: QuerySet[Resource], chapters: QuerySet[Chapter]) -> QuerySet[Resource]:
    through = Resource.chapters.through
    return qs.filter(Exists(through.objects.filter(resource_id=OuterRef("pk"), chapter__in=chapters)))


def browse_resources(user, *, chapter_ids: list[int] | None = None, chapter: Chapter | None = None,
                     book: Book | None = None, stage=None, subject=None, edition=None, section=None, type: str = "",
                     level: str = "", linked_chapter_ids: list[int] | None = None) -> QuerySet[Resource]:
    """Published items in scope, narrowed by the catalog choices (a chapter includes everything under it).
    `linked_chapter_ids`: with a book, the older revision's chapters of the same lessons, included too."""
    qs = published_resources(user)
    through = Resource.chapters.through
    if chapter is not None and chapter_ids is None:
        chapter_ids = list(chapter_subtree(chapter).values_list("pk", flat=True))
    # "id IN (items of these chapters)": the database starts from the chapter link index, which holds a
    # few hundred rows per chapter, instead of testing every published item (EXISTS would).
    if chapter_ids is not None:
        qs = qs.filter(pk__in=through.objects.filter(chapter_id__in=chapter_ids).values("resource_id"))
    elif book is not None:
        cond = Q(chapter__book_id=book.pk)
        if linked_chapter_ids:
            cond |= Q(chapter_id__in=linked_chapter_ids)
        qs = qs.filter(pk__in=through.objects.filter(cond).values("resource_id"))
    else:
        for name, value in (("stage", stage), ("subject", subject), ("edition", edition)):
            if value is not None:
                qs = qs.filter(**{name: value})
    if section is not None:
        qs = qs.filter(section=section)
    if type:
        qs = qs.filter(type=type)
    if level:
        qs = qs.filter(level=level)
    return (qs.select_related("school", "subject").defer("description", "external_url", "school__code")
            .order_by("-published_at", "-pk"))


# --- use ------------------------------------------------------------------------------------------------

def is_favourite(user, resource: Resource) -> bool:
    return Favourite.objects.filter(user_id=user.pk, resource=resource).exists()


def my_rating(user, resource: Resource) -> int | None:
    return Rating.objects.filter(user_id=user.pk, resource=resource).values_list("score", flat=True).first()


def user_favourites(user) -> QuerySet[Favourite]:
    return (Favourite.objects.filter(user_id=user.pk, resource__in=visible_resources(user))
            .select_related("resource", "resource__subject"))


def user_history(user) -> QuerySet[ViewHistory]:
    return (ViewHistory.objects.filter(user_id=user.pk, resource__in=visible_resources(user))
            .select_related("resource", "resource__subject"))


def resource_comments(user, resource: Resource) -> QuerySet[Comment]:
    """Visible comments, the viewer's own pending ones, and everything for moderators.

    An item loaded by `access_resource(..., mine=True)` that has no comment this user may see gets an empty
    result without a query (most items have none)."""
    moderator = can_moderate(user, resource)
    if not (moderator or resource.comment_count or getattr(resource, "my_pending_comment", True)):
        return Comment.objects.none()
    qs = resource.comments.select_related("author")
    if moderator:
        return qs
    return qs.filter(Q(status=CommentStatus.VISIBLE) | Q(author_id=user.pk, status=CommentStatus.PENDING))


def pending_comments(user) -> QuerySet[Comment]:
    qs = Comment.objects.filter(status=CommentStatus.PENDING).select_related("resource", "author")
    if is_district_reviewer(user):
        return qs
    schools = reviewer_school_ids(user)
    return qs.filter(resource__school_id__in=schools) if schools else qs.none()


def points_balance(user) -> int:
    return PointsAccount.objects.filter(user_id=user.pk).values_list("balance", flat=True).first() or 0


def points_ledger(user) -> QuerySet[PointsLedger]:
    return PointsLedger.objects.filter(user_id=user.pk).select_related("resource")


# --- subscriptions --------------------------------------------------------------------------------------

def user_subscriptions(user) -> QuerySet[Subscription]:
    return Subscription.objects.filter(user_id=user.pk).select_related("chapter", "subject", "author")


def _subscription_q(sub: Subscription) -> Q:
    if sub.kind == SubscriptionKind.CHAPTER and sub.chapter_id:
        through = Resource.chapters.through
        return Q(Exists(through.objects.filter(resource_id=OuterRef("pk"), chapter__book_id=sub.chapter.book_id,
                                               chapter__path__startswith=sub.chapter.path)))
    if sub.kind == SubscriptionKind.SUBJECT_GRADE and sub.subject_id:
        q = Q(subject_id=sub.subject_id)
        if sub.grade_level:
            q &= Q(grade_level=sub.grade_level)
        return q
    if sub.kind == SubscriptionKind.AUTHOR and sub.author_id:
        return Q(contributor_id=sub.author_id)
    if sub.kind == SubscriptionKind.QUERY and sub.query.strip():
        q = Q()
        for word in sub.query.split():
            q &= Q(title__icontains=word) | Q(description__icontains=word) | Q(authors__icontains=word)
        return q
    return Q(pk__in=[])


def subscription_feed(user, *, days: int = 90) -> QuerySet[Resource]:
    """'New for me': approved items in scope matching any subscription, published since it was made."""
    subs = list(user_subscriptions(user))
    if not subs:
        return Resource.objects.none()
    cond = Q(pk__in=[])
    for sub in subs:
        cond |= _subscription_q(sub) & Q(published_at__gte=min(sub.created_at, timezone.now() - timedelta(days=days)))
    return published_resources(user).filter(cond).select_related("subject", "school").order_by("-published_at", "-pk")


def feed_unseen_count(user) -> int:
    subs = list(user_subscriptions(user))
    cond = Q(pk__in=[])
    for sub in subs:
        cond |= _subscription_q(sub) & Q(published_at__gt=sub.last_seen_at)
    return published_resources(user).filter(cond).count() if subs else 0


# --- search ---------------------------------------------------------------------------------------------

def resource_search_document(resource: Resource) -> dict:
    """Exactly what the search backend indexes for one item (text, facets, visibility fields)."""
    chapters = list(resource.chapters.select_related("book").order_by("book_id", "path"))
    kps = list(resource.knowledge_points.values_list("name", flat=True))
    section_code = resource.section.code if resource.section_id else ""
    return {
        "id": resource.pk,
        "title": resource.title,
        "description": resource.description,
        "tags": list(resource.tags or []),
        "authors": resource.authors,
        "chapters": [c.title_path or c.title for c in chapters],
        "chapter_ids": [c.pk for c in chapters],
        "knowledge_points": kps,
        "section": section_code,
        "stage": resource.stage.code if resource.stage_id else "",
        "subject": resource.subject.code if resource.subject_id else "",
        "grade": resource.grade_level,
        "edition": resource.edition.code if resource.edition_id else "",
        "type": resource.type,
        "level": resource.level,
        "status": resource.status,
        "school_id": resource.school_id,
        "contributor_id": resource.contributor_id,
        "sharing": resource.sharing,
        "created_at": resource.created_at,
        "updated_at": resource.updated_at,
        "published_at": resource.published_at,
        "view_count": resource.view_count,
    }


def contributor_name(user_id: int | None) -> str:
    if not user_id:
        return ""
    u = User.objects.filter(pk=user_id).only("name", "username").first()
    return u.display_name if u else ""
