"""Small helpers shared by the benchmark scripts: temp data dirs, PostgreSQL scratch databases, a
gunicorn server on loopback, latency summaries. Benchmarks print figures; they are never tests."""

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def env_for(db: str, data_dir: str | None = None) -> dict:
    """Environment for a zhijiao subprocess on 'sqlite' (fresh temp dir) or 'postgres' (scratch db)."""
    env = dict(os.environ)
    env["ZHIJIAO_DATA_DIR"] = data_dir or tempfile.mkdtemp(prefix="zj-bench-")
    env.pop("DATABASE_URL", None)
    if db == "postgres":
        name = "zj_bench"
        reset_pg(name)
        env["DATABASE_URL"] = f"{PG_BASE}/{name}"
    return env


def reset_pg(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def zhijiao(args: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zhijiao.cli", *args], env=env, cwd=ROOT, check=True, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(env: dict, workers: int = 2, threads: int = 4):
    """gunicorn on a free loopback port; yields the base URL and stops the server afterwards."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "zhijiao.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not start: " + proc.stderr.read().decode()[-2000:])
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def summarise(name: str, latencies: list[float], wall: float) -> str:
    lat = sorted(latencies)
    if not lat:
        return f"{name}: no samples"

    def pct(p):
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000

    return (f"{name:<28} n={len(lat):>6}  {len(lat) / wall:8.1f} req/s  p50 {pct(50):7.1f} ms  "
            f"p95 {pct(95):7.1f} ms  p99 {pct(99):7.1f} ms  mean {statistics.fmean(lat) * 1000:7.1f} ms")
