"""Background work through a real broker: the Celery app, `zhijiao worker` and `zhijiao beat`.

The broker tests run a real worker against RabbitMQ (amqp://guest:guest@127.0.0.1:5672//) and Redis
(redis://127.0.0.1:6379/5) and look for the task's effect. They skip when a broker does not answer, unless
ZHIJIAO_REQUIRE_SERVICES=1 (CI), where a missing broker fails them. Each test uses a queue of its own, so
parallel runs sharing a broker never take each other's messages.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
TANTIVY = "zhijiao.search.tantivy_backend.TantivyBackend"
BROKERS = {
    "rabbitmq": os.environ.get("ZHIJIAO_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
    "redis": os.environ.get("ZHIJIAO_TEST_REDIS_BROKER_URL", "redis://127.0.0.1:6379/5"),
}


def _unreachable(url: str) -> str | None:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means "no broker here"
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(params=sorted(BROKERS))
def broker(request, monkeypatch):
    """(url, queue): a reachable broker and a fresh queue name, deleted afterwards."""
    url = BROKERS[request.param]
    problem = _unreachable(url)
    if problem:
        message = f"{request.param} at {url} does not answer ({problem})"
        if os.environ.get("ZHIJIAO_REQUIRE_SERVICES") == "1":
            pytest.fail(message + "; ZHIJIAO_REQUIRE_SERVICES=1 requires it (.ci/run starts it)")
        pytest.skip(message)
    # Celery reads this variable before its configuration: keep both sides of the test on this broker.
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    queue = f"zhijiao-test-{uuid.uuid4().hex[:12]}"
    yield url, queue
    from kombu import Connection, Exchange, Queue

    with Connection(url) as conn:
        q = Queue(queue, Exchange(queue, "direct"), routing_key=queue, channel=conn.channel())
        try:
            q.declare()  # as Celery did: on Redis this also tells the channel which keys to delete
            q.delete()
            q.exchange.delete()
        except Exception:  # noqa: BLE001 - leftovers of a test queue are not worth failing a test for
            pass


def _app_for(url: str, queue: str):
    """A Celery app configured like `zhijiao.celery_app.app`, but on this broker and queue, not eager."""
    from celery import Celery

    app = Celery("zhijiao", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=url, task_always_eager=False, task_default_queue=queue,
                    worker_hijack_root_logger=False)
    app.autodiscover_tasks()
    return app


def _wait_for(check, seconds: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    detail = f"\n--- worker log ---\n{log.read_text(errors='replace')[-4000:]}" if log and log.exists() else ""
    pytest.fail(f"timed out after {seconds}s waiting for {what}{detail}")


def _found(text: str) -> list[int]:
    from zhijiao.search.base import ScopeFilter, SearchQuery
    from zhijiao.search.selectors import get_backend

    return [h.id for h in get_backend().search(SearchQuery(text=text, scope=ScopeFilter(everything=True))).hits]


def _pending_resource(title: str):
    """A published resource with an outbox row waiting for the drain (committed: no on_commit drain runs)."""
    from zhijiao.resources.models import Resource
    from zhijiao.search.models import IndexOutbox

    r = Resource.objects.create(type="courseware", title=title, status="approved", level="district",
                                sharing="public", published_at=timezone.now())
    IndexOutbox.objects.create(kind="resource", pk_value=str(r.pk), op="upsert")
    return r


# -- the app and its settings ------------------------------------------------------------------------------


def test_shared_tasks_bind_to_the_platform_app_and_run_eagerly_without_a_broker(settings):
    from celery import current_app

    from zhijiao.celery_app import app
    from zhijiao.cockpit.tasks import rollup
    from zhijiao.search.tasks import drain_outbox

    assert current_app._get_current_object() is app
    assert drain_outbox.app is app and rollup.app is app
    if not settings.CELERY_BROKER_URL:
        assert app.conf.task_always_eager  # `zhijiao start` and the tests: no broker, no worker
    conf = app.conf
    assert conf.task_default_queue == "zhijiao"
    assert conf.task_acks_late and conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_ignore_result and not settings.CELERY_RESULT_BACKEND
    assert conf.broker_connection_retry_on_startup


def test_beat_schedule_names_the_periodic_tasks():
    from zhijiao.celery_app import BEAT_SCHEDULE, app

    assert app.conf.beat_schedule is BEAT_SCHEDULE  # one dict, extended in place by later apps
    every = {entry["task"]: entry["schedule"] for entry in BEAT_SCHEDULE.values()}
    assert every == {"cockpit.rollup": 300.0, "search.tasks.drain_outbox": 60.0, "records.drain_trail": 10.0}
    app.loader.import_default_modules()  # what a worker does at start: each installed app's tasks module
    assert set(every) <= set(app.tasks)


# -- the commands --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["worker", "beat"])
def test_commands_refuse_to_start_without_a_broker(command, settings):
    settings.CELERY_BROKER_URL = ""
    with pytest.raises(CommandError) as e:
        call_command(command)
    assert "未设置 CELERY_BROKER_URL" in str(e.value) and "CELERY_BROKER_URL is not set" in str(e.value)


def test_worker_and_beat_defaults(settings, monkeypatch):
    from zhijiao.celery_app import app

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/5"
    calls = []
    monkeypatch.setattr(type(app), "start", lambda self, argv=None: calls.append(argv))
    call_command("worker")
    call_command("beat", "--", "--max-interval", "30")
    worker, beat = calls
    assert worker[0] == "worker"
    for option in ("--concurrency=2", "--queues=zhijiao", "--prefetch-multiplier=1", "--without-gossip",
                   "--without-mingle", "--without-heartbeat"):
        assert option in worker
    assert beat[0] == "beat" and beat[-2:] == ["--max-interval", "30"]
    assert f"--schedule={settings.DATA_DIR / 'celerybeat-schedule'}" in beat


# -- a real worker on a real broker --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_worker_thread_drains_the_search_outbox(broker, settings, tmp_path):
    """Celery's embedded worker (a thread of this process, so it sees the test database on SQLite too)."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    import zhijiao.celery_app
    from zhijiao.search.models import IndexOutbox

    settings.ZHIJIAO_SEARCH_BACKEND = TANTIVY
    settings.ZHIJIAO_SEARCH_INDEX_DIR = tmp_path / "index"
    url, queue = broker
    app = _app_for(url, queue)
    r = _pending_resource("勾股定理 后台索引")
    done = threading.Event()

    def on_postrun(sender=None, **kwargs):
        if sender is not None and sender.name == "search.tasks.drain_outbox":
            done.set()

    task_postrun.connect(on_postrun, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            app.send_task("search.tasks.drain_outbox")
            _wait_for(done.is_set, 30, "the worker to run search.tasks.drain_outbox")
    finally:
        task_postrun.disconnect(on_postrun)
        zhijiao.celery_app.app.set_current()  # start_worker made the test app the process's default
        zhijiao.celery_app.app.set_default()
    assert not IndexOutbox.objects.exists()
    assert _found("勾股定理") == [r.pk]


def _start_worker_process(url: str, queue: str, tmp_path: Path, env: dict | None = None):
    log = tmp_path / "worker.log"
    argv = [sys.executable, "-m", "zhijiao.cli", "worker", "--concurrency=1", f"--queues={queue}",
            "--", "--include=tests.celery_probe", f"--hostname={queue}@%h"]
    env = {**os.environ, "CELERY_BROKER_URL": url, "ZHIJIAO_DATA_DIR": str(tmp_path / "worker-data"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])), **(env or {})}
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(lambda: proc.poll() is not None or b" ready." in log.read_bytes(), 60, "`zhijiao worker` to start",
                  log)
        assert proc.poll() is None, f"`zhijiao worker` exited with {proc.returncode}:\n{log.read_text()[-4000:]}"
    except BaseException:
        _stop(proc)
        raise
    return proc, log


