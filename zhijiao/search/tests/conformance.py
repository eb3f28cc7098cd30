"""The shared conformance suite: every search backend must pass it (architecture section 6).

`BACKENDS` lists every implementation available on this machine; a new one (OpenSearch, ...) joins by
adding a factory here (skipping itself when its service is absent) and passing the same tests. The test
module `test_conformance.py` runs this suite; nothing here needs a database.
"""

from __future__ import annotations

import datetime as dt

import pytest

from zhijiao.search.base import ScopeFilter, SearchDocument, SearchQuery

NOW = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
EVERYTHING = ScopeFilter(everything=True)


def _tantivy(tmp_path):
    from zhijiao.search.tantivy_backend import TantivyBackend

    return TantivyBackend(tmp_path / "tantivy")


def _memory(tmp_path):
    from zhijiao.search.memory_backend import MemoryBackend

    return MemoryBackend()


BACKENDS = {"tantivy": _tantivy, "memory": _memory}


def doc(pk, title, **kw) -> SearchDocument:
    kw.setdefault("level", "district")
    kw.setdefault("status", "approved")
    kw.setdefault("created", NOW - dt.timedelta(days=pk))
    return SearchDocument(id=pk, title=title, **kw)


CORPUS = [
    doc(1, "勾股定理的证明", description="本节微课用拼图的方法证明勾股定理。", authors=("张伟",), subject="math",
        grade="8", type="micro", stage="cz", edition="rj", section="jc", tags=("几何",), view_count=30,
        keywords=("数学", "八年级", "微课")),
    doc(2, "勾股定理的应用 课件", authors=("李芳芳",), subject="math", grade="8", type="courseware", stage="cz",
        view_count=300, keywords=("数学", "八年级", "课件")),
    doc(3, "多位数乘一位数 学习任务单", authors=("王晓明",), subject="math", grade="3", type="task_sheet",
        stage="xx", view_count=5, keywords=("数学", "三年级", "学习任务单")),
    doc(4, "分数的初步认识 教学设计", authors=("陈静",), subject="math", grade="3", type="lesson_plan", stage="xx",
        view_count=12, keywords=("数学", "三年级", "教案")),
    doc(5, "静夜思 朗读微课", authors=("张伟",), subject="yuwen", grade="1", type="micro", stage="xx",
        view_count=99, keywords=("语文", "一年级", "微课")),
    doc(6, "一元二次方程的解法", description="配方法、公式法与因式分解法。", authors=("赵磊",), subject="math",
        grade="9", type="courseware", stage="cz", view_count=7, keywords=("数学", "九年级", "课件")),
    doc(7, "勾股定理 校本作业", authors=("孙丽",), subject="math", grade="8", type="exercise", stage="cz",
        level="school", owner_school_id=100, sharing_scope="school", keywords=("数学", "八年级")),
    doc(8, "勾股定理 待审核课件", authors=("周强",), subject="math", grade="8", type="courseware", stage="cz",
        status="pending_school", level="school", owner_school_id=100, contributor_id=42, sharing_scope="district"),
    doc(9, "勾股定理 他校共享", authors=("吴敏",), subject="math", grade="8", type="courseware", stage="cz",
        level="school", owner_school_id=200, sharing_scope="district"),
    doc(10, "勾股定理 他校自用", authors=("郑洁",), subject="math", grade="8", type="courseware", stage="cz",
        level="school", owner_school_id=200, sharing_scope="school"),
]


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path):
    b = BACKENDS[request.param](tmp_path)
    b.index(CORPUS)
    return b


def ids(result):
    return [h.id for h in result.hits]


def q(text="", **kw):
    kw.setdefault("scope", EVERYTHING)
    kw.setdefault("page_size", 50)
    return SearchQuery(text=text, **kw)


def test_count_and_upsert_replaces(backend):
    assert backend.count() == len(CORPUS)
    backend.index([doc(1, "勾股定理的证明（修订）", authors=("张伟",))])
    assert backend.count() == len(CORPUS)
    assert backend.search(q("修订")).total == 1


def test_whole_title_finds_it_first(backend):
    r = backend.search(q("多位数乘一位数"))
    assert ids(r)[0] == 3
    r = backend.search(q("分数的初步认识"))
    assert ids(r) == [4]


def test_partial_words_and_names(backend):
    assert 1 in ids(backend.search(q("勾股")))
    assert ids(backend.search(q("乘一位"))) == [3]
    assert sorted(ids(backend.search(q("张伟")))) == [1, 5]
    assert ids(backend.search(q("芳芳"))) == [2]  # part of a name jieba does not know
    assert ids(backend.search(q("方程"))) == [6]


