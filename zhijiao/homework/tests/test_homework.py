"""Homework: assigning to classes, groups and single students, layered tiers, autosave, submit with automatic
grading, the late rule, return and resubmission, teacher grading per question, scoping, parents, reports."""

from datetime import timedelta

import pytest
from django.utils import timezone

from zhijiao.accounts.selectors import class_students
from zhijiao.homework import actions
from zhijiao.homework.models import Submission, SubmissionStatus
from zhijiao.questions.tests.factories import (
    assign_class,
    class_of,
    make_question,
    simple_paper,
    tiny_catalog,
)
from zhijiao.records.models import Statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(users):
    cat = tiny_catalog()
    t = users["laoshi"]
    qs = [
        make_question(t, qtype="single", answer="B", kp=cat["hms"]),
        make_question(t, qtype="multiple", answer=["A", "C"], kp=cat["hms"]),
        make_question(t, qtype="truefalse", answer=True, options=[], kp=cat["add"]),
        make_question(t, qtype="fill", answer=[["60", "六十"], ["1"]], options=[], kp=cat["hms"]),
        make_question(t, qtype="short", answer="参考答案", options=[], kp=cat["add"]),
    ]
    paper = simple_paper(t, qs)
    klass = class_of(users["xuesheng"])
    return {"cat": cat, "t": t, "qs": qs, "paper": paper, "klass": klass}


def _sub(a, user):
    return Submission.objects.get(assignment=a, student=user)


ALL_RIGHT = lambda qs: {qs[0].pk: "B", qs[1].pk: ["A", "C"], qs[2].pk: True, qs[3].pk: ["六十", "1"],  # noqa: E731
                        qs[4].pk: "我的解答"}


def test_assign_to_class_group_and_individual(users, setup):
    t, klass = setup["t"], setup["klass"]
    a = assign_class(t, setup["paper"], klass)
    assert a.submissions.count() == class_students(klass).count()
    assert Statement.objects.filter(verb__endswith="assigned").count() == 1
    members = list(class_students(klass)[:3])
    g = actions.group_create(teacher=t, klass_id=klass.pk, name="提高组", student_ids=[m.pk for m in members])
    now = timezone.now()
    a2 = actions.assignment_create(teacher=t, title="小组", kind="in", open_at=now, due_at=now + timedelta(hours=1),
                                   tiers=[actions.TierSpec(paper_id=setup["paper"].pk, group_ids=[g.pk],
                                                           student_ids=[users["s0000002"].pk])])
    assert set(a2.submissions.values_list("student_id", flat=True)) == {m.pk for m in members} | {users["s0000002"].pk}
    # laoshi2 teaches 语文 in the class but may not use laoshi's paper; nobody assigns outside their classes
    other = users["xiao_admin"]
    with pytest.raises(actions.HomeworkError):
        actions.assignment_create(teacher=other, title="x", kind="after", open_at=now, due_at=now + timedelta(1),
                                  tiers=[actions.TierSpec(paper_id=setup["paper"].pk, class_ids=[klass.pk])])
    with pytest.raises(actions.HomeworkError) as err:
        actions.assignment_create(teacher=t, title="x", kind="after", open_at=now, due_at=now - timedelta(1),
                                  tiers=[actions.TierSpec(paper_id=setup["paper"].pk, class_ids=[klass.pk])])
    assert "截止时间" in err.value.message


def test_layered_tiers(users, setup):
    t, klass = setup["t"], setup["klass"]
    easy = simple_paper(t, setup["qs"][:2])
    hard = simple_paper(t, setup["qs"][2:])
    students = list(class_students(klass))
    now = timezone.now()
    a = actions.assignment_create(teacher=t, title="分层", kind="after", open_at=now, due_at=now + timedelta(1),
                                  tiers=[actions.TierSpec(label="A", paper_id=hard.pk,
                                                          student_ids=[s.pk for s in students[:5]]),
                                         actions.TierSpec(label="C", paper_id=easy.pk,
                                                          student_ids=[s.pk for s in students[5:]])])
    assert a.layered
    assert {s.tier.label for s in a.submissions.filter(student__in=students[:5])} == {"A"}
    c = _sub(a, students[-1])
    assert c.tier.label == "C" and c.max_score == 20
    with pytest.raises(actions.HomeworkError) as err:
        actions.assignment_create(teacher=t, title="分层", kind="after", open_at=now, due_at=now + timedelta(1),
                                  tiers=[actions.TierSpec(label="A", paper_id=hard.pk, student_ids=[students[0].pk]),
                                         actions.TierSpec(label="B", paper_id=easy.pk, student_ids=[students[0].pk])])
    assert "两个层级" in err.value.message


