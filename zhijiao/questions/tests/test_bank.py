"""Question bank: create with validation and duplicate detection, sharing scope, XLSX/JSON import with row
errors, search and filters, paper assembly by hand and by rules without repeats."""

import io
import json

import pytest
from openpyxl import Workbook

from zhijiao.questions import actions
from zhijiao.questions.models import Paper, Question, Share
from zhijiao.questions.selectors import search_questions, visible_questions
from zhijiao.questions.tests.factories import make_question, tiny_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(demo):
    return tiny_catalog()


def test_create_validates_and_detects_duplicates(users, cat):
    t = users["laoshi"]
    with pytest.raises(actions.QuestionInvalid) as err:
        actions.question_create(owner=t, data={"qtype": "单选", "stem": "1 时 = ( ) 分", "options": "30\n60",
                                               "answer": "C"})
    assert "不在选项中" in err.value.errors["answer"]
    q = actions.question_create(owner=t, data={"qtype": "单选", "stem": "1 时 = ( ) 分", "options": "30\n60\n100",
                                               "answer": "B", "knowledge_points": "t-sx-hms", "difficulty": "1"})
    assert q.answer == "B" and q.subject == cat["math"] and list(q.knowledge_points.all()) == [cat["hms"]]
    with pytest.raises(actions.DuplicateQuestion):
        actions.question_create(owner=t, data={"qtype": "单选", "stem": "1时=(  )分。", "options": "30\n60\n100",
                                               "answer": "B"})
    assert actions.question_create(owner=t, data={"qtype": "单选", "stem": "1时=(  )分。", "options": "30\n60\n100",
                                                  "answer": "B"}, allow_duplicate=True).pk


def test_fill_answer_syntax(users, cat):
    q = actions.question_create(owner=users["laoshi"], data={"qtype": "填空", "stem": "80 秒 = ( ) 分 ( ) 秒",
                                                             "answer": "1|一; 20"})
    assert q.answer == [["1", "一"], ["20"]]


def test_sharing_scope(users, cat):
    mine = make_question(users["laoshi"], share=Share.MINE)
    school = make_question(users["laoshi"], share=Share.SCHOOL)
    school.school = users["laoshi"].roles.first().node.school()
    school.save()
    district = make_question(users["laoshi"], share=Share.DISTRICT)
    colleague = set(visible_questions(users["laoshi2"]).values_list("pk", flat=True))
    assert mine.pk not in colleague and school.pk in colleague and district.pk in colleague
    assert not visible_questions(users["xuesheng"]).exists()  # students never browse the bank


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_import_reports_every_bad_row_and_imports_nothing(users, cat):
    content = _xlsx([
        ["题型", "题干", "选项A", "选项B", "选项C", "答案", "解析", "难度", "知识点"],
        ["单选", "1 分 = ( ) 秒", "30", "60", "100", "B", "1 分 = 60 秒", 1, "t-sx-hms"],
        ["单选", "缺答案的题", "1", "2", "", "", "", 2, ""],           # row 3: no answer
        ["猜谜", "题型不对", "", "", "", "A", "", 2, ""],              # row 4: bad type
        ["填空", "3 时 = ( ) 分", "", "", "", "180", "", 9, ""],        # row 5: difficulty 9
        ["判断", "秒针走一圈是 1 分。", "", "", "", "对", "", 1, "不存在的知识点"],  # row 6: unknown point
    ])
    rows = actions.parse_import_file(name="题目.xlsx", content=content)
    result = actions.questions_import(owner=users["laoshi"], rows=rows)
    assert not result.ok
    assert [n for n, _m in result.errors] == [3, 4, 5, 6]
    assert "正确选项" in result.errors[0][1] and "题型" in result.errors[1][1] and "难度" in result.errors[2][1]
    assert Question.objects.count() == 0


