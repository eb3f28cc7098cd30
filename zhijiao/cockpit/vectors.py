"""Count vectors: every teacher's and every class's counts over any period in a few reads (both databases).

The teacher index needs, for ~10,000 teachers and each indicator, a count (or a number of active days)
over whatever period the user picks. Keeping a row per teacher, key and day (or a running-totals array per
teacher and key) made the district page read every teacher's rows: ~300 MB at 10 million statements.
Here the data is turned around: a row per count key and day holds the figures of EVERY owner of that kind,
as a vector indexed by the owner's slot.

- `CountKey` names a kind of count: kind "actor" (a teacher's own statements: role groups
  `DETAILED_GROUPS`) or "class" (statements attributed to a class), with role group, verb and activity type.
- `OwnerSlot` gives each owner (a teacher's user id, a class's node id) a small number per kind, on first
  sight; slots only grow, so an older (shorter) vector is the same vector with zeros after its end.
- `CountVector` (key, day) — one row for each day the key had statements — holds `totals`, every owner's
  running total of the key's count through the end of that day (little-endian int32 by slot), and
  `active`, a bit per slot (numpy `packbits` order): the owner had a count that day.

The count over days a..b is `totals(b) − totals(a − 1)`, where totals(x) is the newest row on or before x:
two rows per key whatever the period. Active days are the set bits of the rows in a..b. Voids add −1 like
any other count, so a day whose statements are all voided loses its bit.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.db import connection

from zhijiao.cockpit.models import CountKey, CountVector, OwnerSlot
from zhijiao.core.cache import cached, generation_bump

KINDS = ("actor", "class")


def _vec(blob, length: int) -> np.ndarray:
    """A stored totals vector as int64, padded with zeros to `length` slots."""
    out = np.zeros(length, dtype=np.int64)
    if blob:
        v = np.frombuffer(bytes(blob), dtype="<i4")
        out[: len(v)] = v
    return out


def _bits(blob, length: int) -> np.ndarray:
    out = np.zeros(length, dtype=bool)
    if blob:
        v = np.unpackbits(np.frombuffer(bytes(blob), dtype=np.uint8))[:length].astype(bool)
        out[: len(v)] = v
    return out


def _slots_with(kind: str, owners: set[int]) -> dict[int, int]:
    """The kind's slots, new owners given the next free ones (rollups run one at a time: the checkpoint lock)."""
    known = dict(OwnerSlot.objects.filter(kind=kind).values_list("owner_id", "slot"))
    new = sorted(owners - known.keys())
    if new:
        start = max(known.values(), default=-1) + 1
        OwnerSlot.objects.bulk_create([OwnerSlot(kind=kind, owner_id=o, slot=start + k) for k, o in enumerate(new)])
        known.update({o: start + k for k, o in enumerate(new)})
        generation_bump(VECTORS)
    return known


def keys() -> dict[tuple[str, str, str, str], int]:
    """(kind, role, verb, object_type) → CountKey id."""
    return {(k, r, v, t): pk for pk, k, r, v, t in
            CountKey.objects.values_list("pk", "kind", "role", "verb", "object_type")}


def _keys_with(combos) -> dict[tuple[str, str, str, str], int]:
    known = keys()
    new = [c for c in combos if c not in known]
    if new:
        CountKey.objects.bulk_create([CountKey(kind=k, role=r, verb=v, object_type=t) for k, r, v, t in new])
        known = keys()
        generation_bump(VECTORS)
    return known


# Pages read the slots and keys from the cache, under a generation that every new slot or key bumps.
VECTORS = "cockpit-vectors"


def all_slots() -> dict[str, dict[int, int]]:
    out: dict[str, dict[int, int]] = {kind: {} for kind in KINDS}
    for kind, owner, slot in OwnerSlot.objects.values_list("kind", "owner_id", "slot"):
        out.setdefault(kind, {})[owner] = slot
    return out


def slots_cached() -> dict[str, dict[int, int]]:
    """kind → owner id → slot (every kind in one read)."""
    return cached(VECTORS, "slots", all_slots)


def keys_cached() -> dict[tuple[str, str, str, str], int]:
    return cached(VECTORS, "keys", keys)


