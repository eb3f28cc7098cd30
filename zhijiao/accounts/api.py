from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from zhijiao.accounts.actions import LoginError, login_attempt, token_issue
from zhijiao.accounts.org_api import org_router
from zhijiao.accounts.selectors import scope_of

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


@router.post("/token", auth=None, response=TokenOut, summary="用账号或手机号和密码换取 API 令牌")
def token_login(request, payload: TokenIn):
    try:
        user = login_attempt(identifier=payload.username, password=payload.password,
                             ip=request.META.get("REMOTE_ADDR"))
    except LoginError as exc:
        raise HttpError(423 if exc.locked else 401, exc.message) from None
    if user.must_change_password:
        raise HttpError(403, _("账号仍在使用临时密码：请先登录网页修改密码，再使用 API。"))
    issued = token_issue(user=user, name="api-login")
    return {"token": issued.key, "expires_at": issued.expires_at}


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    scope = scope_of(request.auth)
    return {"id": request.auth.pk, "username": request.auth.username, "name": request.auth.display_name,
            "roles": sorted(scope.kinds()), "primary_role": scope.primary_role}
