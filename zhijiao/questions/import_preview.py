"""The import's dry run (试导入): what each row of a file would become, read only, nothing stored.

For every row: its label ("一、选择题 第 3 题", "第 5 行"), the type and difficulty it was read as, its stem,
options and analysis as the bank will show them (formulas as MathML, pictures inline as data: URIs), the
answer, the field errors that would refuse the import, and the notes of parts that were not read as they
stood (from the Word reader). The checks are those of `actions.questions_import`, which a real import runs
again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from zhijiao.core.formulas import render_formulas
from zhijiao.questions.actions import clean_question
from zhijiao.questions.figures import PREVIEW_INLINE_BYTES, figure_errors, preview_rendered
from zhijiao.questions.grading import fingerprint
from zhijiao.questions.models import QuestionType, rendered_parts
from zhijiao.questions.selectors import duplicates_of

LINKED_PICTURE = re.compile(r"!\[[^\]\n]*\]\([^)\s]+\)|<img\b", re.I)


@dataclass
class PreviewItem:
    number: int
    label: str
    qtype: str = ""
    difficulty: int | None = None
    stem: SafeString = mark_safe("")
    options: list[tuple[str, SafeString]] = field(default_factory=list)
    answer: SafeString = mark_safe("")
    analysis: SafeString = mark_safe("")
    knowledge_points: list[str] = field(default_factory=list)
    subject: str = ""
    images: int = 0
    fields: dict = field(default_factory=dict)  # what would be stored: qtype, stem, options, answer, analysis…
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def default_subject(rows: list[tuple[int, dict]], subject: str) -> None:
    """The file's subject (code or name, as the 学科 column takes it) for every row that names none: a Word
    paper never does, and a question without a subject is drawn by no subject's paper rules."""
    subject = (subject or "").strip()
    if subject:
        for _n, row in rows:
            if isinstance(row, dict) and not row.get("_bad") and not str(row.get("subject") or "").strip():
                row["subject"] = subject


def _answer_html(qtype: str, answer) -> SafeString:
    if qtype == QuestionType.MULTIPLE:
        return render_formulas("".join(answer or []))
    if qtype == QuestionType.TRUEFALSE:
        return render_formulas(_("对") if answer else _("错"))
    if qtype == QuestionType.FILL:
        return render_formulas("；".join(" | ".join(b) for b in answer or []))
    return render_formulas(str(answer or ""))


def preview_rows(*, owner, rows: list[tuple[int, dict]]) -> tuple[list[PreviewItem], list[str]]:
    """(one item per row, notes about the file as a whole)."""
    items = []
    paper_notes: list[str] = []
    seen: dict[str, str] = {}
    budget = [PREVIEW_INLINE_BYTES]
    for n, row in rows:
        label = str(row.get("_label") or _("第 %(n)s 项") % {"n": n})
        item = PreviewItem(number=n, label=label, notes=list(row.get("_notes") or []))
        paper_notes.extend(row.get("_paper_notes") or [])
        items.append(item)
        if row.get("_bad"):
            item.errors.append(_("这一项不是试题对象。"))
            continue
        cleaned, errors = clean_question(row, user=owner)
        item.notes.extend(cleaned.get("notes") or [])  # names read as something else: 生物 → 生物学
        errors.update(figure_errors(row))
        texts = " ".join([cleaned["stem"], cleaned["analysis"], *(o["text"] for o in cleaned["options"])])
        if LINKED_PICTURE.search(texts):
            item.notes.append(_("文字中的图片链接（![](…) 或 <img>）不会显示成图片：请用 .zip 导入包带上图片文件。"))
        item.errors.extend(errors.values())
        item.qtype = QuestionType(cleaned["qtype"]).label if cleaned.get("qtype") else ""
        item.difficulty = cleaned.get("difficulty")
        item.knowledge_points = [k.name for k in cleaned.get("knowledge_points") or []]
        item.subject = cleaned["subject"].name if cleaned.get("subject") else ""
        item.images = len(row.get("_images") or {})
        item.fields = {"qtype": cleaned["qtype"] or "", "stem": cleaned["stem"], "options": cleaned["options"],
                       "answer": cleaned["answer"], "analysis": cleaned["analysis"],
                       "difficulty": cleaned["difficulty"],
                       "subject": cleaned["subject"].code if cleaned.get("subject") else "",
                       "knowledge_points": [k.code for k in cleaned.get("knowledge_points") or []]}
        shown = preview_rendered(rendered_parts(cleaned["qtype"] or "", cleaned["stem"], cleaned["options"],
                                                cleaned["analysis"], cleaned["answer"]), row, budget)
        item.stem = mark_safe(shown["stem"])
        item.options = [(o["key"], mark_safe(h)) for o, h in zip(cleaned["options"], shown["options"], strict=False)]
        item.analysis = mark_safe(shown["analysis"])
        if not errors:
            item.answer = _answer_html(cleaned["qtype"], cleaned["answer"])
            fp = fingerprint(cleaned["stem"], cleaned["options"])
            dup = duplicates_of(owner, fp).first()
            if dup is not None:
                item.notes.append(_("与题库中已有试题重复（编号 %(id)s）：导入时不勾选“跳过重复”会被拒绝。") % {"id": dup.pk})
            elif fp in seen:
                item.notes.append(_("与本文件中的%(l)s重复。") % {"l": seen[fp]})
            seen.setdefault(fp, label)
    return items, paper_notes
