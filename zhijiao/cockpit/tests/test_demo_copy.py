"""The PostgreSQL demo build writes the trail as COPY text spelled out by hand: it must be exactly what the
general path (`_statement`, json.dumps, `terms`, `RowFormat.line`) gives."""

import json
import random
from datetime import timedelta

from django.utils import timezone

from zhijiao.cockpit import demo
from zhijiao.demo.bulk import RowFormat
from zhijiao.records.actions import MAX_TERM
from zhijiao.records.models import Statement, StatementTerm
from zhijiao.records.xapi.statements import terms


def _trail(n: int) -> list[tuple]:
    rng = random.Random(5)
    now = timezone.now()
    out = []
    for i in range(n):
        verb, kind = rng.choice([("logged-in", "platform"), ("graded", "homework"), ("posted", "notice"),
                                 ("viewed", "resource"), ("submitted", "homework")])
        key = "web" if kind == "platform" else rng.randrange(1, 500)
        klass = rng.choice([None, rng.randrange(1, 5000)])
        out.append((rng.getrandbits(128), rng.randrange(1, 300_000), rng.choice(["teacher", "student"]), verb, kind,
                    key, rng.randrange(1, 300), klass, now - timedelta(days=i, seconds=rng.randrange(86400))))
    return out


def test_copy_text_of_the_trail_is_the_general_path(db):
    now = timezone.now()
    statement, term = RowFormat(Statement), RowFormat(StatementTerm, database_pk=True)
    demo._job.update(now_iso=now.isoformat(), statement=statement.template(demo._STATEMENT_COLUMNS),
                     term=term.template(("statement_id", "kind", "key", "primary")))
    try:
        trail = _trail(40)
        n, rows, term_rows = demo._copy_chunk(trail)
    finally:
        demo._job.clear()
    assert n == 40
    expected_rows, expected_terms = [], []
    for args in trail:
        st = demo._statement_of(args, now)
        assert json.loads(json.dumps(st["statement"])) == st["statement"]
        expected_rows.append(statement.line(st))
        expected_terms += [term.line({"statement_id": st["id"], "kind": k, "key": key[:MAX_TERM], "primary": p})
                           for k, key, p in terms(st["statement"])]
        sid, ts = st["id"], args[-1].isoformat()
        assert demo._body_json(args, now.isoformat(), sid, ts) == json.dumps(st["statement"])
    assert rows.splitlines() == expected_rows
    assert term_rows.splitlines() == expected_terms
