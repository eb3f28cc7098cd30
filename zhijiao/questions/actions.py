"""The only writers of the question bank: create, edit, import (XLSX / JSON), and paper assembly."""

import random
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext as _

from zhijiao.accounts.selectors import scope_of
from zhijiao.catalog.models import Chapter, KnowledgePoint, Stage, Subject
from zhijiao.core.files import UnreadableFile, read_json, read_xlsx
from zhijiao.core.richtext import text_problems
from zhijiao.questions import answers, names
from zhijiao.questions.figures import PendingFigure, figure_errors, texts_of
from zhijiao.questions.grading import as_bool, fingerprint
from zhijiao.questions.models import (
    CHOICE_TYPES,
    Paper,
    PaperItem,
    Question,
    QuestionImage,
    QuestionType,
    Share,
)
from zhijiao.questions.selectors import duplicates_of, visible_questions
from zhijiao.records.actions import record_event

MAX_PARTS = 30
MAX_IMPORT_ROWS = 2000
ALLOWED_IMAGE_EXT = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
MAX_IMAGE_BYTES = 2 * 1024 * 1024


def join_messages(messages) -> str:
    """Several messages as one line: each keeps its own full stop, none is doubled ("…。；…" was)."""
    parts = [str(m).strip() for m in messages if str(m).strip()]
    return " ".join(p if p[-1] in "。.！？!?）)" else p + "。" for p in parts)


class QuestionInvalid(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class DuplicateQuestion(QuestionInvalid):
    def __init__(self, existing: Question):
        super().__init__({"stem": _("题库中已有相同的试题（编号 %(id)s）。") % {"id": existing.pk}})
        self.existing = existing


def _split_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in re.split(r"[;；,，\n]", str(value)) if p.strip()]


