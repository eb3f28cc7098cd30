"""LRS ingest throughput: `zhijiao serve` (gunicorn) on loopback, POST /xapi/statements driven by wrk.

    uv run python bench/ingest.py [--db postgres,sqlite] [--seconds 15] [--workers 2] [--threads 16]
                                  [--connections 32] [--batches 100,1000] [--batch-connections 8] [--about]
                                  [--pg-db zj_lrs_bench]

For each database: a fresh data dir (or scratch PostgreSQL database, `zj_lrs_bench` unless --pg-db), migrate, register a
client with `zhijiao xapi-client add`, serve with `zhijiao serve --workers W --threads T`, then drive it
with wrk (Debian package `wrk`, C, its own process: a Python client cannot generate 1,000+ req/s here)
and a Lua script that makes every statement id unique. Modes: single statements, then batches of each
size in --batches. Printed per mode: statements/s, requests/s, latency p50/p99 as wrk measured them,
non-2xx answers, and the CPU the server (gunicorn workers) and PostgreSQL (this database's backends)
spent per request, read from /proc, which says more than a wall-clock figure on a shared machine.
After each mode the stored rows are counted: every acknowledged statement must be there.
"""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import PG_BASE, ROOT, free_port, reset_pg, zhijiao  # noqa: E402

PG_DB = "zj_lrs_bench"
HZ = os.sysconf("SC_CLK_TCK")

