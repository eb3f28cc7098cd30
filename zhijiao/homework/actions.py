"""The only writers of homework: groups, assigning (layered), drafts, submitting (objective items graded on
submit), teacher grading, returning for correction."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.accounts.models import Role, RoleKind, User
from zhijiao.accounts.selectors import scope_of
from zhijiao.core.actions import notify
from zhijiao.core.models import OrgNode
from zhijiao.homework.models import (
    Answer,
    Assignment,
    AssignmentKind,
    StudentGroup,
    Submission,
    SubmissionStatus,
    Tier,
)
from zhijiao.homework.selectors import may_grade
from zhijiao.questions.grading import grade
from zhijiao.questions.models import OBJECTIVE_TYPES, Question, QuestionType, part_max_scores
from zhijiao.questions.selectors import paper_items, visible_papers
from zhijiao.records.actions import record_event

EXT = "https://zhijiao.example.org/xapi/ext/"
# A subjective answer counts as "right" for mastery and the notebook at this share of its score.
SUBJECTIVE_PASS = Decimal("0.6")


class HomeworkError(Exception):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def _d(x) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- groups ---------------------------------------------------------------------------------------

def _student_classes(student_ids) -> dict[int, int]:
    return dict(Role.objects.filter(kind=RoleKind.STUDENT, user_id__in=student_ids).values_list("user_id", "node_id"))


@transaction.atomic
def group_create(*, teacher: User, klass_id: int, name: str, student_ids: list[int]) -> StudentGroup:
    if klass_id not in scope_of(teacher).taught_class_ids:
        raise HomeworkError(_("只能给自己任教的班级分组。"), "klass")
    name = (name or "").strip()
    if not name:
        raise HomeworkError(_("请填写组名。"), "name")
    cls = _student_classes(student_ids)
    if not student_ids or any(cls.get(s) != klass_id for s in student_ids):
        raise HomeworkError(_("请选择本班的学生。"), "students")
    if StudentGroup.objects.filter(klass_id=klass_id, owner=teacher, name=name).exists():
        raise HomeworkError(_("已有同名分组。"), "name")
    g = StudentGroup.objects.create(klass_id=klass_id, owner=teacher, name=name[:40])
    g.members.set(student_ids)
    return g


# --- assigning ------------------------------------------------------------------------------------

@dataclass
class TierSpec:
    """One tier's paper and who gets it: whole classes, groups, or single students."""

    paper_id: int
    label: str = ""
    class_ids: list[int] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)
    student_ids: list[int] = field(default_factory=list)


