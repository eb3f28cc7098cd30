"""Resource cards (the browse, favourites and feed lists) rendered once and shared from the cache.

A card shows nothing personal: the item's type, level, title, subject, school, authors and counters. Its
HTML is cached under everything it shows that can change — the row's `updated_at` (any edit), its
counters and status, the language, and the catalog and org generations (a renamed subject or school) —
so a stale card is never served, and a list page renders only the cards it has not seen before: a page of
24 cards was half of a browse page's CPU.
"""

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from zhijiao.catalog.selectors import CATALOG
from zhijiao.core.cache import SCOPE, generations

CARD_SECONDS = 24 * 3600


def _key(r, stamp: str) -> str:
    return (f"zj:card:{stamp}:{r.pk}:{r.updated_at.timestamp()}:{r.status}:{r.view_count}:{r.download_count}:"
            f"{r.favourite_count}:{r.rating_count}:{r.rating_sum}")


def rendered_cards(resources) -> list[SafeString]:
    """The cards of these resources, in order: from the cache where rendered before, else rendered now."""
    resources = list(resources)
    if not resources:
        return []
    gens = generations(CATALOG, SCOPE)
    stamp = f"{get_language()}:{gens[CATALOG]}:{gens[SCOPE]}"
    keys = [_key(r, stamp) for r in resources]
    found = cache.get_many(keys)
    missing = {}
    out = []
    for r, key in zip(resources, keys, strict=True):
        html = found.get(key)
        if html is None:
            html = missing[key] = render_to_string("resources/_card.html", {"r": r})
        out.append(mark_safe(html))  # rendered by our own template (autoescaped)
    if missing:
        cache.set_many(missing, CARD_SECONDS)
    return out
