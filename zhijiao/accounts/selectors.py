"""Reads of people and scope. Every read of school-scoped data goes through these helpers.

Scope = the org nodes a user's roles cover. `access_*` returns the object or raises Http404: an object
outside your scope does not exist for you (architecture section 7).
"""

from functools import cached_property

from django.db.models import Q, QuerySet
from django.http import Http404

from zhijiao.accounts.models import Role, RoleKind, User
from zhijiao.core.models import NodeKind, OrgNode
from zhijiao.core.selectors import under_any

ADMIN_ROLES = {RoleKind.SCHOOL_ADMIN, RoleKind.CIO, RoleKind.DISTRICT_ADMIN}
# Roles that see everything under their node (supervisors read; they do not manage).
OVERSIGHT_ROLES = ADMIN_ROLES | {RoleKind.SUPERVISOR}
TEACHING_ROLES = {RoleKind.HEAD_TEACHER, RoleKind.SUBJECT_TEACHER}

# Home (工作台) precedence when a person holds several roles.
ROLE_PRECEDENCE = [
    RoleKind.DISTRICT_ADMIN, RoleKind.SUPERVISOR, RoleKind.SCHOOL_ADMIN, RoleKind.CIO,
    RoleKind.HEAD_TEACHER, RoleKind.SUBJECT_TEACHER, RoleKind.TEACHER, RoleKind.PARENT, RoleKind.STUDENT,
]


class Scope:
    """What one user may see, computed once per request from their roles."""

    def __init__(self, user: User):
        self.user = user
        self.roles: list[Role] = (
            list(Role.objects.filter(user=user).select_related("node")) if user.is_authenticated else []
        )

    def kinds(self) -> set[str]:
        return {r.kind for r in self.roles}

    def has(self, *kinds: str) -> bool:
        return bool(self.kinds() & set(kinds))

    @property
    def primary_role(self) -> str | None:
        kinds = self.kinds()
        for kind in ROLE_PRECEDENCE:
            if kind in kinds:
                return kind
        return None

    @cached_property
    def oversight_paths(self) -> list[str]:
        """Paths under which this user sees everything (admins, CIOs, supervisors)."""
        return [r.node.path for r in self.roles if r.kind in OVERSIGHT_ROLES]

    @cached_property
    def admin_paths(self) -> list[str]:
        """Paths under which this user may change schools, classes and people."""
        return [r.node.path for r in self.roles if r.kind in ADMIN_ROLES]

    @cached_property
    def taught_class_ids(self) -> set[int]:
        return {r.node_id for r in self.roles if r.kind in TEACHING_ROLES}

    @cached_property
    def own_class_ids(self) -> set[int]:
        return {r.node_id for r in self.roles if r.kind == RoleKind.STUDENT}

    @cached_property
    def child_ids(self) -> set[int]:
        return {r.child_id for r in self.roles if r.kind == RoleKind.PARENT and r.child_id}

    @cached_property
    def school_ids(self) -> set[int]:
        """Schools this user belongs to in any role (for school-level sharing of resources etc.)."""
        ids = set()
        for r in self.roles:
            if r.node.kind == NodeKind.SCHOOL:
                ids.add(r.node_id)
            elif r.node.depth >= 2:
                ids.add(_school_id_of_path(r.node.path))
        ids.discard(None)
        return ids

    def classes(self) -> QuerySet[OrgNode]:
        """Classes this user may see: own (student), taught (teachers), children's (parents), all under oversight."""
        cond = Q(pk__in=self.own_class_ids | self.taught_class_ids)
        if self.child_ids:
            cond |= Q(roles__kind=RoleKind.STUDENT, roles__user_id__in=self.child_ids)
        qs = OrgNode.objects.filter(kind=NodeKind.CLASS).filter(cond)
        if self.oversight_paths:
            qs = qs | under_any(self.oversight_paths, kind=NodeKind.CLASS)
        return qs.distinct()

    def schools(self) -> QuerySet[OrgNode]:
        qs = OrgNode.objects.filter(kind=NodeKind.SCHOOL, pk__in=self.school_ids)
        if self.oversight_paths:
            qs = qs | under_any(self.oversight_paths, kind=NodeKind.SCHOOL)
        return qs.distinct()

    def students(self) -> QuerySet[User]:
        """Students this user may see: themself, their children, their classes' students, all under oversight."""
        cond = Q(pk__in=self.child_ids)
        if RoleKind.STUDENT in self.kinds():
            cond |= Q(pk=self.user.pk)
        if self.taught_class_ids:
            cond |= Q(roles__kind=RoleKind.STUDENT, roles__node_id__in=self.taught_class_ids)
        for path in self.oversight_paths:
            cond |= Q(roles__kind=RoleKind.STUDENT, roles__node__path__startswith=path)
        return User.objects.filter(cond).distinct()

    def people(self) -> QuerySet[User]:
        """Accounts an admin manages: everyone holding a role under their admin paths."""
        if not self.admin_paths:
            return User.objects.none()
        cond = Q()
        for path in self.admin_paths:
            cond |= Q(roles__node__path__startswith=path)
        return User.objects.filter(cond).distinct()

    def can_admin_node(self, node: OrgNode) -> bool:
        return any(node.path.startswith(p) for p in self.admin_paths)

    def sees_node(self, node: OrgNode) -> bool:
        return any(node.path.startswith(p) for p in self.oversight_paths)


