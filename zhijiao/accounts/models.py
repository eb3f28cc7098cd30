"""People and what they may do: one account per person, roles held at org nodes, the audit log."""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import OrgNode


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "", _("未填")


class User(AbstractUser):
    """One account per person. `username` is the account name (账号); login also accepts `phone`."""

    name = models.CharField(_("姓名"), max_length=50, blank=True, db_index=True)
    phone = models.CharField(_("手机号"), max_length=11, unique=True, null=True, blank=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    # 全国学籍号 for students: unique in the country, so unique here.
    student_number = models.CharField(_("学籍号"), max_length=32, unique=True, null=True, blank=True)
    staff_number = models.CharField(_("工号"), max_length=32, blank=True)
    # ID card numbers are never stored in clear: a keyed hash to match re-imports, and the last 4 to show.
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_tail = models.CharField(_("证件号后四位"), max_length=4, blank=True, editable=False)
    must_change_password = models.BooleanField(_("首次登录须改密码"), default=True)
    # No longer counted: failed logins are counted per client, IP and identifier in LoginThrottle.
    failed_login_count = models.PositiveSmallIntegerField(default=0, editable=False)
    # For the admins' pages only: until when strangers' logins to this account are refused (the
    # account-wide bound of accounts/throttle.py); the account's usual browsers still log in.
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username

    @property
    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())

    @staticmethod
    def hash_id_number(id_number: str) -> str:
        key = settings.SECRET_KEY.encode()
        return hashlib.blake2b(id_number.strip().upper().encode(), key=key[:64], digest_size=32).hexdigest()


class RoleKind(models.TextChoices):
    STUDENT = "student", _("学生")
    TEACHER = "teacher", _("教师")
    HEAD_TEACHER = "head_teacher", _("班主任")
    SUBJECT_TEACHER = "subject_teacher", _("任课教师")
    PARENT = "parent", _("家长")
    SCHOOL_ADMIN = "school_admin", _("学校管理员")
    CIO = "cio", _("首席信息官")
    DISTRICT_ADMIN = "district_admin", _("区县管理员")
    SUPERVISOR = "supervisor", _("督学")


# Which node kind each role is held at.
ROLE_NODE_KIND = {
    RoleKind.STUDENT: "class",
    RoleKind.TEACHER: "school",
    RoleKind.HEAD_TEACHER: "class",
    RoleKind.SUBJECT_TEACHER: "class",
    RoleKind.PARENT: "class",
    RoleKind.SCHOOL_ADMIN: "school",
    RoleKind.CIO: "school",
    RoleKind.DISTRICT_ADMIN: "district",
    RoleKind.SUPERVISOR: "district",
}


class Role(models.Model):
    """A role held at an org node: head teacher of 三年级(2)班, 数学 teacher of 三年级(3)班, parent of a child."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("角色"), max_length=24, choices=RoleKind.choices)
    node = models.ForeignKey(OrgNode, on_delete=models.CASCADE, related_name="roles")
    subject = models.CharField(_("学科"), max_length=20, blank=True)
    # For a parent: the child this role is about (the node is the child's class).
    child = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="parent_roles"
    )
    relation = models.CharField(_("关系"), max_length=10, blank=True, help_text=_("父亲、母亲、祖父母…"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "node", "subject"], condition=models.Q(child__isnull=True),
                                    name="role_unique"),
            models.UniqueConstraint(fields=["user", "node", "child"], condition=models.Q(child__isnull=False),
                                    name="role_unique_per_child"),
        ]
        indexes = [models.Index(fields=["kind", "node"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}@{self.node}"


class AuditAction(models.TextChoices):
    LOGIN_OK = "login_ok", _("登录成功")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKED = "locked", _("账号锁定")
    LOGOUT = "logout", _("退出")
    PASSWORD_CHANGED = "password_changed", _("修改密码")
    PASSWORD_RESET = "password_reset", _("重置密码")
    ADMIN_CHANGE = "admin_change", _("管理变更")
    IMPORT = "import", _("导入")
    SENSITIVE_READ = "sensitive_read", _("查看敏感信息")


class AuditLog(models.Model):
    """Who did what to whom. Holds ids and masked identifiers, never names, phone numbers or ID numbers."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(max_length=24, choices=AuditAction.choices, db_index=True)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    school = models.ForeignKey(OrgNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class LoginThrottle(models.Model):
    """Failed logins counted in one scope (accounts/throttle.py, docs/permissions.md "Login").

    `key` is a keyed hash of the scope and what it counts (the identifier as typed and the client, an IP
    address, or the identifier alone); `ident` a keyed hash of the identifier alone, so an admin's reset
    clears every row about an account name or phone. No identifier or address is stored in clear.
    """

    key = models.CharField(max_length=64, unique=True)
    ident = models.CharField(max_length=64, blank=True, db_index=True)
    scope = models.CharField(max_length=8)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField(db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]} {self.failures}"


class ApiToken(models.Model):
    """A bearer token for API clients. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.user_id})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
