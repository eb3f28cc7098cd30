"""Shared data from the cache (Redis when REDIS_URL is set), invalidated by generation.

Data many requests read and few writes change — a person's roles, the catalog tree, the navigation —
is kept under a key that carries its namespace's generation number. A writer that changes such data
calls `generation_bump(name)` (after its transaction commits); every key of the old generation is then
simply never read again and expires. One bump invalidates everything of a kind, so a writer need not
know which keys readers built.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
# The generation every change of roles or of the org tree bumps: people's scopes are cached under it.
SCOPE = "scope"
_MISSING = object()
DAY = 24 * 3600


def _gen_key(name: str) -> str:
    return f"zj:gen:{name}"


def generation(name: str) -> int:
    value = cache.get(_gen_key(name))
    if value is None:
        # A number never used before (not 1): after the cache was emptied (a Redis restart), a process that
        # keeps a value in its own memory under the old number (the catalog snapshot) must not match it.
        first = time.time_ns() // 1000
        cache.add(_gen_key(name), first, None)
        value = cache.get(_gen_key(name), first)
    return value


def generations(*names: str) -> dict[str, int]:
    """`generation` of several namespaces in one cache round trip."""
    found = cache.get_many([_gen_key(n) for n in names])
    return {n: found.get(_gen_key(n)) or generation(n) for n in names}


def generation_bump(name: str) -> None:
    """Invalidate every value cached under `name` (again once the current transaction, if any, commits)."""

    def bump():
        try:
            cache.incr(_gen_key(name))
        except ValueError:  # not set yet (or evicted): any new number differs from what readers used
            cache.set(_gen_key(name), time.time_ns() // 1000, None)

    # Now (this transaction reads its own change) and after the commit (a reader in between may have
    # cached what it read before the change under the new number).
    bump()
    transaction.on_commit(bump)


def cached(name: str, key: str, build: Callable[[], T], *, timeout: int = DAY) -> T:
    """`build()`'s value, computed once per generation of `name` and shared by every process."""
    full = f"zj:{name}:{generation(name)}:{key}"
    value = cache.get(full, _MISSING)
    if value is _MISSING:
        value = build()
        cache.set(full, value, timeout)
    return value
