"""Demo data of the catalog: the shipped taxonomy and textbooks (统编版语文, 人教版数学, 人教PEP英语).

The full shipped set loads in about 0.15 s with bulk inserts, so every demo size gets all of it.
"""

from zhijiao.catalog.actions import catalog_load_shipped


def build(ctx) -> None:
    report = catalog_load_shipped()
    ctx.progress(f"catalog: {report.summary()}")
