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
    from zhijiao.search.documents import ensure_catalog_terms

    ensure_catalog_terms()
    query = dataclasses.replace(query, scope=scope_filter_for(user))
    result = get_backend().search(query)
    return _recheck(user, result)


def _recheck(user, result: SearchResult) -> SearchResult:
    """Drop any hit the database says this user may not see (the index may lag a change by a moment:
    an item withdrawn or rejected a second ago is never shown while its outbox row waits)."""
    ids = [h.id for h in result.hits]
    if not ids:
        return result
    from zhijiao.resources.models import Resource
    from zhijiao.resources.selectors import published_resources

    allowed = published_resources(user).filter(pk__in=ids)
    if user is not None and user.is_authenticated:
        allowed = allowed | Resource.objects.filter(pk__in=ids, contributor_id=user.pk)
    ok = set(allowed.values_list("pk", flat=True))
    if len(ok) == len(ids):
        return result
    hits = tuple(h for h in result.hits if h.id in ok)
    return dataclasses.replace(result, hits=hits, total=max(0, result.total - (len(ids) - len(hits))))


def pending_outbox_count() -> int:
    from zhijiao.search.models import IndexOutbox

    return IndexOutbox.objects.count()


def hit_resources(user, ids: list[int]) -> dict:
    """The resources behind a page of hits, as `user` may see them (for the result cards)."""
    if not ids:
        return {}
    from zhijiao.resources.selectors import visible_resources

    qs = visible_resources(user).filter(pk__in=ids).select_related("subject", "school", "stage", "edition")
    return {r.pk: r for r in qs}


def facet_labels() -> dict[str, dict[str, str]]:
    """Chinese labels of facet values (codes): 数学 for "math", 三年级 for "3", 微课 for "micro"."""
    from zhijiao.catalog.selectors import CATALOG, CATALOG_CACHE_SECONDS
    from zhijiao.core.cache import cached
    from zhijiao.search.documents import catalog_labels

    return cached(CATALOG, "facet-labels", catalog_labels, timeout=CATALOG_CACHE_SECONDS)
