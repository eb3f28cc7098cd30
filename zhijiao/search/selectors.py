"""Reads of the search app. `search_resources(user, query)` is THE project search function.

The scope of every search comes from the acting user (never from the caller's query): approved national
and district items, approved items shared district-wide, approved items of the user's own schools, and
the user's own items in any state. The same rule as `resources.selectors.visible_resources` without the
reviewers' queues (reviewers review from the review pages, not from search).
"""

from __future__ import annotations

import dataclasses
import threading

from django.conf import settings
from django.utils.module_loading import import_string

from zhijiao.search.base import ScopeFilter, SearchBackend, SearchQuery, SearchResult

_backends: dict[tuple[str, str], SearchBackend] = {}
_lock = threading.Lock()


def get_backend() -> SearchBackend:
    """The backend `settings.ZHIJIAO_SEARCH_BACKEND` names, one instance per process and index dir."""
    key = (settings.ZHIJIAO_SEARCH_BACKEND, str(settings.ZHIJIAO_SEARCH_INDEX_DIR))
    backend = _backends.get(key)
    if backend is None:
        with _lock:
            backend = _backends.get(key)
            if backend is None:
                backend = import_string(key[0])()
                _backends[key] = backend
    return backend


def scope_filter_for(user) -> ScopeFilter:
    """What `user` may find, as a filter every backend applies."""
    if user is None or not user.is_authenticated:
        return ScopeFilter(public_levels=(), public_sharing=("public",))
    from zhijiao.accounts.selectors import scope_of

    return ScopeFilter(school_ids=frozenset(scope_of(user).school_ids), contributor_id=user.pk)


def search_resources(user, query: SearchQuery) -> SearchResult:
    """Search the resource library as `user`: only what they may see appears in hits, totals and counts."""
    return search_with_resources(user, query)[0]


def search_with_resources(user, query: SearchQuery) -> tuple[SearchResult, dict]:
    """`search_resources`, and the resources behind its hits by id (for the result cards).

    One query reads those rows as the user may see them, which is also the recheck: a hit the database
    says this user may not see is dropped (the index may lag a change by a moment: an item withdrawn or
    rejected a second ago is never shown while its outbox row waits)."""
    from zhijiao.search.documents import ensure_catalog_terms

    ensure_catalog_terms()
    query = dataclasses.replace(query, scope=scope_filter_for(user))
    result = get_backend().search(query)
    rows = _hit_rows(user, [h.id for h in result.hits])
    if len(rows) < len(result.hits):
        hits = tuple(h for h in result.hits if h.id in rows)
        result = dataclasses.replace(result, hits=hits, total=max(0, result.total - (len(result.hits) - len(hits))))
    return result, rows


def _hit_rows(user, ids: list[int]) -> dict:
    if not ids:
        return {}
    from django.db.models import Q

    from zhijiao.resources.models import Resource
    from zhijiao.resources.selectors import published_q

    allowed = published_q(user)
    if user is not None and user.is_authenticated:
        allowed |= Q(contributor_id=user.pk)
    rows = (Resource.objects.filter(Q(pk__in=ids) & allowed).select_related("subject", "school", "stage", "edition")
            .defer("description", "external_url", "tags", "school__code"))
    return {r.pk: r for r in rows}


def pending_outbox_count() -> int:
    from zhijiao.search.models import IndexOutbox

    return IndexOutbox.objects.count()


def facet_labels() -> dict[str, dict[str, str]]:
    """Chinese labels of facet values (codes): 数学 for "math", 三年级 for "3", 微课 for "micro"."""
    from zhijiao.catalog.selectors import CATALOG, CATALOG_CACHE_SECONDS
    from zhijiao.core.cache import cached
    from zhijiao.search.documents import catalog_labels

    return cached(CATALOG, "facet-labels", catalog_labels, timeout=CATALOG_CACHE_SECONDS)


SUGGESTIONS_SECONDS = 3600


def suggestions(words: list[str]) -> list[str]:
    """Of the words the search page offers to try, those that find something in this district's library
    (a suggestion that finds nothing sends a student nowhere). Checked once an hour for everyone."""
    from zhijiao.core.cache import cached
    from zhijiao.search.base import ScopeFilter, SearchQuery

    def build() -> list[str]:
        backend = get_backend()
        return [w for w in words
                if backend.search(SearchQuery(text=w, scope=ScopeFilter(everything=True), page_size=1,
                                              highlight=False)).total]

    return cached("search-suggestions", "|".join(words), build, timeout=SUGGESTIONS_SECONDS)
