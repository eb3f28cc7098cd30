"""The only writers of the event trail and the learning record store.

`record_event` is THE entry point every action of the platform calls to write its statement, inside
the caller's transaction, so a statement exists exactly when the action it describes committed
(architecture section 5). `statements_store` is what /xapi/ calls for outside tools.
"""

import collections
import functools
import hashlib
import json
import operator
import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from zhijiao.core.files import UnreadableFile, read_json
from zhijiao.core.models import OrgNode
from zhijiao.records.models import (
    Activity,
    Attachment,
    Document,
    LrsClient,
    Statement,
    StatementTerm,
)
from zhijiao.records.vocabulary import activity_id, activity_type_iri, verb_iri
from zhijiao.records.xapi.statements import (
    PLATFORM_AUTHORITY,
    activity_definitions,
    equivalent,
    is_voiding,
    platform_user_id,
    terms,
    user_agent,
)
from zhijiao.records.xapi.validation import XapiInvalid, parse_timestamp, validate_statement

# Column widths: longer IRIs are refused with a clear message rather than cut.
MAX_VERB = 500
MAX_OBJECT = 1000
MAX_TERM = 700


def _term_rows(st: Statement, body: dict) -> list[tuple]:
    return [(st.id, kind, key[:MAX_TERM], primary) for kind, key, primary in terms(body)]


