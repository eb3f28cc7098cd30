"""Composite questions in homework, as a student and a teacher notice them: each part answered on the
do-homework page, objective parts graded on submit, subjective parts scored and commented by the teacher,
the total the sum of the parts, 退回订正 and resubmission, mastery and the wrong-question notebook per part."""

from decimal import Decimal

import pytest

from zhijiao.homework.models import Answer, Submission, SubmissionStatus
from zhijiao.learning.models import Mastery, WrongItem
from zhijiao.questions import actions as qactions
from zhijiao.questions.tests.factories import (
    assign_class,
    class_of,
    make_question,
    simple_paper,
    tiny_catalog,
)
from zhijiao.records.models import Statement

pytestmark = pytest.mark.django_db

PASSAGE = "阅读材料：小明用秒表测得 $\\frac{1}{2}$ 分钟跳绳 80 下。"


@pytest.fixture
def hw(users):
    cat = tiny_catalog()
    t = users["laoshi"]
    comp = qactions.question_create(owner=t, data={
        "qtype": "复合题", "stem": PASSAGE, "subject": "t-sx", "share": "district", "analysis": "整体解析",
        "parts": [
            {"qtype": "单选", "stem": "半分钟是多少秒？", "options": ["20 秒", "30 秒"], "answer": "B", "score": 2,
             "knowledge_points": "t-sx-hms"},
            {"qtype": "填空", "stem": "1 分钟大约跳 ____ 下", "answer": "160", "score": 3,
             "knowledge_points": "t-sx-add"},
            {"qtype": "简答", "stem": "写出你的想法。", "answer": "言之有理即可", "score": 5,
             "knowledge_points": "t-sx-add"},
        ]})
    plain = make_question(t, qtype="single", answer="B", kp=cat["hms"])
    paper = simple_paper(t, [plain, comp], score=4)
    a = assign_class(t, paper, class_of(users["xuesheng"]))
    sub = Submission.objects.get(assignment=a, student=users["xuesheng"])
    one, two, three = comp.part_list()
    return {"cat": cat, "t": t, "comp": comp, "plain": plain, "parts": (one, two, three), "a": a, "sub": sub}


def test_student_answers_each_part_and_objective_parts_are_graded(users, hw, client_as):
    s = users["xuesheng"]
    one, two, three = hw["parts"]
    c = client_as(s)
    page = c.get(f"/homework/s/{hw['sub'].pk}/").content.decode()
    assert "<math" in page and "跳绳 80 下" in page  # the passage with its formula
    assert page.index("半分钟是多少秒") < page.index("1 分钟大约跳") < page.index("写出你的想法")
    for p in (one, two, three):
        assert f'name="q{p.pk}"' in page
    assert f'name="q{hw["comp"].pk}"' not in page  # the passage itself is not answered
    # a draft keeps every part's answer
    c.post(f"/homework/s/{hw['sub'].pk}/autosave/", {f"q{one.pk}": "A", f"q{two.pk}": "160"})
    page = c.get(f"/homework/s/{hw['sub'].pk}/").content.decode()
    assert 'value="A" checked' in page and 'value="160"' in page
    resp = c.post(f"/homework/s/{hw['sub'].pk}/", {
        "action": "submit", f"q{hw['plain'].pk}": "B", f"q{one.pk}": "A", f"q{two.pk}": "160",
        f"q{three.pk}": "跳绳要有节奏"})
    assert resp.status_code == 302
    sub = Submission.objects.get(pk=hw["sub"].pk)
    # 4 (plain) + 0 (part 1 wrong) + 3 (part 2 right); part 3 waits for the teacher
    assert sub.status == SubmissionStatus.SUBMITTED and sub.score == 7 and sub.max_score == 14
    ans = {a.question_id: a for a in sub.answers.all()}
    assert (ans[one.pk].correct, ans[two.pk].correct, ans[three.pk].score) == (False, True, None)
    assert hw["comp"].pk not in ans
    # mastery evidence per part: part 1's point got a wrong answer, part 2's a right one
    m = {x.knowledge_point_id: x for x in Mastery.objects.filter(student=s)}
    assert m[hw["cat"]["hms"].pk].attempts == 2 and m[hw["cat"]["hms"].pk].correct == 1  # plain right, part 1 wrong
    assert m[hw["cat"]["add"].pk].correct == 1
    # the wrong part enters the notebook, shown with its passage
    assert list(WrongItem.objects.filter(student=s).values_list("question_id", flat=True)) == [one.pk]
    notebook = c.get("/learning/notebook/").content.decode()
    assert "半分钟是多少秒" in notebook and "跳绳 80 下" in notebook
    # one statement per graded part, naming its composite
    st = Statement.objects.filter(actor=s, verb__endswith="answered", object_id__endswith=f"/question/{one.pk}")
    assert st.count() == 1
    assert st.get().statement["context"]["extensions"]["https://zhijiao.example.org/xapi/ext/composite"] == hw["comp"].pk
    result = c.get(f"/homework/s/{sub.pk}/result/").content.decode()
    assert "跳绳要有节奏" in result and result.count('data-part="') == 3


