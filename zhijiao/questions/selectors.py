"""Reads of the question bank, scoped by sharing: mine, my school's shared, the district's shared.

Students and parents never browse the bank (it holds answers); they see questions only through their
own homework.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404

from zhijiao.accounts.models import RoleKind
from zhijiao.accounts.selectors import scope_of
from zhijiao.catalog.models import Chapter, KnowledgePoint
from zhijiao.questions.models import Paper, Question, Share

STAFF_ROLES = {RoleKind.TEACHER, RoleKind.HEAD_TEACHER, RoleKind.SUBJECT_TEACHER, RoleKind.SCHOOL_ADMIN,
               RoleKind.CIO, RoleKind.DISTRICT_ADMIN}


def can_use_bank(user) -> bool:
    return user.is_authenticated and scope_of(user).has(*STAFF_ROLES)


def visible_questions(user) -> QuerySet[Question]:
    if not can_use_bank(user):
        return Question.objects.none()
    scope = scope_of(user)
    cond = Q(owner=user) | Q(share=Share.DISTRICT)
    if scope.school_ids:
        cond |= Q(share=Share.SCHOOL, school_id__in=scope.school_ids)
    for path in scope.oversight_paths:
        cond |= Q(share=Share.SCHOOL, school__path__startswith=path)
    # Parts of composite questions are reached through their composite, never on their own.
    return Question.objects.filter(cond, parent__isnull=True)


def access_question(user, question_id: int) -> Question:
    q = visible_questions(user).filter(pk=question_id).select_related("subject").first()
    if q is None:
        raise Http404("question not found")
    return q


def editable_question(user, question_id: int) -> Question:
    q = Question.objects.filter(pk=question_id, owner=user, parent__isnull=True).first()
    if q is None:
        raise Http404("question not found")
    return q


def search_questions(user, *, text: str = "", qtype: str = "", difficulty: int | None = None,
                     chapter_id: int | None = None, kp_id: int | None = None, subject_id: int | None = None,
                     mine: bool = False, book_id: int | None = None) -> QuerySet[Question]:
    """The bank's filters. A chapter includes its sections and lessons; a chapter or a book (`book_id`, when no
    chapter is chosen) includes the same lessons of an older revision of the book (`ChapterLink`)."""
    qs = visible_questions(user)
    through_m2m = False  # only a filter through chapters or knowledge points can repeat a question
    if mine:
        qs = qs.filter(owner=user)
    if text:
        for word in text.split():
            qs = qs.filter(Q(stem__icontains=word) | Q(analysis__icontains=word) | Q(source__icontains=word))
    if qtype:
        qs = qs.filter(qtype=qtype)
    if difficulty:
        qs = qs.filter(difficulty=difficulty)
    if chapter_id:
        from zhijiao.catalog.models import Chapter

        ch = Chapter.objects.filter(pk=chapter_id).first()
        if ch is None:
            return qs.none()
        # A chapter includes its sections and lessons, and the same lessons of an older revision of the book.
        from zhijiao.catalog.selectors import same_lessons_in_older_revisions

        cond = Q(chapters__book_id=ch.book_id, chapters__path__startswith=ch.path)
        older = same_lessons_in_older_revisions(ch)
        if older:
            cond |= Q(chapters__in=older)
        qs = qs.filter(cond)
        through_m2m = True
    elif book_id:
        from zhijiao.catalog.selectors import book_by_id, book_scope

        book = book_by_id(book_id)
        if book is None:
            return qs.none()
        scope = book_scope(book)
        cond = Q(chapters__book_id=book.pk)
        if scope.linked_chapter_ids:
            cond |= Q(chapters__in=scope.linked_chapter_ids)
        qs = qs.filter(cond)
        through_m2m = True
    if kp_id:
        qs = qs.filter(knowledge_points=kp_id)
        through_m2m = True
    if subject_id:
        qs = qs.filter(subject_id=subject_id)
    if through_m2m:
        qs = qs.distinct()
    return qs.select_related("subject", "owner").prefetch_related("knowledge_points")


def duplicates_of(user, fingerprint: str, exclude_id: int | None = None) -> QuerySet[Question]:
    qs = visible_questions(user).filter(fingerprint=fingerprint)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs


def visible_papers(user) -> QuerySet[Paper]:
    if not can_use_bank(user):
        return Paper.objects.none()
    return Paper.objects.filter(owner=user)


def access_paper(user, paper_id: int) -> Paper:
    p = visible_papers(user).filter(pk=paper_id).first()
    if p is None:
        raise Http404("paper not found")
    return p


def paper_items(paper: Paper) -> list:
    """A paper's items in order, each question with its knowledge points and (composites) its parts with
    theirs: a fixed number of queries however many questions and parts."""
    items = list(paper.items.select_related("question__subject").prefetch_related("question__knowledge_points")
                 .order_by("order", "pk"))
    with_parts([it.question for it in items])
    return items


def with_parts(questions: list[Question]) -> list[Question]:
    """Load the parts (and their knowledge points) of the composite questions among `questions`: no query
    when there is none, two when there are any."""
    composites = [q for q in questions if q.is_composite]
    if composites:
        parts = Question.objects.order_by("part_order", "pk").prefetch_related("knowledge_points")
        prefetch_related_objects(composites, Prefetch("parts", queryset=parts))
    return questions


def bank_facets(user) -> tuple[list, list]:
    """The bank's filter options: chapters and knowledge points that have a question this user sees (a
    semi-join per catalog row, not a DISTINCT over every visible question's links)."""
    qs = visible_questions(user)
    chapter_links = Question.chapters.through.objects.filter(chapter_id=OuterRef("pk"), question__in=qs)
    kp_links = Question.knowledge_points.through.objects.filter(knowledgepoint_id=OuterRef("pk"), question__in=qs)
    # A chapter of a new revision is offered when its older same-lesson chapter has questions.
    older_links = Question.chapters.through.objects.filter(chapter__newer_links__new_id=OuterRef("pk"),
                                                           question__in=qs)
    chapters = (Chapter.objects.filter(Q(Exists(chapter_links)) | Q(Exists(older_links))).select_related("book")
                .order_by("book", "path"))
    kps = KnowledgePoint.objects.filter(Exists(kp_links)).order_by("subject", "code")
    return list(chapters[:500]), list(kps[:500])
