"""The teaching taxonomy (教材目录), organised like the national smart education platform:

section (板块) · stage (学段) · subject (学科) · edition (版本) → book (grade + volume, 册) →
chapter tree (章 → 节 → 课时) · knowledge points (知识点) linked to chapters.

A chapter node is identified by its path inside its book, never by its bare label: 第一单元 recurs
in every book.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Section(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("板块")
        verbose_name_plural = _("板块")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    # Grade levels this stage spans, e.g. 小学 1–6, 初中 7–9; 五四学制 小学 1–5, 初中 6–9.
    first_grade = models.PositiveSmallIntegerField(_("起始年级"))
    last_grade = models.PositiveSmallIntegerField(_("结束年级"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("学段")
        verbose_name_plural = _("学段")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    stages = models.ManyToManyField(Stage, related_name="subjects", blank=True, verbose_name=_("学段"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("学科")
        verbose_name_plural = _("学科")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class Edition(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, help_text=_("人教版、统编版、北师大版…"))
    publisher = models.CharField(_("出版社"), max_length=80, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("教材版本")
        verbose_name_plural = _("教材版本")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


GRADE_LABELS = {
    1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
    7: "七年级", 8: "八年级", 9: "九年级", 10: "高一", 11: "高二", 12: "高三",
}
# Chapter.path: one zero-padded step per level ("0003.0002."), so string order is tree order.
CHAPTER_PATH_STEP = 4


class Volume(models.TextChoices):
    """A book's volume (册). Compulsory-education books: 上/下/全 after a grade (三年级上册).

    Senior-high books (2017 curriculum, 2020 revision) are named by their module instead, with no grade:
    each family below is one naming style of the published books, and its values sort in reading order
    (必修第一册 < 必修第二册; 选择性必修上册 < 中册 < 下册), so ordering by (grade_level, volume) is
    book order. Convention: grade_level 10 for 必修, 11 for 选择性必修 (see docs/catalog.md).
    """

    FIRST = "上", _("上册")
    SECOND = "下", _("下册")
    WHOLE = "全", _("全一册")
    # 必修第一册…第三册 (人教A版数学, 人教版物理/化学/英语)
    BX1C = "bx1c", _("必修第一册")
    BX2C = "bx2c", _("必修第二册")
    BX3C = "bx3c", _("必修第三册")
    # 必修1…4 (人教版生物学, 统编思想政治)
    BX1 = "bx1", _("必修1")
    BX2 = "bx2", _("必修2")
    BX3 = "bx3", _("必修3")
    BX4 = "bx4", _("必修4")
    # 必修上册/下册 (统编语文)
    BXS1 = "bxs1", _("必修上册")
    BXS2 = "bxs2", _("必修下册")
    # 选择性必修第一册…第四册
    XB1C = "xb1c", _("选择性必修第一册")
    XB2C = "xb2c", _("选择性必修第二册")
    XB3C = "xb3c", _("选择性必修第三册")
    XB4C = "xb4c", _("选择性必修第四册")
    # 选择性必修1…3
    XB1 = "xb1", _("选择性必修1")
    XB2 = "xb2", _("选择性必修2")
    XB3 = "xb3", _("选择性必修3")
    # 选择性必修上/中/下册 (统编语文)
    XBS1 = "xbs1", _("选择性必修上册")
    XBS2 = "xbs2", _("选择性必修中册")
    XBS3 = "xbs3", _("选择性必修下册")
    # named volumes (统编历史 必修)
    GY1 = "gy1", _("中外历史纲要（上）")
    GY2 = "gy2", _("中外历史纲要（下）")


GRADE_VOLUMES = frozenset({Volume.FIRST, Volume.SECOND, Volume.WHOLE})


class Book(models.Model):
    """One textbook: a stage's subject in one edition, for one grade and volume (人教版 数学 三年级上册)."""

    code = models.SlugField(_("代码"), max_length=80, unique=True)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="books", verbose_name=_("学段"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="books", verbose_name=_("学科"))
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="books", verbose_name=_("版本"))
    grade_level = models.PositiveSmallIntegerField(_("年级"))
    volume = models.CharField(_("册"), max_length=20, choices=Volume.choices)
    name = models.CharField(_("书名"), max_length=100)
    # 版次: several revisions of the same book coexist (schools change over grade by grade and resources
    # tagged on the old one stay). "" is the edition shipped before revisions were recorded.
    revision = models.CharField(_("版次"), max_length=20, blank=True, default="",
                                help_text=_("如“2024年版”；空白表示未注明版次的旧版"))
    in_use_from = models.PositiveSmallIntegerField(_("起用年份"), null=True, blank=True,
                                                   help_text=_("开始使用的年份（一年级下册 2024年版：2025），如 2024"))

    class Meta:
        verbose_name = _("教材（册）")
        verbose_name_plural = _("教材（册）")
        ordering = ["stage__order", "subject__order", "edition__order", "grade_level", "volume", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "subject", "edition", "grade_level", "volume", "revision"],
                                    name="book_unique_revision"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def volume_label(self) -> str:
        """The book among its edition's books, e.g. 三年级上册 (for choosing once stage/subject/edition are set),
        with the revision when there is one: 一年级下册（2024年版）.

        A senior-high module has no grade in its name: its volume, and the title that follows the
        volume in the book's name if any (必修1 分子与细胞, 选择性必修1 化学反应原理).
        """
        display = str(self.get_volume_display())
        if self.volume in GRADE_VOLUMES:
            label = f"{GRADE_LABELS.get(self.grade_level, self.grade_level)}{display}"
        else:
            head, sep, title = self.name.partition(display)
            label = f"{display} {title.strip()}" if sep and title.strip() else display
        return f"{label}（{self.revision}）" if self.revision else label


