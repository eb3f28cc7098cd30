"""Reads of homework, scoped: teachers see assignments of the classes they teach (or set themselves), students
only their own submissions, parents only their children's, admins everything under their node.

Changing is narrower than reading: `may_grade` decides who may score, comment on and return a submission
(the teacher who set the assignment, and the teachers of its subject in the submission's class)."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from zhijiao.accounts.models import RoleKind
from zhijiao.accounts.selectors import scope_of
from zhijiao.core.models import NodeKind, OrgNode
from zhijiao.homework.models import Answer, Assignment, StudentGroup, Submission, SubmissionStatus
from zhijiao.questions.models import part_max_scores
from zhijiao.questions.selectors import paper_items


def is_teacher(user) -> bool:
    return bool(user.is_authenticated and scope_of(user).taught_class_ids)


def staff_class_ids(user) -> set[int]:
    """Classes whose homework this user may read as staff: taught classes, and all under oversight."""
    scope = scope_of(user)
    ids = set(scope.taught_class_ids)
    if scope.oversight_paths:
        cond = Q()
        for p in scope.oversight_paths:
            cond |= Q(path__startswith=p)
        ids |= set(OrgNode.objects.filter(cond, kind=NodeKind.CLASS).values_list("pk", flat=True))
    return ids


def staff_assignments(user) -> QuerySet[Assignment]:
    if not user.is_authenticated:
        return Assignment.objects.none()
    scope = scope_of(user)
    cond = Q(teacher=user) | Q(classes__in=scope.taught_class_ids)
    for p in scope.oversight_paths:
        cond |= Q(classes__path__startswith=p)
    return Assignment.objects.filter(cond).distinct()


def access_assignment(user, assignment_id: int) -> Assignment:
    a = staff_assignments(user).filter(pk=assignment_id).first()
    if a is None:
        raise Http404("assignment not found")
    return a


def assignment_submissions(user, assignment: Assignment) -> QuerySet[Submission]:
    """Submissions of an assignment the staff user may see (a subject teacher sees only their classes)."""
    qs = assignment.submissions.select_related("student", "tier", "klass")
    if assignment.teacher_id != user.pk:
        qs = qs.filter(klass_id__in=staff_class_ids(user))
    return qs.order_by("klass__path", "student__student_number", "student_id")


def submission_counts(assignment_ids: list[int]) -> dict[int, dict[str, int]]:
    """assignment id → {n, done, pending}: submissions, those handed in, those waiting for grading; one query."""
    done = [SubmissionStatus.SUBMITTED, SubmissionStatus.GRADED]
    rows = (Submission.objects.filter(assignment_id__in=assignment_ids).order_by().values("assignment_id")
            .annotate(n=Count("pk"), done=Count("pk", filter=Q(status__in=done)),
                      pending=Count("pk", filter=Q(status=SubmissionStatus.SUBMITTED))))
    return {r["assignment_id"]: {"n": r["n"], "done": r["done"], "pending": r["pending"]} for r in rows}


def my_submissions(user) -> QuerySet[Submission]:
    return (Submission.objects.filter(student=user, assignment__open_at__lte=timezone.now())
            .select_related("assignment", "tier").order_by("-assignment__due_at"))


def children_submissions(user) -> QuerySet[Submission]:
    ids = scope_of(user).child_ids
    if not ids:
        return Submission.objects.none()
    return (Submission.objects.filter(student_id__in=ids, assignment__open_at__lte=timezone.now())
            .select_related("assignment", "student", "tier").order_by("student_id", "-assignment__due_at"))


def access_own_submission(user, submission_id: int) -> Submission:
    s = (Submission.objects.select_related("assignment", "tier__paper", "klass")
         .filter(pk=submission_id, student=user, assignment__open_at__lte=timezone.now()).first())
    if s is None:
        raise Http404("submission not found")
    return s


def access_submission_staff(user, submission_id: int) -> Submission:
    s = Submission.objects.select_related("assignment", "tier__paper", "student", "klass").filter(pk=submission_id).first()
    if s is None or not (s.assignment.teacher_id == user.pk or s.klass_id in staff_class_ids(user)):
        raise Http404("submission not found")
    return s


def subject_class_ids(user, subject: str) -> set[int]:
    """Classes in which the user is 任课教师 of `subject` (no subject: none)."""
    if not subject or not user.is_authenticated:
        return set()
    return {r.node_id for r in scope_of(user).roles if r.kind == RoleKind.SUBJECT_TEACHER and r.subject == subject}


def may_grade(user, submission: Submission) -> bool:
    """Who may change a submission: score and comment its answers, write the 总评, return it for correction.

    The teacher who set the assignment, and any teacher of the assignment's subject in the submission's class
    (a second 数学 teacher, a substitute given the role). Not the class's other teachers, not its head teacher
    as such, not admins or supervisors: they read the work (`access_submission_staff`) but do not change
    another teacher's grades."""
    return may_grade_in(user, submission.assignment, submission.klass_id)


