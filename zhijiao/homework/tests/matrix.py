from tests.matrix import Case


def _a(w, title="20以内的加减法 课后作业"):
    from zhijiao.homework.models import Assignment

    return Assignment.objects.get(title=title).pk


def _sub(w, username, title="20以内的加减法 课后作业"):
    from zhijiao.homework.models import Submission

    return Submission.objects.get(assignment__title=title, student=w.user(username)).pk


def _open_sub(w):
    """xuesheng's open (not yet submitted) layered homework."""
    return _sub(w, "xuesheng", "进位加法 分层作业")


def _graded_sub(w):
    from zhijiao.homework.models import Submission, SubmissionStatus

    return Submission.objects.filter(assignment__title="20以内的加减法 课后作业",
                                     status__in=[SubmissionStatus.SUBMITTED, SubmissionStatus.GRADED]).first().pk


def _question(w):
    from zhijiao.homework.models import Assignment

    a = Assignment.objects.get(title="20以内的加减法 课后作业")
    return a.tiers.first().paper.items.first().question_id


def _grade_data(w, sub=None, question=None, **extra):
    """A real grade attempt: 0 points and a comment on one submitted answer (item 3 of issue 11)."""
    from zhijiao.homework.models import Answer

    ans = Answer.objects.filter(submission_id=sub or _graded_sub(w))
    ans = (ans.filter(question_id=question) if question else ans).first()
    return {f"score_{ans.pk}": "0", f"comment_{ans.pk}": "矩阵：改成 0 分", **extra}


CHINESE = "拼音与识字 课后作业"  # laoshi2's 语文 homework in the class laoshi heads


def _chinese_sub(w):
    from zhijiao.homework.models import Submission, SubmissionStatus

    return Submission.objects.filter(assignment__title=CHINESE, status=SubmissionStatus.SUBMITTED).first().pk


def _chinese_question(w):
    from zhijiao.homework.models import Answer

    return Answer.objects.filter(submission_id=_chinese_sub(w), auto=False).first().question_id


def _assign_data(w):
    from zhijiao.homework.models import Assignment

    a = Assignment.objects.get(title="20以内的加减法 课后作业")
    return {"title": "矩阵作业", "kind": "after", "open_at": "2030-01-01T08:00", "due_at": "2030-01-02T21:00",
            "paper": a.tiers.first().paper_id, "class": w.class_of("xuesheng").pk}


def _group_data(w):
    return {"klass": w.class_of("xuesheng").pk, "name": "矩阵组", "student": [w.user("xuesheng").pk]}


