"""The only writers of accounts, roles, tokens and the audit log."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.accounts import throttle
from zhijiao.accounts.models import ApiToken, AuditAction, AuditLog, Role, RoleKind, User
from zhijiao.accounts.selectors import find_login_user, scope_of
from zhijiao.core.cache import SCOPE, generation_bump
from zhijiao.core.models import OrgNode
from zhijiao.records.actions import record_event


def mask_identifier(identifier: str) -> str:
    """Keep enough of a typed login name to spot patterns, not enough to identify a child."""
    s = (identifier or "").strip()
    if len(s) <= 3:
        return "*" * len(s)
    return s[:2] + "*" * (len(s) - 4) + s[-2:]


def audit_record(*, actor: User | None, action: str, target_type: str = "", target_id: str | int = "",
                 school: OrgNode | None = None, ip: str | None = None, detail: dict | None = None) -> AuditLog:
    return AuditLog.objects.create(actor=actor if actor and actor.pk else None, action=action,
                                   target_type=target_type, target_id=str(target_id), school=school, ip=ip,
                                   detail=detail or {})


def audit_sensitive_read(*, actor: User, record_type: str, record_id: int | str, school: OrgNode | None = None,
                         ip: str | None = None) -> None:
    """Log that someone read a sensitive record (health, vision, evaluation, ID number)."""
    audit_record(actor=actor, action=AuditAction.SENSITIVE_READ, target_type=record_type, target_id=record_id,
                 school=school, ip=ip)


class LoginError(Exception):
    """A refused login, with a message fit to show. `locked`: a throttle refused it (answer 429, with
    Retry-After: `retry_after` seconds); otherwise a wrong identifier or password (401)."""

    def __init__(self, message: str, *, locked: bool = False, retry_after: int = 0):
        super().__init__(message)
        self.message = message
        self.locked = locked
        self.retry_after = retry_after


def _primary_school(user: User) -> OrgNode | None:
    scope = scope_of(user)
    ids = sorted(scope.school_ids)
    return OrgNode.objects.filter(pk=ids[0]).first() if ids else None


def _too_many(seconds: int) -> LoginError:
    # The same words for every identifier, known or not: a lock says nothing about who exists.
    minutes = max(1, -(-seconds // 60))
    return LoginError(_("尝试次数过多，请 %(m)s 分钟后再试。如忘记密码，请联系学校管理员重置。") % {"m": minutes},
                      locked=True, retry_after=seconds)


def login_attempt(*, identifier: str, password: str, ip: str | None = None,
                  client: throttle.LoginClient | None = None) -> User:
    """Check a login by account name or phone, throttled per client, per IP and per identifier
    (accounts/throttle.py); audit every failure and every lock.

    Raises LoginError with a message fit to show; returns the user on success. Until a throttle refuses,
    every failure answers the same words, with the same work (one password hash), for an unknown account
    name or phone as for a registered one. The password hash is checked outside any transaction (argon2
    takes tens of milliseconds, and SQLite has one writer); the counters, audit entries and event then
    commit in one short transaction, before any error is raised (a rollback would undo the lock).
    """
    client = client or throttle.LoginClient(ip=ip)
    ip = client.ip
    identifier = throttle.normalise(identifier)
    masked = mask_identifier(identifier)
    user = find_login_user(identifier)
    counters = throttle.counters_for(identifier, client)
    refusal = throttle.reserve(counters, usual_client=client.knows(user))
    if refusal is not None:
        with transaction.atomic():
            _login_failure_audit(user=user, ip=ip, detail={"identifier": masked, "reason": f"throttled-{refusal.scope}"})
        raise _too_many(refusal.retry_after)

    if user is None or not user.is_active or not user.has_usable_password():
        # Same work and same message as a wrong password, so accounts cannot be enumerated.
        User().set_password(password or "x")
        password_ok = False
        reason = "unknown" if user is None else ("inactive" if not user.is_active else "password")
    else:
        password_ok = user.check_password(password)
        reason = "password"

    if not password_ok:
        with transaction.atomic():
            locks = throttle.failed(counters)
            school = _login_failure_audit(user=user, ip=ip, detail={"identifier": masked, "reason": reason})
            record_event(actor=user if user is not None and user.is_active else None, verb="login-failed",
                         object_kind="platform", object_key="web", school=school)
            for scope, until in locks:
                audit_record(actor=user, action=AuditAction.LOCKED, target_type="user" if user else "",
                             target_id=user.pk if user else "", ip=ip, school=school,
                             detail={"identifier": masked, "scope": scope,
                                     "minutes": settings.ZHIJIAO_LOCKOUT_MINUTES})
                if scope == throttle.ACCOUNT and user is not None:
                    # Shown on the admins' pages ("locked"): strangers are refused until then.
                    User.objects.filter(pk=user.pk).update(locked_until=until)
        if locks:
            raise _too_many(settings.ZHIJIAO_LOCKOUT_MINUTES * 60)
        raise LoginError(_("账号或密码不正确。"))

    with transaction.atomic():
        throttle.succeeded(counters)
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
        school = _primary_school(user)
        role = scope_of(user).primary_role or ""
        audit_record(actor=user, action=AuditAction.LOGIN_OK, target_type="user", target_id=user.pk, ip=ip,
                     school=school)
        record_event(actor=user, verb="logged-in", object_kind="platform", object_key="web", school=school,
                     actor_role=role)
    return user


def _login_failure_audit(*, user: User | None, ip: str | None, detail: dict) -> OrgNode | None:
    """A login_failed entry: about the account when the identifier names one (its school's admins read it),
    with the identifier masked. Returns that school."""
    school = _primary_school(user) if user is not None else None
    audit_record(actor=user, action=AuditAction.LOGIN_FAILED, target_type="user" if user else "",
                 target_id=user.pk if user else "", ip=ip, school=school, detail=detail)
    return school


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValueError(_("原密码不正确。"))
    if old_password == new_password:
        raise ValueError(_("新密码不能与原密码相同。"))
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=user, action=AuditAction.PASSWORD_CHANGED, target_type="user", target_id=user.pk)


@transaction.atomic
def password_reset_by_admin(*, admin: User, person: User) -> str:
    """Give `person` a one-time password (shown once to the admin); they must change it at next login."""
    temporary = f"Zj{secrets.randbelow(10**6):06d}{secrets.choice('abcdefghjkmnpqrstuvwxyz')}"
    # Every login count about the account's name and phone starts again, a lock included (the throttle
    # rows before the user row, the order a login takes them in).
    throttle.clear([person.username, person.phone or ""])
    person.set_password(temporary)
    person.must_change_password = True
    person.failed_login_count = 0
    person.locked_until = None
    person.save(update_fields=["password", "must_change_password", "failed_login_count", "locked_until"])
    audit_record(actor=admin, action=AuditAction.PASSWORD_RESET, target_type="user", target_id=person.pk,
                 school=_primary_school(person))
    record_event(actor=admin, verb="reset-password", object_kind="user", object_key=person.pk)
    return temporary


@dataclass(frozen=True)
class IssuedToken:
    key: str
    expires_at: object


@transaction.atomic
def token_issue(*, user: User, name: str = "api", days: int = 30) -> IssuedToken:
    key = "zj_" + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=days)
    ApiToken.objects.create(user=user, key_hash=ApiToken.hash_key(key), name=name, expires_at=expires)
    return IssuedToken(key=key, expires_at=expires)


@transaction.atomic
def person_create(*, actor: User | None, username: str, name: str, password: str | None = None,
                  phone: str | None = None, **fields) -> User:
    user = User(username=username, name=name, phone=phone or None, **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if actor is not None:
        audit_record(actor=actor, action=AuditAction.ADMIN_CHANGE, target_type="user", target_id=user.pk,
                     detail={"change": "created"})
        record_event(actor=actor, verb="created", object_kind="user", object_key=user.pk)
    return user


@transaction.atomic
def role_grant(*, actor: User | None, user: User, kind: str, node: OrgNode, subject: str = "",
               child: User | None = None, relation: str = "") -> Role:
    role, created = Role.objects.get_or_create(user=user, kind=kind, node=node, subject=subject, child=child,
                                               defaults={"relation": relation})
    if created:
        generation_bump(SCOPE)
    if created and actor is not None:
        audit_record(actor=actor, action=AuditAction.ADMIN_CHANGE, target_type="role", target_id=role.pk,
                     school=node.school(), detail={"change": "granted", "kind": kind})
        record_event(actor=actor, verb="created", object_kind="user", object_key=user.pk,
                     extensions={"https://zhijiao.example.org/xapi/extensions/role": kind})
    return role


@transaction.atomic
def role_revoke(*, actor: User, role: Role) -> None:
    audit_record(actor=actor, action=AuditAction.ADMIN_CHANGE, target_type="role", target_id=role.pk,
                 school=role.node.school(), detail={"change": "revoked", "kind": role.kind})
    record_event(actor=actor, verb="deleted", object_kind="user", object_key=role.user_id)
    role.delete()
    generation_bump(SCOPE)


STUDENT_ROLE = RoleKind.STUDENT


# --- management: schools, campuses, grades, classes, accounts and roles (admins' pages and API) ------

class ManageError(ValueError):
    """A refused management change, with a message fit to show and the form field it is about."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def _admin_change(*, actor: User, change: str, target_type: str, target_id, school: OrgNode | None, verb: str,
                  object_kind: str, object_key, detail: dict | None = None) -> None:
    """The audit entry and the event-trail statement every management change writes (ids only)."""
    audit_record(actor=actor, action=AuditAction.ADMIN_CHANGE, target_type=target_type, target_id=target_id,
                 school=school, detail={"change": change, **(detail or {})})
    record_event(actor=actor, verb=verb, object_kind=object_kind, object_key=object_key, school=school,
                 actor_role=scope_of(actor).primary_role or "",
                 extensions={"https://zhijiao.example.org/xapi/extensions/change": change})