@transaction.atomic
def assignment_create(*, teacher: User, title: str, kind: str, open_at: datetime, due_at: datetime,
                      tiers: list[TierSpec], layered: bool = False, allow_late: bool = True,
                      late_penalty: int = 0, instructions: str = "", subject: str = "") -> Assignment:
    title = (title or "").strip()
    if not title:
        raise HomeworkError(_("请填写作业标题。"), "title")
    if kind not in AssignmentKind.values:
        raise HomeworkError(_("作业类型无效。"), "kind")
    if due_at <= open_at:
        raise HomeworkError(_("截止时间必须晚于开放时间。"), "due_at")
    if not 0 <= late_penalty <= 100:
        raise HomeworkError(_("迟交扣分应在 0–100 之间。"), "late_penalty")
    if not tiers:
        raise HomeworkError(_("请选择试卷。"), "paper")
    taught = scope_of(teacher).taught_class_ids
    papers = {p.pk: p for p in visible_papers(teacher).filter(pk__in=[t.paper_id for t in tiers])}
    who: dict[int, int] = {}  # student -> tier index
    for i, spec in enumerate(tiers):
        if spec.paper_id not in papers:
            raise HomeworkError(_("试卷不存在。"), "paper")
        if not papers[spec.paper_id].items.exists():
            raise HomeworkError(_("试卷里还没有题目。"), "paper")
        ids: set[int] = set()
        for cid in spec.class_ids:
            if cid not in taught:
                raise HomeworkError(_("只能给自己任教的班级布置作业。"), "classes")
            ids |= set(Role.objects.filter(kind=RoleKind.STUDENT, node_id=cid).values_list("user_id", flat=True))
        for gid in spec.group_ids:
            g = StudentGroup.objects.filter(pk=gid, owner=teacher, klass_id__in=taught).first()
            if g is None:
                raise HomeworkError(_("分组不存在。"), "groups")
            ids |= set(g.members.values_list("pk", flat=True))
        ids |= set(spec.student_ids)
        for sid in ids:
            if sid in who and who[sid] != i:
                raise HomeworkError(_("同一个学生不能同时在两个层级中。"), "tiers")
            who[sid] = i
    if not who:
        raise HomeworkError(_("请选择布置对象：班级、分组或学生。"), "classes")
    klass_of = _student_classes(list(who))
    outside = [s for s in who if klass_of.get(s) not in taught]
    if outside:
        raise HomeworkError(_("有学生不在您任教的班级中。"), "students")
    labels = [t.label for t in tiers]
    if len(set(labels)) != len(labels):
        raise HomeworkError(_("层级名称不能重复。"), "tiers")
    class_ids = sorted(set(klass_of[s] for s in who))
    classes = list(OrgNode.objects.filter(pk__in=class_ids))
    school = classes[0].school() if classes else None
    first_paper = papers[tiers[0].paper_id]
    a = Assignment.objects.create(
        title=title[:120], teacher=teacher, kind=kind, open_at=open_at, due_at=due_at, allow_late=allow_late,
        late_penalty=late_penalty, layered=layered or len(tiers) > 1, instructions=instructions,
        subject=subject or (first_paper.subject.name if first_paper.subject else ""), school=school)
    a.classes.set(classes)
    tier_rows = [Tier.objects.create(assignment=a, label=t.label, paper_id=t.paper_id) for t in tiers]
    totals = {t.pk: sum(it.score for it in t.paper.items.all()) for t in tier_rows}
    Submission.objects.bulk_create(
        Submission(assignment=a, student_id=sid, klass_id=klass_of[sid], tier=tier_rows[i],
                   max_score=totals[tier_rows[i].pk]) for sid, i in sorted(who.items()))
    for k in classes:
        record_event(actor=teacher, verb="assigned", object_kind="homework", object_key=a.pk, object_name=a.title,
                     klass=k, school=school, actor_role="teacher",
                     extensions={f"{EXT}students": sum(1 for s in who if klass_of[s] == k.pk),
                                 f"{EXT}tiers": len(tiers)})
    return a


# --- answering ------------------------------------------------------------------------------------

def _answer_extensions(question, *, homework: int) -> dict:
    """A statement about an answer names its homework, and for a part of a composite question the composite."""
    ext = {f"{EXT}homework": homework}
    if question.parent_id:
        ext[f"{EXT}composite"] = question.parent_id
    return ext


def _check_open(sub: Submission, now) -> None:
    if sub.assignment.open_at > now:
        raise HomeworkError(_("作业还没有开放。"))
    if sub.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.GRADED):
        raise HomeworkError(_("作业已提交，老师退回订正后才能修改。"))


def _clean_responses(sub: Submission, responses: dict) -> dict[int, object]:
    # What a student answers: the paper's questions, and the parts of its composite ones (not the composite).
    on_paper = sub.tier.paper.items.values("question_id")
    allowed = set(Question.objects.filter(Q(pk__in=on_paper) | Q(parent_id__in=on_paper))
                  .exclude(qtype=QuestionType.COMPOSITE).values_list("pk", flat=True))
    out = {}
    for key, value in (responses or {}).items():
        try:
            qid = int(key)
        except (TypeError, ValueError):
            continue
        if qid in allowed:
            if isinstance(value, str):
                value = value[:20000]
            elif isinstance(value, list):
                value = [str(v)[:2000] for v in value][:20]
            out[qid] = value
    return out


def _store(sub: Submission, responses: dict[int, object]) -> None:
    existing = {a.question_id: a for a in sub.answers.all()}
    new, changed = [], []
    for qid, value in responses.items():
        if qid in existing:
            existing[qid].response = value
            changed.append(existing[qid])
        else:
            new.append(Answer(submission=sub, question_id=qid, response=value))
    if new:
        Answer.objects.bulk_create(new)
    if changed:
        Answer.objects.bulk_update(changed, ["response"])


@transaction.atomic
def submission_save_draft(*, student: User, submission: Submission, responses: dict) -> Submission:
    """Autosave: keeps what the student has typed so far; nothing is graded or recorded."""
    sub = Submission.objects.select_for_update().select_related("assignment", "tier__paper").get(pk=submission.pk)
    if sub.student_id != student.pk:
        raise HomeworkError(_("这不是你的作业。"))
    now = timezone.now()
    _check_open(sub, now)
    _store(sub, _clean_responses(sub, responses))
    if sub.status == SubmissionStatus.ASSIGNED:
        sub.status = SubmissionStatus.DRAFT
    sub.saved_at = now
    sub.save(update_fields=["status", "saved_at"])
    return sub


