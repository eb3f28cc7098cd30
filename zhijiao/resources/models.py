"""The resource library (资源中心): items, their files, review (凡进必审), use and points.

Counters on Resource are only ever changed by single UPDATE statements with F() expressions in
`actions.py`, so concurrent views, downloads and ratings lose no update.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhijiao.catalog.models import Chapter, Edition, KnowledgePoint, Section, Stage, Subject
from zhijiao.core.models import OrgNode


class ResourceType(models.TextChoices):
    VIDEO = "video", _("视频课")
    MICRO = "micro", _("微课")
    COURSEWARE = "courseware", _("课件")
    LESSON_PLAN = "lesson_plan", _("教案")
    STUDY_PLAN = "study_plan", _("学案")
    TASK_SHEET = "task_sheet", _("学习任务单")
    EXERCISE = "exercise", _("练习")
    TEXTBOOK = "textbook", _("电子教材")
    DOCUMENT = "document", _("文档")
    AUDIO = "audio", _("音频")
    IMAGE = "image", _("图片")
    LINK = "link", _("外部链接")


# 微课 are at most five minutes long.
MICRO_MAX_SECONDS = 300


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    DISTRICT = "district", _("区级")
    SCHOOL = "school", _("校级")


class Sharing(models.TextChoices):
    """Who may see an approved item."""

    SCHOOL = "school", _("仅本校")
    DISTRICT = "district", _("全区")
    PUBLIC = "public", _("公开")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING_SCHOOL = "pending_school", _("待学校审核")
    PENDING_DISTRICT = "pending_district", _("待区级审核")
    CHANGES_REQUESTED = "changes_requested", _("需修改")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


PENDING_STATUSES = (Status.PENDING_SCHOOL, Status.PENDING_DISTRICT)
EDITABLE_STATUSES = (Status.DRAFT, Status.CHANGES_REQUESTED, Status.WITHDRAWN, Status.REJECTED)


class Licence(models.TextChoices):
    ALL_RIGHTS = "all-rights-reserved", _("版权所有")
    CC_BY = "CC-BY-4.0", "CC BY 4.0"
    CC_BY_SA = "CC-BY-SA-4.0", "CC BY-SA 4.0"
    CC_BY_NC = "CC-BY-NC-4.0", "CC BY-NC 4.0"
    CC_BY_NC_SA = "CC-BY-NC-SA-4.0", "CC BY-NC-SA 4.0"
    CC_BY_NC_ND = "CC-BY-NC-ND-4.0", "CC BY-NC-ND 4.0"
    CC0 = "CC0-1.0", _("公共领域 CC0")


_TYPE_LABELS = dict(ResourceType.choices)
_LEVEL_LABELS = dict(Level.choices)
_STATUS_LABELS = dict(Status.choices)


class Resource(models.Model):
    type = models.CharField(_("类型"), max_length=16, choices=ResourceType.choices, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("简介"), blank=True)
    authors = models.CharField(_("作者"), max_length=200, blank=True, help_text=_("多位作者用逗号分隔"))
    contributor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="contributed_resources", verbose_name=_("上传者"))
    school = models.ForeignKey(OrgNode, null=True, blank=True, on_delete=models.PROTECT, related_name="resources",
                               verbose_name=_("所属学校"))
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices, default=Level.SCHOOL)
    sharing = models.CharField(_("共享范围"), max_length=10, choices=Sharing.choices, default=Sharing.DISTRICT)
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.PROTECT, related_name="resources",
                                verbose_name=_("板块"))
    chapters = models.ManyToManyField(Chapter, blank=True, related_name="resources", verbose_name=_("章节"))
    knowledge_points = models.ManyToManyField(KnowledgePoint, blank=True, related_name="resources",
                                              verbose_name=_("知识点"))
    # Facets derived from the first chapter's book (kept on the row so filters need no join).
    stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("学段"))
    subject = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("学科"))
    edition = models.ForeignKey(Edition, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("版本"))
    grade_level = models.PositiveSmallIntegerField(_("年级"), null=True, blank=True)
    volume = models.CharField(_("册"), max_length=20, blank=True)
    duration_seconds = models.PositiveIntegerField(_("时长（秒）"), null=True, blank=True)
    licence = models.CharField(_("许可"), max_length=24, choices=Licence.choices, default=Licence.ALL_RIGHTS)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    external_url = models.URLField(_("外部链接"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    # Counters: changed only by single UPDATE ... SET x = x + 1 statements.
    view_count = models.PositiveIntegerField(_("浏览"), default=0)
    download_count = models.PositiveIntegerField(_("下载"), default=0)
    favourite_count = models.PositiveIntegerField(_("收藏"), default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(_("评分人数"), default=0)
    comment_count = models.PositiveIntegerField(_("评论"), default=0)

    class Meta:
        verbose_name = _("资源")
        verbose_name_plural = _("资源")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "level", "-published_at"], name="res_status_level"),
            # newest published first: walked in order, so a page stops after its rows
            models.Index(fields=["status", "-published_at", "-id"], name="res_status_published"),
            models.Index(fields=["status", "school"], name="res_status_school"),
            models.Index(fields=["contributor", "status"], name="res_contributor"),
            models.Index(fields=["subject", "grade_level"], name="res_subject_grade"),
        ]

    def __str__(self) -> str:
        return self.title

    # Label look-ups by dict: get_FOO_display() re-hashes every lazy choice label on each call, which
    # costs about a millisecond per call on a page of cards.
    @property
    def type_label(self):
        return _TYPE_LABELS.get(self.type, self.type)

    @property
    def level_label(self):
        return _LEVEL_LABELS.get(self.level, self.level)

    @property
    def status_label(self):
        return _STATUS_LABELS.get(self.status, self.status)

    @property
    def rating_average(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 1) if self.rating_count else None

    @property
    def is_playable(self) -> bool:
        return self.type in (ResourceType.VIDEO, ResourceType.MICRO, ResourceType.AUDIO)

    @property
    def is_approved(self) -> bool:
        return self.status == Status.APPROVED


def resource_upload_to(instance: "ResourceFile", filename: str) -> str:
    # Stored under a content hash, never under the uploader's file name (which may carry names).
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"resources/{instance.sha256[:2]}/{instance.sha256}.{ext[:8]}"


class ResourceFile(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("文件"), upload_to=resource_upload_to, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=200)
    mime_type = models.CharField(_("类型"), max_length=120)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64, db_index=True)
    is_primary = models.BooleanField(_("主文件"), default=True)
    # A PDF with scripts or launch/submit actions (resources.pdf_actions): served only as a download,
    # never opened in the page under the platform's origin.
    has_scripts = models.BooleanField(_("含脚本"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("资源文件")
        verbose_name_plural = _("资源文件")
        ordering = ["-is_primary", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_video(self) -> bool:
        return self.mime_type.startswith("video/")

    @property
    def is_audio(self) -> bool:
        return self.mime_type.startswith("audio/")

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")

    @property
    def is_pdf(self) -> bool:
        return self.mime_type == "application/pdf"

    @property
    def opens_inline(self) -> bool:
        """Shown in the page (player, image, PDF viewer) rather than only offered as a download."""
        return (self.is_video or self.is_audio or self.is_image or self.is_pdf) and not self.has_scripts


class Decision(models.TextChoices):
    SUBMITTED = "submitted", _("提交审核")
    APPROVED = "approved", _("通过")
    REJECTED = "rejected", _("不通过")
    CHANGES_REQUESTED = "changes_requested", _("退回修改")
    WITHDRAWN = "withdrawn", _("撤回")


class Review(models.Model):
    """One step of an item's review history (凡进必审)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(_("结论"), max_length=20, choices=Decision.choices)
    stage = models.CharField(_("审核环节"), max_length=10, choices=Level.choices, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("审核人"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} #{self.resource_id}"


class Favourite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resource_favourites")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("收藏")
        verbose_name_plural = _("收藏")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "resource"], name="favourite_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} ★ {self.resource_id}"


