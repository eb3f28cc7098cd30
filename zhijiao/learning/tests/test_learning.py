"""Learning status: mastery updates on graded answers, the wrong-question notebook and re-practice, reports,
targeted practice push, Q&A with notifications, model fitting."""

from datetime import timedelta

import numpy as np
import pytest
from django.core.management import call_command

from zhijiao.core.models import Notification
from zhijiao.homework import actions as hw
from zhijiao.homework.models import Assignment, Submission
from zhijiao.learning import actions, kt
from zhijiao.learning.models import Mastery, ModelParams, Thread, WrongItem
from zhijiao.questions.tests.factories import (
    assign_class,
    class_of,
    make_question,
    simple_paper,
    tiny_catalog,
)
from zhijiao.records.models import Statement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_params():
    actions.reset_params_cache()
    yield
    actions.reset_params_cache()


@pytest.fixture
def setup(users):
    cat = tiny_catalog()
    t = users["laoshi"]
    hms = [make_question(t, qtype="single", answer="B", kp=cat["hms"], difficulty=1 + i % 3) for i in range(8)]
    add = [make_question(t, qtype="truefalse", answer=True, options=[], kp=cat["add"], difficulty=1 + i % 3)
           for i in range(8)]
    return {"cat": cat, "t": t, "hms": hms, "add": add, "klass": class_of(users["xuesheng"])}


def _submit(a, student, responses):
    sub = Submission.objects.get(assignment=a, student=student)
    return hw.submission_submit(student=student, submission=sub, responses=responses)


def test_mastery_moves_with_each_graded_answer(users, setup):
    s, cat = users["xuesheng"], setup["cat"]
    a = assign_class(setup["t"], simple_paper(setup["t"], setup["hms"][:3]), setup["klass"])
    _submit(a, s, {q.pk: "B" for q in setup["hms"][:3]})
    m = Mastery.objects.get(student=s, knowledge_point=cat["hms"])
    assert m.attempts == 3 and m.correct == 3 and m.p_mastery > 0.8
    a2 = assign_class(setup["t"], simple_paper(setup["t"], setup["hms"][3:6]), setup["klass"])
    _submit(a2, s, {q.pk: "A" for q in setup["hms"][3:6]})
    m2 = Mastery.objects.get(pk=m.pk)
    assert m2.attempts == 6 and m2.p_mastery < m.p_mastery
    # direct update: a right answer raises, a wrong one lowers
    before = m2.p_mastery
    after = actions.mastery_observe(student=s, kp_ids=[cat["hms"].pk], correct=True)[0].p_mastery
    assert after > before
    assert actions.mastery_observe(student=s, kp_ids=[cat["hms"].pk], correct=False)[0].p_mastery < after


def test_teacher_grading_updates_mastery_for_subjective_answers(users, setup):
    t, s, cat = setup["t"], users["xuesheng"], setup["cat"]
    q = make_question(t, qtype="short", answer="", options=[], kp=cat["add"])
    a = assign_class(t, simple_paper(t, [q]), setup["klass"])
    sub = _submit(a, s, {q.pk: "我的答案"})
    assert not Mastery.objects.filter(student=s).exists()
    hw.answer_grade(teacher=t, answer=sub.answers.get(), score=3)  # 3 of 10: not passed
    m = Mastery.objects.get(student=s, knowledge_point=cat["add"])
    assert m.attempts == 1 and m.correct == 0
    assert WrongItem.objects.filter(student=s, question=q).exists()


def test_notebook_and_repractice(users, setup, client_as):
    s = users["xuesheng"]
    qs = setup["hms"][:2]
    a = assign_class(setup["t"], simple_paper(setup["t"], qs), setup["klass"])
    _submit(a, s, {qs[0].pk: "C", qs[1].pk: "B"})
    item = WrongItem.objects.get(student=s)
    assert item.question == qs[0] and item.last_response == "C"
    c = client_as(s)
    assert qs[0].stem in c.get("/learning/notebook/").content.decode()
    page = c.post(f"/learning/notebook/{item.pk}/", {f"q{qs[0].pk}": "D"}).content.decode()
    assert "还不对" in page
    item.refresh_from_db()
    assert item.times_wrong == 2 and not item.resolved
    before = Mastery.objects.get(student=s, knowledge_point=setup["cat"]["hms"]).p_mastery
    page = c.post(f"/learning/notebook/{item.pk}/", {f"q{qs[0].pk}": "B"}).content.decode()
    assert "答对了" in page
    item.refresh_from_db()
    assert item.resolved
    assert Mastery.objects.get(student=s, knowledge_point=setup["cat"]["hms"]).p_mastery > before
    assert Statement.objects.filter(actor=s, verb__endswith="answered").count() == 4
    # another student's notebook item does not exist for me
    assert client_as(users["s0000002"]).get(f"/learning/notebook/{item.pk}/").status_code == 404


def test_class_map_and_student_pages(users, setup, client_as):
    t = setup["t"]
    a = assign_class(t, simple_paper(t, setup["hms"][:3] + setup["add"][:3]), setup["klass"])
    _submit(a, users["xuesheng"], {**{q.pk: "A" for q in setup["hms"][:3]}, **{q.pk: False for q in setup["add"][:3]}})
    _submit(a, users["s0000002"], {**{q.pk: "B" for q in setup["hms"][:3]}, **{q.pk: True for q in setup["add"][:3]}})
    c = client_as(t)
    page = c.get(f"/learning/class/{setup['klass'].pk}/").content.decode()
    assert "时、分、秒" in page and "需要关注的学生" in page and users["xuesheng"].display_name in page
    api = c.get(f"/api/v1/learning/classes/{setup['klass'].pk}/mastery").json()
    assert [x["student_id"] for x in api["attention"]] == [users["xuesheng"].pk]
    assert client_as(users["xuesheng"]).get(f"/learning/class/{setup['klass'].pk}/").status_code == 404
    page = client_as(users["jiazhang"]).get(f"/learning/student/{users['xuesheng'].pk}/").content.decode()
    assert "时、分、秒" in page
    assert client_as(users["xuesheng"]).get(f"/learning/student/{users['s0000002'].pk}/").status_code == 404
    page = client_as(users["xuesheng"]).get("/learning/me/").content.decode()
    assert "需要加强的知识点" in page and "时、分、秒" in page


