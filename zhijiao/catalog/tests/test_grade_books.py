"""The grade's chosen book followed by the question bank, 按规则组卷, homework and the class report; the old
lessons' knowledge points on the 2024 chapters; the review of renamed lessons (issue 21, part 3).

A 七年级 数学 teacher of a junior school whose district uses 人教版 数学 2024年版 for 七年级."""

import json

import pytest
from django.core.management import call_command

from zhijiao.catalog.actions import catalog_load_shipped, grade_edition_set
from zhijiao.catalog.models import Book, Chapter, ChapterLink, Edition, KnowledgePoint, Stage, Subject
from zhijiao.catalog.selectors import link_candidates, revision_pairs
from zhijiao.questions.tests.factories import make_question

NEW = "rj-sx-g7a-2024"
NEW_NAME = "人教版 数学 七年级上册（2024年版）"
OLD_NAME = "人教版 数学 七年级上册"


@pytest.fixture
def catalog(db):
    catalog_load_shipped()


@pytest.fixture
def grade7(demo, users, catalog):
    """A grade-7 class of a junior school, its 数学 teacher, and the district's choice of the 2024 revision."""
    from zhijiao.accounts.models import Role

    role = (Role.objects.filter(kind="subject_teacher", subject="数学", node__grade_level=7)
            .select_related("node", "user").order_by("node__path").first())
    assert role is not None, "the small demo has no grade-7 class"
    grade_edition_set(actor=users["qu_admin"], node=demo.district, stage=Stage.objects.get(code="cz"),
                      subject=Subject.objects.get(code="sx"), grade=7, edition=Edition.objects.get(code="rj"),
                      revision="2024年版")
    return {"teacher": role.user, "klass": role.node}


def _chapter(book, title):
    return Chapter.objects.get(book__code=book, title=title)


def _questions(teacher):
    """A question on the 2013 section 1.1 (linked to 2024 1.1), one on 2013 1.2 有理数 (renamed in 2024, not
    linked), one on the 2024 book itself, and one of a primary book."""
    math = Subject.objects.get(code="sx")
    made = {
        "old_linked": make_question(teacher, stem="旧版 1.1 的题：-3 是负数吗", chapter=_chapter("rj-sx-g7a", "1.1 正数和负数")),
        "old_renamed": make_question(teacher, stem="旧版 1.2 的题：有理数分类", chapter=_chapter("rj-sx-g7a", "1.2 有理数")),
        "new": make_question(teacher, stem="新版 1.2 的题：比较 -2 与 -3", chapter=_chapter(NEW, "1.2 有理数及其大小比较")),
        "primary": make_question(teacher, stem="三年级的题：分数", chapter=Chapter.objects.filter(
            book__code="rj-sx-g3a", kind="lesson").order_by("path").first()),
    }
    for q in made.values():
        q.subject = math
        q.save(update_fields=["subject"])
    return made


# --- 1. the question bank --------------------------------------------------------------------------------

def test_bank_opens_on_the_grade_book_with_the_old_lessons_questions(grade7, client_as):
    qs = _questions(grade7["teacher"])
    client = client_as(grade7["teacher"])
    html = client.get("/questions/").content.decode()
    new_book = Book.objects.get(code=NEW)
    # the book filter lists the school's book first, chosen, and says so with a way out
    book_select = html.split('data-testid="book-filter"')[1].split("</select>")[0]
    assert book_select.index("本校在用") < book_select.index(NEW_NAME)
    assert f'<option value="{new_book.pk}" selected>{NEW_NAME}</option>' in book_select
    assert f"已按本校年级用书筛选：《{NEW_NAME}》" in html and 'href="?book="' in html
    # that book's chapters come first in the chapter filter, in book order
    chapters = html.split('data-testid="chapter-filter"')[1].split("</select>")[0]
    first_group = chapters.split("</optgroup>")[0]
    assert f'label="{NEW_NAME}"' in first_group
    assert first_group.index("1.1 正数和负数") < first_group.index("1.2 有理数及其大小比较") < first_group.index("5.1 方程")
    # the question of the 2013 section is found from the 2024 book, with the notice; the renamed lesson's is not
    listed = html.split('class="q-list"')[1] if 'class="q-list"' in html else ""
    assert qs["old_linked"].stem in listed and qs["new"].stem in listed
    assert qs["old_renamed"].stem not in listed and qs["primary"].stem not in listed
    assert f"含旧版《{OLD_NAME}》同课试题" in html
    # every book: all four
    every = client.get("/questions/", {"book": ""}).content.decode()
    assert all(q.stem in every for q in qs.values()) and "已按本校年级用书筛选" not in every
    # the 2024 section 1.1 chosen: the 2013 question, the notice naming the old lesson
    new_11 = _chapter(NEW, "1.1 正数和负数")
    one = client.get("/questions/", {"chapter": new_11.pk}).content.decode()
    assert qs["old_linked"].stem in one and qs["new"].stem not in one and f"含旧版《{OLD_NAME}》同课试题" in one
    # the export follows the same default
    exported = json.loads(client.get("/questions/export/", {"format": "json"}).content)
    assert {q["stem"] for q in exported["questions"]} == {qs["old_linked"].stem, qs["new"].stem}


