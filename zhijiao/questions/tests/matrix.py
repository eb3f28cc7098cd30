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


def _with_figure(w):
    """laoshi's private question with a picture in its stem (as a Word paper import leaves it)."""
    from django.core.files.base import ContentFile

    from zhijiao.questions.models import Question, QuestionImage, Share

    img = QuestionImage.objects.filter(question__owner=w.user("laoshi"), digest="0123456789ab").first()
    if img is None:
        q = Question.objects.create(qtype="truefalse", stem="矩阵测试：如图 [[img:0123456789ab]]", answer=True,
                                    owner=w.user("laoshi"), share=Share.MINE, fingerprint="matrix-fig")
        img = QuestionImage(question=q, digest="0123456789ab", width=4, height=3)
        img.file.save("fig.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=False)
        img.save()
    return img.pk


def _docx_dry_run(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhijiao.questions.tests.papers import answer_section_paper

    return {"file": SimpleUploadedFile("矩阵.docx", answer_section_paper()), "dry_run": "1"}


NEW_QUESTION = {"qtype": "truefalse", "stem": "矩阵新题：1 分 = 60 秒", "answer": "对", "difficulty": "2",
                "share": "mine"}


def _edit_data(w):
    """laoshi's question as the edit form shows it, with the stem changed."""
    from zhijiao.questions.models import Question
    from zhijiao.questions.views import _initial

    return {**_initial(Question.objects.get(pk=_q(w))), "stem": "矩阵：改过的题干"}


def _import_file(w):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    body = json.dumps({"questions": [{"type": "判断", "stem": "矩阵导入：1 时 = 60 分", "answer": "对"}]})
    return {"file": SimpleUploadedFile("矩阵.json", body.encode(), content_type="application/json")}


def _rules_data(w):
    from zhijiao.questions.models import Question

    q = Question.objects.filter(owner=w.user("laoshi"), knowledge_points__isnull=False).first()
    kp = q.knowledge_points.first()
    return {"title": "矩阵规则卷", "subject": kp.subject_id, "kp": [kp.pk], "count_0": "1", "dmin_0": "1",
            "dmax_0": "5", "score_0": "5"}


def _api_rules_data(w):
    from zhijiao.questions.models import Question

    q = Question.objects.filter(owner=w.user("laoshi"), qtype="single", subject__isnull=False).first()
    return {"title": "矩阵", "subject": q.subject.code, "rules": [{"qtype": "single", "count": 1}]}


def _paper(w):
    from zhijiao.questions.models import Paper

    return Paper.objects.filter(owner=w.user("laoshi")).first().pk


CASES = [
    Case("questions:bank", lambda w: "/questions/", allowed="laoshi", denied="xuesheng"),
    Case("questions:bank", lambda w: "/questions/", allowed="xiao_admin", denied="jiazhang"),
    Case("questions:create", lambda w: "/questions/new/", allowed="laoshi2", denied="xuesheng"),
    Case("questions:create", lambda w: "/questions/new/", method="POST", data=lambda w: NEW_QUESTION,
         allowed="laoshi2", denied="xuesheng", note="students write no bank questions"),
    Case("questions:create", lambda w: "/questions/new/", method="POST", data=lambda w: NEW_QUESTION,
         allowed="xiao_admin", denied="jiazhang"),
    Case("questions:import", lambda w: "/questions/import/", allowed="laoshi", denied="jiazhang"),
    Case("questions:import", lambda w: "/questions/import/", method="POST", data=_import_file, allowed="laoshi",
         denied="xuesheng"),
    Case("questions:detail", lambda w: f"/questions/{_q(w)}/", allowed="laoshi2", denied="xuesheng",
         note="district-shared question"),
    Case("questions:detail", lambda w: f"/questions/{_mine_only(w)}/", allowed="laoshi", denied="laoshi2",
         note="a private question"),
    Case("questions:edit", lambda w: f"/questions/{_q(w)}/edit/", allowed="laoshi", denied="laoshi2",
         note="only the owner edits"),
    Case("questions:edit", lambda w: f"/questions/{_q(w)}/edit/", method="POST", data=_edit_data,
         allowed="laoshi", denied="laoshi2", note="a colleague who may use a shared question may not change it"),
    Case("questions:edit", lambda w: f"/questions/{_q(w)}/edit/", method="POST", data=_edit_data,
         allowed="laoshi", denied="xiao_admin", note="nor may the school admin, who reads the bank"),
    Case("questions:image", lambda w: f"/questions/{_with_image(w)}/image/stem/", allowed="laoshi", denied="laoshi2"),
    Case("questions:image", lambda w: f"/questions/{_with_image(w)}/image/stem/", allowed=None, denied="xuesheng",
         note="not in any of the student's homework"),
    Case("questions:import", lambda w: "/questions/import/", method="POST", data=_docx_dry_run, allowed="laoshi",
         denied="jiazhang", note="a Word paper's dry run"),
    Case("questions:figure", lambda w: f"/questions/figure/{_with_figure(w)}/", allowed="laoshi", denied="laoshi2",
         note="a picture of a private question"),
    Case("questions:figure", lambda w: f"/questions/figure/{_with_figure(w)}/", allowed=None, denied="xuesheng",
         note="not in any of the student's homework"),
    Case("questions:export", lambda w: "/questions/export/?format=xlsx", allowed="laoshi", denied="xuesheng",
         note="the bank with its answers: staff only"),
    Case("questions:export", lambda w: "/questions/export/?format=json", allowed="xiao_admin", denied="jiazhang"),
    Case("questions:basket", lambda w: "/questions/basket/", method="POST", data=lambda w: {"question": [_q(w)]},
         allowed="laoshi", denied="xuesheng", note="the selection for 组卷 by hand"),
    Case("questions:papers", lambda w: "/questions/papers/", allowed="laoshi", denied="xuesheng"),
    Case("questions:paper_new", lambda w: "/questions/papers/new/", method="POST",
         data=lambda w: {"title": "矩阵卷", "question": [_q(w)]}, allowed="laoshi", denied="xuesheng"),
    Case("questions:paper_rules", lambda w: "/questions/papers/rules/", allowed="laoshi", denied="s0000002"),
    Case("questions:paper_rules", lambda w: "/questions/papers/rules/", method="POST", data=_rules_data,
         allowed="laoshi", denied="s0000002"),
    Case("questions:paper_detail", lambda w: f"/questions/papers/{_paper(w)}/", allowed="laoshi", denied="laoshi2",
         note="papers are their owner's"),
    Case("GET /api/v1/questions/", lambda w: "/api/v1/questions/", api=True, allowed="laoshi", denied="xuesheng"),
    Case("POST /api/v1/questions/", lambda w: "/api/v1/questions/", api=True, method="POST", json=True,
         data=lambda w: {"type": "复合题", "stem": "矩阵材料：秒表读数", "parts": [
             {"type": "判断", "stem": "1 分 = 60 秒", "answer": "对", "score": 2}]},
         allowed="laoshi", denied="xuesheng"),
    Case("POST /api/v1/questions/import", lambda w: "/api/v1/questions/import", api=True, method="POST", json=True,
         data=lambda w: {"questions": [{"type": "判断", "stem": "矩阵导入：1 分 = 60 秒", "answer": "对"}]},
         allowed="laoshi", denied="xuesheng"),
    Case("POST /api/v1/questions/import-file", lambda w: "/api/v1/questions/import-file", api=True, method="POST",
         data=_docx_dry_run, allowed="laoshi", denied="xuesheng", note="a Word paper's dry run, multipart"),
    Case("POST /api/v1/questions/papers/by-rules", lambda w: "/api/v1/questions/papers/by-rules", api=True,
         method="POST", json=True, data=_api_rules_data, allowed="laoshi", denied="jiazhang"),
]

EXEMPT: dict = {}
