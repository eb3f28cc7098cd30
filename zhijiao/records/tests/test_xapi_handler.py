"""/xapi/ goes through the lean middleware chain of the site's WSGI application (zhijiao.core.handlers) and keeps
the headers its callers rely on; pages keep the whole chain."""

import base64
import io
import json
import sys

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from zhijiao.core.handlers import wsgi_application


def _call(app, method, path, *, query="", body=b"", headers=None):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "HTTP_HOST": "testserver", "wsgi.input": io.BytesIO(body),
               "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "CONTENT_LENGTH": str(len(body)),
               "CONTENT_TYPE": "application/json"}
    environ.update(headers or {})
    status = []
    # As Django's test client does: the request must not close the test's connection (its transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        content = b"".join(app(environ, lambda s, h: status.append((s, dict(h)))))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return int(status[0][0][:3]), status[0][1], content


@pytest.mark.django_db
def test_xapi_goes_through_the_lean_chain_with_its_headers():
    from zhijiao.records.actions import lrs_client_create
    from zhijiao.records.models import Statement

    app = wsgi_application()
    issued = lrs_client_create(actor=None, name="lean", scopes=["all"])
    auth = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode(),
            "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3", "HTTP_ORIGIN": "https://tool.example.org"}
    statement = {"actor": {"mbox": "mailto:learner@example.org"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
                 "object": {"id": "https://questions.example.org/q/1"}}
    status, headers, content = _call(app, "POST", "/xapi/statements", body=json.dumps(statement).encode(),
                                     headers=auth)
    assert status == 200
    [sid] = json.loads(content)
    assert Statement.objects.filter(id=sid).exists()
    assert headers["X-Experience-API-Version"] == "1.0.3"
    assert headers["Access-Control-Allow-Origin"] == "https://tool.example.org"
    assert headers["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still runs
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Set-Cookie" not in headers  # no session, no CSRF cookie, no language cookie

    # The NUL guard still runs: a 400 naming the parameter, not a 500 from the database.
    status, headers, content = _call(app, "GET", "/xapi/statements", query="verb=%00", headers=auth)
    assert status == 400

    # An invalid statement: the xAPI error with every problem, as through the whole chain.
    status, headers, content = _call(app, "POST", "/xapi/statements", body=b'{"verb": {}}', headers=auth)
    assert status == 400 and json.loads(content)["errors"]


@pytest.mark.django_db
def test_pages_keep_the_whole_chain():
    app = wsgi_application()
    status, headers, _content = _call(app, "GET", "/accounts/login/", headers={"HTTP_ACCEPT": "text/html"})
    assert status == 200
    assert "script-src 'self'" in headers["Content-Security-Policy"]  # django-csp's page policy
    assert "csrftoken" in headers.get("Set-Cookie", "")  # CSRF middleware ran for the login form
