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
