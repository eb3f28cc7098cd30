"""Durability of ingest: every POST the LRS acknowledged is stored, even when the server is killed
(SIGKILL) in the middle of a stream of POSTs. Real gunicorn; SQLite (a file in WAL mode) always, and
PostgreSQL when DATABASE_URL points at one (in a scratch database `<name>_durability`). The writers
use every write path: single statements (on PostgreSQL one INSERT that commits by itself), small
batches (one INSERT in a transaction) and larger ones (COPY)."""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "zhijiao.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4", "--log-level", "error"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/xapi/about", timeout=2)
            return proc
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("gunicorn did not start")


def _req(url, auth, method="GET", body=None, timeout=10):
    req = urllib.request.Request(url, data=body, method=method, headers={
        "Authorization": auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, resp.read()


def _statement(sid: str) -> dict:
    return {"id": sid, "actor": {"account": {"homePage": "http://soak.example.org", "name": "p1"}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
            "object": {"id": "http://soak.example.org/activity/1",
                       "definition": {"name": {"en-US": "soak"}}}}


def _postgres_env(env: dict) -> dict | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'zhijiao'}_durability"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return {**env, "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_acknowledged_statements_survive_sigkill(backend):
    data_dir = tempfile.mkdtemp(prefix="zj-durability-")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ZHIJIAO_DATA_DIR"] = data_dir
    if backend == "postgres":
        env = _postgres_env(env)
        if env is None:
            pytest.skip("DATABASE_URL is not PostgreSQL")
    run = [sys.executable, "-m", "zhijiao.cli"]
    subprocess.run([*run, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    out = subprocess.run([*run, "xapi-client", "add", "soak"], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    auth = "Basic " + base64.b64encode(out.strip().splitlines()[-1].encode()).decode()

    port = _port()
    base = f"http://127.0.0.1:{port}/xapi/statements"
    proc = _start(env, port)
    acked: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(size: int):
        while not stop.is_set():
            ids = [str(uuid.uuid4()) for _ in range(size)]
            body = [_statement(i) for i in ids] if size > 1 else _statement(ids[0])
            try:
                status, answer = _req(base, auth, "POST", json.dumps(body).encode())
            except (OSError, urllib.error.URLError):
                continue  # the server is gone: this request was never acknowledged
            if status == 200:
                assert json.loads(answer) == ids
                with lock:
                    acked.extend(ids)

    threads = [threading.Thread(target=writer, args=(size,)) for size in (1, 1, 1, 20, 50)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(acked) < 600:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # mid-stream: requests are in flight
    proc.wait(timeout=10)
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(timeout=20)
    assert len(acked) >= 100, "the soak did not get going"

    proc = _start(env, port)
    try:
        seen: set[str] = set()
        url = f"{base}?limit=500&ascending=true"
        while url:
            status, body = _req(url, auth)
            page = json.loads(body)
            seen.update(s["id"] for s in page["statements"])
            url = f"http://127.0.0.1:{port}{page['more']}" if page["more"] else None
        missing = set(acked) - seen
        assert not missing, f"{len(missing)} acknowledged statements lost"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        if backend == "postgres":
            import psycopg

            parts = urlsplit(env["DATABASE_URL"])
            with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
