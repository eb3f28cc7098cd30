"""The only writers of accounts, roles, tokens and the audit log."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.accounts.models import ApiToken, AuditAction, AuditLog, Role, RoleKind, User
from zhijiao.accounts.selectors import find_login_user, scope_of
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
    def __init__(self, message: str, *, locked: bool = False):
        super().__init__(message)
        self.message = message
        self.locked = locked


def _primary_school(user: User) -> OrgNode | None:
    scope = scope_of(user)
    ids = sorted(scope.school_ids)
    return OrgNode.objects.filter(pk=ids[0]).first() if ids else None


def login_attempt(*, identifier: str, password: str, ip: str | None = None) -> User:
    """Check a login by account name or phone; count failures and lock after too many.

    Raises LoginError with a message fit to show; returns the user on success. The failure count and
    the audit entry commit before the error is raised (a rollback would undo the lockout).
    """
    with transaction.atomic():
        outcome = _login_check(identifier=identifier, password=password, ip=ip)
    if isinstance(outcome, LoginError):
        raise outcome
    return outcome


def _login_check(*, identifier: str, password: str, ip: str | None) -> "User | LoginError":
    user = find_login_user(identifier)
    if user is None or not user.is_active:
        # Same work and same message as a wrong password, so accounts cannot be enumerated.
        User().set_password(password or "x")
        audit_record(actor=None, action=AuditAction.LOGIN_FAILED, ip=ip,
                     detail={"identifier": mask_identifier(identifier), "reason": "unknown"})
        record_event(actor=None, verb="login-failed", object_kind="platform", object_key="web")
        return LoginError(_("账号或密码不正确。"))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_locked:
        minutes = max(1, int((user.locked_until - timezone.now()).total_seconds() // 60) + 1)
        audit_record(actor=user, action=AuditAction.LOGIN_FAILED, target_type="user", target_id=user.pk, ip=ip,
                     detail={"reason": "locked"})
        return LoginError(_("密码错误次数过多，账号已锁定，请 %(m)s 分钟后再试，或联系学校管理员重置密码。") % {"m": minutes},
                         locked=True)
    if not user.check_password(password):
        user.failed_login_count = F("failed_login_count") + 1
        user.save(update_fields=["failed_login_count"])
        user.refresh_from_db(fields=["failed_login_count"])
        school = _primary_school(user)
        audit_record(actor=user, action=AuditAction.LOGIN_FAILED, target_type="user", target_id=user.pk, ip=ip,
                     school=school, detail={"reason": "password", "count": user.failed_login_count})
        record_event(actor=user, verb="login-failed", object_kind="platform", object_key="web", school=school)
        left = settings.ZHIJIAO_LOCKOUT_FAILURES - user.failed_login_count
        if left <= 0:
            user.locked_until = timezone.now() + timedelta(minutes=settings.ZHIJIAO_LOCKOUT_MINUTES)
            user.failed_login_count = 0
            user.save(update_fields=["locked_until", "failed_login_count"])
            audit_record(actor=user, action=AuditAction.LOCKED, target_type="user", target_id=user.pk, ip=ip,
                         school=school)
            return LoginError(_("密码错误次数过多，账号已锁定 %(m)s 分钟。如忘记密码，请联系学校管理员重置。")
                             % {"m": settings.ZHIJIAO_LOCKOUT_MINUTES}, locked=True)
        return LoginError(_("账号或密码不正确，还可尝试 %(n)s 次。") % {"n": left})
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login = timezone.now()
    user.save(update_fields=["failed_login_count", "locked_until", "last_login"])
    school = _primary_school(user)
    role = scope_of(user).primary_role or ""
    audit_record(actor=user, action=AuditAction.LOGIN_OK, target_type="user", target_id=user.pk, ip=ip,
                 school=school)
    record_event(actor=user, verb="logged-in", object_kind="platform", object_key="web", school=school,
                 actor_role=role)
    return user


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


def token_user(key: str) -> User | None:
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=ApiToken.hash_key(key), expires_at__gt=timezone.now()).first())
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


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


STUDENT_ROLE = RoleKind.STUDENT
