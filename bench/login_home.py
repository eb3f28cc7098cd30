"""Login and home-page throughput under concurrent load (loopback only, bounded).

    uv run python bench/login_home.py [--db sqlite|postgres|both] [--clients 16] [--logins 200] [--pages 1000]

Builds the small demo on a fresh database, serves it with gunicorn (2 workers x 4 threads, the
default of `zhijiao serve`), then C concurrent clients each log in through the real form (CSRF, argon2)
and fetch their role's home page repeatedly. Prints requests/second and latency percentiles.
"""

import argparse
import http.cookiejar
import re
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._util import env_for, server, summarise, zhijiao  # noqa: E402

USERS = ["laoshi", "laoshi2", "xuesheng", "jiazhang", "xiao_admin", "xiao_cio", "qu_admin", "duxue"]
PASSWORD = "zhijiao2026"


def login(base: str, username: str) -> tuple[urllib.request.OpenerDirector, float]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "identifier": username,
                                   "password": PASSWORD}).encode()
    req = urllib.request.Request(f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/accounts/login/"})
    started = time.perf_counter()
    resp = opener.open(req, timeout=30)  # follows the redirect to the home page
    took = time.perf_counter() - started
    assert "/accounts/login/" not in resp.geturl(), f"login failed for {username}"
    return opener, took


def run(db: str, clients: int, logins: int, pages: int) -> None:
    env = env_for(db)
    zhijiao(["migrate", "-v0"], env)
    zhijiao(["demo", "--size", "small"], env, capture_output=True)
    with server(env) as base:
        login_lat, page_lat = [], []
        lock = threading.Lock()

        def login_worker(n):
            for i in range(n):
                _, took = login(base, USERS[i % len(USERS)])
                with lock:
                    login_lat.append(took)

        per = max(1, logins // clients)
        started = time.perf_counter()
        threads = [threading.Thread(target=login_worker, args=(per,)) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        login_wall = time.perf_counter() - started

        openers = [login(base, USERS[i % len(USERS)])[0] for i in range(clients)]

        def page_worker(opener, n):
            for _ in range(n):
                t0 = time.perf_counter()
                resp = opener.open(f"{base}/", timeout=30)
                resp.read()
                with lock:
                    page_lat.append(time.perf_counter() - t0)

        per = max(1, pages // clients)
        started = time.perf_counter()
        threads = [threading.Thread(target=page_worker, args=(o, per)) for o in openers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        page_wall = time.perf_counter() - started
    print(f"[{db}] {clients} concurrent clients, gunicorn 2 workers x 4 threads")
    print("  " + summarise("login (form POST + home)", login_lat, login_wall))
    print("  " + summarise("home page (工作台)", page_lat, page_wall))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        run(db, args.clients, args.logins, args.pages)


if __name__ == "__main__":
    main()