def test_xlsx_import_good_file_and_duplicates(users, cat):
    content = _xlsx([
        ["题型", "题干", "选项A", "选项B", "答案", "难度", "知识点", "章节"],
        ["单选", "1 分 = ( ) 秒", "30", "60", "B", 1, "时、分、秒", "t-rj-sx-g3a/0001."],
        ["填空", "2 分 = ( ) 秒", None, None, "120", 2, "t-sx-hms", ""],
        ["填空", "2分=(  )秒", None, None, "120", 2, "t-sx-hms", ""],  # duplicate of row 3
    ])
    rows = actions.parse_import_file(name="a.xlsx", content=content)
    result = actions.questions_import(owner=users["laoshi"], rows=rows)
    assert [n for n, _m in result.errors] == [4] and "第 3 行" in result.errors[0][1]
    result = actions.questions_import(owner=users["laoshi"], rows=rows, skip_duplicates=True)
    assert result.ok and len(result.created) == 2 and [n for n, _ in result.skipped] == [4]
    q = Question.objects.get(stem="1 分 = ( ) 秒")
    assert q.options == [{"key": "A", "text": "30"}, {"key": "B", "text": "60"}]
    assert q.chapters.get() == cat["unit"]


@pytest.mark.parametrize("name,content,message", [
    ("a.json", b"{not json", "JSON"),
    ("a.xlsx", b"PK\x03\x04 broken", "Excel"),
    ("a.csv", b"x", ".xlsx"),
    ("a.json", json.dumps({"questions": 3}).encode(), "数组"),
])
def test_unreadable_files_refused(name, content, message):
    with pytest.raises(actions.ImportFileError) as err:
        actions.parse_import_file(name=name, content=content)
    assert message in str(err.value)


def test_json_import(users, cat):
    data = [{"type": "多选", "stem": "哪些比 1 分长？", "options": ["70 秒", "50 秒", "2 分"], "answer": ["A", "C"]},
            {"type": "判断", "stem": "1 时 = 60 分", "answer": True}, "not an object"]
    rows = actions.parse_import_file(name="q.json", content=json.dumps(data, ensure_ascii=False).encode())
    result = actions.questions_import(owner=users["laoshi"], rows=rows)
    assert [n for n, _ in result.errors] == [3] and Question.objects.count() == 0
    result = actions.questions_import(owner=users["laoshi"], rows=rows[:2])
    assert result.ok and Question.objects.get(qtype="multiple").answer == ["A", "C"]


def test_search_filters(users, cat):
    t = users["laoshi"]
    a = make_question(t, stem="秒针走一圈", kp=cat["hms"], chapter=cat["lesson"], difficulty=1)
    b = make_question(t, stem="350 + 470 =", kp=cat["add"], chapter=cat["unit2"], qtype="fill", answer=[["820"]],
                      difficulty=3)
    assert list(search_questions(t, chapter_id=cat["unit"].pk)) == [a]  # a unit includes its lessons
    assert list(search_questions(t, kp_id=cat["add"].pk)) == [b]
    assert list(search_questions(t, qtype="fill")) == [b]
    assert list(search_questions(t, difficulty=1)) == [a]
    assert list(search_questions(t, text="秒针")) == [a]


def test_assemble_by_rules_never_repeats(users, cat):
    t = users["laoshi"]
    for i in range(6):
        make_question(t, kp=cat["hms"], difficulty=1 + i % 3)
    for _i in range(4):
        make_question(t, qtype="fill", answer=[["60"]], kp=cat["hms"], difficulty=2)
    make_question(t, kp=cat["add"])  # outside the chosen point
    for seed in range(5):
        paper = actions.paper_assemble(owner=t, title="单元卷", kp_ids=[cat["hms"].pk], seed=seed, rules=[
            actions.DrawRule(qtype="single", count=2, difficulty_min=1, difficulty_max=1),
            actions.DrawRule(qtype="single", count=4, difficulty_min=1, difficulty_max=5),
            actions.DrawRule(qtype="fill", count=3)])
        ids = list(paper.items.values_list("question_id", flat=True))
        assert len(ids) == 9 == len(set(ids))
        qs = Question.objects.filter(pk__in=ids)
        assert all(cat["hms"] in q.knowledge_points.all() for q in qs)
    with pytest.raises(actions.PaperError) as err:
        actions.paper_assemble(owner=t, title="太多", kp_ids=[cat["hms"].pk],
                               rules=[actions.DrawRule(qtype="single", count=7)])
    assert "第 1 条规则" in str(err.value) and "需要 7 道，符合条件的只有 6 道，还差 1 道" in str(err.value)


