"""Question bank API: search, import (JSON, all-or-nothing with row errors), paper assembly by rules."""

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import ConfigDict

from zhijiao.questions import actions, names
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
    subject: str | None = None
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
    """One draw: `count` questions of `qtype` with difficulty in [difficulty_min, difficulty_max]."""

    model_config = ConfigDict(extra="forbid")
    qtype: QuestionType
    count: int = Field(..., ge=0, le=100)
    difficulty_min: int = Field(1, ge=1, le=5)
    difficulty_max: int = Field(5, ge=1, le=5)
    score: float = Field(5, ge=0, le=100)


class PaperIn(Schema):
    """A paper drawn by rules from one subject's questions. Unknown fields are refused (422), so a misspelt
    filter never silently widens the draw."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(..., min_length=1, max_length=120)
    subject: str = Field(..., min_length=1, max_length=40,
                         description="学科代码或名称（也接受常用名称和简称，如 数学、生物、政治、道法）")
    stage: str | None = Field(None, max_length=40, description="学段代码或名称，如 高中")
    book_ids: list[int] = Field([], max_length=50, description="教材（册）编号")
    chapter_ids: list[int] = Field([], max_length=200)
    kp_ids: list[int] = Field([], max_length=200)
    rules: list[RuleIn] = Field(..., min_length=1, max_length=20)
    seed: int | None = None


class ShortfallOut(Schema):
    rule: int
    qtype: str
    needed: int
    available: int
    missing: int
    message: str


class PaperErrorOut(Schema):
    detail: str
    errors: list[dict[str, Any]] = []
    shortfalls: list[ShortfallOut] = []


class PaperOut(Schema):
    id: int
    title: str
    subject: str
    question_ids: list[int]


@router.get("/", response=list[QuestionOut], summary="检索试题")
def search(request, q: str = "", qtype: str = "", difficulty: int | None = None, chapter: int | None = None,
           kp: int | None = None, subject: str = Query("", max_length=40, description="学科代码、名称或常用名"),
           book: int | None = Query(None, description="教材 id：该册的试题，含旧版同课章节的试题（不选章节时）"),
           limit: int = 50):
    _staff(request)
    subject_id = None
    if subject:
        found, _mapped = names.subject_of(subject)
        if found is None:
            raise HttpError(422, _("学科“%(s)s”不存在。") % {"s": subject})
        subject_id = found.pk
    qs = search_questions(request.auth, text=q, qtype=qtype, difficulty=difficulty, chapter_id=chapter, kp_id=kp,
                          subject_id=subject_id, book_id=book)
    return [{"id": x.pk, "qtype": x.qtype, "stem": x.stem, "options": x.options, "difficulty": x.difficulty,
             "subject": x.subject.name if x.subject else None, "knowledge_points": [k.code for k in x.knowledge_points.all()]} for x in qs[:max(1, min(limit, 200))]]


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


@router.post("/papers/by-rules", response={201: PaperOut, 422: PaperErrorOut}, summary="按规则组卷",
             description="只从 subject 学科的试题中抽题；不认识的字段、学科或学段答 422。题库不够时答 422，"
                         "shortfalls 逐条说明哪条规则差几道。")
def paper_by_rules(request, payload: PaperIn):
    _staff(request)
    subject, _mapped = names.subject_of(payload.subject)
    if subject is None:
        return 422, {"detail": _("学科“%(s)s”不存在。") % {"s": payload.subject},
                     "errors": [{"field": "subject", "message": _("学科不存在。")}]}
    stage = None
    if payload.stage:
        stage = names.stage_of(payload.stage)
        if stage is None:
            return 422, {"detail": _("学段“%(s)s”不存在。") % {"s": payload.stage},
                         "errors": [{"field": "stage", "message": _("学段不存在。")}]}
    for n, r in enumerate(payload.rules):
        if r.difficulty_min > r.difficulty_max:
            return 422, {"detail": _("难度下限不能大于上限。"),
                         "errors": [{"field": f"rules.{n}.difficulty_min", "message": _("难度下限不能大于上限。")}]}
    try:
        paper = actions.paper_assemble(
            owner=request.auth, title=payload.title, subject=subject, stage=stage, book_ids=payload.book_ids,
            chapter_ids=payload.chapter_ids, kp_ids=payload.kp_ids, seed=payload.seed,
            rules=[actions.DrawRule(qtype=r.qtype, count=r.count, difficulty_min=r.difficulty_min,
                                    difficulty_max=r.difficulty_max, score=r.score) for r in payload.rules])
    except actions.PaperError as exc:
        return 422, {"detail": str(exc), "shortfalls": exc.shortfalls}
    return 201, {"id": paper.pk, "title": paper.title, "subject": subject.name,
                 "question_ids": list(paper.items.order_by("order").values_list("question_id", flat=True))}
