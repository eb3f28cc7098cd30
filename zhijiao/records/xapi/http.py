"""The HTTP side of /xapi/: the version header, CORS, the alternate request syntax, multipart bodies."""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import format_datetime
from urllib.parse import parse_qs

from django.http import HttpResponse

XAPI_VERSION = "1.0.3"
SUPPORTED_VERSIONS = ["1.0.3", "1.0.2", "1.0.1", "1.0.0"]
VERSION_HEADER_RE = re.compile(r"^1\.0(\.\d+)?$")
ALT_HEADERS = {"authorization", "x-experience-api-version", "content-type", "content-length", "if-match",
               "if-none-match", "accept-language"}
CORS_HEADERS = {
    "Access-Control-Allow-Methods": "HEAD, GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Origin, Content-Type, Content-Length, Authorization, If-Match, If-None-Match, "
                                    "X-Experience-API-Version, Accept-Language, X-Requested-With",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Content-Type, X-Experience-API-Version, "
                                     "X-Experience-API-Consistent-Through",
    "Access-Control-Max-Age": "86400",
}
# /xapi/ answers JSON (or multipart) to tools, never a page: nothing in it may run, load or be framed. A
# constant policy, as these requests skip the page middleware (zhijiao.core.handlers.LeanHandler).
API_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}