def test_bank_without_a_choice_for_the_grade_is_unchanged(demo, users, catalog, client_as):
    q = make_question(users["laoshi"], stem="没有年级用书时的题", chapter=_chapter("rj-sx-g7a", "1.1 正数和负数"))
    html = client_as(users["laoshi"]).get("/questions/").content.decode()
    assert "已按本校年级用书筛选" not in html and "本校在用" not in html and q.stem in html


# --- 1b. 按规则组卷 -----------------------------------------------------------------------------------------

def test_rules_page_offers_the_grade_book_first_and_draws_linked_lessons(grade7, client_as):
    qs = _questions(grade7["teacher"])
    client = client_as(grade7["teacher"])
    new_book = Book.objects.get(code=NEW)
    html = client.get("/questions/papers/rules/").content.decode()
    choices = html.split('data-testid="book-choices"')[1].split("</select>")[0]
    assert choices.index("本校在用") < choices.index(NEW_NAME)
    assert f'<option value="{new_book.pk}" selected>{NEW_NAME}</option>' in choices
    resp = client.post("/questions/papers/rules/", {"title": "七上第一章", "subject": Subject.objects.get(code="sx").pk,
                                                    "book": [new_book.pk], "count_0": "2"})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    from zhijiao.questions.models import Paper

    drawn = set(Paper.objects.get(title="七上第一章").items.values_list("question_id", flat=True))
    assert drawn == {qs["old_linked"].pk, qs["new"].pk}  # the 2013 1.1 question counts; 1.2 有理数 does not


# --- 2. homework -----------------------------------------------------------------------------------------

def test_assign_page_offers_each_class_its_grade_book(grade7, client_as):
    client = client_as(grade7["teacher"])
    html = client.get("/homework/assign/").content.decode()
    section = html.split('data-testid="class-books"')[1].split("</section>")[0]
    new_book = Book.objects.get(code=NEW)
    assert f"{grade7['klass'].name} · 数学：《{NEW_NAME}》" in section
    assert f"/questions/?book={new_book.pk}" in section and f"/questions/papers/rules/?book={new_book.pk}" in section
    assert f"含旧版《{OLD_NAME}》同课试题" in section
    # following the link: the rules page has that book chosen
    rules = client.get(f"/questions/papers/rules/?book={new_book.pk}").content.decode()
    assert f'<option value="{new_book.pk}" selected>' in rules


# --- 3. the class report ---------------------------------------------------------------------------------