def vectors_add(rows) -> None:
    """Add counts to the vectors: `rows` of (kind, owner_id, role, verb, object_type, day, n), n may be
    negative (voids). Rewrites, per key, the rows from the earliest day given on (a late statement moves
    every later running total); run inside the rollup's transaction."""
    by_key: dict[tuple, list] = defaultdict(list)
    owners: dict[str, set[int]] = defaultdict(set)
    for kind, owner, role, verb, object_type, day, n in rows:
        if n:
            by_key[(kind, role, verb, object_type)].append((day, owner, n))
            owners[kind].add(owner)
    if not by_key:
        return
    slot_of = {kind: _slots_with(kind, ids) for kind, ids in owners.items()}
    key_ids = _keys_with(list(by_key))
    for combo, items in by_key.items():
        _add_to_key(key_ids[combo], slot_of[combo[0]], items)


def _add_to_key(key_id: int, slot_of: dict[int, int], items: list[tuple[date, int, int]]) -> None:
    length = max(slot_of.values()) + 1
    first = min(d for d, _o, _n in items)
    before = (CountVector.objects.filter(key_id=key_id, day__lt=first).order_by("-day")
              .values_list("totals", flat=True).first())
    stored, pk_of = {}, {}
    for pk, d, totals in CountVector.objects.filter(key_id=key_id, day__gte=first).values_list("pk", "day", "totals"):
        stored[d], pk_of[d] = totals, pk
    days = sorted({d for d, _o, _n in items} | stored.keys())
    at = {d: i for i, d in enumerate(days)}
    delta = np.zeros((len(days), length), dtype=np.int64)
    np.add.at(delta, (np.array([at[d] for d, _o, _n in items]), np.array([slot_of[o] for _d, o, _n in items])),
              np.array([n for _d, _o, n in items], dtype=np.int64))
    np.cumsum(delta, axis=0, out=delta)  # a count on day x raises every running total from x on
    previous = carried = _vec(before, length)
    new_rows, changed = [], []
    for i, d in enumerate(days):
        if d in stored:
            carried = _vec(stored[d], length)
        totals = carried + delta[i]
        active = np.packbits(totals > previous).tobytes()
        row = CountVector(pk=pk_of.get(d), key_id=key_id, day=d, totals=totals.astype("<i4").tobytes(), active=active)
        (changed if d in stored else new_rows).append(row)
        previous = totals
    if changed:
        CountVector.objects.bulk_update(changed, ["totals", "active"], batch_size=100)
    if new_rows:
        CountVector.objects.bulk_create(new_rows, batch_size=100)


@dataclass
class KeyRead:
    """What a period needs of some keys, as stored (unpadded): the totals at the day before the period and
    at its last day, and the active bits of each day in the period."""

    start: dict[int, bytes]
    end: dict[int, bytes]
    days: dict[int, dict[date, bytes]]

    def totals(self, key_id: int, length: int) -> np.ndarray:
        """The key's count over the period for every slot."""
        return _vec(self.end.get(key_id), length) - _vec(self.start.get(key_id), length)

    def active(self, key_id: int, length: int) -> dict[date, np.ndarray]:
        return {d: _bits(b, length) for d, b in self.days.get(key_id, {}).items()}


def read_period(count_keys: list[int], day_keys: list[int], start: date, end: date) -> KeyRead:
    """One query: for `count_keys` the newest row on or before the day before `start` and on or before
    `end`; for `day_keys` the active bits of each day in start..end."""
    read = KeyRead({}, {}, defaultdict(dict))
    table = CountVector._meta.db_table
    parts, params = [], []
    day = connection.ops.adapt_datefield_value
    if count_keys:
        marks = ", ".join(["%s"] * len(count_keys))
        for tag, until in (("s", start - timedelta(days=1)), ("e", end)):
            parts.append(f"SELECT '{tag}', c.key_id, c.day, c.totals FROM {table} c WHERE c.key_id IN ({marks}) "
                         f"AND c.day = (SELECT MAX(c2.day) FROM {table} c2 WHERE c2.key_id = c.key_id "
                         f"AND c2.day <= %s)")
            params += [*count_keys, day(until)]
    if day_keys:
        marks = ", ".join(["%s"] * len(day_keys))
        parts.append(f"SELECT 'd', c.key_id, c.day, c.active FROM {table} c WHERE c.key_id IN ({marks}) "
                     f"AND c.day BETWEEN %s AND %s")
        params += [*day_keys, day(start), day(end)]
    if not parts:
        return read
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), params)
        for tag, key_id, d, blob in cur.fetchall():
            if tag == "d":
                read.days[key_id][as_date(d)] = blob
            else:
                (read.start if tag == "s" else read.end)[key_id] = blob
    return read


def as_date(v) -> date:
    """A DATE column's value as a date (SQLite's driver gives text)."""
    return v if isinstance(v, date) else date.fromisoformat(str(v)[:10])
