"""Query budgets of the pages people open every day.

Each page renders, as the role that opens it, with at most its budget of SQL queries, and with the SAME
number of queries after more of what it lists was added (assignments, submissions, students, questions,
notifications, Q&A threads, classes, teachers): a per-row query (N+1) fails one check or the other.
A page that pages its list is measured with a full page.

One small demo district is built for all the pages (building it is the slow part), in three phases:
render every page, add rows for every page, render every page again. Each measured render follows a
warm-up render of the same URL, so both measurements see the same state (the inbox marks its page read,
the cockpit caches its figures). Budgets are exact figures measured on SQLite and PostgreSQL: a page that
needs another query states it here.

To add a page: one more `Page(...)` in PAGES, with a grower that adds rows of what it lists.
"""

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

BACKEND = "zhijiao.accounts.backends.AccountOrPhoneBackend"
PAGE_SIZE = 20  # the inbox, notebook, Q&A list and question bank show 20 a page


class World:
    """The demo objects the pages are about (filled in by `world`), and a counter for unique names."""

    seq = 0

    def next(self) -> int:
        World.seq += 1
        return World.seq


@dataclass(frozen=True)
class Page:
    name: str
    user: str  # demo account that opens the page
    url: Callable[[World], str]
    budget: int  # queries, at most (and the same after growth)
    shows: str  # something the user sees on the page (not on an error page)
    grow: tuple[Callable[[World], None], ...] = ()  # add rows of what the page lists
    per_row: str = ""  # a marker printed once per listed row ...
    full: int = 0  # ... and how many rows must be on the page (a full page for paged lists)
    status: int = 200
    follow: bool = False


# --- data: what the pages list, built in bulk ----------------------------------------------------------

def _question(owner, w: World, *, qtype="single", kp=None, chapter=None, share="district"):
    from zhijiao.questions.models import Question

    n = w.next()
    options = [{"key": k, "text": f"选项{k}{n}"} for k in "ABCD"] if qtype == "single" else []
    answer = "B" if qtype == "single" else True
    return Question(qtype=qtype, stem=f"预算题 {n}：1 分 = ( ) 秒", options=options, answer=answer,
                    analysis="解析", difficulty=1 + n % 5, owner=owner, share=share, fingerprint=f"budget-{n}",
                    subject=kp.subject if kp else None)


def _questions(owner, w: World, n: int, *, kps=(), chapters=()):
    """n district-shared questions, each linked to the given knowledge points and chapters (bulk)."""
    from zhijiao.questions.models import Question

    qs = Question.objects.bulk_create([_question(owner, w, kp=kps[0] if kps else None) for _ in range(n)])
    Question.knowledge_points.through.objects.bulk_create(
        [Question.knowledge_points.through(question_id=q.pk, knowledgepoint_id=k.pk) for q in qs for k in kps])
    Question.chapters.through.objects.bulk_create(
        [Question.chapters.through(question_id=q.pk, chapter_id=c.pk) for q in qs for c in chapters])
    return qs


def _composites(owner, w: World, n: int, *, parts: int = 3, kps=()):
    """n district-shared composite questions (a passage and `parts` parts: single, true/false, short), bulk."""
    from zhijiao.questions.models import Question

    made = Question.objects.bulk_create([
        Question(qtype="composite", stem=f"预算材料 {w.next()}：阅读下面的记录", owner=owner, share="district",
                 fingerprint=f"budget-c{w.next()}", subject=kps[0].subject if kps else None) for _ in range(n)])
    kinds = ["single", "truefalse", "short"]
    subs = []
    for c in made:
        for i in range(parts):
            q = _question(owner, w, qtype=kinds[i % 3], kp=kps[0] if kps else None)
            q.parent, q.part_order, q.part_score = c, i + 1, 2 + i
            q.answer = "参考" if q.qtype == "short" else q.answer
            subs.append(q)
    subs = Question.objects.bulk_create(subs)
    Question.knowledge_points.through.objects.bulk_create(
        [Question.knowledge_points.through(question_id=q.pk, knowledgepoint_id=k.pk) for q in made + subs
         for k in kps])
    return made