class XapiError(Exception):
    def __init__(self, status: int, message: str, errors: list | None = None, *, field: str | None = None):
        """`field`: the one parameter, header or "(body)" at fault, when `errors` does not list them."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or ([{"field": field, "reason": message}] if field else [])


@dataclass
class XReq:
    """One xAPI request, the same whether it came as plain HTTP or in the alternate syntax."""

    method: str
    params: dict
    headers: dict  # lower-case names
    body: bytes
    path: str
    extra: dict = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()


def build_xreq(request) -> XReq:
    """Parse a Django request, unwrapping the alternate request syntax (POST ?method=...)."""
    # What request.headers holds (HTTP_* and the two unprefixed ones), lower-cased, in one pass.
    headers = {}
    for k, v in request.META.items():
        if k.startswith("HTTP_"):
            headers[k[5:].replace("_", "-").lower()] = v
        elif k == "CONTENT_TYPE" or k == "CONTENT_LENGTH":
            headers[k.replace("_", "-").lower()] = v
    method = request.method.upper()
    if method == "POST" and "method" in request.GET:
        if set(request.GET) != {"method"}:
            raise XapiError(400, "使用替代请求语法时，查询字符串只能有 method 参数", field="method")
        alt = request.GET["method"].upper()
        if alt not in {"GET", "PUT", "POST", "DELETE", "HEAD"}:
            raise XapiError(400, "method 参数只能是 GET、PUT、POST、DELETE", field="method")
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            # no body at all is a bad request; a body of another type is an unsupported media type
            raise XapiError(415 if ctype else 400, "替代请求语法要求 Content-Type: application/x-www-form-urlencoded",
                            field="Content-Type")
        try:
            form = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError as exc:
            raise XapiError(400, "请求体不是 UTF-8", field="(body)") from exc
        params, alt_headers, content = {}, {}, b""
        for name, values in form.items():
            value = values[-1]
            if name.lower() in ALT_HEADERS:
                alt_headers[name.lower()] = value
            elif name == "content":
                content = value.encode("utf-8")
            else:
                params[name] = value
        if content and "content-type" not in alt_headers:
            alt_headers["content-type"] = "application/json"
        # A version given in the form is the request's version (and is checked); a real header must be
        # valid too, so neither can hide a bad one.
        if (real_version := headers.get("x-experience-api-version")) is not None:
            _check_version_value(real_version)
        for k in ("origin", "accept-language", "authorization", "x-experience-api-version"):
            if k in headers and k not in alt_headers:
                alt_headers[k] = headers[k]
        return XReq(method=alt, params=params, headers=alt_headers, body=content, path=request.path)
    params = {k: request.GET.getlist(k)[-1] for k in request.GET}
    return XReq(method=method, params=params, headers=headers, body=request.body, path=request.path)


def check_version(xreq: XReq) -> None:
    v = xreq.header("x-experience-api-version")
    if not v:
        raise XapiError(400, "缺少 X-Experience-API-Version 请求头", field="X-Experience-API-Version")
    _check_version_value(v)


def _check_version_value(v: str) -> None:
    if not VERSION_HEADER_RE.match(v.strip()):
        raise XapiError(400, f"不支持的 xAPI 版本：{v}（支持 1.0.x）", field="X-Experience-API-Version")


def finish(resp: HttpResponse, request) -> HttpResponse:
    """Headers every /xapi/ response carries: the version and CORS."""
    resp["X-Experience-API-Version"] = XAPI_VERSION
    # Any origin may call: credentials travel in the Authorization header, never in cookies, so no
    # Access-Control-Allow-Credentials (a page cannot borrow a signed-in user's session here).
    origin = request.headers.get("Origin")
    resp["Access-Control-Allow-Origin"] = origin or "*"
    if origin:
        resp["Vary"] = "Origin"
    for k, v in CORS_HEADERS.items():
        resp[k] = v
    for k, v in API_HEADERS.items():
        resp.headers.setdefault(k, v)
    return resp


def json_response(data, status: int = 200, **headers) -> HttpResponse:
    resp = HttpResponse(json.dumps(data, ensure_ascii=False, separators=(",", ":")), status=status,
                        content_type="application/json")
    for k, v in headers.items():
        resp[k.replace("_", "-")] = v
    return resp


def error_response(err: XapiError) -> HttpResponse:
    return json_response({"error": {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                                     409: "conflict", 412: "precondition_failed", 413: "too_large",
                                     415: "unsupported_media_type"}
                          .get(err.status, "error"), "message": err.message, "errors": err.errors},
                         status=err.status)


def http_date(dt) -> str:
    return format_datetime(dt.astimezone(UTC), usegmt=True)


# --- multipart/mixed -------------------------------------------------------------------------------

def _boundary(content_type: str) -> str | None:
    m = re.search(r'boundary="?([^";]+)"?', content_type, re.I)
    return m.group(1) if m else None


def parse_multipart(body: bytes, content_type: str) -> list[tuple[dict, bytes]]:
    """Parts of a multipart/mixed body as (lower-case headers, content)."""
    boundary = _boundary(content_type)
    if not boundary:
        raise XapiError(400, "multipart/mixed 请求缺少 boundary", field="Content-Type")
    delim = b"--" + boundary.encode()
    chunks = body.split(delim)
    if len(chunks) < 3:
        raise XapiError(400, "multipart/mixed 请求体格式不对", field="(body)")
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        elif chunk.startswith(b"\n"):
            chunk = chunk[1:]
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = chunk.partition(b"\n\n")
        if not sep:
            raise XapiError(400, "multipart 分段缺少头部", field="(body)")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        elif content.endswith(b"\n"):
            content = content[:-1]
        headers = {}
        for line in head.decode("utf-8", "replace").splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        parts.append((headers, content))
    return parts


def sha_of(data: bytes, length: int) -> str:
    algo = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}.get(length,
                                                                                                  hashlib.sha256)
    return algo(data).hexdigest()


def multipart_response(json_part: dict, attachments: list) -> HttpResponse:
    import uuid

    boundary = uuid.uuid4().hex
    out = [b"--" + boundary.encode() + b"\r\nContent-Type: application/json\r\n\r\n",
           json.dumps(json_part, ensure_ascii=False).encode(), b"\r\n"]
    for a in attachments:
        out += [b"--" + boundary.encode() + b"\r\n",
                f"Content-Type: {a.content_type}\r\nContent-Transfer-Encoding: binary\r\n"
                f"X-Experience-API-Hash: {a.sha2}\r\n\r\n".encode(), bytes(a.data), b"\r\n"]
    out.append(b"--" + boundary.encode() + b"--")
    return HttpResponse(b"".join(out), content_type=f"multipart/mixed; boundary={boundary}")
