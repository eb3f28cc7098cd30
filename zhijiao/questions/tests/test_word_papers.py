"""Word papers (.docx) and zip packages through the import: what each question became, pictures stored and
shown with their size, formulas converted, every unreadable part named in the dry run, all or nothing, and
hostile files refused with a clear message."""

import io
import re
import zipfile

import pytest

from zhijiao.questions import actions
from zhijiao.questions.models import Question, QuestionImage
from zhijiao.questions.tests.factories import tiny_catalog
from zhijiao.questions.tests.papers import (
    answer_section_paper,
    json_package,
    many_questions,
    marked_paper,
    png,
    zip_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(demo):
    return tiny_catalog()


def _rows(name, content):
    return actions.parse_import_file(name=name, content=content)


def test_marked_paper_becomes_questions_with_types_options_answers_formulas_and_pictures(users, cat):
    rows = _rows("期中.docx", marked_paper())
    got = {row["_label"]: row for _n, row in rows}
    assert list(got) == ["一、选择题 第 1 题", "一、选择题 第 2 题", "二、填空题 第 3 题", "三、解答题 第 4 题",
                         "三、解答题 第 5 题"]
    q1 = got["一、选择题 第 1 题"]
    assert q1["qtype"] == "single" and q1["answer"] == "B"
    assert q1["stem"] == r"计算 $\frac{1}{2}+\sqrt{x}$ 的结果是（　）"
    assert q1["options"] == [{"key": k, "text": t} for k, t in zip("ABCD", "1234", strict=True)]
    assert q1["analysis"] == "因为 1 + 1 = 2，故选 B。"
    q2 = got["一、选择题 第 2 题"]
    assert q2["qtype"] == "multiple" and q2["answer"] == "AC"
    assert [o["text"] for o in q2["options"]] == ["甲", "乙", "丙", "丁"]
    assert re.fullmatch(r"如图，下列说法正确的是（　）\[\[img:[0-9a-f]{12}\]\]", q2["stem"])
    assert got["二、填空题 第 3 题"]["qtype"] == "fill" and got["二、填空题 第 3 题"]["answer"] == [["60"], ["120"]]
    q4 = got["三、解答题 第 4 题"]
    assert q4["qtype"] == "short" and q4["difficulty"] == 4  # a coefficient of 0.4: 较难
    assert q4["stem"] == r"已知 ${x}_{1}^{2}=\sum_{i=1}^{n}{i}$，求 n。"  # a display equation, inline in the line
    # unreadable parts are named, per question and for the paper
    notes5 = " ".join(got["三、解答题 第 5 题"]["_notes"])
    assert "m:futureThing" in notes5 and "图形" in notes5
    assert "〔公式：y=k〕" in got["三、解答题 第 5 题"]["stem"]
    assert any("一个目录里没有的考点" in n for n in q2["_notes"]) and q2["knowledge_points"] == []
    assert any("七年级数学单元测试" in n for n in rows[0][1]["_paper_notes"])

    result = actions.questions_import(owner=users["laoshi"], rows=rows)
    assert result.ok and len(result.created) == 5
    by_type = {q.qtype: q for q in result.created}
    # formulas are MathML in what the bank shows
    assert "<mfrac>" in by_type["single"].stem_html and "<msqrt>" in by_type["single"].stem_html
    # the picture is stored, checked, and shown in place with its size from the document (1.5 in = 144 px)
    fig = by_type["multiple"].images.get()
    assert (fig.width, fig.height, fig.only_in_analysis) == (144, 108, False)
    assert f'src="/questions/figure/{fig.pk}/" width="144" height="108"' in by_type["multiple"].stem_html
    assert fig.file.read().startswith(b"\x89PNG")


def test_answer_section_at_the_end(users, cat):
    rows = _rows("卷.docx", answer_section_paper())
    got = [row for _n, row in rows]
    assert [r["qtype"] for r in got] == ["single", "single", "single", "truefalse", "fill"]
    assert [r["answer"] for r in got[:3]] == ["C", "B", "A"]
    assert [o["text"] for o in got[1]["options"]] == ["平行四边形", "等腰三角形", "梯形", "任意三角形"]
    assert got[2]["analysis"] == "30° 与 60° 的和是 90°。"
    assert got[3]["answer"] == "×" and got[3]["analysis"] == "锐角小于 90°，两个锐角的和可能小于 90°。"
    assert got[4]["answer"] == [["3"]] and got[4]["analysis"] == "整数解为 0、1、2。"
    assert any("第 9 题对应不到试题" in n for n in got[0]["_paper_notes"])
    result = actions.questions_import(owner=users["laoshi"], rows=rows)
    assert result.ok, result.errors
    tf = next(q for q in result.created if q.qtype == "truefalse")
    assert tf.answer is False
    fill = next(q for q in result.created if q.qtype == "fill")
    assert "<math" in fill.stem_html and fill.answer == [["3"]]


def test_a_bad_question_refuses_the_whole_paper(users, cat):
    import docx

    d = docx.Document()
    d.add_paragraph("一、选择题")
    d.add_paragraph("1．1 + 1 =（　）")
    d.add_paragraph("A．1 B．2 C．3 D．4")
    d.add_paragraph("【答案】B")
    d.add_paragraph("2．没有答案的选择题（　）")
    d.add_paragraph("A．甲 B．乙")
    buf = io.BytesIO()
    d.save(buf)
    rows = _rows("坏卷.docx", buf.getvalue())
    result = actions.questions_import(owner=users["laoshi"], rows=rows)
    assert not result.ok and [n for n, _m in result.errors] == [2]
    assert not Question.objects.filter(stem__startswith="1 + 1").exists()


def test_huge_picture_is_a_row_error_and_nothing_is_imported(users, cat):
    # A PNG header that claims 20000 × 20000 pixels: refused by its header, never decoded.
    rows = _rows("大图.docx", marked_paper(picture=png(20000, 20000, idat=zlib_empty())))
    result = actions.questions_import(owner=users["laoshi"], rows=rows)
    assert not result.ok
    assert [(n, "20000×20000" in m) for n, m in result.errors] == [(2, True)]
    assert not Question.objects.filter(stem__startswith="计算").exists() and not QuestionImage.objects.exists()


def zlib_empty():
    import zlib

    return zlib.compress(b"")


def test_hostile_files_are_refused_with_a_clear_message(users, cat):
    # a zip bomb: 80 MB of spaces compress to ~80 KB
    bomb = zip_of({"word/document.xml": b" " * (80 * 1024 * 1024)})
    with pytest.raises(actions.ImportFileError, match="解压后超过"):
        _rows("炸弹.docx", bomb)
    with pytest.raises(actions.ImportFileError, match="超过 2000 道题"):
        _rows("题海.docx", many_questions(2001))
    with pytest.raises(actions.ImportFileError, match="另存为 .docx"):
        _rows("旧.docx", zip_of({"a.txt": b"x"}))
    with pytest.raises(actions.ImportFileError, match="无法读取Word 文件|无法读取"):
        _rows("假.docx", b"\xd0\xcf\x11\xe0 an old .doc")
    entity = zip_of({"word/document.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'})
    with pytest.raises(actions.ImportFileError, match="实体"):
        _rows("实体.docx", entity)
    with pytest.raises(actions.ImportFileError, match="文件，超过"):
        _rows("多.zip", zip_of({f"{k}.png": b"x" for k in range(2001)}))


def test_package_json_with_pictures(users, cat):
    pic = png(800, 400)
    body = json_package([
        {"type": "单选", "stem": "看图选择：![钟面](images/clock.png)", "options": ["3 时", "![](images/clock.png)"],
         "answer": "A"},
        {"type": "判断", "stem": "下图是正方形。", "stem_image": "images/square.png", "answer": "错",
         "analysis": "见 ![](images/clock.png)"},
    ], {"images/clock.png": pic, "images/square.png": png(10, 10)})
    rows = _rows("包.zip", body)
    result = actions.questions_import(owner=users["laoshi"], rows=rows)
    assert result.ok, result.errors
    single, tf = sorted(result.created, key=lambda q: q.pk)
    clock = single.images.get()
    assert (clock.width, clock.height) == (640, 320)  # shown at most 640 px wide, in proportion
    assert single.stem_html.count("<img") == 1 and "<img" in single.options_html[1]["html"]
    assert {i.only_in_analysis for i in tf.images.all()} == {False, True}
    # a package naming a missing picture, or a file that is no picture, refuses the row
    bad = json_package([{"type": "判断", "stem": "![](images/nope.png)", "answer": "对"},
                        {"type": "判断", "stem": "![](images/evil.png)", "answer": "对"}],
                       {"images/evil.png": b"<script>alert(1)</script>"})
    result = actions.questions_import(owner=users["laoshi"], rows=_rows("坏包.zip", bad))
    assert not result.ok and len(result.errors) == 2
    assert "不在导入包里" in result.errors[0][1] and "不是 PNG" in result.errors[1][1]


def test_package_xlsx_with_picture_column(users, cat):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["题型", "题干", "题干图片", "答案"])
    wb.active.append(["判断", "图中是三角形。", "pics/t.png", "对"])
    buf = io.BytesIO()
    wb.save(buf)
    rows = _rows("x.zip", zip_of({"题目.xlsx": buf.getvalue(), "pics/t.png": png(12, 9)}))
    assert rows[0][1]["_label"] == "第 2 行"
    result = actions.questions_import(owner=users["laoshi"], rows=rows)
    assert result.ok and result.created[0].images.get().width == 12
    with pytest.raises(actions.ImportFileError, match="正好有一个"):
        _rows("y.zip", zip_of({"a.json": b"[]", "b.json": b"[]"}))


def test_same_paper_twice_is_a_duplicate_but_another_picture_is_not(users, cat):
    rows = _rows("p.docx", marked_paper())
    assert actions.questions_import(owner=users["laoshi"], rows=rows).ok
    again = actions.questions_import(owner=users["laoshi"], rows=_rows("p.docx", marked_paper()))
    assert not again.ok and all("重复" in m for _n, m in again.errors)
    other = _rows("p.docx", marked_paper(picture=png(41, 30)))
    result = actions.questions_import(owner=users["laoshi"], rows=other, skip_duplicates=True)
    assert result.ok and [q.stem.startswith("如图") for q in result.created] == [True]


def test_dry_run_page_shows_each_question_and_saves_nothing(users, cat, client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    c = client_as(users["laoshi"])
    upload = io.BytesIO(marked_paper())
    upload.name = "期中.docx"
    resp = c.post("/questions/import/", {"file": upload, "dry_run": "1"})
    page = resp.content.decode()
    assert resp.status_code == 200 and not Question.objects.filter(owner=users["laoshi"], stem__contains="如图").exists()
    assert page.count('data-preview="') == 5
    assert "<mfrac>" in page and 'src="data:image/png;base64,' in page
    assert "m:futureThing" in page and "七年级数学单元测试" in page and "一个目录里没有的考点" in page
    # the file shown is kept for its teacher only, by a handle in a hidden field, until confirmed
    handle = re.search(r'name="staged" value="([0-9a-f]{32}\.docx)"', page).group(1)
    from django.test import Client

    colleague = Client()
    colleague.force_login(users["laoshi2"])
    resp = colleague.post("/questions/import/", {"staged": handle})
    assert resp.status_code == 422 and "已过期或不存在" in resp.content.decode()
    resp = c.post("/questions/import/", {"staged": handle})
    assert resp.status_code == 200 and Question.objects.filter(owner=users["laoshi"], stem__contains="如图").exists()
    assert c.post("/questions/import/", {"staged": handle}).status_code == 422  # imported once, then gone
    upload = io.BytesIO(marked_paper())
    upload.name = "期中.docx"
    resp = c.post("/questions/import/", {"file": upload, "skip_duplicates": "1"})
    assert resp.status_code == 200 and "跳过重复 5 道" in resp.content.decode()


def test_figure_is_served_only_to_those_who_may_see_the_question(users, cat, client_as):
    result = actions.questions_import(owner=users["laoshi"], rows=_rows("p.docx", marked_paper()))
    fig = QuestionImage.objects.get(question__in=result.created)
    resp = client_as(users["laoshi"]).get(f"/questions/figure/{fig.pk}/")
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
    assert resp["Content-Security-Policy"].startswith("default-src 'none'")
    assert client_as(users["laoshi2"]).get(f"/questions/figure/{fig.pk}/").status_code == 404  # 仅自己
    assert client_as(users["xuesheng"]).get(f"/questions/figure/{fig.pk}/").status_code == 404


def test_a_typed_token_shows_no_other_questions_picture(users, cat):
    result = actions.questions_import(owner=users["laoshi"], rows=_rows("p.docx", marked_paper()))
    fig = QuestionImage.objects.get(question__in=result.created)
    q = actions.question_create(owner=users["laoshi2"], data={"qtype": "简答", "stem": f"偷看 [[img:{fig.digest}]]"})
    assert "<img" not in q.stem_html and f"[[img:{fig.digest}]]" in q.stem_html


def test_docx_built_by_word_keeps_zip_bounds(users, cat):
    """A member claiming a small size but inflating past the bound is caught while reading, not trusted."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<x/>")
        z.writestr("word/media/big.png", b"\0" * (70 * 1024 * 1024))
    with pytest.raises(actions.ImportFileError, match="解压后超过 64 MB"):
        _rows("b.docx", buf.getvalue())


def test_word_numbering_and_mathtype_equations(users, cat):
    from zhijiao.questions.tests.papers import mathtype_and_numbering_paper

    rows = _rows("m.docx", mathtype_and_numbering_paper())
    first, second = (row for _n, row in rows)
    # Word's own numbering "1．" and "A．" is read as typed numbers would be
    assert (first["_label"], second["_label"]) == ("一、选择题 第 1 题", "一、选择题 第 2 题")
    assert [o["text"] for o in first["options"]] == ["1", "2", "3", "4"] and first["answer"] == "A"
    assert [o["key"] for o in second["options"]] == list("ABCD") and second["answer"] == "D"
    # a PNG preview is kept as the formula's picture, at the size the document gives it (45 pt × 30 pt)
    fig = next(iter(first["_images"].values()))
    assert (fig.width, fig.height) == (60, 40) and fig.token in first["stem"]
    assert any("Equation.DSMT4" in n and "预览图片" in n for n in first["_notes"])
    # a WMF preview cannot be shown: named, and marked where it stood
    assert "〔公式（Equation.DSMT4）无法读取〕" in second["stem"] and not second["_images"]
    assert any("WMF" in n for n in second["_notes"])
    result = actions.questions_import(owner=users["laoshi"], rows=rows)
    assert result.ok, result.errors


def test_site_style_paper(users, cat):
    from zhijiao.questions.tests.papers import site_style_paper

    rows = [row for _n, row in _rows("s.docx", site_style_paper())]
    assert [r["qtype"] for r in rows] == ["single", "single", "fill", "short"]
    assert [o["text"] for o in rows[0]["options"]] == ["a+a=a²", "a·a=2a", "a³÷a=a²", "(a²)³=a⁵"]
    assert [r["answer"] for r in rows[:3]] == ["C", "C", [["4"]]]
    assert any("故答案为" in n for n in rows[2]["_notes"])
    assert rows[2]["analysis"] == "根据算术平方根的定义求解。\n解：因为 4² = 16，故答案为：4．"
    assert rows[3]["stem"] == "已知一次函数的图象经过 (0, 1) 和 (1, 3)。\n（1）求函数的解析式；\n（2）求图象与 x 轴的交点。"
    assert rows[3]["analysis"] == "(1) y = 2x + 1；(2) (-1/2, 0)。"
    assert "第Ⅱ卷" not in rows[1]["options"][-1]["text"]  # a part heading is no option's text
    assert actions.questions_import(owner=users["laoshi"], rows=_rows("s.docx", site_style_paper())).ok


def test_api_import_file_dry_run_and_import(users, cat, api_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = api_as(users["laoshi"])
    resp = api.post("/api/v1/questions/import-file",
                    {"file": SimpleUploadedFile("卷.docx", answer_section_paper()), "dry_run": "true"})
    body = resp.json()
    assert resp.status_code == 200 and body["dry_run"] and not Question.objects.filter(stem__contains="余角").exists()
    assert [(q["label"], q["qtype"], q["answer"]) for q in body["questions"]][:2] == [
        ("一、选择题 第 1 题", "single", "C"), ("一、选择题 第 2 题", "single", "B")]
    assert any("第 9 题" in n for n in body["notes"])
    resp = api.post("/api/v1/questions/import-file", {"file": SimpleUploadedFile("卷.docx", answer_section_paper())})
    assert resp.status_code == 201 and resp.json()["created"] == 5
    resp = api.post("/api/v1/questions/import-file", {"file": SimpleUploadedFile("卷.docx", b"not a zip")})
    assert resp.status_code == 422 and resp.json()["errors"][0]["row"] == 0


def test_student_sees_a_stem_picture_through_homework_but_an_analysis_picture_only_with_the_analysis(
        users, cat, client_as):
    from zhijiao.questions.tests.factories import assign_class, class_of, simple_paper

    body = json_package([{"type": "判断", "stem": "![](a.png) 这是正方形。", "answer": "错",
                          "analysis": "看边长：![](b.png)"}], {"a.png": png(8, 8), "b.png": png(9, 9)})
    result = actions.questions_import(owner=users["laoshi"], rows=_rows("p.zip", body))
    q = result.created[0]
    stem_fig, analysis_fig = sorted(q.images.all(), key=lambda i: i.only_in_analysis)
    assert not stem_fig.only_in_analysis and analysis_fig.only_in_analysis
    student = client_as(users["xuesheng"])
    assert student.get(f"/questions/figure/{stem_fig.pk}/").status_code == 404  # not in any homework yet
    assign_class(users["laoshi"], simple_paper(users["laoshi"], [q]), class_of(users["xuesheng"]))
    assert student.get(f"/questions/figure/{stem_fig.pk}/").status_code == 200
    assert student.get(f"/questions/figure/{analysis_fig.pk}/").status_code == 404  # not submitted, not due


def test_linked_pictures_are_named_not_fetched(users, cat):
    import json

    from zhijiao.questions.import_preview import preview_rows

    rows = _rows("q.json", json.dumps([{"type": "简答", "stem": "如图 ![](https://img.example.cn/a.png) 求面积"}],
                                      ensure_ascii=False).encode())
    items, _notes = preview_rows(owner=users["laoshi"], rows=rows)
    assert any("图片链接" in n for n in items[0].notes)
    body = json_package([{"type": "简答", "stem": "如图 ![](https://img.example.cn/a.png) 求面积"}], {})
    result = actions.questions_import(owner=users["laoshi"], rows=_rows("p.zip", body))
    assert not result.ok and "是链接，不会去下载" in result.errors[0][1]


def test_bracketed_options_and_answers_with_trailing_text(users, cat):
    import docx

    d = docx.Document()
    d.add_paragraph("1. Which is a fruit? (A) apple (B) desk (C) chair (D) pen")
    d.add_paragraph("【答案】A．apple is a fruit.")
    d.add_paragraph("2．太阳从西边升起。（　）")
    d.add_paragraph("【答案】✘。")
    buf = io.BytesIO()
    d.save(buf)
    first, second = (row for _n, row in _rows("e.docx", buf.getvalue()))
    assert first["stem"] == "Which is a fruit?" and [o["text"] for o in first["options"]] == [
        "apple", "desk", "chair", "pen"]
    assert (first["qtype"], first["answer"]) == ("single", "A")
    assert (second["qtype"], second["answer"]) == ("truefalse", "×")
    assert actions.questions_import(owner=users["laoshi"], rows=_rows("e.docx", buf.getvalue())).ok


def test_an_eq_field_formula_is_named(users, cat):
    import docx

    d = docx.Document()
    p = d.add_paragraph("1．计算 ")
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    from docx.oxml import parse_xml

    for xml in (f'<w:r {w}><w:fldChar w:fldCharType="begin"/></w:r>',
                f'<w:r {w}><w:instrText xml:space="preserve">EQ \\f(1,2)</w:instrText></w:r>',
                f'<w:r {w}><w:fldChar w:fldCharType="end"/></w:r>'):
        p._p.append(parse_xml(xml))
    p.add_run(" 的值。【答案】0.5")
    buf = io.BytesIO()
    d.save(buf)
    (_n, row), = _rows("eq.docx", buf.getvalue())
    assert row["stem"] == "计算 〔公式〕 的值。" and any("EQ 域公式（EQ \\f(1,2)）" in n for n in row["_notes"])


def test_the_file_subject_goes_to_every_question_without_one(users, cat, client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    c = client_as(users["laoshi"])
    upload = io.BytesIO(answer_section_paper())
    upload.name = "卷.docx"
    page = c.post("/questions/import/", {"file": upload, "dry_run": "1", "subject": cat["math"].code}).content.decode()
    assert page.count(f"· {cat['math'].name}") == 5
    handle = re.search(r'name="staged" value="([0-9a-f]{32}\.docx)"', page).group(1)
    assert c.post("/questions/import/", {"staged": handle, "subject": cat["math"].code}).status_code == 200
    assert set(Question.objects.filter(stem__contains="余角").values_list("subject", flat=True)) == {cat["math"].pk}


def test_deeply_nested_document_is_refused(users, cat):
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    deep = "<w:hyperlink>" * 5000 + "<w:r><w:t>1．x</w:t></w:r>" + "</w:hyperlink>" * 5000
    doc = f'<w:document {w}><w:body><w:p>{deep}</w:p></w:body></w:document>'.encode()
    with pytest.raises(actions.ImportFileError, match="损坏|嵌套"):
        _rows("deep.docx", zip_of({"word/document.xml": doc}))


def test_dry_run_draws_pictures_inline_up_to_a_budget(users, cat, monkeypatch):
    from zhijiao.questions import import_preview

    questions = [{"type": "简答", "stem": f"第 {k} 题 ![](p{k}.png)"} for k in range(3)]
    pics = {f"p{k}.png": png(300 + k, 300) for k in range(3)}
    rows = _rows("p.zip", json_package(questions, pics))
    monkeypatch.setattr(import_preview, "PREVIEW_INLINE_BYTES", len(pics["p0.png"]) * 2 + 10)  # room for two
    items, _notes = import_preview.preview_rows(owner=users["laoshi"], rows=rows)
    assert ["data:image/png" in i.stem for i in items] == [True, True, False]
    assert "302×300，预览略" in items[2].stem