def _answer_parts(sub, composites):
    """The student's (ungraded) answers to every part of the composites: what a grading page shows."""
    from zhijiao.homework.models import Answer
    from zhijiao.questions.models import Question

    Answer.objects.bulk_create([Answer(submission=sub, question=p, response="A" if p.qtype == "single" else "写了",
                                       max_score=p.part_score)
                                for p in Question.objects.filter(parent__in=composites)])


def _add_to_paper(paper, questions):
    from zhijiao.questions.models import PaperItem

    start = paper.items.count()
    PaperItem.objects.bulk_create([PaperItem(paper=paper, question=q, order=start + i + 1, score=10)
                                   for i, q in enumerate(questions)])


def _students(w: World, klass, n: int):
    """n more students in a class (accounts and roles, bulk)."""
    from zhijiao.accounts.models import Role, RoleKind, User

    made = User.objects.bulk_create([User(username=f"budget_s{w.next()}", name=f"预算学生{i}",
                                          student_number=f"B{w.next():08d}", must_change_password=False)
                                     for i in range(n)])
    Role.objects.bulk_create([Role(user=u, kind=RoleKind.STUDENT, node=klass) for u in made])
    return made


def grow_assignments(w: World) -> None:
    """Two more assignments to the class (one by its 语文 teacher), a few submitted through the actions."""
    from zhijiao.homework.actions import TierSpec, assignment_create, submission_submit
    from zhijiao.homework.models import Submission
    from zhijiao.questions.actions import paper_create

    now = timezone.now()
    for teacher in (w.laoshi, w.laoshi2):
        paper = paper_create(owner=teacher, title="预算卷", question_ids=[q.pk for q in
                                                                       _questions(teacher, w, 3, kps=[w.kp])])
        a = assignment_create(teacher=teacher, title=f"预算作业 {w.next()}", kind="after",
                              open_at=now - timedelta(hours=1), due_at=now + timedelta(days=1),
                              tiers=[TierSpec(paper_id=paper.pk, class_ids=[w.klass.pk])])
        for sub in Submission.objects.filter(assignment=a).select_related("student")[:3]:
            submission_submit(student=sub.student, submission=sub,
                              responses={q: "A" for q in paper.items.values_list("question_id", flat=True)})
    w.xs_done = Submission.objects.filter(student=w.xuesheng, status="submitted").first() or w.xs_done


def grow_class(w: World) -> None:
    """More students in the class who handed in the graded homework (submissions, answers, mastery)."""
    from zhijiao.homework.models import Answer, Submission, SubmissionStatus
    from zhijiao.learning.models import Mastery

    students = _students(w, w.klass, 6)
    items = list(w.a1_tier.paper.items.select_related("question"))
    subs = Submission.objects.bulk_create([
        Submission(assignment=w.a1, student=s, klass=w.klass, tier=w.a1_tier, status=SubmissionStatus.SUBMITTED,
                   attempt=1, submitted_at=timezone.now(), score=Decimal(10 * i), max_score=Decimal(10 * len(items)))
        for i, s in enumerate(students)])
    Answer.objects.bulk_create([Answer(submission=s, question=it.question, response="A", max_score=it.score,
                                       score=Decimal(0) if it.question.is_objective else None,
                                       correct=False if it.question.is_objective else None,
                                       auto=it.question.is_objective) for s in subs for it in items])
    Mastery.objects.bulk_create([Mastery(student=s, knowledge_point_id=k, p_mastery=0.2 + 0.1 * i, attempts=2)
                                 for i, s in enumerate(students) for k in w.class_kp_ids])