def _clean_name(name: str, *, field: str = "name", max_length: int = 100) -> str:
    name = (name or "").strip()
    if not name:
        raise ManageError(_("请填写名称。"), field=field)
    if len(name) > max_length:
        raise ManageError(_("名称不能超过 %(n)s 个字。") % {"n": max_length}, field=field)
    return name


def _check_unique(*, parent: OrgNode, kind: str, name: str, exclude: OrgNode | None = None,
                  field: str = "name") -> None:
    qs = OrgNode.objects.filter(parent=parent, kind=kind, name=name)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    if qs.exists():
        raise ManageError(_("“%(parent)s”下已有同名的“%(name)s”。") % {"parent": parent.name, "name": name},
                          field=field)


def _check_school_attrs(*, school_type: str, ownership: str, code: str) -> None:
    from zhijiao.core.models import Ownership, SchoolType

    if school_type not in SchoolType.values:
        raise ManageError(_("请选择学校类型。"), field="school_type")
    if ownership not in Ownership.values:
        raise ManageError(_("请选择办学性质。"), field="ownership")
    if len(code) > 40:
        raise ManageError(_("代码不能超过 40 个字符。"), field="code")


@transaction.atomic
def school_create(*, actor: User, district: OrgNode, name: str, school_type: str, ownership: str,
                  code: str = "", with_grades: bool = True) -> OrgNode:
    """A new school in a district, with the grades its type teaches (一年级… for 小学) when asked."""
    from zhijiao.core.actions import node_create
    from zhijiao.core.models import GRADE_NAMES, SCHOOL_TYPE_GRADES, NodeKind, SchoolType

    name = _clean_name(name)
    code = (code or "").strip()
    _check_school_attrs(school_type=school_type, ownership=ownership, code=code)
    _check_unique(parent=district, kind=NodeKind.SCHOOL, name=name)
    if code and OrgNode.objects.filter(kind=NodeKind.SCHOOL, code=code).exists():
        raise ManageError(_("学校代码 %(code)s 已被其他学校使用。") % {"code": code}, field="code")
    school = node_create(kind=NodeKind.SCHOOL, name=name, parent=district, code=code, school_type=school_type,
                         ownership=ownership)
    if with_grades:
        for level in SCHOOL_TYPE_GRADES[SchoolType(school_type)]:
            node_create(kind=NodeKind.GRADE, name=GRADE_NAMES[level], parent=school, grade_level=level)
    _admin_change(actor=actor, change="school_created", target_type="org_node", target_id=school.pk, school=school,
                  verb="created", object_kind="org-node", object_key=school.pk)
    return school


