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


CASES = [
    Case("homework:teacher", lambda w: "/homework/", allowed="laoshi", denied="xuesheng"),
    Case("homework:assign", lambda w: "/homework/assign/", allowed="laoshi", denied="jiazhang"),
    Case("homework:groups", lambda w: "/homework/groups/", allowed="laoshi2", denied="xuesheng"),
    Case("homework:detail", lambda w: f"/homework/a/{_a(w)}/", allowed="laoshi", denied="xuesheng"),
    Case("homework:detail", lambda w: f"/homework/a/{_a(w)}/", allowed="xiao_admin", denied="jiazhang",
         note="school admin oversees; parents do not"),
    Case("homework:grade_question", lambda w: f"/homework/a/{_a(w)}/q/{_question(w)}/", allowed="laoshi",
         denied="s0000002"),
    Case("homework:grade_submission", lambda w: f"/homework/grade/{_graded_sub(w)}/", allowed="laoshi",
         denied="xuesheng"),
    Case("homework:my", lambda w: "/homework/my/", allowed="xuesheng", denied="laoshi",
         note="teachers have no homework of their own"),
    Case("homework:children", lambda w: "/homework/children/", allowed="jiazhang", denied="xuesheng"),
    Case("homework:do", lambda w: f"/homework/s/{_open_sub(w)}/", allowed="xuesheng", denied="s0000002",
         note="a classmate's homework does not exist"),
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
