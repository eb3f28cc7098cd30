"""Question bank pages: browse and filter, create and edit, import, assemble papers (by hand and by rules)."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from zhijiao.catalog.models import Stage, Subject
from zhijiao.catalog.selectors import (
    book_by_id,
    book_chapters,
    book_scope,
    books_in_use_for,
    catalog_snapshot,
)
from zhijiao.questions import actions, exports
from zhijiao.questions.answers import fill_answer_text, options_text, text_warnings
from zhijiao.questions.basket import MAX_BASKET, basket_clear, basket_ids, basket_update
from zhijiao.questions.models import Question, QuestionImage, QuestionType, Share
from zhijiao.questions.selectors import (
    access_paper,
    access_question,
    bank_facets,
    can_use_bank,
    editable_question,
    paper_items,
    search_questions,
    visible_papers,
    visible_questions,
    with_parts,
)


def staff_required(view):
    """Teachers and admins only; for anyone else the bank does not exist (404)."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not can_use_bank(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _bank_book(request, in_use: list):
    """(book, defaulted): the book filter. Without a `book` parameter and without a chapter, the book the
    teacher's school uses for the teacher's grade (of the chosen subject, if any): 年级用书. `book=` (empty)
    means every book."""
    f = request.GET
    if "book" in f or f.get("chapter"):
        return book_by_id(_int(f.get("book"))), False
    subject_id = _int(f.get("subject"))
    book = next((b for b in in_use if subject_id in (None, b.subject_id)), None)
    return book, book is not None


def _bank_questions(request, book=None):
    """The questions the bank page's filters select (the page and its export read the same ones)."""
    f = request.GET
    return search_questions(request.user, text=f.get("q", "").strip(), qtype=f.get("type", ""),
                            difficulty=_int(f.get("difficulty")), chapter_id=_int(f.get("chapter")),
                            kp_id=_int(f.get("kp")), subject_id=_int(f.get("subject")), mine=f.get("mine") == "1",
                            book_id=book.pk if book else None)


def _book_choices(in_use: list, chapters: list) -> tuple[list, list]:
    """The book filter's options: the books the teacher's school uses for the teacher's grades first, then
    the other books that have questions (from the chapter facet)."""
    used = {b.pk for b in in_use}
    others = sorted({c.book_id: c.book for c in chapters if c.book_id not in used}.values(), key=lambda b: b.code)
    return in_use, others


def _chapter_choices(book, chapters: list) -> tuple[list, list]:
    """The chapter filter's options: every chapter of the chosen book first (book order, from the cached
    catalog), then the other chapters that have questions."""
    if book is None:
        return [], chapters
    return book_chapters(book), [c for c in chapters if c.book_id != book.pk]


@staff_required
def bank(request):
    f = request.GET
    in_use = books_in_use_for(request.user)
    book, defaulted = _bank_book(request, in_use)
    qs = _bank_questions(request, book)
    page = Paginator(qs.order_by("-pk"), 20).get_page(f.get("page"))
    with_parts(page.object_list)
    chapters, kps = bank_facets(request.user)
    chapter = catalog_snapshot().chapter_by_id(_int(f.get("chapter")))
    shown_book = chapter.book if chapter else book
    scope = book_scope(shown_book, chapter) if shown_book else None
    book_first, book_others = _book_choices(in_use, chapters)
    chapters_first, chapters_others = _chapter_choices(shown_book, chapters)
    query = f.copy()
    query.pop("page", None)
    selected = basket_ids(request.session)
    return render(request, "questions/bank.html", {
        "page": page, "types": QuestionType.choices, "kps": kps, "f": f,
        "book": shown_book, "defaulted": defaulted, "scope": scope, "book_first": book_first,
        "book_others": book_others, "chapters_first": chapters_first, "chapters_others": chapters_others,
        "subjects": catalog_snapshot().subjects,  # shared catalog data from memory: no query
        "query": query.urlencode(), "difficulties": range(1, 6), "selected": set(selected), "selected_count": len(selected), "here": request.get_full_path(),
    })


PART_FIELDS = ("id", "qtype", "stem", "options", "answer", "score", "knowledge_points", "analysis")
MAX_FORM_PARTS = actions.MAX_PARTS


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()][:MAX_BASKET]


@staff_required
@require_POST
def basket(request):
    """Tick or untick questions for 组卷 by hand. `shown` lists the questions on the page the form came from:
    those not ticked are taken out. Answers JSON to the page's script, else goes back to the page."""
    ticked = _ids(request.POST.getlist("question"))
    remove = _ids(request.POST.getlist("remove")) + [i for i in _ids(request.POST.getlist("shown")) if i not in ticked]
    if request.POST.get("clear") == "1":
        basket_clear(request.session)
        ids = []
    else:
        ids = basket_update(request.session, request.user, add=ticked, remove=remove)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"count": len(ids)})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith("/"):
        back = reverse("questions:bank")
    return redirect(back)


