"""Homework API for phones and apps: my homework, autosave a draft, submit, the class report."""

from typing import Any

from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from zhijiao.homework import actions
from zhijiao.homework.selectors import access_assignment, access_own_submission, my_submissions

router = Router(tags=["homework 作业"])


class MyOut(Schema):
    submission_id: int
    title: str
    kind: str
    tier: str
    due_at: str
    status: str
    late: bool
    score: float | None
    max_score: float


class ResponsesIn(Schema):
    responses: dict[int, Any]


class SubmitOut(Schema):
    status: str
    late: bool
    score: float | None
    max_score: float
    attempt: int


@router.get("/my", response=list[MyOut], summary="我的作业")
def my(request):
    return [{"submission_id": s.pk, "title": s.assignment.title, "kind": s.assignment.kind, "tier": s.tier.label,
             "due_at": s.assignment.due_at.isoformat(), "status": s.status, "late": s.late,
             "score": float(s.score) if s.score is not None else None, "max_score": float(s.max_score)}
            for s in my_submissions(request.auth)[:200]]


@router.put("/submissions/{submission_id}/draft", summary="保存草稿（自动保存）")
def draft(request, submission_id: int, payload: ResponsesIn):
    sub = access_own_submission(request.auth, submission_id)
    try:
        sub = actions.submission_save_draft(student=request.auth, submission=sub, responses=payload.responses)
    except actions.HomeworkError as exc:
        raise HttpError(409, exc.message) from exc
    return {"saved_at": timezone.localtime(sub.saved_at).isoformat()}


@router.post("/submissions/{submission_id}/submit", response=SubmitOut, summary="提交作业")
def submit(request, submission_id: int, payload: ResponsesIn):
    sub = access_own_submission(request.auth, submission_id)
    try:
        sub = actions.submission_submit(student=request.auth, submission=sub, responses=payload.responses)
    except actions.HomeworkError as exc:
        raise HttpError(409, exc.message) from exc
    return {"status": sub.status, "late": sub.late, "score": float(sub.score) if sub.score is not None else None,
            "max_score": float(sub.max_score), "attempt": sub.attempt}


@router.get("/assignments/{assignment_id}/report", summary="作业学情报告")
def report(request, assignment_id: int):
    from zhijiao.learning.selectors import assignment_report

    a = access_assignment(request.auth, assignment_id)
    r = assignment_report(request.auth, a)
    return {
        "assigned": len(r["subs"]), "submitted": len(r["done"]), "late": len(r["late"]),
        "not_submitted": [s.student_id for s in r["not_submitted"]],
        "mean": r["mean"], "distribution": dict(r["distribution"]),
        "questions": [{"question_id": q["question"].pk, "tier": q["tier"], "no": q["no"], "part": q["part"],
                       "answered": q["n"],
                       "correct_rate": q["rate"], "pending": q["pending"],
                       "common_wrong": [{"answer": a, "count": n} for a, n in q["wrong"]]} for q in r["questions"]],
    }