def clean_question(data: dict, *, user) -> tuple[dict, dict[str, str]]:
    """Validate one question's fields (from a form, a JSON object or an XLSX row).

    Returns (cleaned, errors). Errors are keyed by field and worded for a teacher.
    """
    errors: dict[str, str] = {}
    notes: list[str] = []  # names read as something else, for the dry run
    raw_type = str(data.get("qtype") or data.get("type") or "").strip()
    qtype = names.type_of(raw_type)
    if not qtype:
        errors["qtype"] = _("题型“%(t)s”无法识别，应为 单选/多选/选择/判断/填空/简答/作文/复合。") % {
            "t": raw_type or _("空")}
    stem = str(data.get("stem") or "").strip()
    if not stem:
        errors["stem"] = _("题干不能为空。")
    elif len(stem) > 5000:
        errors["stem"] = _("题干过长（最多 5000 字）。")
    try:
        options, empty_keys = answers.parse_options(data.get("options"))
    except answers.AnswerError as exc:
        errors["options"] = str(exc)
        options, empty_keys = [], set()
    raw_answer = data.get("answer")
    answer = None
    if qtype == names.CHOICE:
        qtype = QuestionType.MULTIPLE if len(set(answers.choice_letters(raw_answer))) > 1 else QuestionType.SINGLE
    if qtype in CHOICE_TYPES:
        if len(options) < 2 and "options" not in errors:
            errors["options"] = _("选择题至少需要两个选项。")
        keys = {o["key"] for o in options}
        letters = answers.choice_letters(raw_answer)
        if not letters:
            errors["answer"] = _("请填写正确选项，如 B 或 AC。")
        elif set(letters) & empty_keys:
            errors["answer"] = _("答案 %(a)s 对应的选项是空的。") % {"a": "".join(sorted(set(letters) & empty_keys))}
        elif not set(letters) <= keys:
            errors["answer"] = _("答案 %(a)s 不在选项中（选项为 %(k)s）。") % {
                "a": "".join(sorted(set(letters) - keys)), "k": "".join(sorted(keys)) or _("无")}
        elif qtype == QuestionType.SINGLE and len(set(letters)) != 1:
            errors["answer"] = _("单选题只能有一个正确选项。")
        elif qtype == QuestionType.MULTIPLE and len(set(letters)) < 2:
            errors["answer"] = _("多选题至少有两个正确选项。")
        answer = letters[0] if qtype == QuestionType.SINGLE and letters else sorted(set(letters))
    elif qtype == QuestionType.TRUEFALSE:
        answer = as_bool(raw_answer)
        if answer is None:
            errors["answer"] = _("判断题答案应为 对 或 错。")
        options = []
    elif qtype == QuestionType.FILL:
        try:
            answer = answers.parse_fill_answer(raw_answer)
        except answers.AnswerError as exc:
            errors["answer"] = str(exc)
            answer = []
        if not answer and "answer" not in errors:
            errors["answer"] = _("填空题请写出每个空的答案：空与空用分号隔开，同一空的可接受答案用 | 隔开；"
                                 "答案含有 ; 或 | 时用 JSON 写法 [[\"答案\", \"备选\"]]。")
        options = []
    elif qtype in (QuestionType.SHORT, QuestionType.ESSAY):
        answer = str(raw_answer or "").strip()
        options = []
    elif qtype == QuestionType.COMPOSITE:
        answer, options = None, []
    if qtype and raw_type.lower() != qtype and raw_type.removesuffix("题") != QuestionType(qtype).label.removesuffix("题"):
        notes.append(_("题型“%(raw)s”按 %(t)s 导入") % {"raw": raw_type, "t": QuestionType(qtype).label})
    analysis = str(data.get("analysis") or "").strip()
    for key, texts in (("stem", [stem]), ("options", [o["text"] for o in options]), ("analysis", [analysis]),
                       ("answer", [a for b in answer for a in b] if qtype == QuestionType.FILL and answer
                        else [answer] if isinstance(answer, str) else [])):
        if key in errors:
            continue
        problems = [p for t in texts for p in text_problems(t).errors]
        if problems:
            errors[key] = " ".join(dict.fromkeys(problems))
    try:
        difficulty = int(str(data.get("difficulty") or 3).strip())
        if not 1 <= difficulty <= 5:
            raise ValueError
    except ValueError:
        errors["difficulty"] = _("难度应为 1 到 5 的整数。")
        difficulty = 3
    source = str(data.get("source") or "").strip()
    source_max = Question._meta.get_field("source").max_length
    if len(source) > source_max:  # refused, never cut: what was sent is what is stored
        errors["source"] = _("来源最多 %(m)s 个字。") % {"m": source_max}
    share = str(data.get("share") or Share.MINE).strip()
    share = {"仅自己": Share.MINE, "本校": Share.SCHOOL, "本校共享": Share.SCHOOL, "全区": Share.DISTRICT,
             "全区共享": Share.DISTRICT}.get(share, share)
    if share not in Share.values:
        errors["share"] = _("共享范围应为 仅自己/本校/全区。")
    subject = None
    subject_raw = str(data.get("subject") or "").strip()
    if subject_raw:
        subject, mapped = names.subject_of(subject_raw)
        if subject is None:
            errors["subject"] = _("学科“%(s)s”不存在。") % {"s": subject_raw}
        elif mapped:
            notes.append(_("学科“%(raw)s”按 %(s)s 导入") % {"raw": subject_raw, "s": subject.name})
    chapters = []
    missing = []
    for token in _split_list(data.get("chapters")):
        ch = Chapter.objects.select_related("book").filter(key=token).first()
        if ch is None and token.isdigit():
            ch = Chapter.objects.filter(pk=int(token)).first()
        (chapters.append(ch) if ch else missing.append(token))
    if missing:
        errors["chapters"] = _("章节不存在：%(c)s（请用章节代码）。") % {"c": "、".join(missing)}
    kps, errors_kp = _knowledge_points_of(data.get("knowledge_points"), subject=subject,
                                          stage_ids={c.book.stage_id for c in chapters})
    if errors_kp:
        errors["knowledge_points"] = errors_kp
    if subject is None and kps:
        subject = kps[0].subject
    if subject is None and chapters:
        subject = chapters[0].book.subject
    cleaned = {
        "qtype": qtype, "stem": stem, "options": options, "answer": answer,
        "analysis": analysis, "difficulty": difficulty,
        "source": source, "share": share, "subject": subject,
        "knowledge_points": kps, "chapters": chapters, "parts": [], "notes": notes,
    }
    if qtype == QuestionType.COMPOSITE:
        cleaned["parts"] = _clean_parts(data.get("parts"), subject=subject, user=user, errors=errors)
    return cleaned, errors