def test_teacher_grades_subjective_parts_total_is_the_sum_and_returns(users, hw, client_as):
    s, t = users["xuesheng"], hw["t"]
    one, two, three = hw["parts"]
    responses = {hw["plain"].pk: "B", one.pk: "B", two.pk: "150", three.pk: "随便写写"}
    from zhijiao.homework import actions

    actions.submission_submit(student=s, submission=hw["sub"], responses=responses)
    c = client_as(t)
    page = c.get(f"/homework/grade/{hw['sub'].pk}/").content.decode()
    assert "跳绳 80 下" in page and "言之有理即可" in page and "随便写写" in page
    three_ans = Answer.objects.get(submission=hw["sub"], question=three)
    assert f'name="score_{three_ans.pk}"' in page and "得分（满分 5.0）" in page
    # a score above the part's points is refused beside the part, nothing saved
    resp = c.post(f"/homework/grade/{hw['sub'].pk}/", {f"score_{three_ans.pk}": "6", "action": "save"})
    assert resp.status_code == 422 and "0 到 5.0" in resp.content.decode()
    resp = c.post(f"/homework/grade/{hw['sub'].pk}/", {f"score_{three_ans.pk}": "2", f"comment_{three_ans.pk}":
                                                       "理由要结合材料", "action": "save"})
    assert resp.status_code == 302
    sub = Submission.objects.get(pk=hw["sub"].pk)
    assert sub.status == SubmissionStatus.GRADED and sub.score == Decimal("8")  # 4 + 2 + 0 + 2
    # a subjective part below the pass mark is wrong evidence for its point, and enters the notebook
    assert WrongItem.objects.filter(student=s, question__in=[two, three]).count() == 2
    # the report lists each part under its composite's number
    report = c.get(f"/homework/a/{hw['a'].pk}/").content.decode()
    assert "2(1)." in report and "2(3)." in report
    per_part = c.get(f"/homework/a/{hw['a'].pk}/q/{three.pk}/").content.decode()
    assert 'data-testid="passage"' in per_part and "随便写写" in per_part
    # 退回订正: the student sees the part's comment, corrects, resubmits; the teacher grades the part again
    resp = c.post(f"/homework/grade/{hw['sub'].pk}/", {f"score_{three_ans.pk}": "2", f"comment_{three_ans.pk}":
                                                       "理由要结合材料", "action": "return", "comment": "请订正"})
    assert resp.status_code == 302
    st = client_as(s)
    page = st.get(f"/homework/s/{sub.pk}/").content.decode()
    assert "理由要结合材料" in page and "订正后重新提交" in page
    st.post(f"/homework/s/{sub.pk}/", {"action": "submit", f"q{hw['plain'].pk}": "B", f"q{one.pk}": "B",
                                       f"q{two.pk}": "160", f"q{three.pk}": "半分钟 80 下，一分钟约 160 下"})
    sub.refresh_from_db()
    assert sub.attempt == 2 and sub.status == SubmissionStatus.SUBMITTED and sub.score == Decimal("9")
    c = client_as(t)
    c.post(f"/homework/grade/{hw['sub'].pk}/", {f"score_{three_ans.pk}": "5", "action": "save"})
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.GRADED and sub.score == sub.max_score == Decimal("14")


