"""The question bank (题库): questions of six types, and papers (试卷) assembled from them.

Answers are stored as JSON in one shape per type (see `questions.grading`):

- single: "B"                         - multiple: ["A", "C"]
- truefalse: true / false             - fill: [["3", "三"], ["60"]]  (one list of accepted answers per blank)
- short / essay: reference answer text (graded by a teacher)
- composite: none; the stem is the passage (figure, experiment) and the answers are the parts' (see below)

A composite question (复合题: reading comprehension, cloze, experiment) is a `Question` whose `parts` are
ordered sub-questions (`parent`, `part_order`), each an ordinary question of one of the other types with its
own answer, score (`part_score`) and knowledge points. A paper holds the composite; homework answers, grades,
mastery and the wrong-question notebook work per part. Parts are never listed in the bank on their own.
"""

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from zhijiao.catalog.models import Chapter, KnowledgePoint, Subject
from zhijiao.core.models import OrgNode
from zhijiao.core.richtext import render_rich
from zhijiao.questions.figures import with_figures


class QuestionType(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUEFALSE = "truefalse", _("判断题")
    FILL = "fill", _("填空题")
    SHORT = "short", _("简答题")
    ESSAY = "essay", _("作文/论述题")
    COMPOSITE = "composite", _("复合题")


OBJECTIVE_TYPES = {QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUEFALSE, QuestionType.FILL}
CHOICE_TYPES = {QuestionType.SINGLE, QuestionType.MULTIPLE}


class Share(models.TextChoices):
    MINE = "mine", _("仅自己")
    SCHOOL = "school", _("本校共享")
    DISTRICT = "district", _("全区共享")


def rendered_parts(qtype: str, stem: str, options, analysis: str, answer) -> dict:
    """A question's texts as HTML with MathML formulas and tables: what `Question.rendered` holds."""
    return {
        "stem": render_rich(stem),
        "options": [render_rich(str(o.get("text", ""))) for o in options or [] if isinstance(o, dict)],
        "analysis": render_rich(analysis or ""),
        "fill": ([[render_rich(str(a)) for a in blank] for blank in answer or [] if isinstance(blank, list)]
                 if qtype == QuestionType.FILL and isinstance(answer, list) else []),
    }


class Question(models.Model):
    qtype = models.CharField(_("题型"), max_length=12, choices=QuestionType.choices, db_index=True)
    stem = models.TextField(_("题干"), help_text=_("公式写在 $...$ 或 $$...$$ 中"))
    options = models.JSONField(_("选项"), default=list, blank=True)  # [{"key": "A", "text": "..."}]
    answer = models.JSONField(_("答案"), default=None, null=True, blank=True)
    analysis = models.TextField(_("解析"), blank=True)
    stem_image = models.FileField(_("题干图片"), upload_to="questions/%Y/%m/", blank=True)
    analysis_image = models.FileField(_("解析图片"), upload_to="questions/%Y/%m/", blank=True)
    difficulty = models.PositiveSmallIntegerField(_("难度"), default=3, db_index=True)  # 1 easy … 5 hard
    subject = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("学科"))
    chapters = models.ManyToManyField(Chapter, related_name="questions", blank=True, verbose_name=_("章节"))
    knowledge_points = models.ManyToManyField(KnowledgePoint, related_name="questions", blank=True,
                                              verbose_name=_("知识点"))
    source = models.CharField(_("来源"), max_length=120, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="questions",
                              verbose_name=_("创建人"))
    school = models.ForeignKey(OrgNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    share = models.CharField(_("共享范围"), max_length=10, choices=Share.choices, default=Share.MINE, db_index=True)
    # Normalised stem + options, hashed: the same question typed twice collides here.
    fingerprint = models.CharField(max_length=40, db_index=True, editable=False)
    # The texts as HTML with their formulas as MathML, made on save (see `render`): pages show these and
    # never send a formula renderer to the browser.
    rendered = models.JSONField(default=dict, editable=False)
    # A part (小题) of a composite question: its parent, its place, and its score within the composite.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="parts",
                               verbose_name=_("所属复合题"))
    part_order = models.PositiveSmallIntegerField(default=0)
    part_score = models.DecimalField(_("小题分值"), max_digits=5, decimal_places=1, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("试题")
        verbose_name_plural = _("试题")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.stem[:40]

    def save(self, *args, **kwargs):
        # Every save renders again, so no path (form, import, API, admin) can show formulas that differ from
        # the source; bulk_create callers call render() themselves.
        self.render()
        if kwargs.get("update_fields") is not None and "rendered" not in kwargs["update_fields"]:
            kwargs["update_fields"] = [*kwargs["update_fields"], "rendered"]
        super().save(*args, **kwargs)

    def render(self) -> None:
        """Fill `rendered` from stem, options, analysis and fill-in answers."""
        self.rendered = rendered_parts(self.qtype, self.stem, self.options, self.analysis, self.answer)
        self.rendered = with_figures(self, self.rendered)

    def _shown(self, part: str, source: str) -> SafeString:
        html = (self.rendered or {}).get(part)
        return mark_safe(html) if isinstance(html, str) else escape(source)

    @property
    def stem_html(self) -> SafeString:
        return self._shown("stem", self.stem)

    @property
    def analysis_html(self) -> SafeString:
        return self._shown("analysis", self.analysis)

    @property
    def options_html(self) -> list[dict]:
        """[{"key": "A", "html": ...}] in the options' order."""
        shown = (self.rendered or {}).get("options") or []
        return [{"key": o.get("key", ""),
                 "html": mark_safe(shown[i]) if i < len(shown) else escape(str(o.get("text", "")))}
                for i, o in enumerate(self.options or [])]

    @property
    def fill_answers_html(self) -> list[list[SafeString]]:
        """Accepted answers per blank, as HTML."""
        shown = (self.rendered or {}).get("fill")
        if shown and len(shown) == len(self.answer or []):
            return [[mark_safe(a) for a in blank] for blank in shown]
        return [[escape(str(a)) for a in blank] for blank in self.answer or []]

    @property
    def is_objective(self) -> bool:
        return self.qtype in OBJECTIVE_TYPES

    @property
    def blank_count(self) -> int:
        return len(self.answer or []) if self.qtype == QuestionType.FILL else 0

    @property
    def is_composite(self) -> bool:
        return self.qtype == QuestionType.COMPOSITE

    def part_list(self) -> list["Question"]:
        """The parts in order (from a prefetch of `parts` when there is one)."""
        return sorted(self.parts.all(), key=lambda p: (p.part_order, p.pk))

    def answerables(self) -> list["Question"]:
        """What a student answers for this question: its parts when composite, else the question itself."""
        return self.part_list() if self.is_composite else [self]


def part_max_scores(question: Question, item_score) -> list[tuple[Question, Decimal]]:
    """(part, points) for each answerable part of a paper item worth `item_score`: the parts' own scores when
    they add up to the item's score, else the item's score shared in their proportion (to 0.1, largest
    remainder), so the points always add up to the item's score. A plain question: itself, whole."""
    total = Decimal(str(item_score))
    if not question.is_composite:
        return [(question, total)]
    parts = question.part_list()
    if not parts:
        return []
    weights = [p.part_score if p.part_score and p.part_score > 0 else Decimal(1) for p in parts]
    if sum(weights) == total:
        return list(zip(parts, weights, strict=True))
    tenth = Decimal("0.1")
    exact = [total * w / sum(weights) for w in weights]
    shares = [e.quantize(tenth, rounding=ROUND_DOWN) for e in exact]
    left = int(((total - sum(shares)) / tenth).to_integral_value(rounding=ROUND_HALF_UP))
    for i in sorted(range(len(parts)), key=lambda i: (shares[i] - exact[i], i))[:max(left, 0)]:
        shares[i] += tenth
    return list(zip(parts, shares, strict=True))


class Paper(models.Model):
    """A paper (试卷) or practice set: an ordered list of questions with scores."""

    title = models.CharField(_("名称"), max_length=120)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="papers")
    subject = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rules = models.JSONField(default=dict, blank=True)  # how it was drawn, when drawn by rules
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("试卷")
        verbose_name_plural = _("试卷")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def total_score(self) -> float:
        return float(sum(i.score for i in self.items.all()))


