"""Search API at /api/v1/search/: GET resources?q=&subject=&grade=...&sort=&page= (scoped to the caller)."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Query, Router, Schema

from zhijiao.search import actions, selectors
from zhijiao.search.base import SearchQuery

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = Field("", max_length=100, description="搜索词（课题、知识点、作者……）")
    section: list[str] = Field(default_factory=list, description="板块代码，可多选")
    stage: list[str] = Field(default_factory=list, description="学段代码")
    subject: list[str] = Field(default_factory=list, description="学科代码")
    grade: list[str] = Field(default_factory=list, description="年级（1–12）")
    edition: list[str] = Field(default_factory=list, description="版本代码")
    type: list[str] = Field(default_factory=list, description="资源类型")
    level: list[Literal["national", "district", "school"]] = Field(default_factory=list, description="级别")
    sort: Literal["relevance", "newest", "most_viewed"] = "relevance"
    page: int = Field(1, ge=1, le=500)
    page_size: int = Field(20, ge=1, le=50)
    facets: bool = Field(True, description="同时返回各筛选项的计数")


class HitOut(Schema):
    id: int
    score: float
    title_html: str
    snippet_html: str


class FacetValueOut(Schema):
    value: str
    label: str
    count: int


class SearchOut(Schema):
    total: int
    page: int
    page_size: int
    hits: list[HitOut]
    facets: dict[str, list[FacetValueOut]]
    took_ms: float


@router.get("/resources", response=SearchOut, summary="搜索资源（只含本人可见的资源）")
def search_resources(request, params: Query[SearchParams]):
    from zhijiao.search.base import FACET_FIELDS

    filters = {name: [v for v in getattr(params, name) if v] for name in FACET_FIELDS}
    query = SearchQuery(text=params.q.strip(), filters={k: v for k, v in filters.items() if v}, sort=params.sort,
                        page=params.page, page_size=params.page_size, facets=FACET_FIELDS if params.facets else ())
    result = selectors.search_resources(request.auth, query)
    actions.search_record(user=request.auth, query=query)
    labels = selectors.facet_labels() if params.facets else {}
    return {
        "total": result.total, "page": query.page, "page_size": query.page_size,
        "hits": [h.__dict__ for h in result.hits],
        "facets": {name: [{"value": v, "label": labels.get(name, {}).get(v, v), "count": c} for v, c in values]
                   for name, values in result.facets.items()},
        "took_ms": round(result.took_ms, 2),
    }
