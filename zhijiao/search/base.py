"""The search backend contract (architecture section 6): an abstract class and frozen dataclasses.

Every implementation (tantivy, the pure-database fallback, OpenSearch later) takes the same
`SearchDocument`s and `SearchQuery`s and returns the same `SearchResult`s, and passes the shared
conformance suite in `zhijiao/search/tests/conformance.py`.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

FACET_FIELDS: tuple[str, ...] = ("section", "stage", "subject", "grade", "edition", "type", "level")
SORTS: tuple[str, ...] = ("relevance", "newest", "most_viewed")
APPROVED = "approved"
# Levels whose approved items every signed-in user of the district may see.
PUBLIC_LEVELS: tuple[str, ...] = ("national", "district")
# Sharing scopes that open an approved item to the whole district (not just its own school).
PUBLIC_SHARING: tuple[str, ...] = ("district", "public")


@dataclass(frozen=True)
class SearchDocument:
    """One searchable item, as the owning app describes it (e.g. `resource_search_document`)."""

    id: int
    title: str
    description: str = ""
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    chapters: tuple[str, ...] = ()  # chapter title paths, e.g. "第一单元 > 勾股定理"
    knowledge_points: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # more words to find it by: facet labels (数学, 三年级, 人教版, 微课)
    # facets (codes or names; shown as they are stored)
    section: str = ""
    stage: str = ""
    subject: str = ""
    grade: str = ""
    edition: str = ""
    type: str = ""
    level: str = ""  # national / district / school
    # visibility
    status: str = APPROVED
    owner_school_id: int | None = None
    contributor_id: int | None = None
    sharing_scope: str = ""
    # ordering
    created: datetime | None = None
    updated: datetime | None = None
    view_count: int = 0

    @classmethod
    def from_dict(cls, data: Mapping) -> SearchDocument:
        """Build from a plain dict (as `resource_search_document` returns); unknown keys are ignored."""
        kwargs = {}
        for name in cls.__dataclass_fields__:
            if name in data and data[name] is not None:
                value = data[name]
                if name in ("tags", "authors", "chapters", "knowledge_points", "keywords"):
                    value = tuple(str(v) for v in value if v)
                elif name in FACET_FIELDS or name in ("status", "sharing_scope", "title", "description"):
                    value = str(value)
                kwargs[name] = value
        return cls(**kwargs)

    def facet(self, name: str) -> str:
        return getattr(self, name)


@dataclass(frozen=True)
class ScopeFilter:
    """Which items a searcher may see: approved public items, approved items of their schools, their own.

    An item is visible when
      status == approved and (level in public_levels
                              or sharing_scope in public_sharing
                              or owner_school_id in school_ids)
      or contributor_id == contributor_id.
    `everything=True` (index maintenance, benchmarks of the raw engine) applies no filter.
    """

    school_ids: frozenset[int] = frozenset()
    contributor_id: int | None = None
    public_levels: tuple[str, ...] = PUBLIC_LEVELS
    public_sharing: tuple[str, ...] = PUBLIC_SHARING
    everything: bool = False

    def allows(self, doc: SearchDocument) -> bool:
        if self.everything:
            return True
        if self.contributor_id is not None and doc.contributor_id == self.contributor_id:
            return True
        if doc.status != APPROVED:
            return False
        if doc.level in self.public_levels:
            return True
        if doc.sharing_scope in self.public_sharing:
            return True
        return doc.owner_school_id is not None and doc.owner_school_id in self.school_ids


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    # facet filters: ((field, (value, ...)), ...); values of one field are OR-ed, fields AND-ed
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    scope: ScopeFilter = field(default_factory=ScopeFilter)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    facets: tuple[str, ...] = ()
    highlight: bool = True

    def __post_init__(self):
        if isinstance(self.filters, Mapping):
            object.__setattr__(self, "filters", normalise_filters(self.filters))
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}")
        if self.page < 1 or not 1 <= self.page_size <= 100:
            raise ValueError("page >= 1 and 1 <= page_size <= 100")
        for name, _values in self.filters:
            if name not in FACET_FIELDS:
                raise ValueError(f"unknown facet {name!r}")
        for name in self.facets:
            if name not in FACET_FIELDS:
                raise ValueError(f"unknown facet {name!r}")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def filter_dict(self) -> dict[str, tuple[str, ...]]:
        return dict(self.filters)


def normalise_filters(filters: Mapping[str, Iterable[str] | str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for name in sorted(filters):
        values = filters[name]
        if isinstance(values, str):
            values = (values,)
        values = tuple(sorted({str(v) for v in values if str(v)}))
        if values:
            out.append((name, values))
    return tuple(out)


@dataclass(frozen=True)
class SearchHit:
    id: int
    score: float
    title_html: str  # HTML-escaped title, matches wrapped in <mark>
    snippet_html: str  # HTML-escaped excerpt of the description, matches wrapped in <mark>


@dataclass(frozen=True)
class SearchResult:
    hits: tuple[SearchHit, ...]
    total: int
    facets: dict[str, tuple[tuple[str, int], ...]]  # field -> ((value, count), ...) by count desc
    took_ms: float


class SearchBackend(abc.ABC):
    """A search engine holding `SearchDocument`s. Implementations are chosen by `ZHIJIAO_SEARCH_BACKEND`."""

    name = "abstract"

    @abc.abstractmethod
    def index(self, docs: Iterable[SearchDocument]) -> int:
        """Add or replace documents (by id); returns how many were written. Visible to search on return."""

    @abc.abstractmethod
    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    @abc.abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """Run a query. Only documents `query.scope` allows may appear in hits, totals or facet counts."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Remove every document."""

    @abc.abstractmethod
    def count(self) -> int:
        """How many documents the index holds."""

    def needs_rebuild(self) -> str | None:
        """Why the index must be rebuilt with `zhijiao reindex` before it answers as this version expects
        (e.g. it was built by an older version), or None."""
        return None
