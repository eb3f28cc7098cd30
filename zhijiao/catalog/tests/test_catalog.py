"""The teaching catalog: shipped data, import/export with row-level errors, tree selectors, pages, CLI, API."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from zhijiao.catalog.actions import (
    catalog_export,
    catalog_import,
    catalog_import_file,
    catalog_load_shipped,
    catalog_parse,
    shipped_bundle,
)
from zhijiao.catalog.models import Book, Chapter, KnowledgePoint, Section, Stage
from zhijiao.catalog.selectors import (
    browse_context,
    chapter_by_key,
    chapter_descendant_ids,
    chapter_tree,
    knowledge_points_for,
)


@pytest.fixture
def catalog(db):
    catalog_load_shipped()


def titles(book_code, parent_path=None):
    qs = Chapter.objects.filter(book__code=book_code)
    qs = qs.filter(parent__isnull=True) if parent_path is None else qs.filter(parent__key=f"{book_code}/{parent_path}")
    return list(qs.order_by("path").values_list("title", flat=True))


def test_shipped_sections_stages_and_editions(catalog):
    assert list(Section.objects.values_list("name", flat=True)) == [
        "专题教育", "课程教学", "课后服务", "教师研修", "家庭教育", "教改实践经验"]
    assert set(Stage.objects.values_list("name", flat=True)) >= {"小学", "初中", "高中", "小学（五四制）", "初中（五四制）"}
    five_four = Stage.objects.get(code="cz54")
    assert (five_four.first_grade, five_four.last_grade) == (6, 9)
    assert Book.objects.filter(edition__code="tb", subject__code="yw", stage__code__in=["xx", "cz"], revision="").count() == 18
    assert Book.objects.filter(edition__code="rj", subject__code="sx", stage__code__in=["xx", "cz"], revision="").count() == 18
    assert Book.objects.filter(edition__code="pep", subject__code="yy", revision="").count() == 8


def test_real_unit_and_lesson_names(catalog):
    assert titles("rj-sx-g3a") == [
        "1 时、分、秒", "2 万以内的加法和减法（一）", "3 测量", "4 万以内的加法和减法（二）", "5 倍的认识",
        "6 多位数乘一位数", "7 长方形和正方形", "8 分数的初步认识", "9 数学广角——集合", "10 总复习"]
    assert titles("tb-yw-g3a", "0001.")[:3] == ["1 大青树下的小学", "2 花的学校", "3 不懂就要问"]
    assert titles("pep-yy-g3a")[0] == "Unit 1 Hello!"
    assert titles("rj-sx-g7a", "0001.")[0] == "1.1 正数和负数"
    ch = Chapter.objects.get(key="tb-yw-g3a/0001.0001.")
    assert ch.title_path == "统编版 语文 三年级上册 / 第一单元 / 1 大青树下的小学"
    assert ch.kind == "lesson" and ch.depth == 1 and ch.parent.title == "第一单元"


def test_math_knowledge_points_are_linked_to_chapters(catalog):
    unit = chapter_by_key("rj-sx-g3a/0008.")
    assert "分数的初步认识" in [kp.name for kp in knowledge_points_for(unit)]
    # every math unit of 人教版 grades 1-9 (except the reviews) carries at least one knowledge point (the
    # 2024 revision's units are not linked yet: docs/catalog.md)
    units = Chapter.objects.filter(book__edition__code="rj", book__subject__code="sx", book__revision="", depth=0)
    bare = [u.title_path for u in units if "复习" not in u.title and not knowledge_points_for(u).exists()]
    assert bare == []
    assert KnowledgePoint.objects.filter(subject__code="yw").exists()
    assert KnowledgePoint.objects.filter(subject__code="yy").exists()


def test_reimport_is_idempotent(catalog):
    before = Chapter.objects.count(), KnowledgePoint.chapters.through.objects.count()
    report = catalog_load_shipped()
    assert report.created == {} and report.updated == {}
    assert (Chapter.objects.count(), KnowledgePoint.chapters.through.objects.count()) == before


def test_rename_updates_in_place_by_key(catalog):
    data = json.loads(catalog_export(fmt="json"))
    row = next(r for r in data["chapters"] if r["book"] == "rj-sx-g3a" and r["path"] == "3")
    pk = Chapter.objects.get(key="rj-sx-g3a/0003.").pk
    row["title"] = "3 测量（修订）"
    report = catalog_import(bundle=catalog_parse(content=data))
    assert report.updated == {"chapters": 4}  # the unit, and its three lessons' title paths
    ch = Chapter.objects.get(pk=pk)
    assert ch.title == "3 测量（修订）"
    # the children's title paths follow the renamed parent
    assert Chapter.objects.get(key="rj-sx-g3a/0003.0001.").title_path.endswith("3 测量（修订） / 毫米、分米的认识")
    # a file with the unit row alone also refreshes the title paths below it
    only = {"chapters": [{"book": "rj-sx-g3a", "path": "3", "kind": "unit", "title": "3 测量"}]}
    assert catalog_import(bundle=catalog_parse(content=only)).updated == {"chapters": 1}
    assert Chapter.objects.get(key="rj-sx-g3a/0003.0001.").title_path == "人教版 数学 三年级上册 / 3 测量 / 毫米、分米的认识"


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_export_then_import_round_trips(catalog, fmt):
    body = catalog_export(fmt=fmt)
    report = catalog_import_file(content=body, filename=f"catalog.{fmt}")
    assert report.ok and report.created == {} and report.updated == {}
    assert report.unchanged["chapters"] == Chapter.objects.count()


BAD = {
    "books": [
        {"code": "x-bad-1", "stage": "nope", "subject": "sx", "edition": "rj", "grade": 3, "volume": "上",
         "name": "坏书"},
        {"code": "x-ok", "stage": "xx", "subject": "sx", "edition": "rj", "grade": 2, "volume": "全", "name": "好书"},
        {"code": "x-bad-2", "stage": "xx", "subject": "zz", "edition": "qq", "grade": 3, "volume": "上", "name": "坏"},
    ],
    "chapters": [
        {"book": "x-ok", "path": "1", "kind": "unit", "title": "第一单元"},
        {"book": "x-ok", "path": "1.1", "kind": "lesson", "title": ""},
        {"book": "x-ok", "path": "1", "kind": "unit", "title": "重复"},
        {"book": "x-ok", "path": "2.1", "kind": "lesson", "title": "无上级"},
        {"book": "x-unknown", "path": "1", "kind": "unit", "title": "未知教材"},
    ],
}


def test_bad_rows_are_all_reported_and_nothing_is_imported(catalog):
    before = Book.objects.count(), Chapter.objects.count()
    report = catalog_import(bundle=catalog_parse(content=BAD))
    messages = [str(e) for e in report.errors]
    assert "教材 第 1 行：未知学段“nope”。" in messages
    assert any(m.startswith("教材 第 3 行") and "未知学科“zz”" in m and "未知版本“qq”" in m for m in messages)
    assert "章节 第 2 行：缺少标题。" in messages
    assert any(m.startswith("章节 第 3 行：路径重复") for m in messages)
    assert any(m.startswith("章节 第 4 行：上级章节不存在") for m in messages)
    assert "章节 第 5 行：未知教材“x-unknown”。" in messages
    assert (Book.objects.count(), Chapter.objects.count()) == before
    assert not Book.objects.filter(code="x-ok").exists()


def test_xlsx_errors_name_the_spreadsheet_row(catalog):
    wb = Workbook()
    ws = wb.active
    ws.title = "章节"
    ws.append(["教材代码", "路径", "层级", "标题"])
    ws.append(["rj-sx-g3a", "11", "unit", "11 新增单元"])
    ws.append(["rj-sx-g3a", "12.1", "lesson", "孤儿"])
    ws.append(["rj-sx-g3a", "13", "单元", ""])
    buf = io.BytesIO()
    wb.save(buf)
    report = catalog_import_file(content=buf.getvalue(), filename="chapters.xlsx")
    assert [e.row for e in report.errors] == [3, 4]
    assert not Chapter.objects.filter(key="rj-sx-g3a/0011.").exists()
    # fixed rows import; a dry run first writes nothing
    ws.delete_rows(3, 2)
    buf = io.BytesIO()
    wb.save(buf)
    dry = catalog_import_file(content=buf.getvalue(), filename="chapters.xlsx", dry_run=True)
    assert dry.ok and dry.created == {"chapters": 1}
    assert not Chapter.objects.filter(key="rj-sx-g3a/0011.").exists()
    catalog_import_file(content=buf.getvalue(), filename="chapters.xlsx")
    assert Chapter.objects.get(key="rj-sx-g3a/0011.").title_path == "人教版 数学 三年级上册 / 11 新增单元"


def test_unreadable_files_are_refused(db):
    from zhijiao.catalog.actions import CatalogFileError

    with pytest.raises(CatalogFileError):
        catalog_import_file(content=b"not json", filename="a.json")
    with pytest.raises(CatalogFileError):
        catalog_import_file(content=b"PK not a workbook", filename="a.xlsx")
    with pytest.raises(CatalogFileError):
        catalog_import_file(content=b"a,b", filename="a.csv")


def test_chapter_tree_in_one_query(catalog, django_assert_max_num_queries):
    book = Book.objects.get(code="rj-sx-g7a")
    with django_assert_max_num_queries(2):
        tree = chapter_tree(book)
    assert [n.title for n in tree][0] == "第一章 有理数"
    assert [c.title for c in tree[0].children][-1] == "1.5 有理数的乘方"


def test_descendant_ids(catalog):
    unit = chapter_by_key("rj-sx-g7a/0001.")
    ids = chapter_descendant_ids(unit)
    assert len(ids) == 6 and unit.pk in ids
    assert chapter_by_key("rj-sx-g7a/0002.").pk not in ids


def test_browse_context_walks_the_choices(catalog):
    nav = browse_context({"stage": "xx", "subject": "sx"}, base_url="/r/")
    assert [c.label for c in nav.editions] == ["人教版"]
    assert nav.books == []
    nav = browse_context({"stage": "xx", "subject": "sx", "edition": "rj"}, base_url="/r/")
    assert [c.label for c in nav.books][:3] == ["一年级上册", "一年级下册", "二年级上册"]
    nav = browse_context({"chapter": "rj-sx-g3a/0008.0002."}, base_url="/r/")
    assert (nav.stage.code, nav.subject.code, nav.edition.code, nav.book.code) == ("xx", "sx", "rj", "rj-sx-g3a")
    assert nav.chapter_ids == [nav.chapter.pk]
    unit = next(n for n in nav.tree if n.title.startswith("8 "))
    assert unit.open and unit.children[1].current
    # a changed stage drops the choices below it
    stage_link = next(c for c in nav.stages if c.code == "cz").url
    assert stage_link == "/r/?stage=cz"
    # inconsistent or unknown values are dropped, never an error
    nav = browse_context({"stage": "gz", "subject": "kx", "chapter": "nope"}, base_url="/r/")
    assert nav.subject is None and nav.chapter is None
    assert browse_context({"section": "jtjy", "stage": "xx"}).stage is None


def test_browse_page_marks_the_current_chapter(catalog, users, client_as):
    resp = client_as(users["xuesheng"]).get("/catalog/", {"chapter": "rj-sx-g3a/0008."})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'aria-current="page">8 分数的初步认识</a>' in html
    assert '<span class="badge">分数的初步认识</span>' in html
    # a lesson shows the knowledge points of its unit
    html = client_as(users["xuesheng"]).get("/catalog/", {"chapter": "rj-sx-g3a/0008.0002."}).content.decode()
    assert 'aria-current="page">分数的简单计算</a>' in html
    assert '<span class="badge">分数的初步认识</span>' in html and '<span class="badge">时、分、秒</span>' not in html


def test_manage_page_imports_and_reports_errors(catalog, users, client_as):
    client = client_as(users["qu_admin"])
    bad = io.BytesIO(json.dumps(BAD, ensure_ascii=False).encode())
    bad.name = "bad.json"
    resp = client.post("/catalog/manage/", {"file": bad})
    html = resp.content.decode()
    assert resp.status_code == 422
    assert "章节 第 2 行：缺少标题。" in html and "未导入任何数据" in html
    good = io.BytesIO(json.dumps({"sections": [{"code": "kcjx", "name": "课程教学", "order": 2,
                                                 "is_active": False}]}).encode())
    good.name = "sections.json"
    resp = client.post("/catalog/manage/", {"file": good}, follow=True)
    assert "导入完成" in resp.content.decode()
    assert Section.objects.get(code="kcjx").is_active is False
    wrong = io.BytesIO(b"x")
    wrong.name = "a.pdf"
    resp = client.post("/catalog/manage/", {"file": wrong})
    assert resp.status_code == 422 and "只支持 .json 或 .xlsx 文件" in resp.content.decode()


def test_export_download(catalog, users, client_as):
    client = client_as(users["qu_admin"])
    resp = client.get("/catalog/manage/export", {"format": "xlsx"})
    assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.content))
    assert {"板块", "学段", "学科", "版本", "教材", "章节", "知识点"} <= set(wb.sheetnames)
    assert client.get("/catalog/manage/export", {"format": "pdf"}).status_code == 400
    assert client_as(users["laoshi"]).get("/catalog/manage/export").status_code == 403


def test_cli_import_and_export(db, tmp_path, capsys):
    call_command("catalog-import", "shipped", "--dry-run")
    assert not Book.objects.exists()
    call_command("catalog-import", "shipped")
    out = tmp_path / "c.xlsx"
    call_command("catalog-export", "--format", "xlsx", str(out))
    Chapter.objects.filter(key="rj-sx-g3a/0003.").update(title="changed")
    call_command("catalog-import", str(out))
    assert Chapter.objects.get(key="rj-sx-g3a/0003.").title == "3 测量"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(BAD), encoding="utf-8")
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("catalog-import", str(bad))
    assert "缺少标题" in capsys.readouterr().err


def test_api_books_and_chapters(catalog, users, api_as):
    client = api_as(users["laoshi"])
    books = client.get("/api/v1/catalog/books", {"stage": "xx", "subject": "yy"}).json()
    assert [b["code"] for b in books][0] == "pep-yy-g3a"
    tree = client.get("/api/v1/catalog/books/pep-yy-g3a/chapters").json()
    assert tree[0]["title"] == "Unit 1 Hello!" and [c["title"] for c in tree[0]["children"]] == [
        "Part A", "Part B", "Part C"]
    assert client.get("/api/v1/catalog/books/nope/chapters").status_code == 404


def test_shipped_bundle_is_clean(db):
    report = catalog_import(bundle=shipped_bundle(), dry_run=True)
    assert report.ok, report.errors[:5]


def test_browse_choices_are_shared_until_the_catalog_changes(catalog, users, client_as):
    client = client_as(users["xuesheng"])
    assert "8 分数的初步认识" in client.get("/catalog/", {"chapter": "rj-sx-g3a/0008."}).content.decode()
    with CaptureQueriesContext(connection) as q:
        client.get("/catalog/", {"chapter": "rj-sx-g3a/0008."})
    assert not [x for x in q.captured_queries if "catalog_book" in x["sql"] or "catalog_section" in x["sql"]]
    # An import renames the unit: the next visit shows the new name, not the cached tree.
    only = {"chapters": [{"book": "rj-sx-g3a", "path": "8", "kind": "unit", "title": "8 分数（修订）"}]}
    assert catalog_import(bundle=catalog_parse(content=only)).updated
    html = client.get("/catalog/", {"chapter": "rj-sx-g3a/0008."}).content.decode()
    assert "8 分数（修订）" in html and "8 分数的初步认识" not in html
