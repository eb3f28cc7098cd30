"""The clickhouse backend's streamed load (chDB reading the extract through a named pipe): every row arrives,
and a failure on either side reaches the rollup (which then rolls back) instead of hanging or passing
silently with half a batch."""

import importlib.util

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("chdb") is None,
                                reason="chdb is not installed (uv sync --extra clickhouse)")

ROW = b"2026-12-07 01:15:00.123456+00\t5\t1\t2\tteacher\thttps://v\thttps://o\n"


@pytest.fixture
def ch():
    from zhijiao.cockpit import rollup_clickhouse as rc

    client = rc.Client("")
    client.command(f"DROP TEMPORARY TABLE IF EXISTS {rc.BATCH_TABLE}")
    client.command(f"CREATE TEMPORARY TABLE {rc.BATCH_TABLE} ({rc.BATCH_COLUMNS}) ENGINE = Memory")
    yield client
    client.command(f"DROP TEMPORARY TABLE IF EXISTS {rc.BATCH_TABLE}")


def _count(ch) -> int:
    from zhijiao.cockpit.rollup_clickhouse import BATCH_TABLE

    return int(ch.query_tsv(f"SELECT count(), sum(actor_id) FROM {BATCH_TABLE}").split()[0])


def test_every_chunk_arrives(ch):
    from zhijiao.cockpit.rollup_clickhouse import BATCH_TABLE

    ch.load_tsv(BATCH_TABLE, (ROW * 1000 for _ in range(300)))  # more than a pipe holds at once
    assert _count(ch) == 300_000


def test_an_extract_failure_reaches_the_caller(ch):
    from zhijiao.cockpit.rollup_clickhouse import BATCH_TABLE

    def chunks():
        yield ROW * 1000
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        ch.load_tsv(BATCH_TABLE, chunks())


def test_a_load_failure_reaches_the_caller(ch):
    from zhijiao.cockpit.rollup_clickhouse import BATCH_TABLE

    with pytest.raises(Exception, match="DateTime"):
        ch.load_tsv(BATCH_TABLE, iter([ROW * 1000, b"not a time\t1\t1\t1\tx\ty\tz\n", ROW * 100_000]))
    with pytest.raises(Exception, match="no_such_table"):  # fails before it opens the pipe
        ch.load_tsv("no_such_table", iter([ROW]))
