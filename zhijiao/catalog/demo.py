"""Demo data of the catalog: the shipped taxonomy and textbooks of every stage (catalog/data/*.json).

The full shipped set loads in well under a second with bulk inserts, so every demo size gets all of it.
"""

from zhijiao.catalog.actions import catalog_load_shipped


def build(ctx) -> None:
    report = catalog_load_shipped()
    ctx.progress(f"catalog: {report.summary()}")
