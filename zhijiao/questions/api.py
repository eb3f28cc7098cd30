"""Question bank API: search, import (JSON, all-or-nothing with row errors), paper assembly by rules."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from zhijiao.questions import actions
from zhijiao.questions.models import QuestionType
from zhijiao.questions.selectors import can_use_bank, search_questions

router = Router(tags=["questions 题库"])


def _staff(request):
    if not can_use_bank(request.auth):
        raise Http404


class QuestionOut(Schema):
    id: int
    qtype: str
    stem: str
    options: list
    difficulty: int
    knowledge_points: list[str]


class ImportIn(Schema):
    questions: list[dict[str, Any]]
    skip_duplicates: bool = False
    dry_run: bool = Field(False, description="只检查、不导入：返回每行的问题，以及题型、学科名称读作什么（notes）")


class RowError(Schema):
    row: int
    message: str


class ImportOut(Schema):
    created: int
    checked: int = Field(0, description="通过检查的行数（预检时即将导入的题数）")
    dry_run: bool = False
    skipped: list[RowError] = []
    errors: list[RowError] = []
    notes: list[RowError] = Field([], description="名称的读法，如 学科“生物”按 生物学 导入")


class RuleIn(Schema):
    qtype: QuestionType
    count: int
    difficulty_min: int = 1
    difficulty_max: int = 5
    score: float = 5


class PaperIn(Schema):
    title: str
    rules: list[RuleIn]
    chapter_ids: list[int] = []
    kp_ids: list[int] = []
    seed: int | None = None


class PaperOut(Schema):
    id: int
    title: str
    question_ids: list[int]


@router.get("/", response=list[QuestionOut], summary="检索试题")
def search(request, q: str = "", qtype: str = "", difficulty: int | None = None, chapter: int | None = None,
           kp: int | None = None, limit: int = 50):
    _staff(request)
    qs = search_questions(request.auth, text=q, qtype=qtype, difficulty=difficulty, chapter_id=chapter, kp_id=kp)
    return [{"id": x.pk, "qtype": x.qtype, "stem": x.stem, "options": x.options, "difficulty": x.difficulty,
             "knowledge_points": [k.code for k in x.knowledge_points.all()]} for x in qs[:max(1, min(limit, 200))]]


@router.post("/import", response={200: ImportOut, 201: ImportOut, 422: ImportOut},
             summary="导入试题（JSON，全部通过才导入；dry_run 只预检，答 200）")
def import_questions(request, payload: ImportIn):
    _staff(request)
    rows = [(i, row) for i, row in enumerate(payload.questions, start=1)]
    result = actions.questions_import(owner=request.auth, rows=rows, skip_duplicates=payload.skip_duplicates,
                                      dry_run=payload.dry_run)
    body = {"created": len(result.created), "checked": result.checked, "dry_run": result.dry_run,
            "skipped": [{"row": n, "message": m} for n, m in result.skipped],
            "errors": [{"row": n, "message": m} for n, m in result.errors],
            "notes": [{"row": n, "message": m} for n, m in result.notes]}
    return (422 if not result.ok else 200 if result.dry_run else 201), body


@router.post("/papers/by-rules", response={201: PaperOut}, summary="按规则组卷")
def paper_by_rules(request, payload: PaperIn):
    _staff(request)
    for r in payload.rules:
        if not (0 <= r.count <= 100 and 1 <= r.difficulty_min <= r.difficulty_max <= 5):
            raise HttpError(422, _("数量应为 0–100，难度范围 1–5 且下限不大于上限。"))
    try:
        paper = actions.paper_assemble(
            owner=request.auth, title=payload.title, chapter_ids=payload.chapter_ids, kp_ids=payload.kp_ids,
            seed=payload.seed, rules=[actions.DrawRule(qtype=r.qtype, count=r.count, difficulty_min=r.difficulty_min,
                                                       difficulty_max=r.difficulty_max, score=r.score)
                                      for r in payload.rules])
    except actions.PaperError as exc:
        raise HttpError(422, str(exc)) from exc
    return 201, {"id": paper.pk, "title": paper.title,
                 "question_ids": list(paper.items.order_by("order").values_list("question_id", flat=True))}
