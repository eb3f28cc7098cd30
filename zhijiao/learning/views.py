"""Learning-status pages: class mastery map and reports, a student's mastery with recommendations, the
wrong-question notebook, targeted practice and Q&A."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.accounts.selectors import scope_of
from zhijiao.homework.forms import responses_from_post
from zhijiao.learning import actions, practice, selectors


@login_required
def index(request):
    classes = list(selectors.teacher_classes(request.user).select_related("parent__parent")[:200])
    if not classes:
        raise Http404
    return render(request, "learning/index.html", {"classes": classes})


@login_required
def class_map(request, class_id: int):
    klass = selectors.access_class_staff(request.user, class_id)
    subject = request.GET.get("subject", "")
    kps = selectors.class_kps(klass, subject)
    data = selectors.mastery_map(klass, kps)
    chapters = selectors.chapter_report(request.user, klass, subject)
    subjects = sorted({r.subject for r in scope_of(request.user).roles if r.node_id == klass.pk and r.subject})
    can_push = klass.pk in scope_of(request.user).taught_class_ids
    return render(request, "learning/class_map.html", {
        "klass": klass, "m": data, "chapters": chapters, "subject": subject, "subjects": subjects,
        "can_push": can_push, "threshold": 60})


@login_required
def student(request, student_id: int):
    """A student's mastery for staff of their class and their parents (the student uses 我的学情)."""
    st, rows = selectors.student_mastery(request.user, student_id)
    if st.pk == request.user.pk:
        return redirect("learning:my")
    from zhijiao.accounts.actions import audit_sensitive_read

    audit_sensitive_read(actor=request.user, record_type="mastery", record_id=st.pk)
    return render(request, "learning/student.html", {"st": st, "rows": rows,
                                                     "recs": selectors.recommendations(st, mastery_rows=rows)})


@login_required
def my(request):
    if not scope_of(request.user).own_class_ids:
        raise Http404
    _st, rows = selectors.student_mastery(request.user, request.user.pk)
    return render(request, "learning/student.html", {"st": request.user, "rows": rows, "mine": True,
                                                     "recs": selectors.recommendations(request.user,
                                                                                       mastery_rows=rows)})


@login_required
def notebook(request):
    if not scope_of(request.user).own_class_ids:
        raise Http404
    show = request.GET.get("show", "open")
    items = selectors.notebook(request.user, resolved=show == "done")
    page = Paginator(items, 20).get_page(request.GET.get("page"))
    return render(request, "learning/notebook.html", {"page": page, "show": show})


@login_required
def practise(request, item_id: int):
    """Re-practice one wrong question: answer again, graded at once."""
    item = selectors.access_wrong_item(request.user, item_id)
    result = None
    if request.method == "POST":

        class _It:
            question = item.question

        response = responses_from_post([_It], request.POST)[item.question_id]
        result = actions.notebook_practise(student=request.user, item=item, response=response)
        item.refresh_from_db()
    return render(request, "learning/practise.html", {"item": item, "q": item.question, "result": result})


@login_required
@require_POST
def push(request, class_id: int):
    """A teacher pushes a generated layered practice set to the students weak on the chosen points."""
    klass = selectors.access_class_staff(request.user, class_id)
    try:
        threshold = int(request.POST.get("threshold") or 60) / 100
        per_tier = int(request.POST.get("count") or 5)
        if not (0 < threshold <= 1 and 1 <= per_tier <= 20):
            raise ValueError
    except ValueError:
        messages.error(request, _("掌握度阈值应为 1–100，题量为 1–20。"))
        return redirect("learning:class_map", class_id=klass.pk)
    try:
        a = practice.practice_push(teacher=request.user, klass=klass,
                                  kp_ids=[int(k) for k in request.POST.getlist("kp") if k.isdigit()],
                                  threshold=threshold, per_tier=per_tier)
    except actions.QAError as exc:
        messages.error(request, "；".join(exc.args[0].values()))
        return redirect("learning:class_map", class_id=klass.pk)
    messages.success(request, _("已向 %(n)s 名学生推送分层练习。") % {"n": a.submissions.count()})
    return redirect("homework:detail", assignment_id=a.pk)


# --- Q&A ------------------------------------------------------------------------------------------

def _qa_allowed(user):
    scope = scope_of(user)
    if not (scope.own_class_ids or scope.taught_class_ids or scope.oversight_paths or scope.child_ids):
        raise Http404


