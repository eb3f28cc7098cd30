"""Bulk loading of generated demo data: PostgreSQL COPY, `bulk_create` elsewhere.

Each writer here stores exactly the rows `Model.objects.bulk_create(...)` would (every field's default,
`auto_now` stamp and database preparation), only faster on PostgreSQL:

- `insert(model, objs)`: unsaved instances, streamed with COPY instead of multi-row INSERTs; primary keys
  are set on the objects afterwards, as bulk_create does.
- `insert_dicts(model, rows)`: rows given as dicts of attribute values (the fields left out take their
  defaults), for loads of hundreds of thousands of rows, where building a model instance per row would
  cost more than writing it; returns the new primary keys.
- `insert_values(model, attnames, rows)`: plain tuples already in database form (e.g. many-to-many links).
- `loading(*models)`: around a big load, PostgreSQL drops the tables' secondary indexes and foreign keys
  and puts them back at the end: each index is built in one sorted pass and each foreign key checked by
  one join, instead of per row (a deferred foreign-key check per row would otherwise run at commit).

Primary keys of auto-increment models are drawn from the table's own sequence before the COPY (one
`nextval` per row, in order), so ids are what sequential inserts would have given. Only for generated
demo data inside the builder's transaction: no signals, no `save()`.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import multiprocessing
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from django.db import connection, connections, models
from django.utils import timezone

# Fields whose value goes to COPY as is (psycopg writes str, int, bool, float, aware datetimes and None as
# their `get_db_prep_save` would); any other field (JSON, UUID, dates, files ...) goes through it.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.FloatField,
          models.DateTimeField, models.UUIDField)


def _plain(field) -> bool:
    if isinstance(field, models.ForeignKey):
        return _plain(field.target_field)
    return isinstance(field, _PLAIN)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


def progress_bar(tqdm_factory, total: int | None, desc: str, unit: str = "行"):
    """A tqdm bar from the builder's `tqdm_factory` (a no-op bar without one): a context manager with
    `.update(k)`; `total=None` counts without an end."""
    if tqdm_factory is None:
        return _NoBar()
    return tqdm_factory(None, total=total, desc=desc, unit=unit, unit_scale=True)


def postgres() -> bool:
    return connection.vendor == "postgresql"


def _fields(model) -> list:
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def _auto_pk(model) -> bool:
    return isinstance(model._meta.pk, models.AutoField)  # AutoField, BigAutoField, SmallAutoField


def reserve_ids(model, n: int) -> list[int]:
    """`n` fresh ids from the model's primary-key sequence (PostgreSQL), ascending."""
    if n <= 0:
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column, n])
        return sorted(r[0] for r in cur.fetchall())


def copy_escape(value: str) -> str:
    """`value` as COPY text (backslash, newline, carriage return and tab escaped)."""
    if "\\" in value or "\n" in value or "\r" in value or "\t" in value:
        return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return value


def _aware_text(value: datetime.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} in a bulk load")
    return value.isoformat()


# COPY text by exact type (the common cases); anything else goes through `_copy_text`'s checks.
_TEXT_OF = {str: copy_escape, int: str, float: repr, uuid.UUID: str, datetime.datetime: _aware_text,
            datetime.date: datetime.date.isoformat, Decimal: str,
            bool: lambda v: "t" if v else "f", type(None): lambda v: "\\N"}


def _copy_text(value) -> str:
    """One value in COPY's text format: what PostgreSQL parses back into the same typed value (psycopg's own
    `write_row` gives the same text, several times slower)."""
    text_of = _TEXT_OF.get(type(value))
    if text_of is not None:
        return text_of(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):  # e.g. a TextChoices member
        return copy_escape(str.__str__(value))
    if isinstance(value, int):  # e.g. an IntegerChoices member
        return str(int(value))
    if isinstance(value, float | Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime):
        return _aware_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    from psycopg.types.json import Json, Jsonb

    if isinstance(value, Json | Jsonb):  # a JSONField's prepared value
        return copy_escape((value.dumps or json.dumps)(value.obj))
    raise TypeError(f"no COPY text for {type(value).__name__}")


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence], *,
              tick: Callable[[int], None] | None = None, every: int = 10_000) -> int:
    """COPY plain rows into `table` (PostgreSQL only), sent `every` rows at a time; `tick(k)` after each
    send. Returns the count."""
    q = connection.ops.quote_name
    n = 0
    with connection.cursor() as cur:
        with cur.cursor.copy(f"COPY {q(table)} ({', '.join(q(c) for c in columns)}) FROM STDIN") as copy:
            lines = []
            for row in rows:
                lines.append("\t".join(map(_copy_text, row)))
                if len(lines) == every:
                    copy.write("\n".join(lines) + "\n")
                    n += len(lines)
                    lines = []
                    if tick is not None:
                        tick(every)
            if lines:
                copy.write("\n".join(lines) + "\n")
                n += len(lines)
                if tick is not None:
                    tick(len(lines))
    return n


