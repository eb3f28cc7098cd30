"""Resource cards (the browse, favourites and feed lists, the facts of a search hit) rendered once and
shared from the cache.

A card shows nothing personal: the item's type, level, title, subject, school, authors and counters. Its
HTML is cached under everything it shows that can change — the row's `updated_at` (any edit), its
counters and status, the language, and the catalog and org generations (a renamed subject or school) —
so a stale card is never served, and a list page renders only the cards it has not seen before: a page of
24 cards was half of a browse page's CPU.
"""

import hashlib

from django.core.cache import cache
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from zhijiao.catalog.selectors import CATALOG
from zhijiao.core.cache import SCOPE, generations

CARD_SECONDS = 24 * 3600
CARD_TEMPLATE = "resources/_card.html"
# What names a card in the cache: a list can read just these (`values_list(*CARD_STAMP, named=True)`) and
# load the whole rows of the cards not cached yet.
CARD_STAMP = ("pk", "updated_at", "status", "view_count", "download_count", "favourite_count", "rating_count",
              "rating_sum")


def _key(r, stamp: str) -> str:
    return (f"{stamp}:{r.pk}:{r.updated_at.timestamp()}:{r.status}:{r.view_count}:{r.download_count}:"
            f"{r.favourite_count}:{r.rating_count}:{r.rating_sum}")


def cards_stamp(rows) -> str:
    """One string that changes whenever a card of these rows would (rows of `CARD_STAMP` or whole rows): a
    page of cards cached under it (`web.shared_pages`) is never staler than the cards themselves."""
    gens = generations(CATALOG, SCOPE)
    return hashlib.sha1("|".join([f"{gens[CATALOG]}:{gens[SCOPE]}", *(_key(r, "") for r in rows)])
                        .encode()).hexdigest()


def resource_stamp(r) -> str:
    """Everything of a whole row that its own page shows and that can change, but its counters (which that
    page fills in per request): any edit (`updated_at`), its status, its visible comments' count, whether it
    is rated, its contributor's name, renamed catalog entries or schools. The page of an item cached under
    it is never staler than the item."""
    gens = generations(CATALOG, SCOPE)
    return (f"{gens[CATALOG]}:{gens[SCOPE]}:{r.pk}:{r.updated_at.timestamp()}:{r.status}:{r.comment_count}:"
            f"{r.rating_count > 0:d}:{r.contributor.display_name if r.contributor_id else ''}:{r.published_at}")


def rendered_cards(resources, template: str = CARD_TEMPLATE, *, load=None) -> list[SafeString]:
    """The cards of these resources, in order: from the cache where rendered before, else rendered now.

    `template` renders one resource `r` and shows nothing personal and nothing but the item's own fields,
    its counters and the names of its catalog entries and school. `resources` are whole rows, or rows of
    `CARD_STAMP` only with `load(pks)` giving the whole rows of those to render (so a list whose cards are
    all cached reads no more than the stamps)."""
    resources = list(resources)
    if not resources:
        return []
    gens = generations(CATALOG, SCOPE)
    # (the icon sprite's hashed name too: a card names it, and a deploy may change it)
    stamp = f"zj:card:{template}:{get_language()}:{gens[CATALOG]}:{gens[SCOPE]}:{static('web/icons.svg')}"
    keys = [_key(r, stamp) for r in resources]
    found = cache.get_many(keys)
    to_render = [(r, key) for r, key in zip(resources, keys, strict=True) if key not in found]
    if to_render and load is not None:
        whole = {row.pk: row for row in load([r.pk for r, _key in to_render])}
        to_render = [(whole[r.pk], key) for r, key in to_render if r.pk in whole]  # (one deleted meanwhile)
    missing = {key: render_to_string(template, {"r": r}) for r, key in to_render}
    if missing:
        cache.set_many(missing, CARD_SECONDS)
    # rendered by our own template (autoescaped)
    return [mark_safe(found.get(key) or missing.get(key, "")) for key in keys]
