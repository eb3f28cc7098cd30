"""Demo data of search: index the demo resource library (bulk, straight from the database).

What `index_rebuild` does. For a large library on the tantivy backend the jieba analysis (most of the time)
runs in worker processes forked for the build, one per core, while this process reads the database and
feeds the writer: the index is the same, as `analyse` is a pure function of the document once the
catalog's lesson titles are loaded (they are, before the fork).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from itertools import islice

PARALLEL_FROM = 20_000  # documents; below this a pool costs more than it saves
BATCH = 250  # documents sent to a worker at a time


def build(ctx) -> None:
    from zhijiao.demo.bulk import progress_bar
    from zhijiao.search.actions import index_rebuild
    from zhijiao.search.documents import resource_count
    from zhijiao.search.models import IndexOutbox
    from zhijiao.search.selectors import get_backend

    ctx.progress("search: indexing resources")
    IndexOutbox.objects.all().delete()  # the rebuild reads everything; rows from demo writes are redundant
    total = resource_count()
    backend = get_backend()
    with progress_bar(getattr(ctx, "tqdm_factory", None), total, "搜索索引 search index", "doc") as bar:
        seen = [0]

        def progress(n: int) -> None:
            bar.update(n - seen[0])
            seen[0] = n

        workers = min(4, os.cpu_count() or 1)
        if (total < PARALLEL_FROM or workers < 2 or not hasattr(backend, "new_generation")
                or "fork" not in multiprocessing.get_all_start_methods()):
            index_rebuild(backend=backend, progress=progress)
        else:
            _parallel_rebuild(backend, workers, progress)


def _memoise_analyzer():
    """Memoise the analyzer in this process (a forked worker) and return a function that undoes it.

    The demo library repeats descriptions, authors, chapters and knowledge points thousands of times, and
    its titles are a few template words around lesson names; the analyzer caches only short texts, in a
    small cache. Two memos, both exact once the lesson titles are loaded (they are, before the fork):
    whole texts (`words` is a pure function of its text), and blocks: jieba splits a text into runs of
    word characters (CJK, ASCII letters and digits, + # & . _ % -) and the rest and segments each run on
    its own, so the segmentation of a text is that of its pieces split at characters outside those runs
    (spaces, punctuation), one after another (a test holds the index unchanged)."""
    import re
    from functools import lru_cache

    from zhijiao.search import analyzer

    tok = analyzer.tokenizer()
    words, cut_for_search = analyzer.words, tok.cut_for_search
    split = re.compile(r"([^\w+#&.%-]+)").split

    @lru_cache(maxsize=200_000)
    def block(text: str) -> tuple[str, ...]:
        return tuple(cut_for_search(text))

    def blocks(sentence):
        out = []
        for part in split(sentence):
            if part:
                out.extend(block(part))
        return out

    @lru_cache(maxsize=100_000)
    def cached(text: str) -> tuple[str, ...]:
        return tuple(words(text))

    tok.cut_for_search = blocks
    analyzer.words = lambda text: list(cached(text))

    def undo() -> None:
        analyzer.words = words
        del tok.cut_for_search

    return undo


def _init_worker() -> None:
    _memoise_analyzer()


def _analyse_batch(docs: list) -> list[dict]:
    from zhijiao.search.tantivy_backend import analyse

    return [analyse(d) for d in docs]


def _parallel_rebuild(backend, workers: int, progress) -> int:
    """`index_rebuild` for the tantivy backend, with `analyse` in `workers` forked processes."""
    from zhijiao.search.actions import drain_outbox_now
    from zhijiao.search.documents import all_resource_documents, ensure_catalog_terms
    from zhijiao.search.locking import writer_lock

    ensure_catalog_terms()  # before the fork: the workers inherit the analyzer with the lesson titles

    def analysed(pool):
        # The database is read here, in this thread (inside the builder's transaction), a few batches
        # ahead of the writer; results come back in order, so the writes are those of a serial build.
        docs = all_resource_documents()
        pending: deque = deque()
        n = 0
        while True:
            batch = list(islice(docs, BATCH))
            if batch:
                pending.append(pool.apply_async(_analyse_batch, (batch,)))
            while pending and (not batch or len(pending) > 2 * workers):
                done = pending.popleft().get()
                yield from done
                n += len(done)
                progress(n)
            if not batch:
                return

    with writer_lock(backend.root):
        gen = backend.new_generation()
        # Workers only analyse text: they never touch the database connection they inherit, and exit
        # without running its finalisers (multiprocessing ends them with os._exit).
        with multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker) as pool:
            n = backend.write(analysed(pool), replace=False, path=gen)
        backend.swap_in(gen)
        drain_outbox_now(wait=True, backend=backend)
    return n
