"""The xAPI 1.0.3 resources under /xapi/: statements, state, activity and agent profiles, activities,
agents, about. Thin: parse the request, call one selector or action, shape the response.
"""

import base64
import binascii
import uuid
from functools import wraps

from django.core import signing
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from zhijiao.core.files import UnreadableFile, read_json
from zhijiao.records import actions, selectors
from zhijiao.records.models import Attachment, Document, DocumentKind
from zhijiao.records.xapi.auth import XapiAccess, authenticate
from zhijiao.records.xapi.http import (
    SUPPORTED_VERSIONS,
    XapiError,
    XReq,
    build_xreq,
    check_version,
    error_response,
    finish,
    http_date,
    json_response,
    multipart_response,
    parse_multipart,
    sha_of,
)
from zhijiao.records.xapi.statements import (
    agent_key,
    equivalent,
    format_canonical,
    format_ids,
    parse_accept_language,
)
from zhijiao.records.xapi.validation import (
    SIGNATURE_USAGE,
    XapiInvalid,
    is_iri,
    is_uuid,
    parse_timestamp,
    validate_agent,
)


def xapi_view(*, auth: bool = True, methods: tuple = ("GET", "HEAD"), consistent_through: bool = False):
    def deco(handler):
        @csrf_exempt
        @wraps(handler)
        def view(request, *args, **kwargs):
            if request.method == "OPTIONS":
                return finish(HttpResponse(status=200), request)
            method = xreq_method(request)
            try:
                try:
                    xreq = build_xreq(request)
                except RequestDataTooBig as exc:
                    raise XapiError(413, "请求体太大") from exc
                method = xreq.method
                if xreq.method not in methods:
                    raise XapiError(405, f"该资源不支持 {xreq.method}")
                access = None
                if auth:
                    check_version(xreq)
                    access = authenticate(xreq.header("authorization") or "")
                    if access is None:
                        raise XapiError(401, "需要有效的凭据（HTTP Basic 客户端密钥或平台令牌）")
                    if access.client is not None:
                        actions.lrs_client_touch(client=access.client)
                resp = handler(xreq, access)
            except XapiInvalid as exc:
                resp = error_response(XapiError(400, "数据不符合 xAPI 1.0.3", exc.errors))
            except actions.XapiConflict as exc:
                resp = error_response(XapiError(409, str(exc)))
            except actions.XapiPreconditionFailed as exc:
                resp = error_response(XapiError(412, str(exc)))
            except actions.XapiForbidden as exc:
                resp = error_response(XapiError(403, str(exc)))
            except XapiError as exc:
                resp = error_response(exc)
                if exc.status == 405:
                    resp["Allow"] = ", ".join((*methods, "OPTIONS"))
                if exc.status == 401:
                    resp["WWW-Authenticate"] = 'Basic realm="xAPI"'
            if consistent_through and method in ("GET", "HEAD") \
                    and "X-Experience-API-Consistent-Through" not in resp:
                # On every statements GET, whatever the status (Communication 2.1.3).
                resp["X-Experience-API-Consistent-Through"] = _iso(timezone.now())
            if method == "HEAD":
                resp.content = b""
            return finish(resp, request)

        return view

    return deco


def xreq_method(request) -> str:
    if request.method == "POST" and request.GET.get("method", "").upper() == "HEAD":
        return "HEAD"
    return request.method


# --- parameters ------------------------------------------------------------------------------------

def _only(xreq: XReq, allowed: set, required: tuple = ()) -> None:
    unknown = [k for k in xreq.params if k not in allowed]
    if unknown:
        raise XapiError(400, f"不认识的参数：{', '.join(unknown)}",
                        [{"field": k, "reason": "该资源没有这个参数"} for k in unknown])
    missing = [k for k in required if not xreq.params.get(k)]
    if missing:
        raise XapiError(400, f"缺少参数：{', '.join(missing)}", [{"field": k, "reason": "必填"} for k in missing])


def _agent_param(xreq: XReq, name: str = "agent") -> dict:
    try:
        agent = read_json(xreq.params[name])
    except (ValueError, TypeError) as exc:
        raise XapiError(400, f"{name} 参数应为 JSON", [{"field": name, "reason": "不是合法的 JSON"}]) from exc
    validate_agent(agent, name)
    return agent


def _iri_param(xreq: XReq, name: str) -> str:
    v = xreq.params[name]
    if not is_iri(v):
        raise XapiError(400, f"{name} 应为绝对 IRI", [{"field": name, "reason": "应为带协议的绝对 IRI"}])
    return v