def _knowledge_points_of(raw, *, subject, stage_ids: set[int]) -> tuple[list, str]:
    """Knowledge points named by code or by name. A name is narrowed to the subject and to the stages of the
    question's chapters; a name still found in several stages (圆 is taught in 小学 and 初中) is an error
    asking for the code, never a guess: the wrong stage would put the question in another grade's practice.
    Within one stage a unit and its first point may share a name; the first of them is taken, as before."""
    kps, missing, ambiguous = [], [], []
    for token in _split_list(raw):
        by_code = KnowledgePoint.objects.filter(code=token).first()
        if by_code is not None and (subject is None or by_code.subject_id == subject.pk):
            kps.append(by_code)
            continue
        qs = KnowledgePoint.objects.filter(name=token).select_related("stage", "subject")
        if subject is not None:
            qs = qs.filter(subject=subject)
        found = list(qs.order_by("pk")[:20])
        if stage_ids and len({k.stage_id for k in found}) > 1:
            found = [k for k in found if k.stage_id in stage_ids] or found
        if not found:
            missing.append(token)
        elif len({(k.stage_id, k.subject_id) for k in found}) > 1:
            ambiguous.append(_("“%(k)s”（%(c)s）") % {"k": token, "c": "、".join(
                f"{k.stage.name}{k.subject.name} {k.code}" for k in found)})
        else:
            kps.append(found[0])
    messages = []
    if missing:
        messages.append(_("知识点不存在：%(k)s。") % {"k": "、".join(missing)})
    if ambiguous:
        messages.append(_("知识点名称在多个学段或学科都有：%(k)s，请填知识点代码，或填章节以确定学段。") % {
            "k": "；".join(ambiguous)})
    return kps, " ".join(messages)


def _clean_parts(raw, *, subject, user, errors: dict[str, str]) -> list[dict]:
    """The parts (小题) of a composite question, each cleaned as a question of its own with a score.

    Errors go into `errors` as "parts.<n>.<field>" (n from 1, as the teacher numbers them), each message
    naming its part."""
    if isinstance(raw, str) and raw.strip():  # an XLSX 小题 cell: the parts as a JSON array
        try:
            raw = read_json(raw)
        except UnreadableFile:
            errors["parts"] = _("“小题”一格应为 JSON 数组，如 [{\"type\": \"单选\", \"stem\": \"……\", \"score\": 2}]。")
            return []
    if not isinstance(raw, list) or not raw:
        errors["parts"] = _("复合题至少需要一道小题。")
        return []
    if len(raw) > MAX_PARTS:
        errors["parts"] = _("复合题最多 %(n)s 道小题。") % {"n": MAX_PARTS}
        return []
    out = []
    for n, part in enumerate(raw, start=1):
        if not isinstance(part, dict):
            errors[f"parts.{n}"] = _("第 %(n)s 小题不是试题对象。") % {"n": n}
            continue
        data = {**part, "subject": subject.code if subject else ""}
        cleaned, part_errors = clean_question(data, user=user)
        if cleaned["qtype"] == QuestionType.COMPOSITE:
            part_errors["qtype"] = _("小题不能再是复合题。")
        try:
            score = Decimal(str(part.get("score") if part.get("score") not in (None, "") else "x").strip())
            if not score.is_finite() or score <= 0 or score > 1000 or score != score.quantize(Decimal("0.1")):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            part_errors["score"] = _("请填写分值（大于 0 的数，最多一位小数）。")
            score = None
        for key, msg in part_errors.items():
            if key in ("difficulty", "share", "source", "chapters", "subject"):
                continue  # a part takes these from its composite
            errors[f"parts.{n}.{key}"] = _("第 %(n)s 小题：%(m)s") % {"n": n, "m": msg}
        pid = part.get("id")
        cleaned.update(score=score, id=int(pid) if str(pid or "").isdigit() else None)
        out.append(cleaned)
    return out


