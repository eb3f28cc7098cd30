"""Reads of learning status, every one scoped: class reports for the class's teachers (and admins above),
a student's own mastery and notebook for the student (and their parents), Q&A for the class."""

from collections import Counter, defaultdict

from django.db.models import Avg, Case, Count, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import DenseRank, RowNumber
from django.http import Http404

from zhijiao.accounts.selectors import access_class, class_students, scope_of
from zhijiao.catalog.models import KnowledgePoint
from zhijiao.homework.models import Answer, Assignment, Submission, SubmissionStatus
from zhijiao.homework.selectors import assignment_submissions, staff_class_ids
from zhijiao.learning.models import Mastery, Reply, Thread, WrongItem
from zhijiao.questions.models import PaperItem

ATTENTION = 0.5  # mastery below this needs attention


def answer_log(*, with_codes: bool = False):
    """Every graded answer as a knowledge-tracing log (student, knowledge point, question, correct), in time
    order per student: the training data `zhijiao learning-fit` and bench/mastery.py use."""
    import numpy as np

    from zhijiao.learning import kt
    rows = (Answer.objects.filter(correct__isnull=False, submission__submitted_at__isnull=False)
            .values_list("submission__student_id", "question__knowledge_points", "question_id", "correct",
                         "submission__submitted_at", "pk")
            .order_by("submission__student_id", "submission__submitted_at", "pk"))
    data = [(s, k, q, int(c)) for s, k, q, c, _t, _pk in rows if k is not None]
    codes: dict[int, int] = {}
    for _s, k, _q, _c in data:
        codes.setdefault(k, len(codes))
    if data:
        a = np.array([(s, codes[k], q, c) for s, k, q, c in data], dtype=np.int64)
        log = kt.Log(a[:, 0], a[:, 1], a[:, 2], a[:, 3].astype(float))
    else:
        e = np.zeros(0, dtype=np.int64)
        log = kt.Log(e, e, e, e.astype(float))
    if with_codes:
        return log, {v: k for k, v in codes.items()}
    return log


def teacher_classes(user) -> QuerySet:
    from zhijiao.core.models import OrgNode

    return OrgNode.objects.filter(pk__in=staff_class_ids(user)).order_by("path")


def access_class_staff(user, class_id: int):
    """A class whose learning status this user may read as staff (404 for students, parents, others)."""
    if class_id not in staff_class_ids(user):
        raise Http404
    return access_class(user, class_id)


def class_kps(klass, subject: str = "") -> list[KnowledgePoint]:
    """Knowledge points the class has practised (through homework), optionally of one subject."""
    qs = KnowledgePoint.objects.filter(
        questions__paper_items__paper__in=Submission.objects.filter(klass=klass).values("tier__paper")).distinct()
    if subject:
        qs = qs.filter(subject__name=subject)
    return list(qs.order_by("code")[:60])


def mastery_map(klass, kps: list[KnowledgePoint]) -> dict:
    """Class mastery map: rows of students × knowledge points, the class mean per point, weakest points,
    and students needing attention (mean below ATTENTION over the points they have answered)."""
    students = list(class_students(klass))
    ids = [k.pk for k in kps]
    cells = {(m.student_id, m.knowledge_point_id): m for m in
             Mastery.objects.filter(student__in=students, knowledge_point_id__in=ids)}
    rows = []
    attention = []
    for s in students:
        values = [cells.get((s.pk, k)) for k in ids]
        known = [m.p_mastery for m in values if m]
        mean = sum(known) / len(known) if known else None
        rows.append({"student": s, "cells": values, "mean": mean})
        if mean is not None and mean < ATTENTION:
            weak_kps = [kps[i] for i, m in enumerate(values) if m and m.p_mastery < ATTENTION]
            attention.append({"student": s, "mean": mean, "weak": weak_kps})
    means = []
    for i, k in enumerate(kps):
        vals = [r["cells"][i].p_mastery for r in rows if r["cells"][i]]
        means.append({"kp": k, "mean": sum(vals) / len(vals) if vals else None, "n": len(vals),
                      "below": sum(1 for v in vals if v < ATTENTION)})
    weakest = sorted([m for m in means if m["mean"] is not None], key=lambda m: m["mean"])[:5]
    attention.sort(key=lambda a: a["mean"])
    return {"rows": rows, "kps": kps, "means": means, "weakest": weakest, "attention": attention}