@transaction.atomic
def school_update(*, actor: User, school: OrgNode, name: str, school_type: str, ownership: str,
                  code: str = "") -> OrgNode:
    from zhijiao.core.actions import node_update
    from zhijiao.core.models import NodeKind

    name = _clean_name(name)
    code = (code or "").strip()
    _check_school_attrs(school_type=school_type, ownership=ownership, code=code)
    _check_unique(parent=school.parent, kind=NodeKind.SCHOOL, name=name, exclude=school)
    if code and OrgNode.objects.filter(kind=NodeKind.SCHOOL, code=code).exclude(pk=school.pk).exists():
        raise ManageError(_("学校代码 %(code)s 已被其他学校使用。") % {"code": code}, field="code")
    node_update(node=school, name=name, code=code, school_type=school_type, ownership=ownership)
    _admin_change(actor=actor, change="school_updated", target_type="org_node", target_id=school.pk, school=school,
                  verb="updated", object_kind="org-node", object_key=school.pk)
    return school


@transaction.atomic
def campus_create(*, actor: User, school: OrgNode, name: str) -> OrgNode:
    from zhijiao.core.actions import node_create
    from zhijiao.core.models import NodeKind

    name = _clean_name(name)
    _check_unique(parent=school, kind=NodeKind.CAMPUS, name=name)
    campus = node_create(kind=NodeKind.CAMPUS, name=name, parent=school)
    _admin_change(actor=actor, change="campus_created", target_type="org_node", target_id=campus.pk, school=school,
                  verb="created", object_kind="org-node", object_key=campus.pk)
    return campus


