"""The demo's index build (`search/demo.py`): the large-library path gives the index `index_rebuild` gives."""

import dataclasses

from zhijiao.search import analyzer
from zhijiao.search import demo as search_demo
from zhijiao.search.base import ScopeFilter, SearchQuery
from zhijiao.search.documents import all_resource_documents
from zhijiao.search.selectors import get_backend
from zhijiao.search.tantivy_backend import analyse

TRICKY = [
    ("Unit 1 Hello! Part A 课件", "Let's talk：A 组基础巩固、B 组能力提升，附参考答案。"),
    ("《静夜思》第一课时 教学设计（第二版）", "床前明月光，疑是地上霜。\n举头望明月，\t低头思故乡。"),
    ("20以内的进位加法 微课：9+几", "C++ & C# 100% 3.14 a_b-c ＡＢＣ１２３ 全角"),
    ("  ", ""),
    ("勾股定理勾股定理勾股定理", "数学数学 数学"),
]


def test_memoised_analysis_is_the_analysis(demo_full):
    docs = list(all_resource_documents())
    docs += [dataclasses.replace(docs[0], title=t, description=d) for t, d in TRICKY]
    plain = [analyse(d) for d in docs]
    analyzer._cached_words.cache_clear()  # or short texts would come from the analyzer's own cache
    undo = search_demo._memoise_analyzer()
    try:
        memoised = [analyse(d) for d in docs]
        again = [analyse(d) for d in docs]  # now answered from the memos
    finally:
        undo()
        analyzer._cached_words.cache_clear()
    assert memoised == plain
    assert again == plain


def test_parallel_rebuild_indexes_the_library(demo_full):
    from zhijiao.resources.models import Resource

    backend = get_backend()
    seen = []
    n = search_demo._parallel_rebuild(backend, 2, seen.append)
    assert n == backend.count() == Resource.objects.count() > 100
    assert seen[-1] == n
    title = Resource.objects.filter(status="approved", level="district").values_list("title", flat=True).first()
    assert backend.search(SearchQuery(text=title, scope=ScopeFilter(everything=True))).total >= 1