def assignment_report(user, assignment: Assignment) -> dict:
    """Per-assignment report: score distribution, per-question correct rate and most common wrong answers,
    who has not submitted."""
    from zhijiao.questions.grading import response_key

    subs = list(assignment_submissions(user, assignment))
    done = [s for s in subs if s.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.GRADED)]
    not_submitted = [s for s in subs if s.status in (SubmissionStatus.ASSIGNED, SubmissionStatus.DRAFT,
                                                     SubmissionStatus.RETURNED)]
    buckets = [(0, 60, "<60%"), (60, 70, "60–69%"), (70, 80, "70–79%"), (80, 90, "80–89%"), (90, 101, "90–100%")]
    dist = Counter()
    for s in done:
        pct = float(s.score or 0) / float(s.max_score) * 100 if s.max_score else 0
        for lo, hi, label in buckets:
            if lo <= pct < hi:
                dist[label] += 1
    answers = (Answer.objects.filter(submission__in=[s.pk for s in done])
               .select_related("question").order_by("question_id"))
    per_q: dict = defaultdict(lambda: {"n": 0, "right": 0, "score": 0.0, "max": 0.0, "wrong": Counter(),
                                       "pending": 0})
    for a in answers:
        d = per_q[a.question_id]
        d["question"] = a.question
        d["n"] += 1
        if a.score is None:
            d["pending"] += 1
            continue
        d["score"] += float(a.score)
        d["max"] += float(a.max_score)
        if a.correct:
            d["right"] += 1
        elif a.question.is_objective:
            d["wrong"][response_key(a.question.qtype, a.response)] += 1
    order = {}
    tiers = list(assignment.tiers.all())
    items: dict[int, list] = defaultdict(list)
    for it in PaperItem.objects.filter(paper_id__in={t.paper_id for t in tiers}):  # one query for every tier
        items[it.paper_id].append(it)
    for t in tiers:
        for it in items[t.paper_id]:
            order.setdefault(it.question_id, (t.label, it.order, 0))
    for qid, d in per_q.items():  # a part of a composite question: under its composite's number
        q = d["question"]
        if q.parent_id and q.parent_id in order:
            order[qid] = (*order[q.parent_id][:2], q.part_order)
    questions = []
    for qid, d in sorted(per_q.items(), key=lambda kv: order.get(kv[0], ("", 0, 0))):
        graded = d["n"] - d["pending"]
        label, no, part_no = order.get(qid, ("", 0, 0))
        questions.append({
            "question": d["question"], "tier": label, "no": no, "part": part_no or None,
            "n": d["n"], "rate": d["right"] / graded if graded else None,
            "avg": d["score"] / graded if graded else None, "pending": d["pending"],
            "wrong": d["wrong"].most_common(3)})
    scores = [float(s.score or 0) for s in done]
    return {
        "subs": subs, "done": done, "not_submitted": not_submitted,
        "late": [s for s in done if s.late],
        "distribution": [(label, dist.get(label, 0)) for _lo, _hi, label in buckets],
        "questions": questions, "mean": sum(scores) / len(scores) if scores else None,
        "max": max(scores) if scores else None, "min": min(scores) if scores else None,
    }


def chapter_report(user, klass, subject: str = "") -> list[dict]:
    """Per chapter: the class's correct rate on questions of that chapter (from graded answers)."""
    qs = (Answer.objects.filter(submission__klass=klass, correct__isnull=False)
          .values("question__chapters__pk", "question__chapters__title", "question__chapters__title_path")
          .annotate(n=Count("pk"), right=Count("pk", filter=Q(correct=True)))
          .order_by("question__chapters__title_path"))
    if subject:
        qs = qs.filter(submission__assignment__subject=subject)
    rows = [{"chapter_id": r["question__chapters__pk"],
             "title": r["question__chapters__title_path"] or r["question__chapters__title"],
             "n": r["n"], "right": r["right"], "rate": r["right"] / r["n"] if r["n"] else None, "linked": False}
            for r in qs if r["question__chapters__pk"]]
    return _follow_class_books(klass, subject, rows)