@transaction.atomic
def grade_create(*, actor: User, school: OrgNode, grade_level: int) -> OrgNode:
    from zhijiao.core.actions import node_create
    from zhijiao.core.models import GRADE_NAMES, NodeKind

    if grade_level not in GRADE_NAMES:
        raise ManageError(_("请选择年级（一年级至高三）。"), field="grade_level")
    name = GRADE_NAMES[grade_level]
    if OrgNode.objects.filter(parent=school, kind=NodeKind.GRADE, grade_level=grade_level).exists():
        raise ManageError(_("本校已有“%(name)s”。") % {"name": name}, field="grade_level")
    _check_unique(parent=school, kind=NodeKind.GRADE, name=name, field="grade_level")
    grade = node_create(kind=NodeKind.GRADE, name=name, parent=school, grade_level=grade_level)
    _admin_change(actor=actor, change="grade_created", target_type="org_node", target_id=grade.pk, school=school,
                  verb="created", object_kind="org-node", object_key=grade.pk)
    return grade


@transaction.atomic
def class_create(*, actor: User, grade: OrgNode, name: str, code: str = "", campus: OrgNode | None = None) -> OrgNode:
    """A new class under a grade (e.g. 一年级 → 一年级(5)班), optionally at one campus of the school."""
    from zhijiao.core.actions import node_create
    from zhijiao.core.models import NodeKind

    if grade.kind != NodeKind.GRADE:
        raise ManageError(_("班级只能建在年级下。"), field="grade_id")
    if not grade.is_active:
        raise ManageError(_("该年级已停用，不能新建班级。"), field="grade_id")
    name = _clean_name(name)
    code = (code or "").strip()
    if len(code) > 40:
        raise ManageError(_("代码不能超过 40 个字符。"), field="code")
    if campus is not None and (campus.kind != NodeKind.CAMPUS or campus.parent_id != grade.parent_id):
        raise ManageError(_("校点不属于本校。"), field="campus_id")
    _check_unique(parent=grade, kind=NodeKind.CLASS, name=name)
    klass = node_create(kind=NodeKind.CLASS, name=name, parent=grade, code=code, grade_level=grade.grade_level,
                        campus=campus)
    school = grade.school()
    _admin_change(actor=actor, change="class_created", target_type="org_node", target_id=klass.pk, school=school,
                  verb="created", object_kind="org-node", object_key=klass.pk)
    return klass


