from datetime import datetime

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from zhijiao.accounts.actions import LoginError, login_attempt, token_issue
from zhijiao.accounts.org_api import org_router
from zhijiao.accounts.selectors import scope_of
from zhijiao.accounts.throttle import login_client

router = Router(tags=["auth"])
ROUTERS = [("auth", router), ("org", org_router)]


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"
    expires_at: datetime


class MeOut(Schema):
    id: int
    username: str
    name: str
    roles: list[str]
    primary_role: str | None


class ErrorOut(Schema):
    detail: str


@router.post("/token", auth=None, response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
             summary="用账号或手机号和密码换取 API 令牌")
def token_login(request, payload: TokenIn, response: HttpResponse):
    """A wrong account name, phone or password answers 401, all with the same detail. Too many failures
    (from this IP address for this name, from this IP address at all, or for this name from anywhere:
    docs/permissions.md "Login") answer 429 with Retry-After in seconds, whatever the password."""
    try:
        user = login_attempt(identifier=payload.username, password=payload.password, client=login_client(request))
    except LoginError as exc:
        if exc.locked:
            response["Retry-After"] = str(exc.retry_after)
            return Status(429, {"detail": exc.message})
        raise HttpError(401, exc.message) from None
    if user.must_change_password:
        raise HttpError(403, _("账号仍在使用临时密码：请先登录网页修改密码，再使用 API。"))
    issued = token_issue(user=user, name="api-login")
    return {"token": issued.key, "expires_at": issued.expires_at}


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    scope = scope_of(request.auth)
    return {"id": request.auth.pk, "username": request.auth.username, "name": request.auth.display_name,
            "roles": sorted(scope.kinds()), "primary_role": scope.primary_role}