def _stop(proc) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # warm shutdown
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _database_url() -> str:
    """The test database (pytest-django's test_<name>, test_<name>_gwN under xdist) as a DATABASE_URL."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="") + (f":{quote(s['PASSWORD'], safe='')}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{quote(s['NAME'], safe='')}"


@pytest.mark.django_db(transaction=True)
def test_zhijiao_worker_process_runs_tasks_sent_through_the_broker(broker, settings, tmp_path):
    """`zhijiao worker` as deployed (prefork pool, warm shutdown on SIGTERM). A probe task writes a file; on
    PostgreSQL the worker also drains the search outbox in the test database (another process cannot open
    SQLite's in-memory test database: there the thread test above covers the drain)."""
    from zhijiao.search.models import IndexOutbox

    url, queue = broker
    on_postgresql = connection.vendor == "postgresql"
    env = {}
    if on_postgresql:
        settings.ZHIJIAO_SEARCH_BACKEND = TANTIVY
        settings.ZHIJIAO_SEARCH_INDEX_DIR = tmp_path / "index"
        r = _pending_resource("静夜思 后台索引")
        env = {"DATABASE_URL": _database_url(), "ZHIJIAO_SEARCH_BACKEND": TANTIVY,
               "ZHIJIAO_SEARCH_INDEX_DIR": str(settings.ZHIJIAO_SEARCH_INDEX_DIR)}
    proc, log = _start_worker_process(url, queue, tmp_path, env=env)
    try:
        producer = _app_for(url, queue)
        out = tmp_path / "probe.txt"
        producer.send_task("tests.celery_probe.write", args=[str(out), "由 worker 写入"])
        if on_postgresql:
            producer.send_task("search.tasks.drain_outbox")
        _wait_for(out.exists, 30, "the worker process to run the probe task", log)
        assert out.read_text(encoding="utf-8") == "由 worker 写入"
        if on_postgresql:
            _wait_for(lambda: not IndexOutbox.objects.exists(), 30, "the worker process to drain the outbox", log)
    finally:
        _stop(proc)  # before the test database is flushed: the worker's connections go with it
    assert proc.returncode == 0, log.read_text()[-4000:]
    if on_postgresql:
        assert _found("静夜思") == [r.pk]
