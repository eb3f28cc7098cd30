"""Reads of the org tree and of the notification inbox. Scoping of the org tree by role lives in
accounts.selectors (it needs roles); a user's inbox is theirs alone."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

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


def unread_notification_count(*, user: AbstractBaseUser) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()
