"""Writers of the search app: the outbox (`index_enqueue`), its drain, and the full rebuild (`index_rebuild`).

`index_enqueue` is called by other apps' write actions, inside their transaction, so the index work exists
exactly when their change committed. The drain runs after commit (in-process for the embedded default,
or as the Celery task `search.tasks.drain_outbox`).
"""

from __future__ import annotations

import contextlib
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F

from zhijiao.search.models import IndexOp, IndexOutbox

KINDS = {"resource"}
logger = logging.getLogger(__name__)


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
    """Runs after the writer's commit. Never fails the request whose change already committed: on any
    error the rows stay in the outbox for the next drain (or `zhijiao search-drain`).

    The task is sent by its name: `search.tasks` wraps this module, so importing it here would make the two
    modules import each other."""
    try:
        if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True):
            drain_outbox_now(wait=False)
        else:
            from zhijiao.celery_app import app

            app.send_task("search.tasks.drain_outbox")
    except Exception:
        logger.exception("search outbox: drain after commit failed; rows kept for the next drain")


def drain_outbox_now(*, wait: bool = False, batch: int = 1000, backend=None) -> int:
    """Apply pending outbox rows to the index, oldest first; returns how many rows were applied.

    One writer at a time: with wait=False, if another drain or a rebuild holds the index lock, return 0
    at once and leave the rows to the holder (or the next drain). For each batch: read the current
    database state of every object named, upsert or delete it in the index, commit the index, and only
    then delete the rows taken. A crash in between leaves the rows, and they are re-applied (idempotent).
    """
    from zhijiao.search.locking import IndexBusy, writer_lock
    from zhijiao.search.selectors import get_backend

    backend = backend or get_backend()
    root = getattr(backend, "root", None)
    applied = 0
    while True:
        lock = writer_lock(root, wait=wait) if root is not None else contextlib.nullcontext()
        try:
            with lock:
                while True:
                    rows = list(IndexOutbox.objects.order_by("id")[:batch])
                    if not rows:
                        break
                    applied += _apply(rows, backend)
        except IndexBusy:
            logger.info("search outbox: index busy, leaving rows for the lock holder")
            return applied
        # A drain that found the lock busy just now left its rows to us: look again after releasing.
        if not IndexOutbox.objects.exists():
            return applied


def _apply(rows: list[IndexOutbox], backend) -> int:
    from zhijiao.search.documents import ensure_catalog_terms, resource_documents

    ids = [r.id for r in rows]
    pks = sorted({int(r.pk_value) for r in rows if r.kind == "resource"})
    try:
        ensure_catalog_terms()
        docs = resource_documents(pks)
        gone = [pk for pk in pks if pk not in docs]
        if hasattr(backend, "write"):
            backend.write(docs.values(), delete_ids=gone)
        else:
            backend.delete(gone)
            backend.index(docs.values())
    except Exception:
        IndexOutbox.objects.filter(id__in=ids).update(attempts=F("attempts") + 1)
        logger.exception("search outbox: %d rows failed, kept for retry", len(ids))
        raise
    _forget(ids)
    return len(ids)


def _forget(ids: list[int]) -> None:
    """Delete drained rows (only those taken: a newer row for the same object stays for the next drain)."""
    IndexOutbox.objects.filter(id__in=ids).delete()


def index_rebuild(*, backend=None, progress=None) -> int:
    """Rebuild the whole index from the database into a fresh directory, then swap it in.

    Holds the writer lock throughout, so drains wait (their rows stay in the outbox); after the swap the
    outbox is drained into the new index, so changes made during the rebuild are not lost.
    `progress(n)` is called with the number of documents written so far (for a progress bar).
    """
    from zhijiao.search.documents import all_resource_documents, ensure_catalog_terms
    from zhijiao.search.locking import writer_lock
    from zhijiao.search.selectors import get_backend

    backend = backend or get_backend()
    ensure_catalog_terms()

    def counted(docs):
        for n, doc in enumerate(docs, 1):
            if progress and n % 500 == 0:
                progress(n)
            yield doc

    if not hasattr(backend, "new_generation"):
        backend.clear()
        n = backend.index(counted(all_resource_documents()))
        drain_outbox_now(wait=True, backend=backend)
        return n
    with writer_lock(backend.root):
        gen = backend.new_generation()
        n = backend.write(counted(all_resource_documents()), replace=False, path=gen)
        backend.swap_in(gen)
        drain_outbox_now(wait=True, backend=backend)
    if progress:
        progress(n)
    return n


TRAIL_SEARCHED = "search.searched"


def search_record(*, user, query) -> None:
    """Record that `user` searched: the statement names the query only by a hash (no text, no names).

    Batched (records.trail): the search page itself writes nothing to the database."""
    import hashlib
    import json

    from zhijiao.records.trail import trail_append

    if user is None or not user.is_authenticated:
        return
    key = hashlib.sha256(json.dumps([query.text.strip(), query.filters, query.sort], ensure_ascii=False)
                         .encode()).hexdigest()[:32]
    trail_append(kind=TRAIL_SEARCHED, payload={"user": user.pk, "key": key})


def searches_apply(entries) -> None:
    """Store a batch of spooled searches as statements (inside the trail's drain transaction)."""
    from zhijiao.records.actions import statement_build, statements_insert

    statements_insert(statements=[
        statement_build(actor=e.payload["user"], verb="searched", object_kind="search", object_key=e.payload["key"],
                        timestamp=e.at, statement_id=e.id)
        for e in entries])
