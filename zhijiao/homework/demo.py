"""Demo homework (order 40): for the first school's 一年级(1)班 — a graded after-class homework, a pre-class
guide, a layered homework with tiers A/C for two groups, and a 语文 homework with answers waiting for the
teacher. Students answer through the real actions (so mastery, the notebook and the event trail fill up),
with a per-student ability so the class report and mastery map look like a real class."""

import random
from datetime import timedelta

from django.utils import timezone

from zhijiao.accounts.models import Role, RoleKind, User
from zhijiao.accounts.selectors import class_students
from zhijiao.catalog.models import KnowledgePoint
from zhijiao.homework.actions import TierSpec, assignment_create, group_create, submission_submit
from zhijiao.homework.models import Submission
from zhijiao.questions.actions import DrawRule, PaperError, paper_assemble
from zhijiao.questions.models import QuestionType


def simulated_response(q, ok: bool, rng: random.Random):
    if q.qtype == QuestionType.SINGLE:
        keys = [o["key"] for o in q.options]
        return q.answer if ok else rng.choice([k for k in keys if k != q.answer] or keys)
    if q.qtype == QuestionType.MULTIPLE:
        return list(q.answer) if ok else list(q.answer)[:1]
    if q.qtype == QuestionType.TRUEFALSE:
        return bool(q.answer) if ok else not q.answer
    if q.qtype == QuestionType.FILL:
        if ok:
            return [alts[0] for alts in q.answer]
        out = []
        for alts in q.answer:
            a = alts[0]
            out.append(str(int(a) + rng.choice([-1, 1, 10])) if a.isdigit() else "不知道")
        return out
    return rng.choice(["我觉得是这样的：先想一想题目的意思，再一步一步写出来。", "答案在课本上，我写了一部分。"])


def answer_all(sub, student, ability: float, rng, at):
    items = list(sub.tier.paper.items.select_related("question"))
    responses = {}
    for it in items:
        p = min(0.95, max(0.1, ability - 0.08 * (it.question.difficulty - 2)))
        responses[it.question_id] = simulated_response(it.question, rng.random() < p, rng)
    return submission_submit(student=student, submission=sub, responses=responses, at=at)


def build(ctx) -> None:
    rng = random.Random(40)
    laoshi = User.objects.filter(username="laoshi").first()
    laoshi2 = User.objects.filter(username="laoshi2").first()
    if laoshi is None:
        return
    role = Role.objects.filter(user=laoshi, kind=RoleKind.HEAD_TEACHER).select_related("node").first()
    if role is None:
        return
    klass = role.node
    students = list(class_students(klass))
    kp = {k.code: k.pk for k in KnowledgePoint.objects.filter(code__in=[
        "sx-xx-0101", "sx-xx-0102", "sx-xx-0113", "yw-xx-0101", "yw-xx-0102", "yw-xx-0205"])}
    if len(kp) < 3 or not students:
        ctx.progress("homework: catalog or questions missing, skipped")
        return
    now = timezone.now()
    ability = {s.pk: rng.uniform(0.35, 0.95) for s in students}

    def paper(owner, title, kps, rules, seed):
        try:
            return paper_assemble(owner=owner, title=title, kp_ids=[kp[k] for k in kps if k in kp],
                                  rules=[DrawRule(qtype=t, count=n, difficulty_min=lo, difficulty_max=hi, score=sc)
                                         for t, n, lo, hi, sc in rules], seed=seed)
        except PaperError:
            return None

    p1 = paper(laoshi, "20以内的加减法 课后练习", ["sx-xx-0101", "sx-xx-0102"],
               [("fill", 2, 1, 5, 10), ("single", 2, 1, 5, 10), ("truefalse", 1, 1, 5, 10)], 1)
    p2 = paper(laoshi, "认识钟表 课前导学", ["sx-xx-0113"], [("fill", 3, 1, 5, 10), ("truefalse", 2, 1, 5, 10)], 2)
    pa = paper(laoshi, "进位加法 A 层（提高）", ["sx-xx-0102"], [("fill", 3, 3, 5, 10), ("single", 2, 3, 5, 10)], 3)
    pc = paper(laoshi, "进位加法 C 层（基础）", ["sx-xx-0102"], [("fill", 3, 1, 2, 10), ("single", 2, 1, 2, 10)], 4)
    made = 0
    if p1:
        a1 = assignment_create(teacher=laoshi, title="20以内的加减法 课后作业", kind="after",
                               open_at=now - timedelta(days=3), due_at=now - timedelta(days=1),
                               tiers=[TierSpec(paper_id=p1.pk, class_ids=[klass.pk])], late_penalty=10)
        for i, sub in enumerate(Submission.objects.filter(assignment=a1).select_related("tier__paper", "student")):
            if i in (3, 7):
                continue  # two never submitted
            at = a1.due_at + timedelta(hours=2) if i == 5 else a1.due_at - timedelta(hours=rng.randint(2, 30))
            answer_all(sub, sub.student, ability[sub.student_id], rng, at)
        made += 1
    if p2:
        a2 = assignment_create(teacher=laoshi, title="认识钟表 课前导学", kind="pre",
                               open_at=now - timedelta(days=2), due_at=now - timedelta(hours=20),
                               tiers=[TierSpec(paper_id=p2.pk, class_ids=[klass.pk])])
        for sub in Submission.objects.filter(assignment=a2).select_related("tier__paper", "student")[:6]:
            answer_all(sub, sub.student, ability[sub.student_id], rng, a2.due_at - timedelta(hours=3))
        made += 1
    if pa and pc and len(students) >= 4:
        ranked = sorted(students, key=lambda s: -ability[s.pk])
        half = len(ranked) // 2
        ga = group_create(teacher=laoshi, klass_id=klass.pk, name="提高组", student_ids=[s.pk for s in ranked[:half]])
        gc = group_create(teacher=laoshi, klass_id=klass.pk, name="基础组", student_ids=[s.pk for s in ranked[half:]])
        a3 = assignment_create(teacher=laoshi, title="进位加法 分层作业", kind="after", open_at=now - timedelta(hours=2),
                               due_at=now + timedelta(days=1), layered=True,
                               tiers=[TierSpec(label="A", paper_id=pa.pk, group_ids=[ga.pk]),
                                      TierSpec(label="C", paper_id=pc.pk, group_ids=[gc.pk])])
        for sub in Submission.objects.filter(assignment=a3).exclude(student__username="xuesheng").select_related(
                "tier__paper", "student")[:3]:
            answer_all(sub, sub.student, ability[sub.student_id], rng, now - timedelta(minutes=30))
        made += 1
    if laoshi2 and Role.objects.filter(user=laoshi2, node=klass).exists():
        p4 = paper(laoshi2, "拼音与识字 练习", ["yw-xx-0101", "yw-xx-0102"],
                   [("single", 3, 1, 5, 10), ("fill", 2, 1, 5, 10), ("short", 1, 1, 5, 20)], 5)
        if p4:
            a4 = assignment_create(teacher=laoshi2, title="拼音与识字 课后作业", kind="after",
                                   open_at=now - timedelta(days=2), due_at=now - timedelta(hours=12),
                                   tiers=[TierSpec(paper_id=p4.pk, class_ids=[klass.pk])])
            for sub in Submission.objects.filter(assignment=a4).select_related("tier__paper", "student")[:5]:
                answer_all(sub, sub.student, ability[sub.student_id], rng, a4.due_at - timedelta(hours=5))
            made += 1
    ctx.progress(f"homework: {made} assignments")
