"""Reads of the teaching taxonomy. The catalog is district-wide reference data: it is the same for
everyone, so these reads take no user (managing it is checked in the views: district admins only).

Browse order, as on the national platform: section → stage → subject → edition → book (grade and
volume) → chapter tree. `browse_context(params)` builds everything the `catalog/_browse_nav.html`
include needs from query parameters, and the filters for "resources under this choice".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils import translation

from zhijiao.catalog.models import Book, Chapter, Edition, KnowledgePoint, Section, Stage, Subject
from zhijiao.core.cache import cached, generation, generation_bump

# The section whose resources hang off the textbook tree (课程教学).
COURSE_SECTION = "kcjx"
# Catalog reads shared through the cache (core.cache) under this generation, bumped by `catalog_changed`;
# edits in /ops/admin/ also bump it, and the timeout bounds anything that slipped past both.
CATALOG = "catalog"
CATALOG_CACHE_SECONDS = 600


def catalog_changed() -> None:
    """Call after any change of the catalog: cached browse choices and labels are recomputed."""
    generation_bump(CATALOG)


BROWSE_PARAMS = ("section", "stage", "subject", "edition", "book", "chapter")


def sections(*, active_only: bool = True) -> QuerySet[Section]:
    qs = Section.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def stages() -> QuerySet[Stage]:
    return Stage.objects.all()


def subjects_for_stage(stage: Stage | None) -> QuerySet[Subject]:
    if stage is None:
        return Subject.objects.all()
    return Subject.objects.filter(stages=stage)


def editions_for(stage: Stage, subject: Subject) -> QuerySet[Edition]:
    """Editions that have at least one book for this stage and subject."""
    return Edition.objects.filter(books__stage=stage, books__subject=subject).distinct()


def books_for(stage: Stage, subject: Subject, edition: Edition) -> QuerySet[Book]:
    return Book.objects.filter(stage=stage, subject=subject, edition=edition).order_by("grade_level", "volume")


def book_by_code(code: str) -> Book | None:
    return Book.objects.select_related("stage", "subject", "edition").filter(code=code).first() if code else None


def chapter_by_key(key: str) -> Chapter | None:
    return (Chapter.objects.select_related("book__stage", "book__subject", "book__edition").filter(key=key).first()
            if key else None)


def chapters_by_keys(keys) -> dict[str, Chapter]:
    return {c.key: c for c in Chapter.objects.filter(key__in=list(keys))}


@dataclass
class TreeNode:
    id: int
    key: str
    title: str
    kind: str
    path: str
    depth: int
    children: list[TreeNode] = field(default_factory=list)
    url: str = ""
    current: bool = False
    open: bool = False  # on the way to the current node


def chapter_tree(book: Book) -> list[TreeNode]:
    """The book's chapter tree as nested nodes, in one query (chapters ordered by path)."""
    roots: list[TreeNode] = []
    by_id: dict[int, TreeNode] = {}
    for row in Chapter.objects.filter(book=book).order_by("path").values(
            "id", "key", "title", "kind", "path", "depth", "parent_id"):
        node = TreeNode(id=row["id"], key=row["key"], title=row["title"], kind=row["kind"], path=row["path"],
                        depth=row["depth"])
        by_id[node.id] = node
        parent = by_id.get(row["parent_id"])
        (parent.children if parent else roots).append(node)
    return roots


def chapter_descendant_ids(chapter: Chapter) -> list[int]:
    """The chapter and every chapter under it (for "resources under this chapter"), in one query."""
    return list(Chapter.objects.filter(book_id=chapter.book_id, path__startswith=chapter.path)
                .values_list("pk", flat=True))


def chapter_ancestors(chapter: Chapter) -> list[Chapter]:
    steps = chapter.path.rstrip(".").split(".")
    paths = ["".join(s + "." for s in steps[:i]) for i in range(1, len(steps) + 1)]
    return list(Chapter.objects.filter(book_id=chapter.book_id, path__in=paths).order_by("path"))


def knowledge_points_for(chapter: Chapter) -> QuerySet[KnowledgePoint]:
    """Knowledge points linked to this chapter or any chapter under it."""
    return KnowledgePoint.objects.filter(chapters__in=chapter_descendant_ids(chapter)).distinct().order_by("code")


def knowledge_points_around(chapter: Chapter, descendant_ids: list[int] | None = None) -> QuerySet[KnowledgePoint]:
    """Knowledge points of this chapter, the chapters under it and the ones above it (a lesson inherits
    its unit's points). `descendant_ids`: `chapter_descendant_ids(chapter)` when the caller has it."""
    if descendant_ids is None:
        descendant_ids = chapter_descendant_ids(chapter)
    ids = list(descendant_ids) + [c.pk for c in chapter_ancestors(chapter)]
    return KnowledgePoint.objects.filter(chapters__in=ids).distinct().order_by("code")


def catalog_counts() -> dict[str, int]:
    return {"sections": Section.objects.count(), "stages": Stage.objects.count(), "subjects": Subject.objects.count(),
            "editions": Edition.objects.count(), "books": Book.objects.count(), "chapters": Chapter.objects.count(),
            "knowledge_points": KnowledgePoint.objects.count()}


# --- browse --------------------------------------------------------------------------------------

@dataclass
class Choice:
    code: str
    label: str
    url: str
    current: bool = False