def check_image(upload) -> str | None:
    """A refusal message for an unacceptable image upload, or None."""
    if not upload:
        return None
    name = (upload.name or "").lower()
    if not name.endswith(ALLOWED_IMAGE_EXT):
        return _("图片只支持 PNG、JPG、GIF、WebP、SVG 格式。")
    if upload.size > MAX_IMAGE_BYTES:
        return _("图片不能超过 2 MB。")
    if not _content_matches(upload, name):
        return _("文件内容不是它的扩展名所说的图片格式。")
    return None


# What the first bytes of each kind of image are (filetype's matchers); SVG is XML text with an <svg> element.
_IMAGE_KINDS = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".gif": "gif", ".webp": "webp"}


def _content_matches(upload, name: str) -> bool:
    """The content is the image its extension says, as resource uploads are checked (by content, not name)."""
    import filetype

    head = upload.read(2048)
    upload.seek(0)
    if name.endswith(".svg"):
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \r\n\t").lower()
        return text.startswith(("<svg", "<?xml", "<!--", "<!doctype svg")) and "<svg" in text
    kind = filetype.image_match(head)
    return kind is not None and kind.extension == _IMAGE_KINDS[name[name.rfind("."):]]


def _school_of(user):
    ids = sorted(scope_of(user).school_ids)
    if not ids:
        return None
    from zhijiao.core.models import OrgNode

    return OrgNode.objects.filter(pk=ids[0]).first()


def _fingerprint(cleaned: dict) -> str:
    """A composite is the same question when its passage and its parts' stems are the same."""
    stem = cleaned["stem"] + "".join(p["stem"] for p in cleaned.get("parts") or [])
    return fingerprint(stem, cleaned["options"])


def _save(q: Question, cleaned: dict) -> Question:
    for f in ("qtype", "stem", "options", "answer", "analysis", "difficulty", "source", "share", "subject"):
        setattr(q, f, cleaned[f])
    q.fingerprint = _fingerprint(cleaned)
    was_saved = q.pk is not None
    q.save()
    kps = list(cleaned["knowledge_points"])
    if cleaned.get("parts") or (was_saved and q.parts.exists()):
        for part in _save_parts(q, cleaned.get("parts") or [], chapters=cleaned["chapters"]):
            kps += [k for k in part.kps if k not in kps]
    # A composite carries its parts' knowledge points too, so the bank finds it by any of them.
    q.knowledge_points.set(kps)
    q.chapters.set(cleaned["chapters"])
    return q


def _save_parts(q: Question, parts: list[dict], *, chapters) -> list[Question]:
    """Create, update, reorder and remove the parts of composite `q` (none when it is no longer composite).

    A part keeps its row (and so its students' answers) when the form sends its id, or, for JSON without
    ids, its place. A part that students have answered cannot be removed."""
    existing = sorted(q.parts.all(), key=lambda p: (p.part_order, p.pk))
    by_id = {p.pk: p for p in existing}
    with_ids = any(pc.get("id") for pc in parts)
    saved = []
    for order, pc in enumerate(parts, start=1):
        part = by_id.pop(pc["id"], None) if with_ids and pc.get("id") else None
        if part is None and not with_ids and order <= len(existing):
            part = by_id.pop(existing[order - 1].pk, None)
        if part is None:
            part = Question(owner=q.owner, school=q.school, parent=q)
        for f in ("qtype", "stem", "options", "answer", "analysis"):
            setattr(part, f, pc[f])
        part.difficulty, part.source, part.share = q.difficulty, q.source, q.share
        part.subject = q.subject or pc["subject"]
        part.part_order, part.part_score = order, pc["score"]
        part.fingerprint = fingerprint(part.stem, part.options)
        part.save()
        part.knowledge_points.set(pc["knowledge_points"])
        part.chapters.set(chapters)
        part.kps = pc["knowledge_points"]
        saved.append(part)
    for gone in by_id.values():
        try:
            gone.delete()
        except ProtectedError:
            raise QuestionInvalid({"parts": _("第 %(n)s 小题已有学生作答，不能删除（可以修改它）。") % {
                "n": gone.part_order}}) from None
    return saved


