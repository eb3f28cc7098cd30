"""API authentication: a bearer token (`Authorization: Bearer zj_…`) or the browser session."""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from zhijiao.accounts.tokens import token_user


class SessionOrTokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            return self.authenticate(request, header[7:].strip())
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None  # neither a token nor a session: 401, before any CSRF check could answer 403
        return _session(request)

    def authenticate(self, request, token):
        user = token_user(token)
        # A temporary (first or reset) password must be replaced on the web before the API opens.
        if user is not None and user.must_change_password:
            raise HttpError(403, _("账号仍在使用临时密码：请先登录网页修改密码，再使用 API。"))
        if user is not None:
            request.user = user
        return user


class _SessionAuth(APIKeyCookie):
    """Django session with CSRF checking, as Ninja's django_auth does."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.must_change_password:
            return user
        return None


_session = _SessionAuth()
