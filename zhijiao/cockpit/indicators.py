"""The 17 indicators of the deep-application index (深度应用指数), with the bureau's defaults.

Each indicator says which statements it counts (verbs, activity types, actor role groups), whose they
are (`actor`: the teacher's own actions; `class`: actions of students in the classes the teacher
teaches), how it measures (`count` of statements, `days` with at least one, `flag` = any at all), the
per-teacher threshold for deep use (per 30 days; scaled to the period, see `threshold_for`) and its
weight. The bureau edits them on the 指标配置 page (`IndicatorConfig` rows override these defaults by
code). Formulas: docs/cockpit.md.
"""

import math
from dataclasses import dataclass, replace

from django.utils.translation import gettext_lazy as _

from zhijiao.records.vocabulary import ACTIVITY_TYPES, VERBS, ZJ

DIMENSIONS = [
    ("space", _("空间建设")),
    ("guidance", _("教学指导")),
    ("interaction", _("师生互动")),
    ("research", _("教师研修")),
    ("management", _("校园管理")),
]
DIMENSION_LABELS = dict(DIMENSIONS)

ATTRIBUTIONS = [("actor", _("教师本人的操作")), ("class", _("所教班级学生的操作"))]
MEASURES = [("count", _("次数")), ("days", _("活跃天数")), ("flag", _("是否开通（有即达标）"))]

# Role groups the rollups keep (statement.actor_role is a RoleKind; empty when the caller gave none).
ROLE_GROUPS = {
    "teacher": ("teacher", "head_teacher", "subject_teacher", "school_admin", "cio"),
    "student": ("student",),
    "parent": ("parent",),
    "district": ("district_admin", "supervisor"),
}
ROLE_GROUP_LABELS = {"teacher": _("教师"), "student": _("学生"), "parent": _("家长"), "district": _("区县"),
                     "other": _("其他")}
# Groups whose per-person rollup keeps verb and activity type (the teacher index needs them).
DETAILED_GROUPS = ("teacher", "other")

PERIOD_DAYS_OF_THRESHOLD = 30
VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    dimension: str
    verbs: tuple[str, ...]  # short names from records.vocabulary (or full IRIs); empty = every verb
    object_types: tuple[str, ...] = ()  # activity kinds (or IRIs); empty = every type
    roles: tuple[str, ...] = ()  # role groups of the acting person; empty = any
    attribution: str = "actor"
    measure: str = "count"
    threshold: float = 1.0  # per teacher per 30 days
    weight: float = 5.0
    enabled: bool = True

    def verb_iris(self) -> list[str]:
        return [VERBS.get(v, v) for v in self.verbs]

    def type_iris(self) -> list[str]:
        return [type_iri(t) for t in self.object_types]

    def threshold_for(self, days: int) -> float:
        """The deep-use threshold over a period of `days` days (flags are not scaled)."""
        if self.measure == "flag":
            return 1.0
        if self.measure == "days":
            return max(1.0, min(float(days), math.ceil(self.threshold * days / PERIOD_DAYS_OF_THRESHOLD)))
        return max(1.0, math.ceil(self.threshold * days / PERIOD_DAYS_OF_THRESHOLD))

    def with_(self, **kw) -> "Indicator":
        return replace(self, **kw)


def type_iri(kind: str) -> str:
    """Activity kind → IRI: the platform vocabulary, else the platform's own namespace (notice, training …)."""
    if "://" in kind:
        return kind
    return ACTIVITY_TYPES.get(kind, f"{ZJ}activities/{kind}")


DEFAULTS: list[Indicator] = [
    # 空间建设
    Indicator("S1", "个人空间开通率", "space", ("logged-in",), measure="flag", threshold=1, weight=5),
    Indicator("S2", "资源上传数", "space", ("created",), ("resource",), threshold=2, weight=8),
    Indicator("S3", "资源被使用数", "space", ("viewed", "downloaded", "favourited"), ("resource",), ("student",),
              attribution="class", threshold=10, weight=5),
    Indicator("S4", "资源检索", "space", ("searched",), threshold=4, weight=5),
    # 教学指导
    Indicator("G1", "布置作业次数", "guidance", ("assigned",), ("homework",), threshold=4, weight=8),
    Indicator("G2", "批改作业次数", "guidance", ("graded",), ("homework", "assessment"), threshold=20, weight=8),
    Indicator("G3", "课前导学", "guidance", ("shared", "assigned"), ("resource", "question"), threshold=2, weight=5),
    Indicator("G4", "学情查看", "guidance", ("viewed",), ("learning-report", "assessment"), threshold=4, weight=6),
    # 师生互动
    Indicator("I1", "答疑回复数", "interaction", ("responded",), threshold=5, weight=7),
    Indicator("I2", "学生提交数", "interaction", ("submitted", "answered"), ("homework", "question", "assessment"),
              ("student",), attribution="class", threshold=30, weight=6),
    Indicator("I3", "资源评论", "interaction", ("commented", "rated"), ("resource",), threshold=3, weight=5),
    # 教师研修
    Indicator("R1", "教研发帖", "research", ("posted", "commented"), ("research-post",), threshold=2, weight=6),
    Indicator("R2", "听评课", "research", ("completed", "rated", "commented"), ("observation",), threshold=1,
              weight=6),
    Indicator("R3", "研修学时", "research", ("completed",), ("training",), threshold=2, weight=6),
    # 校园管理
    Indicator("M1", "通知发布", "management", ("posted", "created"), ("notice",), threshold=1, weight=4),
    Indicator("M2", "家校沟通", "management", ("posted", "responded"), ("message",), threshold=4, weight=5),
    Indicator("M3", "登录活跃", "management", (), measure="days", threshold=8, weight=5),
]
DEFAULT_BY_CODE = {i.code: i for i in DEFAULTS}

# Index settings the bureau may change (IndexSettings row overrides).
DEFAULT_DEEP_SCORE = 60.0  # a teacher with a weighted score ≥ this uses the platform deeply
DEFAULT_WARNING_SHARE = 30.0  # schools whose share of deep-using teachers is below this are warned