class PaperItem(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="paper_items")
    order = models.PositiveSmallIntegerField(default=0)
    score = models.DecimalField(max_digits=5, decimal_places=1, default=5)

    class Meta:
        ordering = ["paper", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["paper", "question"], name="paper_question_once")]

    def __str__(self) -> str:
        return f"{self.paper_id}/{self.question_id}"


class QuestionImage(models.Model):
    """A picture inside a question's text (a figure from a Word paper or a package): the text holds
    `[[img:<digest>]]` where it stands, in the stem, an option or the analysis, and the saved HTML an <img> with
    its display size. Only PNG, JPEG and GIF, checked by content, at most `figures.MAX_FIGURE_BYTES` and
    `figures.MAX_FIGURE_PIXELS` (see `questions.figures`)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to="questions/figures/%Y/%m/")
    digest = models.CharField(max_length=12)  # the text's [[img:<digest>]]: SHA-256 of the bytes, 12 hex digits
    width = models.PositiveIntegerField()  # as shown, in CSS pixels (never wider than figures.MAX_SHOWN_WIDTH)
    height = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("试题插图")
        verbose_name_plural = _("试题插图")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["question", "digest"], name="question_image_once")]

    def __str__(self) -> str:
        return f"{self.question_id}/{self.pk}"

    @property
    def only_in_analysis(self) -> bool:
        """Not in the stem or an option as the question reads now: students get it when they may see the
        analysis, as with analysis_image."""
        from zhijiao.questions.figures import shown_with_question

        return not shown_with_question(self.question, self.digest)
