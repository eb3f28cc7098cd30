"""Writers of the org tree."""

from django.db import transaction
from django.db.models import Max

from zhijiao.core.models import PATH_STEP, NodeKind, OrgNode, child_path

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
    return node


@transaction.atomic
def node_update(*, node: OrgNode, **fields) -> OrgNode:
    """Change a node's attributes (not its place in the tree)."""
    for key, value in fields.items():
        if key in {"path", "depth", "parent", "kind"}:
            raise OrgError(f"{key} cannot be changed here")
        setattr(node, key, value)
    node.save()
    return node