def test_practice_push_reaches_only_students_who_need_it(users, setup, client_as):
    t, cat = setup["t"], setup["cat"]
    a = assign_class(t, simple_paper(t, setup["hms"][:3]), setup["klass"])
    _submit(a, users["xuesheng"], {q.pk: "A" for q in setup["hms"][:3]})   # weak
    _submit(a, users["s0000002"], {q.pk: "B" for q in setup["hms"][:3]})   # strong
    resp = client_as(t).post(f"/learning/class/{setup['klass'].pk}/push/", {"kp": [cat["hms"].pk], "threshold": "60",
                                                                             "count": "3"})
    assert resp.status_code == 302
    pushed = Assignment.objects.get(kind="practice")
    students = set(pushed.submissions.values_list("student_id", flat=True))
    assert users["xuesheng"].pk in students and users["s0000002"].pk not in students
    for sub in pushed.submissions.select_related("tier__paper"):
        ids = list(sub.tier.paper.items.values_list("question_id", flat=True))
        assert len(ids) == len(set(ids)) <= 3
    # tiers never share a question
    papers = [set(t.paper.items.values_list("question_id", flat=True)) for t in pushed.tiers.all()]
    assert len(papers) < 2 or not (papers[0] & papers[1])
    assert pushed.due_at > pushed.open_at + timedelta(days=1)
    # laoshi2 (语文) cannot push in a class of another school; a student cannot push at all
    assert client_as(users["xuesheng"]).post(f"/learning/class/{setup['klass'].pk}/push/",
                                             {"kp": [cat["hms"].pk]}).status_code == 404


def test_qa_notifies_subject_teachers(users, setup, client_as):
    s = users["xuesheng"]
    c = client_as(s)
    resp = c.post("/learning/qa/ask/", {"title": "", "body": ""})
    assert resp.status_code == 422 and "请写一个标题" in resp.content.decode()
    resp = c.post("/learning/qa/ask/", {"title": "秒针走一圈是多少时间？", "body": "书上第 3 页看不懂", "subject": "数学"})
    t = Thread.objects.get()
    assert resp.status_code == 302 and t.klass == setup["klass"]
    assert Notification.objects.filter(user=users["laoshi"], kind="qa_asked", url__endswith=f"/qa/{t.pk}/").exists()
    assert not Notification.objects.filter(user=users["laoshi2"]).exists()  # 语文 teacher not bothered
    assert Statement.objects.filter(actor=s, verb__endswith="asked").count() == 1
    teacher = client_as(users["laoshi"])
    assert "秒针走一圈" in teacher.get("/learning/qa/?q=秒针").content.decode()
    teacher.post(f"/learning/qa/{t.pk}/reply/", {"body": "秒针走一圈是 1 分，也就是 60 秒。"})
    assert Notification.objects.filter(user=s, kind="qa_answered", title__contains="新回答").exists()
    reply = t.replies.get()
    teacher.post(f"/learning/qa/reply/{reply.pk}/publish/")
    reply.refresh_from_db()
    from zhijiao.resources.models import Resource

    res = Resource.objects.get(pk=reply.published_resource_id)
    assert "秒针走一圈" in res.title and res.contributor == users["laoshi"]
    teacher.post(f"/learning/qa/{t.pk}/resolve/")
    t.refresh_from_db()
    assert t.resolved
    assert client_as(users["xuesheng"]).post(f"/learning/qa/reply/{reply.pk}/publish/").status_code == 404
    # a student of another class cannot see it
    other = users["laoshi"].__class__.objects.filter(roles__kind="student").exclude(
        roles__node=setup["klass"]).first()
    assert client_as(other).get(f"/learning/qa/{t.pk}/").status_code == 404


def test_models_on_synthetic_data_beat_chance():
    log = kt.synthetic(students=200, skills=5, answers=40)
    train, test = kt.split(log, by="student")
    for name, (fit, predict) in kt.MODELS.items():
        p = predict(fit(train), test)
        assert kt.auc(test.correct, p) > 0.65, name
        assert kt.rmse(test.correct, p) < 0.48, name
    train, test = kt.split(log, by="time")
    assert set(np.unique(train.student)) == set(np.unique(log.student))


def test_learning_fit_command_uses_platform_answers(users, setup, capsys):
    t = setup["t"]
    a = assign_class(t, simple_paper(t, setup["hms"] + setup["add"]), setup["klass"])
    from zhijiao.accounts.selectors import class_students

    for i, st in enumerate(class_students(setup["klass"])):
        _submit(a, st, {**{q.pk: ("B" if (i + k) % 3 else "A") for k, q in enumerate(setup["hms"])},
                        **{q.pk: bool((i * k) % 2) for k, q in enumerate(setup["add"])}})
    call_command("learning-fit", "--min-answers", "10")
    out = capsys.readouterr().out
    assert "model in use" in out and "bkt: AUC" in out
    assert ModelParams.objects.filter(model="choice").exists()
    assert ModelParams.objects.filter(model="bkt", knowledge_point=setup["cat"]["hms"]).exists()
    assert all(0 <= m.p_mastery <= 1 for m in Mastery.objects.all())
