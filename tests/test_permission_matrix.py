"""Runs the permission matrix (tests/matrix.py): one allowed and one denied case per endpoint, per role."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.matrix import ANONYMOUS, Case, World, all_cases, all_exemptions

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
    url = case.url(world)
    data = case.data(world) if case.data else None
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


@pytest.mark.parametrize("case", [c for c in CASES if c.denied], ids=lambda c: c.id)
def test_denied(world, case):
    resp = _call(_client_for(world, case.denied, case.api), case, world)
    assert _denied(resp, case), (resp.status_code, resp.content[:300])


def _url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in {"admin", "api"} or (entry.app_name or "") in {"admin"}:
                continue
            yield from _url_names(entry, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


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
