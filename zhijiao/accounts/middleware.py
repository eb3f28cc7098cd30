import time

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse


class ForcePasswordChangeMiddleware:
    """Until a person replaces their first (or reset) password, every page leads to the change form."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz", "/api/", "/sw.js", "/manifest.webmanifest",
                        "/offline/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and user.must_change_password
                and not request.path.startswith(self.ALLOWED_PREFIXES)):
            return redirect(reverse("accounts:password_change"))
        return self.get_response(request)


class SessionRefreshMiddleware:
    """Idle expiry without a session write on every request.

    A session expires SESSION_COOKIE_AGE after it was last saved. Saving it on every request (Django's
    SESSION_SAVE_EVERY_REQUEST) costs a database write per page; here it is saved again only when its last
    refresh is older than ZHIJIAO_SESSION_REFRESH_SECONDS, so a session expires between AGE - REFRESH and
    AGE after the last visit. Sits right after SessionMiddleware, which saves what this marks.
    """

    KEY = "_zj_refreshed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response  # no session, or one just flushed (logout): nothing to keep alive
        now = int(time.time())
        # A session saved anyway (login, a change) carries the time; otherwise save it when the time is old.
        if session.modified or now - session.get(self.KEY, 0) >= settings.ZHIJIAO_SESSION_REFRESH_SECONDS:
            session[self.KEY] = now
        return response
