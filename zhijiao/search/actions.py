"""Writers of the search app: the outbox (`index_enqueue`), its drain, and the full rebuild (`index_rebuild`).

`index_enqueue` is called by other apps' write actions, inside their transaction, so the index work exists
exactly when their change committed. The drain runs after commit (in-process for the embedded default,
or as the Celery task `search.tasks.drain_outbox`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from zhijiao.search.models import IndexOp, IndexOutbox

KINDS = {"resource"}


def index_enqueue(*, kind: str, pk: int | str, op: str = IndexOp.UPSERT) -> IndexOutbox:
    """Note that the index entry of object (kind, pk) must be refreshed (op="upsert") or removed (op="delete").

    Call it inside the writing action's transaction. The drain reads the object's current database state,
    so "upsert" on a deleted object removes it, and enqueueing twice is harmless.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown search kind {kind!r}")
    if op not in IndexOp.values:
        raise ValueError(f"unknown index op {op!r}")
    row = IndexOutbox.objects.create(kind=kind, pk_value=str(pk), op=op)
    transaction.on_commit(_drain_after_commit)
    return row


def _drain_after_commit() -> None:
    from zhijiao.search.tasks import drain_outbox

    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True):
        drain_outbox_now(wait=False)
    else:
        drain_outbox.delay()


def drain_outbox_now(*, wait: bool = False, batch: int = 1000) -> int:
    """Apply pending outbox rows to the index; returns how many rows were applied.

    Placeholder until the drain lands in the next commit: leaves rows in place (nothing lost).
    """
    return 0
