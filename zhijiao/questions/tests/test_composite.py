"""Composite questions (复合题) in the bank: a passage with ordered parts of any type, each with its own answer,
score and knowledge points; created and edited by a teacher on the form (add / remove / reorder parts),
imported from JSON (file and API, all-or-nothing with every bad part named), shown with formulas."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhijiao.questions import actions
from zhijiao.questions.models import Question, QuestionType, part_max_scores
from zhijiao.questions.tests.factories import tiny_catalog

pytestmark = pytest.mark.django_db

PASSAGE = "阅读下面的实验记录，回答问题。把 $\\frac{1}{2}$ 杯水倒入量杯。"


def composite_data(**over):
    return {
        "qtype": "复合题", "stem": PASSAGE, "subject": "t-sx", "share": "district",
        "parts": [
            {"qtype": "单选", "stem": "量杯里有几杯水？", "options": ["1 杯", "$\\frac{1}{2}$ 杯"], "answer": "B",
             "score": 2, "knowledge_points": "t-sx-hms"},
            {"qtype": "填空", "stem": "1 分 = ____ 秒", "answer": "60|六十", "score": "3",
             "knowledge_points": "t-sx-add"},
            {"qtype": "简答", "stem": "说说你的理由。", "answer": "参考：……", "score": 5},
        ],
        **over,
    }


def test_create_composite_with_ordered_parts(users):
    cat = tiny_catalog()
    q = actions.question_create(owner=users["laoshi"], data=composite_data())
    assert q.qtype == QuestionType.COMPOSITE and q.answer is None
    parts = q.part_list()
    assert [p.qtype for p in parts] == ["single", "fill", "short"]
    assert [p.part_score for p in parts] == [Decimal(2), Decimal(3), Decimal(5)]
    assert parts[0].answer == "B" and parts[1].answer == [["60", "六十"]]
    assert list(parts[0].knowledge_points.all()) == [cat["hms"]]
    # the composite is found by every part's knowledge point; the parts are not in the bank on their own
    assert set(q.knowledge_points.all()) == {cat["hms"], cat["add"]}
    from zhijiao.questions.selectors import search_questions

    assert list(search_questions(users["laoshi"], kp_id=cat["add"].pk)) == [q]
    assert list(search_questions(users["laoshi"], text="几杯水")) == []
    assert "<math" in q.rendered["stem"] and "<math" in parts[0].rendered["options"][1]


def test_every_bad_part_is_named_and_nothing_saved(users):
    tiny_catalog()
    data = composite_data()
    data["parts"][0]["answer"] = "E"
    data["parts"][1]["score"] = ""
    data["parts"].append({"qtype": "复合题", "stem": "套娃", "score": 1})
    with pytest.raises(actions.QuestionInvalid) as err:
        actions.question_create(owner=users["laoshi"], data=data)
    errors = err.value.errors
    assert "第 1 小题" in errors["parts.1.answer"] and "第 2 小题" in errors["parts.2.score"]
    assert "不能再是复合题" in errors["parts.4.qtype"]
    with pytest.raises(actions.QuestionInvalid) as err:
        actions.question_create(owner=users["laoshi"], data=composite_data(parts=[]))
    assert "至少需要一道小题" in err.value.errors["parts"]
    assert not Question.objects.filter(stem=PASSAGE).exists()


def test_part_points_add_up_to_the_item_score(users):
    tiny_catalog()
    q = actions.question_create(owner=users["laoshi"], data=composite_data())
    assert [pts for _p, pts in part_max_scores(q, 10)] == [2, 3, 5]
    shared = [pts for _p, pts in part_max_scores(q, Decimal("7"))]
    assert sum(shared) == 7 and shared == [Decimal("1.4"), Decimal("2.1"), Decimal("3.5")]
    third = [pts for _p, pts in part_max_scores(q, 1)]
    assert sum(third) == 1


def test_paper_takes_the_sum_of_parts(users):
    from zhijiao.questions.tests.factories import make_question, simple_paper

    tiny_catalog()
    t = users["laoshi"]
    q = actions.question_create(owner=t, data=composite_data())
    paper = simple_paper(t, [make_question(t), q], score=4)
    assert [it.score for it in paper.items.order_by("order")] == [4, 10]
    # a part cannot be put on a paper on its own
    with pytest.raises(actions.PaperError):
        simple_paper(t, [q.part_list()[0]])


def test_json_import_of_a_composite_row(users, client_as):
    tiny_catalog()
    c = client_as(users["laoshi"])
    good = [composite_data(), {"qtype": "单选", "stem": "普通题", "options": ["a", "b"], "answer": "A"}]
    upload = SimpleUploadedFile("q.json", json.dumps(good, ensure_ascii=False).encode(), "application/json")
    resp = c.post("/questions/import/", {"file": upload})
    assert resp.status_code == 200
    q = Question.objects.get(stem=PASSAGE)
    assert len(q.part_list()) == 3 and Question.objects.filter(parent=q).count() == 3
    bad = composite_data(stem="另一段材料")
    bad["parts"][2]["qtype"] = "画图"
    upload = SimpleUploadedFile("q.json", json.dumps([bad], ensure_ascii=False).encode(), "application/json")
    resp = c.post("/questions/import/", {"file": upload})
    assert resp.status_code == 422 and "第 3 小题" in resp.content.decode()
    assert not Question.objects.filter(stem="另一段材料").exists()


def test_api_import_creates_composites(users, api_as):
    tiny_catalog()
    api = api_as(users["laoshi"])
    resp = api.post("/api/v1/questions/import", {"questions": [composite_data()]}, content_type="application/json")
    assert resp.status_code == 201 and resp.json()["created"] == 1
    bad = composite_data(stem="别的材料", parts=[{"qtype": "判断", "stem": "对吗", "answer": "也许", "score": 1}])
    resp = api.post("/api/v1/questions/import", {"questions": [bad]}, content_type="application/json")
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["row"] == 1 and "第 1 小题" in resp.json()["errors"][0]["message"]


def _form(parts, **over):
    data = {"qtype": "composite", "stem": PASSAGE, "difficulty": "3", "subject": "t-sx", "share": "mine",
            "part_count": str(len(parts))}
    for i, p in enumerate(parts):
        for k, v in p.items():
            data[f"part-{i}-{k}"] = v
    data.update(over)
    return data


def test_teacher_adds_reorders_removes_parts_on_the_form(users, client_as):
    tiny_catalog()
    c = client_as(users["laoshi"])
    page = c.post("/questions/new/", {"qtype": "single", "stem": PASSAGE, "op": "add"})
    assert page.status_code == 200 and 'name="part-0-stem"' in page.content.decode()
    assert not Question.objects.filter(stem=PASSAGE).exists()  # adding a part saves nothing
    one = {"qtype": "single", "stem": "第一问", "options": "甲\n乙", "answer": "A", "score": "2",
           "knowledge_points": "t-sx-hms"}
    two = {"qtype": "short", "stem": "第二问", "answer": "参考", "score": "4"}
    page = c.post("/questions/new/", _form([one, two], op="up-1")).content.decode()
    assert page.index("第二问") < page.index("第一问")
    resp = c.post("/questions/new/", _form([two, one]))
    assert resp.status_code == 302
    q = Question.objects.get(stem=PASSAGE)
    assert [p.stem for p in q.part_list()] == ["第二问", "第一问"]
    # editing keeps each part's row when it moves, and removes the part taken out
    edit = c.get(f"/questions/{q.pk}/edit/").content.decode()
    assert "第二问" in edit and 'name="part_count" value="2"' in edit
    ids = [p.pk for p in q.part_list()]
    resp = c.post(f"/questions/{q.pk}/edit/", _form([{**one, "id": ids[1], "stem": "第一问（改）"}]))
    assert resp.status_code == 302
    assert [(p.pk, p.stem) for p in q.part_list()] == [(ids[1], "第一问（改）")]
    assert not Question.objects.filter(pk=ids[0]).exists()
    # the bad part is marked beside its field
    resp = c.post(f"/questions/{q.pk}/edit/", _form([{**one, "answer": "", "score": "0"}]))
    body = resp.content.decode()
    assert resp.status_code == 422 and "请填写正确选项" in body and "请填写分值" in body


def test_composite_shown_in_bank_and_detail(users, client_as):
    tiny_catalog()
    q = actions.question_create(owner=users["laoshi"], data=composite_data())
    c = client_as(users["laoshi"])
    bank = c.get("/questions/").content.decode()
    assert bank.count('data-part="') == 3 and "几杯水" in bank and "参考：……" not in bank
    detail = c.get(f"/questions/{q.pk}/").content.decode()
    assert "参考：……" in detail and "复合题" in detail
    # a part has no page of its own, and is not edited apart from its composite
    part = q.part_list()[0]
    assert c.get(f"/questions/{part.pk}/").status_code == 404
    assert c.get(f"/questions/{part.pk}/edit/").status_code == 404


def test_api_creates_one_composite_or_names_each_bad_field(users, api_as):
    tiny_catalog()
    api = api_as(users["laoshi"])
    body = composite_data()
    body["type"] = body.pop("qtype")
    for part in body["parts"]:
        part["type"] = part.pop("qtype")
        part["knowledge_points"] = [part["knowledge_points"]] if part.get("knowledge_points") else []
    body["parts"][0]["options"] = ["1 杯", "$\\frac{1}{2}$ 杯"]
    resp = api.post("/api/v1/questions/", body, content_type="application/json")
    assert resp.status_code == 201, resp.content
    got = resp.json()
    q = Question.objects.get(pk=got["id"])
    assert got["qtype"] == "composite" and got["part_ids"] == [p.pk for p in q.part_list()]
    body["stem"] = "另一段"
    body["parts"][1]["score"] = -1
    body["parts"][2]["type"] = "画图"
    resp = api.post("/api/v1/questions/", body, content_type="application/json")
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.json()["errors"]}
    assert {"parts.2.score", "parts.3.qtype"} <= fields
    assert api_as(users["xuesheng"]).post("/api/v1/questions/", body,
                                          content_type="application/json").status_code == 404


def test_a_question_on_a_paper_keeps_being_composite_or_not(users):
    from zhijiao.questions.tests.factories import make_question, simple_paper

    tiny_catalog()
    t = users["laoshi"]
    comp = actions.question_create(owner=t, data=composite_data())
    plain = make_question(t)
    simple_paper(t, [comp, plain])
    with pytest.raises(actions.QuestionInvalid) as err:
        actions.question_update(user=t, question=plain, data=composite_data(stem="改成复合题"))
    assert "不能在复合题和其他题型之间转换" in err.value.errors["qtype"]
    with pytest.raises(actions.QuestionInvalid):
        actions.question_update(user=t, question=comp, data={"qtype": "简答", "stem": PASSAGE})
    assert len(comp.part_list()) == 3