CASES = [
    Case("homework:teacher", lambda w: "/homework/", allowed="laoshi", denied="xuesheng"),
    Case("homework:assign", lambda w: "/homework/assign/", allowed="laoshi", denied="jiazhang"),
    Case("homework:groups", lambda w: "/homework/groups/", allowed="laoshi2", denied="xuesheng"),
    Case("homework:detail", lambda w: f"/homework/a/{_a(w)}/", allowed="laoshi", denied="xuesheng"),
    Case("homework:detail", lambda w: f"/homework/a/{_a(w)}/", allowed="xiao_admin", denied="jiazhang",
         note="school admin oversees; parents do not"),
    Case("homework:assign", lambda w: "/homework/assign/", method="POST", data=_assign_data, allowed="laoshi",
         denied="xuesheng", note="a student assigns nothing"),
    Case("homework:groups", lambda w: "/homework/groups/", method="POST", data=_group_data, allowed="laoshi",
         denied="jiazhang", note="a parent groups nobody"),
    Case("homework:grade_question", lambda w: f"/homework/a/{_a(w)}/q/{_question(w)}/", allowed="laoshi",
         denied="s0000002"),
    Case("homework:grade_question", lambda w: f"/homework/a/{_a(w)}/q/{_question(w)}/", allowed="laoshi2",
         denied="jiazhang", note="every teacher of the class reads the page; a parent does not"),
    # Writes (issue 11): only the teacher who set it and the class's teachers of its subject change grades.
    Case("homework:grade_question", lambda w: f"/homework/a/{_a(w)}/q/{_question(w)}/", method="POST",
         data=lambda w: _grade_data(w, question=_question(w)), allowed="laoshi", denied="laoshi2",
         note="数学 homework: its teacher yes; the class's 语文 teacher no"),
    Case("homework:grade_question", lambda w: f"/homework/a/{_a(w)}/q/{_question(w)}/", method="POST",
         data=lambda w: _grade_data(w, question=_question(w)), allowed="laoshi", denied="xiao_admin",
         note="admins read the class's homework but do not grade it"),
    Case("homework:grade_question", lambda w: f"/homework/a/{_a(w, CHINESE)}/q/{_chinese_question(w)}/",
         method="POST", data=lambda w: _grade_data(w, _chinese_sub(w), _chinese_question(w)), allowed="laoshi2",
         denied="laoshi", note="语文 homework: its teacher yes; the head teacher (数学) no"),
    Case("homework:grade_submission", lambda w: f"/homework/grade/{_graded_sub(w)}/", allowed="laoshi",
         denied="xuesheng"),
    Case("homework:grade_submission", lambda w: f"/homework/grade/{_graded_sub(w)}/", method="POST",
         data=lambda w: _grade_data(w, comment="矩阵"), allowed="laoshi", denied="laoshi2",
         note="数学 scores and 总评: its teacher yes; the class's 语文 teacher no"),
    Case("homework:grade_submission", lambda w: f"/homework/grade/{_graded_sub(w)}/", method="POST",
         data=lambda w: {"action": "return", "comment": "矩阵：请订正"}, allowed="laoshi", denied="laoshi2",
         note="退回订正: its teacher yes; the class's 语文 teacher no"),
    Case("homework:grade_submission", lambda w: f"/homework/grade/{_graded_sub(w)}/", method="POST",
         data=lambda w: {"action": "return"}, allowed="laoshi", denied="xuesheng",
         note="a student never returns homework, their own included"),
    Case("homework:grade_submission", lambda w: f"/homework/grade/{_chinese_sub(w)}/", method="POST",
         data=lambda w: {"action": "return"}, allowed="laoshi2", denied="laoshi",
         note="语文 homework: its teacher returns it; the head teacher (数学) does not"),
    Case("homework:my", lambda w: "/homework/my/", allowed="xuesheng", denied="laoshi",
         note="teachers have no homework of their own"),
    Case("homework:children", lambda w: "/homework/children/", allowed="jiazhang", denied="xuesheng"),
    Case("homework:do", lambda w: f"/homework/s/{_open_sub(w)}/", allowed="xuesheng", denied="s0000002",
         note="a classmate's homework does not exist"),
    Case("homework:do", lambda w: f"/homework/s/{_open_sub(w)}/", method="POST", data=lambda w: {"action": "save"},
         allowed="xuesheng", denied="s0000002", note="a classmate cannot save or submit someone's homework"),
    Case("homework:do", lambda w: f"/homework/s/{_open_sub(w)}/", method="POST", data=lambda w: {"action": "submit"},
         allowed="xuesheng", denied="laoshi", note="nor can the teacher submit for the student"),
    Case("homework:autosave", lambda w: f"/homework/s/{_open_sub(w)}/autosave/", method="POST", data=lambda w: {},
         allowed="xuesheng", denied="s0000002"),
    Case("homework:result", lambda w: f"/homework/s/{_sub(w, 'xuesheng')}/result/", allowed="xuesheng",
         denied="s0000002"),
    Case("homework:result", lambda w: f"/homework/s/{_sub(w, 'xuesheng')}/result/", allowed="jiazhang",
         denied="s0000002", note="the child's parent yes; a classmate no"),
    Case("GET /api/v1/homework/my", lambda w: "/api/v1/homework/my", api=True, allowed="xuesheng", denied=None),
    Case("PUT /api/v1/homework/submissions/{submission_id}/draft",
         lambda w: f"/api/v1/homework/submissions/{_open_sub(w)}/draft", api=True, method="PUT", json=True,
         data=lambda w: {"responses": {}}, allowed="xuesheng", denied="s0000002"),
    Case("POST /api/v1/homework/submissions/{submission_id}/submit",
         lambda w: f"/api/v1/homework/submissions/{_open_sub(w)}/submit", api=True, method="POST", json=True,
         data=lambda w: {"responses": {}}, allowed="xuesheng", denied="s0000002"),
    Case("GET /api/v1/homework/assignments/{assignment_id}/report",
         lambda w: f"/api/v1/homework/assignments/{_a(w)}/report", api=True, allowed="laoshi", denied="xuesheng"),
]

EXEMPT: dict = {}
