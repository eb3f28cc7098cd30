"""Writers of the shared kernel: the org tree and the notification inbox."""

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from zhijiao.core.cache import SCOPE, forget, generation_bump
from zhijiao.core.models import PATH_STEP, NodeKind, Notification, OrgNode, child_path
from zhijiao.core.selectors import unread_count_key

# Which kind may hang under which.
ALLOWED_PARENTS = {
    NodeKind.REGION: {None},
    NodeKind.DISTRICT: {NodeKind.REGION, None},
    NodeKind.SCHOOL: {NodeKind.DISTRICT},
    NodeKind.CAMPUS: {NodeKind.SCHOOL},
    NodeKind.GRADE: {NodeKind.SCHOOL},
    NodeKind.CLASS: {NodeKind.GRADE},
}


class OrgError(ValueError):
    pass


def _next_path(parent: OrgNode | None) -> str:
    prefix = parent.path if parent else ""
    siblings = OrgNode.objects.filter(parent=parent) if parent else OrgNode.objects.filter(parent__isnull=True)
    last = siblings.aggregate(m=Max("path"))["m"]
    n = int(last[len(prefix) : len(prefix) + PATH_STEP]) + 1 if last else 1
    return child_path(prefix, n)


@transaction.atomic
def node_create(*, kind: str, name: str, parent: OrgNode | None, code: str = "", **attrs) -> OrgNode:
    """Create a node under `parent`, keeping the kind hierarchy and the materialised path."""
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENTS[NodeKind(kind)]:
        raise OrgError(f"a {kind} cannot be placed under {parent_kind or 'the root'}")
    if not name.strip():
        raise OrgError("name is required")
    node = OrgNode(
        kind=kind, name=name.strip(), code=code, parent=parent,
        path=_next_path(parent), depth=(parent.depth + 1) if parent else 0, **attrs,
    )
    node.save()
    generation_bump(SCOPE)
    return node


@transaction.atomic
def node_update(*, node: OrgNode, **fields) -> OrgNode:
    """Change a node's attributes (not its place in the tree)."""
    for key, value in fields.items():
        if key in {"path", "depth", "parent", "kind"}:
            raise OrgError(f"{key} cannot be changed here")
        setattr(node, key, value)
    node.save()
    generation_bump(SCOPE)
    return node


# --- the notification inbox ------------------------------------------------------------------------

@transaction.atomic
def notify(*, users: Iterable[AbstractBaseUser | int | None], kind: str, title: str, url: str = "",
           body: str = "") -> list[Notification]:
    """Put one message in each user's inbox (users as objects or primary keys; None and repeats skipped).

    The one writer of `Notification`, for every app. It runs inside the caller's transaction, so a
    notification exists exactly when the change it reports was committed; the caller records the event.
    """
    ids = list(dict.fromkeys(u if isinstance(u, int) else u.pk for u in users if u is not None))
    now = timezone.now()
    _unread_changed(ids)
    return Notification.objects.bulk_create(
        Notification(user_id=pk, kind=kind[:40], title=title[:200], body=body, url=url[:300], created_at=now)
        for pk in ids)


@transaction.atomic
def notifications_mark_read(*, user: AbstractBaseUser, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read (only those in `ids` when given); returns how many."""
    qs = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        ids = list(ids)
        if not ids:
            return 0
        qs = qs.filter(pk__in=ids)
    changed = qs.update(read_at=timezone.now())
    if changed:
        _unread_changed([user.pk])
    return changed


def _unread_changed(user_ids: list[int]) -> None:
    """The top bar's cached unread counts of these users are recomputed after the commit."""
    keys = [unread_count_key(pk) for pk in user_ids]
    # Now (this transaction reads its own change) and after the commit (a reader in between may have
    # stored the count from before the change).
    cache.delete_many(keys)
    forget(*keys)  # what this request prefetched
    transaction.on_commit(lambda: cache.delete_many(keys))