def _observe(student, answer: Answer, correct: bool, kp_ids) -> None:
    from zhijiao.learning.actions import mastery_observe_many, notebook_record_many

    mastery_observe_many(student=student, observations=[(kp_ids, correct)])
    if not correct:
        notebook_record_many(student=student, wrongs=[(answer.question, answer.response)])


def _recompute(sub: Submission) -> None:
    answers = list(sub.answers.all())
    pending = [a for a in answers if a.score is None]
    total = sum((a.score for a in answers if a.score is not None), Decimal(0))
    if sub.late and sub.assignment.late_penalty:
        total = total * (100 - sub.assignment.late_penalty) / 100
    sub.score = _d(total)
    if sub.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.GRADED):
        sub.status = SubmissionStatus.SUBMITTED if pending else SubmissionStatus.GRADED


@transaction.atomic
def submission_submit(*, student: User, submission: Submission, responses: dict | None = None,
                      at: datetime | None = None) -> Submission:
    """Submit (or resubmit after a return): objective items are graded now, late is marked by the rule.

    `at` backdates the submission (demo data, imports from paper); the web always submits now."""
    sub = Submission.objects.select_for_update().select_related("assignment", "tier__paper", "klass").get(
        pk=submission.pk)
    if sub.student_id != student.pk:
        raise HomeworkError(_("这不是你的作业。"))
    now = at or timezone.now()
    _check_open(sub, now)
    a = sub.assignment
    returned = sub.status == SubmissionStatus.RETURNED
    # A correction after a return keeps the first submission's late mark and is never refused.
    late = sub.late if returned else now > a.due_at
    if late and not returned and not a.allow_late:
        raise HomeworkError(_("已过截止时间，这份作业不接受迟交。"))
    items = paper_items(sub.tier.paper)
    answers = {x.question_id: x for x in sub.answers.all()}
    cleaned = _clean_responses(sub, responses) if responses else {}
    to_create, to_update = [], []
    school = sub.klass.school()
    observations, wrongs = [], []
    # Each question is graded on its own, and each part of a composite one as a question worth its points.
    for q, points in ((q, pts) for it in items for q, pts in part_max_scores(it.question, it.score)):
        ans = answers.get(q.pk) or Answer(submission=sub, question=q, response=None)
        if q.pk in cleaned:
            ans.response = cleaned[q.pk]
        ans.max_score = points
        if q.qtype in OBJECTIVE_TYPES:
            g = grade(q.qtype, q.answer, ans.response)
            ans.score = _d(points * Decimal(str(g.fraction)))
            ans.correct = bool(g.correct)
            ans.auto = True
            ans.graded_at = now
            observations.append(([k.pk for k in q.knowledge_points.all()], ans.correct))
            if not ans.correct:
                wrongs.append((q, ans.response))
        else:
            ans.score, ans.correct, ans.auto, ans.graded_by, ans.graded_at = None, None, False, None, None
        (to_update if ans.pk else to_create).append(ans)
    Answer.objects.bulk_create(to_create)
    if to_update:
        Answer.objects.bulk_update(to_update, ["max_score", "score", "correct", "auto", "graded_at", "graded_by",
                                               "response"])
    from zhijiao.learning.actions import mastery_observe_many, notebook_record_many

    mastery_observe_many(student=student, observations=observations)
    notebook_record_many(student=student, wrongs=wrongs)
    for ans in to_create + to_update:
        if ans.auto:
            record_event(actor=student, verb="answered", object_kind="question", object_key=ans.question_id,
                         actor_role="student", klass=sub.klass, school=school, timestamp=now,
                         result={"success": bool(ans.correct), "response": str(ans.response)[:200],
                                 "score": {"raw": float(ans.score), "max": float(ans.max_score)}},
                         extensions=_answer_extensions(ans.question, homework=a.pk))
    sub.attempt += 1
    sub.submitted_at = now
    sub.late = late
    sub.saved_at = now
    sub.status = SubmissionStatus.SUBMITTED
    _recompute(sub)
    sub.save()
    record_event(actor=student, verb="submitted", object_kind="homework", object_key=a.pk, object_name=a.title,
                 actor_role="student", klass=sub.klass, school=school, timestamp=now,
                 result={"score": {"raw": float(sub.score or 0), "max": float(sub.max_score)},
                         "completion": True, "extensions": {f"{EXT}late": late, f"{EXT}attempt": sub.attempt}})
    return sub


