"""The xAPI client page in a real Chromium: a district admin registers a tool on a phone, sees the secret
once, and the tool can then post a statement with it; revoking locks it out."""

import base64
import json

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district(transactional_db):
    from zhijiao.demo.builder import build_demo

    return build_demo(size="small", extensions=False)


def _post_statement(live_server, key, secret):
    import urllib.error
    import urllib.request

    body = json.dumps({"actor": {"mbox": "mailto:t@example.org"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/x"},
                       "object": {"id": "http://example.org/a"}}).encode()
    req = urllib.request.Request(f"{live_server.url}/xapi/statements", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Experience-API-Version": "1.0.3",
        "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_admin_registers_and_revokes_a_client_on_a_phone(district, phone_page, browser_login, live_server):
    p = phone_page
    browser_login(p, "qu_admin")
    p.goto(f"{live_server.url}/")
    p.click("a[data-app=xapi_clients]")
    p.wait_for_load_state()
    assert "xAPI" in p.locator("h1").inner_text()
    assert p.evaluate("document.documentElement.scrollWidth") <= 360

    # Nothing ticked: refused with a message, the name kept.
    p.fill("#id_name", "数字教材")
    for value in ("statements/write", "statements/read/mine", "state"):
        p.uncheck(f"input[name=scopes][value='{value}']")
    p.click("button:has-text('登记并生成密钥')")
    p.wait_for_load_state()
    assert "至少选择一个权限范围" in p.content()
    assert p.input_value("#id_name") == "数字教材"

    p.check("input[value='statements/write']")
    p.click("button:has-text('登记并生成密钥')")
    p.wait_for_load_state()
    key = p.locator("#issued-key").inner_text()
    secret = p.locator("#issued-secret").inner_text()
    assert p.evaluate("document.documentElement.scrollWidth") <= 360
    assert _post_statement(live_server, key, secret) == 200

    p.on("dialog", lambda d: d.accept())
    p.click("button:has-text('吊销')")
    p.wait_for_load_state()
    assert "已吊销" in p.content()
    assert _post_statement(live_server, key, secret) == 401


def test_client_page_on_desktop(district, page, browser_login, live_server):
    browser_login(page, "qu_admin")
    page.goto(f"{live_server.url}/records/clients/")
    assert page.locator("text=还没有登记客户端").is_visible()
    assert page.locator("label[for=id_name]").is_visible()
