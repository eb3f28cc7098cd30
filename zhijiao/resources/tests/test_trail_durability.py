"""Views counted on the request path survive a kill -9 of the server: every view the server answered is
counted after a restart, exactly once, and the counter, the histories and the statements agree.
Real gunicorn (with its drain threads running), real SQLite file."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from zhijiao.records.tests.test_durability import _port, _start  # a real gunicorn on a free loopback port

ROOT = Path(__file__).resolve().parents[3]

SETUP = """
import django, json
django.setup()
from django.utils import timezone
from zhijiao.accounts.actions import token_issue
from zhijiao.accounts.models import User
from zhijiao.demo.builder import build_demo
from zhijiao.resources.models import Resource
build_demo(size="small", extensions=False)
laoshi = User.objects.get(username="laoshi")
r = Resource.objects.create(type="courseware", title="认识钟表", contributor=laoshi, level="district",
                            sharing="district", status="approved", published_at=timezone.now())
names = ["xuesheng", "s0000002", "laoshi2", "jiazhang"]
print(json.dumps({"resource": r.pk, "tokens": [token_issue(user=User.objects.get(username=n)).key for n in names]}))
"""

COUNT = """
import django, json
django.setup()
from django.db.models import Sum
from zhijiao.records.models import Statement
from zhijiao.resources.models import Resource, ViewHistory
r = Resource.objects.get(pk=int(__import__("sys").argv[1]))
print(json.dumps({"views": r.view_count, "history": ViewHistory.objects.filter(resource=r).aggregate(s=Sum("times"))["s"],
                  "statements": Statement.objects.filter(verb__endswith="/viewed", object_id__endswith=f"/resource/{r.pk}").count()}))
"""


def _py(code: str, env: dict, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_every_answered_view_is_counted_once_after_a_kill():
    data_dir = tempfile.mkdtemp(prefix="zj-trail-")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(ZHIJIAO_DATA_DIR=data_dir, ZHIJIAO_TRAIL_DRAIN_SECONDS="0.2", DJANGO_SETTINGS_MODULE="zhijiao.settings")
    subprocess.run([sys.executable, "-m", "zhijiao.cli", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    setup = _py(SETUP, env)
    port = _port()
    url = f"http://127.0.0.1:{port}/api/v1/resources/{setup['resource']}"
    proc = _start(env, port)
    answered = [0]
    lock = threading.Lock()
    stop = threading.Event()

    def viewer(token: str):
        while not stop.is_set():
            req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    ok = resp.status == 200
            except (OSError, urllib.error.URLError):
                continue  # the server is gone: this view was never answered
            if ok:
                with lock:
                    answered[0] += 1

    threads = [threading.Thread(target=viewer, args=(t,)) for t in setup["tokens"]]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and answered[0] < 300:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # mid-stream: views in flight, drain threads maybe mid-batch
    proc.wait(timeout=10)
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(timeout=20)
    acked = answered[0]
    assert acked >= 100, "the load did not get going"
    assert any(Path(data_dir, "trail").iterdir()), "nothing was left to recover: the kill came too late to test it"

    # The next drain (a restarted server's thread, the Celery task, or the command) applies what the dead
    # workers left behind.
    out = subprocess.run([sys.executable, "-m", "zhijiao.cli", "trail-drain"], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    assert "0 files pending" in out
    counts = _py(COUNT, env, str(setup["resource"]))
    # Every answered view is there; a view written just before the kill but never answered may be too.
    assert counts["views"] >= acked and counts["views"] <= acked + 2 * 2 * len(threads)
    assert counts["views"] == counts["statements"] == counts["history"]
