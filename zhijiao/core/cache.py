"""Shared data from the cache (Redis when REDIS_URL is set), invalidated by generation.

Data many requests read and few writes change — a person's roles, the catalog tree, the navigation —
is kept under a key that carries its namespace's generation number. A writer that changes such data
calls `generation_bump(name)` (after its transaction commits); every key of the old generation is then
simply never read again and expires. One bump invalidates everything of a kind, so a writer need not
know which keys readers built.

Within a request (`request_scope`, opened by `web.middleware.CacheRoundTrips`), the generations and the
values a page reads anyway are fetched in ONE round trip at its start (`prefetch`) and remembered until it
ends, instead of one round trip each (6–8 a page). A request sees the generations as they were when it
started, as if it had run a moment earlier; a bump inside the request updates what it remembers.
"""

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
# The generation every change of roles or of the org tree bumps: people's scopes are cached under it.
SCOPE = "scope"
_MISSING = object()
DAY = 24 * 3600


# What the current request has read: {("gen", name): number, ("key", key): value or _MISSING}. None outside a
# request (commands, workers): every read then goes to the cache.
_request: ContextVar[dict | None] = ContextVar("zhijiao_cache_request", default=None)
# Generations every page reads, fetched at the start of each request (`prefetch_on_every_request`).
_every_request: set[str] = {SCOPE}
# The generation this process saw last, per name: `prefetch` asks for values under it (right almost always).
_last_seen: dict[str, int] = {}


def _gen_key(name: str) -> str:
    return f"zj:gen:{name}"


def _full_key(name: str, gen: int, key: str) -> str:
    return f"zj:{name}:{gen}:{key}"


def _remember_gen(name: str, value: int) -> None:
    _last_seen[name] = value
    memo = _request.get()
    if memo is not None:
        memo[("gen", name)] = value


def prefetch_on_every_request(name: str) -> None:
    """Read generation `name` with the others at the start of every request (call at import time)."""
    _every_request.add(name)


def prefetched_generations() -> list[str]:
    return sorted(_every_request)


@contextlib.contextmanager
def request_scope() -> Iterator[None]:
    """Remember generations and prefetched values for the length of a request (see the module's doc)."""
    token = _request.set({})
    try:
        yield
    finally:
        _request.reset(token)


def prefetch(names: Iterable[str], values: Iterable[tuple[str, str]] = (), keys: Iterable[str] = ()) -> None:
    """Read in one round trip the generations of `names`, the `cached(name, key, ...)` values listed in
    `values` (under the generation this process saw last: used only if it is still the current one) and the
    plain cache `keys` (`get` returns them). Only within `request_scope`; elsewhere it does nothing."""
    memo = _request.get()
    if memo is None:
        return
    names = list(names)
    guesses = {_full_key(n, _last_seen[n], k): n for n, k in values if n in _last_seen}
    keys = list(keys)
    found = cache.get_many([_gen_key(n) for n in names] + list(guesses) + keys)
    for n in names:
        if (value := found.get(_gen_key(n))) is not None:
            _remember_gen(n, value)
    for full, n in guesses.items():
        # a value guessed under an older generation (a bump since) is not the current one: not kept
        if full in found and full.startswith(f"zj:{n}:{memo.get(('gen', n))}:"):
            memo[("key", full)] = found[full]
    for k in keys:
        memo[("key", k)] = found.get(k, _MISSING)


def get(key: str, default: Any = None) -> Any:
    """`cache.get(key)`, answered from what this request prefetched when it did."""
    memo = _request.get()
    if memo is not None:
        value = memo.get(("key", key), None)
        if value is not None or ("key", key) in memo:
            return default if value is _MISSING else value
    return cache.get(key, default)


def forget(*keys: str) -> None:
    """Drop what this request prefetched under these keys (a writer deleted or changed them)."""
    memo = _request.get()
    if memo is not None:
        for k in keys:
            memo.pop(("key", k), None)


def generation(name: str) -> int:
    memo = _request.get()
    if memo is not None and (value := memo.get(("gen", name))) is not None:
        return value
    value = cache.get(_gen_key(name))
    if value is None:
        # A number never used before (not 1): after the cache was emptied (a Redis restart), a process that
        # keeps a value in its own memory under the old number (the catalog snapshot) must not match it.
        first = time.time_ns() // 1000
        cache.add(_gen_key(name), first, None)
        value = cache.get(_gen_key(name), first)
    _remember_gen(name, value)
    return value


def generations(*names: str) -> dict[str, int]:
    """`generation` of several namespaces in one cache round trip (none when the request has them)."""
    memo = _request.get()
    memo = {} if memo is None else memo
    missing = [n for n in names if ("gen", n) not in memo]
    found = cache.get_many([_gen_key(n) for n in missing]) if missing else {}
    for n in missing:
        if (value := found.get(_gen_key(n))) is not None:
            _remember_gen(n, value)
    return {n: memo.get(("gen", n)) or found.get(_gen_key(n)) or generation(n) for n in names}


def generation_bump(name: str) -> None:
    """Invalidate every value cached under `name` (again once the current transaction, if any, commits)."""

    def bump():
        try:
            value = cache.incr(_gen_key(name))
        except ValueError:  # not set yet (or evicted): any new number differs from what readers used
            value = time.time_ns() // 1000
            cache.set(_gen_key(name), value, None)
        _remember_gen(name, value)

    # Now (this transaction reads its own change) and after the commit (a reader in between may have
    # cached what it read before the change under the new number).
    bump()
    transaction.on_commit(bump)


def cached(name: str, key: str, build: Callable[[], T], *, timeout: int = DAY) -> T:
    """`build()`'s value, computed once per generation of `name` and shared by every process."""
    full = _full_key(name, generation(name), key)
    value = get(full, _MISSING)
    if value is _MISSING:
        value = build()
        cache.set(full, value, timeout)
    return value
