"""Export the bank and import it back (issue 12): every question type, XLSX and JSON, with nothing changed."""

import pytest

from zhijiao.core.files import read_xlsx
from zhijiao.questions import actions
from zhijiao.questions.models import Question, QuestionType
from zhijiao.questions.tests.factories import tiny_catalog

pytestmark = pytest.mark.django_db

FIELDS = ("qtype", "stem", "options", "answer", "analysis", "difficulty", "source", "share", "subject_id",
          "part_order", "part_score")


def _bank(owner):
    rows = [
        {"type": "单选", "stem": "哪个是丙？=1+1", "options": {"A": "甲", "C": "丙", "D": "=SUM(A1)"}, "answer": "C",
         "knowledge_points": "t-sx-hms", "chapters": "t-rj-sx-g3a/0001.", "source": "2024 期中", "share": "school"},
        {"type": "多选", "stem": "比 1 分长的是", "options": ["70 秒", "50 秒", "2 分", "$\\frac{3}{2}$ 分"],
         "answer": "ACD", "difficulty": 2, "analysis": "1 分 = 60 秒\n见表 | a | b |"},
        {"type": "判断", "stem": "1 时 = 60 分", "answer": "错", "difficulty": 5},
        {"type": "填空", "stem": "解集 ____，另 ____，再 ____", "answer": [["$|x-1|<2$", "$-1<x<3$"], ["a;b"], ["60"]]},
        {"type": "填空", "stem": "80 秒 = ( ) 分 ( ) 秒", "answer": "1|一; 20", "subject": "t-sx"},
        {"type": "简答", "stem": "说明 5\\% 的意义", "answer": "百分之五\n即 $\\frac{5}{100}$"},
        {"type": "作文", "stem": "以“时间”为题写一篇作文", "answer": ""},
        {"type": "阅读理解", "stem": "阅读短文：小明 8:00 出发，8:40 到校。", "knowledge_points": "t-sx-hms", "parts": [
            {"type": "单选", "stem": "路上用了几分？", "options": {"A": "40", "C": "60"}, "answer": "A", "score": 2},
            {"type": "填空", "stem": "合 ( ) 秒", "answer": [["2400", "2 400"]], "score": 1.5},
            {"type": "简答", "stem": "说说你的方法", "answer": "8:40 - 8:00", "score": 3,
             "knowledge_points": "t-sx-hms"}]},
    ]
    result = actions.questions_import(owner=owner, rows=list(enumerate(rows, start=1)))
    assert result.ok, result.errors
    assert {q.qtype for q in result.created} == set(QuestionType.values)
    return result.created


def _snapshot():
    out = []
    for q in Question.objects.order_by("pk"):
        out.append((*(getattr(q, f) for f in FIELDS), sorted(k.code for k in q.knowledge_points.all()),
                    sorted(c.key for c in q.chapters.all()), q.rendered))
    return out


@pytest.mark.parametrize("fmt", ["xlsx", "json"])
def test_export_then_import_changes_nothing(users, demo, client_as, fmt):
    tiny_catalog()
    t = users["laoshi"]
    _bank(t)
    before = _snapshot()
    resp = client_as(t).get(f"/questions/export/?mine=1&format={fmt}")
    assert resp.status_code == 200
    content = resp.content
    Question.objects.filter(owner=t).delete()
    Question.objects.all().delete()
    rows = actions.parse_import_file(name=f"bank.{fmt}", content=content)
    result = actions.questions_import(owner=t, rows=rows)
    assert result.ok, result.errors
    assert _snapshot() == before


def test_xlsx_export_keeps_formula_like_text_as_text(users, demo, client_as):
    tiny_catalog()
    _bank(users["laoshi"])
    content = client_as(users["laoshi"]).get("/questions/export/?mine=1&format=xlsx").content
    (_title, rows), = read_xlsx(content, max_rows=100)
    assert rows[0][:3] == ("题型", "题干", "选项A")
    assert any("=SUM(A1)" in (c or "") for r in rows for c in r if isinstance(c, str))


@pytest.mark.django_db(transaction=True)
def test_questions_rendered_before_issue_12_show_tables_and_escapes_after_the_migration():
    from zhijiao.core.tests.migrating import migrate_to, migrate_to_latest

    try:
        old = migrate_to([("questions", "0004_question_images")])
        User = old.get_model("accounts", "User")
        owner = User.objects.create(username="mig_t12", name="老师")
        Question = old.get_model("questions", "Question")
        q = Question.objects.create(qtype="short", stem="涨了 5\\% ，见表 \\begin{tabular}{cc} a & b \\\\ \\end{tabular}",
                                    options=[], answer="略", analysis="", owner_id=owner.pk, fingerprint="mig12",
                                    rendered={"stem": "old"})
        new = migrate_to([("questions", "0005_rerender_tables_escapes_images")])
        rendered = new.get_model("questions", "Question").objects.get(pk=q.pk).rendered
        assert "5%" in rendered["stem"] and "<td>a</td><td>b</td>" in rendered["stem"]
    finally:
        migrate_to_latest()
