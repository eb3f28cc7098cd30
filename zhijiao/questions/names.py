"""The names people use for question types, subjects and stages, and what each is read as.

An import reads "选择题", "生物" or "道法" as the type or catalog subject people mean, and its dry run says so
("学科“生物”按 生物学 导入"), so nothing is mapped silently. The tables are data: add a name here when
teachers use one that is missing. A name that could mean two things is not listed (信息: 信息科技 or
信息技术?) and stays an error that names the choices.
"""

from __future__ import annotations

from django.db.models import Q

from zhijiao.catalog.models import Stage, Subject
from zhijiao.questions.models import QuestionType

# "choice": a 选择题 whose answer decides single (one letter) or multiple (several).
CHOICE = "choice"

TYPE_NAMES: dict[str, str] = {
    "single": QuestionType.SINGLE, "单选": QuestionType.SINGLE, "单选题": QuestionType.SINGLE,
    "单项选择": QuestionType.SINGLE, "单项选择题": QuestionType.SINGLE, "single_choice": QuestionType.SINGLE,
    "multiple": QuestionType.MULTIPLE, "多选": QuestionType.MULTIPLE, "多选题": QuestionType.MULTIPLE,
    "多项选择": QuestionType.MULTIPLE, "多项选择题": QuestionType.MULTIPLE, "不定项选择题": QuestionType.MULTIPLE,
    "multiple_choice": QuestionType.MULTIPLE,
    "选择": CHOICE, "选择题": CHOICE, "choice": CHOICE,
    "truefalse": QuestionType.TRUEFALSE, "判断": QuestionType.TRUEFALSE, "判断题": QuestionType.TRUEFALSE,
    "是非题": QuestionType.TRUEFALSE, "对错题": QuestionType.TRUEFALSE, "true_false": QuestionType.TRUEFALSE,
    "fill": QuestionType.FILL, "填空": QuestionType.FILL, "填空题": QuestionType.FILL, "blank": QuestionType.FILL,
    "short": QuestionType.SHORT, "简答": QuestionType.SHORT, "简答题": QuestionType.SHORT,
    "解答": QuestionType.SHORT, "解答题": QuestionType.SHORT, "计算题": QuestionType.SHORT,
    "问答题": QuestionType.SHORT,
    "essay": QuestionType.ESSAY, "作文": QuestionType.ESSAY, "作文题": QuestionType.ESSAY,
    "论述": QuestionType.ESSAY, "论述题": QuestionType.ESSAY, "作文/论述题": QuestionType.ESSAY,
    "写作": QuestionType.ESSAY, "写作题": QuestionType.ESSAY,
    "composite": QuestionType.COMPOSITE, "复合": QuestionType.COMPOSITE, "复合题": QuestionType.COMPOSITE,
    "阅读理解": QuestionType.COMPOSITE, "完形填空": QuestionType.COMPOSITE, "实验题": QuestionType.COMPOSITE,
}

# Common names and abbreviations → the catalog subject's name (as in catalog/data/taxonomy.json).
# 政治 is the senior-high 思想政治; the junior-high course is 道德与法治 (道法).
SUBJECT_NAMES: dict[str, str] = {
    "语": "语文", "chinese": "语文",
    "数": "数学", "math": "数学", "maths": "数学", "mathematics": "数学",
    "英": "英语", "english": "英语",
    "物": "物理", "物理学": "物理", "physics": "物理",
    "化": "化学", "chemistry": "化学",
    "生": "生物学", "生物": "生物学", "biology": "生物学",
    "史": "历史", "history": "历史",
    "地": "地理", "geography": "地理",
    "政": "思想政治", "政治": "思想政治", "思政": "思想政治", "思想政治课": "思想政治", "politics": "思想政治",
    "道法": "道德与法治", "品德": "道德与法治", "品德与社会": "道德与法治", "品德与生活": "道德与法治",
    "体育": "体育与健康", "pe": "体育与健康",
    "劳技": "劳动", "劳动教育": "劳动",
    "综合实践": "综合实践活动",
    "music": "音乐", "art": "美术",
}

STAGE_NAMES: dict[str, str] = {"小学": "小学", "初中": "初中", "高中": "高中", "中考": "初中", "高考": "高中"}


def type_of(raw: str) -> str | None:
    """A QuestionType value, CHOICE, or None for a name not known."""
    s = (raw or "").strip()
    return TYPE_NAMES.get(s) or TYPE_NAMES.get(s.lower())


def subject_of(raw: str) -> tuple[Subject | None, str | None]:
    """(the subject, the name it was mapped through when not the catalog's own code or name)."""
    s = (raw or "").strip()
    if not s:
        return None, None
    found = Subject.objects.filter(Q(code=s) | Q(name=s)).order_by("order", "pk").first()
    if found is not None:
        return found, None
    name = SUBJECT_NAMES.get(s) or SUBJECT_NAMES.get(s.lower())
    if name is None and s.endswith("科"):  # 数学科, 物理科
        return subject_of(s[:-1])
    if name is None:
        return None, None
    found = Subject.objects.filter(name=name).order_by("order", "pk").first()
    return found, (found.name if found else None)


def stage_of(raw: str) -> Stage | None:
    s = (raw or "").strip()
    if not s:
        return None
    found = Stage.objects.filter(Q(code=s) | Q(name=s)).order_by("order", "pk").first()
    if found is None and s in STAGE_NAMES:
        found = Stage.objects.filter(name=STAGE_NAMES[s]).order_by("order", "pk").first()
    return found
