"""Homework pages: teachers assign and grade; students answer (autosave, submit, resubmit); parents follow."""

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.accounts.selectors import class_students, scope_of
from zhijiao.homework import actions
from zhijiao.homework.forms import responses_from_post
from zhijiao.homework.models import AssignmentKind, SubmissionStatus, Tier
from zhijiao.homework.selectors import (
    access_assignment,
    access_assignment_to_grade,
    access_own_submission,
    access_submission_result,
    access_submission_staff,
    access_submission_to_grade,
    all_answers,
    answers_visible,
    children_submissions,
    class_books,
    is_teacher,
    may_grade,
    may_grade_assignment,
    may_grade_in,
    my_submissions,
    question_answers,
    staff_assignments,
    submission_answers,
    submission_counts,
    teacher_groups,
)
from zhijiao.questions.selectors import visible_papers


def teacher_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_teacher(request.user) and not scope_of(request.user).oversight_paths:
            raise Http404
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


def _taught_classes(user):
    from zhijiao.core.models import OrgNode

    return list(OrgNode.objects.filter(pk__in=scope_of(user).taught_class_ids).order_by("path"))


@teacher_required
def teacher_list(request):
    assignments = list(staff_assignments(request.user).prefetch_related("classes").order_by("-due_at")[:100])
    counts = submission_counts([a.pk for a in assignments])
    rows = [{"a": a, **counts.get(a.pk, {"n": 0, "done": 0, "pending": 0})} for a in assignments]
    return render(request, "homework/teacher_list.html", {"rows": rows, "now": timezone.now()})


def _dt(value: str):
    try:
        dt = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(dt) if timezone.is_naive(dt) else dt


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


@teacher_required
def assign(request):
    user = request.user
    classes = _taught_classes(user)
    students = {k.pk: list(class_students(k)) for k in classes}
    groups = list(teacher_groups(user))
    papers = list(visible_papers(user)[:200])
    now = timezone.localtime().replace(second=0, microsecond=0)
    p = request.POST
    error = None
    if request.method == "POST":
        open_at, due_at = _dt(p.get("open_at", "")), _dt(p.get("due_at", ""))
        layered = p.get("layered") == "1"
        if layered:
            tiers = [actions.TierSpec(paper_id=int(p.get(f"paper_{t}")), label=t,
                                      class_ids=_ids(p.getlist(f"class_{t}")), group_ids=_ids(p.getlist(f"group_{t}")),
                                      student_ids=_ids(p.getlist(f"student_{t}")))
                     for t in "ABC" if str(p.get(f"paper_{t}", "")).isdigit()]
        else:
            tiers = ([actions.TierSpec(paper_id=int(p["paper"]), class_ids=_ids(p.getlist("class")),
                                       group_ids=_ids(p.getlist("group")), student_ids=_ids(p.getlist("student")))]
                     if str(p.get("paper", "")).isdigit() else [])
        if open_at is None or due_at is None:
            error = _("请填写开放时间和截止时间。")
        else:
            try:
                penalty = int(p.get("late_penalty") or 0)
            except ValueError:
                penalty = -1
            try:
                a = actions.assignment_create(
                    teacher=user, title=p.get("title", ""), kind=p.get("kind", ""), open_at=open_at, due_at=due_at,
                    tiers=tiers, layered=layered, allow_late=p.get("allow_late") == "1", late_penalty=penalty,
                    instructions=p.get("instructions", "").strip())
            except actions.HomeworkError as exc:
                error = exc.message
            else:
                messages.success(request, _("作业已布置给 %(n)s 名学生。") % {"n": a.submissions.count()})
                return redirect("homework:detail", assignment_id=a.pk)
    return render(request, "homework/assign.html", {
        "classes": classes, "students": students, "groups": groups, "papers": papers, "kinds": AssignmentKind.choices,
        "class_books": class_books(user, classes),
        "p": p, "error": error, "tiers": "ABC", "paper_pre": request.GET.get("paper", ""),
        "open_default": now.strftime("%Y-%m-%dT%H:%M"),
        "due_default": (now + timedelta(days=1)).replace(hour=21, minute=0).strftime("%Y-%m-%dT%H:%M"),
    }, status=422 if error else 200)


