"""zhijiao serve: production defaults for the machine, overridable by flags and the environment."""

import os

import pytest
from django.core.management import call_command


@pytest.fixture
def argv(monkeypatch):
    seen = []
    monkeypatch.setattr(os, "execv", lambda exe, args: seen.append(args))
    return seen


def _opt(args, name):
    return args[args.index(name) + 1]


def test_defaults_one_worker_per_core_threads_and_recycling(argv, monkeypatch):
    monkeypatch.delenv("ZHIJIAO_WORKERS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    from zhijiao.core.management.commands import serve

    assert serve.default_workers() == 6
    call_command("serve", "--workers", str(serve.default_workers()))
    args = argv[0]
    assert _opt(args, "--workers") == "6" and _opt(args, "--threads") == "4"
    assert _opt(args, "--worker-class") == "gthread" and int(_opt(args, "--max-requests")) > 0
    assert "%(U)s" in _opt(args, "--access-logformat")  # the path only: no query strings in the log


def test_flags_win_and_the_access_log_can_be_turned_off(argv):
    call_command("serve", "--workers", "3", "--threads", "8", "--no-access-log", "--bind", "0.0.0.0:9000")
    args = argv[0]
    assert _opt(args, "--workers") == "3" and _opt(args, "--threads") == "8" and _opt(args, "--bind") == "0.0.0.0:9000"
    assert "--access-logfile" not in args


def test_workers_keep_their_memory_in_two_malloc_arenas_unless_told_otherwise(argv, monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "")  # records the original state, restored after the test
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    call_command("serve")
    assert os.environ["MALLOC_ARENA_MAX"] == "2"  # inherited by gunicorn through execv
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    call_command("serve")
    assert os.environ["MALLOC_ARENA_MAX"] == "4"


def test_each_instance_has_its_own_control_socket_in_its_data_dir(argv, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("serve", "--workers", "1")
    assert _opt(argv[0], "--control-socket") == str(tmp_path / "gunicorn.ctl")


def test_a_refused_request_logs_one_line_and_a_server_error_its_traceback(client, users, caplog, settings):
    import logging

    assert "no_4xx_traceback" in settings.LOGGING["handlers"]["console"]["filters"]

    from zhijiao.core.logging import NoTracebackForClientErrors

    client.force_login(users["xuesheng"])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/cockpit/").status_code == 403
    [refused] = [r for r in caplog.records if r.name == "django.request"]
    NoTracebackForClientErrors().filter(refused)
    assert refused.exc_info is None and "/cockpit/" in refused.getMessage()
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        crash = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error", None,
                                  sys.exc_info())
    crash.status_code = 500
    NoTracebackForClientErrors().filter(crash)
    assert crash.exc_info is not None