def test_pages(users, cat, client_as):
    t = users["laoshi"]
    q = make_question(t, kp=cat["hms"], chapter=cat["unit"], stem=r"计算 $\frac{1}{2}$ + 1")
    c = client_as(t)
    page = c.get("/questions/").content.decode()
    # the formula arrives as MathML made when the question was saved: no script, no source left to typeset
    assert "<mfrac><mrow><mn>1</mn></mrow><mrow><mn>2</mn></mrow></mfrac>" in page and r"\frac" not in page
    assert "<script" not in page.split("</main>")[0].split("<main")[-1]
    assert c.get(f"/questions/{q.pk}/").status_code == 200
    resp = c.post("/questions/new/", {"qtype": "single", "stem": "", "options": "a\nb", "answer": "Z"})
    assert resp.status_code == 422 and "题干不能为空" in resp.content.decode()
    resp = c.post("/questions/papers/new/", {"title": "手工卷", "question": [q.pk], "score": "5"})
    paper = Paper.objects.get(title="手工卷")
    assert resp.status_code == 302 and paper.items.count() == 1
    resp = c.post("/questions/papers/rules/", {"title": "规则卷", "subject": cat["math"].pk, "kp": [cat["hms"].pk],
                                               "count_0": "5"})
    assert resp.status_code == 422 and "不够" in resp.content.decode()
    upload = io.BytesIO(b"[{\"type\": \"X\", \"stem\": \"\"}]")
    upload.name = "bad.json"
    resp = c.post("/questions/import/", {"file": upload})
    assert resp.status_code == 422 and "本次没有导入任何试题" in resp.content.decode()
    assert client_as(users["xuesheng"]).get("/questions/").status_code == 404


def test_image_upload_refuses_other_files(users, cat, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_as(users["laoshi"])
    resp = c.post("/questions/new/", {"qtype": "truefalse", "stem": "看图判断", "answer": "对",
                                      "stem_image": SimpleUploadedFile("x.exe", b"MZ...")})
    assert resp.status_code == 422 and "图片只支持" in resp.content.decode()
    resp = c.post("/questions/new/", {"qtype": "truefalse", "stem": "看图判断", "answer": "对",
                                      "stem_image": SimpleUploadedFile("clock.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")})
    q = Question.objects.get(stem="看图判断")
    assert resp.status_code == 302 and c.get(f"/questions/{q.pk}/image/stem/").status_code == 200
    assert client_as(users["xuesheng"]).get(f"/questions/{q.pk}/image/stem/").status_code == 404


def test_api_import_and_rules(users, cat, api_as):
    api = api_as(users["laoshi"])
    resp = api.post("/api/v1/questions/import", {"questions": [{"type": "单选", "stem": "x", "options": ["1"],
                                                                "answer": "A"}]}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["errors"][0]["row"] == 1
    resp = api.post("/api/v1/questions/import", {"questions": [{"type": "判断", "stem": "1 时 = 60 分", "answer": "对",
                                                                "knowledge_points": ["t-sx-hms"]}]},
                    content_type="application/json")
    assert resp.status_code == 201 and resp.json()["created"] == 1
    resp = api.post("/api/v1/questions/papers/by-rules", {"title": "t", "rules": [{"qtype": "truefalse", "count": 1}],
                                                          "subject": "数学", "kp_ids": [cat["hms"].pk]},
                    content_type="application/json")
    assert resp.status_code == 201 and len(resp.json()["question_ids"]) == 1
    resp = api.post("/api/v1/questions/papers/by-rules", {"title": "t", "rules": [{"qtype": "nope", "count": 1}]},
                    content_type="application/json")
    assert resp.status_code == 422
    assert api_as(users["xuesheng"]).get("/api/v1/questions/").status_code == 404
