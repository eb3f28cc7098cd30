"""Question bank pages: browse and filter, create and edit, import, assemble papers (by hand and by rules)."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.catalog.models import Chapter, KnowledgePoint, Stage, Subject
from zhijiao.catalog.selectors import catalog_snapshot
from zhijiao.questions import actions, exports
from zhijiao.questions.answers import fill_answer_text, options_text, text_warnings
from zhijiao.questions.basket import MAX_BASKET, basket_clear, basket_ids, basket_update
from zhijiao.questions.models import Question, QuestionType, Share
from zhijiao.questions.selectors import (
    access_paper,
    access_question,
    can_use_bank,
    editable_question,
    paper_items,
    search_questions,
    visible_papers,
    visible_questions,
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


def _facets(user):
    """Chapters and knowledge points that have a question this user sees (a semi-join per catalog row,
    not a DISTINCT over every visible question's links)."""
    qs = visible_questions(user)
    chapter_links = Question.chapters.through.objects.filter(chapter_id=OuterRef("pk"), question__in=qs)
    kp_links = Question.knowledge_points.through.objects.filter(knowledgepoint_id=OuterRef("pk"), question__in=qs)
    chapters = Chapter.objects.filter(Exists(chapter_links)).select_related("book").order_by("book", "path")
    kps = KnowledgePoint.objects.filter(Exists(kp_links)).order_by("subject", "code")
    return list(chapters[:500]), list(kps[:500])


@staff_required
def bank(request):
    f = request.GET
    qs = search_questions(request.user, text=f.get("q", "").strip(), qtype=f.get("type", ""),
                          difficulty=_int(f.get("difficulty")), chapter_id=_int(f.get("chapter")),
                          kp_id=_int(f.get("kp")), subject_id=_int(f.get("subject")), mine=f.get("mine") == "1")
    page = Paginator(qs.order_by("-pk"), 20).get_page(f.get("page"))
    chapters, kps = _facets(request.user)
    query = f.copy()
    query.pop("page", None)
    selected = basket_ids(request.session)
    return render(request, "questions/bank.html", {
        "page": page, "types": QuestionType.choices, "chapters": chapters, "kps": kps, "f": f,
        "subjects": catalog_snapshot().subjects,  # shared catalog data from memory: no query
        "query": query.urlencode(), "difficulties": range(1, 6), "selected": set(selected), "selected_count": len(selected), "here": request.get_full_path(),
    })


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
    qs = search_questions(request.user, text=f.get("q", "").strip(), qtype=f.get("type", ""),
                          difficulty=_int(f.get("difficulty")), chapter_id=_int(f.get("chapter")),
                          kp_id=_int(f.get("kp")), subject_id=_int(f.get("subject")), mine=f.get("mine") == "1")
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
    return {k: post.get(k, "") for k in ("qtype", "stem", "options", "answer", "analysis", "difficulty", "subject",
                                         "knowledge_points", "chapters", "source", "share")}


def _initial(q) -> dict:
    if q is None:
        return {"qtype": QuestionType.SINGLE, "difficulty": 3, "share": Share.MINE}
    if q.qtype == QuestionType.FILL:
        answer = fill_answer_text(q.answer or [])  # JSON when an answer holds ; or |, so a save keeps it
    elif q.qtype == QuestionType.MULTIPLE:
        answer = "".join(q.answer or [])
    elif q.qtype == QuestionType.TRUEFALSE:
        answer = "对" if q.answer else "错"
    else:
        answer = q.answer or ""
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
    if request.method == "POST":
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
    return render(request, "questions/edit.html", {
        "d": data, "errors": errors, "dup": dup, "question": q, "types": QuestionType.choices,
        "warnings": text_warnings(data),
        "shares": Share.choices, "subjects": Subject.objects.all(), "difficulties": range(1, 6),
    }, status=422 if errors else 200)


@staff_required
def create(request):
    return _edit(request)


@staff_required
def edit(request, question_id: int):
    return _edit(request, editable_question(request.user, question_id))


@staff_required
def detail(request, question_id: int):
    q = access_question(request.user, question_id)
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


@staff_required
def import_view(request):
    result = None
    file_error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if not upload:
            file_error = _("请选择要导入的 .xlsx 或 .json 文件。")
        elif upload.size > 10 * 1024 * 1024:
            file_error = _("文件不能超过 10 MB。")
        else:
            try:
                rows = actions.parse_import_file(name=upload.name, content=upload.read())
            except actions.ImportFileError as exc:
                file_error = str(exc)
            else:
                result = actions.questions_import(owner=request.user, rows=rows,
                                                  skip_duplicates=request.POST.get("skip_duplicates") == "1",
                                                  dry_run=request.POST.get("dry_run") == "1")
                if result.ok and not result.dry_run:
                    messages.success(request, _("已导入 %(n)s 道题。") % {"n": len(result.created)})
    status = 422 if (file_error or (result and not result.ok)) else 200
    return render(request, "questions/import.html", {"result": result, "file_error": file_error}, status=status)


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
    chapters, kps = _facets(request.user)
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
        "books": sorted({c.book for c in chapters}, key=lambda b: b.code),  # books that have questions
        "sel_chapters": request.POST.getlist("chapter"), "sel_kps": request.POST.getlist("kp"),
        "sel_books": request.POST.getlist("book"),
    }, status=422 if error else 200)


@staff_required
def paper_detail(request, paper_id: int):
    paper = access_paper(request.user, paper_id)
    items = list(paper_items(paper))
    return render(request, "questions/paper_detail.html", {"paper": paper, "items": items,
                                                            "total": sum(i.score for i in items)})
