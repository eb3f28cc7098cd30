"""Reads of the org tree and of the notification inbox. Scoping of the org tree by role lives in
accounts.selectors (it needs roles); a user's inbox is theirs alone."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.db.models import QuerySet

from zhijiao.core import cache as request_cache
from zhijiao.core.models import NodeKind, Notification, OrgNode


def subtree(node: OrgNode, *, kind: str | None = None, include_self: bool = True) -> QuerySet[OrgNode]:
    qs = OrgNode.objects.filter(path__startswith=node.path)
    if not include_self:
        qs = qs.exclude(pk=node.pk)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def under_any(paths: list[str], *, kind: str | None = None) -> QuerySet[OrgNode]:
    """Every node under any of the given paths, as one query."""
    from django.db.models import Q

    if not paths:
        return OrgNode.objects.none()
    cond = Q()
    for p in sorted(set(paths)):
        cond |= Q(path__startswith=p)
    qs = OrgNode.objects.filter(cond)
    return qs.filter(kind=kind) if kind else qs


def school_of(node: OrgNode) -> OrgNode | None:
    return node.school()


def district_root() -> OrgNode | None:
    return OrgNode.objects.filter(kind=NodeKind.DISTRICT).order_by("path").first()


def notifications(*, user: AbstractBaseUser) -> QuerySet[Notification]:
    """The user's own notifications, newest first (nobody reads another's inbox, not even an admin)."""
    return Notification.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")


# The count may lag a change by this long at most (a reader that counted just before a change and stored
# its count just after the change cleared it).
UNREAD_COUNT_SECONDS = 120


def unread_count_key(user_id: int) -> str:
    return f"zj:unread:{user_id}"


def unread_notification_count(*, user: AbstractBaseUser) -> int:
    """The top bar's unread count: from the cache, which `notify` and `notifications_mark_read` clear."""
    if not user.is_authenticated:
        return 0
    count = request_cache.get(unread_count_key(user.pk))  # (prefetched with the page's other cache reads)
    if count is None:
        count = Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()
        cache.set(unread_count_key(user.pk), count, UNREAD_COUNT_SECONDS)
    return count
