from django.db import connection
from django.http import JsonResponse

from zhijiao import __version__


def healthz(request):
    """Liveness and readiness: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db_ok = True
    except Exception:  # noqa: BLE001 — any database failure means "not ready"
        db_ok = False
    body = {"status": "ok" if db_ok else "degraded", "database": db_ok, "version": __version__,
            "database_engine": connection.vendor}
    return JsonResponse(body, status=200 if db_ok else 503)


# Paths whose clients read JSON: a request Django refuses before any view runs (a body over
# DATA_UPLOAD_MAX_MEMORY_SIZE, a bad Host) gets its 400 in JSON there, as every other answer of theirs.
JSON_PATHS = ("/api/", "/xapi/")


def bad_request(request, exception=None):
    if request.path.startswith(JSON_PATHS):
        from django.core.exceptions import RequestDataTooBig

        too_big = isinstance(exception, RequestDataTooBig)
        detail = "请求体过大" if too_big else "请求无效"
        if request.path.startswith("/xapi/"):
            # the LRS's error shape (records.xapi.http.error_response): every 400 names what is at fault
            return JsonResponse({"error": "too_large" if too_big else "bad_request", "message": detail,
                                 "errors": [{"field": f, "reason": detail} for f in _fields_at_fault(request)]},
                                status=413 if too_big else 400)
        return JsonResponse({"detail": detail}, status=413 if too_big else 400)
    from django.views.defaults import bad_request as html_bad_request

    return html_bad_request(request, exception)


def _fields_at_fault(request) -> list[str]:
    """The query parameters holding a NUL character (what `RejectNulBytes` refuses), else "(request)"."""
    try:
        bad = [k for k, values in request.GET.lists() if "\x00" in k or any("\x00" in v for v in values)]
    except Exception:  # noqa: BLE001 - the query string itself is what Django refused (too many fields)
        bad = []
    return bad or ["(request)"]