def grow_papers(w: World) -> None:
    """More questions on the papers being answered and graded (with the student's answers to them)."""
    from zhijiao.homework.models import Answer

    composites = _composites(w.laoshi, w, 2, parts=4, kps=[w.kp])
    for paper in {w.xs_open.tier.paper, w.a1_tier.paper, w.xs_done.tier.paper}:
        _add_to_paper(paper, _questions(w.laoshi, w, 4, kps=[w.kp], chapters=[w.chapter]) + composites)
    extra = list(w.a1_tier.paper.items.exclude(question_id__in=w.graded_sub.answers.values("question_id"))
                 .exclude(question__qtype="composite"))
    Answer.objects.bulk_create([Answer(submission=w.graded_sub, question_id=it.question_id, response="B",
                                       max_score=it.score) for it in extra])
    _answer_parts(w.graded_sub, composites)


def grow_mastery(w: World) -> None:
    """More weak knowledge points for the student (recommendations per point) and more mastery rows."""
    from zhijiao.catalog.models import KnowledgePoint
    from zhijiao.learning.models import Mastery

    have = Mastery.objects.filter(student=w.xuesheng).values("knowledge_point_id")
    kps = list(KnowledgePoint.objects.exclude(pk__in=have).order_by("pk")[:8])
    Mastery.objects.bulk_create([Mastery(student=w.xuesheng, knowledge_point=k, p_mastery=0.05 + 0.01 * i,
                                         attempts=3) for i, k in enumerate(kps)])
    for k in kps[:3]:
        _questions(w.laoshi, w, 4, kps=[k])


def _wrong_items(w: World, n: int) -> None:
    from zhijiao.learning.models import WrongItem

    WrongItem.objects.bulk_create([WrongItem(student=w.xuesheng, question=q, last_response="A", times_wrong=2)
                                   for q in _questions(w.laoshi, w, n, kps=[w.kp])])


def grow_notebook(w: World) -> None:
    _wrong_items(w, 15)


def _threads(w: World, n: int, replies: int = 2) -> list:
    from zhijiao.learning.models import Reply, Thread

    made = Thread.objects.bulk_create([Thread(asker=w.classmates[i % len(w.classmates)], klass=w.klass,
                                              subject="数学", title=f"预算提问 {w.next()}", body="秒针走一圈是多少秒？",
                                              resolved=i % 3 == 0) for i in range(n)])
    Reply.objects.bulk_create([Reply(thread=t, author=w.laoshi if j % 2 == 0 else t.asker, body=f"回答 {j}",
                                     is_teacher=j % 2 == 0) for t in made for j in range(replies)])
    return made


def grow_threads(w: World) -> None:
    _threads(w, 12)


def grow_replies(w: World) -> None:
    from zhijiao.learning.models import Reply

    Reply.objects.bulk_create([Reply(thread=w.thread, author=w.classmates[j % len(w.classmates)] if j % 2
                                     else w.laoshi, body=f"追加回答 {j}", is_teacher=j % 2 == 0) for j in range(10)])


def grow_bank(w: World) -> None:
    _questions(w.laoshi, w, 30, kps=[w.kp], chapters=[w.chapter])
    _composites(w.laoshi, w, 3, parts=5, kps=[w.kp])  # shown with their parts, which are not listed apart


def grow_question(w: World) -> None:
    """The question page lists its knowledge points and chapters."""
    from zhijiao.catalog.models import Chapter, KnowledgePoint

    w.question.knowledge_points.add(*KnowledgePoint.objects.order_by("pk")[:6])
    w.question.chapters.add(*Chapter.objects.order_by("pk")[:6])


def grow_catalog(w: World) -> None:
    """More knowledge points on the chapter being read."""
    from zhijiao.catalog.models import KnowledgePoint

    for kp in KnowledgePoint.objects.exclude(chapters=w.chapter).order_by("pk")[:6]:
        kp.chapters.add(w.chapter)


