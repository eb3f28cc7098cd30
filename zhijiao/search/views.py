"""The search page: /search/?q=... with a facet sidebar, sort tabs, highlighted results and pages."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from zhijiao.resources.cards import card_counters, cards_stamp, rendered_cards
from zhijiao.search import actions, params, selectors
from zhijiao.search.base import FACET_FIELDS
from zhijiao.web.shared_pages import render_shared

PAGE_SIZE = 20
FACET_TITLES = {
    "section": _("板块"), "stage": _("学段"), "subject": _("学科"), "grade": _("年级"), "edition": _("版本"),
    "type": _("类型"), "level": _("级别"),
}
SORT_TITLES = [("relevance", _("相关度")), ("newest", _("最新")), ("most_viewed", _("最多浏览"))]
SUGGESTIONS = ["勾股定理", "分数的初步认识", "多位数乘一位数", "微课", "学习任务单", "古诗"]


def _detail_url(pk: int) -> str:
    try:
        return reverse("resources:detail", args=[pk])
    except NoReverseMatch:  # the resource library is not installed
        return ""


def _link(base: dict[str, list[str]], **changes) -> str:
    """?query string of `base` with some parameters replaced (None removes one)."""
    data = {k: list(v) for k, v in base.items() if k != "page"}
    for k, v in changes.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = [v]
    return "?" + urlencode([(k, x) for k, vs in data.items() for x in vs])


def _facet_items(values: list[dict]) -> str:
    """A facet's <li> links, built here rather than in the template: a results page has about a hundred
    of them, and the template engine spent more on them than on the rest of the page."""
    current = mark_safe(' aria-current="true"')
    return format_html_join("", '<li><a href="{}"{} data-value="{}">{} <span class="count">{}</span></a></li>',
                            ((v["href"], current if v["on"] else "", v["value"], v["label"], v["count"])
                             for v in values))


@login_required
def results(request):
    query, errors = params.parse(request.GET, page_size=PAGE_SIZE)
    base = {k: request.GET.getlist(k) for k in ["q", "sort", *FACET_FIELDS] if request.GET.get(k)}
    result, rows, stamp = None, [], "none"
    if query.text or query.filters:
        result, by_id = selectors.search_with_resources(request.user, query)
        actions.search_record(user=request.user, query=query)
        rows = [by_id[h.id] for h in result.hits]
        # The page shows the hits, their rows' cards, the counts and links built from the query: the same page
        # for everyone who gets the same answer, cached under all of it (`web.shared_pages`).
        answer = repr(([(h.id, h.title_html, h.snippet_html) for h in result.hits], result.total,
                       sorted(result.facets.items())))
        stamp = f"{hashlib.sha1(answer.encode()).hexdigest()}:{cards_stamp(rows)}"
    # (the hits' view counts change with every counted view: filled in per request, not keying the page)
    return render_shared(request, "search/results.html", lambda: _context(query, errors, base, result, rows),
                         key=f"search:{stamp}", live=card_counters(rows))


def _context(query, errors, base, result, rows) -> dict:
    hits = []
    facets = []
    if result is not None:
        # What a hit shows of its item (badges, source, counters) is the same for every query: shared cards.
        badges = rendered_cards(rows, "search/_hit_badges.html", holes=True)
        facts = rendered_cards(rows, "search/_hit_facts.html", holes=True)
        hits = [{"hit": h, "r": r, "url": _detail_url(h.id), "badges": b, "facts": f}
                for h, r, b, f in zip(result.hits, rows, badges, facts, strict=True)]
        labels = selectors.facet_labels()
        selected = query.filter_dict()
        for name in FACET_FIELDS:
            values = []
            for value, count in result.facets.get(name, ()):
                on = value in selected.get(name, ())
                values.append({"value": value, "label": labels.get(name, {}).get(value, value), "count": count,
                               "on": on, "href": _link(base, **{name: None if on else value})})
            if len(values) > 1 or (values and name in selected):  # one choice is no choice: not shown
                facets.append({"name": name, "title": FACET_TITLES[name], "values": values,
                               "values_html": _facet_items(values),
                               "clear": _link(base, **{name: None}) if name in selected else ""})
    pages = None
    if result is not None:
        last = max(1, min(params.MAX_PAGE, (result.total + PAGE_SIZE - 1) // PAGE_SIZE))
        pages = {"page": query.page, "last": last, "has_prev": query.page > 1, "has_next": query.page < last,
                 "prev": _link(base, page=str(query.page - 1)), "next": _link(base, page=str(query.page + 1))}
    sorts = [{"key": k, "title": t, "on": k == query.sort, "href": _link(base, sort=k)} for k, t in SORT_TITLES]
    return {
        "q": query.text, "query": query, "errors": errors, "result": result, "hits": hits, "facets": facets,
        "sorts": sorts, "pages": pages,
        # shown only on the empty page and when nothing was found
        "suggestions": ([(s, _link({}, q=s)) for s in selectors.suggestions(SUGGESTIONS)]
                        if result is None or not result.total else []),
    }
