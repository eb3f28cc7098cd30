"""Mixed daily pages at district size, as a bureau would run it: PostgreSQL + Redis, `zhijiao serve` with
its defaults, real logins, load from another process (wrk).

    uv run python bench/load.py [--seconds 30] [--connections 32] [--users 48] [--rebuild] [--profile DIR]
    uv run python bench/load.py --duration 600 --kind-seconds 0 [--rss-log FILE]   # memory over 10 minutes

Builds the design-point district (`zhijiao demo --size district`) into the PostgreSQL database `zj_load`
once (reused afterwards; --rebuild to build again), starts `zhijiao serve` on loopback with REDIS_URL set,
logs in real students, teachers and parents through the login form, then replays with wrk (Debian
package `wrk`): /healthz (the framework's ceiling on this machine), the mix of daily pages (role home,
resource browse by chapter, resource page, search results), and each kind alone. Prints req/s, p50/p90/p99,
non-200 answers, the ratio to /healthz, and the web workers' memory: each worker's RSS (and PSS, its share
of pages shared with other processes, and its anonymous RSS, the heap) is sampled every --rss-every seconds
from the start of the server; printed per worker: at the start of the mixed run, its peak, at the end, and
its growth over the last third of the mixed run (MB per minute), which tells whether it still grows.
Loopback only; every run is bounded.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._util import PG_BASE, ROOT, free_port, reset_pg, zhijiao  # noqa: E402
from bench.login_home import login  # noqa: E402

LUA = ROOT / "bench" / "wrk" / "replay.lua"
QUERIES = ["三年级 数学", "分数的初步认识", "古诗", "识字", "Unit 1", "勾股定理", "微课", "教案 语文", "乘法", "课件",
           "阅读", "英语 四年级", "长方形", "复习", "口算"]

TARGETS = r"""
import django, json, random
django.setup()
from zhijiao.accounts.models import Role, RoleKind, User
from zhijiao.resources.models import Resource
n = int(__import__("sys").argv[1])
rng = random.Random(11)
def pick(kind, k):
    ids = list(Role.objects.filter(kind=kind, user__is_active=True, user__must_change_password=False)
               .order_by("user_id").values_list("user__username", flat=True).distinct()[:5000])
    return rng.sample(ids, min(k, len(ids)))
third = n // 3
users = (pick(RoleKind.STUDENT, third) + pick(RoleKind.SUBJECT_TEACHER, third)
         + pick(RoleKind.PARENT, n - 2 * third))
items = list(Resource.objects.filter(status="approved", level__in=["national", "district"])
             .order_by("pk").values_list("pk", flat=True)[:20000])
chapters = list(Resource.chapters.through.objects.filter(resource_id__in=items[:5000])
                .values_list("chapter__key", flat=True).distinct()[:2000])
print(json.dumps({"users": users, "items": rng.sample(items, min(2000, len(items))), "chapters": chapters,
                  "resources": Resource.objects.count(), "students": Role.objects.filter(kind="student").count()}))
"""


def wrk(base: str, lines: list[str], *, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA),
                          base, "--", f.name], capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"(p50|p90|p99|max)=([\d.]+)", out))
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    not200 = int(re.search(r"NOT200 (\d+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, **{k: float(v) for k, v in lat.items()}, "errors": errors + not200, "requests": total}


def print_profile(folder: Path, top: int = 40) -> None:
    """Share of the workers' sampled time per function: self (the frame itself) and total (on the stack)."""
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    samples = 0
    for f in folder.glob("*.txt"):
        for line in f.read_text().splitlines():
            stack, _, n = line.rpartition(" ")
            if not n.isdigit():
                continue
            frames = [re.sub(r":\d+\)$", ")", fr) for fr in stack.split(";")]
            samples += int(n)
            own[frames[-1]] = own.get(frames[-1], 0) + int(n)
            for fr in set(frames):
                total[fr] = total.get(fr, 0) + int(n)
    print(f"profile: {samples} samples of the web workers (py-spy, threads holding the GIL: the Python CPU time)")
    for title, table in (("self", own), ("total", total)):
        print(f"  by {title}:")
        for fr, n in sorted(table.items(), key=lambda kv: -kv[1])[:top]:
            print(f"    {n / samples:6.1%}  {fr[:150]}")