@login_required
def qa_list(request):
    _qa_allowed(request.user)
    qs = selectors.search_threads(request.user, text=request.GET.get("q", "").strip(),
                                  resolved=request.GET.get("resolved", ""))
    page = Paginator(qs.order_by("resolved", "-created_at"), 20).get_page(request.GET.get("page"))
    return render(request, "learning/qa_list.html", {"page": page, "f": request.GET,
                                                     "can_ask": bool(scope_of(request.user).own_class_ids)})


@login_required
def qa_ask(request):
    if not scope_of(request.user).own_class_ids:
        raise Http404
    errors = {}
    about_kind = request.GET.get("about", request.POST.get("about_kind", ""))
    about_id = request.GET.get("id", request.POST.get("about_id", ""))
    if request.method == "POST":
        try:
            t = actions.thread_ask(student=request.user, title=request.POST.get("title", ""),
                                   body=request.POST.get("body", ""), subject=request.POST.get("subject", ""),
                                   image=request.FILES.get("image"), about_kind=about_kind,
                                   about_id=int(about_id) if str(about_id).isdigit() else None)
        except actions.QAError as exc:
            errors = exc.args[0]
        else:
            messages.success(request, _("问题已提交，任课老师会收到通知。"))
            return redirect("learning:qa_detail", thread_id=t.pk)
    return render(request, "learning/qa_ask.html", {
        "errors": errors, "p": request.POST, "about_kind": about_kind, "about_id": about_id,
        "subjects": ["语文", "数学", "英语", "科学", "道德与法治", "物理", "化学", "生物", "历史", "地理"]},
        status=422 if errors else 200)


@login_required
def qa_detail(request, thread_id: int):
    t = selectors.access_thread(request.user, thread_id)
    is_teacher = t.klass_id in scope_of(request.user).taught_class_ids
    return render(request, "learning/qa_detail.html", {
        "t": t, "replies": t.replies.select_related("author"), "is_teacher": is_teacher,
        "can_reply": is_teacher or t.asker_id == request.user.pk or t.klass_id in scope_of(request.user).own_class_ids,
        "can_resolve": is_teacher or t.asker_id == request.user.pk})


@login_required
@require_POST
def qa_reply(request, thread_id: int):
    t = selectors.access_thread(request.user, thread_id)
    scope = scope_of(request.user)
    if not (t.klass_id in scope.taught_class_ids or t.klass_id in scope.own_class_ids):
        raise Http404
    try:
        actions.thread_reply(user=request.user, thread=t, body=request.POST.get("body", ""),
                             image=request.FILES.get("image"))
    except actions.QAError as exc:
        messages.error(request, "；".join(exc.args[0].values()))
    return redirect("learning:qa_detail", thread_id=t.pk)


@login_required
@require_POST
def qa_resolve(request, thread_id: int):
    t = selectors.access_thread(request.user, thread_id)
    if not (t.asker_id == request.user.pk or t.klass_id in scope_of(request.user).taught_class_ids):
        raise Http404
    actions.thread_resolve(user=request.user, thread=t)
    messages.success(request, _("已标记为已解决。"))
    return redirect("learning:qa_detail", thread_id=t.pk)


@login_required
@require_POST
def qa_publish(request, reply_id: int):
    """A teacher shares a good answer of theirs as a resource (submitted for review); anyone else's: 404."""
    reply = selectors.access_reply_to_publish(request.user, reply_id)
    t = reply.thread
    try:
        actions.reply_publish(teacher=request.user, reply=reply)
    except actions.QAError as exc:
        messages.error(request, "；".join(exc.args[0].values()))
    else:
        messages.success(request, _("已分享为资源，审核通过后全区可见。"))
    return redirect("learning:qa_detail", thread_id=t.pk)


@login_required
def qa_image(request, kind: str, pk: int):
    from zhijiao.learning.models import Reply

    if kind == "thread":
        obj = selectors.access_thread(request.user, pk)
    elif kind == "reply":
        obj = Reply.objects.select_related("thread").filter(pk=pk).first()
        if obj is None:
            raise Http404
        selectors.access_thread(request.user, obj.thread_id)
    else:
        raise Http404
    if not obj.image:
        raise Http404
    resp = FileResponse(obj.image.open("rb"), content_type=mimetypes.guess_type(obj.image.name)[0]
                        or "application/octet-stream")
    resp["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


@login_required
def notifications(request):
    """The old notifications address: they now live in the one inbox."""
    return redirect("web:inbox")