def _notifications(w: World, n: int) -> None:
    from zhijiao.core.models import Notification

    Notification.objects.bulk_create([Notification(user=w.laoshi, kind="qa_asked", title=f"学生提问 {w.next()}",
                                                    url="/learning/qa/", body="秒针") for _ in range(n)])


def grow_inbox(w: World) -> None:
    _notifications(w, 30)


def grow_classes(w: World) -> None:
    """More classes in the school (the school admin's class list)."""
    from zhijiao.core.actions import node_create
    from zhijiao.core.models import NodeKind

    for _ in range(3):
        node_create(kind=NodeKind.CLASS, name=f"预算班 {w.next()}", parent=w.klass.parent, grade_level=1)


def grow_teachers(w: World) -> None:
    """More teachers in the school, with activity rolled up (the school cockpit's teacher table)."""
    from zhijiao.accounts.models import Role, RoleKind, User
    from zhijiao.cockpit.rollup import run_incremental
    from zhijiao.records.actions import record_event

    made = User.objects.bulk_create([User(username=f"budget_t{w.next()}", name=f"预算老师{i}",
                                          must_change_password=False) for i in range(5)])
    Role.objects.bulk_create([Role(user=u, kind=RoleKind.SUBJECT_TEACHER, node=w.klass, subject="科学")
                              for u in made])
    for u in made:
        record_event(actor=u, verb="assigned", object_kind="homework", object_key=w.next(), school=w.school,
                     klass=w.klass, actor_role="teacher")
    run_incremental(batch_size=10_000, lag=0)


def _library(w: World, n: int, chapter) -> list:
    """n approved district-level items on `chapter`, by laoshi (what browse and search list)."""
    from django.utils import timezone as tz

    from zhijiao.resources.models import Resource

    made = Resource.objects.bulk_create([
        Resource(type="courseware", title=f"预算课件 {w.next()}", contributor=w.laoshi, school=w.school,
                 level="district", sharing="district", status="approved", published_at=tz.now(),
                 stage_id=chapter.book.stage_id, subject_id=chapter.book.subject_id,
                 grade_level=chapter.book.grade_level) for _ in range(n)])
    Resource.chapters.through.objects.bulk_create(
        [Resource.chapters.through(resource_id=r.pk, chapter_id=chapter.pk) for r in made])
    return made


def grow_library(w: World) -> None:
    _library(w, 30, w.chapter)


def grow_resource(w: World) -> None:
    """The resource page lists its chapters, knowledge points and visible comments."""
    from zhijiao.catalog.models import Chapter, KnowledgePoint
    from zhijiao.resources.models import Comment

    w.resource.chapters.add(*Chapter.objects.order_by("pk")[:6])
    w.resource.knowledge_points.add(*KnowledgePoint.objects.order_by("pk")[:6])
    Comment.objects.bulk_create([Comment(resource=w.resource, author=w.xuesheng, body=f"讲得清楚 {w.next()}",
                                         status="visible") for _ in range(8)])
    _as_the_actions_keep_it(w.resource, comments=8)


def _as_the_actions_keep_it(resource, *, comments: int) -> None:
    """What the resource actions do beside such writes: count visible comments, save the item (`updated_at`)."""
    from django.db.models import F
    from django.utils import timezone

    from zhijiao.resources.models import Resource

    Resource.objects.filter(pk=resource.pk).update(comment_count=F("comment_count") + comments,
                                                   updated_at=timezone.now())


def grow_roles(w: World) -> None:
    """More roles held (each is listed on the home page) in more classes."""
    from zhijiao.accounts.actions import role_grant
    from zhijiao.core.actions import node_create
    from zhijiao.core.models import NodeKind

    for _ in range(3):
        klass = node_create(kind=NodeKind.CLASS, name=f"预算班 {w.next()}", parent=w.klass.parent, grade_level=1)
        role_grant(actor=None, user=w.laoshi, kind="subject_teacher", node=klass, subject="数学")


# --- the pages ------------------------------------------------------------------------------------------