@dataclass
class BrowseNav:
    """What `catalog/_browse_nav.html` renders. See the contract at the top of that template."""

    base_url: str
    section: Section | None = None
    stage: Stage | None = None
    subject: Subject | None = None
    edition: Edition | None = None
    book: Book | None = None
    chapter: Chapter | None = None
    sections: list[Choice] = field(default_factory=list)
    stages: list[Choice] = field(default_factory=list)
    subjects: list[Choice] = field(default_factory=list)
    editions: list[Choice] = field(default_factory=list)
    books: list[Choice] = field(default_factory=list)
    tree: list[TreeNode] = field(default_factory=list)
    chapter_ids: list[int] | None = None  # the chosen chapter and all under it; None when no chapter is chosen
    params: dict[str, str] = field(default_factory=dict)  # the valid choices, as query parameters
    # Names this navigation in the catalog's current generation: templates cache its rendered HTML under it.
    cache_key: str = ""

    @property
    def uses_textbooks(self) -> bool:
        """Whether the stage → … → chapter choices apply (课程教学, or no section chosen)."""
        return self.section is None or self.section.code == COURSE_SECTION

    def filters(self) -> dict:
        """ORM filters for models with section/stage/subject/edition FKs and a `chapters` M2M (e.g. resources)."""
        f: dict = {}
        for name in ("section", "stage", "subject", "edition"):
            obj = getattr(self, name)
            if obj is not None:
                f[name] = obj
        if self.chapter_ids is not None:
            f["chapters__in"] = self.chapter_ids
        elif self.book is not None:
            f["chapters__book"] = self.book
        return f

    def url_with(self, **changes) -> str:
        return _url(self.base_url, self.params, **changes)


def _url(base: str, params: dict[str, str], **changes) -> str:
    """A link that keeps the choices above the changed one and drops the ones below it."""
    out = {}
    for name in BROWSE_PARAMS:
        if name in changes:
            if changes[name]:
                out[name] = changes[name]
            break
        if params.get(name):
            out[name] = params[name]
    return f"{base}?{urlencode(out)}" if out else base


def browse_context(params, *, base_url: str = "") -> BrowseNav:
    """Resolve browse choices from query parameters (unknown or inconsistent values are dropped).

    `params` is a QueryDict or dict with any of: section, stage, subject, edition (codes), book (code),
    chapter (Chapter.key). Choosing a chapter implies its book, stage, subject and edition.
    The result depends on the catalog alone, so it is shared through the cache until the catalog changes.
    """
    get = (lambda k: (params.get(k) or "").strip()[:200]) if params is not None else (lambda k: "")
    key = "\x1f".join([base_url, translation.get_language() or "", *(get(k) for k in BROWSE_PARAMS)])
    key = hashlib.sha1(key.encode()).hexdigest()
    return cached(CATALOG, "browse:" + key, lambda: _browse_context(get, base_url, f"{generation(CATALOG)}:{key}"),
                  timeout=CATALOG_CACHE_SECONDS)


def _browse_context(get, base_url: str, cache_key: str) -> BrowseNav:
    nav = BrowseNav(base_url=base_url, cache_key=cache_key)
    all_sections = list(sections())
    nav.section = next((s for s in all_sections if s.code == get("section")), None)

    chapter = chapter_by_key(get("chapter"))
    book = chapter.book if chapter else book_by_code(get("book"))
    if book is not None:
        nav.stage, nav.subject, nav.edition, nav.book = book.stage, book.subject, book.edition, book
        nav.chapter = chapter if chapter and chapter.book_id == book.pk else None
    else:
        nav.stage = Stage.objects.filter(code=get("stage")).first() if get("stage") else None
        nav.subject = Subject.objects.filter(code=get("subject")).first() if get("subject") else None
        if nav.subject and nav.stage and not nav.subject.stages.filter(pk=nav.stage.pk).exists():
            nav.subject = None
        nav.edition = Edition.objects.filter(code=get("edition")).first() if (nav.subject and get("edition")) else None
    if not nav.uses_textbooks:
        nav.stage = nav.subject = nav.edition = nav.book = nav.chapter = None
    nav.params = {k: v for k, v in {
        "section": nav.section.code if nav.section else "",
        "stage": nav.stage.code if nav.stage else "",
        "subject": nav.subject.code if nav.subject else "",
        "edition": nav.edition.code if nav.edition else "",
        "book": nav.book.code if nav.book else "",
        "chapter": nav.chapter.key if nav.chapter else "",
    }.items() if v}

    p = nav.params
    nav.sections = [Choice(s.code, s.name, _url(base_url, p, section=s.code),
                           current=nav.section is not None and s.pk == nav.section.pk) for s in all_sections]
    if nav.uses_textbooks:
        nav.stages = [Choice(s.code, s.name, _url(base_url, p, stage=s.code), current=s == nav.stage)
                      for s in stages()]
    if nav.stage:
        nav.subjects = [Choice(s.code, s.name, _url(base_url, p, subject=s.code), current=s == nav.subject)
                        for s in subjects_for_stage(nav.stage)]
    if nav.stage and nav.subject:
        nav.editions = [Choice(e.code, e.name, _url(base_url, p, edition=e.code), current=e == nav.edition)
                        for e in editions_for(nav.stage, nav.subject)]
    if nav.stage and nav.subject and nav.edition:
        nav.books = [Choice(b.code, b.volume_label, _url(base_url, p, book=b.code), current=b == nav.book)
                     for b in books_for(nav.stage, nav.subject, nav.edition)]
    if nav.book:
        nav.tree = chapter_tree(nav.book)
        current_path = nav.chapter.path if nav.chapter else None
        stack = list(nav.tree)
        while stack:
            node = stack.pop()
            node.url = _url(base_url, p, chapter=node.key)
            node.current = node.path == current_path
            node.open = bool(current_path and current_path.startswith(node.path) and not node.current)
            stack.extend(node.children)
    if nav.chapter:
        nav.chapter_ids = chapter_descendant_ids(nav.chapter)
    return nav
