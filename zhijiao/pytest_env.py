"""Environment for the test suite, loaded by pytest (`-p zhijiao.pytest_env` in pyproject.toml) before
pytest-django imports the settings — a root conftest.py runs too late for variables settings.py reads."""

import os
import tempfile

# Test runs never touch the developer's data dir.
os.environ.setdefault("ZHIJIAO_DATA_DIR", tempfile.mkdtemp(prefix="zhijiao-test-"))
# Counted reads (records.trail) are applied when a test calls `trail_drain()`, never by a background thread
# racing the test's transaction.
os.environ.setdefault("ZHIJIAO_TRAIL_DRAIN_SECONDS", "0")
# Likewise the periodic tasks: a test runs them itself (a server a test starts gets ZHIJIAO_CLOCK from it).
os.environ.setdefault("ZHIJIAO_CLOCK", "0")
# Playwright's sync API runs an event loop in the test thread; Django's ORM calls there are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