def may_grade_in(user, assignment: Assignment, class_id: int) -> bool:
    """`may_grade` for the submissions of one class of an assignment."""
    return assignment.teacher_id == user.pk or class_id in subject_class_ids(user, assignment.subject)


def may_grade_assignment(user, assignment: Assignment) -> bool:
    """Whether the user may grade any of the assignment's submissions (see `may_grade`)."""
    if assignment.teacher_id == user.pk:
        return True
    classes = subject_class_ids(user, assignment.subject)
    return bool(classes) and any(k.pk in classes for k in assignment.classes.all())


def access_assignment_to_grade(user, assignment_id: int) -> Assignment:
    """An assignment the user may grade (some of): otherwise it does not exist for this write (404)."""
    a = access_assignment(user, assignment_id)
    if not may_grade_assignment(user, a):
        raise Http404("assignment not found")
    return a


def access_submission_to_grade(user, submission_id: int) -> Submission:
    """A submission the user may change (`may_grade`); 404 otherwise, like any object outside one's scope."""
    s = access_submission_staff(user, submission_id)
    if not may_grade(user, s):
        raise Http404("submission not found")
    return s


def access_submission_result(user, submission_id: int) -> Submission:
    """A submission's result page: the student, their parent, or staff of the class."""
    s = Submission.objects.select_related("assignment", "tier__paper", "student", "klass").filter(pk=submission_id).first()
    if s is None:
        raise Http404
    if s.student_id == user.pk or s.student_id in scope_of(user).child_ids:
        if s.assignment.open_at > timezone.now():
            raise Http404
        return s
    if s.assignment.teacher_id == user.pk or s.klass_id in staff_class_ids(user):
        return s
    raise Http404


def answers_visible(submission: Submission) -> bool:
    """Correct answers and analyses show after the due time, once the student has submitted."""
    return (timezone.now() >= submission.assignment.due_at
            and submission.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.GRADED))


def question_visible_to_student(user, question, *, analysis: bool = False) -> bool:
    scope = scope_of(user)
    ids = {user.pk} | scope.child_ids
    subs = Submission.objects.filter(student_id__in=ids, tier__paper__items__question=question,
                                     assignment__open_at__lte=timezone.now()).select_related("assignment")
    if not analysis:
        return subs.exists()
    return any(answers_visible(s) for s in subs)


def submission_answers(submission: Submission) -> list[tuple]:
    """[(paper item, answer or None)] in paper order. A composite question's item has no answer of its own:
    its `part_rows` are [(part, answer or None, the part's points)] in order."""
    items = paper_items(submission.tier.paper)
    answers = {a.question_id: a for a in submission.answers.all()}
    for it in items:
        if it.question.is_composite:
            it.part_rows = [(p, answers.get(p.pk), pts) for p, pts in part_max_scores(it.question, it.score)]
    return [(it, answers.get(it.question_id)) for it in items]


def all_answers(pairs) -> list[Answer]:
    """Every answer of `submission_answers` pairs, the parts' of composite questions included, in order."""
    out = []
    for it, ans in pairs:
        rows = getattr(it, "part_rows", None)
        out += [a for _p, a, _pts in rows if a is not None] if rows is not None else ([ans] if ans else [])
    return out


def teacher_groups(user, klass_id: int | None = None) -> QuerySet[StudentGroup]:
    qs = StudentGroup.objects.filter(owner=user, klass_id__in=scope_of(user).taught_class_ids)
    if klass_id:
        qs = qs.filter(klass_id=klass_id)
    return qs.prefetch_related("members").select_related("klass")


def question_answers(user, assignment: Assignment, question_id: int) -> QuerySet[Answer]:
    """Every visible student's answer to one question (批改 question by question across the class)."""
    subs = assignment_submissions(user, assignment)
    return (Answer.objects.filter(submission__in=subs, question_id=question_id)
            .select_related("submission__student", "question__subject", "question__parent")
            .order_by("submission__student__student_number"))


def class_books(user, classes) -> list[dict]:
    """For each class the teacher teaches and each subject they teach it: the book its grade uses at its
    school this term (年级用书), with the older revisions whose same lessons its questions include — what
    the 布置作业 page offers to choose questions from. From the cached scope and catalog: no query."""
    from zhijiao.catalog.selectors import book_for_class, book_scope

    roles = scope_of(user).roles
    out = []
    for klass in classes:
        for subject in sorted({r.subject for r in roles if r.node_id == klass.pk and r.subject}):
            book = book_for_class(klass, subject)
            out.append({"klass": klass, "subject": subject, "book": book,
                        "linked_books": book_scope(book).linked_books if book else []})
    return out