def test_autosave_submit_and_objective_grading(users, setup, client_as):
    qs, s = setup["qs"], users["xuesheng"]
    a = assign_class(setup["t"], setup["paper"], setup["klass"])
    sub = _sub(a, s)
    c = client_as(s)
    resp = c.post(f"/homework/s/{sub.pk}/autosave/", {f"q{qs[0].pk}": "B", f"q{qs[3].pk}": ["60", ""]})
    assert resp.status_code == 200 and resp.json()["ok"]
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.DRAFT and sub.answers.get(question=qs[0]).response == "B"
    page = c.get(f"/homework/s/{sub.pk}/").content.decode()
    assert 'value="B" checked' in page and 'value="60"' in page  # the draft comes back
    resp = c.post(f"/homework/s/{sub.pk}/", {"action": "submit", f"q{qs[0].pk}": "B", f"q{qs[1].pk}": ["A"],
                                             f"q{qs[2].pk}": "false", f"q{qs[3].pk}": ["六十", "1"],
                                             f"q{qs[4].pk}": "我的解答"})
    assert resp.status_code == 302
    sub.refresh_from_db()
    # 10 (single) + 5 (multiple, 少选 half) + 0 (true/false wrong) + 10 (fill) ; short answer waits
    assert sub.status == SubmissionStatus.SUBMITTED and sub.score == 25 and not sub.late and sub.attempt == 1
    assert Statement.objects.filter(verb__endswith="answered", actor=s).count() == 4
    assert Statement.objects.filter(verb__endswith="submitted", actor=s).count() == 1
    # a submitted homework can no longer be changed
    resp = c.post(f"/homework/s/{sub.pk}/autosave/", {f"q{qs[0].pk}": "A"})
    assert resp.status_code == 409


def test_late_rule(users, setup):
    s = users["xuesheng"]
    late_ok = assign_class(setup["t"], setup["paper"], setup["klass"], due_in=-timedelta(hours=1),
                           open_ago=timedelta(days=1), late_penalty=20)
    sub = actions.submission_submit(student=s, submission=_sub(late_ok, s), responses=ALL_RIGHT(setup["qs"]))
    assert sub.late and sub.score == 32  # 40 objective points less 20 %
    refused = assign_class(setup["t"], setup["paper"], setup["klass"], due_in=-timedelta(hours=1),
                           open_ago=timedelta(days=1), allow_late=False)
    with pytest.raises(actions.HomeworkError) as err:
        actions.submission_submit(student=s, submission=_sub(refused, s), responses={})
    assert "不接受迟交" in err.value.message
    not_open = assign_class(setup["t"], setup["paper"], setup["klass"], open_ago=-timedelta(hours=1))
    with pytest.raises(actions.HomeworkError):
        actions.submission_save_draft(student=s, submission=_sub(not_open, s), responses={})


def test_grade_per_question_return_and_resubmit(users, setup, client_as):
    qs, s, t = setup["qs"], users["xuesheng"], setup["t"]
    a = assign_class(t, setup["paper"], setup["klass"])
    sub = actions.submission_submit(student=s, submission=_sub(a, s), responses=ALL_RIGHT(qs))
    actions.submission_submit(student=users["s0000002"], submission=_sub(a, users["s0000002"]),
                              responses={qs[4].pk: "不会"})
    c = client_as(t)
    page = c.get(f"/homework/a/{a.pk}/q/{qs[4].pk}/").content.decode()
    assert "我的解答" in page and "不会" in page
    ans_s = sub.answers.get(question=qs[4])
    ans_o = _sub(a, users["s0000002"]).answers.get(question=qs[4])
    resp = c.post(f"/homework/a/{a.pk}/q/{qs[4].pk}/", {f"score_{ans_s.pk}": "99", f"score_{ans_o.pk}": "2"})
    assert resp.status_code == 422 and "0 到 10.0" in resp.content.decode()
    resp = c.post(f"/homework/a/{a.pk}/q/{qs[4].pk}/", {f"score_{ans_s.pk}": "8", f"comment_{ans_s.pk}": "步骤清楚",
                                                         f"score_{ans_o.pk}": "2"})
    assert resp.status_code == 302
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.GRADED and sub.score == 48
    assert Statement.objects.filter(verb__endswith="graded").count() == 2
    # return for correction, then the student resubmits
    resp = c.post(f"/homework/grade/{sub.pk}/", {"action": "return", "comment": "第 2 题再想想"})
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.RETURNED
    from zhijiao.core.models import Notification

    note = Notification.objects.get(user=s, kind="homework_returned")
    assert "退回订正" in note.title and note.body == "第 2 题再想想" and note.url == f"/homework/s/{sub.pk}/"
    sub = actions.submission_submit(student=s, submission=sub, responses={qs[4].pk: "订正后的解答"})
    assert sub.attempt == 2 and sub.status == SubmissionStatus.SUBMITTED
    assert sub.answers.get(question=qs[4]).score is None  # the corrected answer is graded again