def _uuid_param(xreq: XReq, name: str) -> str:
    v = xreq.params[name]
    if not is_uuid(v):
        raise XapiError(400, f"{name} 应为 UUID", [{"field": name, "reason": "应为 UUID"}])
    return str(uuid.UUID(v))


def _bool_param(xreq: XReq, name: str) -> bool:
    v = xreq.params.get(name, "false")
    if v not in ("true", "false"):
        raise XapiError(400, f"{name} 只能是 true 或 false", [{"field": name, "reason": "只能是 true 或 false"}])
    return v == "true"


def _time_param(xreq: XReq, name: str):
    ts = parse_timestamp(xreq.params[name])
    if ts is None:
        raise XapiError(400, f"{name} 应为带时区的 ISO 8601 时间", [{"field": name, "reason": "时间格式不对"}])
    return ts


# --- statements ------------------------------------------------------------------------------------

GET_PARAMS = {"statementId", "voidedStatementId", "agent", "verb", "activity", "registration", "related_activities",
              "related_agents", "since", "until", "limit", "format", "attachments", "ascending", "more"}


@xapi_view(methods=("GET", "HEAD", "PUT", "POST"), consistent_through=True)
def statements(xreq: XReq, access: XapiAccess):
    if xreq.method in ("GET", "HEAD"):
        return _statements_get(xreq, access)
    if xreq.method == "PUT":
        _only(xreq, {"statementId"}, ("statementId",))
        sid = _uuid_param(xreq, "statementId")
        _store(xreq, access, put_id=sid)
        return HttpResponse(status=204)
    _only(xreq, set())
    return json_response(_store(xreq, access, put_id=None))


def _parse_statements_body(xreq: XReq) -> tuple[list, dict, bool]:
    """(statements, raw attachments by sha2, was_batch)."""
    raw_atts: dict = {}
    ctype = xreq.content_type
    if ctype == "multipart/mixed":
        parts = parse_multipart(xreq.body, xreq.header("content-type"))
        first_headers, first = parts[0]
        if first_headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise XapiError(400, "multipart 的第一段必须是 application/json 的语句", field="(body)")
        text = first
        for headers, data in parts[1:]:
            sha = headers.get("x-experience-api-hash")
            if not sha:
                raise XapiError(400, "附件分段缺少 X-Experience-API-Hash 头", field="X-Experience-API-Hash")
            if headers.get("content-transfer-encoding", "").strip().lower() != "binary":
                raise XapiError(400, "附件分段必须有 Content-Transfer-Encoding: binary 头",
                                field="Content-Transfer-Encoding")
            if sha_of(data, len(sha)) != sha.lower():
                raise XapiError(400, "附件内容与 X-Experience-API-Hash 不符",
                                [{"field": "attachments", "reason": f"sha2 {sha} 校验失败"}])
            part_type = _fits(headers.get("content-type", "application/octet-stream"), Attachment, "content_type",
                              "Content-Type")
            raw_atts[sha.lower()] = actions.RawAttachment(sha2=sha.lower(), data=data, content_type=part_type)
    elif ctype in ("application/json", ""):
        text = xreq.body
    else:
        raise XapiError(400, f"不支持的 Content-Type：{ctype}（应为 application/json 或 multipart/mixed）",
                        field="Content-Type")
    try:
        data = read_json(text)
    except UnreadableFile as exc:
        raise XapiError(400, "请求体不是合法的 JSON", [{"field": "(body)", "reason": str(exc)}]) from exc
    if isinstance(data, dict):
        return [data], raw_atts, False
    if isinstance(data, list):
        return data, raw_atts, True
    raise XapiError(400, "请求体应为一条语句（对象）或一批语句（数组）", field="(body)")


