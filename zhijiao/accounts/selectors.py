"""Reads of people and scope. Every read of school-scoped data goes through these helpers.

Scope = the org nodes a user's roles cover. `access_*` returns the object or raises Http404: an object
outside your scope does not exist for you (architecture section 7).
"""

from functools import cached_property

from django.db.models import Q, QuerySet
from django.http import Http404

from zhijiao.accounts.models import Role, RoleKind, User
from zhijiao.core.cache import SCOPE, cached
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


def _roles_and_schools(user_id: int) -> tuple[list[Role], set[int]]:
    roles = list(Role.objects.filter(user_id=user_id).select_related("node", "child"))
    # A role below a school (grade, class) belongs to the school whose path is its path's first three steps.
    paths = {".".join(r.node.path.split(".")[:3]) + "." for r in roles
             if r.node.kind != NodeKind.SCHOOL and r.node.depth >= 2}
    schools = {r.node_id for r in roles if r.node.kind == NodeKind.SCHOOL}
    if paths:
        schools |= set(OrgNode.objects.filter(path__in=paths, kind=NodeKind.SCHOOL).values_list("pk", flat=True))
    return roles, schools


def scope_cache_keys(user_id: int | str) -> list[tuple[str, str]]:
    """What `Scope(user)` reads through `cached`, for `core.cache.prefetch` at the start of a request."""
    return [(SCOPE, str(user_id))]


class Scope:
    """What one user may see, computed from their roles (shared through the cache until roles change)."""

    def __init__(self, user: User):
        self.user = user
        if user.is_authenticated:
            self.roles, self._school_ids = cached(SCOPE, str(user.pk), lambda: _roles_and_schools(user.pk))
        else:
            self.roles, self._school_ids = [], set()

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

    @property
    def school_ids(self) -> set[int]:
        """Schools this user belongs to in any role (for school-level sharing of resources etc.)."""
        return self._school_ids

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


# --- management pages (schools, classes, people, audit log) -----------------------------------------

# Roles that make a person "privileged": only an admin strictly above them may change their account.
PRIVILEGED_ROLES = OVERSIGHT_ROLES


def require_admin(user) -> Scope:
    """The scope of an admin (school admin, CIO, district admin); anyone else: PermissionDenied (403)."""
    from django.core.exceptions import PermissionDenied

    scope = scope_of(user)
    if not user.is_authenticated or not scope.admin_paths:
        raise PermissionDenied
    return scope


def managed_schools(user) -> QuerySet[OrgNode]:
    """Schools an admin manages: every school under a district admin's district, a school admin's own."""
    scope = scope_of(user)
    if not scope.admin_paths:
        return OrgNode.objects.none()
    cond = Q()
    for path in scope.admin_paths:
        cond |= Q(path__startswith=path)
    return OrgNode.objects.filter(cond, kind=NodeKind.SCHOOL).order_by("path")


def managed_districts(user) -> QuerySet[OrgNode]:
    """District nodes where the user is a district admin (where new schools may be created)."""
    scope = scope_of(user)
    ids = [r.node_id for r in scope.roles if r.kind == RoleKind.DISTRICT_ADMIN]
    return OrgNode.objects.filter(pk__in=ids, kind=NodeKind.DISTRICT).order_by("path")


def school_summaries(schools: QuerySet[OrgNode]) -> list[dict]:
    """For a page of schools: campuses, grade/class/student counts, with a fixed number of queries."""
    from collections import defaultdict

    from django.db.models import Count

    schools = list(schools)
    if not schools:
        return []
    by_path = {s.path: s for s in schools}
    cond = Q()
    for s in schools:
        cond |= Q(path__startswith=s.path)
    campuses, grades, classes = defaultdict(list), defaultdict(int), defaultdict(int)
    class_school: dict[int, int] = {}
    for node_id, kind, path, name, active in (OrgNode.objects.filter(cond).exclude(kind=NodeKind.SCHOOL)
                                              .values_list("pk", "kind", "path", "name", "is_active")):
        school = by_path.get(path[:len(schools[0].path)])  # every school sits at the same depth
        if school is None:
            continue
        if kind == NodeKind.CAMPUS:
            campuses[school.pk].append(name)
        elif kind == NodeKind.GRADE:
            grades[school.pk] += 1
        elif kind == NodeKind.CLASS:
            classes[school.pk] += 1 if active else 0
            class_school[node_id] = school.pk
    students = defaultdict(int)
    for node_id, n in (Role.objects.filter(kind=RoleKind.STUDENT, node_id__in=list(class_school))
                       .values("node_id").annotate(n=Count("pk")).values_list("node_id", "n")):
        students[class_school[node_id]] += n
    return [{"school": s, "campuses": campuses[s.pk], "grades": grades[s.pk], "classes": classes[s.pk],
             "students": students[s.pk]} for s in schools]


