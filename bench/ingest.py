"""LRS ingest throughput: gunicorn on loopback, SQLite and PostgreSQL, single and batched POSTs.

    uv run python bench/ingest.py [--seconds 8] [--threads 4] [--batch 100] [--db sqlite,postgres]

For each database: a fresh data dir (or scratch PostgreSQL database `zj_lrs_bench`), migrate, register a
client with `zhijiao xapi-client add`, then for each mode several threads POST statements for a fixed
time. Prints statements/second and request latency p50/p99 per mode per database.
"""

import argparse
import base64
import json
import os
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import PG_BASE, reset_pg, server, zhijiao  # noqa: E402

PG_DB = "zj_lrs_bench"


def statement(i: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "https://sso.example.org", "name": f"s{i % 5000}"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"zh-CN": "作答"}},
        "object": {"id": f"https://questions.example.org/q/{i % 2000}",
                   "definition": {"type": "http://adlnet.gov/expapi/activities/cmi.interaction"}},
        "result": {"success": i % 3 != 0, "score": {"scaled": (i % 10) / 10}, "duration": "PT42S"},
        "context": {"registration": str(uuid.uuid4()),
                    "contextActivities": {"parent": [{"id": f"https://courses.example.org/c/{i % 50}"}]}},
        "timestamp": "2026-11-23T08:00:00+08:00",
    }


def run_mode(url: str, auth: str, *, batch: int, threads: int, seconds: float) -> tuple[int, list[float], float]:
    lat: list[float] = []
    stored = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    errors = []

    def worker(t: int):
        i = t * 10_000_000
        while time.monotonic() < stop:
            items = [statement(i + k) for k in range(batch)]
            i += batch
            body = json.dumps(items if batch > 1 else items[0]).encode()
            req = urllib.request.Request(f"{url}/xapi/statements", data=body, method="POST", headers={
                "Authorization": auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"})
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(req, timeout=60) as resp:
                    resp.read()
            except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
                errors.append(repr(exc))
                continue
            dt = time.perf_counter() - t0
            with lock:
                lat.append(dt)
                stored[0] += batch

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        print(f"    ({len(errors)} failed requests, e.g. {errors[0][:120]})")
    return stored[0], lat, wall


def pct(lat: list[float], p: float) -> float:
    s = sorted(lat)
    return s[min(len(s) - 1, int(p / 100 * len(s)))] * 1000 if s else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--db", default="sqlite,postgres")
    args = ap.parse_args()
    import tempfile

    print(f"LRS ingest: {args.threads} client threads, {args.seconds:.0f} s per mode, gunicorn "
          f"{args.workers} workers x 4 threads, {os.cpu_count()} CPUs")
    for db in args.db.split(","):
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["ZHIJIAO_DATA_DIR"] = tempfile.mkdtemp(prefix="zj-lrs-bench-")
        if db == "postgres":
            reset_pg(PG_DB)
            env["DATABASE_URL"] = f"{PG_BASE}/{PG_DB}"
        zhijiao(["migrate", "-v0"], env)
        out = zhijiao(["xapi-client", "add", "bench"], env, capture_output=True, text=True).stdout
        auth = "Basic " + base64.b64encode(out.strip().splitlines()[-1].encode()).decode()
        with server(env, workers=args.workers) as url:
            for mode, batch in (("single", 1), (f"batch {args.batch}", args.batch)):
                n, lat, wall = run_mode(url, auth, batch=batch, threads=args.threads, seconds=args.seconds)
                print(f"{db:<9} {mode:<10} {n / wall:9.0f} statements/s  {len(lat) / wall:7.1f} req/s  "
                      f"p50 {pct(lat, 50):7.1f} ms  p99 {pct(lat, 99):7.1f} ms  (n={n})")


if __name__ == "__main__":
    main()