def test_students_never_see_each_other(users, setup, client_as, api_as):
    a = assign_class(setup["t"], setup["paper"], setup["klass"])
    mine, theirs = _sub(a, users["xuesheng"]), _sub(a, users["s0000002"])
    actions.submission_submit(student=users["s0000002"], submission=theirs, responses=ALL_RIGHT(setup["qs"]))
    c = client_as(users["xuesheng"])
    assert c.get(f"/homework/s/{theirs.pk}/").status_code == 404
    assert c.get(f"/homework/s/{theirs.pk}/result/").status_code == 404
    assert c.post(f"/homework/s/{theirs.pk}/autosave/", {}).status_code == 404
    assert c.get(f"/homework/a/{a.pk}/").status_code == 404
    assert c.get(f"/homework/s/{mine.pk}/").status_code == 200
    api = api_as(users["xuesheng"])
    assert api.post(f"/api/v1/homework/submissions/{theirs.pk}/submit", {"responses": {}},
                    content_type="application/json").status_code == 404
    # a teacher of another school cannot see the class's homework either
    other_teacher = users["laoshi"].__class__.objects.filter(roles__kind="subject_teacher").exclude(
        roles__node=setup["klass"]).exclude(roles__node__path__startswith=setup["klass"].path[:21]).first()
    assert client_as(other_teacher).get(f"/homework/a/{a.pk}/").status_code == 404


def test_parent_and_results_after_due(users, setup, client_as):
    a = assign_class(setup["t"], setup["paper"], setup["klass"])
    sub = actions.submission_submit(student=users["xuesheng"], submission=_sub(a, users["xuesheng"]),
                                    responses=ALL_RIGHT(setup["qs"]))
    parent = client_as(users["jiazhang"])
    page = parent.get("/homework/children/").content.decode()
    assert a.title in page and "40" in page
    page = parent.get(f"/homework/s/{sub.pk}/result/").content.decode()
    assert "截止时间过后可以查看正确答案和解析" in page  # not before the due time
    a.due_at = timezone.now() - timedelta(minutes=1)
    a.save()
    page = client_as(users["xuesheng"]).get(f"/homework/s/{sub.pk}/result/").content.decode()
    assert "解析" in page and "截止时间过后" not in page
    other = _sub(a, users["s0000002"])
    assert client_as(users["jiazhang"]).get(f"/homework/s/{other.pk}/result/").status_code == 404


def test_report(users, setup, client_as, api_as):
    qs = setup["qs"]
    a = assign_class(setup["t"], setup["paper"], setup["klass"])
    actions.submission_submit(student=users["xuesheng"], submission=_sub(a, users["xuesheng"]),
                              responses=ALL_RIGHT(qs))
    actions.submission_submit(student=users["s0000002"], submission=_sub(a, users["s0000002"]),
                              responses={qs[0].pk: "C"})
    r = api_as(setup["t"]).get(f"/api/v1/homework/assignments/{a.pk}/report").json()
    assert r["submitted"] == 2 and r["assigned"] == class_students(setup["klass"]).count()
    assert users["xuesheng"].pk not in r["not_submitted"] and len(r["not_submitted"]) == r["assigned"] - 2
    q0 = next(q for q in r["questions"] if q["question_id"] == qs[0].pk)
    assert q0["correct_rate"] == 0.5 and q0["common_wrong"] == [{"answer": "C", "count": 1}]
    page = client_as(setup["t"]).get(f"/homework/a/{a.pk}/").content.decode()
    assert "逐题分析" in page and "C ×1" in page and "未提交" in page