def _bulk_create(model, objs: list, batch: int, tick) -> None:
    for start in range(0, len(objs), batch):
        chunk = objs[start : start + batch]
        model.objects.bulk_create(chunk, batch_size=batch)
        if tick is not None:
            tick(len(chunk))


def insert(model, objs: list, *, batch: int = 5000, tick: Callable[[int], None] | None = None) -> None:
    """Insert unsaved `objs` of `model` as bulk_create would, and set their primary keys.

    `tick(k)` is called as rows are written (k rows at a time), for a progress bar.
    """
    if not objs:
        return
    if not postgres():
        _bulk_create(model, objs, batch, tick)
        return
    pk = model._meta.pk
    fields = _fields(model)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    if _auto_pk(model):
        missing = [o for o in objs if o.pk is None]
        for obj, pk_value in zip(missing, reserve_ids(model, len(missing)), strict=True):
            obj.pk = pk_value
    else:
        for obj in objs:
            if obj.pk is None:
                obj.pk = pk.get_pk_value_on_save(obj)
    conn = connections[connection.alias]  # the connection itself: the proxy costs a lookup per use
    plain = [(f.attname, None) if _plain(f) and not getattr(f, "auto_now", False)
             and not getattr(f, "auto_now_add", False) else (f.attname, f) for f in fields]

    def rows():
        for obj in objs:
            yield [getattr(obj, attname) if f is None else f.get_db_prep_save(f.pre_save(obj, True), conn)
                   for attname, f in plain]
            obj._state.adding = False
            obj._state.db = conn.alias

    copy_rows(model._meta.db_table, [f.column for f in fields], rows(), tick=tick, every=batch)


def _column_plan(f, is_pk: bool, conn) -> tuple[str | None, Callable, Callable[[], str], str | None]:
    if _plain(f):
        text = _copy_text  # the COPY text of a str, int, UUID ... is what PostgreSQL parses
    elif isinstance(f, models.JSONField):
        def text(v, encoder=f.encoder):
            return "\\N" if v is None else copy_escape(json.dumps(v, cls=encoder))
    else:
        def text(v):
            return _copy_text(f.get_db_prep_save(v, conn))
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return None, text, lambda: text(timezone.now()), None
    if is_pk or (f.has_default() and callable(f.default)):
        return f.attname, text, lambda: text(f.get_default()), None
    constant = text(f.get_default())
    return f.attname, text, lambda: constant, constant


class RowFormat:
    """Rows of `model` given as dicts of attribute values, as COPY text lines: the fields left out take
    their defaults and `auto_now` fields the time of formatting, as `model(**row)` saved by bulk_create
    would. Needs no database round trip, so forked workers can format rows (see `copy_parallel`)."""

    def __init__(self, model, *, database_pk: bool = False):
        """`database_pk`: leave the (auto-increment) primary key out, for the table's default to assign."""
        self.model = model
        self.pk = pk = model._meta.pk
        conn = connections[connection.alias]
        fields = [f for f in _fields(model) if not (database_pk and f is pk)]
        # Per column: (attname to read, or None for auto_now stamps; value -> text; text when left out;
        # that text when it is a constant, else None).
        self.plan = [_column_plan(f, f is pk, conn) for f in fields]
        self.columns = [f.column for f in fields]

    def line(self, row: dict, pk=None) -> str:
        """One COPY line (without its newline); `pk` overrides the row's primary key (e.g. a reserved id)."""
        if pk is not None:
            row = {**row, self.pk.attname: pk}
        return "\t".join([text(row[attname]) if attname in row else default()
                          for attname, text, default, _constant in self.plan])

    def template(self, attnames: Sequence[str]) -> str:
        """A `str.format` template of one line: `{0}`, `{1}` ... stand for the COPY text of `attnames`, in
        that order; every other column is its (constant) default. For rows written out by hand in a hot loop
        (compare with `line` in a test). ValueError if another column's default changes per row."""
        parts = []
        for attname, _text, _default, constant in self.plan:
            if attname in attnames:
                parts.append(f"{{{list(attnames).index(attname)}}}")
            elif constant is not None:
                parts.append(constant.replace("{", "{{").replace("}", "}}"))
            else:
                raise ValueError(f"{self.model.__name__}.{attname}: no constant default, give it a value")
        return "\t".join(parts)


def copy_text(table: str, columns: Sequence[str], text: str) -> None:
    """COPY ready COPY-format text (lines ending in newlines) into `table` (PostgreSQL only)."""
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        with cur.cursor.copy(f"COPY {q(table)} ({', '.join(q(c) for c in columns)}) FROM STDIN") as copy:
            copy.write(text)