def _follow_class_books(klass, subject: str, rows: list[dict]) -> list[dict]:
    """Regroup the per-chapter rows by the books the class's grade uses (年级用书): the chapters of those books
    first, in book order and with their titles, each counting the answers tagged on the older-revision
    chapters linked to it (same lesson; `linked` marks them); then the other chapters as before. From the
    cached catalog: no query."""
    from zhijiao.catalog.selectors import book_for_class, catalog_snapshot

    snap = catalog_snapshot()
    names = [subject] if subject else [s.name for s in snap.subjects]
    books = [b for b in (book_for_class(klass, n) for n in dict.fromkeys(names)) if b is not None]
    if not books or not rows:
        return rows
    target: dict[int, tuple[int, bool]] = {}  # chapter id → (chapter of the class's book, through a link)
    order: dict[int, tuple] = {}
    for bi, book in enumerate(books):
        for c in snap.chapters_by_book.get(book.pk, ()):
            target[c.pk] = (c.pk, False)
            order[c.pk] = (bi, c.path)
        for c in snap.chapters_by_book.get(book.pk, ()):
            for old in snap.older_by_chapter.get(c.pk, ()):
                for pk in snap.descendant_ids(old):  # a lesson's evidence under the linked unit or section
                    if pk not in target or (target[pk][1] and pk == old.pk):
                        target[pk] = (c.pk, True)
    merged: dict[int, dict] = {}
    rest = []
    for r in rows:
        hit = target.get(r["chapter_id"])
        if hit is None:
            rest.append(r)
            continue
        new_id, through_link = hit
        m = merged.setdefault(new_id, {"chapter_id": new_id, "n": 0, "right": 0, "linked": False, "in_book": True})
        m["n"] += r["n"]
        m["right"] += r["right"]
        m["linked"] = m["linked"] or through_link
    chapter_of = {c.pk: c for b in books for c in snap.chapters_by_book.get(b.pk, ())}
    for m in merged.values():
        c = chapter_of[m["chapter_id"]]
        m["title"] = c.title_path or c.title  # starts with the book's name, which names its revision
        m["rate"] = m["right"] / m["n"] if m["n"] else None
    return sorted(merged.values(), key=lambda m: order[m["chapter_id"]]) + rest


def student_mastery(user, student_id: int) -> tuple:
    """(student, mastery rows) for the student themself, their parents, or staff of their class."""
    from zhijiao.accounts.selectors import access_student

    student = access_student(user, student_id)
    rows = (Mastery.objects.filter(student=student).select_related("knowledge_point__subject")
            .order_by("p_mastery", "pk"))
    return student, list(rows)


WEAK_THRESHOLD = 0.6


def weak_points(student, *, limit: int = 5, threshold: float = WEAK_THRESHOLD) -> list[Mastery]:
    return list(Mastery.objects.filter(student=student, p_mastery__lt=threshold)
                .select_related("knowledge_point").order_by("p_mastery", "pk")[:limit])


def recommendations(student, *, limit: int = 5, mastery_rows: list[Mastery] | None = None) -> list[dict]:
    """For each weak knowledge point: a few unanswered questions of it and micro-lessons of its chapters.
    A fixed number of queries however many points are weak (the top few per point are picked in SQL).
    `mastery_rows`: the student's mastery rows, weakest first (`student_mastery`), when the caller has them."""
    if mastery_rows is None:
        weak = weak_points(student, limit=limit)
    else:
        weak = [m for m in mastery_rows if m.p_mastery < WEAK_THRESHOLD][:limit]
    if not weak:
        return []
    kp_ids = [m.knowledge_point_id for m in weak]
    questions = _unanswered_questions(student, kp_ids, per_kp=3)
    resources = _micro_lessons(student, kp_ids)
    return [{"mastery": m, "kp": m.knowledge_point, "questions": questions.get(m.knowledge_point_id, []),
             "resources": resources.get(m.knowledge_point_id, [])} for m in weak]


def _unanswered_questions(student, kp_ids: list[int], *, per_kp: int) -> dict[int, list]:
    """kp id → up to `per_kp` district-shared questions of it the student has not answered, easiest first."""
    from zhijiao.questions.models import Question

    link = Question.knowledge_points.through
    rows = (link.objects.filter(knowledgepoint_id__in=kp_ids, question__share="district",
                                question__parent__isnull=True)
            .exclude(question_id__in=Answer.objects.filter(submission__student=student).values("question_id"))
            .annotate(rank=Window(RowNumber(), partition_by=[F("knowledgepoint_id")],
                                  order_by=[F("question__difficulty").asc(), F("question_id").asc()]))
            .filter(rank__lte=per_kp).select_related("question").order_by("knowledgepoint_id", "rank"))
    out: dict[int, list] = defaultdict(list)
    for row in rows:
        out[row.knowledgepoint_id].append(row.question)
    return out


