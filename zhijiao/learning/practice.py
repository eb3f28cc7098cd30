"""Targeted practice (针对性练习): a layered practice set drawn from the bank for the students of a class who
are weak on chosen knowledge points, assigned as homework.

A module of its own because it sits above homework: it assigns through `homework.actions`, while homework's
grading updates mastery through `learning.actions`; kept in `learning.actions` the two modules imported each
other."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.accounts.selectors import scope_of
from zhijiao.learning.actions import QAError
from zhijiao.learning.models import Mastery


@transaction.atomic
def practice_push(*, teacher, klass, kp_ids: list[int], threshold: float = 0.6, per_tier: int = 5,
                  due_days: int = 3, seed: int | None = None):
    """Generate a layered practice set for the students of `klass` whose mastery of the chosen knowledge
    points is below `threshold`, and assign it (tiers by how weak they are):

    - tier C (mastery < threshold/2 or never answered): easier questions (difficulty 1–2)
    - tier B (below threshold): difficulty 2–4
    Returns the homework assignment. Raises QAError with a message when nobody needs it or the bank is short.
    """
    from datetime import timedelta

    from zhijiao.accounts.selectors import class_students
    from zhijiao.homework.actions import TierSpec, assignment_create
    from zhijiao.questions.actions import DrawRule, PaperError, paper_assemble
    from zhijiao.questions.selectors import visible_questions

    if klass.pk not in scope_of(teacher).taught_class_ids:
        raise QAError({"klass": _("只能给自己任教的班级推送练习。")})
    if not kp_ids:
        raise QAError({"kp": _("请选择知识点。")})
    students = list(class_students(klass))
    mastery = {}
    for m in Mastery.objects.filter(student__in=students, knowledge_point_id__in=kp_ids):
        mastery.setdefault(m.student_id, []).append(m.p_mastery)
    weak, weaker = [], []
    for s in students:
        values = mastery.get(s.pk, [])
        low = min(values) if values else 0.0
        if not values or low < threshold / 2:
            weaker.append(s.pk)
        elif low < threshold:
            weak.append(s.pk)
    if not weak and not weaker:
        raise QAError({"kp": _("这些知识点全班都已掌握（掌握度不低于 %(t)s%%），无需推送。") % {"t": int(threshold * 100)}})
    tiers = []
    exclude: list[int] = []
    for label, ids, dmin, dmax in (("C", weaker, 1, 2), ("B", weak, 2, 4)):
        if not ids:
            continue
        pool = visible_questions(teacher).filter(knowledge_points__in=kp_ids, qtype__in=["single", "multiple", "truefalse",
                                                                                "fill"])
        types = list(pool.filter(difficulty__gte=dmin, difficulty__lte=dmax).values_list("qtype", flat=True))
        if not types:
            dmin, dmax = 1, 5
            types = list(pool.values_list("qtype", flat=True))
        n = min(per_tier, len(set(pool.filter(difficulty__gte=dmin, difficulty__lte=dmax)
                                   .values_list("pk", flat=True)) - set(exclude)))
        if n == 0:
            raise QAError({"kp": _("题库中这些知识点的客观题不够，无法生成练习。")})
        # draw the most common type mix: split n across the types present
        counts: dict = {}
        for t in types:
            counts[t] = counts.get(t, 0) + 1
        order = sorted(counts, key=lambda t: -counts[t])
        rules, left = [], n
        for i, t in enumerate(order):
            take = left if i == len(order) - 1 else min(left, max(1, round(n * counts[t] / len(types))))
            take = min(take, counts[t])
            if take > 0:
                rules.append(DrawRule(qtype=t, count=take, difficulty_min=dmin, difficulty_max=dmax, score=10))
                left -= take
        try:
            paper = paper_assemble(owner=teacher, title=_("针对性练习（%(l)s 层）") % {"l": label}, rules=rules,
                                   kp_ids=kp_ids, exclude_ids=exclude, seed=seed)
        except PaperError as exc:
            raise QAError({"kp": str(exc)}) from exc
        exclude += list(paper.items.values_list("question_id", flat=True))
        tiers.append(TierSpec(label=label, paper_id=paper.pk, student_ids=ids))
    now = timezone.now()
    from zhijiao.catalog.models import KnowledgePoint

    names = "、".join(KnowledgePoint.objects.filter(pk__in=kp_ids).values_list("name", flat=True)[:3])
    assignment = assignment_create(
        teacher=teacher, title=_("针对性练习：%(k)s") % {"k": names}, kind="practice", open_at=now,
        due_at=now + timedelta(days=due_days), tiers=tiers, layered=len(tiers) > 1,
        instructions=_("根据你的学情推送的练习，做完可以巩固薄弱知识点。"))
    return assignment
