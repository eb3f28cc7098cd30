"""Daily pages on a thin link, as a phone in a remote school meets them.

    uv run python bench/thin_link.py [--kbps 400] [--rtt 400] [--data-dir DIR] [--keep]

Starts the platform as the README's first command does (`zhijiao start`: the small demo on SQLite,
collected static files, the production server) in a fresh data dir, then for each demo role opens the daily
pages in Chromium 360 px wide with Chromium's network emulation (`Network.emulateNetworkConditions`:
--kbps down and up, --rtt ms round trip): once with an empty cache (a first visit) and once again (a
return visit). Prints, per page, the bytes on the wire and the time until the page is usable (the load
event: HTML, styles and scripts in, deferred scripts run) for both visits. Goals (issue 23): under 3 s on a
first visit and 1.5 s on a return visit. Loopback only; every run is bounded.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PAGES = {
    "xuesheng": ["/", "/homework/my/", "@homework", "/learning/notebook/", "/learning/me/", "/resources/",
                 "@resource", "/search/?q=%E5%8F%A4%E8%AF%97"],
    "laoshi": ["/", "/homework/", "/questions/", "/resources/", "/learning/"],
    "jiazhang": ["/", "/homework/children/"],
    "xiao_admin": ["/", "/cockpit/my-school/"],
    "qu_admin": ["/", "/cockpit/"],
}


def start(data_dir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(ZHIJIAO_DATA_DIR=str(data_dir), ZHIJIAO_BIND=f"127.0.0.1:{port}", ZHIJIAO_ACCESS_LOG="0")
    log = open(data_dir / "start.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "zhijiao.cli", "start"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            return proc, base
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(1)
    proc.terminate()
    raise SystemExit("zhijiao start did not serve: " + (data_dir / "start.log").read_text()[-2000:])


def resolve(p, base: str, path: str) -> str:
    """`@homework`: the student's first open homework; `@resource`: the first resource of the browse page."""
    if path == "@homework":
        p.goto(f"{base}/homework/my/")
        href = p.get_attribute("[data-testid=todo] a", "href")
    elif path == "@resource":
        p.goto(f"{base}/resources/")
        href = p.get_attribute("[data-testid=resource-cards] h3 a", "href")
    else:
        return path
    return href or "/"


def measure(context, p, url: str, *, kbps: int, rtt: int, empty_cache: bool) -> tuple[float, float]:
    cdp = context.new_cdp_session(p)
    cdp.send("Network.enable")
    if empty_cache:
        cdp.send("Network.clearBrowserCache")
    rate = kbps * 1000 / 8  # bytes per second
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": rtt, "downloadThroughput": rate,
                                                  "uploadThroughput": rate})
    sizes: dict[str, int] = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    started = time.perf_counter()
    p.goto(url, wait_until="load", timeout=120_000)
    took = time.perf_counter() - started
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    cdp.detach()
    return sum(sizes.values()) / 1024, took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kbps", type=int, default=400, help="link speed, kilobits per second, each way")
    ap.add_argument("--rtt", type=int, default=400, help="round trip, milliseconds")
    ap.add_argument("--data-dir", help="data dir for the platform (default: a new temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the data dir afterwards")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from zhijiao.demo.logins import DEMO_PASSWORD

    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="zhijiao-thin-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    proc, base = start(data_dir)
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for username, paths in PAGES.items():
                context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN",
                                              is_mobile=True, has_touch=True)
                p = context.new_page()
                p.goto(f"{base}/accounts/login/")
                p.fill("#id_identifier", username)
                p.fill("#id_password", DEMO_PASSWORD)
                p.click("button[type=submit]")
                p.wait_for_load_state()
                for path in paths:
                    url = base + resolve(p, base, path)
                    first = measure(context, p, url, kbps=args.kbps, rtt=args.rtt, empty_cache=True)
                    again = measure(context, p, url, kbps=args.kbps, rtt=args.rtt, empty_cache=False)
                    rows.append((username, url[len(base):], first, again))
                context.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if not args.keep and not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)

    print(f"Chromium 360 px, network emulation {args.kbps} kbit/s each way, {args.rtt} ms round trip; "
          f"`zhijiao start` (small demo, SQLite); time = until the load event")
    print(f"{'role':<11} {'page':<34} {'first KB':>8} {'first s':>8} {'again KB':>8} {'again s':>8}")
    for username, path, (kb1, s1), (kb2, s2) in rows:
        flag = ("" if s1 < 3 else " first>3s") + ("" if s2 < 1.5 else " again>1.5s")
        print(f"{username:<11} {path[:34]:<34} {kb1:>8.1f} {s1:>8.2f} {kb2:>8.1f} {s2:>8.2f}{flag}")
    worst1, worst2 = max(r[2][1] for r in rows), max(r[3][1] for r in rows)
    print(f"slowest first visit {worst1:.2f} s (goal < 3 s), slowest return visit {worst2:.2f} s (goal < 1.5 s)")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
    main()
