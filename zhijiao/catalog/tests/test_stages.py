"""The catalog for every stage: senior-high (高中) modules and the compulsory-education subjects.

The shipped files are compared with the published tables of contents in a few known places; the browse
page and the question bank are walked with a senior-high book.
"""

import json

import pytest

from zhijiao.catalog.actions import SHIPPED_FILES, catalog_import, catalog_load_shipped, catalog_parse
from zhijiao.catalog.models import Book, Chapter, KnowledgePoint, Volume
from zhijiao.catalog.selectors import books_for, knowledge_points_for


@pytest.fixture
def catalog(db):
    catalog_load_shipped()


def titles(book_code, parent_path=None):
    qs = Chapter.objects.filter(book__code=book_code)
    qs = qs.filter(parent__isnull=True) if parent_path is None else qs.filter(parent__key=f"{book_code}/{parent_path}")
    return list(qs.order_by("path").values_list("title", flat=True))


def labels(stage, subject, edition):
    b = Book.objects.filter(stage__code=stage, subject__code=subject, edition__code=edition).first()
    return [x.volume_label for x in books_for(b.stage, b.subject, b.edition)]


def test_every_data_file_ships(catalog):
    from zhijiao.catalog.actions import DATA_DIR

    assert set(SHIPPED_FILES) == {p.name for p in DATA_DIR.glob("*.json")}
    assert SHIPPED_FILES[0] == "taxonomy.json"


def test_books_per_stage_and_subject(catalog):
    def count(stage, subject):
        return Book.objects.filter(stage__code=stage, subject__code=subject).count()

    # 必修 + 选择性必修 of each senior-high subject shipped (see docs/catalog.md for what is left out)
    assert {s: count("gz", s) for s in ["yw", "sx", "yy", "wl", "hx", "sw", "sxzz", "ls"]} == {
        "yw": 2, "sx": 5, "yy": 7, "wl": 6, "hx": 5, "sw": 5, "sxzz": 5, "ls": 3}
    assert {s: count("cz", s) for s in ["dfyfz", "ls", "dl", "wl", "hx", "sw"]} == {
        "dfyfz": 6, "ls": 3, "dl": 2, "wl": 3, "hx": 2, "sw": 1}
    assert count("xx", "kx") == 1 and Book.objects.get(code="jk-kx-g1a").edition.name == "教科版"
    # the grade-1–9 books are still there, unchanged
    assert Book.objects.get(code="rj-sx-g3a").volume_label == "三年级上册"


def test_senior_high_volumes_are_named_and_ordered_like_the_books(catalog):
    assert labels("gz", "sx", "rja") == ["必修第一册", "必修第二册", "选择性必修第一册", "选择性必修第二册",
                                        "选择性必修第三册"]
    assert labels("gz", "yw", "tb") == ["必修上册", "必修下册"]
    assert labels("gz", "sw", "rj") == ["必修1 分子与细胞", "必修2 遗传与进化", "选择性必修1 稳态与调节",
                                       "选择性必修2 生物与环境", "选择性必修3 生物技术与工程"]
    assert labels("gz", "hx", "rj")[2] == "选择性必修1 化学反应原理"
    assert labels("gz", "ls", "tb") == ["中外历史纲要（上）", "中外历史纲要（下）", "选择性必修1 国家制度与社会治理"]
    assert labels("gz", "yy", "rj")[-1] == "选择性必修第四册"
    assert labels("cz", "wl", "rj") == ["八年级上册", "八年级下册", "九年级全一册"]
    assert not [b.name for b in Book.objects.filter(stage__code="gz") if "高" in b.volume_label]
    # convention: 必修 modules at grade 10, 选择性必修 at 11
    assert {b.grade_level for b in Book.objects.filter(stage__code="gz", volume__startswith="bx")} == {10}
    assert {b.grade_level for b in Book.objects.filter(stage__code="gz", volume__startswith="xb")} == {11}


def test_known_chapters_and_sections(catalog):
    assert titles("rja-sx-bx1c") == ["第一章 集合与常用逻辑用语", "第二章 一元二次函数、方程和不等式",
                                     "第三章 函数的概念与性质", "第四章 指数函数与对数函数", "第五章 三角函数"]
    assert titles("rja-sx-bx1c", "0001.") == ["1.1 集合的概念", "1.2 集合间的基本关系", "1.3 集合的基本运算",
                                              "1.4 充分条件与必要条件", "1.5 全称量词与存在量词"]
    assert titles("rja-sx-xb1c", "0003.") == ["3.1 椭圆", "3.2 双曲线", "3.3 抛物线"]
    assert titles("rj-wl-bx1c", "0004.")[0] == "1 牛顿第一定律"
    assert titles("rj-hx-xb1")[2] == "第三章 水溶液中的离子反应与平衡"
    assert titles("rj-sw-bx2", "0003.")[1] == "第2节 DNA的结构"
    assert titles("tb-yw-bxs1", "0001.")[0] == "1 沁园春·长沙"
    assert titles("tb-yw-bxs2", "0008.") == ["15 谏太宗十思疏 答司马谏议书", "16 阿房宫赋 六国论"]
    assert titles("rj-yy-bx1c")[:2] == ["Welcome Unit", "Unit 1 Teenage Life"]
    assert titles("tb-sxzz-bx4", "0001.")[0] == "第一课 时代精神的精华"
    assert titles("tb-sxzz-xb1", "0002.") == ["第三课 多极化趋势", "第四课 和平与发展", "第五课 中国的外交"]
    assert titles("tb-ls-xb1", "0001.")[3] == "第4课 中国历代变法和改革"
    assert titles("tb-dfyfz-g8b")[0] == "第一单元 坚持宪法至上"
    assert titles("rj-hx-g9a", "0003.") == ["课题1 空气", "课题2 氧气", "课题3 制取氧气"]
    assert titles("rj-sw-g7a", "0002.0001.")[0] == "第一节 练习使用显微镜"
    assert titles("jk-kx-g1a", "0001.")[:2] == ["1 我们知道的植物", "2 观察一棵植物"]
    ch = Chapter.objects.get(key="rja-sx-bx1c/0001.0001.")
    assert ch.title_path == "人教A版 数学 必修第一册 / 第一章 集合与常用逻辑用语 / 1.1 集合的概念"
    assert ch.kind == "section" and ch.book.edition.name == "人教A版"