@teacher_required
def groups(request):
    user = request.user
    classes = _taught_classes(user)
    error = None
    if request.method == "POST":
        try:
            actions.group_create(teacher=user, klass_id=int(request.POST.get("klass") or 0),
                                 name=request.POST.get("name", ""), student_ids=_ids(request.POST.getlist("student")))
        except actions.HomeworkError as exc:
            error = exc.message
        else:
            messages.success(request, _("分组已创建。"))
            return redirect("homework:groups")
    return render(request, "homework/groups.html", {
        "classes": [(k, list(class_students(k))) for k in classes], "groups": teacher_groups(user), "error": error,
    }, status=422 if error else 200)


@teacher_required
def detail(request, assignment_id: int):
    """The teacher's view of one assignment: who submitted, and the class report."""
    from zhijiao.learning.selectors import assignment_report

    a = access_assignment(request.user, assignment_id)
    prefetch_related_objects([a], "classes", Prefetch("tiers", queryset=Tier.objects.select_related("paper")))
    report = assignment_report(request.user, a)
    top = max([n for _label, n in report["distribution"]] or [0]) or 1
    return render(request, "homework/detail.html", {"a": a, "r": report, "top": top,
                                                    "may_grade": may_grade_assignment(request.user, a)})


def _grade_answers(request, answers, errors: dict) -> int:
    """Save the typed scores and comments all together, or none of them when one is invalid (the page then
    shows what was typed, with the reason beside each bad score)."""
    saved = 0
    with transaction.atomic():
        for ans in answers:
            raw = request.POST.get(f"score_{ans.pk}", "").strip()
            comment = request.POST.get(f"comment_{ans.pk}", "")
            ans.typed_score, ans.typed_comment = raw, comment
            if raw == "" or (ans.score is not None and raw == str(ans.score) and comment == ans.comment):
                continue
            try:
                actions.answer_grade(teacher=request.user, answer=ans, score=raw, comment=comment)
                saved += 1
            except actions.HomeworkError as exc:
                errors[ans.pk] = exc.message
        if errors:
            transaction.set_rollback(True)
    return saved


@teacher_required
def grade_question(request, assignment_id: int, question_id: int):
    """批改 question by question: every student's answer to one question, scored on one page.

    Every teacher of the class reads the page; only the answers the user may grade (`may_grade`) have inputs,
    and a POST from someone who may grade none of the assignment is answered 404."""
    write = request.method == "POST"
    a = (access_assignment_to_grade if write else access_assignment)(request.user, assignment_id)
    answers = list(question_answers(request.user, a, question_id).filter(
        submission__status__in=[SubmissionStatus.SUBMITTED, SubmissionStatus.GRADED]))
    if not answers and not a.tiers.filter(Q(paper__items__question_id=question_id)
                                          | Q(paper__items__question__parts=question_id)).exists():
        raise Http404
    for ans in answers:
        ans.may_grade = may_grade_in(request.user, a, ans.submission.klass_id)
    errors = {}
    if write:
        saved = _grade_answers(request, [ans for ans in answers if ans.may_grade], errors)
        if not errors:
            messages.success(request, _("已保存 %(n)s 份批改。") % {"n": saved})
            return redirect("homework:grade_question", assignment_id=a.pk, question_id=question_id)
    question = answers[0].question if answers else None
    if question is None:
        from zhijiao.questions.models import Question

        question = Question.objects.select_related("parent").get(pk=question_id)
    return render(request, "homework/grade_question.html", {
        "a": a, "q": question, "answers": answers, "errors": errors, "post": request.POST,
        "may_grade": any(ans.may_grade for ans in answers)}, status=422 if errors else 200)