def cpu_by_program() -> dict[str, float]:
    """CPU seconds used so far by every process on the machine, summed by program name."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                stat = (p / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            name = "python" if name.startswith(("python", "gunicorn", "zhijiao")) else name
            out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def cpu_of(pids) -> float:
    """CPU seconds used so far by these processes (0 for one that is gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def pg_backends(db: str) -> set[int]:
    """Process ids of the PostgreSQL backends connected to `db` (the web workers' connections)."""
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        return {r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [db])}


class BackendCPU(threading.Thread):
    """CPU used by the PostgreSQL backends of `db` while it runs: sampled every half second, since the web
    workers' connections are closed and opened again (CONN_MAX_AGE) during a run. A backend seen at the
    start counts from its CPU then, one opened later from zero; a backend's last half second before it
    closes is lost."""

    def __init__(self, db: str):
        super().__init__(daemon=True)
        self.db, self.first, self.last, self.stop = db, {}, {}, threading.Event()
        self.sample(first=True)

    def sample(self, *, first: bool = False) -> None:
        for pid in pg_backends(self.db):
            used = cpu_of([pid])
            if pid not in self.first:
                self.first[pid] = used if first else 0.0
            self.last[pid] = max(self.last.get(pid, 0.0), used)

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.sample()

    def used(self) -> float:
        self.stop.set()
        self.join()
        self.sample()
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def children(pid: int) -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().split(") ")[1].split()[1]) == pid:
                    out.append(int(p.name))
            except (OSError, IndexError):
                pass
    return out


def rss_mb(pid: int) -> float:
    try:
        m = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        return int(m.group(1)) / 1024 if m else 0.0
    except OSError:
        return 0.0


