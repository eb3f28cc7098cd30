"""The one Ninja API under /api/v1/. Each app contributes a router from its own `api.py`."""

from importlib import import_module

from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.parser import Parser

from zhijiao import __version__
from zhijiao.accounts.api_auth import SessionOrTokenAuth
from zhijiao.core.files import read_json
from zhijiao.web.api_docs import LocalSwagger


class BoundedJSONParser(Parser):
    """Request bodies through the one bounded JSON reader: nesting past its depth is a 400, never a 500 in
    whatever recurses over the value later."""

    def parse_body(self, request):
        return read_json(request.body)


# What every operation can answer besides its own responses, all with the body `ErrorOut`: the project's
# handlers make these for any operation (a body that is not JSON or nests too deep, no or a bad token, a
# role that may not, an object out of scope, input that fails validation, too many attempts).
COMMON_ERRORS = {
    "400": "请求体不是可读的 JSON（或嵌套过深）",
    "401": "未登录或令牌无效",
    "403": "无权执行此操作（如：尚未修改初始密码）",
    "404": "对象不存在，或不在您的可见范围内",
    "413": "请求体过大",
    "422": "输入未通过校验：errors 列出每个字段的问题",
}
ERROR_OUT = {
    "title": "ErrorOut", "type": "object", "required": ["detail"],
    "properties": {
        "detail": {"title": "Detail", "type": "string"},
        "errors": {"title": "Errors", "type": "array", "items": {
            "type": "object", "properties": {"field": {"type": "string"}, "row": {"type": "integer"},
                                             "message": {"type": "string"}}}},
    },
}


class DocumentedAPI(NinjaAPI):
    """The Ninja API whose OpenAPI document lists, for every operation, the error answers it can give."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = ERROR_OUT
        error = {"$ref": "#/components/schemas/ErrorOut"}
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                # Ninja keys its own responses by int; JSON keys are strings.
                responses = operation["responses"] = {str(k): v for k, v in operation.get("responses", {}).items()}
                for status, description in COMMON_ERRORS.items():
                    if status not in responses:
                        responses[status] = {"description": description,
                                             "content": {"application/json": {"schema": error}}}
                    elif status == "422":  # an operation's own 422 body, or the validation handler's
                        own = responses[status].setdefault("content", {}).setdefault("application/json", {})
                        if "schema" in own and own["schema"] != error:
                            own["schema"] = {"anyOf": [own["schema"], error]}
        return schema


api = DocumentedAPI(
    docs=LocalSwagger(),
    title="zhijiao API",
    version=__version__,
    urls_namespace="api",
    auth=SessionOrTokenAuth(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=BoundedJSONParser(),
)


@api.exception_handler(ValidationError)
def field_level_errors(request, exc: ValidationError):
    """Answer bad input with 422 and one message per field, never a 500."""
    fields = []
    for err in exc.errors:
        # loc is (where, [argument name,] field…): keep only the field path the client sent.
        loc = [str(p) for p in err.get("loc", [])]
        if loc and loc[0] in ("body", "query", "path", "form", "header", "cookie", "file"):
            loc = loc[2:] if len(loc) > 2 else loc[1:]
        fields.append({"field": ".".join(loc), "message": err.get("msg", "")})
    return api.create_response(request, {"detail": "invalid input", "errors": fields}, status=422)


# Apps register themselves: every zhijiao app whose `api.py` defines `router` is mounted at
# /api/v1/<API_PREFIX or app label>/, so a new capability needs no edit here.
def _mount_app_routers() -> None:
    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.startswith("zhijiao."):
            continue
        try:
            module = import_module(f"{config.name}.api")
        except ModuleNotFoundError as exc:
            if exc.name == f"{config.name}.api":
                continue
            raise
        # An app mounts one `router` at its API_PREFIX (default: its label), or several via ROUTERS.
        mounts = getattr(module, "ROUTERS", None)
        if mounts is None and getattr(module, "router", None) is not None:
            mounts = [(getattr(module, "API_PREFIX", config.label), module.router)]
        for prefix, router in mounts or []:
            api.add_router(f"/{prefix}/", router)


_mount_app_routers()