@transaction.atomic
def node_rename(*, actor: User, node: OrgNode, name: str) -> OrgNode:
    from zhijiao.core.actions import node_update

    name = _clean_name(name)
    if name == node.name:
        return node
    if node.parent is not None:
        _check_unique(parent=node.parent, kind=node.kind, name=name, exclude=node)
    node_update(node=node, name=name)
    _admin_change(actor=actor, change="renamed", target_type="org_node", target_id=node.pk, school=node.school(),
                  verb="updated", object_kind="org-node", object_key=node.pk, detail={"kind": node.kind})
    return node


@transaction.atomic
def node_deactivate(*, actor: User, node: OrgNode) -> OrgNode:
    """Stop using a class or grade (e.g. after graduation). Its people and records stay; nothing is deleted."""
    from zhijiao.core.actions import node_update

    if node.is_active:
        node_update(node=node, is_active=False)
        _admin_change(actor=actor, change="deactivated", target_type="org_node", target_id=node.pk,
                      school=node.school(), verb="updated", object_kind="org-node", object_key=node.pk,
                      detail={"kind": node.kind})
    return node


@transaction.atomic
def node_reactivate(*, actor: User, node: OrgNode) -> OrgNode:
    from zhijiao.core.actions import node_update

    if not node.is_active:
        node_update(node=node, is_active=True)
        _admin_change(actor=actor, change="reactivated", target_type="org_node", target_id=node.pk,
                      school=node.school(), verb="updated", object_kind="org-node", object_key=node.pk,
                      detail={"kind": node.kind})
    return node


@transaction.atomic
def account_deactivate(*, actor: User, person: User) -> User:
    """Stop an account: it can no longer log in, its sessions end and its API tokens stop working."""
    if person.pk == actor.pk:
        raise ManageError(_("不能停用自己的账号。"))
    if person.is_active:
        person.is_active = False
        person.save(update_fields=["is_active"])
        ApiToken.objects.filter(user=person).delete()
        _admin_change(actor=actor, change="account_deactivated", target_type="user", target_id=person.pk,
                      school=_primary_school(person), verb="updated", object_kind="user", object_key=person.pk)
    return person


@transaction.atomic
def account_reactivate(*, actor: User, person: User) -> User:
    if not person.is_active:
        person.is_active = True
        person.save(update_fields=["is_active"])
        _admin_change(actor=actor, change="account_reactivated", target_type="user", target_id=person.pk,
                      school=_primary_school(person), verb="updated", object_kind="user", object_key=person.pk)
    return person


# Which roles an admin may grant or revoke on the people pages, and at which node kind. Student roles
# come from the roster import; admin roles only from a district admin.
GRANTABLE_BY_SCHOOL_ADMIN = {RoleKind.TEACHER: "school", RoleKind.HEAD_TEACHER: "class",
                             RoleKind.SUBJECT_TEACHER: "class", RoleKind.PARENT: "class"}
GRANTABLE_BY_DISTRICT_ADMIN = {**GRANTABLE_BY_SCHOOL_ADMIN, RoleKind.SCHOOL_ADMIN: "school", RoleKind.CIO: "school"}