def _micro_lessons(user, kp_ids: list[int], *, per_kp: int = 3) -> dict[int, list]:
    """kp id → micro-lessons (微课) of the point's chapters that `user` may open (up to `per_kp`, newest
    first), or, when a point has none, its other resources; through the resources app's own selector.
    One query for every point: micro-lessons rank first within each point, so a point's first pick tells
    whether it has any."""
    try:
        from zhijiao.resources import selectors as res
    except ImportError:
        return {}
    visible = getattr(res, "visible_resources", None)
    if visible is None:
        return {}
    try:
        # The points' chapters as literal ids, so the planner reads the resource links of those chapters
        # through their index instead of hashing every link in the library.
        chapter_ids = sorted(set(KnowledgePoint.chapters.through.objects.filter(knowledgepoint_id__in=kp_ids)
                                 .values_list("chapter_id", flat=True)))
        if not chapter_ids:
            return {}
        kp = F("chapters__knowledge_points")
        rows = (visible(user).filter(chapters__in=chapter_ids, chapters__knowledge_points__in=kp_ids)
                .annotate(kp_id=kp, pick=Window(DenseRank(), partition_by=[kp], order_by=[
                    Case(When(type="micro", then=Value(0)), default=Value(1)).asc(),
                    F("published_at").desc(), F("pk").desc()]))
                .filter(pick__lte=per_kp).order_by("kp_id", "pick"))
        out: dict[int, list] = defaultdict(list)
        for r in rows:
            picked = out[r.kp_id]
            if len(picked) >= per_kp or any(p.pk == r.pk for p in picked):
                continue  # the same item through two chapters of the point
            if picked and picked[0].type == "micro" and r.type != "micro":
                continue  # micro-lessons only, when the point has any
            picked.append(r)
        return out
    except Exception:  # never break a report on the resource library
        return {}


def notebook(user, *, resolved: bool = False) -> QuerySet[WrongItem]:
    return (WrongItem.objects.filter(student=user, resolved=resolved)
            .select_related("question__parent").prefetch_related("question__knowledge_points"))


def access_wrong_item(user, item_id: int) -> WrongItem:
    item = WrongItem.objects.select_related("question__parent").filter(pk=item_id, student=user).first()
    if item is None:
        raise Http404
    return item


# --- Q&A ------------------------------------------------------------------------------------------

def visible_threads(user) -> QuerySet[Thread]:
    """Students see their class's questions (learning together); teachers their classes'; admins theirs."""
    scope = scope_of(user)
    ids = set(scope.own_class_ids) | staff_class_ids(user)
    if scope.child_ids:
        return Thread.objects.filter(Q(klass_id__in=ids) | Q(asker_id__in=scope.child_ids))
    return Thread.objects.filter(klass_id__in=ids)


def search_threads(user, *, text: str = "", resolved: str = "", subject: str = "") -> QuerySet[Thread]:
    qs = visible_threads(user)
    for word in (text or "").split():
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word) | Q(replies__body__icontains=word))
    if resolved in ("0", "1"):
        qs = qs.filter(resolved=resolved == "1")
    if subject:
        qs = qs.filter(subject=subject)
    return qs.distinct().select_related("asker", "klass").annotate(n_replies=Count("replies"))


def access_thread(user, thread_id: int) -> Thread:
    t = visible_threads(user).select_related("asker", "klass").filter(pk=thread_id).first()
    if t is None:
        raise Http404
    return t


def access_reply_to_publish(user, reply_id: int):
    """A reply the user may share as a resource (分享为资源): their own, in a thread of a class they teach.
    Anyone else's reply does not exist for this write (404), like any object outside one's scope."""
    reply = Reply.objects.select_related("thread").filter(pk=reply_id, author_id=user.pk).first()
    if reply is None or reply.thread.klass_id not in scope_of(user).taught_class_ids:
        raise Http404
    access_thread(user, reply.thread_id)
    return reply


def class_summary(klass) -> dict:
    return Submission.objects.filter(klass=klass).aggregate(avg=Avg("score"), n=Count("pk"))
