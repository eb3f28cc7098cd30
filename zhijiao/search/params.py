"""Parsing search parameters (shared by the page and the API): bad input gets a Chinese message per field."""

from __future__ import annotations

from django.utils.translation import gettext as _

from zhijiao.search.base import FACET_FIELDS, SORTS, SearchQuery

MAX_TEXT = 100
MAX_PAGE = 500


def parse(params, *, page_size: int = 20, facets: tuple[str, ...] = FACET_FIELDS) -> tuple[SearchQuery, dict]:
    """`params` is a QueryDict (or a dict of lists). Returns (query, errors by field); on an error the
    offending parameter falls back to its default, so the page still answers."""
    errors: dict[str, str] = {}

    def get(name, default=""):
        v = params.get(name, default)
        return v if v is not None else default

    text = (get("q") or "").strip()
    if len(text) > MAX_TEXT:
        errors["q"] = _("搜索词最多 %(n)s 个字。") % {"n": MAX_TEXT}
        text = text[:MAX_TEXT]
    sort = get("sort") or "relevance"
    if sort not in SORTS:
        errors["sort"] = _("排序方式只能是：相关度、最新、最多浏览。")
        sort = "relevance"
    page = 1
    raw_page = get("page") or "1"
    try:
        page = int(raw_page)
        if not 1 <= page <= MAX_PAGE:
            raise ValueError
    except (TypeError, ValueError):
        errors["page"] = _("页码应是 1 到 %(n)s 之间的整数。") % {"n": MAX_PAGE}
        page = 1
    filters = {}
    for name in FACET_FIELDS:
        values = params.getlist(name) if hasattr(params, "getlist") else params.get(name) or []
        if isinstance(values, str):
            values = [values]
        values = [v.strip() for v in values if v and v.strip()]
        if any(len(v) > 40 for v in values) or len(values) > 20:
            errors[name] = _("筛选条件不正确。")
            continue
        if values:
            filters[name] = values
    query = SearchQuery(text=text, filters=filters, sort=sort, page=page, page_size=page_size, facets=facets)
    return query, errors
