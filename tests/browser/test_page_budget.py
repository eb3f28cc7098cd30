"""Every kind of page each demo role reaches from its home (up to three links away), as a phone on a first
visit meets it: the platform started
with the README's first command (`zhijiao start`: migrate, the small demo, collected static files, the
production server), Chromium 360 px wide with an empty cache.

Each page must stay under 100 KB on the wire (encoded bodies: HTML, styles, scripts, fonts), ask no other
host for anything, fit the screen's width, pass axe-core's WCAG 2.1 A and AA rules (axe-core 4.14,
MPL-2.0, vendored at tests/browser/vendor/) and have nothing blocked by the Content-Security-Policy; a
return visit must transfer nothing but the page itself.
A page added later and linked from a home is held to the same budget without anyone remembering to.
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlparse

import pytest
from playwright.sync_api import Error as PlaywrightError

from zhijiao.demo.logins import DEMO_PASSWORD

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
BUDGET_KB = 100
WIDTH = 360
ROLES = ["xuesheng", "laoshi", "jiazhang", "xiao_admin", "qu_admin"]
# Links that are actions or leave the pages a person reads.
SKIP = ("/accounts/logout", "/i18n/", "/static/", "/media/", "/ops/")
AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DEPTH = 3  # links away from the home
MAX_KINDS = 80  # kinds of page per role, a bound on the walk


@pytest.fixture(scope="module")
def started():
    """`zhijiao start` in a fresh data dir on SQLite, as a new user runs it; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tempfile.mkdtemp(prefix="zhijiao-budget-")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(ZHIJIAO_DATA_DIR=data, ZHIJIAO_BIND=f"127.0.0.1:{port}", ZHIJIAO_CLOCK="0", ZHIJIAO_WORKERS="1",
               ZHIJIAO_ACCESS_LOG="0")
    log = open(Path(data) / "start.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "zhijiao.cli", "start"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("zhijiao start did not serve: " + (Path(data) / "start.log").read_text()[-3000:])
                time.sleep(1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _login(p, base: str, username: str) -> None:
    p.goto(f"{base}/accounts/login/")
    p.fill("#id_identifier", username)
    p.fill("#id_password", DEMO_PASSWORD)
    p.click("button[type=submit]")
    p.wait_for_load_state()


def _links(p, base: str, page_url: str) -> list[str]:
    out = []
    for href in p.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
        u = urlparse(urljoin(page_url, href))
        path = u.path + (f"?{u.query}" if u.query else "")
        download = "." in u.path.rsplit("/", 1)[-1] or "export=" in u.query or "download=" in u.query
        if u.netloc == urlparse(base).netloc and not u.path.startswith(SKIP) and not download and path not in out:
            out.append(path)
    return out


def _kind(path: str) -> str:
    """Pages of one kind share a pattern: ids become N, and only the names of query parameters count."""
    u = urlparse(path)
    return re.sub(r"\d+", "N", u.path) + "?" + ",".join(sorted({k for k, _v in parse_qsl(u.query)}))


def _visit(context, p, url: str, *, empty_cache: bool) -> dict | None:
    """Load `url`; what went over the wire: bytes per response, hosts asked, responses not from the cache.
    None for a link to a file that downloads."""
    cdp = context.new_cdp_session(p)
    cdp.send("Network.enable")
    if empty_cache:
        cdp.send("Network.clearBrowserCache")
    encoded: dict[str, int] = {}
    hosts: set[str] = set()
    urls: dict[str, str] = {}
    cached: set[str] = set()
    def sent(e):
        url = e["request"]["url"]
        urls[e["requestId"]] = url
        if urlparse(url).scheme in ("http", "https", "ws", "wss"):  # data: and blob: URLs stay on the device
            hosts.add(urlparse(url).netloc)

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.requestServedFromCache", lambda e: cached.add(e["requestId"]))
    cdp.on("Network.responseReceived", lambda e: cached.add(e["requestId"])
           if e["response"].get("fromDiskCache") or e["response"].get("fromPrefetchCache") else None)
    cdp.on("Network.loadingFinished", lambda e: encoded.__setitem__(e["requestId"], e["encodedDataLength"]))
    try:
        response = p.goto(url)
    except PlaywrightError as exc:  # a link to a file (an export, a template): not a page
        if "Download is starting" not in str(exc):
            raise
        cdp.detach()
        return None
    p.wait_for_load_state("networkidle")
    cdp.detach()
    # evaluated by the browser itself: the page's Content-Security-Policy forbids an inline <script> tag
    p.evaluate(AXE)
    violations = p.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                            ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.slice(0, 2).map("
                            "n => n.target.join(' ')).join(', ')))", AXE_RULES)
    fetched = {urls.get(r, "?"): n for r, n in encoded.items() if r not in cached and n > 0}
    return {"status": response.status if response else 0, "kb": sum(encoded.values()) / 1024, "hosts": hosts,
            "width": p.evaluate("document.documentElement.scrollWidth"), "fetched": fetched,
            "violations": violations}


def test_every_page_of_every_role_is_light_and_accessible_on_a_phone(started, browser):
    """Breadth-first from each role's home, up to DEPTH links away, one page of each kind (`_kind`)."""
    failures = []
    seen = 0
    for username in ROLES:
        context = browser.new_context(viewport={"width": WIDTH, "height": 740}, locale="zh-CN", is_mobile=True,
                                      has_touch=True)
        p = context.new_page()
        csp = []  # what the browser reports the Content-Security-Policy blocked
        p.on("console", lambda m, csp=csp: csp.append(m.text) if "Content Security Policy" in m.text else None)
        _login(p, started, username)
        kinds: set[str] = set()
        queue = [("/", 0)]
        while queue and len(kinds) < MAX_KINDS:
            path, depth = queue.pop(0)
            if _kind(path) in kinds:
                continue
            kinds.add(_kind(path))
            got = _visit(context, p, f"{started}{path}", empty_cache=True)
            if got is None:
                continue
            seen += 1
            where = f"{username} {path}"
            if got["status"] != 200:
                failures.append(f"{where}: status {got['status']}")
            budget = BUDGET_KB
            if got["kb"] >= budget:
                heaviest = sorted(got["fetched"].items(), key=lambda kv: -kv[1])[:3]
                failures.append(f"{where}: {got['kb']:.1f} KB on a first visit (budget {budget}): {heaviest}")
            if got["hosts"] - {urlparse(started).netloc}:
                failures.append(f"{where}: asked other hosts {sorted(got['hosts'] - {urlparse(started).netloc})}")
            if got["width"] > WIDTH:
                failures.append(f"{where}: {got['width']} px wide on a {WIDTH} px screen")
            if got["violations"]:
                failures.append(f"{where}: axe (WCAG 2.1 A/AA): {got['violations']}")
            if csp:
                failures.append(f"{where}: blocked by the Content-Security-Policy: {csp[:3]}")
                csp.clear()
            if depth < DEPTH:
                queue += [(x, depth + 1) for x in _links(p, started, f"{started}{path}") if _kind(x) not in kinds]
        # A return visit: the static files come from the cache, only the page itself is transferred.
        _visit(context, p, f"{started}/", empty_cache=True)
        again = _visit(context, p, f"{started}/", empty_cache=False)
        others = [u for u in again["fetched"] if urlparse(u).path != "/"]
        if others:
            failures.append(f"{username}: a return visit to the home fetched again {others}")
        context.close()
    assert seen >= 150, f"only {seen} kinds of page reached from the five homes"
    assert not failures, "\n".join(failures)
