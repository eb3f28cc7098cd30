"""Shared test fixtures: the small demo district, logins by demo account, and a real Chromium."""

import os
import shutil
import tempfile

import pytest

# The environment the settings read (data dir, trail thread off) is set by zhijiao/pytest_env.py.

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: primary keys repeat across tests' rolled-back databases, so a
    scope or a page cached by one test must never answer another."""
    from django.core.cache import cache

    cache.clear()


def pytest_configure(config):
    """A spool folder of this process's own (xdist workers share the data dir): a drain in one worker must
    never apply, or a cleanup delete, what another worker's test counted."""
    from pathlib import Path

    from django.conf import settings

    settings.ZHIJIAO_TRAIL_DIR = Path(tempfile.mkdtemp(prefix="zhijiao-trail-"))


@pytest.fixture(autouse=True)
def _empty_trail_spool():
    """Each test starts with an empty spool: lines another test counted never reach this one's database."""
    yield
    from zhijiao.records.trail import spool_dir, trail_flush

    trail_flush()
    for path in spool_dir().glob("*"):
        path.unlink(missing_ok=True)


@pytest.fixture
def demo(db):
    """The small demo district's org tree and people (no extension data), built fresh per test."""
    from zhijiao.demo.builder import build_demo

    return build_demo(size="small", extensions=False)


@pytest.fixture
def demo_full(db):
    """The small demo district with every app's demo data."""
    from zhijiao.demo.builder import build_demo

    return build_demo(size="small")


@pytest.fixture
def users(demo):
    """Demo accounts by username: users['laoshi'], users['xuesheng'], ..."""
    from zhijiao.accounts.models import User

    class _Users(dict):
        def __missing__(self, key):
            value = User.objects.get(username=key)
            self[key] = value
            return value

    return _Users()


@pytest.fixture
def client_as(client):
    """client_as(user) -> a Django test client logged in as that user."""

    def _login(user):
        client.force_login(user, backend="zhijiao.accounts.backends.AccountOrPhoneBackend")
        return client

    return _login


@pytest.fixture
def api_as(client):
    """api_as(user) -> a client sending that user's bearer token on every request."""
    from django.test import Client

    from zhijiao.accounts.actions import token_issue

    def _api(user):
        key = token_issue(user=user).key
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return _api


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("ZHIJIAO_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
        pytest.skip(f"browser tests need {CHROMIUM} (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A desktop-sized page. Use `phone_page` for a 360 px wide phone."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    p = context.new_page()
    yield p
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    p = context.new_page()
    yield p
    context.close()


@pytest.fixture
def browser_login(live_server):
    """browser_login(page, username) logs in through the real login form."""
    from zhijiao.demo.logins import DEMO_PASSWORD

    def _login(p, username, password=DEMO_PASSWORD):
        p.goto(f"{live_server.url}/accounts/login/")
        p.fill("#id_identifier", username)
        p.fill("#id_password", password)
        p.click("button[type=submit]")
        p.wait_for_load_state()
        return p

    return _login