def test_knowledge_points_follow_the_chapters(catalog):
    unit = Chapter.objects.get(key="rja-sx-bx1c/0001.")
    assert {"集合与常用逻辑用语", "集合的概念", "全称量词与存在量词"} <= {k.name for k in knowledge_points_for(unit)}
    kp = KnowledgePoint.objects.get(code="rj-wl-xb1c-1-3")
    assert (kp.name, kp.stage.code, kp.subject.code, kp.parent.name) == ("动量守恒定律", "gz", "wl", "动量守恒定律")
    # every chapter of the senior-high maths and sciences carries at least one knowledge point
    units = Chapter.objects.filter(book__stage__code="gz", book__subject__code__in=["sx", "wl", "hx", "sw"], depth=0)
    assert units.count() > 60
    assert [u.title_path for u in units if not knowledge_points_for(u).exists()] == []
    assert KnowledgePoint.objects.get(code="yw-gz-rw01").chapters.filter(key="tb-yw-bxs1/0005.").exists()


def test_import_takes_senior_high_volumes_by_name_and_refuses_unknown_ones(db):
    catalog_load_shipped()
    bundle = catalog_parse(content=json.dumps({"books": [
        {"code": "x-gz-1", "stage": "gz", "subject": "sx", "edition": "bsd", "grade": 11, "volume": "选择性必修第二册",
         "name": "北师大版 数学 选择性必修第二册"},
        {"code": "x-gz-2", "stage": "gz", "subject": "sx", "edition": "bsd", "grade": 10, "volume": "必修第五册",
         "name": "不存在的一册"},
    ]}, ensure_ascii=False))
    report = catalog_import(bundle=bundle)
    assert [str(e) for e in report.errors] == [
        "教材 第 2 行：册应为 上、下、全，或高中的模块名（如 必修第一册、选择性必修1、中外历史纲要（上））。"]
    assert not Book.objects.filter(code__startswith="x-gz-").exists()
    report = catalog_import(bundle=catalog_parse(content=json.dumps({"books": [bundle.rows["books"][0].values]})))
    assert report.ok
    book = Book.objects.get(code="x-gz-1")
    assert (book.volume, book.volume_label) == (Volume.XB2C, "选择性必修第二册")


def test_browse_page_walks_stage_subject_book_chapter(catalog, users, client_as):
    client = client_as(users["laoshi"])
    html = client.get("/resources/", {"section": "kcjx", "stage": "gz"}).content.decode()
    for name in ["语文", "数学", "英语", "物理", "化学", "生物学", "历史", "思想政治"]:
        assert f">{name}</a>" in html
    html = client.get("/resources/", {"section": "kcjx", "stage": "gz", "subject": "sx"}).content.decode()
    assert ">人教A版</a>" in html
    html = client.get("/resources/", {"section": "kcjx", "stage": "gz", "subject": "sx", "edition": "rja"}).content.decode()
    tabs = html[html.index('data-level="book"'):]
    tabs = tabs[:tabs.index("</div>")]
    assert tabs.index(">必修第一册<") < tabs.index(">必修第二册<") < tabs.index(">选择性必修第一册<")
    assert "高一" not in tabs and "高二" not in tabs
    html = client.get("/resources/", {"book": "rja-sx-bx1c"}).content.decode()
    assert "人教A版 数学 必修第一册" in html and "1.1 集合的概念" in html
    html = client.get("/resources/", {"chapter": "rja-sx-bx1c/0001.0001."}).content.decode()
    assert 'aria-current="page">1.1 集合的概念' in html


def test_a_question_can_be_tagged_with_a_senior_high_chapter(catalog, users):
    from zhijiao.questions.actions import question_create
    from zhijiao.questions.selectors import search_questions

    teacher = users["laoshi"]
    q = question_create(owner=teacher, data={
        "qtype": "single", "stem": "已知集合 A={1,2}，B={2,3}，则 A∩B=", "answer": "A",
        "options": [{"key": "A", "text": "{2}"}, {"key": "B", "text": "{1,2,3}"}],
        "chapters": "rja-sx-bx1c/0001.0003.", "knowledge_points": "rja-sx-bx1c-1-3", "share": "全区"})
    assert [c.title for c in q.chapters.all()] == ["1.3 集合的基本运算"]
    assert (q.subject.code, [k.name for k in q.knowledge_points.all()]) == ("sx", ["集合的基本运算"])
    unit = Chapter.objects.get(key="rja-sx-bx1c/0001.")
    assert list(search_questions(teacher, chapter_id=unit.pk)) == [q]
    other = Chapter.objects.get(key="rja-sx-bx1c/0002.")
    assert list(search_questions(teacher, chapter_id=other.pk)) == []


def test_api_lists_senior_high_books_with_their_volume_names(catalog, users, api_as):
    books = api_as(users["laoshi"]).get("/api/v1/catalog/books", {"stage": "gz", "subject": "hx"}).json()
    assert [(b["code"], b["volume"], b["volume_label"]) for b in books][2] == (
        "rj-hx-xb1", "xb1", "选择性必修1 化学反应原理")
