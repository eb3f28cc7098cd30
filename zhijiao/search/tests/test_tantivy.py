"""tantivy-specific behaviour beyond the conformance suite."""

from zhijiao.search import tantivy_backend
from zhijiao.search.base import ScopeFilter, SearchDocument, SearchQuery
from zhijiao.search.tantivy_backend import TantivyBackend

EVERYTHING = ScopeFilter(everything=True)


def test_common_words_skip_bigrams_but_partial_words_still_match(tmp_path, monkeypatch):
    """With the bigram fallback limited to rare words (as on millions of documents), a partial word or
    an unknown name is still found, and common whole words still match."""
    monkeypatch.setattr(tantivy_backend, "GRAM_FALLBACK_MAX_DF", 2)
    b = TantivyBackend(tmp_path)
    b.index([SearchDocument(id=i, title=f"三年级 数学 第{i}课", authors=("李芳芳",)) for i in range(1, 6)]
            + [SearchDocument(id=10, title="勾股定理的证明", keywords=("数学",))])
    ids = lambda text: sorted(h.id for h in b.search(SearchQuery(text=text, scope=EVERYTHING)).hits)  # noqa: E731
    assert ids("勾股") == [10]
    assert ids("芳芳") == [1, 2, 3, 4, 5]
    assert ids("三年级 数学") == [1, 2, 3, 4, 5]
    assert ids("数学") == [1, 2, 3, 4, 5, 10]


def test_common_words_rank_title_matches_first(tmp_path, monkeypatch):
    """A common word is matched in one field for speed; an item with it in the title still ranks above
    items that only carry it as a tag or in the description, even when its own description is long."""
    monkeypatch.setattr(tantivy_backend, "GRAM_FALLBACK_MAX_DF", 2)
    long_text = "本课以朗读为主线，引导学生感受诗人的情感，体会意象和意境，并在小组合作中完成背诵与默写练习。" * 3
    b = TantivyBackend(tmp_path)
    b.index([SearchDocument(id=1, title="古诗 鉴赏方法", description=long_text),
             SearchDocument(id=2, title="春天的故事", tags=("古诗",)),
             SearchDocument(id=3, title="童年的水墨画", description="古诗与现代诗对比阅读。"),
             SearchDocument(id=4, title="小池 课件", tags=("古诗", "朗读")),
             SearchDocument(id=5, title="江南 教案", keywords=("古诗",))])
    assert b._common(b._index().searcher(), "古诗")
    hits = b.search(SearchQuery(text="古诗", scope=EVERYTHING)).hits
    assert [h.id for h in hits][0] == 1 and len(hits) == 5


def test_a_word_in_a_few_titles_is_still_rare(tmp_path, monkeypatch):
    """How common a word is counts documents once (the body holds the title's words too): a name in a
    few titles keeps its partial-word path."""
    monkeypatch.setattr(tantivy_backend, "GRAM_FALLBACK_MAX_DF", 5)
    b = TantivyBackend(tmp_path)
    b.index([SearchDocument(id=i, title=f"芳芳老师 第{i}课") for i in range(1, 4)]
            + [SearchDocument(id=9, title="王芳芳朗读")])
    assert sorted(h.id for h in b.search(SearchQuery(text="芳芳", scope=EVERYTHING)).hits) == [1, 2, 3, 9]


def test_a_trailing_character_is_matched_by_the_phrase_typed_unless_its_bigrams_are_rare(tmp_path, monkeypatch):
    """语文园 (typing 语文园地) finds 语文园地, not every 语文 item with some 园… bigram in its title, once
    those bigrams are common; a rare trailing character still finds its word across a space."""
    monkeypatch.setattr(tantivy_backend, "PREFIX_FALLBACK_MAX_DF", 1)
    b = TantivyBackend(tmp_path)
    b.index([SearchDocument(id=1, title="语文园地一 课件"), SearchDocument(id=2, title="八年级语文《沁园春·雪》"),
             SearchDocument(id=3, title="综合性学习 轻叩诗歌大门")])
    ids = lambda text: sorted(h.id for h in b.search(SearchQuery(text=text, scope=EVERYTHING)).hits)  # noqa: E731
    assert ids("语文园") == [1]
    assert ids("学习轻") == [3]
    assert ids("沁园") == [2]


def test_index_survives_reopen(tmp_path):
    TantivyBackend(tmp_path).index([SearchDocument(id=1, title="静夜思")])
    tantivy_backend._open.clear()  # as a fresh process would
    assert TantivyBackend(tmp_path).count() == 1


def test_facet_counts_are_reused_across_pages_but_follow_index_changes(tmp_path):
    b = TantivyBackend(tmp_path)
    b.index([SearchDocument(id=i, title="分数的初步认识", type="micro") for i in range(1, 4)])
    q = SearchQuery(text="分数", scope=EVERYTHING, facets=("type",), page_size=1)
    assert dict(b.search(q).facets["type"]) == {"micro": 3}
    page2 = SearchQuery(text="分数", scope=EVERYTHING, facets=("type",), page_size=1, page=2, sort="newest")
    assert dict(b.search(page2).facets["type"]) == {"micro": 3}
    b.index([SearchDocument(id=9, title="分数的意义", type="courseware")])
    assert dict(b.search(q).facets["type"]) == {"micro": 3, "courseware": 1}


def _facet_search_in_child(path, out):
    b = TantivyBackend(path)
    out.put(dict(b.search(SearchQuery(text="春晓", scope=EVERYTHING, facets=("type",))).facets["type"]))


def test_facet_counts_work_in_a_process_forked_after_a_search(tmp_path):
    """Counts are taken on helper threads; a worker forked from a process that already searched (a
    preloading web server, a task pool) must get threads of its own rather than wait forever."""
    import multiprocessing as mp

    b = TantivyBackend(tmp_path)
    b.index([SearchDocument(id=1, title="春晓", type="micro")])
    q = SearchQuery(text="春晓", scope=EVERYTHING, facets=("type",))
    assert dict(b.search(q).facets["type"]) == {"micro": 1}
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    tantivy_backend._facet_cache.clear()
    child = ctx.Process(target=_facet_search_in_child, args=(str(tmp_path), out))
    child.start()
    child.join(30)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0 and out.get(timeout=5) == {"micro": 1}
