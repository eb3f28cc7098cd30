"""The installable app's files: the manifest names the app and its icons, the service worker lists the shell
it keeps (and nothing personal), and the offline page shows nothing of whoever is logged in."""

import json


def test_manifest_opens_on_the_role_home_with_icons(client):
    resp = client.get("/manifest.webmanifest")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/manifest+json"
    m = json.loads(resp.content)
    assert m["start_url"] == "/" and m["display"] == "standalone" and m["short_name"] == "智教"
    sizes = {i["sizes"] for i in m["icons"] if i["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for i in m["icons"]:
        assert client.get(i["src"]).status_code == 200


def test_service_worker_keeps_the_shell_and_never_caches_pages(client):
    resp = client.get("/sw.js")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/javascript")
    assert "no-cache" in resp["Cache-Control"]
    js = resp.content.decode()
    shell = json.loads(js.split("const SHELL = ", 1)[1].split(";\n", 1)[0])
    assert "/offline/" in shell and any(u.startswith("/static/web/zhijiao") for u in shell)
    assert all(u.startswith("/static/") or u == "/offline/" for u in shell)  # no page, so nothing personal
    assert 'request.mode === "navigate"' in js and "fetch(request).catch" in js


def test_offline_page_shows_nothing_personal(demo, users, client_as):
    user = users["xuesheng"]
    html = client_as(user).get("/offline/").content.decode()
    assert "网络已断开" in html and user.display_name not in html and "csrfmiddlewaretoken" not in html
