"""The WSGI application: Django's handler, and a leaner one for the machine-to-machine xAPI endpoints.

A page needs the whole middleware chain (sessions, the signed-in user, language, CSRF, CSP, frame
options). /xapi/ needs none of that: its callers authenticate with their own Authorization header, its
views are CSRF-exempt and answer JSON, and it is the path tools POST learning records to at hundreds of
requests a second. Measured in-process (docs/performance.md, "Learning record ingest"): the full chain cost
about as much CPU as storing a single statement. Its requests go through a chain of only the middleware
that still means something there: the security headers, the NUL guard and compression of large answers.
"""

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

LEAN_PREFIXES = ("/xapi/",)
LEAN_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "zhijiao.core.middleware.RejectNulBytes",
    "django.middleware.gzip.GZipMiddleware",
)


class LeanHandler(WSGIHandler):
    """Django's WSGI handler with only the middleware of LEAN_MIDDLEWARE that the settings also list
    (in the settings' order: an operator who drops one drops it here too)."""

    def load_middleware(self, is_async=False):
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = [m for m in full if m in LEAN_MIDDLEWARE]
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


def wsgi_application():
    """The site's WSGI callable: /xapi/ through LeanHandler, everything else through Django's own."""
    import django

    django.setup(set_prefix=False)
    full, lean = WSGIHandler(), LeanHandler()

    def application(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(LEAN_PREFIXES):
            return lean(environ, start_response)
        return full(environ, start_response)

    return application