def grantable_kinds(actor: User) -> dict[str, str]:
    return GRANTABLE_BY_DISTRICT_ADMIN if scope_of(actor).has(RoleKind.DISTRICT_ADMIN) else GRANTABLE_BY_SCHOOL_ADMIN


@transaction.atomic
def role_grant_by_admin(*, actor: User, person: User, kind: str, node: OrgNode, subject: str = "",
                        child: User | None = None, relation: str = "") -> Role:
    """Grant a role within the admin's scope: 班主任 / 任课教师 of a class, 教师 of a school, or a parent link."""
    from zhijiao.core.models import NodeKind

    scope = scope_of(actor)
    allowed = grantable_kinds(actor)
    if kind not in allowed:
        raise ManageError(_("您不能授予这个角色。"), field="kind")
    if not scope.can_admin_node(node):
        raise ManageError(_("该班级或学校不在您的管理范围内。"), field="node_id")
    subject = (subject or "").strip()
    if kind == RoleKind.PARENT:
        if child is None:
            raise ManageError(_("请填写孩子的学籍号。"), field="student_number")
        if child.pk == person.pk:
            raise ManageError(_("不能把学生本人设为自己的家长。"), field="student_number")
        klass = Role.objects.filter(user=child, kind=RoleKind.STUDENT).select_related("node").first()
        if klass is None or not scope.can_admin_node(klass.node):
            raise ManageError(_("在您的管理范围内找不到这个学籍号的学生。"), field="student_number")
        node = klass.node
        if Role.objects.filter(user=person, kind=RoleKind.PARENT, child=child).exists():
            raise ManageError(_("已是该学生的家长。"), field="student_number")
        relation = (relation or "").strip()[:10]
    else:
        child, relation = None, ""
        wanted = allowed[kind]
        if node.kind != wanted:
            raise ManageError(_("请选择一个班级。") if wanted == NodeKind.CLASS else _("请选择一所学校。"),
                              field="node_id")
        if node.kind == NodeKind.CLASS and not node.is_active:
            raise ManageError(_("该班级已停用。"), field="node_id")
        if kind in (RoleKind.HEAD_TEACHER, RoleKind.SUBJECT_TEACHER):
            school = node.school()
            if not Role.objects.filter(user=person, kind=RoleKind.TEACHER, node=school).exists():
                raise ManageError(_("该账号还不是本校教师，请先授予“教师”角色。"), field="kind")
        if kind == RoleKind.SUBJECT_TEACHER:
            if not subject:
                raise ManageError(_("请填写任教学科。"), field="subject")
            if len(subject) > 20:
                raise ManageError(_("学科名称不能超过 20 个字。"), field="subject")
        else:
            subject = ""
        if Role.objects.filter(user=person, kind=kind, node=node, subject=subject, child__isnull=True).exists():
            raise ManageError(_("该账号已有这个角色。"), field="kind")
    return role_grant(actor=actor, user=person, kind=kind, node=node, subject=subject, child=child,
                      relation=relation)


@transaction.atomic
def role_revoke_by_admin(*, actor: User, role: Role) -> None:
    """Revoke a role the admin could have granted (never a student's class, never a peer's admin role)."""
    scope = scope_of(actor)
    if role.kind not in grantable_kinds(actor):
        raise ManageError(_("这个角色不能在这里撤销（学生的班级请通过花名册导入调整）。"))
    if not scope.can_admin_node(role.node) or (role.kind in (RoleKind.SCHOOL_ADMIN, RoleKind.CIO)
                                               and role.node.path in scope.admin_paths):
        raise ManageError(_("该角色不在您的管理范围内。"))
    if role.user_id == actor.pk and role.kind in (RoleKind.SCHOOL_ADMIN, RoleKind.CIO):
        raise ManageError(_("不能撤销自己的管理员角色。"))
    role_revoke(actor=actor, role=role)
