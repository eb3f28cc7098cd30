"""The bank written out in the import's own formats, so that an export imports back to the same questions.

XLSX: one row per question under the import's header (选项A…选项H keep their letters; a fill-in answer in
the plain form when that reads back the same, else JSON; see `answers`; a composite's parts as a JSON array
in the 小题 column). JSON: {"format", "version",
"questions": [...]}, each question with its stored answer shape. Knowledge points go out as codes, chapters
as chapter keys, the subject as its code. Images are not exported (the files stay in the platform).
Workbooks are written only through `core.files` (strings stay text, never formulas).
"""

from __future__ import annotations

import json

from zhijiao.core.files import append_row, new_workbook, workbook_bytes
from zhijiao.questions.answers import OPTION_KEYS, fill_answer_text
from zhijiao.questions.models import Question, QuestionType

MAX_EXPORT = 10000
# The type column in Chinese whatever the page language, so the file imports back anywhere (names.TYPE_NAMES).
TYPE_CELLS = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题", "fill": "填空题", "short": "简答题",
              "essay": "作文/论述题", "composite": "复合题"}
HEADER = ["题型", "题干", *[f"选项{k}" for k in OPTION_KEYS], "答案", "解析", "难度", "知识点", "章节", "学科",
          "来源", "共享", "小题"]


def answer_cell(q: Question) -> str:
    if q.qtype == QuestionType.FILL:
        return fill_answer_text(q.answer or [])
    if q.qtype == QuestionType.MULTIPLE:
        return "".join(q.answer or [])
    if q.qtype == QuestionType.TRUEFALSE:
        return "对" if q.answer else "错"
    return str(q.answer or "")


def _part_dict(p: Question) -> dict:
    return {"type": p.qtype, "stem": p.stem, "options": [{"key": o["key"], "text": o["text"]} for o in p.options],
            "answer": p.answer, "analysis": p.analysis, "score": float(p.part_score or 0),
            "knowledge_points": [k.code for k in p.knowledge_points.all()]}


def question_dict(q: Question) -> dict:
    d = {"type": q.qtype, "stem": q.stem, "options": [{"key": o["key"], "text": o["text"]} for o in q.options],
         "answer": q.answer, "analysis": q.analysis, "difficulty": q.difficulty,
         "knowledge_points": [k.code for k in q.knowledge_points.all()],
         "chapters": [c.key for c in q.chapters.all()], "subject": q.subject.code if q.subject else "",
         "source": q.source, "share": q.share}
    if q.qtype == QuestionType.COMPOSITE:
        d["parts"] = [_part_dict(p) for p in sorted(q.parts.all(), key=lambda p: (p.part_order, p.pk))]
    return d


def _prepared(questions):
    return questions.select_related("subject").prefetch_related(
        "knowledge_points", "chapters", "parts__knowledge_points")[:MAX_EXPORT]


def export_json(questions) -> bytes:
    body = {"format": "zhijiao-questions", "version": 1, "questions": [question_dict(q) for q in _prepared(questions)]}
    return json.dumps(body, ensure_ascii=False, indent=1).encode()


def export_xlsx(questions) -> bytes:
    wb = new_workbook(write_only=True)
    ws = wb.create_sheet("试题")
    append_row(ws, HEADER)
    for q in _prepared(questions):
        d = question_dict(q)
        opts = {o["key"]: o["text"] for o in q.options}
        append_row(ws, [TYPE_CELLS.get(q.qtype, q.qtype), q.stem, *[opts.get(k, "") for k in OPTION_KEYS],
                        answer_cell(q), q.analysis, q.difficulty, "；".join(d["knowledge_points"]),
                        "；".join(d["chapters"]), d["subject"], q.source, q.share,
                        json.dumps(d["parts"], ensure_ascii=False) if "parts" in d else ""])
    return workbook_bytes(wb)
