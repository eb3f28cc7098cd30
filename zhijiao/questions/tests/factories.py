"""Test data shared by the questions, homework and learning tests: a tiny catalog and a few questions."""

from datetime import timedelta

from django.utils import timezone

from zhijiao.catalog.models import Book, Chapter, ChapterKind, Edition, KnowledgePoint, Stage, Subject
from zhijiao.questions.models import Question, Share


def tiny_catalog():
    stage, _ = Stage.objects.get_or_create(code="t-xx", defaults={"name": "小学", "first_grade": 1, "last_grade": 6})
    math, _ = Subject.objects.get_or_create(code="t-sx", defaults={"name": "数学"})
    edition, _ = Edition.objects.get_or_create(code="t-rj", defaults={"name": "人教版"})
    book, _ = Book.objects.get_or_create(code="t-rj-sx-g3a", defaults={
        "stage": stage, "subject": math, "edition": edition, "grade_level": 3, "volume": "上",
        "name": "人教版 数学 三年级上册"})
    unit, _ = Chapter.objects.get_or_create(book=book, path="0001.", defaults={
        "kind": ChapterKind.UNIT, "title": "1 时、分、秒", "order": 1, "depth": 0, "key": "t-rj-sx-g3a/0001.",
        "title_path": "1 时、分、秒"})
    lesson, _ = Chapter.objects.get_or_create(book=book, path="0001.0001.", defaults={
        "kind": ChapterKind.LESSON, "title": "秒的认识", "order": 1, "depth": 1, "parent": unit,
        "key": "t-rj-sx-g3a/0001.0001.", "title_path": "1 时、分、秒 / 秒的认识"})
    unit2, _ = Chapter.objects.get_or_create(book=book, path="0002.", defaults={
        "kind": ChapterKind.UNIT, "title": "2 万以内的加法和减法", "order": 2, "depth": 0, "key": "t-rj-sx-g3a/0002.",
        "title_path": "2 万以内的加法和减法"})
    hms, _ = KnowledgePoint.objects.get_or_create(code="t-sx-hms", defaults={"name": "时、分、秒", "stage": stage,
                                                                           "subject": math})
    add, _ = KnowledgePoint.objects.get_or_create(code="t-sx-add", defaults={"name": "万以内加减法", "stage": stage,
                                                                           "subject": math})
    hms.chapters.add(unit)
    add.chapters.add(unit2)
    return {"math": math, "book": book, "unit": unit, "lesson": lesson, "unit2": unit2, "hms": hms, "add": add}


def make_question(owner, *, qtype="single", stem=None, options=None, answer="B", difficulty=2, kp=None,
                  chapter=None, share=Share.DISTRICT, analysis="解析", n=[0]):  # noqa: B006
    n[0] += 1
    if options is None and qtype in ("single", "multiple"):
        options = [{"key": k, "text": f"选项{k}{n[0]}"} for k in "ABCD"]
    q = Question.objects.create(qtype=qtype, stem=stem or f"第 {n[0]} 题：1 分 = ( ) 秒", options=options or [],
                                answer=answer, analysis=analysis, difficulty=difficulty, owner=owner,
                                share=share, fingerprint=f"fp{n[0]}", subject=kp.subject if kp else None)
    if kp:
        q.knowledge_points.add(kp)
    if chapter:
        q.chapters.add(chapter)
    return q


def simple_paper(owner, questions, score=10):
    from zhijiao.questions.actions import paper_create

    return paper_create(owner=owner, title="测试卷", question_ids=[q.pk for q in questions], score=score)


def class_of(user):
    from zhijiao.accounts.models import RoleKind

    return user.roles.get(kind=RoleKind.STUDENT).node


def assign_class(teacher, paper, klass, *, due_in=timedelta(days=1), open_ago=timedelta(hours=1), **kw):
    from zhijiao.homework.actions import TierSpec, assignment_create

    now = timezone.now()
    return assignment_create(teacher=teacher, title=kw.pop("title", "课后作业"), kind=kw.pop("kind", "after"),
                             open_at=now - open_ago, due_at=now + due_in,
                             tiers=[TierSpec(paper_id=paper.pk, class_ids=[klass.pk])], **kw)