class Rating(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resource_ratings")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="ratings")
    score = models.PositiveSmallIntegerField(_("评分"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [
            models.UniqueConstraint(fields=["user", "resource"], name="rating_unique"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.score} ★ #{self.resource_id}"


class CommentStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    VISIBLE = "visible", _("已显示")
    HIDDEN = "hidden", _("已隐藏")


class Comment(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resource_comments")
    body = models.TextField(_("内容"), max_length=1000)
    status = models.CharField(_("状态"), max_length=10, choices=CommentStatus.choices, default=CommentStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("评论")
        verbose_name_plural = _("评论")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["resource", "status"], name="comment_res_status")]

    def __str__(self) -> str:
        return self.body[:30]


class ViewHistory(models.Model):
    """One row per person and item: when they last opened it and how often."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resource_history")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="history")
    first_viewed_at = models.DateTimeField(default=timezone.now)
    last_viewed_at = models.DateTimeField(default=timezone.now, db_index=True)
    times = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("浏览记录")
        verbose_name_plural = _("浏览记录")
        ordering = ["-last_viewed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "resource"], name="history_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.resource_id}"


class PointsEvent(models.TextChoices):
    APPROVED = "approved", _("资源通过审核")
    VIEWED = "viewed", _("资源被浏览")
    DOWNLOADED = "downloaded", _("资源被下载")
    FAVOURITED = "favourited", _("资源被收藏")
    RATED = "rated", _("资源被评分")
    ADJUSTED = "adjusted", _("人工调整")


class PointsRule(models.Model):
    """How many points a contributor earns for an event on their item, with a per-day cap (0 = no cap)."""

    event = models.CharField(_("事件"), max_length=16, choices=PointsEvent.choices, unique=True)
    points = models.IntegerField(_("积分"))
    daily_cap = models.PositiveIntegerField(_("每日上限"), default=0, help_text=_("每人每天因此事件最多获得的积分，0 为不限"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        ordering = ["event"]

    def __str__(self) -> str:
        return f"{self.get_event_display()} +{self.points}"


class PointsAccount(models.Model):
    """A contributor's balance; changed only together with a ledger entry, by a single UPDATE."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_account")
    balance = models.IntegerField(_("积分余额"), default=0)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.balance}"


class PointsLedger(models.Model):
    """Append-only: one row per grant (or adjustment); never updated or deleted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_ledger")
    event = models.CharField(_("事件"), max_length=16, choices=PointsEvent.choices)
    points = models.IntegerField(_("积分"))
    balance_after = models.IntegerField(_("余额"))
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Who caused it (the viewer, the rater, the reviewer): an id only.
    source_user_id = models.PositiveBigIntegerField(null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("积分明细")
        verbose_name_plural = _("积分明细")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "event", "at"], name="ledger_user_event_at")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.points:+d}"


class SubscriptionKind(models.TextChoices):
    CHAPTER = "chapter", _("章节")
    SUBJECT_GRADE = "subject_grade", _("学科年级")
    AUTHOR = "author", _("作者")
    QUERY = "query", _("搜索条件")


class Subscription(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resource_subscriptions")
    kind = models.CharField(_("订阅类型"), max_length=16, choices=SubscriptionKind.choices)
    chapter = models.ForeignKey(Chapter, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    grade_level = models.PositiveSmallIntegerField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    query = models.CharField(_("搜索词"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("订阅")
        verbose_name_plural = _("订阅")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