def test_a_part_outside_the_paper_is_not_accepted(users, hw, client_as):
    other = qactions.question_create(owner=hw["t"], data={
        "qtype": "复合题", "stem": "另一段材料", "share": "district",
        "parts": [{"qtype": "判断", "stem": "对吗？", "answer": "对", "score": 1}]})
    c = client_as(users["xuesheng"])
    c.post(f"/homework/s/{hw['sub'].pk}/autosave/", {f"q{other.part_list()[0].pk}": "true",
                                                     f"q{hw['comp'].pk}": "x"})
    from zhijiao.homework import actions

    actions.submission_save_draft(student=users["xuesheng"], submission=hw["sub"],
                                  responses={other.part_list()[0].pk: True, hw["comp"].pk: "x"})
    stored = set(Answer.objects.filter(submission=hw["sub"]).values_list("question_id", flat=True))
    assert stored == {hw["plain"].pk, *(p.pk for p in hw["parts"])}  # (empty) answers of this paper only


def test_a_part_students_answered_cannot_be_removed(users, hw):
    from zhijiao.homework import actions

    one, two, three = hw["parts"]
    actions.submission_submit(student=users["xuesheng"], submission=hw["sub"], responses={one.pk: "B"})
    data = {"qtype": "复合题", "stem": PASSAGE, "subject": "t-sx", "parts": [
        {"id": one.pk, "qtype": "单选", "stem": one.stem, "options": ["20 秒", "30 秒"], "answer": "B", "score": 2}]}
    with pytest.raises(qactions.QuestionInvalid) as err:
        qactions.question_update(user=hw["t"], question=hw["comp"], data=data)
    assert "已有学生作答" in err.value.errors["parts"]
    assert len(hw["comp"].part_list()) == 3


def test_api_submit_by_part_and_report_per_part(users, hw, api_as):
    one, two, three = hw["parts"]
    resp = api_as(users["xuesheng"]).post(
        f"/api/v1/homework/submissions/{hw['sub'].pk}/submit",
        {"responses": {str(one.pk): "B", str(two.pk): ["160"], str(three.pk): "想法"}},
        content_type="application/json")
    assert resp.status_code == 200 and resp.json()["score"] == 5.0 and resp.json()["status"] == "submitted"
    report = api_as(hw["t"]).get(f"/api/v1/homework/assignments/{hw['a'].pk}/report").json()
    rows = {r["question_id"]: r for r in report["questions"]}
    assert (rows[one.pk]["no"], rows[one.pk]["part"], rows[three.pk]["part"]) == (2, 1, 3)
    assert rows[hw["plain"].pk]["part"] is None and rows[three.pk]["pending"] == 1


def test_wrong_part_is_practised_with_its_passage(users, hw, client_as):
    from zhijiao.homework import actions

    one, _two, _three = hw["parts"]
    actions.submission_submit(student=users["xuesheng"], submission=hw["sub"], responses={one.pk: "A"})
    item = WrongItem.objects.get(student=users["xuesheng"], question=one)
    c = client_as(users["xuesheng"])
    page = c.get(f"/learning/notebook/{item.pk}/").content.decode()
    assert "跳绳 80 下" in page and "半分钟是多少秒" in page and f'name="q{one.pk}"' in page
    page = c.post(f"/learning/notebook/{item.pk}/", {f"q{one.pk}": "B"}).content.decode()
    item.refresh_from_db()
    assert item.resolved and 'data-testid="practise-result"' in page
