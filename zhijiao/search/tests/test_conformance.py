"""Runs the shared backend conformance suite against every backend available here."""

from zhijiao.search.tests.conformance import *  # noqa: F401,F403
