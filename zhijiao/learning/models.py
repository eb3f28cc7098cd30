"""Learning status (学情): mastery per student and knowledge point, model parameters fitted from the platform's
own answers, the wrong-question notebook (错题本) and online Q&A (线上答疑). Notifications go to the one inbox,
`core.Notification`."""

from django.conf import settings
from django.db import models
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from zhijiao.catalog.models import KnowledgePoint
from zhijiao.core.formulas import render_formulas
from zhijiao.core.models import OrgNode
from zhijiao.questions.models import Question


class Mastery(models.Model):
    """The knowledge-tracing model's current estimate for one student and knowledge point."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mastery")
    knowledge_point = models.ForeignKey(KnowledgePoint, on_delete=models.CASCADE, related_name="+")
    p_mastery = models.FloatField(_("掌握度"), default=0.0)
    state = models.JSONField(default=dict, blank=True)  # model state (e.g. PFA success/failure counts)
    attempts = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("知识点掌握度")
        verbose_name_plural = _("知识点掌握度")
        constraints = [models.UniqueConstraint(fields=["student", "knowledge_point"], name="mastery_once")]
        indexes = [models.Index(fields=["knowledge_point", "p_mastery"])]

    def __str__(self) -> str:
        return f"{self.student_id}/{self.knowledge_point_id}: {self.p_mastery:.2f}"


class ModelParams(models.Model):
    """Fitted parameters of the mastery model: one row per knowledge point, plus a default row (kp null)."""

    model = models.CharField(max_length=20)
    knowledge_point = models.ForeignKey(KnowledgePoint, null=True, blank=True, on_delete=models.CASCADE,
                                        related_name="+")
    params = models.JSONField(default=dict)
    n_answers = models.PositiveIntegerField(default=0)
    fitted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "knowledge_point"], name="params_once")]

    def __str__(self) -> str:
        return f"{self.model}/{self.knowledge_point_id}"


class WrongItem(models.Model):
    """错题本: a question a student got wrong, until they get it right on re-practice."""

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wrong_items")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    last_response = models.JSONField(null=True, blank=True)
    times_wrong = models.PositiveIntegerField(default=1)
    times_practised = models.PositiveIntegerField(default=0)
    resolved = models.BooleanField(default=False, db_index=True)
    first_wrong_at = models.DateTimeField(auto_now_add=True)
    last_wrong_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("错题")
        verbose_name_plural = _("错题本")
        ordering = ["resolved", "-last_wrong_at"]
        constraints = [models.UniqueConstraint(fields=["student", "question"], name="wrong_once")]

    def __str__(self) -> str:
        return f"{self.student_id}/{self.question_id}"


class AboutKind(models.TextChoices):
    NONE = "", _("一般问题")
    RESOURCE = "resource", _("资源")
    QUESTION = "question", _("试题")
    ASSIGNMENT = "assignment", _("作业")


class Thread(models.Model):
    """A student's question in 线上答疑, about a resource, a question or an assignment."""

    asker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qa_threads")
    klass = models.ForeignKey(OrgNode, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(_("学科"), max_length=20, blank=True)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("问题描述"))
    body_html = models.TextField(editable=False, blank=True)  # the body with formulas as MathML, made on save
    image = models.FileField(upload_to="qa/%Y/%m/", blank=True)
    about_kind = models.CharField(max_length=12, choices=AboutKind.choices, blank=True)
    about_id = models.PositiveIntegerField(null=True, blank=True)
    resolved = models.BooleanField(_("已解决"), default=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("答疑")
        verbose_name_plural = _("答疑")
        ordering = ["resolved", "-created_at"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_formulas(self.body)
        super().save(*args, **kwargs)

    @property
    def shown_body(self) -> SafeString:
        return mark_safe(self.body_html) if self.body_html else escape(self.body)


class Reply(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("回答"))
    body_html = models.TextField(editable=False, blank=True)  # the body with formulas as MathML, made on save
    image = models.FileField(upload_to="qa/%Y/%m/", blank=True)
    is_teacher = models.BooleanField(default=False)
    published_resource_id = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.thread_id}/{self.pk}"

    def save(self, *args, **kwargs):
        self.body_html = render_formulas(self.body)
        super().save(*args, **kwargs)

    @property
    def shown_body(self) -> SafeString:
        return mark_safe(self.body_html) if self.body_html else escape(self.body)