def _cleaned_or_raise(data: dict, *, user, stem_image, analysis_image) -> dict:
    """The question's cleaned fields, or QuestionInvalid with every field's message (images included)."""
    cleaned, errors = clean_question(data, user=user)
    for key, img in (("stem_image", stem_image), ("analysis_image", analysis_image)):
        if msg := check_image(img):
            errors[key] = msg
    if errors:
        raise QuestionInvalid(errors)
    return cleaned


@transaction.atomic
def question_create(*, owner, data: dict, stem_image=None, analysis_image=None,
                    allow_duplicate: bool = False) -> Question:
    cleaned = _cleaned_or_raise(data, user=owner, stem_image=stem_image, analysis_image=analysis_image)
    if not allow_duplicate:
        dup = duplicates_of(owner, _fingerprint(cleaned)).first()
        if dup is not None:
            raise DuplicateQuestion(dup)
    q = Question(owner=owner, school=_school_of(owner))
    if stem_image:
        q.stem_image = stem_image
    if analysis_image:
        q.analysis_image = analysis_image
    q = _save(q, cleaned)
    record_event(actor=owner, verb="created", object_kind="question", object_key=q.pk, school=q.school)
    return q


@transaction.atomic
def question_update(*, user, question: Question, data: dict, stem_image=None, analysis_image=None) -> Question:
    if question.owner_id != user.pk:
        raise QuestionInvalid({"stem": _("只能修改自己创建的试题。")})
    cleaned = _cleaned_or_raise(data, user=user, stem_image=stem_image, analysis_image=analysis_image)
    composite = QuestionType.COMPOSITE
    if (cleaned["qtype"] == composite) != (question.qtype == composite) and question.paper_items.exists():
        # Homework answers a paper's composite part by part and anything else whole: on a paper, keep it so.
        raise QuestionInvalid({"qtype": _("这道题已在试卷中，不能在复合题和其他题型之间转换。")})
    if stem_image:
        question.stem_image = stem_image
    if analysis_image:
        question.analysis_image = analysis_image
    _save(question, cleaned)
    record_event(actor=user, verb="updated", object_kind="question", object_key=question.pk, school=question.school)
    return question


# --- import ---------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    created: list[Question] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, message)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # duplicates skipped on request
    notes: list[tuple[int, str]] = field(default_factory=list)  # names read as something else (选择题 → 单选题)
    checked: int = 0  # rows that passed (what a dry run would import)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


XLSX_COLUMNS = {
    "题型": "qtype", "type": "qtype", "题干": "stem", "stem": "stem", "选项": "options", "options": "options",
    "答案": "answer", "answer": "answer", "解析": "analysis", "analysis": "analysis", "难度": "difficulty",
    "difficulty": "difficulty", "知识点": "knowledge_points", "knowledge_points": "knowledge_points",
    "章节": "chapters", "chapters": "chapters", "学科": "subject", "subject": "subject", "来源": "source",
    "source": "source", "共享": "share", "share": "share",
    "题干图片": "stem_image", "stem_image": "stem_image", "解析图片": "analysis_image", "analysis_image": "analysis_image",
    "小题": "parts", "parts": "parts",
}


class ImportFileError(Exception):
    pass


