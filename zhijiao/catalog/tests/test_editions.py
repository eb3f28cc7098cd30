"""Editions of a book (issue 21 part 2): the 2024 revisions beside the earlier edition, same-lesson links
between them (a resource or question tagged on the old chapter is found from the new one, and the page says
so), and the edition each grade uses, chosen by the district (and a school, where the district allows)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhijiao.catalog.actions import (
    DATA_DIR,
    EditionChoiceError,
    catalog_import,
    catalog_load_shipped,
    catalog_parse,
    grade_edition_set,
)
from zhijiao.catalog.lessons import lesson_title_key, same_lesson_pairs
from zhijiao.catalog.models import Book, Chapter, ChapterLink, Edition, GradeEdition, Stage, Subject
from zhijiao.catalog.selectors import book_for_grade, browse_context, grade_edition_for


@pytest.fixture
def catalog(db):
    catalog_load_shipped()


def lessons(book_code):
    """The numbered lessons of a book, numbering taken off (unit activities such as 语文园地 left out)."""
    titles = Chapter.objects.filter(book__code=book_code, kind="lesson").order_by("path").values_list("title", flat=True)
    return [k for k in map(lesson_title_key, titles) if k]


# --- the current books -----------------------------------------------------------------------------

def test_current_first_grade_second_volume_is_the_2024_revision(catalog):
    new = lessons("tb-yw-g1b-2024")
    assert "热爱中国共产党" in new and "浪花" in new
    for gone in ("一个接一个", "四个太阳", "彩虹"):
        assert gone not in new
        assert gone in lessons("tb-yw-g1b")  # the earlier edition keeps them: resources hang off it
    assert len(new) == 28
    assert new[4:7] == ["热爱中国共产党", "吃水不忘挖井人", "我多想去看看"]


def test_current_seventh_grade_first_volume_is_the_2024_revision(catalog):
    titles = list(Chapter.objects.filter(book__code="tb-yw-g7a-2024", kind="lesson").order_by("path")
                  .values_list("title", flat=True))
    assert len(titles) == 24
    assert titles[9] == "10 往事依依" and titles[17] == "18 我的白鸽" and titles[20] == "21 小圣施威降大圣"
    new = lessons("tb-yw-g7a-2024")
    for gone in ("植树的牧羊人", "走一步，再走一步", "动物笑谈", "天上的街市"):
        assert gone not in new and gone in lessons("tb-yw-g7a")
    math = lessons("rj-sx-g7a-2024")
    assert math[:3] == ["正数和负数", "有理数及其大小比较", "有理数的加法与减法"] and len(math) == 15


def test_book_carries_its_revision_and_both_coexist(catalog):
    old, new = Book.objects.get(code="tb-yw-g7a"), Book.objects.get(code="tb-yw-g7a-2024")
    assert (old.stage_id, old.subject_id, old.edition_id, old.grade_level, old.volume) == (
        new.stage_id, new.subject_id, new.edition_id, new.grade_level, new.volume)
    assert (old.revision, new.revision, new.in_use_from) == ("", "2024年版", 2024)
    assert new.volume_label == "七年级上册（2024年版）" and old.volume_label == "七年级上册"
    assert Book.objects.get(code="tb-yw-g1b-2024").in_use_from == 2025


def test_shipped_same_as_links_are_exactly_the_title_matches():
    """The `same_as` lists in the data files are what matching by title gives: reviewable, not hand-waved."""
    for name in ("tongbian-yuwen-2024.json", "renjiao-shuxue-2024.json"):
        data = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
        for book in data["books"]:
            old_code = book["code"].removesuffix("-2024")
            old_file = name.replace("-2024", "")
            old_book = next(b for b in json.loads((DATA_DIR / old_file).read_text(encoding="utf-8"))["books"]
                            if b["code"] == old_code)

            def flat(b):
                out = []

                def walk(nodes, prefix):
                    for i, n in enumerate(nodes, 1):
                        h = f"{prefix}.{i}" if prefix else str(i)
                        out.append((f"{b['code']}/{h}", n["kind"], n["title"], n.get("same_as")))
                        walk(n.get("children") or [], h)
                walk(b["chapters"], "")
                return out

            new_rows = flat(book)
            shipped = {(r[3], r[0]) for r in new_rows if r[3]}
            assert shipped == set(same_lesson_pairs([r[:3] for r in flat(old_book)], [r[:3] for r in new_rows]))
            assert shipped, book["code"]


def test_links_are_loaded_and_shown(catalog):
    cat_new = Chapter.objects.get(book__code="tb-yw-g7a-2024", title="17 猫")
    cat_old = Chapter.objects.get(book__code="tb-yw-g7a", title="16 猫")
    assert ChapterLink.objects.filter(old=cat_old, new=cat_new).exists()
    assert not ChapterLink.objects.filter(new__title="18 我的白鸽").exists()  # a new lesson has no old partner
    nav = browse_context({"chapter": cat_new.key})
    assert cat_old.pk in nav.chapter_ids and [c.pk for c in nav.linked_chapters] == [cat_old.pk]
    assert nav.linked_books == ["统编版 语文 七年级上册"]
    unit = browse_context({"chapter": cat_new.parent.key})
    assert {c.title for c in unit.linked_chapters} == {"16 猫", "18 狼"}


# --- import --------------------------------------------------------------------------------------------

def _book(code, revision="", **extra):
    return {"code": code, "stage": "cz", "subject": "yw", "edition": "tb", "grade": 8, "volume": "上",
            "name": f"测试 {code}", "revision": revision, **extra}


def test_import_keeps_revisions_apart_and_checks_same_as(catalog):
    # a revision the shipped data does not have (八年级上册 2024年版 ships)
    bad = catalog_parse(content={"books": [
        _book("t-a", "测试版", chapters=[{"title": "第一单元", "kind": "unit", "children": [
            {"title": "1 消息二则", "kind": "lesson", "same_as": "tb-yw-g8a/1.1"},
            {"title": "2 不存在", "kind": "lesson", "same_as": "tb-yw-g8a/99.9"}]}]),
        _book("t-b", "测试版"),  # the same volume and revision again
        _book("t-c", "2025年版", since="twenty"),
    ]})
    report = catalog_import(bundle=bad)
    messages = [str(e) for e in report.errors]
    assert any("教材 第 2 行" in m and "版次都相同" in m for m in messages)
    assert any("教材 第 3 行" in m and "起用年份" in m for m in messages)
    assert any("章节 第 3 行" in m and "tb-yw-g8a/99.9" in m for m in messages)
    assert not Book.objects.filter(code__startswith="t-").exists()

    good = catalog_parse(content={"books": [
        _book("t-a", "测试版", since=2025, chapters=[{"title": "第一单元", "kind": "unit", "children": [
            {"title": "1 消息二则", "kind": "lesson", "same_as": "tb-yw-g8a/1.1"}]}])]})
    assert catalog_import(bundle=good).ok
    new = Chapter.objects.get(key="t-a/0001.0001.")
    assert list(ChapterLink.objects.filter(new=new).values_list("old__key", flat=True)) == ["tb-yw-g8a/0001.0001."]
    assert Book.objects.get(code="t-a").in_use_from == 2025
    assert catalog_import(bundle=good).created == {}  # idempotent, links included


def test_export_round_trip_keeps_revision_and_links(catalog):
    from zhijiao.catalog.actions import catalog_export_data

    data = catalog_export_data()
    book = next(b for b in data["books"] if b["code"] == "tb-yw-g7a-2024")
    assert (book["revision"], book["since"]) == ("2024年版", 2024)
    cat = next(c for c in data["chapters"] if c["book"] == "tb-yw-g7a-2024" and c["title"] == "17 猫")
    assert cat["same_as"] == ["tb-yw-g7a/5.1"]
    report = catalog_import(bundle=catalog_parse(content=data))
    assert report.ok and not report.created and not report.updated.get("books")


# --- found from the new book ---------------------------------------------------------------------------

def _resource_on(chapter, contributor, title):
    from zhijiao.resources.models import Resource

    r = Resource.objects.create(type="courseware", title=title, contributor=contributor, level="district",
                                sharing="district", status="approved", published_at=timezone.now())
    r.chapters.add(chapter)
    return r


def test_resource_on_the_old_chapter_is_found_from_the_new_book(demo, users, client_as, catalog):
    old_cat = Chapter.objects.get(book__code="tb-yw-g7a", title="16 猫")
    new_cat = Chapter.objects.get(book__code="tb-yw-g7a-2024", title="17 猫")
    _resource_on(old_cat, users["laoshi"], "《猫》教学课件（旧版）")
    _resource_on(Chapter.objects.get(book__code="tb-yw-g7a", title="13 植树的牧羊人"), users["laoshi"], "牧羊人课件")
    client = client_as(users["xuesheng"])
    html = client.get("/resources/", {"chapter": new_cat.key}).content.decode()
    assert "《猫》教学课件（旧版）" in html and "牧羊人课件" not in html
    assert "含旧版《统编版 语文 七年级上册》同课资源" in html
    book_html = client.get("/resources/", {"book": "tb-yw-g7a-2024"}).content.decode()
    assert "《猫》教学课件（旧版）" in book_html and "牧羊人课件" not in book_html
    # a lesson new in 2024 has no old partner: nothing borrowed, no notice
    dove = Chapter.objects.get(book__code="tb-yw-g7a-2024", title="18 我的白鸽")
    html = client.get("/resources/", {"chapter": dove.key}).content.decode()
    assert "《猫》教学课件（旧版）" not in html and "同课资源" not in html


def test_question_on_the_old_chapter_is_found_from_the_new_chapter(demo, users, client_as, catalog):
    from zhijiao.questions.selectors import search_questions
    from zhijiao.questions.tests.factories import make_question

    old_sec = Chapter.objects.get(book__code="rj-sx-g7a", title="1.1 正数和负数")
    new_sec = Chapter.objects.get(book__code="rj-sx-g7a-2024", title="1.1 正数和负数")
    q = make_question(users["laoshi"], chapter=old_sec)
    other = make_question(users["laoshi"], chapter=Chapter.objects.get(book__code="rj-sx-g7a", title="1.2 有理数"))
    found = list(search_questions(users["laoshi"], chapter_id=new_sec.pk))
    assert q in found and other not in found
    unit = list(search_questions(users["laoshi"], chapter_id=new_sec.parent_id))
    assert q in unit and other not in unit  # 1.2 有理数 has no exact partner in 2024 (有理数及其大小比较)
    # the bank's chapter filter offers the new section, and choosing it lists the old section's question
    client = client_as(users["laoshi"])
    html = client.get("/questions/").content.decode()
    assert f'<option value="{new_sec.pk}"' in html and "人教版 数学 七年级上册（2024年版） · 1.1 正数和负数" in html
    listed = client.get("/questions/", {"chapter": new_sec.pk}).content.decode()
    assert q.stem in listed and other.stem not in listed


# --- which edition a grade uses ----------------------------------------------------------------------

def _choice_args(stage="cz", grade=7):
    return {"stage": Stage.objects.get(code=stage), "subject": Subject.objects.get(code="yw"), "grade": grade}


def test_district_chooses_and_school_overrides_only_where_allowed(demo, users, catalog):
    district, school = demo.district, demo.schools[0]
    args = _choice_args()
    tb = Edition.objects.get(code="tb")
    assert grade_edition_for(school=school, **args) is None
    grade_edition_set(actor=users["qu_admin"], node=district, edition=tb, revision="2024年版", **args)
    assert book_for_grade(school=school, volume="上", **args).code == "tb-yw-g7a-2024"
    assert book_for_grade(school=school, volume="下", **args).code == "tb-yw-g7b-2024"
    eighth = _choice_args(grade=8)
    grade_edition_set(actor=users["qu_admin"], node=district, edition=tb, revision="2024年版", **eighth)
    assert book_for_grade(school=school, volume="上", **eighth).code == "tb-yw-g8a-2024"
    assert book_for_grade(school=school, volume="下", **eighth) is None  # 八下 2024 not shipped: none, not a guess
    # a school's own row counts only once the district allows it
    GradeEdition.objects.create(node=school, edition=tb, revision="", stage=args["stage"],
                                subject=args["subject"], grade_level=7)
    from zhijiao.catalog.selectors import catalog_changed

    catalog_changed()
    assert grade_edition_for(school=school, **args).decided_by == "district"
    grade_edition_set(actor=users["qu_admin"], node=district, edition=tb, revision="2024年版",
                      schools_may_choose=True, **args)
    choice = grade_edition_for(school=school, **args)
    assert (choice.decided_by, choice.revision) == ("school", "")
    assert book_for_grade(school=school, volume="上", **args).code == "tb-yw-g7a"
    assert book_for_grade(school=demo.schools[1], volume="上", **args).code == "tb-yw-g7a-2024"
    with pytest.raises(EditionChoiceError):
        grade_edition_set(actor=users["qu_admin"], node=district, edition=tb, revision="2031年版", **args)


def test_editions_page_district_admin_sets_a_grade(demo, users, client_as, catalog):
    client = client_as(users["qu_admin"])
    page = client.get("/catalog/editions/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="g-cz-yw-7"' in html and "统编版 · 2024年版（2024 年起用）" in html
    resp = client.post("/catalog/editions/", {"g-cz-yw-7": "tb|2024年版", "g-cz-yw-7-schools": "on"})
    assert resp.status_code == 302
    row = GradeEdition.objects.get(node=demo.district, subject__code="yw", grade_level=7)
    assert (row.edition.code, row.revision, row.schools_may_choose) == ("tb", "2024年版", True)
    assert 'value="tb|2024年版" selected' in client.get("/catalog/editions/").content.decode()
    # made-up values are refused with the row named, nothing written
    resp = client.post("/catalog/editions/", {"g-cz-yw-7": "tb|1999年版"})
    assert resp.status_code == 422 and "初中七年级语文" in resp.content.decode()


def test_school_admin_cannot_override_a_district_rule(demo, users, client_as, catalog):
    grade_edition_set(actor=users["qu_admin"], node=demo.district, edition=Edition.objects.get(code="tb"),
                      revision="2024年版", **_choice_args("xx", 1))
    client = client_as(users["xiao_admin"])  # a primary school's admin: grades 1-6 only
    html = client.get("/catalog/editions/").content.decode()
    assert "区县统一规定" in html and 'name="g-xx-yw-1"' in html and 'name="g-cz-yw-7"' not in html
    assert client.post("/catalog/editions/", {"g-xx-sx-1": "rj|"}).status_code == 302  # not ruled: may choose
    resp = client.post("/catalog/editions/", {"g-xx-yw-1": "tb|"})
    assert resp.status_code == 422 and "学校不能自选" in resp.content.decode()
    assert list(GradeEdition.objects.filter(node__kind="school").values_list("subject__code", flat=True)) == ["sx"]


def test_editions_page_reads_a_fixed_number_of_queries(demo, users, client_as, catalog):
    client = client_as(users["qu_admin"])
    client.get("/catalog/editions/")  # warm the catalog cache
    with CaptureQueriesContext(connection) as few:
        client.get("/catalog/editions/")
    GradeEdition.objects.bulk_create([GradeEdition(node=demo.district, stage=Stage.objects.get(code="xx"),
                                                   subject=Subject.objects.get(code="sx"), grade_level=g,
                                                   edition=Edition.objects.get(code="rj")) for g in range(1, 7)])
    from zhijiao.catalog.selectors import catalog_changed

    catalog_changed()
    client.get("/catalog/editions/")
    with CaptureQueriesContext(connection) as more:
        client.get("/catalog/editions/")
    assert len(more) == len(few) <= 8, (len(few), len(more))
    assert not [q for q in more.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
                and "django_session" not in q["sql"]]


def test_browsing_marks_the_books_the_school_uses(demo, users, client_as, catalog):
    grade_edition_set(actor=users["qu_admin"], node=demo.district, edition=Edition.objects.get(code="tb"),
                      revision="2024年版", **_choice_args("xx", 1))
    params = {"stage": "xx", "subject": "yw", "edition": "tb"}
    for who in ("laoshi", "xuesheng"):  # a teacher and a student of the first (primary) school
        html = client_as(users[who]).get("/resources/", params).content.decode()
        marked = html.split('data-level="book"')[1].split("</div>")[0]
        # both volumes of the grade's revision, and no other book
        in_use = [a.split('data-code="')[1].split('"')[0] for a in marked.split("<a ")[1:] if 'data-testid="in-use"' in a]
        assert in_use == ["tb-yw-g1a-2024", "tb-yw-g1b-2024"]
    # the district admin belongs to no school: nothing marked, and the catalog page reads the same choice
    assert 'data-testid="in-use"' not in client_as(users["qu_admin"]).get("/resources/", params).content.decode()
    assert 'data-testid="in-use"' in client_as(users["laoshi"]).get("/catalog/", params).content.decode()


def test_books_api_tells_the_revisions_apart(demo, users, api_as, catalog):
    books = api_as(users["laoshi"]).get("/api/v1/catalog/books", {"stage": "cz", "subject": "yw"}).json()
    by_code = {b["code"]: b for b in books}
    assert (by_code["tb-yw-g7a-2024"]["revision"], by_code["tb-yw-g7a-2024"]["since"]) == ("2024年版", 2024)
    assert (by_code["tb-yw-g7a"]["revision"], by_code["tb-yw-g7a"]["since"]) == ("", None)


def _landed(client, url="/resources/"):
    html = client.get(url, {"stage": "xx", "subject": "yw"}).content.decode()
    row = html.split('data-level="book"')[1].split("</div>")[0] if 'data-level="book"' in html else ""
    current = [a for a in row.split("<a ")[1:] if 'aria-current="page"' in a]
    return current[0].split('data-code="')[1].split('"')[0] if current else ""


def test_opening_a_subject_lands_on_the_book_the_grade_uses(demo, users, client_as, catalog, monkeypatch):
    import datetime

    from zhijiao.catalog import selectors

    def term_of(day):  # the volume follows the term: 下册 February–July, else 上册
        monkeypatch.setattr(selectors.timezone, "localdate", lambda: day)

    # no choice: today's behaviour, no book chosen
    assert _landed(client_as(users["xuesheng"])) == ""
    grade_edition_set(actor=users["qu_admin"], node=demo.district, edition=Edition.objects.get(code="tb"),
                      revision="2024年版", schools_may_choose=True, **_choice_args("xx", 1))
    term_of(datetime.date(2026, 3, 2))
    assert _landed(client_as(users["xuesheng"])) == "tb-yw-g1b-2024"  # a first-grade student, spring term
    assert _landed(client_as(users["xuesheng"]), "/catalog/") == "tb-yw-g1b-2024"
    term_of(datetime.date(2026, 9, 1))
    assert _landed(client_as(users["xuesheng"])) == "tb-yw-g1a-2024"
    # the school's own choice (allowed): the earlier edition
    GradeEdition.objects.create(node=demo.schools[0], edition=Edition.objects.get(code="tb"), revision="",
                                stage=Stage.objects.get(code="xx"), subject=Subject.objects.get(code="yw"),
                                grade_level=1)
    from zhijiao.catalog.selectors import catalog_changed

    catalog_changed()
    assert _landed(client_as(users["xuesheng"])) in ("tb-yw-g1a", "tb-yw-g1b")
    # an explicitly chosen edition is not overridden
    html = client_as(users["xuesheng"]).get("/resources/", {"stage": "xx", "subject": "yw", "edition": "tb"})
    assert 'aria-current="page"' not in html.content.decode().split('data-level="book"')[1].split("</div>")[0]