def test_class_report_follows_the_class_book(grade7, client_as):
    from zhijiao.accounts.selectors import class_students
    from zhijiao.homework.actions import submission_submit
    from zhijiao.homework.models import Submission
    from zhijiao.questions.tests.factories import assign_class, simple_paper

    qs = _questions(grade7["teacher"])
    klass = grade7["klass"]
    paper = simple_paper(grade7["teacher"], [qs["old_linked"], qs["new"]])
    a = assign_class(grade7["teacher"], paper, klass)
    students = list(class_students(klass))[:2]
    for st in students:  # the first student right on both, the second wrong on the old-chapter question
        sub = Submission.objects.get(assignment=a, student=st)
        submission_submit(student=st, submission=sub, responses={
            str(qs["old_linked"].pk): "B" if st == students[0] else "A", str(qs["new"].pk): "B"})
    html = client_as(grade7["teacher"]).get(f"/learning/class/{klass.pk}/", {"subject": "数学"}).content.decode()
    table = html.split('data-testid="chapters"')[1].split("</table>")[0]
    rows = table.split("<tr>")[2:]
    # the 2024 book's titles, in its order: 1.1 (the 2013 question's answers counted on it) before 1.2
    assert f"{NEW_NAME} / 第一章 有理数 / 1.1 正数和负数" in rows[0] and "含旧版同课" in rows[0]
    assert "<td>2</td>" in rows[0] and "50%" in rows[0]
    assert f"{NEW_NAME} / 第一章 有理数 / 1.2 有理数及其大小比较" in rows[1] and "含旧版同课" not in rows[1]
    assert "100%" in rows[1]
    assert f"{OLD_NAME} /" not in table  # nothing left on the old book


# --- 4. knowledge points on the 2024 chapters ----------------------------------------------------------------

def test_old_lessons_knowledge_points_apply_to_the_linked_2024_lessons(catalog):
    from zhijiao.catalog.selectors import knowledge_points_for

    old, new = _chapter("rj-sx-g7a", "1.1 正数和负数"), _chapter(NEW, "1.1 正数和负数")
    old_kps = set(knowledge_points_for(old).values_list("code", flat=True))
    assert old_kps and old_kps <= set(knowledge_points_for(new).values_list("code", flat=True))
    # a lesson new in 2024 without a partner borrows nothing
    renamed = _chapter(NEW, "1.2 有理数及其大小比较")
    assert not knowledge_points_for(renamed).exists()
    # re-importing the shipped files (which list the points on the old chapters only) keeps them
    catalog_load_shipped()
    assert old_kps <= set(knowledge_points_for(new).values_list("code", flat=True))


def test_weak_point_recommends_a_micro_lesson_of_the_2024_lesson(demo, users, catalog):
    """Practice by chapter on the new book: a weak point of the old lesson finds the micro-lesson tagged only on
    the 2024 lesson."""
    from django.utils import timezone

    from zhijiao.learning.models import Mastery
    from zhijiao.learning.selectors import recommendations
    from zhijiao.resources.models import Resource

    new = _chapter(NEW, "1.1 正数和负数")
    kp = KnowledgePoint.objects.filter(chapters=_chapter("rj-sx-g7a", "1.1 正数和负数")).first()
    r = Resource.objects.create(type="micro", title="2024版 正数和负数 微课", contributor=users["laoshi"],
                                level="district", sharing="district", status="approved", published_at=timezone.now())
    r.chapters.add(new)
    Mastery.objects.create(student=users["xuesheng"], knowledge_point=kp, p_mastery=0.2, attempts=3, correct=0)
    recs = recommendations(users["xuesheng"])
    assert [x.title for x in recs[0]["resources"]] == ["2024版 正数和负数 微课"]


# --- 5. renamed lessons: proposed, confirmed by a district admin --------------------------------------------

def test_candidates_propose_renamed_lessons_for_review(catalog):
    old, new = next(p for p in revision_pairs() if p[1].code == NEW)
    assert old.code == "rj-sx-g7a"
    got = {(c.old.title, c.new.title): c for c in link_candidates(old, new)}
    c = got[("1.2 有理数", "1.2 有理数及其大小比较")]
    assert set(c.reasons) == {"place", "contains"}
    assert ("1.3 有理数的加减法", "2.1 有理数的加法与减法") in got
    # lessons already linked by title are not proposed again; units never
    assert not any(o == "1.1 正数和负数" for o, _n in got)
    assert all(c.old.kind != "unit" and c.new.kind != "unit" for c in got.values())
    assert not ChapterLink.objects.filter(new__title="1.2 有理数及其大小比较").exists()  # nothing written