def _school_id_of_path(path: str) -> int | None:
    # Schools sit at depth 2 (region.district.school.); their path is the first three steps.
    school_path = ".".join(path.split(".")[:3]) + "."
    node = OrgNode.objects.filter(path=school_path, kind=NodeKind.SCHOOL).only("pk").first()
    return node.pk if node else None


def scope_of(user) -> Scope:
    """The user's scope, memoised on the user object for the length of a request."""
    cached = getattr(user, "_zhijiao_scope", None)
    if cached is None:
        cached = Scope(user)
        user._zhijiao_scope = cached
    return cached


def access_class(user, class_id: int) -> OrgNode:
    node = scope_of(user).classes().filter(pk=class_id).first()
    if node is None:
        raise Http404("class not found")
    return node


def access_school(user, school_id: int) -> OrgNode:
    node = scope_of(user).schools().filter(pk=school_id).first()
    if node is None:
        raise Http404("school not found")
    return node


def access_student(user, student_id: int) -> User:
    student = scope_of(user).students().filter(pk=student_id).first()
    if student is None:
        raise Http404("student not found")
    return student


def access_admin_node(user, node_id: int) -> OrgNode:
    """A node the user may manage (school or district admins)."""
    node = OrgNode.objects.filter(pk=node_id).first()
    if node is None or not scope_of(user).can_admin_node(node):
        raise Http404("not found")
    return node


def access_managed_person(user, person_id: int) -> User:
    person = scope_of(user).people().filter(pk=person_id).first()
    if person is None:
        raise Http404("not found")
    return person


def class_students(klass: OrgNode) -> QuerySet[User]:
    return User.objects.filter(roles__kind=RoleKind.STUDENT, roles__node=klass).order_by("student_number", "pk")


def class_teachers(klass: OrgNode) -> QuerySet[Role]:
    return Role.objects.filter(node=klass, kind__in=TEACHING_ROLES).select_related("user")


def find_login_user(identifier: str) -> User | None:
    """An account by account name, or by phone number."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    return User.objects.filter(Q(username=identifier) | Q(phone=identifier)).first()


def audit_entries(user, *, action: str | None = None) -> QuerySet:
    """The audit log as a district admin sees it (school admins see their school's entries)."""
    from zhijiao.accounts.models import AuditLog

    scope = scope_of(user)
    if scope.has(RoleKind.DISTRICT_ADMIN):
        qs = AuditLog.objects.all()
    elif scope.has(RoleKind.SCHOOL_ADMIN, RoleKind.CIO):
        qs = AuditLog.objects.filter(school_id__in=scope.schools().values("pk"))
    else:
        qs = AuditLog.objects.none()
    if action:
        qs = qs.filter(action=action)
    return qs.select_related("actor")
