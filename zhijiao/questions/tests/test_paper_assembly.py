"""Paper assembly (issue 12, item 3): by rules only from the paper's subject (and stage, book, chapter,
knowledge point), unknown API fields refused, shortfalls named per rule; by hand, a selection kept across
pages and filters."""

import pytest

from zhijiao.catalog.models import Book, Chapter, ChapterKind, Edition, KnowledgePoint, Stage, Subject
from zhijiao.questions import actions
from zhijiao.questions.models import Paper, Question
from zhijiao.questions.tests.factories import make_question, tiny_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(demo, users):
    """A mixed bank: 7 maths single-choice questions (high school), 15 of politics, history and physics."""
    cat = tiny_catalog()
    gz, _ = Stage.objects.get_or_create(code="t-gz", defaults={"name": "高中", "first_grade": 10, "last_grade": 12})
    edition = Edition.objects.get(code="t-rj")
    others = {}
    for code, name in (("t-sxzz", "思想政治"), ("t-ls", "历史"), ("t-wl", "物理")):
        others[name], _ = Subject.objects.get_or_create(code=code, defaults={"name": name})
    book = Book.objects.create(code="t-rj-sx-gz1", stage=gz, subject=cat["math"], edition=edition, grade_level=10,
                               volume="上", name="人教版 数学 必修第一册")
    unit = Chapter.objects.create(book=book, path="0001.", kind=ChapterKind.UNIT, title="第一章", order=1, depth=0,
                                  key="t-rj-sx-gz1/0001.", title_path="第一章")
    kp = KnowledgePoint.objects.create(code="t-sx-gz-set", name="集合", stage=gz, subject=cat["math"])
    t = users["laoshi"]
    maths = [make_question(t, kp=kp, chapter=unit, difficulty=3) for _i in range(7)]
    for subject in others.values():
        for _i in range(5):
            q = make_question(t, difficulty=3)
            q.subject = subject
            q.save()
    primary = [make_question(t, kp=cat["hms"], chapter=cat["unit"], difficulty=3) for _i in range(3)]
    return {**cat, "gz": gz, "gz_book": book, "gz_unit": unit, "gz_kp": kp, "maths": maths, "primary": primary}


def test_a_maths_paper_by_rules_holds_only_maths(users, bank):
    paper = actions.paper_assemble(owner=users["laoshi"], title="2026 高考数学模拟卷", subject=bank["math"],
                                   stage=bank["gz"], rules=[actions.DrawRule(qtype="single", count=7)], seed=1)
    ids = set(paper.items.values_list("question_id", flat=True))
    assert ids == {q.pk for q in bank["maths"]} and paper.subject == bank["math"]
    with pytest.raises(actions.PaperError) as err:
        actions.paper_assemble(owner=users["laoshi"], title="t", subject=bank["math"], stage=bank["gz"],
                               rules=[actions.DrawRule(qtype="truefalse", count=1),
                                      actions.DrawRule(qtype="single", count=9)])
    shorts = err.value.shortfalls
    assert [(s["rule"], s["missing"]) for s in shorts] == [(1, 1), (2, 2)]
    assert "第 2 条规则" in str(err.value) and "还差 2 道" in str(err.value)


def test_book_chapter_and_stage_filters(users, bank):
    t = users["laoshi"]
    for kw in ({"book_ids": [bank["book"].pk]}, {"chapter_ids": [bank["unit"].pk]}):
        paper = actions.paper_assemble(owner=t, title="t", subject=bank["math"], rules=[
            actions.DrawRule(qtype="single", count=3)], **kw)
        assert set(paper.items.values_list("question_id", flat=True)) == {q.pk for q in bank["primary"]}
    with pytest.raises(actions.PaperError):
        actions.paper_assemble(owner=t, title="t", subject=bank["math"], stage=bank["gz"],
                               book_ids=[bank["book"].pk], rules=[actions.DrawRule(qtype="single", count=1)])