def anon_mb(pid: int) -> float:
    """Anonymous resident memory (the heap: what the process itself allocated), without the shared libraries'
    pages that RSS also counts and that the kernel drops and reads again when the machine needs memory."""
    try:
        m = re.search(r"RssAnon:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        return int(m.group(1)) / 1024 if m else 0.0
    except OSError:
        return 0.0


def pss_mb(pid: int) -> float:
    """Proportional set size: the worker's private pages plus its share of pages shared with other processes
    (the master's, after a fork). The sum over processes is what they take of the machine."""
    try:
        m = re.search(r"^Pss:\s+(\d+) kB", Path(f"/proc/{pid}/smaps_rollup").read_text(), re.M)
        return int(m.group(1)) / 1024 if m else 0.0
    except OSError:
        return 0.0


class Memory(threading.Thread):
    """Every `every` seconds, each web worker's RSS, PSS and anonymous RSS: (seconds since start, pid, rss,
    pss, anon) rows."""

    def __init__(self, master: int, every: float):
        super().__init__(daemon=True)
        self.master, self.every, self.t0 = master, every, time.monotonic()
        self.rows: list[tuple[float, int, float, float, float]] = []
        self.stop = threading.Event()

    def sample(self) -> None:
        t = time.monotonic() - self.t0
        for pid in children(self.master):
            rss = rss_mb(pid)
            if rss:
                self.rows.append((t, pid, rss, pss_mb(pid), anon_mb(pid)))

    def run(self) -> None:
        while True:
            self.sample()
            if self.stop.wait(self.every):
                return

    def now(self) -> float:
        return time.monotonic() - self.t0

    def report(self, start: float, end: float) -> list[str]:
        """Per worker: RSS when the mixed run started, peak (whole run), at the end of the mixed run, growth
        over its last third; PSS and anonymous RSS, peak and end. A worker replaced during the run appears as
        its own line."""
        lines = []
        for pid in sorted({r[1] for r in self.rows}):
            rows = [r for r in self.rows if r[1] == pid]
            mixed = [r for r in rows if start <= r[0] <= end]
            if not mixed:
                continue
            tail = [r for r in mixed if r[0] >= end - (end - start) / 3]
            slope = 0.0
            if len(tail) >= 3 and tail[-1][0] > tail[0][0]:  # least squares, MB per minute
                n = len(tail)
                mt, mr = sum(r[0] for r in tail) / n, sum(r[2] for r in tail) / n
                var = sum((r[0] - mt) ** 2 for r in tail)
                slope = 60 * sum((r[0] - mt) * (r[2] - mr) for r in tail) / var if var else 0.0
            grows = "still growing" if slope > 0.5 else "flat"
            lines.append(f"  worker {pid}: RSS at start {mixed[0][2]:.0f}, peak {max(r[2] for r in rows):.0f}, "
                         f"end {mixed[-1][2]:.0f} MB; last third {slope:+.2f} MB/min ({grows}); "
                         f"PSS peak {max(r[3] for r in rows):.0f}, end {mixed[-1][3]:.0f} MB; "
                         f"anonymous peak {max(r[4] for r in rows):.0f}, end {mixed[-1][4]:.0f} MB")
        return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="zj_load", help="PostgreSQL database holding the district (built if empty)")
    ap.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "zj-load"))
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--seconds", "--duration", type=int, default=30, dest="seconds",
                    help="length of the mixed run (default 30; --duration 600 to watch memory for 10 minutes)")
    ap.add_argument("--kind-seconds", type=int, default=15, help="length of each kind's own run (0: none)")
    ap.add_argument("--rss-every", type=float, default=3.0, help="seconds between memory samples (default 3)")
    ap.add_argument("--rss-log", metavar="FILE", help="write every memory sample (seconds, pid, RSS, PSS) as CSV")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--users", type=int, default=48)
    ap.add_argument("--serve-args", default="", help="extra arguments for zhijiao serve, e.g. '--workers 3'")
    ap.add_argument("--profile", metavar="DIR", help="record the web workers with py-spy during the mixed run "
                    "(collapsed stacks in DIR) and print the functions their time goes to")
    args = ap.parse_args()

    env = dict(os.environ, DATABASE_URL=f"{PG_BASE}/{args.db}", REDIS_URL=args.redis,
               ZHIJIAO_DATA_DIR=args.data_dir, DJANGO_SETTINGS_MODULE="zhijiao.settings")
    marker = Path(args.data_dir) / "district-built"
    if args.rebuild or not marker.exists():
        shutil.rmtree(args.data_dir, ignore_errors=True)
        Path(args.data_dir).mkdir(parents=True)
        reset_pg(args.db)
        t0 = time.perf_counter()
        zhijiao(["migrate", "-v0"], env)
        zhijiao(["demo", "--size", "district", "--no-logins"], env)
        marker.write_text(f"{time.perf_counter() - t0:.0f}")
    else:
        zhijiao(["migrate", "-v0"], env)
    zhijiao(["collectstatic", "--noinput", "-v0"], env)  # as production serves static files
    subprocess.run(["redis-cli", "-u", args.redis, "flushdb"], check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-c", TARGETS, str(args.users)], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    t = json.loads(out.strip().splitlines()[-1])

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "zhijiao.cli", "serve", "--bind", f"127.0.0.1:{port}",
                             *args.serve_args.split()], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    memory = Memory(proc.pid, args.rss_every)

    try:
        for _ in range(600):  # (a busy machine can take a minute to start it)
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("server did not start: " + proc.stderr.read1().decode()[-2000:])
        memory.start()

        cookies = []
        for name in t["users"]:
            opener, _ = login(base, name)
            jar = opener.handlers[-1].cookiejar if hasattr(opener.handlers[-1], "cookiejar") else None
            jar = jar or next(h.cookiejar for h in opener.handlers if hasattr(h, "cookiejar"))
            cookies.append("; ".join(f"{c.name}={c.value}" for c in jar))
        rng = random.Random(5)
        kinds = {
            "home": lambda: "/",
            "browse": lambda: f"/resources/?chapter={rng.choice(t['chapters'])}",
            "resource": lambda: f"/resources/{rng.choice(t['items'])}/",
            "search": lambda: "/search/?q=" + urllib.request.quote(rng.choice(QUERIES)),
        }
        per_kind = {k: [f"{make()}\t{rng.choice(cookies)}" for _ in range(2000)] for k, make in kinds.items()}
        mixed = [line for i in range(2000) for line in (per_kind[k][i] for k in kinds)]
        rng.shuffle(mixed)

        # Every kind of page once in each worker thread (the first search loads the analyzer's dictionary,
        # seconds on a busy machine), then a short run: caches and connections warm before measuring.
        def fetch(line: str) -> None:
            path, cookie = line.split("\t")
            urllib.request.urlopen(urllib.request.Request(base + path, headers={"Cookie": cookie}), timeout=300)

        with ThreadPoolExecutor(8) as pool:
            for k in kinds:
                list(pool.map(fetch, per_kind[k][:16]))
        wrk(base, mixed, seconds=5, connections=args.connections)
        health = wrk(base, [f"/healthz\t{cookies[0]}"], seconds=10, connections=args.connections)
        if args.profile:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
        spies = [subprocess.Popen(["py-spy", "record", "--nonblocking", "--gil", "--format", "raw", "-r", "200",
                                   "-d", str(args.seconds), "-o", str(Path(args.profile) / f"{pid}.txt"),
                                   "-p", str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for pid in (children(proc.pid) if args.profile else [])]
        # The machine is shared: besides the CPU of every program, the CPU of this server's own processes and
        # of the PostgreSQL backends serving its database (a backend opened during the run counts whole).
        web_pids = [proc.pid, *children(proc.pid)]
        web_before, backends = cpu_of(web_pids), BackendCPU(args.db)
        backends.start()
        cpu_before, t_before = cpu_by_program(), time.monotonic()
        mixed_start = memory.now()
        results = {"mixed": wrk(base, mixed, seconds=args.seconds, connections=args.connections)}
        memory.sample()
        mixed_end = memory.now()
        cpu = {k: v - cpu_before.get(k, 0.0) for k, v in cpu_by_program().items()}
        cpu_wall = time.monotonic() - t_before
        own = {"web": cpu_of(web_pids) - web_before, "pg": backends.used()}
        for spy in spies:
            spy.wait(timeout=60)
        for k, lines in per_kind.items():
            if args.kind_seconds > 0:
                results[k] = wrk(base, lines, seconds=args.kind_seconds, connections=16)
    finally:
        memory.stop.set()
        proc.terminate()
        proc.wait(timeout=30)

    print(f"district: {t['resources']:,} resources, {t['students']:,} students; {len(cookies)} users logged in; "
          f"PostgreSQL + Redis; zhijiao serve {args.serve_args or '(defaults)'}")
    print(f"{'what':<10} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'vs healthz':>10}")
    rows = [("healthz", args.connections, health)] + [(k, args.connections if k == "mixed" else 16, r)
                                                      for k, r in results.items()]
    for name, conns, r in rows:
        print(f"{name:<10} {conns:>5} {r['rps']:>8.0f} {r['p50']:>8.1f} {r['p90']:>8.1f} {r['p99']:>8.1f} "
              f"{r['errors']:>7} {r['rps'] / health['rps'] if health['rps'] else 0:>9.0%}")
    busy = sorted(((k, v) for k, v in cpu.items() if v / cpu_wall >= 0.01), key=lambda kv: -kv[1])
    print(f"CPU during the mixed run (of {os.cpu_count()} cores): "
          + ", ".join(f"{k} {v / cpu_wall:.0%}" for k, v in busy)
          + f"; per request: all python {1000 * cpu.get('python', 0.0) / results['mixed']['requests']:.1f} ms, "
            f"all postgres {1000 * cpu.get('postgres', 0.0) / results['mixed']['requests']:.1f} ms")
    n = results["mixed"]["requests"]
    print(f"CPU per request of this server's processes: web {1000 * own['web'] / n:.2f} ms, "
          f"PostgreSQL backends of {args.db} {1000 * own['pg'] / n:.2f} ms ({n} requests)")
    if args.profile:
        print_profile(Path(args.profile))
    peaks = sorted(max(r[2] for r in memory.rows if r[1] == pid) for pid in {r[1] for r in memory.rows})
    if peaks:
        print(f"web workers: {len(peaks)}, peak RSS per worker {peaks[-1]:.0f} MB "
              f"(all: {', '.join(f'{v:.0f}' for v in peaks)}); the mixed run ({args.seconds} s, memory every "
              f"{args.rss_every:g} s):")
        print("\n".join(memory.report(mixed_start, mixed_end)))
    if args.rss_log:
        with open(args.rss_log, "w") as f:
            f.write("seconds,pid,rss_mb,pss_mb,anon_mb\n")
            f.writelines(f"{t:.1f},{pid},{rss:.1f},{pss:.1f},{anon:.1f}\n" for t, pid, rss, pss, anon in memory.rows)


if __name__ == "__main__":
    main()
