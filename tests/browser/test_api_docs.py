"""/api/v1/docs, Ninja's Swagger UI, from the files Ninja ships (not a CDN) under the site's policy: it draws the
operations, asks no other host, and the policy reports nothing (issue 11; a bureau's intranet may have no
way out to a CDN)."""

from urllib.parse import urlparse

import pytest

from tests.browser.test_csp import watched  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_draw_from_our_own_files_under_the_policy(watched, live_server, demo):  # noqa: F811
    p, violations = watched
    hosts = set()
    p.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    resp = p.goto(f"{live_server.url}/api/v1/docs")
    policy = resp.headers["content-security-policy"]
    assert "script-src 'self';" in policy + ";" and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    p.wait_for_selector(".opblock-summary-path", timeout=15000)  # the operations are drawn
    assert p.locator(".opblock-summary-path", has_text="/api/v1/questions/import").count() >= 1
    assert hosts == {urlparse(live_server.url).netloc}
    assert violations == []
