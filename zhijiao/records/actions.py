"""The only writers of the event trail and the learning record store.

`record_event` is THE entry point every action of the platform calls to write its statement, inside
the caller's transaction, so a statement exists exactly when the action it describes committed
(architecture section 5). `statements_store` is what /xapi/ calls for outside tools.
"""

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

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


@transaction.atomic
def statements_store(*, statements: list, authority: dict, client: LrsClient | None = None,
                     user=None, may_define: bool = False, attachments: dict | None = None,
                     put_id: str | None = None) -> list[str]:
    """Validate and store a batch of statements in one transaction; return their ids in order.

    Raises XapiInvalid (400) for any invalid statement (then nothing is stored), XapiConflict (409)
    when an id is already stored with different content; an id stored with the same content is
    accepted and not stored again. `attachments` maps sha2 -> RawAttachment from a multipart body.
    """
    attachments = attachments or {}
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

    # Ids already stored: same content is fine (not stored again), different content is a conflict.
    existing = {str(s.id): s for s in Statement.objects.filter(id__in=ids)}
    for b in bodies:
        if b["id"] in existing and not equivalent(existing[b["id"]].statement, b):
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

    now = timezone.now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # what `stored` shows is what filters use
    stored = _iso(now)
    rows, term_rows = [], []
    for b in new:
        b["authority"] = authority
        b["stored"] = stored
        b.setdefault("timestamp", stored)
        b.setdefault("version", "1.0.0")
        obj = b["object"]
        otype = obj.get("objectType", "Activity")
        ctx = b.get("context") or {}
        uid = platform_user_id(b["actor"])
        st = Statement(
            id=uuid.UUID(b["id"]),
            actor_id=uid,
            verb=b["verb"]["id"],
            object_type=((obj.get("definition") or {}).get("type", "") if otype == "Activity" else otype)[:200],
            object_id=(obj.get("id") or "")[:MAX_OBJECT] if otype in ("Activity", "StatementRef") else "",
            timestamp=parse_timestamp(b["timestamp"]),
            stored=now,
            statement=b,
            registration=uuid.UUID(ctx["registration"]) if "registration" in ctx else None,
            object_ref=uuid.UUID(obj["id"]) if otype == "StatementRef" else None,
            client=client,
            has_attachments=bool(b.get("attachments")),
        )
        rows.append(st)
        term_rows += _term_rows(st, b)
    if rows:
        uids = {r.actor_id for r in rows if r.actor_id}
        if uids:
            from django.contrib.auth import get_user_model

            known = set(get_user_model().objects.filter(pk__in=uids).values_list("pk", flat=True))
            for r in rows:
                if r.actor_id not in known:
                    r.actor_id = None
        _fast_insert(Statement, rows)
        _insert_terms(term_rows)
    if targets:
        for target, by in targets.items():
            # the first voiding statement stays the one that voided it
            Statement.objects.filter(id=uuid.UUID(target), voided=False).update(voided=True, voided_by=uuid.UUID(by))
    if attachments:
        have = set(Attachment.objects.filter(sha2__in=list(attachments)).values_list("sha2", flat=True))
        Attachment.objects.bulk_create(
            [Attachment(sha2=a.sha2, content_type=a.content_type, length=len(a.data), data=a.data)
             for a in attachments.values() if a.sha2 not in have], ignore_conflicts=True)
    if may_define and new:
        _define_activities(new)
    return ids


def _merge_definition(old: dict, new: dict) -> dict:
    """The newer definition wins, but its name and description keep the languages only the older one
    had (two tools describing one activity in two languages give one activity in both)."""
    merged = {**old, **new}
    for key in ("name", "description"):
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            merged[key] = {**old[key], **new[key]}
    return merged


def _define_activities(bodies: list[dict]) -> None:
    defs: dict[str, dict] = {}
    for b in bodies:
        for iri, definition in activity_definitions(b):
            if len(iri) <= 2000:
                defs[iri] = _merge_definition(defs[iri], definition) if iri in defs else definition
    if not defs:
        return
    current = {a.iri: a for a in Activity.objects.filter(iri__in=list(defs))}
    new = [(i, d) for i, d in defs.items() if i not in current]
    if new:
        from django.db import connection

        q = connection.ops.quote_name
        def_field, upd_field = Activity._meta.get_field("definition"), Activity._meta.get_field("updated")
        now = timezone.now()
        with connection.cursor() as cur:
            # Both SQLite and PostgreSQL: a concurrent request defining the same activity is not an error.
            cur.executemany(
                f"INSERT INTO {q(Activity._meta.db_table)} ({q('iri')}, {q('definition')}, {q('updated')}) "
                f"VALUES (%s, %s, %s) ON CONFLICT ({q('iri')}) DO NOTHING",
                [(i, def_field.get_db_prep_save(d, connection), upd_field.get_db_prep_save(now, connection))
                 for i, d in new])
    # The latest definition a trusted client sent is canonical, merged only in its language maps (merging
    # interaction components could make one no client ever sent, e.g. likert scale + choice components).
    changed = []
    for iri, d in defs.items():
        if iri in current and (merged := _merge_definition(current[iri].definition or {}, d)) != current[iri].definition:
            current[iri].definition = merged
            current[iri].updated = timezone.now()
            changed.append(current[iri])
    if changed:
        Activity.objects.bulk_update(changed, ["definition", "updated"])


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
        value = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
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


def lrs_client_touch(*, client: LrsClient) -> None:
    """Note when a client was last seen (at most once a minute, outside the request's transaction)."""
    now = timezone.now()
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        LrsClient.objects.filter(pk=client.pk).update(last_used_at=now)
