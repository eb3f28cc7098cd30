from tests.matrix import Case


def _q(w, username="laoshi"):
    from zhijiao.questions.models import Question

    return Question.objects.filter(owner=w.user(username)).order_by("pk").first().pk


def _mine_only(w):
    """A question laoshi keeps to himself (share = mine), which a colleague may not see."""
    from zhijiao.questions.models import Question, Share

    q = Question.objects.filter(owner=w.user("laoshi"), share=Share.MINE).first()
    if q is None:
        q = Question.objects.create(qtype="truefalse", stem="矩阵测试：1 时 = 60 分", answer=True, owner=w.user("laoshi"),
                                    share=Share.MINE, fingerprint="matrix-mine")
    return q.pk


def _with_image(w):
    from django.core.files.base import ContentFile

    from zhijiao.questions.models import Question, Share

    q = Question.objects.filter(owner=w.user("laoshi"), stem="矩阵测试：看图").first()
    if q is None:
        q = Question(qtype="truefalse", stem="矩阵测试：看图", answer=True, owner=w.user("laoshi"), share=Share.MINE,
                     fingerprint="matrix-img")
        q.stem_image.save("clock.svg", ContentFile(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), save=False)
        q.save()
    return q.pk


def _paper(w):
    from zhijiao.questions.models import Paper

    return Paper.objects.filter(owner=w.user("laoshi")).first().pk


CASES = [
    Case("questions:bank", lambda w: "/questions/", allowed="laoshi", denied="xuesheng"),
    Case("questions:bank", lambda w: "/questions/", allowed="xiao_admin", denied="jiazhang"),
    Case("questions:create", lambda w: "/questions/new/", allowed="laoshi2", denied="xuesheng"),
    Case("questions:import", lambda w: "/questions/import/", allowed="laoshi", denied="jiazhang"),
    Case("questions:detail", lambda w: f"/questions/{_q(w)}/", allowed="laoshi2", denied="xuesheng",
         note="district-shared question"),
    Case("questions:detail", lambda w: f"/questions/{_mine_only(w)}/", allowed="laoshi", denied="laoshi2",
         note="a private question"),
    Case("questions:edit", lambda w: f"/questions/{_q(w)}/edit/", allowed="laoshi", denied="laoshi2",
         note="only the owner edits"),
    Case("questions:image", lambda w: f"/questions/{_with_image(w)}/image/stem/", allowed="laoshi", denied="laoshi2"),
    Case("questions:image", lambda w: f"/questions/{_with_image(w)}/image/stem/", allowed=None, denied="xuesheng",
         note="not in any of the student's homework"),
    Case("questions:papers", lambda w: "/questions/papers/", allowed="laoshi", denied="xuesheng"),
    Case("questions:paper_new", lambda w: "/questions/papers/new/", method="POST",
         data=lambda w: {"title": "矩阵卷", "question": [_q(w)]}, allowed="laoshi", denied="xuesheng"),
    Case("questions:paper_rules", lambda w: "/questions/papers/rules/", allowed="laoshi", denied="s0000002"),
    Case("questions:paper_detail", lambda w: f"/questions/papers/{_paper(w)}/", allowed="laoshi", denied="laoshi2",
         note="papers are their owner's"),
    Case("GET /api/v1/questions/", lambda w: "/api/v1/questions/", api=True, allowed="laoshi", denied="xuesheng"),
    Case("POST /api/v1/questions/import", lambda w: "/api/v1/questions/import", api=True, method="POST", json=True,
         data=lambda w: {"questions": [{"type": "判断", "stem": "矩阵导入：1 分 = 60 秒", "answer": "对"}]},
         allowed="laoshi", denied="xuesheng"),
    Case("POST /api/v1/questions/papers/by-rules", lambda w: "/api/v1/questions/papers/by-rules", api=True,
         method="POST", json=True, data=lambda w: {"title": "矩阵", "rules": [{"qtype": "single", "count": 1}]},
         allowed="laoshi", denied="jiazhang"),
]

EXEMPT: dict = {}