# --- grading --------------------------------------------------------------------------------------

def _check_may_grade(teacher: User, sub: Submission) -> None:
    """Every change of a submission by staff passes here: who may is `selectors.may_grade`'s decision."""
    if not may_grade(teacher, sub):
        raise HomeworkError(_("只有布置作业的老师和本班该学科的任课老师可以批改。"))


@transaction.atomic
def answer_grade(*, teacher: User, answer: Answer, score, comment: str = "") -> Answer:
    """A teacher's score and comment for one answer (subjective, or overriding an automatic mark)."""
    ans = Answer.objects.select_for_update().select_related("submission__assignment", "submission__klass",
                                                            "submission__student", "question").get(pk=answer.pk)
    sub = ans.submission
    _check_may_grade(teacher, sub)
    if sub.status not in (SubmissionStatus.SUBMITTED, SubmissionStatus.GRADED):
        raise HomeworkError(_("学生还没有提交。"))
    try:
        value = _d(score)
    except Exception as exc:  # decimal.InvalidOperation and friends
        raise HomeworkError(_("分数应为数字。"), "score") from exc
    if value < 0 or value > ans.max_score:
        raise HomeworkError(_("分数应在 0 到 %(m)s 之间。") % {"m": ans.max_score}, "score")
    first_time = ans.score is None
    ans.score = value
    ans.comment = (comment or "").strip()[:2000]
    ans.correct = value >= ans.max_score * SUBJECTIVE_PASS if not ans.auto else value >= ans.max_score
    ans.graded_by = teacher
    ans.graded_at = timezone.now()
    ans.auto = False
    ans.save()
    if first_time:
        kp_ids = list(ans.question.knowledge_points.values_list("pk", flat=True))
        _observe(sub.student, ans, bool(ans.correct), kp_ids)
    sub = Submission.objects.select_for_update().select_related("assignment").get(pk=sub.pk)
    _recompute(sub)
    sub.save(update_fields=["score", "status"])
    record_event(actor=teacher, verb="graded", object_kind="question", object_key=ans.question_id,
                 actor_role="teacher", klass=ans.submission.klass,
                 result={"score": {"raw": float(value), "max": float(ans.max_score)}},
                 extensions={**_answer_extensions(ans.question, homework=sub.assignment_id),
                             f"{EXT}student": sub.student_id})
    return ans


@transaction.atomic
def submission_comment(*, teacher: User, submission: Submission, comment: str) -> Submission:
    submission = Submission.objects.select_for_update().select_related("assignment", "klass").get(pk=submission.pk)
    _check_may_grade(teacher, submission)
    submission.comment = (comment or "").strip()[:2000]
    submission.save(update_fields=["comment"])
    record_event(actor=teacher, verb="commented", object_kind="homework", object_key=submission.assignment_id,
                 actor_role="teacher", klass=submission.klass, extensions={f"{EXT}student": submission.student_id})
    return submission


@transaction.atomic
def submission_return(*, teacher: User, submission: Submission, comment: str = "") -> Submission:
    """退回订正: the student may change the answers and submit again (the due time no longer applies)."""
    sub = Submission.objects.select_for_update().select_related("assignment", "klass").get(pk=submission.pk)
    _check_may_grade(teacher, sub)
    if sub.status not in (SubmissionStatus.SUBMITTED, SubmissionStatus.GRADED):
        raise HomeworkError(_("只有已提交的作业可以退回订正。"))
    sub.status = SubmissionStatus.RETURNED
    if comment:
        sub.comment = comment.strip()[:2000]
    sub.save(update_fields=["status", "comment"])
    from django.urls import reverse

    notify(users=[sub.student], kind="homework_returned", title=_("作业“%(t)s”被退回订正") % {"t": sub.assignment.title},
           body=sub.comment if comment else "", url=reverse("homework:do", args=[sub.pk]))
    record_event(actor=teacher, verb="https://zhijiao.example.org/xapi/verbs/returned", object_kind="homework",
                 object_key=sub.assignment_id, actor_role="teacher", klass=sub.klass,
                 extensions={f"{EXT}student": sub.student_id})
    return sub
