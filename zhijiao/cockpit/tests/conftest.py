"""The rollup backends the conformance tests run on (zhijiao/cockpit/rollup.py `backend()`)."""

import importlib.util
import os

import pytest

from zhijiao.cockpit.rollup import BACKENDS


@pytest.fixture(params=BACKENDS)
def rollup_backend(request, settings):
    """Each rollup backend in turn. The clickhouse one runs on chDB (the optional `clickhouse` extra): where it
    is not installed its tests skip, except under ZHIJIAO_REQUIRE_SERVICES=1 (CI installs it)."""
    if request.param == "clickhouse" and importlib.util.find_spec("chdb") is None:
        message = "chdb is not installed (uv sync --extra clickhouse)"
        if os.environ.get("ZHIJIAO_REQUIRE_SERVICES") == "1":
            pytest.fail(message + "; ZHIJIAO_REQUIRE_SERVICES=1 requires it (.ci/run installs it)")
        pytest.skip(message)
    settings.ZHIJIAO_COCKPIT_BACKEND = request.param
    settings.ZHIJIAO_CLICKHOUSE_URL = ""  # chDB in-process: the tests need no server
    return request.param