def school_structure(school: OrgNode) -> dict:
    """A school's campuses, and its grades each with classes carrying `n_students` and `n_teachers`
    (distinct people teaching the class), counted with two grouped queries."""
    from django.db.models import Count

    campuses = list(OrgNode.objects.filter(parent=school, kind=NodeKind.CAMPUS).order_by("path"))
    grades = list(OrgNode.objects.filter(parent=school, kind=NodeKind.GRADE).order_by("grade_level", "path"))
    classes = list(OrgNode.objects.filter(path__startswith=school.path, kind=NodeKind.CLASS)
                   .select_related("campus").order_by("path"))
    ids = [c.pk for c in classes]
    students = dict(Role.objects.filter(node_id__in=ids, kind=RoleKind.STUDENT).values("node_id")
                    .annotate(n=Count("pk")).values_list("node_id", "n"))
    teachers = dict(Role.objects.filter(node_id__in=ids, kind__in=TEACHING_ROLES).values("node_id")
                    .annotate(n=Count("user_id", distinct=True)).values_list("node_id", "n"))
    by_grade: dict[int, list[OrgNode]] = {}
    for c in classes:
        c.n_students, c.n_teachers = students.get(c.pk, 0), teachers.get(c.pk, 0)
        by_grade.setdefault(c.parent_id, []).append(c)
    return {"campuses": campuses, "grades": [(g, by_grade.get(g.pk, [])) for g in grades]}


def people_search(user, *, q: str = "", role: str = "", school_id: int | None = None,
                  include_inactive: bool = True) -> QuerySet[User]:
    """People an admin manages (anyone holding a role under their admin paths), matched by name, account,
    phone, staff or student number; `role` and `school_id` narrow to people holding that role / any role
    in that school. One semi-join on roles (no DISTINCT), so it stays fast with tens of thousands."""
    scope = scope_of(user)
    if not scope.admin_paths:
        return User.objects.none()
    cond = Q()
    if school_id:
        school = OrgNode.objects.filter(pk=school_id, kind=NodeKind.SCHOOL).first()
        if school is None or not scope.can_admin_node(school):
            return User.objects.none()
        cond = Q(node__path__startswith=school.path)
    else:
        for path in scope.admin_paths:
            cond |= Q(node__path__startswith=path)
    roles = Role.objects.filter(cond)
    if role:
        roles = roles.filter(kind=role)
    qs = User.objects.filter(pk__in=roles.values("user_id"))
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(username__iexact=q) | Q(username__istartswith=q)
                       | Q(student_number=q) | Q(phone=q) | Q(staff_number=q))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("name", "pk")


def person_roles(person: User) -> list[Role]:
    return list(Role.objects.filter(user=person).select_related("node", "child").order_by("kind", "node__path"))


def role_school_names(roles: list[Role]) -> dict[int, str]:
    """role id → the name of the school its node sits in (one query for all)."""
    paths = {".".join(r.node.path.split(".")[:3]) + "." for r in roles if r.node.depth >= 2}
    names = dict(OrgNode.objects.filter(path__in=paths, kind=NodeKind.SCHOOL).values_list("path", "name"))
    return {r.pk: names.get(".".join(r.node.path.split(".")[:3]) + ".", "") for r in roles}


def admin_may_manage_account(user, person: User) -> tuple[bool, str]:
    """Whether an admin may reset, deactivate or reactivate `person`'s whole account, and why not.

    An account is the admin's to change when every role it holds lies under the admin's paths (a parent
    whose other child studies at another school is the district's), and no role of it is privileged at
    the admin's own level or above (a school admin cannot lock out the CIO beside them, nor themself).
    """
    from django.utils.translation import gettext as _

    scope = scope_of(user)
    if person.pk == user.pk:
        return False, _("不能在这里修改自己的账号，请使用“修改密码”。")
    for role in Role.objects.filter(user=person).select_related("node"):
        path = role.node.path
        if not any(path.startswith(p) for p in scope.admin_paths):
            return False, _("该账号在您的管理范围之外还有角色，请联系上级（区县）管理员处理。")
        if role.kind in PRIVILEGED_ROLES and not any(path.startswith(p) and path != p for p in scope.admin_paths):
            return False, _("该账号是与您同级或更高级别的管理员，请联系上级管理员处理。")
    return True, ""


def managed_classes_for(user, person: User) -> QuerySet[OrgNode]:
    """Classes an admin may offer when granting `person` a class role: the classes of the schools where
    the person already holds a role, within the admin's scope."""
    scope = scope_of(user)
    school_paths = {".".join(r.node.path.split(".")[:3]) + "." for r in Role.objects.filter(user=person)
                    .select_related("node") if r.node.depth >= 2}
    school_paths = [p for p in school_paths if any(p.startswith(a) for a in scope.admin_paths)]
    if not school_paths:
        return OrgNode.objects.none()
    return under_any(school_paths, kind=NodeKind.CLASS).filter(is_active=True).order_by("path")


def audit_search(user, *, action: str = "", date_from=None, date_to=None) -> QuerySet:
    """The audit log as an admin may read it (district admins: all; school admins and CIOs: the schools
    they administer), filtered by action and local dates."""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from zhijiao.accounts.models import AuditLog

    scope = scope_of(user)
    if scope.has(RoleKind.DISTRICT_ADMIN):
        qs = AuditLog.objects.all()
    elif scope.admin_paths:
        # Only the schools the user administers: a school admin who is also a parent at another school
        # does not see that school's log (`schools()` would include it).
        qs = AuditLog.objects.filter(school_id__in=list(managed_schools(user).values_list("pk", flat=True)))
    else:
        qs = AuditLog.objects.none()
    if action:
        qs = qs.filter(action=action)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=timezone.make_aware(datetime.combine(date_from, time.min), tz))
    if date_to:
        qs = qs.filter(at__lt=timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz))
    return qs.select_related("actor", "school").order_by("-at", "-pk")


def mask_phone(phone: str | None) -> str:
    """138****1234: enough to recognise, not enough to call."""
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "*" * len(phone)