def insert_dicts(model, rows: list[dict], *, batch: int = 5000,
                 tick: Callable[[int], None] | None = None) -> list:
    """Insert one row per dict of attribute values (fields left out take their defaults, `auto_now`
    fields the time of writing), as bulk_create of `model(**row)` would; returns the primary keys in order."""
    if not rows:
        return []
    if not postgres():
        objs = [model(**row) for row in rows]
        _bulk_create(model, objs, batch, tick)
        return [o.pk for o in objs]
    fmt = RowFormat(model)
    pk = fmt.pk
    if pk.attname in rows[0]:
        ids = [row[pk.attname] for row in rows]
    elif _auto_pk(model):
        ids = reserve_ids(model, len(rows))
    else:
        ids = [pk.get_default() for _row in rows]
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        copy_text(model._meta.db_table, fmt.columns,
                  "".join(fmt.line(row, pk) + "\n" for row, pk in zip(chunk, ids[start : start + batch], strict=True)))
        if tick is not None:
            tick(len(chunk))
    return ids


_work: Callable | None = None  # the function forked workers of `copy_parallel` run


def _run_work(item):
    return _work(item)


def copy_parallel(items: Iterable, work: Callable, targets: Sequence[tuple[str, Sequence[str]]], *,
                  workers: int | None = None, tick: Callable[[int], None] | None = None) -> int:
    """COPY, for each item, the texts `work(item)` returns: `(n, text for targets[0], text for targets[1] ...)`
    (n counted into `tick`). `work` runs in processes forked now (it is pure Python formatting: no database
    access), results are written in order by this thread over the builder's connection. PostgreSQL only.
    Returns the sum of n."""
    global _work
    workers = workers or min(4, os.cpu_count() or 1)
    total = 0

    def write(result):
        nonlocal total
        n, *texts = result
        for (table, columns), text in zip(targets, texts, strict=True):
            if text:
                copy_text(table, columns, text)
        total += n
        if tick is not None:
            tick(n)

    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for item in items:
            write(work(item))
        return total
    _work = work
    try:
        # Forked workers never touch the database connection they inherit, and exit without running its
        # finalisers (multiprocessing ends them with os._exit).
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pending: deque = deque()
            for item in items:  # items are generated here, in order
                pending.append(pool.apply_async(_run_work, (item,)))
                while len(pending) > 2 * workers:
                    write(pending.popleft().get())
            while pending:
                write(pending.popleft().get())
    finally:
        _work = None
    return total


def insert_values(model, attnames: Sequence[str], rows: list[Sequence], *, batch: int = 5000,
                  tick: Callable[[int], None] | None = None) -> None:
    """Insert plain rows (values of `attnames`, already in database form, e.g. the ids of a many-to-many
    link) into `model`; its primary key comes from the table's default, as with bulk_create."""
    if not rows:
        return
    if not postgres():
        _bulk_create(model, [model(**dict(zip(attnames, row, strict=True))) for row in rows], batch, tick)
        return
    columns = [model._meta.get_field(a).column for a in attnames]
    copy_rows(model._meta.db_table, columns, rows, tick=tick, every=batch)


@contextlib.contextmanager
def loading(*models_):
    """PostgreSQL: drop the secondary indexes and foreign keys of these models' tables for the block, then
    build each index in one pass and check each foreign key with one query. Primary keys and unique
    indexes stay, so uniqueness holds throughout. Use inside the builder's transaction: if the block
    fails, the rollback restores what was dropped. Elsewhere a no-op."""
    if not postgres():
        yield
        return
    q = connection.ops.quote_name
    indexes, foreign_keys = [], []
    with connection.cursor() as cur:
        # Run the foreign-key checks still pending from earlier writes now: PostgreSQL alters no table with
        # pending trigger events. Django's constraints are all INITIALLY DEFERRED, restored at the end.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in models_:
            table = q(model._meta.db_table)
            cur.execute(
                "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid"
                " WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)"
                " ORDER BY c.relname", [table])
            indexes += cur.fetchall()
            cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                        " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", [table])
            foreign_keys += [(table, name, definition) for name, definition in cur.fetchall()]
        for table, name, _definition in foreign_keys:
            cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {q(name)}")
        for name, _definition in indexes:
            cur.execute(f"DROP INDEX {q(name)}")
    yield
    with connection.cursor() as cur:
        cur.execute("SHOW maintenance_work_mem")
        before = cur.fetchone()[0]
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")  # room to sort each index in memory
        for _name, definition in indexes:
            cur.execute(definition)
        cur.execute("SELECT set_config('maintenance_work_mem', %s, true)", [before])
        for table, name, definition in foreign_keys:
            cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {q(name)} {definition}")
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