def _cell_text(v) -> str:
    """A cell as the text the teacher typed: 60 not 60.0, nothing for an empty cell."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def attach_figures(*, question, row: dict) -> None:
    """Store the row's pictures as the question's QuestionImages and render the question again.

    Called by the import, inside its transaction, after the question is saved."""
    figures: dict[str, PendingFigure] = row.get("_images") or {}
    if not figures:
        return
    shown, analysis = texts_of(question.stem, question.options, question.analysis)
    for fig in figures.values():
        if fig.token not in shown and fig.token not in analysis:
            continue  # a picture the text no longer refers to
        img = QuestionImage(question=question, width=fig.width, height=fig.height, digest=fig.digest)
        img.file.save(f"{fig.digest}.{fig.ext}", ContentFile(fig.data), save=False)
        img.save()
    question.save(update_fields=["rendered"])


def parse_import_file(*, name: str, content: bytes) -> list[tuple[int, dict]]:
    """Rows as (row number as the teacher sees it, fields). Raises ImportFileError for an unreadable file."""
    lower = (name or "").lower()
    if lower.endswith(".json"):
        try:
            data = read_json(content)
        except UnreadableFile as exc:
            raise ImportFileError(_("JSON 文件无法解析：%(e)s") % {"e": exc}) from None
        if isinstance(data, dict):
            data = data.get("questions", [])
        if not isinstance(data, list):
            raise ImportFileError(_("JSON 文件应为试题数组，或含 questions 数组的对象。"))
        return [(i, row if isinstance(row, dict) else {"_bad": True}) for i, row in enumerate(data, start=1)]
    if lower.endswith(".xlsx"):
        try:
            _title, rows = read_xlsx(content, max_rows=MAX_IMPORT_ROWS + 1)[0]  # the header and the questions
        except UnreadableFile as exc:
            raise ImportFileError(str(exc)) from None
        except IndexError:
            raise ImportFileError(_("表格是空的。")) from None
        rows = iter(rows)
        header = next(rows, None)
        if not header:
            raise ImportFileError(_("表格是空的。"))
        cols = []
        for h in header:
            h = str(h or "").strip()
            m = re.fullmatch(r"选项\s*([A-H])|option\s*([A-H])", h, flags=re.I)
            cols.append(("opt", (m.group(1) or m.group(2)).upper()) if m else XLSX_COLUMNS.get(h.lower() if h.isascii()
                                                                                                 else h))
        if "stem" not in cols:
            raise ImportFileError(_("表头缺少“题干”列。表头应为：题型、题干、选项A…选项H（或 选项）、答案、解析、难度、知识点、章节、学科、来源。"))
        letters = [c[1] for c in cols if isinstance(c, tuple)]
        if len(letters) != len(set(letters)):
            raise ImportFileError(_("表头中有重复的选项列。"))
        out = []
        for n, values in enumerate(rows, start=2):
            if values is None or all(v in (None, "") for v in values):
                continue
            row: dict = {}
            opts: dict[str, str] = {}  # every option column by its letter, empty ones too: C stays C
            for col, v in zip(cols, values, strict=False):
                if isinstance(col, tuple):
                    opts[col[1]] = _cell_text(v)
                elif col is not None and v is not None:
                    row[col] = v
            if any(opts.values()) and "options" not in row:
                row["options"] = opts
            out.append((n, row))
        return out
    if lower.endswith((".docx", ".zip")):
        from zhijiao.questions.docx_paper import parse_docx
        from zhijiao.questions.packages import package_figures, package_sheet

        try:
            if lower.endswith(".docx"):
                return parse_docx(content)
            sheet, files = package_sheet(content)
            return package_figures(parse_import_file(name=sheet, content=files[sheet]), sheet=sheet, files=files)
        except UnreadableFile as exc:
            raise ImportFileError(str(exc)) from None
    raise ImportFileError(_("只支持 .xlsx、.json、.docx（Word 试卷）或 .zip（表格或 JSON 加图片）文件。"))


@transaction.atomic
def questions_import(*, owner, rows: list[tuple[int, dict]], skip_duplicates: bool = False,
                     dry_run: bool = False) -> ImportResult:
    """Import all rows or none: every bad row is reported by its row number and nothing is saved.

    A dry run checks every row the same way and reports what would be imported, and how names were read
    (`notes`), without saving anything."""
    result = ImportResult(dry_run=dry_run)
    if len(rows) > MAX_IMPORT_ROWS:
        result.errors.append((0, _("一次最多导入 %(n)s 道题，请分批导入。") % {"n": MAX_IMPORT_ROWS}))
        return result
    if not rows:
        result.errors.append((0, _("文件中没有试题。")))
        return result
    seen: dict[str, int] = {}
    cleaned_rows = []
    for n, row in rows:
        if row.get("_bad"):
            result.errors.append((n, _("这一项不是试题对象。")))
            continue
        cleaned, errors = clean_question(row, user=owner)
        errors.update(figure_errors(row))
        if errors:
            result.errors.append((n, join_messages(errors.values())))
            continue
        fp = _fingerprint(cleaned)
        dup = duplicates_of(owner, fp).first()
        if dup is not None or fp in seen:
            msg = (_("与题库中已有试题重复（编号 %(id)s）。") % {"id": dup.pk} if dup is not None
                   else _("与第 %(n)s 行重复。") % {"n": seen[fp]})
            (result.skipped if skip_duplicates else result.errors).append((n, msg))
            continue
        seen[fp] = n
        result.notes.extend((n, note) for note in cleaned["notes"])
        cleaned_rows.append((cleaned, row))
    result.checked = len(cleaned_rows)
    if result.errors or dry_run:
        return result
    school = _school_of(owner)
    for cleaned, row in cleaned_rows:
        result.created.append(_save(Question(owner=owner, school=school), cleaned))
        attach_figures(question=result.created[-1], row=row)
    record_event(actor=owner, verb="imported", object_kind="question", object_key="import",
                 result={"extensions": {"https://zhijiao.example.org/xapi/ext/count": len(result.created)}},
                 school=school)
    return result


# --- papers ---------------------------------------------------------------------------------------

class PaperError(Exception):
    """A paper that cannot be made; `shortfalls` names each rule the bank cannot satisfy."""

    def __init__(self, message: str, shortfalls: list[dict] | None = None):
        super().__init__(message)
        self.shortfalls = shortfalls or []


def _common_subject(questions) -> Subject | None:
    subjects = {q.subject_id for q in questions}
    return next(iter(questions)).subject if len(subjects) == 1 else None


@transaction.atomic
def paper_create(*, owner, title: str, question_ids: list[int], score: float = 5,
                 subject: Subject | None = None) -> Paper:
    """组卷 by hand. The paper's subject is the one given, else the one subject all its questions share
    (none when they are of several)."""
    title = (title or "").strip()
    if not title:
        raise PaperError(_("请填写试卷名称。"))
    ids = list(dict.fromkeys(int(i) for i in question_ids))
    if not ids:
        raise PaperError(_("请至少选择一道题。"))
    found = {q.pk: q for q in visible_questions(owner).filter(pk__in=ids).select_related("subject")
             .prefetch_related("parts")}
    if len(found) != len(ids):
        raise PaperError(_("有的试题不存在或您无权使用。"))
    paper = Paper.objects.create(title=title[:120], owner=owner,
                                 subject=subject or _common_subject(found.values()))
    # A composite question is worth the sum of its parts' scores; every other question `score`.
    PaperItem.objects.bulk_create(
        PaperItem(paper=paper, question=found[i], order=k,
                  score=sum(p.part_score or 0 for p in found[i].parts.all()) or score if found[i].is_composite
                  else score)
        for k, i in enumerate(ids, start=1))
    record_event(actor=owner, verb="created", object_kind="assessment", object_key=paper.pk, object_name=paper.title)
    return paper


@dataclass(frozen=True)
class DrawRule:
    qtype: str
    count: int
    difficulty_min: int = 1
    difficulty_max: int = 5
    score: float = 5


def _rule_label(n: int, r: DrawRule) -> str:
    return _("第 %(n)s 条规则（%(t)s，难度 %(a)s–%(b)s）") % {
        "n": n, "t": QuestionType(r.qtype).label, "a": r.difficulty_min, "b": r.difficulty_max}


@transaction.atomic
def paper_assemble(*, owner, title: str, rules: list[DrawRule], subject: Subject | None = None,
                   stage: Stage | None = None, book_ids: list[int] | None = None,
                   chapter_ids: list[int] | None = None, kp_ids: list[int] | None = None,
                   exclude_ids: list[int] | None = None, seed: int | None = None) -> Paper:
    """组卷 by rules: only questions of `subject` (and of the stage, books, chapters and knowledge points
    chosen); for each rule draw `count` questions of its type and difficulty range, never the same
    question twice in one paper. Refuses (PaperError) when the bank has too few, naming each short rule and
    how many it lacks. Without `subject`, the one subject of the knowledge points chosen is the paper's."""
    title = (title or "").strip()
    if not title:
        raise PaperError(_("请填写试卷名称。"))
    if subject is None and kp_ids:
        kp_subjects = set(KnowledgePoint.objects.filter(pk__in=kp_ids).values_list("subject_id", flat=True))
        if len(kp_subjects) == 1:
            subject = Subject.objects.get(pk=kp_subjects.pop())
    if subject is None:
        raise PaperError(_("请选择试卷的学科：按规则组卷只从这一学科的试题中抽题。"))
    rules = [r for r in rules if r.count > 0]
    if not rules:
        raise PaperError(_("请至少设置一条抽题规则（题型和数量）。"))
    pool = visible_questions(owner).filter(subject=subject)
    if stage is not None:
        pool = pool.filter(Q(chapters__book__stage=stage) | Q(knowledge_points__stage=stage))
    # A book or chapter includes the same lessons of an older revision of the book (ChapterLink).
    from zhijiao.catalog.selectors import book_by_id, book_scope, same_lessons_in_older_revisions

    if book_ids:
        older = [pk for b in filter(None, map(book_by_id, book_ids)) for pk in book_scope(b).linked_chapter_ids]
        pool = pool.filter(Q(chapters__book_id__in=book_ids) | Q(chapters__in=older) if older
                           else Q(chapters__book_id__in=book_ids))
    if chapter_ids:
        cond = Q()
        older = []
        for ch in Chapter.objects.filter(pk__in=chapter_ids):
            cond |= Q(chapters__book_id=ch.book_id, chapters__path__startswith=ch.path)
            older += same_lessons_in_older_revisions(ch)
        if older:
            cond |= Q(chapters__in=older)
        pool = pool.filter(cond) if cond else pool.none()
    if kp_ids:
        pool = pool.filter(knowledge_points__in=kp_ids)
    if exclude_ids:
        pool = pool.exclude(pk__in=exclude_ids)
    rng = random.Random(seed)
    chosen: list[tuple[int, float]] = []
    used: set[int] = set()
    shortfalls = []
    for n, r in enumerate(rules, start=1):
        candidates = sorted(set(pool.filter(qtype=r.qtype, difficulty__gte=r.difficulty_min,
                                            difficulty__lte=r.difficulty_max).values_list("pk", flat=True)) - used)
        if len(candidates) < r.count:
            shortfalls.append({"rule": n, "qtype": r.qtype, "needed": r.count, "available": len(candidates),
                               "missing": r.count - len(candidates),
                               "message": _("%(rule)s需要 %(n)s 道，符合条件的只有 %(have)s 道，还差 %(miss)s 道") % {
                                   "rule": _rule_label(n, r), "n": r.count, "have": len(candidates),
                                   "miss": r.count - len(candidates)}})
            continue
        for pk in rng.sample(candidates, r.count):
            used.add(pk)
            chosen.append((pk, r.score))
    if shortfalls:
        raise PaperError(_("%(s)s题库中符合条件的题目不够：") % {"s": subject.name}
                         + "；".join(s["message"] for s in shortfalls) + "。", shortfalls)
    paper = Paper.objects.create(title=title[:120], owner=owner, subject=subject, rules={
        "subject": subject.code, "stage": stage.code if stage else None, "books": book_ids or [],
        "chapters": chapter_ids or [], "knowledge_points": kp_ids or [],
        "rules": [r.__dict__ for r in rules], "seed": seed})
    PaperItem.objects.bulk_create(PaperItem(paper=paper, question_id=pk, order=k, score=score)
                                  for k, (pk, score) in enumerate(chosen, start=1))
    record_event(actor=owner, verb="created", object_kind="assessment", object_key=paper.pk, object_name=paper.title)
    return paper
