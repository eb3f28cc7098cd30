"""The shared kernel's data: the district's org tree and the one per-user notification inbox.

Org tree: region → district → school → (campus) → grade → class. Each node stores a materialised `path`
("000001.000004.000019.") so that "everything under this node" is one indexed prefix query
(`path__startswith`), on SQLite and PostgreSQL alike.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PATH_STEP = 6  # digits per level: up to 999,999 siblings under one parent


def child_path(parent_path: str, n: int) -> str:
    """The path of the n-th child (1-based) under `parent_path` ('' for a root)."""
    return f"{parent_path}{n:0{PATH_STEP}d}."


class NodeKind(models.TextChoices):
    REGION = "region", _("地区")
    DISTRICT = "district", _("区县")
    SCHOOL = "school", _("学校")
    CAMPUS = "campus", _("校点")
    GRADE = "grade", _("年级")
    CLASS = "class", _("班级")


class SchoolType(models.TextChoices):
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    NINE_YEAR = "nine_year", _("九年一贯制")
    COMPLETE_SECONDARY = "complete_secondary", _("完全中学")
    TWELVE_YEAR = "twelve_year", _("十二年一贯制")


# Grade levels 1–12 each school type teaches (小学 1–6, 初中 7–9, 高中 10–12).
SCHOOL_TYPE_GRADES = {
    SchoolType.PRIMARY: range(1, 7),
    SchoolType.JUNIOR: range(7, 10),
    SchoolType.SENIOR: range(10, 13),
    SchoolType.NINE_YEAR: range(1, 10),
    SchoolType.COMPLETE_SECONDARY: range(7, 13),
    SchoolType.TWELVE_YEAR: range(1, 13),
}

GRADE_NAMES = {
    1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
    7: "七年级", 8: "八年级", 9: "九年级", 10: "高一", 11: "高二", 12: "高三",
}


class Ownership(models.TextChoices):
    PUBLIC = "public", _("公办")
    PRIVATE = "private", _("民办")


class OrgNode(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=NodeKind.choices, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("代码"), max_length=40, blank=True, help_text=_("学校标识码、班级编号等"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    # School attributes (kind = school).
    school_type = models.CharField(_("学校类型"), max_length=24, choices=SchoolType.choices, blank=True)
    ownership = models.CharField(_("办学性质"), max_length=16, choices=Ownership.choices, blank=True)
    # Grade and class attributes: 1–12 for 一年级…高三; a class may sit at one campus of its school.
    grade_level = models.PositiveSmallIntegerField(_("年级"), null=True, blank=True)
    campus = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="campus_classes",
        limit_choices_to={"kind": NodeKind.CAMPUS},
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("组织节点")
        verbose_name_plural = _("组织架构")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "kind", "name"], name="org_unique_name_under_parent"),
        ]
        # updated_at: the newest change of the tree is read from the index (the cockpit's figures stamp)
        indexes = [models.Index(fields=["kind", "path"]), models.Index(fields=["updated_at"], name="core_org_updated")]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_paths(self) -> list[str]:
        """Paths of this node and every ancestor, root first."""
        return [self.path[: i * (PATH_STEP + 1)] for i in range(1, self.depth + 2)]

    def school(self) -> "OrgNode | None":
        """The school this node belongs to (itself if it is one)."""
        if self.kind == NodeKind.SCHOOL:
            return self
        if self.depth < 2:
            return None
        return OrgNode.objects.filter(path__in=self.ancestor_paths, kind=NodeKind.SCHOOL).first()

    @property
    def full_name(self) -> str:
        """A class's name with its school, e.g. 'XX小学 三年级(2)班'."""
        return self.name


class Notification(models.Model):
    """One message in a user's inbox (消息通知), whichever app sent it: review results, hidden comments,
    Q&A questions and answers, homework sent back. What it is about is only a link (`url`), so the kernel
    holds no foreign key into a domain app."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=40, blank=True)  # e.g. review_approved, qa_answered, homework_returned
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="core_notif_user_read"),
                   models.Index(fields=["user", "-created_at"], name="core_notif_user_new")]

    def __str__(self) -> str:
        return self.title