def test_all_words_must_match(backend):
    assert ids(backend.search(q("勾股定理 语文"))) == []
    assert ids(backend.search(q("静夜思 微课"))) == [5]
    assert ids(backend.search(q("三年级 数学 任务单"))) == [3]


def test_whole_word_ranks_above_partial(backend):
    backend.index([doc(20, "勾股数表", view_count=0)])
    r = backend.search(q("勾股定理"))
    assert 20 not in ids(r)
    r = backend.search(q("勾股"))
    assert set(ids(r)) >= {1, 2, 20}


def test_no_match_and_nonsense(backend):
    assert backend.search(q("量子纠缠")).total == 0
    assert backend.search(q("！！！")).total == len(CORPUS)  # nothing to search for: everything, newest first
    assert backend.search(q("<script>")).total == 0


def test_facet_counts_and_filters(backend):
    r = backend.search(q("勾股定理", facets=("type", "grade"), scope=ScopeFilter()))
    assert dict(r.facets["grade"]) == {"8": 3}
    assert dict(r.facets["type"]) == {"micro": 1, "courseware": 2}
    r = backend.search(q("勾股定理", filters={"type": ["courseware"]}, facets=("type", "subject"), scope=ScopeFilter()))
    assert sorted(ids(r)) == [2, 9]
    # a facet ignores its own selection (so the alternatives stay visible), but obeys the others
    assert dict(r.facets["type"]) == {"micro": 1, "courseware": 2}
    assert dict(r.facets["subject"]) == {"math": 2}
    r = backend.search(q("", filters={"subject": ["math"], "grade": ["3", "9"]}))
    assert sorted(ids(r)) == [3, 4, 6]


def test_sorts(backend):
    r = backend.search(q("勾股定理", sort="most_viewed", scope=ScopeFilter()))
    assert ids(r)[:2] == [2, 1]
    r = backend.search(q("勾股定理", sort="newest", scope=ScopeFilter()))
    assert ids(r) == sorted(ids(r))  # smaller id = newer in this corpus
    r = backend.search(q("", filters={"grade": ["3"]}))
    assert ids(r) == [3, 4]  # no text: newest first


def test_pages(backend):
    first = backend.search(q("勾股定理", page_size=2, sort="newest"))
    second = backend.search(q("勾股定理", page_size=2, page=2, sort="newest"))
    assert first.total == second.total == 6
    assert len(first.hits) == len(second.hits) == 2
    assert not set(ids(first)) & set(ids(second))


def test_highlight_is_escaped(backend):
    backend.index([doc(30, "<b>勾股</b> & 定理 <script>alert(1)</script>", description="说明：勾股定理 <i>x</i>")])
    r = backend.search(q("勾股"))
    hit = next(h for h in r.hits if h.id == 30)
    assert "<script>" not in hit.title_html and "<b>" not in hit.title_html
    assert "&lt;b&gt;<mark>勾股</mark>&lt;/b&gt; &amp; 定理" in hit.title_html
    assert "<mark>勾股</mark>定理 &lt;i&gt;" in hit.snippet_html
    r = backend.search(q("勾股", highlight=False))
    assert "<mark>" not in next(h for h in r.hits if h.id == 30).title_html


def test_scope(backend):
    anyone = backend.search(q("勾股定理", scope=ScopeFilter()))
    assert sorted(ids(anyone)) == [1, 2, 9]  # public levels and district-wide sharing only
    own_school = backend.search(q("勾股定理", scope=ScopeFilter(school_ids=frozenset({100}))))
    assert sorted(ids(own_school)) == [1, 2, 7, 9]  # not 8: pending review
    contributor = backend.search(q("勾股定理", scope=ScopeFilter(school_ids=frozenset({100}), contributor_id=42)))
    assert sorted(ids(contributor)) == [1, 2, 7, 8, 9]
    other = backend.search(q("勾股定理", scope=ScopeFilter(school_ids=frozenset({200}))))
    assert sorted(ids(other)) == [1, 2, 9, 10]
    anonymous = backend.search(q("勾股定理", scope=ScopeFilter(public_levels=(), public_sharing=("public",))))
    assert ids(anonymous) == []
    # facet counts and totals obey the scope too
    r = backend.search(q("", facets=("level",), scope=ScopeFilter()))
    assert dict(r.facets["level"]) == {"district": 6, "school": 1}
    assert r.total == 7


def test_delete_and_clear(backend):
    backend.delete([1, 2, 999])
    assert backend.count() == len(CORPUS) - 2
    assert 1 not in ids(backend.search(q("勾股定理")))
    backend.clear()
    assert backend.count() == 0
    assert backend.search(q("勾股定理")).total == 0