def test_only_the_assigning_teacher_and_the_subjects_teachers_grade(users, setup, client_as):
    """Issue 11: laoshi2 teaches 语文 in the class (not its head teacher) and could change laoshi's 数学 scores
    and return the work for correction. Reading stays open to the class's teachers; changing does not."""
    qs, s, t = setup["qs"], users["xuesheng"], setup["t"]
    a = assign_class(t, setup["paper"], setup["klass"])
    assert a.subject == "数学"
    sub = actions.submission_submit(student=s, submission=_sub(a, s), responses=ALL_RIGHT(qs))
    c = client_as(t)
    ans = sub.answers.get(question=qs[4])
    assert c.post(f"/homework/grade/{sub.pk}/", {f"score_{ans.pk}": "10", f"comment_{ans.pk}": "很好",
                                                 "comment": "全对"}).status_code == 302
    sub.refresh_from_db()
    ans.refresh_from_db()
    assert (ans.score, ans.comment, sub.status, sub.comment) == (10, "很好", SubmissionStatus.GRADED, "全对")
    before = (sub.score, sub.status, sub.comment, ans.score, ans.comment, ans.graded_by_id)
    statements = Statement.objects.count()

    def unchanged():
        sub.refresh_from_db()
        ans.refresh_from_db()
        return (sub.score, sub.status, sub.comment, ans.score, ans.comment, ans.graded_by_id) == before

    # laoshi2 (语文) may read the 数学 work of a class they teach, but not change it: 404, nothing written
    other = client_as(users["laoshi2"])
    page = other.get(f"/homework/grade/{sub.pk}/")
    assert page.status_code == 200 and f'name="score_{ans.pk}"' not in page.content.decode()
    assert "退回订正" not in page.content.decode()
    assert other.post(f"/homework/grade/{sub.pk}/", {f"score_{ans.pk}": "0", f"comment_{ans.pk}": "不对",
                                                     "comment": "重做"}).status_code == 404
    assert unchanged()
    assert other.post(f"/homework/grade/{sub.pk}/", {"action": "return", "comment": "重做"}).status_code == 404
    assert unchanged()
    assert other.get(f"/homework/a/{a.pk}/q/{qs[4].pk}/").status_code == 200
    assert other.post(f"/homework/a/{a.pk}/q/{qs[4].pk}/", {f"score_{ans.pk}": "0",
                                                            f"comment_{ans.pk}": "不对"}).status_code == 404
    assert unchanged() and Statement.objects.count() == statements
    from zhijiao.core.models import Notification

    assert not Notification.objects.filter(user=s, kind="homework_returned").exists()
    # the actions refuse too, whoever calls them
    for call in (lambda: actions.answer_grade(teacher=users["laoshi2"], answer=ans, score=0),
                 lambda: actions.submission_comment(teacher=users["laoshi2"], submission=sub, comment="x"),
                 lambda: actions.submission_return(teacher=users["laoshi2"], submission=sub)):
        with pytest.raises(actions.HomeworkError):
            call()
    assert unchanged()

    # the assigning teacher still grades question by question and returns
    c = client_as(t)
    assert c.post(f"/homework/a/{a.pk}/q/{qs[4].pk}/", {f"score_{ans.pk}": "7",
                                                        f"comment_{ans.pk}": "再想想"}).status_code == 302
    ans.refresh_from_db()
    assert (ans.score, ans.comment) == (7, "再想想")
    assert c.post(f"/homework/grade/{sub.pk}/", {"action": "return", "comment": "订正"}).status_code == 302
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.RETURNED


def test_a_teacher_of_the_subject_grades_but_the_head_teacher_only_reads(users, setup, client_as):
    """Another 数学 teacher of the class may grade laoshi's 数学 homework; laoshi, head teacher of the class, may
    read laoshi2's 语文 homework but not grade it."""
    from zhijiao.accounts.actions import role_grant
    from zhijiao.accounts.models import RoleKind

    qs, s, klass = setup["qs"], users["xuesheng"], setup["klass"]
    a = assign_class(setup["t"], setup["paper"], klass)
    sub = actions.submission_submit(student=s, submission=_sub(a, s), responses=ALL_RIGHT(qs))
    ans = sub.answers.get(question=qs[4])
    role_grant(actor=None, user=users["laoshi2"], kind=RoleKind.SUBJECT_TEACHER, node=klass, subject="数学")
    c = client_as(users["laoshi2"])
    assert c.post(f"/homework/grade/{sub.pk}/", {f"score_{ans.pk}": "6"}).status_code == 302
    ans.refresh_from_db()
    assert ans.score == 6 and ans.graded_by == users["laoshi2"]

    # laoshi2's 语文 homework (a paper of a 语文 subject) in the class laoshi heads
    from zhijiao.catalog.models import Subject

    chinese, _ = Subject.objects.get_or_create(code="t-yw", defaults={"name": "语文"})
    q = make_question(users["laoshi2"], qtype="short", answer="参考", options=[])
    q.subject = chinese
    q.save()
    a2 = assign_class(users["laoshi2"], simple_paper(users["laoshi2"], [q]), klass)
    assert a2.subject == "语文"
    sub2 = actions.submission_submit(student=s, submission=_sub(a2, s), responses={q.pk: "我的作文"})
    ans2 = sub2.answers.get()
    head = client_as(users["laoshi"])
    assert head.get(f"/homework/grade/{sub2.pk}/").status_code == 200
    assert head.get(f"/homework/a/{a2.pk}/q/{q.pk}/").status_code == 200
    assert head.post(f"/homework/grade/{sub2.pk}/", {f"score_{ans2.pk}": "1"}).status_code == 404
    assert head.post(f"/homework/grade/{sub2.pk}/", {"action": "return"}).status_code == 404
    assert head.post(f"/homework/a/{a2.pk}/q/{q.pk}/", {f"score_{ans2.pk}": "1"}).status_code == 404
    ans2.refresh_from_db()
    sub2.refresh_from_db()
    assert ans2.score is None and sub2.status == SubmissionStatus.SUBMITTED
