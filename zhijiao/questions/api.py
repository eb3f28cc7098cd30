"""Question bank API: search, import (JSON, all-or-nothing with row errors), paper assembly by rules."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

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


class PartIn(Schema):
    """One part (小题) of a composite question."""

    type: str
    stem: str
    options: list[str] = []
    answer: Any = None
    analysis: str = ""
    score: float | None = None
    knowledge_points: list[str] = []


class QuestionIn(Schema):
    """One question; a composite one (type 复合题) has the passage as `stem` and its ordered `parts`."""

    type: str
    stem: str
    options: list[str] = []
    answer: Any = None
    analysis: str = ""
    difficulty: int = 3
    subject: str = ""
    knowledge_points: list[str] = []
    chapters: list[str] = []
    source: str = ""
    share: str = "mine"
    parts: list[PartIn] = []
    allow_duplicate: bool = False


class QuestionCreated(Schema):
    id: int
    qtype: str
    part_ids: list[int]


class FieldError(Schema):
    field: str
    message: str


class QuestionRefused(Schema):
    detail: str
    errors: list[FieldError]


class ImportIn(Schema):
    questions: list[dict[str, Any]]
    skip_duplicates: bool = False


class RowError(Schema):
    row: int
    message: str


class ImportOut(Schema):
    created: int
    skipped: list[RowError] = []
    errors: list[RowError] = []


class PreviewOut(Schema):
    row: int
    label: str
    qtype: str = ""
    stem: str = ""
    options: list[dict[str, Any]] = []
    answer: Any = None
    analysis: str = ""
    difficulty: int | None = None
    subject: str = ""
    knowledge_points: list[str] = []
    images: int = 0
    errors: list[str] = []
    notes: list[str] = []


class FileImportOut(Schema):
    dry_run: bool
    created: int = 0
    skipped: list[RowError] = []
    errors: list[RowError] = []
    questions: list[PreviewOut] = []
    notes: list[str] = []


MAX_UPLOAD = 10 * 1024 * 1024


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


@router.post("/", response={201: QuestionCreated, 422: QuestionRefused}, summary="录入一道试题（含复合题）")
def create(request, payload: QuestionIn):
    """422 lists every problem by field; a composite's part by `parts.<n>.<field>` (n from 1)."""
    _staff(request)
    data = payload.dict(exclude={"allow_duplicate"})
    data["parts"] = [p.dict() for p in payload.parts]
    try:
        q = actions.question_create(owner=request.auth, data=data, allow_duplicate=payload.allow_duplicate)
    except actions.QuestionInvalid as exc:
        return 422, {"detail": _("试题未通过校验。"),
                     "errors": [{"field": k, "message": v} for k, v in exc.errors.items()]}
    return 201, {"id": q.pk, "qtype": q.qtype, "part_ids": [p.pk for p in q.part_list()]}


@router.post("/import", response={201: ImportOut, 422: ImportOut}, summary="导入试题（JSON，全部通过才导入）")
def import_questions(request, payload: ImportIn):
    _staff(request)
    rows = [(i, row) for i, row in enumerate(payload.questions, start=1)]
    result = actions.questions_import(owner=request.auth, rows=rows, skip_duplicates=payload.skip_duplicates)
    body = {"created": len(result.created), "skipped": [{"row": n, "message": m} for n, m in result.skipped],
            "errors": [{"row": n, "message": m} for n, m in result.errors]}
    return (201 if result.ok else 422), body


@router.post("/import-file", response={200: FileImportOut, 201: FileImportOut, 422: FileImportOut},
             summary="导入试题文件（.xlsx/.json/.docx Word 试卷/.zip 表格加图片；dry_run 只试导入）")
def import_file(request, file: File[UploadedFile], dry_run: Form[bool] = False, skip_duplicates: Form[bool] = False,
                subject: Form[str] = ""):
    """The import page's pipeline as an API: with dry_run, 200 and each question as it would be stored (source
    text with [[img:…]] for pictures), its errors and the notes of parts not read; without, all or nothing:
    201 with the count, or 422 with every bad row (`row` is the question's number in the file, `label` in the
    dry run says where it is). `subject` (code or name) is given to every question that names none. A file that
    cannot be read at all is a 422 with one error of row 0."""
    _staff(request)
    if file.size > MAX_UPLOAD:
        return 422, {"dry_run": dry_run, "errors": [{"row": 0, "message": _("文件不能超过 10 MB。")}]}
    try:
        rows = actions.parse_import_file(name=file.name or "", content=file.read())
    except actions.ImportFileError as exc:
        return 422, {"dry_run": dry_run, "errors": [{"row": 0, "message": str(exc)}]}
    from zhijiao.questions.import_preview import default_subject, preview_rows

    default_subject(rows, subject)
    if dry_run:
        items, notes = preview_rows(owner=request.auth, rows=rows)
        return 200, {"dry_run": True, "notes": notes, "questions": [
            {"row": i.number, "label": i.label, **i.fields, "images": i.images, "errors": i.errors, "notes": i.notes}
            for i in items]}
    result = actions.questions_import(owner=request.auth, rows=rows, skip_duplicates=skip_duplicates)
    body = {"dry_run": False, "created": len(result.created),
            "skipped": [{"row": n, "message": m} for n, m in result.skipped],
            "errors": [{"row": n, "message": m} for n, m in result.errors]}
    return (201 if result.ok else 422), body


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