@staff_required
def export(request):
    """The questions the bank page shows (same filters), as XLSX or JSON in the import's format."""
    f = request.GET
    book, _defaulted = _bank_book(request, books_in_use_for(request.user))
    qs = _bank_questions(request, book)
    qs = qs.order_by("pk")
    if f.get("format") == "json":
        resp = HttpResponse(exports.export_json(qs), content_type="application/json; charset=utf-8")
        resp["Content-Disposition"] = 'attachment; filename="questions.json"'
    else:
        resp = HttpResponse(exports.export_xlsx(qs), content_type=XLSX_TYPE)
        resp["Content-Disposition"] = 'attachment; filename="questions.xlsx"'
    resp["Cache-Control"] = "private, no-store"
    return resp


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form_data(post) -> dict:
    data = {k: post.get(k, "") for k in ("qtype", "stem", "options", "answer", "analysis", "difficulty", "subject",
                                         "knowledge_points", "chapters", "source", "share")}
    try:
        count = max(0, min(int(post.get("part_count") or 0), MAX_FORM_PARTS))
    except ValueError:
        count = 0
    data["parts"] = [{k: post.get(f"part-{i}-{k}", "") for k in PART_FIELDS} for i in range(count)]
    return data


def _part_op(data: dict, op: str) -> bool:
    """Add, remove or move a part of the composite being edited (the page is shown again, nothing saved).
    Returns whether `op` was one of these."""
    parts = data["parts"]
    if op == "add":
        data["qtype"] = QuestionType.COMPOSITE
        if len(parts) < MAX_FORM_PARTS:
            parts.append({"qtype": QuestionType.SINGLE, "score": "2"})
        return True
    name, _sep, index = op.partition("-")
    i = _int(index)
    if name not in ("remove", "up", "down") or i is None or not 0 <= i < len(parts):
        return False
    if name == "remove":
        parts.pop(i)
    elif name == "up" and i > 0:
        parts[i - 1], parts[i] = parts[i], parts[i - 1]
    elif name == "down" and i < len(parts) - 1:
        parts[i + 1], parts[i] = parts[i], parts[i + 1]
    return True


def _part_errors(parts: list[dict], errors: dict) -> None:
    """Each part's messages beside its own fields (errors are keyed "parts.<n>.<field>", n from 1)."""
    for n, part in enumerate(parts, start=1):
        part["errors"] = {k.split(".", 2)[2]: v for k, v in errors.items() if k.startswith(f"parts.{n}.")}


def _initial(q) -> dict:
    if q is None:
        return {"qtype": QuestionType.SINGLE, "difficulty": 3, "share": Share.MINE, "parts": []}
    if q.is_composite:
        parts = [{**_initial(p), "id": p.pk, "score": p.part_score or ""} for p in q.part_list()]
        own = set(q.knowledge_points.all()) - {k for p in q.part_list() for k in p.knowledge_points.all()}
        return {**_initial_fields(q, answer=""), "parts": parts,
                "knowledge_points": "；".join(k.code for k in sorted(own, key=lambda k: k.code))}
    return {**_initial_fields(q, answer=_answer_text(q)), "parts": []}


def _answer_text(q) -> str:
    if q.qtype == QuestionType.FILL:
        answer = fill_answer_text(q.answer or [])  # JSON when an answer holds ; or |, so a save keeps it
    elif q.qtype == QuestionType.MULTIPLE:
        answer = "".join(q.answer or [])
    elif q.qtype == QuestionType.TRUEFALSE:
        answer = "对" if q.answer else "错"
    else:
        answer = q.answer or ""
    return answer


def _initial_fields(q, *, answer: str) -> dict:
    return {
        "qtype": q.qtype, "stem": q.stem, "options": options_text(q.options), "answer": answer,
        "analysis": q.analysis, "difficulty": q.difficulty, "subject": q.subject.code if q.subject else "",
        "knowledge_points": "；".join(k.code for k in q.knowledge_points.all()),
        "chapters": "；".join(c.key for c in q.chapters.all()), "source": q.source, "share": q.share,
    }


