"""An in-memory backend with the same analyzer and the same rules: for tests and as the second
implementation the conformance suite runs against (a reference for OpenSearch or anything else later).

Per process, not persistent, linear scan: never for production.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable

from zhijiao.search import analyzer
from zhijiao.search.base import SearchBackend, SearchDocument, SearchHit, SearchQuery, SearchResult

WORD_WEIGHTS = {"title": 3.0, "tags": 2.0, "authors": 2.0, "knowledge_points": 1.5, "chapters": 1.2,
                "keywords": 1.0, "description": 0.6}


class _Entry:
    __slots__ = ("doc", "words", "gram_texts")

    def __init__(self, doc: SearchDocument):
        self.doc = doc
        self.words = {}
        for name in WORD_WEIGHTS:
            value = getattr(doc, name)
            texts = value if isinstance(value, tuple) else (value,)
            self.words[name] = {w for t in texts for w in analyzer.words(t)}
        self.gram_texts = [analyzer.normalise(t) for t in (doc.title, *doc.authors, *doc.tags) if t]


class MemoryBackend(SearchBackend):
    name = "memory"

    def __init__(self, path=None):
        self._docs: dict[int, _Entry] = {}
        self._lock = threading.Lock()

    def index(self, docs: Iterable[SearchDocument]) -> int:
        entries = [_Entry(d) for d in docs]
        with self._lock:
            for e in entries:
                self._docs[int(e.doc.id)] = e
        return len(entries)

    def delete(self, ids: Iterable[int]) -> None:
        with self._lock:
            for pk in ids:
                self._docs.pop(int(pk), None)

    def clear(self) -> None:
        with self._lock:
            self._docs.clear()

    def count(self) -> int:
        return len(self._docs)

    @staticmethod
    def _gram_match(entry: _Entry, text: str) -> bool:
        runs = analyzer.grams(text)
        if not runs:
            return False
        return any(all(g in t for g in runs) and analyzer.normalise(text).replace(" ", "") in t.replace(" ", "")
                   for t in entry.gram_texts)

    def _unit_score(self, entry: _Entry, unit: str) -> float:
        best = max((w for f, w in WORD_WEIGHTS.items() if unit in entry.words[f]), default=0.0)
        score = best * 3.0
        if self._gram_match(entry, unit):
            score += 1.0
        return score

    def _score(self, entry: _Entry, text: str) -> float | None:
        total = 0.0
        for seg in analyzer.segments(text):
            units = analyzer.query_units(seg)
            if not units:
                continue
            scores = [self._unit_score(entry, u) for u in units]
            seg_score = sum(scores) if all(scores) else 0.0
            if len(units) > 1 and self._gram_match(entry, seg):
                seg_score += 1.0
            if not seg_score:
                return None
            total += seg_score
        return total

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        filters = query.filter_dict()
        has_text = bool(analyzer.segments(query.text))
        with self._lock:
            entries = list(self._docs.values())
        visible = [e for e in entries if query.scope.allows(e.doc)]
        scored: list[tuple[float, _Entry]] = []
        for e in visible:
            s = self._score(e, query.text) if has_text else 0.0
            if s is not None:
                scored.append((s, e))

        def passes(e: _Entry, skip: str | None = None) -> bool:
            return all(getattr(e.doc, f) in vals for f, vals in filters.items() if f != skip)

        matched = [(s, e) for s, e in scored if passes(e)]
        if query.sort == "newest" or (query.sort == "relevance" and not has_text):
            matched.sort(key=lambda p: (_ts(p[1].doc), p[1].doc.id), reverse=True)
        elif query.sort == "most_viewed":
            matched.sort(key=lambda p: (p[1].doc.view_count, p[1].doc.id), reverse=True)
        else:
            matched.sort(key=lambda p: (p[0], _ts(p[1].doc)), reverse=True)
        page = matched[query.offset : query.offset + query.page_size]
        terms = analyzer.highlight_terms(query.text) if query.highlight else []
        hits = tuple(
            SearchHit(id=e.doc.id, score=s, title_html=analyzer.highlight(e.doc.title, terms),
                      snippet_html=analyzer.highlight(e.doc.description[:600], terms, limit=120))
            for s, e in page
        )
        facets = {}
        for name in query.facets:
            counts = Counter(getattr(e.doc, name) for _s, e in scored if passes(e, skip=name))
            counts.pop("", None)
            facets[name] = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return SearchResult(hits=hits, total=len(matched), facets=facets,
                            took_ms=(time.perf_counter() - started) * 1000)


def _ts(doc: SearchDocument) -> float:
    return doc.created.timestamp() if doc.created else 0.0