def _fast_insert(model, objs: list) -> None:
    """INSERT by executemany, with each field's own database preparation (what bulk_create does,
    without building one giant statement per batch, which dominates the cost for wide rows)."""
    if not objs:
        return
    from django.db import connection

    q = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields]
    sql = (f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    params = [[f.get_db_prep_save(getattr(o, f.attname), connection) for f in fields] for o in objs]
    with connection.cursor() as cur:
        cur.executemany(sql, params)


def _insert_terms(rows: list[tuple]) -> None:
    """Index rows by executemany: several per statement, so the ORM's per-object cost matters here."""
    if not rows:
        return
    from django.db import connection

    q = connection.ops.quote_name
    sid_field = StatementTerm._meta.get_field("statement").target_field
    sql = (f"INSERT INTO {q(StatementTerm._meta.db_table)} ({q('statement_id')}, {q('kind')}, {q('key')}, "
           f"{q('primary')}) VALUES (%s, %s, %s, %s)")
    params = [(sid_field.get_db_prep_value(sid, connection), kind, key, primary) for sid, kind, key, primary in rows]
    with connection.cursor() as cur:
        cur.executemany(sql, params)


def statement_build(
    *,
    actor,
    verb: str,
    object_kind: str,
    object_key: str | int,
    object_name: str = "",
    result: dict | None = None,
    school: OrgNode | int | None = None,
    klass: OrgNode | int | None = None,
    actor_role: str = "",
    extensions: dict | None = None,
    timestamp: datetime | None = None,
    statement_id: uuid.UUID | None = None,
    stored: datetime | None = None,
) -> Statement:
    """An unsaved platform statement: actor did verb to object, with result and school/class context.

    `actor` is a User or a user id; `school`/`klass` an OrgNode or its id (the batched trail carries ids).
    """
    now = stored or timezone.now()
    ts = timestamp or now
    sid = statement_id or uuid.uuid4()
    actor_id = actor if isinstance(actor, int) else (actor.pk if actor is not None else None)
    school_id = school if isinstance(school, int) or school is None else school.pk
    klass_id = klass if isinstance(klass, int) or klass is None else klass.pk
    obj_id = activity_id(object_kind, object_key)
    definition: dict = {"type": activity_type_iri(object_kind)}
    if object_name:
        definition["name"] = {"zh-CN": object_name}
    context: dict = {"platform": "zhijiao"}
    ctx_ext = {}
    if school_id is not None:
        ctx_ext[activity_id("org-node", "school")] = school_id
    if klass_id is not None:
        ctx_ext[activity_id("org-node", "class")] = klass_id
    if actor_role:
        ctx_ext[activity_id("user", "role")] = actor_role
    if extensions:
        ctx_ext.update(extensions)
    if ctx_ext:
        context["extensions"] = ctx_ext
    body = {
        "id": str(sid),
        "actor": user_agent(actor_id) if actor_id else {"objectType": "Agent", "name": "anonymous",
                                                        "account": {"homePage": "https://zhijiao.example.org/",
                                                                    "name": "anonymous"}},
        "verb": {"id": verb_iri(verb), "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": obj_id, "definition": definition},
        "context": context,
        "timestamp": ts.isoformat(),
        "stored": now.isoformat(),
        "authority": PLATFORM_AUTHORITY,
        "version": "1.0.3",
    }
    if result:
        body["result"] = result
    return Statement(
        id=sid,
        actor_id=actor_id,
        actor_role=actor_role,
        verb=body["verb"]["id"],
        object_type=definition["type"],
        object_id=obj_id,
        school_id=school_id,
        klass_id=klass_id,
        timestamp=ts,
        stored=now,
        statement=body,
    )


def statements_insert(*, statements: list[Statement]) -> None:
    """Insert built statements and their LRS index rows (call inside the caller's transaction)."""
    _fast_insert(Statement, statements)
    _insert_terms([row for st in statements for row in _term_rows(st, st.statement)])


def record_event(**fields) -> Statement:
    """Record one xAPI statement (the arguments of `statement_build`) inside the caller's transaction."""
    st = statement_build(**fields)
    statements_insert(statements=[st])
    return st


def statements_index(*, statements: list[Statement]) -> int:
    """Write the LRS index rows (agent/activity filters) for statements someone bulk-inserted without
    `record_event` (e.g. generated demo data). Call inside the same transaction; returns rows written."""
    rows = [row for st in statements for row in _term_rows(st, st.statement)]
    _insert_terms(rows)
    return len(rows)


# --- the learning record store ---------------------------------------------------------------------

class XapiConflict(Exception):
    """409: a statement id is already stored with different content, or a document changed underneath."""


class XapiPreconditionFailed(Exception):
    """412: If-Match / If-None-Match did not hold."""


class XapiForbidden(Exception):
    """403: the credentials do not allow this."""


@dataclass(frozen=True)
class RawAttachment:
    sha2: str
    content_type: str
    data: bytes


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


_stored_lock = threading.Lock()
_last_stored: datetime | None = None


def _stored_now() -> datetime:
    """`stored` for one request's statements: now, to the millisecond (what the API shows is what `since` and
    `until` compare), and later than the previous request's in this process. Two requests in the same
    millisecond would otherwise share a `stored`, and a client paging with `since` (which excludes that
    instant) after the first would never be shown the second."""
    global _last_stored
    now = timezone.now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    with _stored_lock:
        if _last_stored is not None and now <= _last_stored:
            now = _last_stored + timedelta(milliseconds=1)
        _last_stored = now
    return now


def statements_store(*, statements: list, authority: dict, client: LrsClient | None = None,
                     user=None, may_define: bool = False, attachments: dict | None = None,
                     put_id: str | None = None) -> list[str]:
    """Validate and store a batch of statements in one transaction; return their ids in order.

    Raises XapiInvalid (400) for any invalid statement (then nothing is stored), XapiConflict (409)
    when an id is already stored with different content; an id stored with the same content is
    accepted and not stored again. `attachments` maps sha2 -> RawAttachment from a multipart body.

    A batch with no voiding statement and no attachment content is first written on the assumption that
    none of its ids is stored yet (the usual case). On PostgreSQL that is statements, index rows and
    activity definitions in one SQL statement (a single round trip, its own transaction when the caller
    holds none), or COPY for a larger batch; a few statements are written together with those of other
    requests arriving at the same moment (`_write_together`). If an id is already stored, the primary key
    refuses the whole write and the batch takes the checked way, which compares it with what is stored:
    the same outcome as checking first, without a read for every batch.
    """
    attachments = attachments or {}
    bodies = _validated(statements, attachments, put_id)
    ids = [b["id"] for b in bodies]
    now = _stored_now()
    if not attachments and not any(is_voiding(b) for b in bodies):
        rows, term_rows = _rows_for(bodies, authority=authority, client=client, now=now)
        defs = _batch_definitions(bodies) if may_define else {}
        alone = connection.in_atomic_block  # inside the caller's transaction (tests): no grouping, no autocommit
        if not alone and (len(rows) <= _COPY_FROM or connection.vendor != "postgresql") \
                and _write_together(rows, term_rows, defs):
            return ids
        try:
            _write_new(rows, term_rows, defs)
            return ids
        except IntegrityError:
            pass  # an id is stored already (or arrived meanwhile): compare, as below
    _store_checked(bodies, authority=authority, client=client, may_define=may_define, attachments=attachments,
                   now=now)
    return ids


def _validated(statements: list, attachments: dict, put_id: str | None) -> list[dict]:
    errors: list[dict] = []
    bodies: list[dict] = []
    for i, raw in enumerate(statements):
        prefix = f"[{i}]" if len(statements) > 1 else ""
        try:
            body = validate_statement(raw)
        except XapiInvalid as exc:
            errors += [{"field": f"{prefix}{e['field']}" if prefix else e["field"], "reason": e["reason"]}
                       for e in exc.errors]
            continue
        if put_id is not None:
            if "id" in body and body["id"].lower() != put_id.lower():
                errors.append({"field": "id", "reason": "与 statementId 参数不一致"})
            body["id"] = put_id
        body["id"] = str(uuid.UUID(body["id"])) if "id" in body else str(uuid.uuid4())
        if len(body["verb"]["id"]) > MAX_VERB:
            errors.append({"field": f"{prefix}verb.id", "reason": f"IRI 超过 {MAX_VERB} 个字符"})
        obj = body["object"]
        if obj.get("objectType", "Activity") == "Activity" and len(obj["id"]) > MAX_OBJECT:
            errors.append({"field": f"{prefix}object.id", "reason": f"IRI 超过 {MAX_OBJECT} 个字符"})
        for j, att in enumerate(body.get("attachments", [])):
            if "fileUrl" not in att and att["sha2"] not in attachments:
                errors.append({"field": f"{prefix}attachments[{j}]",
                               "reason": "没有 fileUrl，且请求中没有 sha2 相同的附件内容"})
        bodies.append(body)
    if errors:
        raise XapiInvalid(errors)
    ids = [b["id"] for b in bodies]
    if len(set(ids)) != len(ids):
        raise XapiInvalid([{"field": "id", "reason": "同一批次中语句 id 重复"}])
    declared = {a["sha2"] for b in bodies for a in b.get("attachments", [])}
    extra = set(attachments) - declared
    if extra:
        raise XapiInvalid([{"field": "attachments", "reason": "请求中有未在任何语句里声明的附件内容"}])
    return bodies


@transaction.atomic
def _store_checked(bodies: list[dict], *, authority: dict, client: LrsClient | None, may_define: bool,
                   attachments: dict, now: datetime) -> None:
    # Ids already stored: same content is fine (not stored again), different content is a conflict.
    ids = [b["id"] for b in bodies]
    existing = {str(i): s for i, s in Statement.objects.filter(id__in=ids).values_list("id", "statement")}
    for b in bodies:
        if b["id"] in existing and not equivalent(existing[b["id"]], b):
            raise XapiConflict(f"语句 {b['id']} 已存在且内容不同")
    new = [b for b in bodies if b["id"] not in existing]

    # Voiding: the target becomes invisible. A statement that voided another cannot itself be voided: a
    # statement that tries is stored like any other but changes nothing (the specification: SHOULD be
    # ignored). A voiding statement whose target never reached this LRS voided nothing, so it can be
    # voided like an ordinary statement (the ADL conformance suite relies on both).
    targets = {b["object"]["id"].lower(): b["id"] for b in new if is_voiding(b)}
    if targets:
        voiding_in_batch = {by.lower() for by in targets.values()}
        ignored = {t for t in targets if t in voiding_in_batch}
        voiding_targets = {s.object_ref: str(s.id) for s in Statement.objects.filter(id__in=list(targets))
                           .only("id", "statement", "object_ref") if is_voiding(s.statement) and s.object_ref}
        ignored |= {voiding_targets[ref] for ref, by in Statement.objects.filter(  # primary-key lookups only
            id__in=list(voiding_targets)).values_list("id", "voided_by") if str(by) == voiding_targets[ref]}
        for t in ignored:
            del targets[t]

    rows, term_rows = _rows_for(new, authority=authority, client=client, now=now)
    _write_rows(rows, term_rows, _batch_definitions(new) if may_define else {})
    if targets:
        for target, by in targets.items():
            # the first voiding statement stays the one that voided it
            Statement.objects.filter(id=uuid.UUID(target), voided=False).update(voided=True, voided_by=uuid.UUID(by))
    if attachments:
        have = set(Attachment.objects.filter(sha2__in=list(attachments)).values_list("sha2", flat=True))
        Attachment.objects.bulk_create(
            [Attachment(sha2=a.sha2, content_type=a.content_type, length=len(a.data), data=a.data)
             for a in attachments.values() if a.sha2 not in have], ignore_conflicts=True)


# --- writing concurrent requests together ---------------------------------------------------------

class _Group:
    """Statements of concurrent requests written by one INSERT (or COPY) and one commit."""

    __slots__ = ("items", "size", "go", "done", "ok")

    def __init__(self):
        self.items: list[tuple[list, list, dict]] = []
        self.size = 0
        self.go = threading.Event()  # set when it is this group's turn to be written
        self.done = threading.Event()
        self.ok = False


_GROUP_MAX = 200  # statements in one combined write
_groups_lock = threading.Lock()
_groups: collections.deque[_Group] = collections.deque()  # waiting their turn; new requests join the last
_groups_busy = False  # a group is being written


def _write_together(rows: list[dict], term_rows: list[tuple], defs: dict[str, dict]) -> bool:
    """Write these statements together with those of the other requests this process is storing at the
    moment: group commit. While one group is written, requests arriving meanwhile form the next one, whose
    first request writes it (statements, index rows, definitions: on PostgreSQL one INSERT, or COPY, and
    one commit; on SQLite one write transaction) for all of them. On SQLite batches of any size go this
    way: a process's requests then wait here, in turn, instead of each polling the database's one write
    lock until its busy timeout gives up. Each request returns only after the commit of its own group, so what was acknowledged
    is stored. True once committed; False if the combined write failed for any reason (e.g. an id already
    stored), in which case nothing of the group was written and each request writes alone, so the
    outcome (200, 409, an error) is each request's own. Outside a transaction only."""
    global _groups_busy
    with _groups_lock:
        if not _groups or _groups[-1].size + len(rows) > _GROUP_MAX:
            _groups.append(_Group())
        g = _groups[-1]
        g.items.append((rows, term_rows, defs))
        g.size += len(rows)
        leader = len(g.items) == 1
        if leader and not _groups_busy:  # nothing being written (then this is the only group): go
            _groups_busy = True
            _groups.popleft()
            g.go.set()
    if not leader:
        g.done.wait()
        return g.ok
    g.go.wait()  # popped from the queue by whoever set it: no one joins any more
    try:
        all_rows = [r for rows_, _t, _d in g.items for r in rows_]
        all_terms = [t for _r, terms_, _d in g.items for t in terms_]
        all_defs: dict[str, dict] = {}
        for _r, _t, defs_ in g.items:
            for iri, d in defs_.items():
                all_defs[iri] = _merge_definition(all_defs[iri], d) if iri in all_defs else d
        if len(all_defs) > 1:
            all_defs = dict(sorted(all_defs.items()))
        _write_new(all_rows, all_terms, all_defs)
        g.ok = True
    except Exception:  # noqa: BLE001 - every request of the group then writes alone and meets its own error
        g.ok = False
    finally:
        g.done.set()
        with _groups_lock:
            if _groups:
                _groups.popleft().go.set()  # the next group's first request writes it
            else:
                _groups_busy = False
    return g.ok


# --- statement rows --------------------------------------------------------------------------------

def _write_new(rows: list[dict], term_rows: list[tuple], defs: dict[str, dict]) -> None:
    """Write statements taken to be new, all or nothing (IntegrityError if an id is stored already)."""
    if connection.vendor != "postgresql":
        params = _sqlite_params(rows, term_rows)  # before taking the write lock
        with transaction.atomic():
            _sqlite_write(params, defs)
    elif not connection.in_atomic_block and len(rows) <= _COPY_FROM:
        _write_rows(rows, term_rows, defs)  # one statement: its own transaction
    else:
        with transaction.atomic():
            _write_rows(rows, term_rows, defs)


def _sqlite_params(rows: list[dict], term_rows: list[tuple]) -> tuple[list, list]:
    """Rows as the fields' own database preparation gives them (SQLite)."""
    if not rows:
        return [], []
    _known_actors(rows)
    fields = _statement_fields()
    defaults = _defaults(fields, rows[0])
    params = [[f.get_db_prep_save(r[f.attname], connection) if f.attname in r else defaults[f.attname]
               for f in fields] for r in rows]
    sid_field = StatementTerm._meta.get_field("statement").target_field
    return params, [(sid_field.get_db_prep_value(t[0], connection), *t[1:]) for t in term_rows]


def _sqlite_write(params: tuple[list, list], defs: dict[str, dict]) -> None:
    if not params[0]:
        return
    sql = _sql()
    with connection.cursor() as cur:
        cur.executemany(sql["insert_statement"], params[0])
        cur.executemany(sql["insert_term"], params[1])
    _definitions_write(*_definition_changes(defs))


# Up to this many statements, one INSERT ... VALUES statement (with the index rows and activity
# definitions in the same statement); more, COPY inside the transaction.
_COPY_FROM = 20


def _stored_form(b: dict, *, authority: dict, stored: str) -> dict:
    """The statement as the LRS keeps it (a copy: `b` stays as sent, for comparing with a stored one)."""
    s = dict(b)
    s["authority"] = authority
    s["stored"] = stored
    s.setdefault("timestamp", stored)
    s.setdefault("version", "1.0.0")
    return s


def _rows_for(bodies: list[dict], *, authority: dict, client: LrsClient | None, now: datetime
              ) -> tuple[list[dict], list[tuple]]:
    """Statement column values by attname, and (statement id, kind, key, primary) index rows."""
    stored = _iso(now)
    client_id = client.pk if client is not None else None
    rows, term_rows = [], []
    for b in bodies:
        s = _stored_form(b, authority=authority, stored=stored)
        obj = s["object"]
        otype = obj.get("objectType", "Activity")
        ctx = s.get("context")
        reg = ctx.get("registration") if ctx else None
        sid = s["id"]  # canonical (validated): the database parses it
        rows.append({
            "id": sid,
            "actor_id": platform_user_id(s["actor"]),  # cleared on write unless such an account exists
            "verb": s["verb"]["id"],
            "object_type": ((obj.get("definition") or {}).get("type", "") if otype == "Activity" else otype)[:200],
            "object_id": (obj.get("id") or "")[:MAX_OBJECT] if otype in ("Activity", "StatementRef") else "",
            "timestamp": parse_timestamp(s["timestamp"]),
            "stored": now,
            "statement": s,
            "registration": reg,  # validated as a UUID
            "object_ref": obj["id"] if otype == "StatementRef" else None,
            "client_id": client_id,
            "has_attachments": bool(s.get("attachments")),
        })
        term_rows += [(sid, kind, key[:MAX_TERM], primary) for kind, key, primary in terms(s)]
    return rows, term_rows


def _known_actors(rows: list[dict]) -> None:
    """Clear actor ids that are not (or no longer) accounts here: the column is a foreign key."""
    uids = {r["actor_id"] for r in rows if r["actor_id"]}
    if uids:
        from django.contrib.auth import get_user_model

        known = set(get_user_model().objects.filter(pk__in=uids).values_list("pk", flat=True))
        for r in rows:
            if r["actor_id"] not in known:
                r["actor_id"] = None


def _write_rows(rows: list[dict], term_rows: list[tuple], defs: dict[str, dict]) -> None:
    """INSERT statements, their index rows and (`defs`) activity definitions. An id already stored raises
    IntegrityError with nothing written. On PostgreSQL with few rows this is one SQL statement."""
    if not rows:
        return
    fields = _statement_fields()
    if connection.vendor != "postgresql":
        _sqlite_write(_sqlite_params(rows, term_rows), defs)
        return
    # PostgreSQL: the values as psycopg adapts them (what the fields' own preparation gives there), the
    # statement JSON as text for the jsonb column; parameters bound by the server, so a statement of a
    # shape seen before is prepared once per connection (psycopg's prepare_threshold).
    copy = len(rows) > _COPY_FROM
    if copy:
        _known_actors(rows)
    defaults = _defaults(fields, rows[0])
    row_values = _row_getter()
    values = []
    for r in rows:
        v = defaults | r
        v["statement"] = _json(r["statement"])
        values.append(row_values(v))
    if copy:
        assert not connection.get_autocommit(), "COPY runs inside the caller's transaction"
        sql = _sql()
        with connection.cursor() as cur, connection.wrap_database_errors:
            with cur.cursor.copy(sql["copy_statement"]) as copy:
                for v in values:
                    copy.write_row(v)
            with cur.cursor.copy(sql["copy_term"]) as copy:
                for t in term_rows:
                    copy.write_row(t)
            if defs:
                _server_bound(cur, f"WITH {_pg_define_sql()} SELECT 1", _pg_define_params(defs))
        return
    # One statement: data-modifying CTEs all run, with one snapshot; the deferred foreign keys are checked
    # at its end (its commit, outside a transaction).
    actors = tuple(bool(r["actor_id"]) for r in rows)
    params = [v for row in values for v in row]
    if term_rows:
        params += [list(column) for column in zip(*term_rows, strict=True)]
    if defs:
        params += _pg_define_params(defs)
    with connection.cursor() as cur:
        _server_bound(cur, _pg_insert_sql(actors, bool(term_rows), bool(defs)), params)


def _server_bound(cur, sql: str, params: list) -> None:
    """Execute with server-side binding on Django's connection (Django's own cursors bind client-side)."""
    import psycopg

    with connection.wrap_database_errors, psycopg.Cursor(cur.cursor.connection) as raw:
        raw.execute(sql, params)


_stdlib_json = json.JSONEncoder(separators=(",", ":")).encode


def _json(value) -> str:
    """JSON text for a jsonb parameter (PostgreSQL parses it again, so only the value counts). orjson is
    ~5x faster; the standard library writes what it refuses (integers past 64 bits, kept exact)."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return _stdlib_json(value)


@functools.cache
def _statement_fields() -> list:
    return list(Statement._meta.concrete_fields)


def _defaults(fields: list, row: dict) -> dict:
    """Prepared defaults of the columns `_rows_for` does not fill (other fields, or ones added later)."""
    missing = tuple(f for f in fields if f.attname not in row)
    if any(callable(f.default) for f in missing):
        return {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in missing}
    return _constant_defaults(missing)


@functools.cache
def _constant_defaults(missing: tuple) -> dict:
    return {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in missing}


@functools.cache
def _row_getter():
    """Column values in model order from a dict by attname."""
    return operator.itemgetter(*[f.attname for f in _statement_fields()])


@functools.cache
def _sql() -> dict[str, str]:
    q = connection.ops.quote_name
    fields = _statement_fields()
    table, term_table = q(Statement._meta.db_table), q(StatementTerm._meta.db_table)
    cols = ", ".join(q(f.column) for f in fields)
    term_cols = f"{q('statement_id')}, {q('kind')}, {q('key')}, {q('primary')}"
    return {
        "insert_statement": f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})",
        "insert_term": f"INSERT INTO {term_table} ({term_cols}) VALUES (%s, %s, %s, %s)",
        "copy_statement": f"COPY {table} ({cols}) FROM STDIN",
        "copy_term": f"COPY {term_table} ({term_cols}) FROM STDIN",
        "values_statement": f"INSERT INTO {table} ({cols}) VALUES ",
        "unnest_term": f"INSERT INTO {term_table} ({term_cols}) "
                       f"SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::boolean[])",
    }


@functools.lru_cache(maxsize=256)
def _pg_insert_sql(actors: tuple[bool, ...], terms: bool, defs: bool) -> str:
    """INSERT of len(actors) statements (a true: its platform actor id is kept only if that account
    exists, the column being a foreign key), their index rows and activity definitions (as arrays)."""
    q = connection.ops.quote_name
    fields = _statement_fields()
    user_model = Statement._meta.get_field("actor").related_model
    pk = q(user_model._meta.pk.column)
    actor_sql = f"(SELECT {pk} FROM {q(user_model._meta.db_table)} WHERE {pk} = %s)"
    plain = ["%s"] * len(fields)
    with_actor = list(plain)
    with_actor[[f.attname for f in fields].index("actor_id")] = actor_sql
    rows = ", ".join("(" + ", ".join(with_actor if a else plain) + ")" for a in actors)
    sql = _sql()
    out = f"WITH s AS ({sql['values_statement']}{rows})"
    if terms:
        out += f", t AS ({sql['unnest_term']})"
    if defs:
        out += ", " + _pg_define_sql()
    return out + " SELECT 1"


# --- activity definitions --------------------------------------------------------------------------

def _merge_definition(old: dict, new: dict) -> dict:
    """The newer definition wins, but its name and description keep the languages only the older one
    had (two tools describing one activity in two languages give one activity in both). `_pg_define_sql`
    is the same rule in SQL."""
    merged = {**old, **new}
    for key in ("name", "description"):
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            merged[key] = {**old[key], **new[key]}
    return merged


def _batch_definitions(bodies: list[dict]) -> dict[str, dict]:
    """The activity definitions a trusted client's statements carry, merged within the batch.

    The latest definition a trusted client sent is canonical, merged only in its language maps (merging
    interaction components could make one no client ever sent, e.g. likert scale + choice components)."""
    defs: dict[str, dict] = {}
    for b in bodies:
        for iri, definition in activity_definitions(b):
            if len(iri) <= 2000:
                defs[iri] = _merge_definition(defs[iri], definition) if iri in defs else definition
    # In one order, so two requests writing the same activities lock them in the same order.
    return dict(sorted(defs.items())) if len(defs) > 1 else defs


@functools.cache
def _pg_define_sql() -> str:
    """CTEs (PostgreSQL) creating the activities not yet known and merging the definitions into the others.

    The UPDATE touches (and locks) only rows whose definition changes, so statements sending the same
    definition again do not queue behind each other; a concurrent change is merged into, not lost."""
    q = connection.ops.quote_name
    table = q(Activity._meta.db_table)
    iri, definition, updated = q("iri"), q("definition"), q("updated")
    cur = f"r.{definition}"  # always an object: only this code writes it
    merged = f"({cur} || d.def"
    for key in ("name", "description"):
        merged += (f" || CASE WHEN jsonb_typeof({cur} -> '{key}') = 'object' AND jsonb_typeof(d.def -> '{key}') = "
                   f"'object' THEN jsonb_build_object('{key}', ({cur} -> '{key}') || (d.def -> '{key}')) "
                   f"ELSE '{{}}'::jsonb END")
    merged += ")"
    return (f"d AS (SELECT v.iri, v.def::jsonb AS def FROM unnest(%s::text[], %s::text[]) AS v(iri, def)), "
            f"a AS (INSERT INTO {table} ({iri}, {definition}, {updated}) SELECT d.iri, d.def, %s FROM d "
            f"ON CONFLICT ({iri}) DO NOTHING), "
            f"u AS (UPDATE {table} r SET {definition} = {merged}, {updated} = %s FROM d "
            f"WHERE r.{iri} = d.iri AND {merged} IS DISTINCT FROM r.{definition})")


def _pg_define_params(defs: dict[str, dict]) -> list:
    now = timezone.now()
    return [list(defs), [_json(d) for d in defs.values()], now, now]


def _definition_changes(defs: dict[str, dict]) -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """(activities to create, activities whose canonical definition changes): one read."""
    if not defs:
        return [], []
    current = dict(Activity.objects.filter(iri__in=list(defs)).values_list("iri", "definition"))
    new = [(i, d) for i, d in defs.items() if i not in current]
    changed = []
    for iri, d in defs.items():
        if iri in current and (merged := _merge_definition(current[iri] or {}, d)) != current[iri]:
            changed.append((iri, merged))
    return new, changed


def _definitions_write(new: list[tuple[str, dict]], changed: list[tuple[str, dict]]) -> None:
    if not new and not changed:
        return
    q = connection.ops.quote_name
    def_field, upd_field = Activity._meta.get_field("definition"), Activity._meta.get_field("updated")
    now = upd_field.get_db_prep_save(timezone.now(), connection)
    table = q(Activity._meta.db_table)
    with connection.cursor() as cur:
        if new:
            # A concurrent request defining the same activity is not an error.
            cur.executemany(
                f"INSERT INTO {table} ({q('iri')}, {q('definition')}, {q('updated')}) "
                f"VALUES (%s, %s, %s) ON CONFLICT ({q('iri')}) DO NOTHING",
                [(i, def_field.get_db_prep_save(d, connection), now) for i, d in new])
        if changed:
            cur.executemany(f"UPDATE {table} SET {q('definition')} = %s, {q('updated')} = %s WHERE {q('iri')} = %s",
                            [(def_field.get_db_prep_save(d, connection), now, i) for i, d in changed])


# --- documents (state, activity profile, agent profile) ---------------------------------------------

def _etag(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


def _check_preconditions(doc: Document | None, *, if_match: str | None, if_none_match: str | None) -> None:
    if if_match is not None:
        tags = [t.strip().strip('"') for t in if_match.split(",")]
        if doc is None or ("*" not in tags and doc.etag not in tags):
            raise XapiPreconditionFailed("If-Match 不成立：文档已被修改或不存在")
    if if_none_match is not None:
        tags = [t.strip().strip('"') for t in if_none_match.split(",")]
        if doc is not None and ("*" in tags or doc.etag in tags):
            raise XapiPreconditionFailed("If-None-Match 不成立：文档已存在")


def _lookup(kind: str, keys: dict) -> Document | None:
    return Document.objects.select_for_update().filter(kind=kind, **keys).first()


@transaction.atomic
def document_put(*, kind: str, keys: dict, content: bytes, content_type: str, if_match: str | None = None,
                 if_none_match: str | None = None, require_precondition: bool = False,
                 client: LrsClient | None = None, user=None) -> Document:
    """Store (replace) a document. `keys`: activity_iri, agent_key, registration, doc_id."""
    doc = _lookup(kind, keys)
    if require_precondition and if_match is None and if_none_match is None:
        if doc is not None:
            raise XapiConflict("文档已存在：请用 If-Match 或 If-None-Match 说明并发意图")
        raise XapiInvalid([{"field": "If-None-Match", "reason": "新建档案文档时请带 If-None-Match: *（或 If-Match）"}])
    _check_preconditions(doc, if_match=if_match, if_none_match=if_none_match)
    if doc is None:
        doc = Document(kind=kind, **keys)
    doc.content = content
    doc.content_type = content_type or "application/octet-stream"
    doc.etag = _etag(content)
    doc.updated = timezone.now()
    doc.client = client
    doc.user = user if (user is not None and user.pk) else None
    doc.save()
    return doc


def _json_object(content: bytes):
    try:
        value = read_json(content)
    except UnreadableFile:
        return None
    return value if isinstance(value, dict) else None


@transaction.atomic
def document_merge(*, kind: str, keys: dict, content: bytes, content_type: str, if_match: str | None = None,
                   if_none_match: str | None = None, client: LrsClient | None = None, user=None) -> Document:
    """POST: merge a JSON object into the stored JSON object (top-level keys), or store it if new."""
    doc = _lookup(kind, keys)
    _check_preconditions(doc, if_match=if_match, if_none_match=if_none_match)
    is_json = content_type.split(";")[0].strip() == "application/json"
    incoming = _json_object(content) if is_json else None
    if is_json and incoming is None:
        raise XapiInvalid([{"field": "content", "reason": "Content-Type 为 application/json 时，文档必须是 JSON 对象"}])
    if doc is None:
        return document_put(kind=kind, keys=keys, content=content, content_type=content_type, client=client,
                            user=user)
    current = _json_object(bytes(doc.content)) if doc.content_type.split(";")[0].strip() == "application/json" \
        else None
    if incoming is None or current is None:
        raise XapiInvalid([{"field": "content", "reason": "POST 合并要求已存文档和新文档都是 JSON 对象（application/json）"}])
    merged = json.dumps({**current, **incoming}, ensure_ascii=False).encode()
    return document_put(kind=kind, keys=keys, content=merged, content_type="application/json", client=client,
                        user=user)


@transaction.atomic
def document_delete(*, kind: str, keys: dict, if_match: str | None = None, if_none_match: str | None = None,
                    since: datetime | None = None) -> int:
    """Delete one document (doc_id in keys) or, for State without stateId, all matching ones."""
    if "doc_id" in keys:
        doc = _lookup(kind, keys)
        _check_preconditions(doc, if_match=if_match, if_none_match=if_none_match)
        if doc is None:
            return 0
        doc.delete()
        return 1
    qs = Document.objects.filter(kind=kind, **keys)
    if since is not None:
        qs = qs.filter(updated__gt=since)
    return qs.delete()[0]


# --- client credentials ----------------------------------------------------------------------------

SCOPES = ["all", "all/read", "statements/write", "statements/read", "statements/read/mine", "state", "profile",
          "define"]


@dataclass(frozen=True)
class IssuedClient:
    client: LrsClient
    key: str
    secret: str


@transaction.atomic
def lrs_client_create(*, actor, name: str, scopes: list[str]) -> IssuedClient:
    """Register an outside tool; the secret is returned once and only its hash kept."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValueError("名称不能为空，且不超过 80 个字符")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ValueError(f"未知的权限范围：{', '.join(unknown)}" if unknown else "至少选择一个权限范围")
    key = "lrs_" + secrets.token_hex(10)
    secret = secrets.token_urlsafe(24)
    client = LrsClient.objects.create(name=name, key=key, secret_hash=LrsClient.hash_secret(secret),
                                      scopes=list(dict.fromkeys(scopes)),
                                      created_by=actor if (actor is not None and actor.pk) else None)
    record_event(actor=actor if (actor is not None and actor.pk) else None, verb="created",
                 object_kind="platform", object_key=f"xapi-client/{client.pk}")
    return IssuedClient(client=client, key=key, secret=secret)


@transaction.atomic
def lrs_client_revoke(*, actor, client: LrsClient) -> None:
    if client.revoked_at is None:
        LrsClient.objects.filter(pk=client.pk).update(revoked_at=timezone.now())
        record_event(actor=actor, verb="deleted", object_kind="platform", object_key=f"xapi-client/{client.pk}")
        # Verified credentials are cached per process for a few seconds (xapi.auth): drop this process's now
        # and after commit; other processes refuse the client within CLIENT_CACHE_SECONDS.
        from zhijiao.records.xapi.auth import forget_clients

        forget_clients()
        transaction.on_commit(forget_clients)


def lrs_client_touch(*, client: LrsClient) -> None:
    """Note when a client was last seen (at most once a minute, outside the request's transaction)."""
    now = timezone.now()
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        client.last_used_at = now  # the instance is cached across requests (xapi.auth)
        LrsClient.objects.filter(pk=client.pk).update(last_used_at=now)