def _b64url(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _check_signatures(stmts: list, raw_atts: dict) -> None:
    """Signed statements (Data 2.6): the JWS must be well formed and its payload the statement itself."""
    for i, st in enumerate(stmts):
        atts = st.get("attachments") if isinstance(st, dict) else None
        if not isinstance(atts, list):
            continue  # not a statement / no attachment list: validation reports it with a field path
        for att in atts:
            if not isinstance(att, dict) or att.get("usageType") != SIGNATURE_USAGE:
                continue
            field = f"[{i}].attachments" if len(stmts) > 1 else "attachments"
            raw = raw_atts.get(str(att.get("sha2", "")).lower())
            if raw is None:
                raise XapiInvalid([{"field": field, "reason": "签名附件的内容没有随请求提交"}])
            try:
                head, payload, sig = raw.data.decode("ascii").strip().split(".")
                header = read_json(_b64url(head))
                body = read_json(_b64url(payload))
                _b64url(sig)
            except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
                raise XapiInvalid([{"field": field, "reason": "签名不是合法的 JWS（紧凑序列化）"}]) from exc
            if not isinstance(header, dict) or header.get("alg") not in ("RS256", "RS384", "RS512"):
                raise XapiInvalid([{"field": field, "reason": "JWS 算法必须是 RS256、RS384 或 RS512"}])
            if not isinstance(body, dict) or not equivalent(body, st, ignore_attachments=True):
                raise XapiInvalid([{"field": field, "reason": "JWS 载荷与语句内容不一致"}])


# Statements in one POST: what the batches of issue 10's ingest bench send at most; a bigger batch waits
# for one transaction and one request for too long (a 20,000-statement body took 5.3 s).
MAX_STATEMENTS_PER_REQUEST = 1000


def _store(xreq: XReq, access: XapiAccess, *, put_id: str | None):
    if not access.can_write_statements():
        raise actions.XapiForbidden("该客户端没有写入语句的权限（statements/write）")
    stmts, raw_atts, batch = _parse_statements_body(xreq)
    if put_id is not None and batch:
        raise XapiError(400, "PUT 只能提交一条语句", field="(body)")
    if len(stmts) > MAX_STATEMENTS_PER_REQUEST:
        raise XapiError(413, f"一次最多提交 {MAX_STATEMENTS_PER_REQUEST} 条语句，请分批提交",
                        [{"field": "(body)", "reason": f"共 {len(stmts)} 条"}])
    if access.user is not None:
        # A statement that is not an object, or has no actor object, is bad input (400), not someone else's.
        bad = [i for i, st in enumerate(stmts) if not isinstance(st, dict) or not isinstance(st.get("actor"), dict)]
        if bad:
            raise XapiInvalid([{"field": f"[{i}].actor" if batch else "actor", "reason": "必须是 Agent 或 Group 对象"}
                               for i in bad])
        own = access.own_agent_key()
        if any(not isinstance(s, dict) or agent_key(s.get("actor")) != own for s in stmts):
            raise actions.XapiForbidden("平台用户只能提交以自己为 actor 的语句")
    _check_signatures(stmts, raw_atts)
    kwargs = dict(statements=stmts, authority=access.authority, client=access.client, user=access.user,
                  may_define=access.may_define(), attachments=raw_atts, put_id=put_id)
    try:
        return actions.statements_store(**kwargs)
    except IntegrityError:
        # A concurrent request stored the same id first: compare again against what is now stored.
        stmts, raw_atts, _ = _parse_statements_body(xreq)
        kwargs.update(statements=stmts, attachments=raw_atts)
        return actions.statements_store(**kwargs)


def _statements_get(xreq: XReq, access: XapiAccess):
    if not access.can_read_statements():
        raise actions.XapiForbidden("该客户端没有读取语句的权限（statements/read）")
    _only(xreq, GET_PARAMS)
    p = xreq.params
    langs = parse_accept_language(xreq.header("accept-language") or "")
    single = [k for k in ("statementId", "voidedStatementId") if k in p]
    if single:
        if len(single) > 1 or set(p) - {single[0], "format", "attachments"}:
            raise XapiError(400, "statementId / voidedStatementId 只能与 format、attachments 一起使用",
                            field=single[0])
        fmt = _format(p)
        with_atts = _bool_param(xreq, "attachments")
        sid = _uuid_param(xreq, single[0])
        st = selectors.statement_get(access, sid, voided=single[0] == "voidedStatementId")
        if st is None:
            raise XapiError(404, "没有这条语句")
        _audit(access, 1)
        body = _shape([st], fmt, langs)[0]
        resp = multipart_response(body, selectors.attachments_for([st])) if with_atts else json_response(body)
        resp["Last-Modified"] = http_date(st.stored)
        resp["X-Experience-API-Consistent-Through"] = _iso(timezone.now())
        return resp
    if "more" in p:
        if set(p) != {"more"}:
            raise XapiError(400, "more 不能与其他参数一起使用", field="more")
        try:
            rows, more, asof = selectors.statements_more(access, p["more"])
            d = signing.loads(p["more"], salt=selectors.MORE_SALT)
        except signing.BadSignature as exc:
            raise XapiError(400, "more 无效或已损坏", field="more") from exc
        fmt, with_atts = d["q"]["fmt"], d["q"]["att"]
        q = None
    else:
        q = selectors.StatementQuery(
            agent=_agent_param(xreq) if "agent" in p else None,
            verb=_iri_param(xreq, "verb") if "verb" in p else None,
            activity=_iri_param(xreq, "activity") if "activity" in p else None,
            registration=_uuid_param(xreq, "registration") if "registration" in p else None,
            related_activities=_bool_param(xreq, "related_activities"),
            related_agents=_bool_param(xreq, "related_agents"),
            since=_time_param(xreq, "since") if "since" in p else None,
            until=_time_param(xreq, "until") if "until" in p else None,
            limit=_limit(p), ascending=_bool_param(xreq, "ascending"),
            format=_format(p), attachments=_bool_param(xreq, "attachments"))
        rows, more, asof = selectors.statements_query(access, q)
        fmt, with_atts = q.format, q.attachments
    _audit(access, len(rows))
    result = {"statements": _shape(rows, fmt, langs),
              "more": f"{reverse('xapi:statements')}?more={more}" if more else ""}
    resp = multipart_response(result, selectors.attachments_for(rows)) if with_atts else json_response(result)
    resp["X-Experience-API-Consistent-Through"] = _iso(asof)
    resp["Last-Modified"] = http_date(max((r.stored for r in rows), default=asof))
    return resp


def _iso(dt) -> str:
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _limit(p: dict) -> int:
    v = p.get("limit", "0")
    if not (v.isascii() and v.isdigit()):
        raise XapiError(400, "limit 应为非负整数", [{"field": "limit", "reason": "应为非负整数"}])
    # More than the server's maximum is the maximum (0 says the same): no need to read a 5,000-digit number.
    return int(v) if len(v) <= 9 else 0


def _format(p: dict) -> str:
    fmt = p.get("format", "exact")
    if fmt not in ("ids", "exact", "canonical"):
        raise XapiError(400, "format 只能是 ids、exact 或 canonical", [{"field": "format", "reason": "取值不对"}])
    return fmt


def _shape(rows, fmt: str, langs: list[str]) -> list[dict]:
    if fmt == "ids":
        return [format_ids(r.statement) for r in rows]
    if fmt == "canonical":
        defs = selectors.canonical_definitions(rows)
        return [format_canonical(r.statement, langs, defs) for r in rows]
    return [r.statement for r in rows]


def _audit(access: XapiAccess, count: int) -> None:
    """Statements are about pupils: reads that may show others' records go to the audit log (ids only)."""
    if count == 0 or not selectors.reads_others(access):
        return
    from zhijiao.accounts.actions import audit_record, audit_sensitive_read
    from zhijiao.accounts.models import AuditAction

    if access.user is not None:
        audit_sensitive_read(actor=access.user, record_type="xapi-statements", record_id=count)
    else:
        audit_record(actor=None, action=AuditAction.SENSITIVE_READ, target_type="xapi-statements",
                     target_id=count, detail={"client": access.client.pk})


# --- documents -------------------------------------------------------------------------------------

def _doc_response(doc) -> HttpResponse:
    resp = HttpResponse(bytes(doc.content), content_type=doc.content_type)
    resp["ETag"] = f'"{doc.etag}"'
    resp["Last-Modified"] = http_date(doc.updated)
    return resp


def _fits(value: str, model, column: str, field: str) -> str:
    """`value` if it fits its database column, else a 400 naming `field` (PostgreSQL refuses a longer value)."""
    limit = model._meta.get_field(column).max_length
    if len(value) > limit:
        raise XapiError(400, f"{field} 超过 {limit} 个字符", field=field)
    return value


def _documents(xreq: XReq, access: XapiAccess, *, kind: str, keys: dict, id_param: str, list_ok: bool,
               delete_all_ok: bool, require_precondition: bool):
    _fits(keys["activity_iri"], Document, "activity_iri", "activityId")
    _fits(keys["agent_key"], Document, "agent_key", "agent")
    doc_id = xreq.params.get(id_param)
    if doc_id is not None:
        _fits(doc_id, Document, "doc_id", id_param)
    owner = dict(client=access.client, user=access.user)
    pre = dict(if_match=xreq.header("if-match"), if_none_match=xreq.header("if-none-match"))
    if xreq.method in ("GET", "HEAD"):
        if doc_id is None:
            if not list_ok:
                raise XapiError(400, f"缺少参数：{id_param}", field=id_param)
            since = _time_param(xreq, "since") if "since" in xreq.params else None
            return json_response(selectors.document_ids(kind, keys, since))
        if "since" in xreq.params:
            raise XapiError(400, f"since 只能在不带 {id_param} 时使用", field="since")
        doc = selectors.document_get(kind, {**keys, "doc_id": doc_id})
        if doc is None:
            raise XapiError(404, "没有这个文档")
        return _doc_response(doc)
    if "since" in xreq.params and xreq.method != "DELETE":
        raise XapiError(400, "since 只用于 GET", field="since")
    if xreq.method == "DELETE":
        if doc_id is None:
            if not delete_all_ok:
                raise XapiError(400, f"缺少参数：{id_param}", field=id_param)
            actions.document_delete(kind=kind, keys=keys)
        else:
            actions.document_delete(kind=kind, keys={**keys, "doc_id": doc_id}, **pre)
        return HttpResponse(status=204)
    if doc_id is None:
        raise XapiError(400, f"缺少参数：{id_param}", [{"field": id_param, "reason": "必填"}])
    ctype = _fits(xreq.header("content-type") or "application/octet-stream", Document, "content_type", "Content-Type")
    if xreq.method == "PUT":
        actions.document_put(kind=kind, keys={**keys, "doc_id": doc_id}, content=xreq.body, content_type=ctype,
                             require_precondition=require_precondition, **pre, **owner)
    else:
        actions.document_merge(kind=kind, keys={**keys, "doc_id": doc_id}, content=xreq.body, content_type=ctype,
                               **pre, **owner)
    return HttpResponse(status=204)


DOC_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")


def _user_owns(access: XapiAccess, agent: dict) -> None:
    if access.user is not None and agent_key(agent) != access.own_agent_key():
        raise actions.XapiForbidden("平台用户只能访问自己的文档")


@xapi_view(methods=DOC_METHODS)
def state(xreq: XReq, access: XapiAccess):
    _only(xreq, {"activityId", "agent", "registration", "stateId", "since"}, ("activityId", "agent"))
    if not access.can_state(write=xreq.method not in ("GET", "HEAD")):
        raise actions.XapiForbidden("该客户端没有 state 权限")
    activity = _iri_param(xreq, "activityId")
    agent = _agent_param(xreq)
    _user_owns(access, agent)
    reg = _uuid_param(xreq, "registration") if "registration" in xreq.params else ""
    keys = {"activity_iri": activity, "agent_key": agent_key(agent), "registration": reg}
    return _documents(xreq, access, kind=DocumentKind.STATE, keys=keys, id_param="stateId", list_ok=True,
                      delete_all_ok=True, require_precondition=False)


@xapi_view(methods=DOC_METHODS)
def activity_profile(xreq: XReq, access: XapiAccess):
    _only(xreq, {"activityId", "profileId", "since"}, ("activityId",))
    write = xreq.method not in ("GET", "HEAD")
    if not access.can_profile(write=write) or (write and access.user is not None):
        raise actions.XapiForbidden("没有写入活动档案的权限（profile）")
    keys = {"activity_iri": _iri_param(xreq, "activityId"), "agent_key": "", "registration": ""}
    return _documents(xreq, access, kind=DocumentKind.ACTIVITY_PROFILE, keys=keys, id_param="profileId",
                      list_ok=True, delete_all_ok=False, require_precondition=True)


@xapi_view(methods=DOC_METHODS)
def agent_profile(xreq: XReq, access: XapiAccess):
    _only(xreq, {"agent", "profileId", "since"}, ("agent",))
    if not access.can_profile(write=xreq.method not in ("GET", "HEAD")):
        raise actions.XapiForbidden("没有 profile 权限")
    agent = _agent_param(xreq)
    _user_owns(access, agent)
    keys = {"activity_iri": "", "agent_key": agent_key(agent), "registration": ""}
    return _documents(xreq, access, kind=DocumentKind.AGENT_PROFILE, keys=keys, id_param="profileId",
                      list_ok=True, delete_all_ok=False, require_precondition=True)


# --- activities, agents, about ---------------------------------------------------------------------

@xapi_view()
def activities(xreq: XReq, access: XapiAccess):
    _only(xreq, {"activityId"}, ("activityId",))
    iri = _iri_param(xreq, "activityId")
    return json_response(selectors.activity_get(iri) or {"objectType": "Activity", "id": iri})


@xapi_view()
def agents(xreq: XReq, access: XapiAccess):
    _only(xreq, {"agent"}, ("agent",))
    agent = _agent_param(xreq)
    _user_owns(access, agent)
    return json_response(selectors.person_for(agent))


@xapi_view(auth=False)
def about(xreq: XReq, access):
    _only(xreq, set())
    return json_response({"version": SUPPORTED_VERSIONS,
                          "extensions": {"https://zhijiao.example.org/xapi/about/platform": "zhijiao"}})