# Statements like a question-bank tool's: a learner answered a question (one of 2,000, each with its
# definition), with a score, a registration and the course as parent activity. `nonce` keeps ids unique
# across runs, `tid` across wrk threads, the counter within a thread.
LUA = r"""
local counter = 0
local thread_no = 0
local threads = {}
function setup(thread)
  thread:set("tid", thread_no)
  thread_no = thread_no + 1
  threads[#threads + 1] = thread
end
local batch, nonce
function init(args)
  batch = tonumber(args[2]); nonce = tonumber(args[3])
  wrk.method = "POST"
  wrk.headers["Authorization"] = args[1]
  wrk.headers["X-Experience-API-Version"] = "1.0.3"
  wrk.headers["Content-Type"] = "application/json"
end
local function stmt(i)
  local id = string.format("%08x-%04x-4%03x-8%03x-%012x", nonce, tid, math.floor(i / 4096) % 4096, i % 4096, i)
  local reg = string.format("%08x-%04x-4%03x-9%03x-%012x", nonce, tid, math.floor(i / 4096) % 4096, i % 4096, i)
  return string.format('{"id":"%s","actor":{"objectType":"Agent","account":{"homePage":"https://sso.example.org",'
    .. '"name":"s%d"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/answered","display":{"zh-CN":"作答"}},'
    .. '"object":{"id":"https://questions.example.org/q/%d","definition":{"type":'
    .. '"http://adlnet.gov/expapi/activities/cmi.interaction"}},"result":{"success":%s,"score":{"scaled":%.1f},'
    .. '"duration":"PT42S"},"context":{"registration":"%s","contextActivities":{"parent":[{"id":'
    .. '"https://courses.example.org/c/%d"}]}},"timestamp":"2026-11-23T08:00:00+08:00"}',
    id, i % 5000, i % 2000, (i % 3 ~= 0) and "true" or "false", (i % 10) / 10, reg, i % 50)
end
function request()
  if batch == 0 then return wrk.format("GET", "/xapi/about") end
  local parts = {}
  for k = 1, batch do
    counter = counter + 1
    parts[k] = stmt(counter)
  end
  local body = batch == 1 and parts[1] or ("[" .. table.concat(parts, ",") .. "]")
  return wrk.format(nil, "/xapi/statements", nil, body)
end
bad = 0
function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    if bad <= 3 then io.stderr:write(string.format("status %d: %s\n", status, body:sub(1, 300))) end
  end
end
function done(summary, latency, requests)
  local not_ok = 0
  for _, t in ipairs(threads) do not_ok = not_ok + (t:get("bad") or 0) end
  io.write(string.format("RESULT {\"requests\": %d, \"seconds\": %.3f, \"not200\": %d, \"socket_errors\": %d, "
    .. "\"p50\": %.2f, \"p90\": %.2f, \"p99\": %.2f, \"max\": %.2f}\n", summary.requests, summary.duration / 1e6,
    not_ok, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


def _cpu(pids) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / HZ


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _pg_backends(db: str) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                cmd = (p / "cmdline").read_bytes()
            except OSError:
                continue
            if cmd.startswith(b"postgres:") and f" {db} ".encode() in cmd:
                out.append(int(p.name))
    return out


def _stored(env: dict) -> int:
    code = "from zhijiao.records.models import Statement; print(Statement.objects.count())"
    out = zhijiao(["shell", "-c", code], env, capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1])


class _CpuWatch:
    """CPU seconds used by gunicorn's workers and this database's backends while a mode runs. Backends
    come and go (connections are closed after CONN_MAX_AGE), so they are sampled every 0.2 s."""

    def __init__(self, master: int, db: str | None):
        self.master, self.db = master, db
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stop = threading.Event()
        self.sample(initial=True)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def sample(self, initial: bool = False) -> None:
        for kind, pids in (("server", _children(self.master)), ("pg", _pg_backends(self.db) if self.db else [])):
            for pid in pids:
                cpu = _cpu([pid])
                key = (kind, pid)
                if key not in self.first:
                    self.first[key] = cpu if initial else 0.0
                self.last[key] = max(cpu, self.last.get(key, 0.0))

    def run(self) -> None:
        while not self.stop.wait(0.2):
            self.sample()

    def finish(self) -> tuple[float, float]:
        self.stop.set()
        self.thread.join()
        self.sample()
        used = {"server": 0.0, "pg": 0.0}
        for key, cpu in self.last.items():
            used[key[0]] += cpu - self.first[key]
        return used["server"], used["pg"]


def run_mode(url: str, auth: str, lua: str, *, batch: int, connections: int, seconds: float, master: int,
             db: str | None) -> dict:
    nonce = int(time.time() * 1000) % 0xFFFFFFFF
    watch = _CpuWatch(master, db)
    proc = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "30s", "-s", lua, url,
                           "--", auth, str(batch), str(nonce)], capture_output=True, text=True)
    server_cpu, pg_cpu = watch.finish()
    m = re.search(r"^RESULT (.*)$", proc.stdout, re.M)
    if not m:
        raise RuntimeError(f"wrk failed: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    r = json.loads(m.group(1))
    if proc.stderr.strip():
        print("    " + proc.stderr.strip().replace("\n", "\n    ")[:600])
    ok = r["requests"] - r["not200"]
    r.update(batch=batch, ok=ok, statements=ok * max(batch, 1), server_cpu=server_cpu, pg_cpu=pg_cpu)
    return r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="postgres,sqlite")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--connections", type=int, default=32, help="wrk connections for single statements")
    ap.add_argument("--batches", default="100,1000")
    ap.add_argument("--batch-connections", type=int, default=8, help="wrk connections for batches")
    ap.add_argument("--warmup", type=float, default=5, help="seconds of single POSTs first (not reported)")
    ap.add_argument("--about", action="store_true",
                    help="also GET /xapi/about (no database): what the serving stack alone allows")
    ap.add_argument("--pg-db", default=PG_DB, help="scratch PostgreSQL database (dropped and created again)")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/ingest.py needs wrk (apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="zj-lrs-bench-"))
    lua = work / "ingest.lua"
    lua.write_text(LUA)
    print(f"LRS ingest: zhijiao serve --workers {args.workers} --threads {args.threads}; wrk 2 threads, "
          f"{args.connections} connections (single) / {args.batch_connections} (batches), {args.seconds:.0f} s "
          f"per mode; {os.cpu_count()} CPUs shared by server, database and wrk")
    for db in args.db.split(","):
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["ZHIJIAO_DATA_DIR"] = str(work / db)
        pg_name = None
        if db == "postgres":
            reset_pg(args.pg_db)
            env["DATABASE_URL"] = f"{PG_BASE}/{args.pg_db}"
            pg_name = args.pg_db
        zhijiao(["migrate", "-v0"], env)
        out = zhijiao(["xapi-client", "add", "bench"], env, capture_output=True, text=True).stdout
        auth = "Basic " + base64.b64encode(out.strip().splitlines()[-1].encode()).decode()
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "zhijiao.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers",
             str(args.workers), "--threads", str(args.threads)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(f"{url}/xapi/about", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise RuntimeError("server did not start")
            run_mode(url, auth, str(lua), batch=1, connections=args.connections, seconds=args.warmup,
                     master=server.pid, db=pg_name)
            before = _stored(env)
            modes = [("single", 1, args.connections)] + [
                (f"batch {b}", int(b), args.batch_connections) for b in args.batches.split(",") if b]
            if args.about:
                modes.insert(0, ("GET about", 0, args.connections))
            for mode, batch, conns in modes:
                r = run_mode(url, auth, str(lua), batch=batch, connections=conns, seconds=args.seconds,
                             master=server.pid, db=pg_name)
                after = _stored(env)
                lost = r["statements"] - (after - before) if batch else 0
                before = after
                n = max(r["requests"], 1)
                rate = f"{r['statements'] / r['seconds']:8.0f} statements/s" if batch else f"{'':>8}" + " " * 13
                print(f"{db:<9} {mode:<10} {rate} "
                      f"{r['requests'] / r['seconds']:7.1f} req/s  p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  "
                      f"non-200 {r['not200']}  cpu/req server {1000 * r['server_cpu'] / n:5.2f} ms"
                      + (f" postgres {1000 * r['pg_cpu'] / n:5.2f} ms" if pg_name else "")
                      + (f"  MISSING {lost}" if lost > 0 else ""))
        finally:
            server.terminate()
            server.wait(timeout=30)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
