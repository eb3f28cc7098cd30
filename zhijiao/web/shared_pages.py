"""Pages rendered once for everyone who sees the same thing, with the personal parts filled in per request.

A resource browse listing or a search results page is the same HTML for every person whose scope (the
schools whose items they see, the kinds of role that decide its links) and language are the same, but for
a few personal values: the CSRF token in its forms, the name and role in the top bar, the unread count.
`render_shared` renders such a page once with a *hole* in place of each personal value, caches the HTML
under a key that names everything else the page depends on, and fills the holes on every request.

A hole is a token no content can contain: alphanumeric (escaping leaves it as it is, so it survives inside an
attribute) and derived from SECRET_KEY (nobody can type it into a title to have someone's CSRF token
printed there). The caller's key must name everything the page shows apart from the holes; the request's
full path (query string included) and the language are always part of it. A page with a message to show
(after a form was sent) is rendered as usual and not cached.
"""

import hashlib
import re
from collections.abc import Callable

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.crypto import salted_hmac
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from zhijiao.web.context import inbox_badge_html, inbox_link_html, who_html

PAGE_SECONDS = 3600


def _token() -> str:
    return salted_hmac("zhijiao.web.shared_pages", "holes").hexdigest()[:20]


_TOKEN = SimpleLazyObject(_token)  # (settings are read on first use, not at import)
NAMES = ("csrf", "inbox", "badge", "who")


def hole(name: str) -> str:
    return f"zjhole{_TOKEN}{name}x"


_live_re: re.Pattern | None = None


def fill_live(html: str, live: dict) -> str:
    """`html` with the holes of `live` values (names of letters other than x, and digits) replaced by them,
    escaped, in one pass: a list page has five per card."""
    global _live_re
    if not live:
        return html
    if _live_re is None:
        _live_re = re.compile(f"zjhole{_TOKEN}([0-9a-wyz]+)x")
    parts = _live_re.split(html)  # text, name, text, name … (faster than a sub with a function per hole)
    for i in range(1, len(parts), 2):
        value = live.get(parts[i])
        parts[i] = escape(value) if value is not None else hole(parts[i])
    return "".join(parts)


def holes_context() -> dict:
    """Template values to render a shared page with: every personal value is a hole."""
    return {"csrf_token": hole("csrf"), "shell_inbox": mark_safe(hole("inbox")),
            "shell_inbox_badge": mark_safe(hole("badge")), "shell_who": mark_safe(hole("who"))}


def fill(request, html: str, live: dict | None = None) -> str:
    """The shared HTML with this request's personal values in its holes, and the `live` values (figures that
    change too often to key a page by, such as counters) in theirs."""
    user = request.user
    values = {"csrf": lambda: get_token(request), "inbox": lambda: inbox_link_html(user),
              "badge": lambda: inbox_badge_html(user), "who": lambda: who_html(user)}
    for name in NAMES:
        mark = hole(name)
        if mark in html:
            html = html.replace(mark, str(values[name]()))
    return fill_live(html, live or {})


def live_holes(live: dict) -> dict:
    """The holes of `live` values (alphanumeric names), to render a shared page with."""
    return {name: hole(name) for name in live}


def render_shared(request, template: str, context: Callable[[], dict], *, key: str, live: dict | None = None,
                  timeout: int = PAGE_SECONDS) -> HttpResponse:
    """`render(request, template, context())`, from the cache when this page was rendered for the same `key`.

    `context` is only called on a miss. `key` names everything the page shows other than the holes and the
    request's path and language (added here): the viewer's scope, the generations and stamps of the data.
    `live`: values the template reads as `live.<name>`, filled in per request (not part of the key)."""
    live = live or {}
    if len(messages.get_messages(request)):  # (counting does not consume them)
        # (the personal parts as usual; cards may hold the holes of `live` values)
        return HttpResponse(fill_live(render_to_string(template, {**context(), "live": live}, request), live))
    named = "\x1f".join([template, get_language() or "", static("web/icons.svg"), request.get_full_path(), key])
    full = f"zj:page:{hashlib.sha256(named.encode()).hexdigest()}"
    html = cache.get(full)
    if html is None:
        html = render_to_string(template, {**context(), **holes_context(), "live": live_holes(live)}, request)
        cache.set(full, html, timeout)
    return HttpResponse(fill(request, html, live))
