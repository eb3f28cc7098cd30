"""Demo data of search: index the demo resource library (bulk, straight from the database)."""

from __future__ import annotations


def build(ctx) -> None:
    from zhijiao.search.actions import index_rebuild
    from zhijiao.search.models import IndexOutbox

    ctx.progress("search: indexing resources")
    IndexOutbox.objects.all().delete()  # the rebuild reads everything; rows from demo writes are redundant
    index_rebuild()