PAGES = [
    # role homes: the session and the user; roles, app grid and unread count come from the cache
    Page("home (teacher)", "laoshi", lambda w: reverse("web:home"), 2, "我的工作台", (grow_roles,),
         per_row='class="badge"', full=2),
    Page("home (student)", "xuesheng", lambda w: reverse("web:home"), 2, "我的工作台"),
    Page("home (parent)", "jiazhang", lambda w: reverse("web:home"), 2, "我的工作台"),
    Page("home (school admin)", "xiao_admin", lambda w: reverse("web:home"), 2, "我的工作台"),
    Page("home (district admin)", "qu_admin", lambda w: reverse("web:home"), 2, "我的工作台"),
    # resource centre and search
    Page("resource browse", "xuesheng", lambda w: f"{reverse('resources:browse')}?chapter={w.chapter.key}", 3,
         "资源中心", (grow_library,), per_row='class="card res-card"', full=24),
    Page("resource page", "xuesheng", lambda w: reverse("resources:detail", args=[w.resource.pk]), 4, "预算课件",
         (grow_resource,), per_row="讲得清楚", full=1),
    Page("search results", "laoshi", lambda w: reverse("search:results") + "?q=数学", 3, "找到"),
    # homework
    Page("homework list (teacher)", "laoshi", lambda w: reverse("homework:teacher"), 5, "已交/应交",
         (grow_assignments,), per_row='href="/homework/a/', full=4),
    Page("homework list (student)", "xuesheng", lambda w: reverse("homework:my"), 3, "待完成",
         (grow_assignments,)),
    Page("homework list (parent)", "jiazhang", lambda w: reverse("homework:children"), 3, "20以内的加减法",
         (grow_assignments,)),
    # A paper with composite questions (复合题) loads their parts and the parts' knowledge points: 2 queries.
    Page("do homework", "xuesheng", lambda w: reverse("homework:do", args=[w.xs_open.pk]), 8, "提交作业",
         (grow_papers,), per_row='class="card" data-question=', full=5),
    Page("assignment report", "laoshi", lambda w: reverse("homework:detail", args=[w.a1.pk]), 8, "逐题分析",
         (grow_class, grow_papers), per_row="data-student=", full=12),
    Page("grade a submission", "laoshi", lambda w: reverse("homework:grade_submission", args=[w.graded_sub.pk]),
         8, "保存批改", (grow_papers,), per_row='name="score_', full=5),
    Page("grade one question", "laoshi",
         lambda w: reverse("homework:grade_question", args=[w.a1.pk, w.a1_question_id]), 5, "保存本题批改",
         (grow_class,), per_row="data-answer=", full=8),
    Page("homework result (student)", "xuesheng", lambda w: reverse("homework:result", args=[w.xs_done.pk]), 8,
         "我的答案", (grow_papers,)),
    # learning status
    Page("learning classes (teacher)", "laoshi", lambda w: reverse("learning:index"), 3, "学情分析", ()),
    Page("learning classes (school admin)", "xiao_admin", lambda w: reverse("learning:index"), 4, "学情分析",
         (grow_classes,), per_row="app-card", full=10),
    Page("class report", "laoshi", lambda w: reverse("learning:class_map", args=[w.klass.pk]), 7, "掌握图",
         (grow_class, grow_assignments)),
    Page("student report (teacher)", "laoshi", lambda w: reverse("learning:student", args=[w.xuesheng.pk]), 8,
         "知识点掌握度", (grow_mastery,)),
    Page("my learning status", "xuesheng", lambda w: reverse("learning:my"), 7, "需要加强的知识点",
         (grow_mastery,)),
    Page("wrong-question notebook", "xuesheng", lambda w: reverse("learning:notebook"), 5, "再练一次",
         (grow_notebook,), per_row="再练一次", full=PAGE_SIZE),
    Page("targeted practice", "xuesheng", lambda w: reverse("learning:practise", args=[w.wrong_item.pk]), 3,
         "错题重练", (grow_notebook,)),
    Page("Q&A list (student)", "xuesheng", lambda w: reverse("learning:qa_list"), 4, "线上答疑",
         (grow_threads,), per_row='href="/learning/qa/', full=PAGE_SIZE),
    Page("Q&A list (teacher)", "laoshi", lambda w: reverse("learning:qa_list"), 4, "线上答疑",
         (grow_threads,), per_row='href="/learning/qa/', full=PAGE_SIZE),
    Page("Q&A thread", "laoshi", lambda w: reverse("learning:qa_detail", args=[w.thread.pk]), 4, "解答",
         (grow_replies,), per_row="追加回答", full=0),
    # question bank, catalog, inbox
    Page("question bank", "laoshi", lambda w: reverse("questions:bank"), 9, "选入试卷", (grow_bank,),
         per_row="选入试卷", full=PAGE_SIZE),
    Page("a question", "laoshi", lambda w: reverse("questions:detail", args=[w.question.pk]), 5, "共享范围",
         (grow_question,)),
    Page("catalog browse", "laoshi", lambda w: f"{reverse('catalog:browse')}?chapter={w.chapter.key}", 4,
         "知识点", (grow_catalog,), per_row='class="badge"', full=1),
    Page("inbox", "laoshi", lambda w: reverse("web:inbox"), 6, "消息通知", (grow_inbox,),
         per_row='class="card inbox-item', full=PAGE_SIZE),
    # cockpit
    Page("district cockpit", "qu_admin", lambda w: reverse("cockpit:district"), 8, "学校排名",
         (grow_teachers, grow_classes)),
    Page("school cockpit (school admin)", "xiao_admin", lambda w: reverse("cockpit:my_school"), 12, "教师深度应用情况",
         (grow_teachers,), follow=True),
    Page("teacher cockpit", "qu_admin", lambda w: reverse("cockpit:teacher", args=[w.laoshi.pk]), 13, "各项指标",
         (grow_teachers,)),
]


