"""Resource cards (the browse, favourites and feed lists, the facts of a search hit) rendered once and
shared from the cache.

A card shows nothing personal: the item's type, level, title, subject, school, authors and counters. Its
HTML is cached under everything it shows that can change — the row's `updated_at` (any edit), its
status, whether it is rated, the language, and the catalog and org generations (a renamed subject or
school) — so a stale card is never served, and a list page renders only the cards it has not seen before:
a page of 24 cards was half of a browse page's CPU. The counters (views, downloads, favourites, ratings)
change with every drain of the trail (every 2 s under load), so they are not part of the key: the cached
card holds a hole for each (`web.shared_pages`), filled from the row the list reads anyway — in each card
(`rendered_cards`), or, for a page shared whole, in the page (`card_counters`, its `live` values).
"""

import hashlib

from django.core.cache import cache
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from zhijiao.catalog.selectors import CATALOG
from zhijiao.core.cache import SCOPE, generations
from zhijiao.web.shared_pages import fill_live, hole

CARD_SECONDS = 24 * 3600
CARD_TEMPLATE = "resources/_card.html"
# What names a card in the cache and fills its counters: a list can read just these
# (`values_list(*CARD_STAMP, named=True)`) and load the whole rows of the cards not cached yet.
CARD_STAMP = ("pk", "updated_at", "status", "view_count", "download_count", "favourite_count", "rating_count",
              "rating_sum")


def _key(r, stamp: str) -> str:
    # (whether it is rated: the card shows its rating only then; the counters themselves are holes)
    return f"{stamp}:{r.pk}:{r.updated_at.timestamp()}:{r.status}:{r.rating_count > 0:d}"


def counter_holes(pk: int) -> dict[str, str]:
    """What a card template shows in place of resource `pk`'s counters (`live.views` …)."""
    return {name: hole(f"{letter}{pk}") for name, letter in _COUNTERS}


_COUNTERS = (("views", "v"), ("downloads", "d"), ("favourites", "f"), ("ratings", "n"), ("ratingavg", "a"))


def card_counters(rows) -> dict[str, str]:
    """The counters of these rows (`CARD_STAMP` rows or whole rows) as the `live` values of a page whose cards
    were rendered with `counter_holes`."""
    live = {}
    for r in rows:
        average = round(r.rating_sum / r.rating_count, 1) if r.rating_count else None  # Resource.rating_average
        for (_name, letter), value in zip(_COUNTERS, (r.view_count, r.download_count, r.favourite_count,
                                                      r.rating_count, localize(average)), strict=True):
            live[f"{letter}{r.pk}"] = str(value)
    return live


def cards_stamp(rows) -> str:
    """One string that changes whenever a card of these rows would (rows of `CARD_STAMP` or whole rows): a
    page of cards cached under it (`web.shared_pages`) is never staler than the cards themselves. Not their
    counters: the page fills them in (`card_counters`)."""
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


def rendered_cards(resources, template: str = CARD_TEMPLATE, *, load=None, holes: bool = False
                   ) -> list[SafeString]:
    """The cards of these resources, in order: from the cache where rendered before, else rendered now.

    `template` renders one resource `r` and shows nothing personal and nothing but the item's own fields,
    the names of its catalog entries and school, and its counters as `live.views`, `live.downloads`,
    `live.favourites`, `live.ratings`, `live.ratingavg`. `resources` are whole rows, or rows of
    `CARD_STAMP` only with `load(pks)` giving the whole rows of those to render (so a list whose cards are
    all cached reads no more than the stamps). The counters are filled in from `resources`, or with
    `holes`, left as holes for a shared page to fill (`card_counters`)."""
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
    missing = {key: render_to_string(template, {"r": r, "live": counter_holes(r.pk)}) for r, key in to_render}
    if missing:
        cache.set_many(missing, CARD_SECONDS)
    cards = [found.get(key) or missing.get(key, "") for key in keys]
    if not holes:
        cards = [fill_live(card, card_counters([r])) for card, r in zip(cards, resources, strict=True)]
    # rendered by our own template (autoescaped); counters are numbers, escaped all the same
    return [mark_safe(card) for card in cards]