def _edit(request, q=None):
    data = _form_data(request.POST) if request.method == "POST" else _initial(q)
    errors: dict = {}
    dup = None
    if request.method == "POST" and _part_op(data, request.POST.get("op", "")):
        pass  # a part was added, removed or moved: show the form again
    elif request.method == "POST":
        try:
            if q is None:
                q = actions.question_create(owner=request.user, data=data,
                                            stem_image=request.FILES.get("stem_image"),
                                            analysis_image=request.FILES.get("analysis_image"),
                                            allow_duplicate=request.POST.get("allow_duplicate") == "1")
                messages.success(request, _("试题已保存。"))
            else:
                actions.question_update(user=request.user, question=q, data=data,
                                        stem_image=request.FILES.get("stem_image"),
                                        analysis_image=request.FILES.get("analysis_image"))
                messages.success(request, _("修改已保存。"))
            return redirect("questions:detail", question_id=q.pk)
        except actions.DuplicateQuestion as exc:
            errors, dup = exc.errors, exc.existing
        except actions.QuestionInvalid as exc:
            errors = exc.errors
    _part_errors(data["parts"], errors)
    return render(request, "questions/edit.html", {
        "d": data, "errors": errors, "dup": dup, "question": q, "types": QuestionType.choices,
        "part_types": [(v, label) for v, label in QuestionType.choices if v != QuestionType.COMPOSITE],
        "warnings": text_warnings(data),
        "shares": Share.choices, "subjects": Subject.objects.all(), "difficulties": range(1, 6),
    }, status=422 if errors else 200)


@staff_required
def create(request):
    return _edit(request)


@staff_required
def edit(request, question_id: int):
    return _edit(request, with_parts([editable_question(request.user, question_id)])[0])


@staff_required
def detail(request, question_id: int):
    q = with_parts([access_question(request.user, question_id)])[0]
    return render(request, "questions/detail.html", {"q": q, "show_answer": True})