@teacher_required
def grade_submission(request, submission_id: int):
    """One student's submission: scores, comments, 总评, 退回订正. Staff of the class read it; a POST from
    anyone who may not change it (`may_grade`) is answered 404 before anything is written."""
    if request.method == "POST":
        sub = access_submission_to_grade(request.user, submission_id)
    else:
        sub = access_submission_staff(request.user, submission_id)
    errors = {}
    pairs = submission_answers(sub)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        _grade_answers(request, all_answers(pairs), errors)
        if not errors:
            try:
                sub.refresh_from_db()
                if request.POST.get("comment", "") != sub.comment:
                    actions.submission_comment(teacher=request.user, submission=sub,
                                               comment=request.POST.get("comment", ""))
                if action == "return":
                    actions.submission_return(teacher=request.user, submission=sub,
                                              comment=request.POST.get("comment", ""))
                    messages.success(request, _("已退回订正，学生会收到通知。"))
                else:
                    messages.success(request, _("批改已保存。"))
                return redirect("homework:grade_submission", submission_id=sub.pk)
            except actions.HomeworkError as exc:
                messages.error(request, exc.message)
    return render(request, "homework/grade_submission.html", {
        "sub": sub, "pairs": pairs, "errors": errors, "may_grade": may_grade(request.user, sub)},
        status=422 if errors else 200)


@login_required
def my(request):
    subs = list(my_submissions(request.user))
    if not subs and not scope_of(request.user).own_class_ids:
        raise Http404
    now = timezone.now()
    todo = [s for s in subs if s.status in (SubmissionStatus.ASSIGNED, SubmissionStatus.DRAFT,
                                            SubmissionStatus.RETURNED)]
    done = [s for s in subs if s not in todo]
    return render(request, "homework/my.html", {"todo": todo, "done": done, "now": now})


@login_required
def children(request):
    if not scope_of(request.user).child_ids:
        raise Http404
    return render(request, "homework/children.html", {"subs": children_submissions(request.user),
                                                      "now": timezone.now()})


@login_required
def do(request, submission_id: int):
    """Answer a homework on the web or a phone: drafts autosave, submit grades objective items at once."""
    sub = access_own_submission(request.user, submission_id)
    pairs = submission_answers(sub)
    if request.method == "POST":
        responses = responses_from_post([it for it, _a in pairs], request.POST)
        try:
            if request.POST.get("action") == "submit":
                sub = actions.submission_submit(student=request.user, submission=sub, responses=responses)
                msg = _("已提交。")
                if sub.late:
                    msg += _("（迟交）")
                messages.success(request, msg)
                return redirect("homework:result", submission_id=sub.pk)
            actions.submission_save_draft(student=request.user, submission=sub, responses=responses)
            messages.success(request, _("草稿已保存。"))
            return redirect("homework:do", submission_id=sub.pk)
        except actions.HomeworkError as exc:
            messages.error(request, exc.message)
            return redirect("homework:do", submission_id=sub.pk)
    if sub.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.GRADED):
        return redirect("homework:result", submission_id=sub.pk)
    now = timezone.now()
    return render(request, "homework/do.html", {
        "sub": sub, "pairs": pairs, "a": sub.assignment, "overdue": now > sub.assignment.due_at,
        "refused": now > sub.assignment.due_at and not sub.assignment.allow_late
        and sub.status != SubmissionStatus.RETURNED})


@login_required
@require_POST
def autosave(request, submission_id: int):
    sub = access_own_submission(request.user, submission_id)
    pairs = submission_answers(sub)
    try:
        sub = actions.submission_save_draft(student=request.user, submission=sub,
                                            responses=responses_from_post([it for it, _a in pairs], request.POST))
    except actions.HomeworkError as exc:
        return JsonResponse({"ok": False, "message": exc.message}, status=409)
    return JsonResponse({"ok": True, "saved_at": timezone.localtime(sub.saved_at).strftime("%H:%M:%S")})


@login_required
def result(request, submission_id: int):
    sub = access_submission_result(request.user, submission_id)
    if sub.student_id != request.user.pk:
        from zhijiao.accounts.actions import audit_sensitive_read

        audit_sensitive_read(actor=request.user, record_type="homework_submission", record_id=sub.pk,
                             school=sub.klass.school())
    return render(request, "homework/result.html", {
        "sub": sub, "pairs": submission_answers(sub), "show_answers": answers_visible(sub),
        "is_student": sub.student_id == request.user.pk})