def test_api_by_rules_names_the_subject_and_refuses_unknown_fields(users, bank, api_as):
    api = api_as(users["laoshi"])

    def post(body):
        return api.post("/api/v1/questions/papers/by-rules", body, content_type="application/json")

    rules = [{"qtype": "single", "count": 7}]
    resp = post({"title": "2026 高考数学模拟卷", "subject": "数学", "stage": "高中", "rules": rules, "seed": 3})
    assert resp.status_code == 201, resp.content
    assert resp.json()["subject"] == "数学"
    assert set(resp.json()["question_ids"]) == {q.pk for q in bank["maths"]}
    assert Paper.objects.get(pk=resp.json()["id"]).subject == bank["math"]
    for body in ({"title": "t", "subjcet": "数学", "subject": "数学", "rules": rules},  # a misspelt field
                 {"title": "t", "subject": "数学", "rules": [{"qtype": "single", "count": 1, "subject": "x"}]},
                 {"title": "t", "rules": rules},  # no subject
                 {"title": "t", "subject": "天文", "rules": rules},
                 {"title": "t", "subject": "数学", "stage": "大学", "rules": rules},
                 {"title": "t", "subject": "数学", "rules": [{"qtype": "single", "count": 1, "difficulty_min": 4,
                                                             "difficulty_max": 2}]}):
        resp = post(body)
        assert resp.status_code == 422, body
    resp = post({"title": "t", "subject": "数学", "stage": "高中", "rules": [{"qtype": "single", "count": 10}]})
    assert resp.status_code == 422
    assert resp.json()["shortfalls"] == [{"rule": 1, "qtype": "single", "needed": 10, "available": 7, "missing": 3,
                                          "message": resp.json()["shortfalls"][0]["message"]}]


def test_hand_paper_subject_is_shared_subject_or_none(users, bank):
    t = users["laoshi"]
    only_maths = actions.paper_create(owner=t, title="a", question_ids=[q.pk for q in bank["maths"][:2]])
    assert only_maths.subject == bank["math"]
    other = Question.objects.exclude(subject=bank["math"]).exclude(subject=None).first()
    mixed = actions.paper_create(owner=t, title="b", question_ids=[bank["maths"][0].pk, other.pk])
    assert mixed.subject is None


def test_hand_selection_survives_pages_and_filters(users, bank, client_as):
    t = users["laoshi"]
    c = client_as(t)
    page1 = c.get("/questions/")
    first = page1.context["page"].object_list[0].pk
    c.post("/questions/basket/", {"question": [first], "shown": [first]})
    page2 = c.get(f"/questions/?subject={bank['math'].pk}&page=1")
    assert 'name="subject"' in page2.content.decode()  # the bank filters by subject
    picked = [q.pk for q in page2.context["page"].object_list if q.pk != first][:1]
    other_page = c.get("/questions/?page=2")
    second = other_page.context["page"].object_list[0].pk
    assert f'value="{first}" checked' not in other_page.content.decode()
    c.post("/questions/basket/", {"question": [second]}, HTTP_ACCEPT="application/json")
    resp = c.post("/questions/papers/new/", {"title": "手工卷", "score": "5", "question": picked, "shown": picked})
    assert resp.status_code == 302
    paper = Paper.objects.get(title="手工卷")
    assert set(paper.items.values_list("question_id", flat=True)) == {first, second, *picked}
    assert c.get("/questions/").context["selected_count"] == 0  # the selection is spent on the paper


def test_untick_removes_and_others_questions_are_not_kept(users, bank, client_as):
    from zhijiao.questions.models import Share

    c = client_as(users["laoshi"])
    mine = bank["maths"][0].pk
    hidden = make_question(users["laoshi2"], share=Share.MINE).pk  # not visible to laoshi
    resp = c.post("/questions/basket/", {"question": [mine, hidden]}, HTTP_ACCEPT="application/json")
    assert resp.json() == {"count": 1}
    resp = c.post("/questions/basket/", {"remove": [mine]}, HTTP_ACCEPT="application/json")
    assert resp.json() == {"count": 0}
    resp = c.post("/questions/basket/", {"question": [mine], "next": "https://evil.example/"})
    assert resp.status_code == 302 and resp["Location"] == "/questions/"


def test_api_search_filters_by_subject_name(users, bank, api_as):
    api = api_as(users["laoshi"])
    got = api.get("/api/v1/questions/?subject=数学&limit=200").json()
    assert got and {x["subject"] for x in got} == {"数学"}
    assert {q.pk for q in bank["maths"]} <= {x["id"] for x in got}
    assert api.get("/api/v1/questions/?subject=天文").status_code == 422