@pytest.fixture
def world(demo_full, settings):
    from zhijiao.accounts.models import User
    from zhijiao.catalog.models import Chapter, KnowledgePoint
    from zhijiao.homework.models import Assignment, Submission
    from zhijiao.learning.models import Mastery, WrongItem
    from zhijiao.questions.tests.factories import class_of

    settings.ZHIJIAO_COCKPIT_LAG_SECONDS = 0
    w = World()
    for name in ("laoshi", "laoshi2", "xuesheng", "jiazhang", "xiao_admin", "qu_admin"):
        setattr(w, name, User.objects.get(username=name))
    w.klass = class_of(w.xuesheng)
    w.school = w.klass.school()
    w.classmates = list(User.objects.filter(roles__kind="student", roles__node=w.klass).exclude(pk=w.xuesheng.pk))
    w.a1 = Assignment.objects.get(title="20以内的加减法 课后作业")
    w.a1_tier = w.a1.tiers.select_related("paper").get()
    w.a1_question_id = w.a1_tier.paper.items.order_by("order").first().question_id
    w.graded_sub = Submission.objects.filter(assignment=w.a1, status__in=["submitted", "graded"]).first()
    w.xs_open = Submission.objects.select_related("tier__paper").filter(student=w.xuesheng, status="assigned").first()
    w.xs_done = Submission.objects.filter(student=w.xuesheng, status__in=["submitted", "graded"]).first()
    w.kp = KnowledgePoint.objects.filter(code="sx-xx-0101").first()
    w.chapter = Chapter.objects.filter(knowledge_points=w.kp).order_by("pk").first()
    w.class_kp_ids = list(Mastery.objects.filter(student__roles__node=w.klass).values_list(
        "knowledge_point_id", flat=True).distinct()[:6])
    w.question = w.a1_tier.paper.items.order_by("order").first().question
    # Full pages from the start: the notebook, Q&A and inbox hold more than a page.
    _wrong_items(w, PAGE_SIZE + 3)
    w.wrong_item = WrongItem.objects.filter(student=w.xuesheng, resolved=False).first()
    w.thread = _threads(w, PAGE_SIZE + 3, replies=3)[0]
    _notifications(w, PAGE_SIZE + 5)
    w.resource = _library(w, 25, w.chapter)[0]  # a full browse page from the start
    from zhijiao.resources.models import Comment

    Comment.objects.create(resource=w.resource, author=w.xuesheng, body="讲得清楚", status="visible")
    _as_the_actions_keep_it(w.resource, comments=1)
    assert all((w.xs_open, w.xs_done, w.graded_sub, w.kp, w.chapter, w.class_kp_ids)), "demo data changed"
    # Composite questions (复合题) on the papers being answered and graded, and newest in the bank, from the
    # start: their parts load in a fixed number of queries however many there are.
    composites = _composites(w.laoshi, w, 1, kps=[w.kp])
    for paper in {w.xs_open.tier.paper, w.a1_tier.paper, w.xs_done.tier.paper}:
        _add_to_paper(paper, composites)
    _answer_parts(w.graded_sub, composites)
    random.seed(7)
    return w


