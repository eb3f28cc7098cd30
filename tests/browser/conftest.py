"""Fixtures shared by the browser tests of more than one module."""

import pytest


@pytest.fixture
def catalog_district(transactional_db):
    """The small demo district with the shipped catalog (no other app's demo data)."""
    from zhijiao.catalog import demo as catalog_demo
    from zhijiao.demo.builder import build_demo

    ctx = build_demo(size="small", extensions=False)
    catalog_demo.build(ctx)
    return ctx