class ChapterKind(models.TextChoices):
    UNIT = "unit", _("章/单元")
    SECTION = "section", _("节")
    LESSON = "lesson", _("课时")


class Chapter(models.Model):
    """A node of a book's chapter tree. `path` is its place in the book ("0003.0002."), `key` its identity."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="chapters", verbose_name=_("教材"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    kind = models.CharField(_("层级"), max_length=10, choices=ChapterKind.choices)
    title = models.CharField(_("标题"), max_length=120)
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    path = models.CharField(max_length=120, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    # "<book code>/<path>": stable across re-imports, unique in the district.
    key = models.CharField(max_length=220, unique=True, editable=False)
    # Titles from the book down to this node, joined by " / ", for display and search.
    title_path = models.CharField(max_length=500, editable=False, blank=True)

    class Meta:
        verbose_name = _("章节")
        verbose_name_plural = _("章节")
        ordering = ["book", "path"]
        constraints = [models.UniqueConstraint(fields=["book", "path"], name="chapter_unique_path")]

    def __str__(self) -> str:
        return self.title_path or self.title


class ChapterLink(models.Model):
    """Two chapters of different revisions of a book that teach the same lesson (旧版《植树的牧羊人》 has no
    partner; 旧版《猫》 ↔ 2024年版《猫》). What is tagged on `old` is found from `new`, and the page says so."""

    old = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="newer_links", verbose_name=_("旧版章节"))
    new = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="older_links", verbose_name=_("新版章节"))

    class Meta:
        verbose_name = _("同课章节对应")
        verbose_name_plural = _("同课章节对应")
        constraints = [models.UniqueConstraint(fields=["old", "new"], name="chapter_link_unique")]

    def __str__(self) -> str:
        return f"{self.old} → {self.new}"


class GradeEdition(models.Model):
    """Which edition and revision a grade uses for a subject: the district's choice (node = the district)
    or a school's own (node = the school), which counts only where the district's row allows it (or the
    district has made no choice for that grade and subject)."""

    node = models.ForeignKey("core.OrgNode", on_delete=models.CASCADE, related_name="grade_editions",
                             verbose_name=_("区县或学校"))
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+", verbose_name=_("学段"))
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="+", verbose_name=_("学科"))
    grade_level = models.PositiveSmallIntegerField(_("年级"))
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+", verbose_name=_("版本"))
    revision = models.CharField(_("版次"), max_length=20, blank=True, default="")
    schools_may_choose = models.BooleanField(_("允许学校自选"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("年级用书")
        verbose_name_plural = _("年级用书")
        constraints = [models.UniqueConstraint(fields=["node", "stage", "subject", "grade_level"],
                                               name="grade_edition_unique")]

    def __str__(self) -> str:
        return f"{self.node} {self.subject} {self.grade_level} → {self.edition} {self.revision}"


class KnowledgePoint(models.Model):
    """A knowledge point of a subject in a stage (小学数学 · 两位数乘两位数), a tree of its own."""

    code = models.CharField(_("代码"), max_length=80, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="knowledge_points")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="knowledge_points")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    chapters = models.ManyToManyField(Chapter, related_name="knowledge_points", blank=True, verbose_name=_("章节"))

    class Meta:
        verbose_name = _("知识点")
        verbose_name_plural = _("知识点")
        ordering = ["stage", "subject", "code"]

    def __str__(self) -> str:
        return self.name
