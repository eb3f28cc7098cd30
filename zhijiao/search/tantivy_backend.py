"""The embedded default search backend: tantivy over jieba-segmented text.

Layout under the index root (`settings.ZHIJIAO_SEARCH_INDEX_DIR`):
    current -> gen-<stamp>/     symlink to the live index (swapped atomically by a rebuild)
    gen-<stamp>/                tantivy index files
    .writer.lock                the one-writer-at-a-time lock (see locking.py)

Fields: word fields hold jieba search-mode tokens joined by spaces under tantivy's whitespace tokenizer
(`title_w` the title, `body_w` everything: title, tags, authors, chapters, facet labels, description);
`grams` holds character bigrams of title, authors and tags (partial words and unknown names); facet and
scope fields are raw, fast fields used for filters and counts; `created` and `views` are fast for sorting.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tantivy

from zhijiao.search import analyzer
from zhijiao.search.base import (
    APPROVED,
    FACET_FIELDS,
    PUBLIC_LEVELS,
    PUBLIC_SHARING,
    ScopeFilter,
    SearchBackend,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from zhijiao.search.locking import writer_lock

# Word fields and their weight when a whole query word matches them: the title, and everything (the title
# again, tags, authors, knowledge points, chapters, facet labels, description).
WORD_FIELDS: dict[str, float] = {"title_w": 3.0, "body_w": 1.0}
# A query word found as a whole word in at least this many documents is "common" (三年级, 数学, 课件: the
# facet labels every item carries, frequent lesson words). It needs no bigram alternative (partial-word
# matching is for rare words, names and words jieba does not know: 勾股, 芳芳), and it must match
# `body_w` (which holds the title's words too): one posting list that the conjunction can skip through,
# where a union of title and body is walked in full — on millions of items that union is what made
# 六年级 数学 slow. The title is then an optional clause: it only scores, so a title match ranks first.
GRAM_FALLBACK_MAX_DF = 5000
# A one-character query word inside a longer segment also matches the bigrams starting with it, while
# those are in at most this many documents together (see `_unit_query`).
PREFIX_FALLBACK_MAX_DF = 20_000
# What the index holds, as a number: bump it when `analyse` or the schema changes meaning, so an index
# built by an older version is reported (system check, log) until `zhijiao reindex` rebuilds it.
# 2: `body_w` also holds the title's words.
INDEX_FORMAT = 2
FORMAT_FILE = "zhijiao-format"
WORD_BOOST = 3.0  # a whole-word match outranks ...
GRAM_BOOST = 1.0  # ... a match found only through character bigrams
SEP = "\u2042"  # between title, authors and tags in the grams field, so phrases never span two of them

log = logging.getLogger(__name__)
_open_lock = threading.Lock()
HIDDEN = "hid"
_open: dict[str, tuple[tantivy.Index, float]] = {}
_facet_cache: dict[tuple, dict] = {}
_facet_pools: dict[int, ThreadPoolExecutor] = {}


def facet_pool() -> ThreadPoolExecutor:
    """This process's threads for facet counts (per pid: a pool's threads do not survive a fork)."""
    pool = _facet_pools.get(os.getpid())
    if pool is None:
        with _open_lock:
            pool = _facet_pools.setdefault(os.getpid(), ThreadPoolExecutor(4, thread_name_prefix="search-facets"))
    return pool


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in WORD_FIELDS:
        sb.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    sb.add_text_field("grams", tokenizer_name="whitespace", index_option="position")
    for name in FACET_FIELDS:
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    # Visibility as tokens, so the scope filter is one term-set query (see `visibility_tokens`).
    sb.add_text_field("vis", tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("created", fast=True)
    sb.add_integer_field("views", fast=True)
    sb.add_bytes_field("shown", stored=True)  # title and description as written, for highlighting
    return sb.build()


SCHEMA = build_schema()


def visibility_tokens(doc: SearchDocument) -> list[str]:
    """Who may see a document, as tokens: approved items carry their level ("l:district"), sharing scope
    ("s:district") and owner school ("o:17"); every item carries its contributor ("c:42"). A scope is then
    the set of tokens that open items to the searcher (`scope_tokens`), matched in one term-set query."""
    out = [f"c:{doc.contributor_id}"] if doc.contributor_id is not None else []
    if not (doc.status == APPROVED and (doc.level in PUBLIC_LEVELS or doc.sharing_scope in PUBLIC_SHARING)):
        out.append(HIDDEN)  # not open to the whole district: the default scope excludes these cheaply
    if doc.status == APPROVED:
        out.append(f"l:{doc.level}")
        if doc.sharing_scope:
            out.append(f"s:{doc.sharing_scope}")
        if doc.owner_school_id is not None:
            out.append(f"o:{doc.owner_school_id}")
    return out


def scope_tokens(scope: ScopeFilter) -> list[str]:
    out = [f"l:{level}" for level in scope.public_levels]
    out += [f"s:{sharing}" for sharing in scope.public_sharing]
    out += [f"o:{pk}" for pk in sorted(scope.school_ids)]
    if scope.contributor_id is not None:
        out.append(f"c:{scope.contributor_id}")
    return out


def analyse(doc: SearchDocument) -> dict:
    """Everything the index stores for `doc`, as plain data (picklable: bulk builds analyse in workers)."""
    w = analyzer.words
    title = w(doc.title)
    text = {"title_w": " ".join(title)}
    body = title + [t for values in (doc.tags, doc.authors, doc.knowledge_points, doc.chapters, doc.keywords)
            for v in values for t in w(v)]
    if doc.description:
        body += w(doc.description)
    if body:
        text["body_w"] = " ".join(body)
    parts = [" ".join(analyzer.grams(x)) for x in (doc.title, *doc.authors, *doc.tags)]
    text["grams"] = f" {SEP} ".join(p for p in parts if p)
    shown = {"t": doc.title, "d": (doc.description or "")[:600]}
    return {
        "id": int(doc.id),
        "text": text,
        "facets": {name: getattr(doc, name) for name in FACET_FIELDS if getattr(doc, name)},
        "vis": visibility_tokens(doc),
        "created": int(doc.created.timestamp()) if doc.created else 0,
        "views": int(doc.view_count or 0),
        "shown": json.dumps(shown, ensure_ascii=False).encode(),
    }


def build_document(data: dict) -> tantivy.Document:
    d = tantivy.Document()
    d.add_integer("id", data["id"])
    for field, value in data["text"].items():
        if value:
            d.add_text(field, value)
    for field, value in data["facets"].items():
        d.add_text(field, value)
    for token in data["vis"]:
        d.add_text("vis", token)
    d.add_integer("created", data["created"])
    d.add_integer("views", data["views"])
    d.add_bytes("shown", data["shown"])
    return d


def to_tantivy(doc: SearchDocument) -> tantivy.Document:
    return build_document(analyse(doc))


class TantivyBackend(SearchBackend):
    name = "tantivy"

    def __init__(self, path: str | os.PathLike | None = None):
        if path is None:
            from django.conf import settings

            path = settings.ZHIJIAO_SEARCH_INDEX_DIR
        self.root = Path(path)
        self.writer_heap = 64_000_000

    # ---- index directories -------------------------------------------------------------------

    @property
    def current_link(self) -> Path:
        return self.root / "current"

    def _current_dir(self) -> Path:
        link = self.current_link
        if not link.exists():
            with writer_lock(self.root):
                if not link.exists():
                    gen = self.new_generation()
                    tantivy.Index(SCHEMA, path=str(gen))
                    self.swap_in(gen)
        return Path(os.path.realpath(link))

    def new_generation(self) -> Path:
        """A fresh, empty directory for an index being built (swap it in with `swap_in`)."""
        self.root.mkdir(parents=True, exist_ok=True)
        gen = self.root / f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
        gen.mkdir()
        (gen / FORMAT_FILE).write_text(f"{INDEX_FORMAT}\n")
        return gen

    def index_format(self) -> int | None:
        """The format of the live index (None: no index yet; 1: built before formats were recorded)."""
        link = self.current_link
        if not link.exists():
            return None
        try:
            return int((link / FORMAT_FILE).read_text().strip())
        except (FileNotFoundError, ValueError):
            return 1

    def needs_rebuild(self) -> str | None:
        found = self.index_format()
        if found is None or found == INDEX_FORMAT:
            return None
        return f"search index format {found}, this version writes {INDEX_FORMAT}"

    def swap_in(self, gen: Path) -> None:
        """Point `current` at `gen` atomically and remove older generations."""
        tmp = self.root / f".current-{uuid.uuid4().hex[:6]}"
        os.symlink(gen.name, tmp)
        os.replace(tmp, self.current_link)
        for old in self.root.glob("gen-*"):
            if old.name != gen.name:
                shutil.rmtree(old, ignore_errors=True)

    def _index(self) -> tantivy.Index:
        return self._open_index()[0]

    def _open_index(self) -> tuple[tantivy.Index, tuple]:
        """The live index, reloaded if it changed, and its stamp (path, commit time) as of that reload."""
        path = self._current_dir()
        key = str(path)
        try:
            mtime = (path / "meta.json").stat().st_mtime_ns
        except FileNotFoundError:
            mtime = 0
        with _open_lock:
            cached = _open.get(key)
            if cached is None:
                stale = self.needs_rebuild()
                if stale:
                    log.warning("%s: run `zhijiao reindex` (until then some searches miss items)", stale)
                idx = tantivy.Index(SCHEMA, path=key, reuse=True)
                idx.config_reader(reload_policy="Manual")
                _open[key] = (idx, mtime)
                return idx, (key, mtime)
            idx, seen = cached
            if seen != mtime:
                idx.reload()
                _open[key] = (idx, mtime)
            return idx, (key, mtime)

    # ---- writing -----------------------------------------------------------------------------

    def write(self, docs: Iterable[SearchDocument], *, delete_ids: Iterable[int] = (), replace: bool = True,
              path: Path | None = None) -> int:
        """Write documents (and deletions) in one commit. The caller holds the writer lock.

        `docs` are SearchDocuments or their `analyse(...)` dicts (bulk builds analyse in worker processes).
        replace=False skips the delete-by-id before each add (a fresh index being built).
        """
        idx = tantivy.Index(SCHEMA, path=str(path)) if path is not None else self._index()
        writer = idx.writer(self.writer_heap, 1)
        n = 0
        try:
            for pk in delete_ids:
                writer.delete_documents_by_term("id", int(pk))
            for doc in docs:
                data = doc if isinstance(doc, dict) else analyse(doc)
                if replace:
                    writer.delete_documents_by_term("id", data["id"])
                writer.add_document(build_document(data))
                n += 1
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()
        if path is None:
            idx.reload()
        return n

    def index(self, docs: Iterable[SearchDocument]) -> int:
        with writer_lock(self.root):
            return self.write(docs)

    def delete(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            with writer_lock(self.root):
                self.write((), delete_ids=ids)

    def clear(self) -> None:
        with writer_lock(self.root):
            idx = self._index()
            writer = idx.writer(self.writer_heap, 1)
            writer.delete_all_documents()
            writer.commit()
            writer.wait_merging_threads()
            idx.reload()

    def count(self) -> int:
        return self._index().searcher().num_docs

    # ---- searching ---------------------------------------------------------------------------

    def _term(self, field: str, value) -> tantivy.Query:
        return tantivy.Query.term_query(SCHEMA, field, value)

    def _gram_query(self, text: str) -> tantivy.Query | None:
        grams = analyzer.grams(text)
        if not grams:
            return None
        if len(grams) == 1:
            g = grams[0]
            if len(g) == 1 and analyzer._CJK.match(g):
                # one character: bigrams starting with it, or the character alone
                return tantivy.Query.boolean_query([
                    (tantivy.Occur.Should, tantivy.Query.regex_query(SCHEMA, "grams", _re_escape(g) + ".")),
                    (tantivy.Occur.Should, self._term("grams", g)),
                ])
            return self._term("grams", g)
        return tantivy.Query.phrase_query(SCHEMA, "grams", grams)

    def _common(self, searcher, unit: str) -> bool:
        """Whether `unit` is a whole word in so many documents that bigrams would add only cost."""
        if searcher is None:
            return False
        if not analyzer._CJK.search(unit):
            return True  # ASCII words: the word fields hold exactly what the bigram field would
        return searcher.doc_freq("body_w", unit) >= GRAM_FALLBACK_MAX_DF  # body_w holds the title too

    def _char_prefix_query(self, searcher, char: str) -> tantivy.Query | None:
        """The bigrams starting with `char` (轻 → 轻叩), when together they are in few enough documents
        (PREFIX_FALLBACK_MAX_DF) to be worth a union; None otherwise."""
        if searcher is None:
            return None
        terms = searcher.terms_with_prefix("grams", char)
        if not terms or sum(n for _t, n in terms) > PREFIX_FALLBACK_MAX_DF:
            return None
        return self._any_of("grams", [t for t, _n in terms])

    def _unit_query(self, unit: str, common: bool, *, in_phrase: bool = False, searcher=None,
                    labels_only: bool = False) -> tantivy.Query:
        """One query word: as a whole word, or (rare words) through bigrams. `in_phrase`: the word is one
        character of a longer segment, which is also searched as a phrase. Its partial match is then the
        bigrams starting with it only while they are rare (学习轻 → 轻叩): for 园 in 语文园 they would be
        a union over 200,000 documents (园地 …), and the phrase 语文园 is what the user typed.
        `labels_only`: the whole query is several common words (六年级 数学), see `text_query`."""
        if common:  # see GRAM_FALLBACK_MAX_DF
            body = self._term("body_w", unit)
            if labels_only:
                return tantivy.Query.boost_query(body, WORD_BOOST)
            title = tantivy.Query.boost_query(self._term("title_w", unit), WORD_FIELDS["title_w"])
            return tantivy.Query.boost_query(tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, body), (tantivy.Occur.Should, title)]), WORD_BOOST)
        words = tantivy.Query.disjunction_max_query(
            [tantivy.Query.boost_query(self._term(f, unit), b) for f, b in WORD_FIELDS.items()], 0.1
        )
        words = tantivy.Query.boost_query(words, WORD_BOOST)
        if in_phrase and len(unit) == 1:
            prefix = self._char_prefix_query(searcher, unit)
            if prefix is None:
                return words
            return tantivy.Query.boolean_query([(tantivy.Occur.Should, words),
                                                (tantivy.Occur.Should, tantivy.Query.boost_query(prefix, GRAM_BOOST))])
        clauses = [(tantivy.Occur.Should, words)]
        gq = self._gram_query(unit)
        if gq is not None:
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(gq, GRAM_BOOST)))
        return tantivy.Query.boolean_query(clauses)

    def text_query(self, text: str, searcher=None) -> tantivy.Query | None:
        """Every segment must match; see the analyzer's module notes and GRAM_FALLBACK_MAX_DF.

        A query made only of several common words (六年级 数学, 人教版 三年级 课件) leaves out the optional
        title clauses: every match carries those words, mostly as the labels of its facets, so the title
        changes the order little (the top results measured the same), while seeking the title lists for
        each of ~120,000 matches cost a third more time at 7.6M items. The title's words are in `body_w`
        too, so a title match still counts there."""
        segments = []
        for seg in analyzer.segments(text):
            units = analyzer.query_units(seg)
            if units:
                segments.append((seg, units, [self._common(searcher, u) for u in units]))
        labels_only = sum(len(units) for _s, units, _c in segments) > 1 and all(
            all(common) for _s, _u, common in segments)
        seg_queries = []
        for seg, units, common in segments:
            in_phrase = len(units) > 1 and not all(common)
            all_units = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, self._unit_query(u, c, in_phrase=in_phrase, searcher=searcher,
                                                       labels_only=labels_only))
                 for u, c in zip(units, common, strict=True)])
            clauses = [(tantivy.Occur.Should, all_units)]
            if in_phrase:
                gq = self._gram_query(seg)  # the segment as typed, as a run of characters (乘一位)
                if gq is not None:
                    clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(gq, GRAM_BOOST)))
            seg_queries.append(tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else all_units)
        if not seg_queries:
            return None
        if len(seg_queries) == 1:
            return seg_queries[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in seg_queries])

    def _any_of(self, field: str, values: list) -> tantivy.Query:
        """Documents with any of `values` in `field`. A union of term queries, not a term-set query: the
        union is walked lazily alongside the text query (cost follows the matches), where a term set
        would first collect every document holding any value (cost follows the index size)."""
        if not values:
            return tantivy.Query.empty_query()
        if len(values) == 1:
            return self._term(field, values[0])
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, self._term(field, v)) for v in values])

    def _filter(self, field: str, values: list) -> tuple:
        """A Must clause that restricts without scoring."""
        return (tantivy.Occur.Must, tantivy.Query.const_score_query(self._any_of(field, values), 0.0))

    @staticmethod
    def _all_of(clauses: list[tuple]) -> tantivy.Query:
        if not any(occ == tantivy.Occur.Must for occ, _q in clauses):
            clauses = [*clauses, (tantivy.Occur.Must, tantivy.Query.all_query())]
        if len(clauses) == 1:
            return clauses[0][1]
        return tantivy.Query.boolean_query(clauses)

    def full_query(self, tq, query: SearchQuery, *, skip_facet: str | None = None) -> tantivy.Query:
        """The text query `tq` restricted to `query.scope` and its facet filters (but the one named
        `skip_facet`, for that facet's own counts)."""
        base = [(tantivy.Occur.Must, tq)] if tq is not None else []
        base += [self._filter(name, list(values)) for name, values in query.filters if name != skip_facet]
        scope = query.scope
        if scope.everything:
            return self._all_of(base)
        if scope.public_levels != PUBLIC_LEVELS or scope.public_sharing != PUBLIC_SHARING:
            return self._all_of([*base, self._filter("vis", scope_tokens(scope))])
        # The usual scope (everything open to the district, plus the user's schools' and own items) as an
        # exclusion: not (hidden and not mine). Its cost follows the text matches; a filter "open to the
        # district" would be walked in full (most of the index). (Two branches, "not hidden" or "hidden
        # but mine", measured no faster at 7.6M items.)
        hidden = self._term("vis", HIDDEN)
        exceptions = [f"o:{pk}" for pk in sorted(scope.school_ids)]
        if scope.contributor_id is not None:
            exceptions.append(f"c:{scope.contributor_id}")
        if exceptions:
            hidden = tantivy.Query.boolean_query([(tantivy.Occur.Must, hidden),
                                                  (tantivy.Occur.MustNot, self._any_of("vis", exceptions))])
        return self._all_of([*base, (tantivy.Occur.MustNot, hidden)])

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        # The stamp before the searcher: counts cached under a stamp are never older than it.
        idx, stamp = self._open_index()
        searcher = idx.searcher()
        tq = self.text_query(query.text, searcher)
        full = self.full_query(tq, query)
        kwargs = {"limit": query.page_size, "offset": query.offset, "count": True}
        if query.sort == "newest" or (query.sort == "relevance" and tq is None):
            kwargs.update(order_by_field="created", order=tantivy.Order.Desc)
        elif query.sort == "most_viewed":
            kwargs.update(order_by_field="views", order=tantivy.Order.Desc)
        facets, pending = {}, []
        if query.facets:
            # Counts do not change with the page or the sort: paging and sort tabs reuse them until the
            # index changes (the key holds the index's commit stamp).
            cache_key = (stamp, query.text, query.filters, query.scope, query.facets)
            facets = _facet_cache.get(cache_key)
            if facets is None:
                # Counting walks every match again: do it on another core while this thread finds the
                # page (tantivy releases the GIL), so a page with counts costs about one walk, not two.
                pending = [facet_pool().submit(self._aggregate, searcher, query, tq, skip, names)
                           for skip, names in self._facet_groups(query)]
        res = searcher.search(full, **kwargs)
        if pending:
            facets = {name: counts for job in pending for name, counts in job.result().items()}
            with _open_lock:
                if len(_facet_cache) >= 512:
                    _facet_cache.pop(next(iter(_facet_cache)))
                _facet_cache[cache_key] = facets
        terms = analyzer.highlight_terms(query.text) if query.highlight else []
        hits = []
        for key, address in res.hits:
            stored = searcher.doc(address)
            shown = json.loads(bytes(stored.get_first("shown")).decode())
            score = float(key) if not kwargs.get("order_by_field") else 0.0
            hits.append(SearchHit(
                id=int(stored.get_first("id")),
                score=score,
                title_html=analyzer.highlight(shown["t"], terms),
                snippet_html=analyzer.highlight(shown["d"], terms, limit=120),
            ))
        return SearchResult(hits=tuple(hits), total=int(res.count or 0), facets=facets,
                            took_ms=(time.perf_counter() - started) * 1000)

    @staticmethod
    def _facet_groups(query: SearchQuery) -> list[tuple[str | None, list[str]]]:
        """The facets to count, grouped by the filter they skip: each selected facet's counts ignore its
        own selection (so the sidebar shows the alternatives a click would give); the others share one
        aggregation under all the filters."""
        selected = query.filter_dict()
        groups: dict[str | None, list[str]] = {}
        for name in query.facets:
            groups.setdefault(name if name in selected else None, []).append(name)
        return list(groups.items())

    def _aggregate(self, searcher, query: SearchQuery, tq, skip: str | None,
                   names: list[str]) -> dict[str, tuple[tuple[str, int], ...]]:
        """Counts per value of each facet in `names` over the matching documents."""
        q = self.full_query(tq, query, skip_facet=skip)
        res = searcher.aggregate(q, {name: {"terms": {"field": name, "size": 200}} for name in names})
        out = {}
        for name in names:
            buckets = res.get(name, {}).get("buckets", [])
            out[name] = tuple((str(b["key"]), int(b["doc_count"])) for b in buckets if b.get("key") != "")
        return out


def _re_escape(s: str) -> str:
    import re

    return re.escape(s)
