from tests.matrix import ANONYMOUS, Case


def _wrong_item(w):
    from zhijiao.homework.models import Answer
    from zhijiao.learning.models import WrongItem

    item = WrongItem.objects.filter(student=w.user("xuesheng")).first()
    if item is None:
        q = Answer.objects.filter(submission__student=w.user("xuesheng")).first().question
        item = WrongItem.objects.create(student=w.user("xuesheng"), question=q, last_response="x")
    return item.pk


def _thread(w):
    from zhijiao.learning.actions import thread_ask
    from zhijiao.learning.models import Thread

    t = Thread.objects.filter(asker=w.user("xuesheng")).first()
    if t is None:
        t = thread_ask(student=w.user("xuesheng"), title="矩阵：秒针走一圈是多久？", body="看不懂", subject="数学")
    return t.pk


def _other_thread(w, image=False):
    """A question asked in a class of the second school (outside laoshi's and xiao_cio's scope)."""
    from django.core.files.base import ContentFile

    from zhijiao.accounts.models import RoleKind
    from zhijiao.learning.actions import thread_ask
    from zhijiao.learning.models import Thread

    klass = w.other_school_class()
    t = Thread.objects.filter(klass=klass).first()
    if t is None:
        student = klass.roles.filter(kind=RoleKind.STUDENT).first().user
        t = thread_ask(student=student, title="矩阵：别的学校的问题", body="……")
    if image and not t.image:
        t.image.save("q.svg", ContentFile(b"<svg xmlns='http://www.w3.org/2000/svg'/>"))
    return t.pk


def _teacher_reply(w):
    from zhijiao.learning.actions import thread_reply
    from zhijiao.learning.models import Reply, Thread

    t = Thread.objects.get(pk=_thread(w))
    r = Reply.objects.filter(thread=t, author=w.user("laoshi"), published_resource_id__isnull=True).first()
    return (r or thread_reply(user=w.user("laoshi"), thread=t, body="秒针走一圈是 1 分。")).pk


def _question_data(w):
    return {"title": "矩阵：1 分等于多少秒？", "body": "想不明白", "subject": "数学"}


CASES = [
    Case("learning:index", lambda w: "/learning/", allowed="laoshi", denied="xuesheng"),
    Case("learning:class_map", lambda w: f"/learning/class/{w.class_of('xuesheng').pk}/", allowed="laoshi",
         denied="xuesheng"),
    Case("learning:class_map", lambda w: f"/learning/class/{w.other_school_class().pk}/", allowed="qu_admin",
         denied="laoshi", note="a class the teacher does not teach"),
    Case("learning:push", lambda w: f"/learning/class/{w.class_of('xuesheng').pk}/push/", method="POST",
         data=lambda w: {"kp": []}, allowed="laoshi", denied="xuesheng", note="refused politely without points"),
    Case("learning:student", lambda w: f"/learning/student/{w.user('xuesheng').pk}/", allowed="jiazhang",
         denied="s0000002", note="parent yes; classmate no"),
    Case("learning:student", lambda w: f"/learning/student/{w.user('s0000002').pk}/", allowed="laoshi",
         denied="jiazhang", note="teacher of the class; not this child's parent"),
    Case("learning:my", lambda w: "/learning/me/", allowed="xuesheng", denied="laoshi"),
    Case("learning:notebook", lambda w: "/learning/notebook/", allowed="xuesheng", denied="jiazhang"),
    Case("learning:practise", lambda w: f"/learning/notebook/{_wrong_item(w)}/", allowed="xuesheng",
         denied="s0000002"),
    Case("learning:practise", lambda w: f"/learning/notebook/{_wrong_item(w)}/", method="POST",
         data=lambda w: {"q0": "矩阵"}, allowed="xuesheng", denied="s0000002",
         note="answering again changes a classmate's notebook and mastery: never"),
    Case("learning:practise", lambda w: f"/learning/notebook/{_wrong_item(w)}/", method="POST",
         data=lambda w: {"q0": "矩阵"}, allowed="xuesheng", denied="jiazhang",
         note="the parent follows the notebook; only the student practises"),
    Case("learning:qa_list", lambda w: "/learning/qa/", allowed="xuesheng", denied=None),
    Case("learning:qa_ask", lambda w: "/learning/qa/ask/", allowed="xuesheng", denied="laoshi"),
    Case("learning:qa_ask", lambda w: "/learning/qa/ask/", method="POST", data=_question_data, allowed="xuesheng",
         denied="laoshi", note="students ask; teachers answer"),
    Case("learning:qa_ask", lambda w: "/learning/qa/ask/", method="POST", data=_question_data, allowed="s0000002",
         denied="jiazhang", note="a parent does not ask in the child's class"),
    Case("learning:qa_detail", lambda w: f"/learning/qa/{_other_thread(w)}/", allowed="qu_admin", denied="laoshi",
         note="another school's class"),
    Case("learning:qa_detail", lambda w: f"/learning/qa/{_thread(w)}/", allowed="s0000002", denied=None,
         note="classmates learn from the class's questions"),
    Case("learning:qa_reply", lambda w: f"/learning/qa/{_thread(w)}/reply/", method="POST",
         data=lambda w: {"body": "秒针走一圈是 1 分。"}, allowed="laoshi", denied="jiazhang"),
    Case("learning:qa_resolve", lambda w: f"/learning/qa/{_thread(w)}/resolve/", method="POST",
         allowed="xuesheng", denied="s0000002", note="the asker or the teacher"),
    Case("learning:qa_image", lambda w: f"/learning/qa/image/thread/{_other_thread(w, image=True)}/",
         allowed="qu_admin", denied="xuesheng"),
    Case("learning:qa_publish", lambda w: f"/learning/qa/reply/{_teacher_reply(w)}/publish/", method="POST",
         allowed="laoshi", denied="xuesheng"),
    Case("learning:qa_publish", lambda w: f"/learning/qa/reply/{_teacher_reply(w)}/publish/", method="POST",
         allowed="laoshi", denied="laoshi2", note="a colleague of the class does not publish laoshi's answer"),
    Case("learning:qa_reply", lambda w: f"/learning/qa/{_other_thread(w)}/reply/", method="POST",
         data=lambda w: {"body": "矩阵：别的学校"}, allowed=None, denied="laoshi",
         note="a thread of another school's class"),
    Case("learning:qa_resolve", lambda w: f"/learning/qa/{_thread(w)}/resolve/", method="POST",
         allowed="laoshi", denied="jiazhang", note="the parent reads the child's question, does not close it"),
    Case("learning:notifications", lambda w: "/learning/notifications/", allowed="laoshi", denied=ANONYMOUS,
         allowed_status=frozenset({302}), note="old address: redirects to the one inbox (web:inbox)"),
    Case("GET /api/v1/learning/students/{student_id}/mastery",
         lambda w: f"/api/v1/learning/students/{w.user('xuesheng').pk}/mastery", api=True, allowed="jiazhang",
         denied="s0000002"),
    Case("GET /api/v1/learning/classes/{class_id}/mastery",
         lambda w: f"/api/v1/learning/classes/{w.class_of('xuesheng').pk}/mastery", api=True, allowed="laoshi",
         denied="xuesheng"),
]

EXEMPT: dict = {}