@login_required
def image(request, question_id: int, which: str):
    """A question's stem or analysis image. Students reach stem images through their homework."""
    q = Question.objects.filter(pk=question_id).first()
    if q is None or which not in ("stem", "analysis"):
        raise Http404
    if not can_use_bank(request.user):
        from zhijiao.homework.selectors import question_visible_to_student

        if not question_visible_to_student(request.user, q, analysis=which == "analysis"):
            raise Http404
    elif not visible_questions(request.user).filter(pk=q.pk).exists():
        raise Http404
    f = q.stem_image if which == "stem" else q.analysis_image
    if not f:
        raise Http404
    ctype = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
    resp = FileResponse(f.open("rb"), content_type=ctype)
    resp["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


@login_required
def figure(request, image_id: int):
    """A picture inside a question's text, to whoever may see that question (students: through their homework,
    and a picture only in the analysis when they may see the analysis)."""
    img = QuestionImage.objects.select_related("question").filter(pk=image_id).first()
    if img is None:
        raise Http404
    if not can_use_bank(request.user):
        from zhijiao.homework.selectors import question_visible_to_student

        if not question_visible_to_student(request.user, img.question, analysis=img.only_in_analysis):
            raise Http404
    elif not visible_questions(request.user).filter(pk=img.question_id).exists():
        raise Http404
    resp = FileResponse(img.file.open("rb"), content_type=mimetypes.guess_type(img.file.name)[0]
                        or "application/octet-stream")
    resp["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "private, max-age=86400"
    return resp


@staff_required
def import_view(request):
    result = None
    file_error = None
    preview = paper_notes = None
    labels: dict = {}
    staged = None
    subject = request.POST.get("subject", "").strip()[:40]
    if request.method == "POST":
        from zhijiao.questions import staging

        upload = request.FILES.get("file")
        handle = request.POST.get("staged", "")
        taken = staging.take(user=request.user, handle=handle) if handle and not upload else None
        if handle and not upload and taken is None:
            file_error = _("试导入的文件已过期或不存在，请重新选择文件。")
        elif not upload and taken is None:
            file_error = _("请选择要导入的 .xlsx、.json、.docx 或 .zip 文件。")
        elif upload and upload.size > 10 * 1024 * 1024:
            file_error = _("文件不能超过 10 MB。")
        else:
            name, content = taken if taken else (upload.name, upload.read())
            try:
                rows = actions.parse_import_file(name=name, content=content)
            except actions.ImportFileError as exc:
                file_error = str(exc)
            else:
                labels = {n: row.get("_label") for n, row in rows if isinstance(row, dict)}
                from zhijiao.questions.import_preview import default_subject, preview_rows

                default_subject(rows, subject)
                if request.POST.get("dry_run") == "1":
                    preview, paper_notes = preview_rows(owner=request.user, rows=rows)
                    staged = handle if taken else staging.stage(user=request.user, name=name, content=content)
                else:
                    result = actions.questions_import(owner=request.user, rows=rows,
                                                      skip_duplicates=request.POST.get("skip_duplicates") == "1")
                    if result.ok:
                        if taken:
                            staging.discard(user=request.user, handle=handle)
                        n = len(result.created)
                        messages.success(request, ngettext("已导入 %(n)s 道题。", "已导入 %(n)s 道题。", n) % {"n": n})
    status = 422 if (file_error or (result and not result.ok)) else 200
    errors = [(labels.get(n) or n, msg) for n, msg in result.errors] if result else []
    return render(request, "questions/import.html", {
        "result": result, "file_error": file_error, "errors": errors, "preview": preview, "staged": staged,
        "subjects": Subject.objects.order_by("pk"), "subject": subject,
        "paper_notes": paper_notes, "preview_bad": sum(1 for p in preview or [] if p.errors)}, status=status)


@staff_required
def papers(request):
    return render(request, "questions/papers.html", {"papers": visible_papers(request.user)[:200]})


@staff_required
@require_POST
def paper_new(request):
    """组卷 by hand: the questions in the selection (ticked on any page, under any filter) become a paper."""
    ticked = _ids(request.POST.getlist("question"))
    unticked = {i for i in _ids(request.POST.getlist("shown")) if i not in ticked}
    ids = [i for i in dict.fromkeys(basket_ids(request.session) + ticked) if i not in unticked]
    try:
        paper = actions.paper_create(owner=request.user, title=request.POST.get("title", ""), question_ids=ids,
                                     score=float(request.POST.get("score") or 5))
    except (actions.PaperError, ValueError) as exc:
        messages.error(request, str(exc) if isinstance(exc, actions.PaperError) else _("分值应为数字。"))
        return redirect("questions:bank")
    basket_clear(request.session)
    messages.success(request, _("试卷已生成。"))
    return redirect("questions:paper_detail", paper_id=paper.pk)


@staff_required
def paper_rules(request):
    """组卷 by rules: the subject (required), stage, books, chapters, knowledge points, then counts per type
    and difficulty."""
    chapters, kps = bank_facets(request.user)
    in_use = books_in_use_for(request.user)
    book_first, book_others = _book_choices(in_use, chapters)
    # Opened afresh: the book the teacher's grade uses is chosen (`?book=<id>` from 布置作业 picks a class's).
    if request.method == "POST":
        sel_books = request.POST.getlist("book")
    elif "book" in request.GET:
        got = book_by_id(_int(request.GET.get("book")))
        sel_books = [str(got.pk)] if got else []
        if got and got.pk not in {b.pk for b in book_first + book_others}:
            book_others = [got, *book_others]
    else:
        sel_books = [str(in_use[0].pk)] if in_use else []
    error = None
    shortfalls: list = []
    rows = []
    for i, (t, _label) in enumerate(QuestionType.choices):
        rows.append({"i": i, "type": t, "label": _label,
                     "count": request.POST.get(f"count_{i}", ""), "dmin": request.POST.get(f"dmin_{i}", "1"),
                     "dmax": request.POST.get(f"dmax_{i}", "5"), "score": request.POST.get(f"score_{i}", "5")})
    if request.method == "POST":
        subject = Subject.objects.filter(pk=_int(request.POST.get("subject"))).first()
        stage = Stage.objects.filter(pk=_int(request.POST.get("stage"))).first() if request.POST.get("stage") else None
        try:
            rules = []
            for r in rows:
                count = int(r["count"] or 0)
                dmin, dmax = int(r["dmin"] or 1), int(r["dmax"] or 5)
                if count < 0 or count > 100 or not (1 <= dmin <= dmax <= 5):
                    raise ValueError
                if count:
                    rules.append(actions.DrawRule(qtype=r["type"], count=count, difficulty_min=dmin,
                                                  difficulty_max=dmax, score=float(r["score"] or 5)))
            paper = actions.paper_assemble(
                owner=request.user, title=request.POST.get("title", ""), rules=rules, subject=subject, stage=stage,
                book_ids=[int(b) for b in request.POST.getlist("book") if b.isdigit()],
                chapter_ids=[int(c) for c in request.POST.getlist("chapter") if c.isdigit()],
                kp_ids=[int(k) for k in request.POST.getlist("kp") if k.isdigit()])
        except ValueError:
            error = _("数量应为 0–100 的整数，难度范围 1–5 且下限不大于上限，分值为数字。")
        except actions.PaperError as exc:
            error, shortfalls = str(exc), exc.shortfalls
        else:
            messages.success(request, _("已按规则抽题组卷，共 %(n)s 题。") % {"n": paper.items.count()})
            return redirect("questions:paper_detail", paper_id=paper.pk)
    return render(request, "questions/paper_rules.html", {
        "chapters": chapters, "kps": kps, "rows": rows, "error": error, "shortfalls": shortfalls,
        "post": request.POST, "subjects": Subject.objects.all(), "stages": Stage.objects.all(),
        "book_first": book_first, "book_others": book_others,  # in use at the school first, then with questions
        "sel_chapters": request.POST.getlist("chapter"), "sel_kps": request.POST.getlist("kp"),
        "sel_books": sel_books,
    }, status=422 if error else 200)


@staff_required
def paper_detail(request, paper_id: int):
    paper = access_paper(request.user, paper_id)
    items = paper_items(paper)
    return render(request, "questions/paper_detail.html", {"paper": paper, "items": items,
                                                            "total": sum(i.score for i in items)})