def test_district_admin_confirms_a_renamed_lesson(demo, users, catalog, client_as):
    client = client_as(users["qu_admin"])
    html = client.get("/catalog/manage/links/", {"book": NEW}).content.decode()
    old_12, new_12 = _chapter("rj-sx-g7a", "1.2 有理数"), _chapter(NEW, "1.2 有理数及其大小比较")
    value = f"{old_12.pk}:{new_12.pk}"
    assert f'value="{value}"' in html and "位置相同" in html
    assert 'checked' not in html.split('data-testid="link-candidates"')[1].split("</form>")[0]  # nothing pre-ticked
    q = make_question(users["laoshi"], stem="旧版 1.2 的题", chapter=old_12)
    resp = client.post("/catalog/manage/links/", {"book": NEW, "link": [value]})
    assert resp.status_code == 302
    assert ChapterLink.objects.filter(old=old_12, new=new_12).exists()
    # now written like a same_as link: the question is found from the new lesson, the points follow, it exports
    from zhijiao.questions.selectors import search_questions

    assert q in search_questions(users["laoshi"], chapter_id=new_12.pk)
    assert set(old_12.knowledge_points.values_list("pk", flat=True)) <= set(
        new_12.knowledge_points.values_list("pk", flat=True))
    from zhijiao.catalog.actions import catalog_export_data

    row = next(c for c in catalog_export_data()["chapters"] if c["book"] == NEW and c["path"] == "1.2")
    assert row["same_as"] == ["rj-sx-g7a/1.2"]
    after = client.get("/catalog/manage/links/", {"book": NEW}).content.decode()
    assert f'value="{value}"' not in after and "1.2 有理数及其大小比较 ← 1.2 有理数" in after
    # a value that is not a current candidate (already confirmed) is named, nothing written
    resp = client.post("/catalog/manage/links/", {"book": NEW, "link": [value]})
    assert resp.status_code == 422 and value in resp.content.decode()
    assert ChapterLink.objects.filter(old=old_12, new=new_12).count() == 1


def test_candidates_command_prints_an_importable_file(catalog, capsys):
    call_command("catalog-link-candidates", "--book", NEW, "--json")
    data = json.loads(capsys.readouterr().out)
    row = next(c for c in data["chapters"] if c["path"] == "1.2")
    assert row == {"book": NEW, "path": "1.2", "kind": row["kind"], "title": "1.2 有理数及其大小比较",
                   "same_as": ["rj-sx-g7a/1.2"]}
    from zhijiao.catalog.actions import catalog_import, catalog_parse

    report = catalog_import(bundle=catalog_parse(content=json.dumps({"chapters": [row]}), filename="links.json"))
    assert report.ok and ChapterLink.objects.filter(new__book__code=NEW, new__path="0001.0002.").exists()


# --- no extra query for following the grade's book -------------------------------------------------------

def test_following_the_grade_book_costs_no_query(grade7, client_as):
    """The choice and the book come from the cached catalog: the bank with its default book reads as many
    queries as the bank showing every book (and within the bank's budget in tests/test_query_budgets.py), and
    the bank, 按规则组卷, 布置作业 and the class report read the same number after more questions are added."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    teacher, klass = grade7["teacher"], grade7["klass"]
    _questions(teacher)
    client = client_as(teacher)
    pages = ["/questions/", "/questions/?book=", "/questions/papers/rules/", "/homework/assign/",
             f"/learning/class/{klass.pk}/?subject=数学"]

    def count():
        out = {}
        for url in pages:
            client.get(url)  # warm the caches, as a second visit finds them
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out[url] = len(ctx)
        return out

    before = count()
    assert before["/questions/"] == before["/questions/?book="] <= 9, before
    old_11 = _chapter("rj-sx-g7a", "1.1 正数和负数")
    for i in range(25):
        make_question(teacher, stem=f"更多旧版题 {i}", chapter=old_11)
    assert count() == before


def test_api_search_by_book_includes_the_linked_old_lessons(grade7, api_as):
    qs = _questions(grade7["teacher"])
    got = api_as(grade7["teacher"]).get("/api/v1/questions/", {"book": Book.objects.get(code=NEW).pk}).json()
    assert {x["id"] for x in got} == {qs["old_linked"].pk, qs["new"].pk}