def _render(client, users, page: Page, w: World, assert_max):
    """Warm up, then render once more within the page's budget: (response, queries, their SQL)."""
    client.force_login(users[page.user], backend=BACKEND)
    url = page.url(w)
    client.get(url, follow=page.follow)  # the measured render sees the state a second visit sees
    with assert_max(page.budget) as ctx:
        resp = client.get(url, follow=page.follow)
    return resp, len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


@dataclass
class Seen:
    queries: int = 0
    rows: int = 0
    sql: list = field(default_factory=list)


def test_daily_pages_have_fixed_query_budgets(world, client, django_assert_max_num_queries):
    from zhijiao.accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__in={p.user for p in PAGES})}
    failures: list[str] = []

    def measure(phase: str) -> dict[str, Seen]:
        seen = {}
        for page in PAGES:
            try:
                resp, n, sql = _render(client, users, page, world, django_assert_max_num_queries)
            except pytest.fail.Exception as exc:
                failures.append(f"{phase}: {page.name}: over budget {page.budget}\n{str(exc)[:3000]}")
                continue
            body = resp.content.decode()
            if resp.status_code != page.status or page.shows not in body:
                failures.append(f"{phase}: {page.name}: status {resp.status_code}, {page.shows!r} "
                                f"{'shown' if page.shows in body else 'missing'}")
            rows = body.count(page.per_row) if page.per_row else 0
            if rows < page.full:
                failures.append(f"{phase}: {page.name}: {rows} rows on the page, expected at least {page.full}")
            seen[page.name] = Seen(n, rows, sql)
            if os.environ.get("QUERY_BUDGETS_SHOW"):  # QUERY_BUDGETS_SHOW=1 pytest -s: every page's SQL
                print(f"\n== {phase}: {page.name}: {n} queries (budget {page.budget}), {rows} rows")
                print("\n".join(f"   {q[:240]}" for q in sql))
        return seen

    before = measure("before")
    done = set()
    for page in PAGES:
        for grow in page.grow:
            if grow not in done:
                grow(world)
                done.add(grow)
    after = measure("after growth")
    for page in PAGES:
        b, a = before.get(page.name), after.get(page.name)
        if b is None or a is None:
            continue
        if page.per_row and page.full < PAGE_SIZE and a.rows <= b.rows:  # a paged list stays one full page
            failures.append(f"{page.name}: the growth added no row to the page ({b.rows} → {a.rows})")
        if a.queries != b.queries:
            extra = "\n".join(f"  {s[:200]}" for s in a.sql)
            failures.append(f"{page.name}: {b.queries} queries before, {a.queries} after more rows\n{extra}")
    assert not failures, "\n\n".join(failures)
