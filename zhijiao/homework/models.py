"""Smart homework (智慧作业): assignments to classes, groups or students, layered tiers, submissions, answers.

Assigning creates one `Submission` per student up front (status 未开始), so "who has not submitted" and
"what may this student see" are plain row lookups, and every later step updates that row.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import OrgNode
from zhijiao.questions.models import Paper, Question


class StudentGroup(models.Model):
    """A teacher's group of students in one class (学习小组 / 分层组), reused across assignments."""

    klass = models.ForeignKey(OrgNode, on_delete=models.CASCADE, related_name="+", verbose_name=_("班级"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("组名"), max_length=40)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("学生分组")
        verbose_name_plural = _("学生分组")
        constraints = [models.UniqueConstraint(fields=["klass", "owner", "name"], name="group_name_once")]

    def __str__(self) -> str:
        return self.name


class AssignmentKind(models.TextChoices):
    PRE = "pre", _("课前导学")
    IN = "in", _("课堂练习")
    AFTER = "after", _("课后作业")
    PRACTICE = "practice", _("针对性练习")


class Assignment(models.Model):
    title = models.CharField(_("标题"), max_length=120)
    teacher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    subject = models.CharField(_("学科"), max_length=20, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=AssignmentKind.choices, default=AssignmentKind.AFTER)
    instructions = models.TextField(_("要求"), blank=True)
    open_at = models.DateTimeField(_("开放时间"))
    due_at = models.DateTimeField(_("截止时间"), db_index=True)
    # Late rule: after due_at a submission is accepted and marked 迟交 (allow_late), or refused.
    allow_late = models.BooleanField(_("允许迟交"), default=True)
    late_penalty = models.PositiveSmallIntegerField(_("迟交扣分（%）"), default=0)
    layered = models.BooleanField(_("分层作业"), default=False)
    classes = models.ManyToManyField(OrgNode, related_name="+", verbose_name=_("班级"))
    school = models.ForeignKey(OrgNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("作业")
        verbose_name_plural = _("作业")
        ordering = ["-due_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Tier(models.Model):
    """One tier (层) of an assignment: A/B/C, each with its own paper. A plain assignment has one tier."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="tiers")
    label = models.CharField(_("层级"), max_length=10, blank=True)
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["assignment", "label"]
        constraints = [models.UniqueConstraint(fields=["assignment", "label"], name="tier_label_once")]

    def __str__(self) -> str:
        return self.label or "—"


class SubmissionStatus(models.TextChoices):
    ASSIGNED = "assigned", _("未开始")
    DRAFT = "draft", _("作答中")
    SUBMITTED = "submitted", _("待批改")
    GRADED = "graded", _("已批改")
    RETURNED = "returned", _("退回订正")


class Submission(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    klass = models.ForeignKey(OrgNode, on_delete=models.CASCADE, related_name="+")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField(_("状态"), max_length=10, choices=SubmissionStatus.choices,
                              default=SubmissionStatus.ASSIGNED, db_index=True)
    attempt = models.PositiveSmallIntegerField(default=0)  # 1 on first submit, +1 on each resubmission
    submitted_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(_("迟交"), default=False)
    score = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    max_score = models.DecimalField(max_digits=6, decimal_places=1, default=0)
    comment = models.TextField(_("评语"), blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("作业提交")
        verbose_name_plural = _("作业提交")
        constraints = [models.UniqueConstraint(fields=["assignment", "student"], name="submission_once")]
        indexes = [models.Index(fields=["student", "status"]), models.Index(fields=["klass", "assignment"])]

    def __str__(self) -> str:
        return f"{self.assignment_id}/{self.student_id}"


class Answer(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    response = models.JSONField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    max_score = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    correct = models.BooleanField(null=True)
    auto = models.BooleanField(default=False)  # graded by the machine
    comment = models.TextField(blank=True)
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "question"], name="answer_once")]
        indexes = [models.Index(fields=["question", "correct"])]

    def __str__(self) -> str:
        return f"{self.submission_id}/{self.question_id}"
