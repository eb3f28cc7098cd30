"""Runs the permission matrix (tests/matrix.py): one allowed and one denied case per endpoint, per role, and
for every endpoint that writes, an allowed and a denied write case."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from tests.matrix import (
    ANONYMOUS,
    WRITE_METHODS,
    Case,
    World,
    accepts_writes,
    all_cases,
    all_exemptions,
    all_write_exemptions,
)

CASES = all_cases()


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The full small demo, built once for the whole matrix (hundreds of cases) and flushed after it.

    Each case still runs inside its own rolled-back transaction (the `db` fixture), so a POST in one
    case never leaks into the next.
    """
    from django.core.management import call_command

    from zhijiao.demo.builder import build_demo

    with django_db_blocker.unblock():
        ctx = build_demo(size="small")
    yield ctx
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def world(db, demo_world):
    return World(demo_world)


def _client_for(world: World, username: str | None, api: bool) -> Client:
    if username is None or username == ANONYMOUS:
        return Client()
    user = world.user(username)
    if api:
        from zhijiao.accounts.actions import token_issue

        return Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user).key}")
    client = Client()
    client.force_login(user, backend="zhijiao.accounts.backends.AccountOrPhoneBackend")
    return client


def _call(client: Client, case: Case, world: World):
    return _send(client, case, case.url(world), case.data(world) if case.data else None)


def _send(client: Client, case: Case, url: str, data):
    method = getattr(client, case.method.lower())
    if case.json:
        return method(url, data or {}, content_type="application/json")
    return method(url, data) if data is not None else method(url)


def _denied(resp, case: Case) -> bool:
    if resp.status_code in case.denied_status:
        return True
    # A page that bounces the visitor to the login form also denies.
    return resp.status_code == 302 and "/accounts/login/" in resp.get("Location", "")


@pytest.mark.parametrize("case", [c for c in CASES if c.allowed], ids=lambda c: c.id)
def test_allowed(world, case):
    resp = _call(_client_for(world, case.allowed, case.api), case, world)
    assert resp.status_code in case.allowed_status, (resp.status_code, resp.content[:300])
    if resp.status_code == 302:
        assert "/accounts/login/" not in resp.get("Location", ""), "an allowed user was sent to the login page"


# Bookkeeping any signed-in request may write: the session (saved on every request) and a token's last use.
BOOKKEEPING = re.compile(r'^(UPDATE|INSERT INTO) "django_session"|^UPDATE "accounts_apitoken" SET "last_used_at"')


def _data_writes(queries) -> list[str]:
    """The INSERT, UPDATE and DELETE statements among `queries`, bookkeeping aside."""
    sqls = (q["sql"].lstrip() for q in queries)
    return [sql[:200] for sql in sqls
            if sql.split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"} and not BOOKKEEPING.match(sql)]


@pytest.mark.parametrize("case", [c for c in CASES if c.denied], ids=lambda c: c.id)
def test_denied(world, case):
    """Refused (401/403/404, or sent to the login page) — and nothing written: a denied request, a write
    above all, must leave the database as it was, not fail after half a change (issue 11)."""
    client = _client_for(world, case.denied, case.api)
    url, data = case.url(world), case.data(world) if case.data else None  # the builders may create demo rows
    with CaptureQueriesContext(connection) as queries:
        resp = _send(client, case, url, data)
    assert _denied(resp, case), (resp.status_code, resp.content[:300])
    assert not _data_writes(queries.captured_queries), _data_writes(queries.captured_queries)


def _url_patterns(resolver=None, namespace=""):
    """(URL name, view) of every named Django URL outside the admin and the Ninja API."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in {"admin", "api"} or (entry.app_name or "") in {"admin"}:
                continue
            yield from _url_patterns(entry, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.callback


def _url_names():
    for name, _view in _url_patterns():
        yield name


def _api_operations():
    from zhijiao.api import api

    schema = api.get_openapi_schema()
    for path, ops in schema["paths"].items():
        for method in ops:
            yield f"{method.upper()} {path}"


def test_every_endpoint_is_in_the_matrix(db):
    covered = {c.endpoint for c in CASES}
    exempt = all_exemptions()
    missing = [e for e in list(_url_names()) + list(_api_operations())
               if e not in covered and e not in exempt and not e.startswith("set_language")]
    assert not missing, "endpoints without a permission-matrix case (add them to <app>/tests/matrix.py): " + \
        ", ".join(sorted(missing))


def _write_endpoints():
    """Every endpoint that accepts a write: Django URLs whose view writes (`accepts_writes`: its source reads
    the body, checks for POST, or requires a write method) and API operations of a write method."""
    for name, view in _url_patterns():
        if not name.startswith("set_language") and accepts_writes(view):
            yield name
    for op in _api_operations():
        if op.split(" ", 1)[0] in WRITE_METHODS:
            yield op


def test_every_write_endpoint_has_allowed_and_denied_write_cases(db):
    """Issue 11: a subject teacher could change another subject's grades because no case ever POSTed a grade as
    the wrong teacher. Now every endpoint that writes needs a write case (POST/PUT/PATCH/DELETE) that an
    allowed user passes, and one that a signed-in denied user is refused — not merely a visitor — unless the
    app's `EXEMPT_WRITES` says why (e.g. a write on one's own data every signed-in user may make)."""
    exempt, exempt_writes = all_exemptions(), all_write_exemptions()
    writes = [c for c in CASES if c.writes]
    allowed = {c.endpoint for c in writes if c.allowed}
    denied = {c.endpoint for c in writes if c.denied and c.denied != ANONYMOUS}
    problems = []
    for endpoint in sorted(set(_write_endpoints())):
        if endpoint in exempt:
            continue
        if endpoint not in allowed:
            problems.append(f"{endpoint}: no write case with an allowed user")
        if endpoint not in denied and endpoint not in exempt_writes:
            problems.append(f"{endpoint}: no write case with a signed-in denied user")
    assert not problems, ("endpoints that write without allowed and denied write cases (add them to "
                          "<app>/tests/matrix.py, or EXEMPT_WRITES with the reason):\n" + "\n".join(problems))


def test_write_exemptions_are_live():
    """An EXEMPT_WRITES entry for an endpoint that no longer writes, or that now has a signed-in denied write
    case, is stale: remove it so the list shows only real gaps."""
    writes = set(_write_endpoints())
    denied = {c.endpoint for c in CASES if c.writes and c.denied and c.denied != ANONYMOUS}
    stale = [e for e in all_write_exemptions() if e not in writes or e in denied]
    assert not stale, "stale EXEMPT_WRITES entries: " + ", ".join(sorted(stale))


def test_write_scan_sees_the_known_writers():
    """The scan (tests/matrix.py `accepts_writes`) finds writes behind decorators that keep no __wrapped__
    (teacher_required), through helpers handed `request`, and leaves plain reads alone."""
    views = dict(_url_patterns())
    for name in ("homework:grade_question", "homework:grade_submission", "homework:autosave", "homework:assign",
                 "questions:create", "learning:qa_reply", "accounts:manage_role_grant", "xapi:statements"):
        assert accepts_writes(views[name]), name
    for name in ("homework:detail", "homework:result", "homework:teacher", "learning:class_map"):
        assert not accepts_writes(views[name]), name
