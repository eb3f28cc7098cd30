"""Reads of the teaching taxonomy. The catalog is district-wide reference data: it is the same for
everyone, so these reads take no user (managing it is checked in the views: district admins only).

Browse order, as on the national platform: section → stage → subject → edition → book (grade and
volume) → chapter tree. `browse_context(params)` builds everything the `catalog/_browse_nav.html`
include needs from query parameters, and the filters for "resources under this choice".
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils import timezone, translation

from zhijiao.catalog.models import (
    Book,
    Chapter,
    ChapterLink,
    Edition,
    GradeEdition,
    KnowledgePoint,
    Section,
    Stage,
    Subject,
)
from zhijiao.core.cache import generation, generation_bump, prefetch_on_every_request

# The section whose resources hang off the textbook tree (课程教学).
COURSE_SECTION = "kcjx"
# Catalog reads shared through the cache (core.cache) under this generation, bumped by `catalog_changed`;
# edits in /ops/admin/ also bump it, and the timeout bounds anything that slipped past both.
CATALOG = "catalog"
CATALOG_CACHE_SECONDS = 600
prefetch_on_every_request(CATALOG)  # (browse, search and the resource page all read it)


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


# --- the whole tree in memory ---------------------------------------------------------------------

@dataclass
class CatalogSnapshot:
    """The textbook tree — sections, stages, subjects, editions, books, chapters; no knowledge points — in
    this process's memory. A district's catalog is a few thousand rows and every browse page reads its
    choices: here they are found without a query. Related objects are attached (a book's stage, subject
    and edition; a chapter's book). Read again when the catalog's generation changes, and at the latest
    after CATALOG_CACHE_SECONDS."""

    generation: int
    loaded_at: float
    sections: list[Section]  # active ones, in order
    stages: list[Stage]
    subjects: list[Subject]
    subjects_by_stage: dict[int, list[Subject]]
    edition_by_code: dict[str, Edition]
    editions_by_stage_subject: dict[tuple[int, int], list[Edition]]
    books_by_choice: dict[tuple[int, int, int], list[Book]]  # (stage, subject, edition) → by grade, volume
    book_by_code: dict[str, Book]
    chapters_by_book: dict[int, list[Chapter]]  # by path: parents before children
    chapter_by_key: dict[str, Chapter]
    # Same-lesson links between revisions: a chapter's id → the chapters of older revisions it replaces.
    older_by_chapter: dict[int, list[Chapter]] = field(default_factory=dict)
    # Grade editions: (org node path, stage id, subject id, grade) → GradeEdition (district and school rows).
    grade_editions: dict[tuple[str, int, int, int], GradeEdition] = field(default_factory=dict)
    in_use_by_school: dict[str, frozenset[str]] = field(default_factory=dict)  # books_in_use, filled on demand
    _chapter_by_id: dict[int, Chapter] | None = None  # filled on demand

    @classmethod
    def load(cls, gen: int) -> CatalogSnapshot:
        stages_ = list(Stage.objects.all())
        subjects = list(Subject.objects.all())
        editions = {e.pk: e for e in Edition.objects.all()}
        stage_by_id, subject_by_id = {x.pk: x for x in stages_}, {x.pk: x for x in subjects}
        subjects_by_stage: dict[int, list[Subject]] = {}
        for stage_id, subject_id in Subject.stages.through.objects.values_list("stage_id", "subject_id"):
            subjects_by_stage.setdefault(stage_id, []).append(subject_by_id[subject_id])
        order = {x.pk: i for i, x in enumerate(subjects)}
        for lst in subjects_by_stage.values():
            lst.sort(key=lambda x: order[x.pk])
        books = list(Book.objects.order_by("grade_level", "volume", "pk"))
        by_choice: dict[tuple[int, int, int], list[Book]] = {}
        for b in books:
            b.stage, b.subject, b.edition = stage_by_id[b.stage_id], subject_by_id[b.subject_id], editions[b.edition_id]
            by_choice.setdefault((b.stage_id, b.subject_id, b.edition_id), []).append(b)
        edition_order = {e.pk: i for i, e in enumerate(editions.values())}
        editions_by: dict[tuple[int, int], list[Edition]] = {}
        for stage_id, subject_id, edition_id in sorted(by_choice, key=lambda k: edition_order[k[2]]):
            editions_by.setdefault((stage_id, subject_id), []).append(editions[edition_id])
        book_by_id = {b.pk: b for b in books}
        chapters_by_book: dict[int, list[Chapter]] = {}
        chapter_by_key = {}
        chapter_by_id = {}
        for c in Chapter.objects.order_by("book_id", "path"):
            c.book = book_by_id[c.book_id]
            chapters_by_book.setdefault(c.book_id, []).append(c)
            chapter_by_key[c.key] = c
            chapter_by_id[c.pk] = c
        older: dict[int, list[Chapter]] = {}
        for old_id, new_id in ChapterLink.objects.order_by("old_id").values_list("old_id", "new_id"):
            older.setdefault(new_id, []).append(chapter_by_id[old_id])
        grade_editions = {(g.node.path, g.stage_id, g.subject_id, g.grade_level): g
                          for g in GradeEdition.objects.select_related("node")}
        return cls(generation=gen, loaded_at=time.monotonic(), sections=list(sections()), stages=stages_,
                   subjects=subjects, subjects_by_stage=subjects_by_stage,
                   edition_by_code={e.code: e for e in editions.values()}, editions_by_stage_subject=editions_by,
                   books_by_choice=by_choice, book_by_code={b.code: b for b in books},
                   chapters_by_book=chapters_by_book, chapter_by_key=chapter_by_key, older_by_chapter=older,
                   grade_editions=grade_editions)

    def edition_by_code_or_id(self, edition_id: int) -> Edition:
        return next(e for e in self.edition_by_code.values() if e.pk == edition_id)

    def tree(self, book: Book) -> list[TreeNode]:
        """`chapter_tree(book)`, from memory (new nodes each call: the caller marks them)."""
        roots: list[TreeNode] = []
        by_id: dict[int, TreeNode] = {}
        for c in self.chapters_by_book.get(book.pk, ()):
            node = TreeNode(id=c.pk, key=c.key, title=c.title, kind=c.kind, path=c.path, depth=c.depth)
            by_id[c.pk] = node
            parent = by_id.get(c.parent_id)
            (parent.children if parent else roots).append(node)
        return roots

    def descendant_ids(self, chapter: Chapter) -> list[int]:
        return [c.pk for c in self.chapters_by_book.get(chapter.book_id, ()) if c.path.startswith(chapter.path)]

    def chapter_by_id(self, chapter_id) -> Chapter | None:
        if not chapter_id:
            return None
        if self._chapter_by_id is None:
            self._chapter_by_id = {c.pk: c for c in self.chapter_by_key.values()}
        return self._chapter_by_id.get(chapter_id)

    def linked_older(self, chapter_ids) -> list[Chapter]:
        """The older-revision chapters linked (same lesson) to any of these chapters, in book and path order."""
        seen: dict[int, Chapter] = {}
        for pk in chapter_ids:
            for old in self.older_by_chapter.get(pk, ()):
                seen[old.pk] = old
        return sorted(seen.values(), key=lambda c: (c.book_id, c.path))

    def linked_older_ids(self, chapter_ids) -> list[int]:
        """`linked_older` and every chapter under those (what is tagged on them counts for the new lesson)."""
        return [pk for old in self.linked_older(chapter_ids) for pk in self.descendant_ids(old)]


_snapshot: CatalogSnapshot | None = None
_snapshot_lock = threading.Lock()


def catalog_snapshot() -> CatalogSnapshot:
    """The catalog's current `CatalogSnapshot` (one cache read for the generation; the rows only when it
    changed)."""
    global _snapshot
    gen = generation(CATALOG)
    snap = _snapshot
    if snap is None or snap.generation != gen or time.monotonic() - snap.loaded_at > CATALOG_CACHE_SECONDS:
        with _snapshot_lock:
            snap = _snapshot
            if snap is None or snap.generation != gen or time.monotonic() - snap.loaded_at > CATALOG_CACHE_SECONDS:
                snap = _snapshot = CatalogSnapshot.load(gen)
    return snap


# --- browse --------------------------------------------------------------------------------------

@dataclass
class Choice:
    code: str
    label: str
    url: str
    current: bool = False
    in_use: bool = False  # a book: the one the user's school uses for that grade (年级用书)


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
    # Chapters of an older revision that teach the same lessons as the chosen chapter (or book): their
    # resources and questions are shown too, and the page names them ("含旧版《…》同课资源").
    linked_chapters: list[Chapter] = field(default_factory=list)
    linked_chapter_ids: list[int] = field(default_factory=list)  # those and every chapter under them
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

    @property
    def linked_books(self) -> list[str]:
        """Names of the older books whose linked chapters are included, for the notice."""
        return list(dict.fromkeys(c.book.name for c in self.linked_chapters))

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


def user_grades(user) -> list[tuple[str, int]]:
    """(subject name or "" for any subject, grade) pairs that decide which book a user lands on: a student's
    own class, a parent's child's class, a subject teacher's classes (of that subject), lowest grade first."""
    from zhijiao.accounts.selectors import scope_of

    out = []
    for role in scope_of(user).roles:
        grade = role.node.grade_level
        if not grade:
            continue
        if role.kind in ("student", "parent"):
            out.append(("", grade))
        elif role.kind == "subject_teacher" and role.subject:
            out.append((role.subject, grade))
    return sorted(set(out), key=lambda t: (t[1], t[0]))


def _default_book(snap: CatalogSnapshot, get, school_path: str, grades) -> str:
    """The code of the book the user's school uses for the user's grade, when a subject is opened without an
    edition, book or chapter ("" when nothing applies: today's behaviour)."""
    if not school_path or not grades or get("edition") or get("book") or get("chapter"):
        return ""
    if get("section") and get("section") != COURSE_SECTION:
        return ""
    stage = next((s for s in snap.stages if s.code == get("stage")), None)
    subject = next((s for s in snap.subjects if s.code == get("subject")), None)
    if stage is None or subject is None:
        return ""
    grade = next((g for name, g in grades if name in ("", subject.name, subject.code)
                  and stage.first_grade <= g <= stage.last_grade), None)
    if grade is None:
        return ""
    steps = school_path.rstrip(".").split(".")
    chain = ["".join(s + "." for s in steps[:i]) for i in range(len(steps), 0, -1)]
    choice = _grade_choice(snap, chain, True, stage.pk, subject.pk, grade)
    if choice is None:
        return ""
    books = [b for b in snap.books_by_choice.get((stage.pk, subject.pk, choice.edition.pk), ())
             if b.grade_level == grade and b.revision == choice.revision]
    term = current_term_volume()
    book = next((b for b in books if b.volume == term), books[0] if books else None)
    return book.code if book else ""


def current_term_volume() -> str:
    """The volume of the current term: 下 February–July, else 上."""
    return "下" if 2 <= timezone.localdate().month <= 7 else "上"


def books_in_use_for(user) -> list[Book]:
    """The books the user's school uses for the user's grades and subjects (`user_grades`: a subject
    teacher's classes, a student's class): lowest grade first, the current term's volume before the other.
    From the cached catalog and the cached scope: no query."""
    school = school_path_of(user)
    grades = user_grades(user) if school else []
    if not grades:
        return []
    snap = catalog_snapshot()
    in_use = [snap.book_by_code[c] for c in books_in_use(school) if c in snap.book_by_code]
    term = current_term_volume()
    out = {b.pk: b for name, grade in grades for b in in_use
           if b.grade_level == grade and name in ("", b.subject.name, b.subject.code)}
    return sorted(out.values(), key=lambda b: (b.grade_level, b.volume != term, b.subject.order, b.volume, b.code))


def book_for_class(klass, subject) -> Book | None:
    """The book a class's grade uses for `subject` (a Subject or its name) this term, by its school's
    年级用书 (None when nothing is chosen or the class has no grade). From the cached catalog."""
    snap = catalog_snapshot()
    if isinstance(subject, str):
        subject = next((s for s in snap.subjects if subject in (s.name, s.code)), None)
    grade = getattr(klass, "grade_level", None)
    if subject is None or not grade or not klass.path:
        return None
    steps = klass.path.rstrip(".").split(".")
    school = ".".join(steps[:3]) + "."
    books = [snap.book_by_code[c] for c in books_in_use(school) if c in snap.book_by_code]
    books = [b for b in books if b.grade_level == grade and b.subject_id == subject.pk]
    term = current_term_volume()
    return next((b for b in books if b.volume == term), books[0] if books else None)


def book_by_id(book_id) -> Book | None:
    """A book from the cached catalog (stage, subject and edition attached)."""
    return next((b for b in catalog_snapshot().book_by_code.values() if b.pk == book_id), None) if book_id else None


@dataclass
class BookScope:
    """What "questions or evidence of this book (or chapter)" covers: its chapters and the chapters of older
    revisions linked to them (same lesson), with those older chapters named for the page's notice."""

    book: Book
    chapter_ids: list[int]
    linked_chapters: list[Chapter]
    linked_chapter_ids: list[int]

    @property
    def linked_books(self) -> list[str]:
        return list(dict.fromkeys(c.book.name for c in self.linked_chapters))


def book_scope(book: Book, chapter: Chapter | None = None) -> BookScope:
    """`BookScope` of a book, or of one chapter of it (the chapter and everything under it). No query."""
    snap = catalog_snapshot()
    ids = snap.descendant_ids(chapter) if chapter else [c.pk for c in snap.chapters_by_book.get(book.pk, ())]
    return BookScope(book=book, chapter_ids=ids, linked_chapters=snap.linked_older(ids),
                     linked_chapter_ids=snap.linked_older_ids(ids))


def book_chapters(book: Book) -> list[Chapter]:
    """The book's chapters in book order (parents before children), from the cached catalog."""
    return list(catalog_snapshot().chapters_by_book.get(book.pk, ()))


def browse_context(params, *, base_url: str = "", school_path: str = "", grades=()) -> BrowseNav:
    """Resolve browse choices from query parameters (unknown or inconsistent values are dropped).

    `params` is a QueryDict or dict with any of: section, stage, subject, edition (codes), book (code),
    chapter (Chapter.key). Choosing a chapter implies its book, stage, subject and edition.
    `school_path`: the user's school (`school_path_of(user)`): the books its grades use are marked.
    `grades`: `user_grades(user)`: a subject opened without edition/book lands on the school's book for it.
    The result depends on the catalog alone: it is built from `catalog_snapshot()`, without a query.
    """
    get = (lambda k: (params.get(k) or "").strip()[:200]) if params is not None else (lambda k: "")
    snap = catalog_snapshot()
    default = _default_book(snap, get, school_path, grades)
    if default:  # land on the school's book for the grade; the edition row still switches
        raw_get = get

        def get(k):
            return default if k == "book" else raw_get(k)
    key = "\x1f".join([base_url, translation.get_language() or "", *(get(k) for k in BROWSE_PARAMS)])
    key = hashlib.sha1(key.encode()).hexdigest()
    nav = _browse_context(snap, get, base_url, f"{snap.generation}:{key}")
    if school_path and nav.books:
        in_use = books_in_use(school_path)
        for c in nav.books:
            c.in_use = c.code in in_use
        marked = [c.code for c in nav.books if c.in_use]
        if marked:  # schools with the same books in use share the cached HTML
            nav.cache_key += ":" + hashlib.sha1(",".join(marked).encode()).hexdigest()[:12]
    return nav


def _browse_context(snap: CatalogSnapshot, get, base_url: str, cache_key: str) -> BrowseNav:
    nav = BrowseNav(base_url=base_url, cache_key=cache_key)
    all_sections = snap.sections
    nav.section = next((s for s in all_sections if s.code == get("section")), None)

    chapter = snap.chapter_by_key.get(get("chapter"))
    book = chapter.book if chapter else snap.book_by_code.get(get("book"))
    if book is not None:
        nav.stage, nav.subject, nav.edition, nav.book = book.stage, book.subject, book.edition, book
        nav.chapter = chapter if chapter and chapter.book_id == book.pk else None
    else:
        nav.stage = next((s for s in snap.stages if s.code == get("stage")), None) if get("stage") else None
        nav.subject = next((s for s in snap.subjects if s.code == get("subject")), None) if get("subject") else None
        if nav.subject and nav.stage and nav.subject not in snap.subjects_by_stage.get(nav.stage.pk, ()):
            nav.subject = None
        nav.edition = snap.edition_by_code.get(get("edition")) if nav.subject else None
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
                      for s in snap.stages]
    if nav.stage:
        nav.subjects = [Choice(s.code, s.name, _url(base_url, p, subject=s.code), current=s == nav.subject)
                        for s in snap.subjects_by_stage.get(nav.stage.pk, ())]
    if nav.stage and nav.subject:
        nav.editions = [Choice(e.code, e.name, _url(base_url, p, edition=e.code), current=e == nav.edition)
                        for e in snap.editions_by_stage_subject.get((nav.stage.pk, nav.subject.pk), ())]
    if nav.stage and nav.subject and nav.edition:
        nav.books = [Choice(b.code, b.volume_label, _url(base_url, p, book=b.code), current=b == nav.book)
                     for b in snap.books_by_choice.get((nav.stage.pk, nav.subject.pk, nav.edition.pk), ())]
    if nav.book:
        nav.tree = snap.tree(nav.book)
        current_path = nav.chapter.path if nav.chapter else None
        stack = list(nav.tree)
        while stack:
            node = stack.pop()
            node.url = _url(base_url, p, chapter=node.key)
            node.current = node.path == current_path
            node.open = bool(current_path and current_path.startswith(node.path) and not node.current)
            stack.extend(node.children)
    if nav.chapter:
        nav.chapter_ids = snap.descendant_ids(nav.chapter)
        nav.linked_chapters = snap.linked_older(nav.chapter_ids)
        nav.linked_chapter_ids = snap.linked_older_ids(nav.chapter_ids)
        nav.chapter_ids = nav.chapter_ids + nav.linked_chapter_ids
    elif nav.book:
        ids = [c.pk for c in snap.chapters_by_book.get(nav.book.pk, ())]
        nav.linked_chapters = snap.linked_older(ids)
        nav.linked_chapter_ids = snap.linked_older_ids(ids)
    return nav


# --- same lesson across revisions -----------------------------------------------------------------

def linked_older_chapter_ids(chapter_ids) -> list[int]:
    """Chapters of older revisions that teach the same lessons as these (and everything under them), from
    the cached catalog: a question or resource tagged on one of them belongs to the new lesson too."""
    return catalog_snapshot().linked_older_ids(chapter_ids)


def same_lessons_in_older_revisions(chapter: Chapter) -> list[int]:
    """`linked_older_chapter_ids` of the chapter and everything under it (no query)."""
    snap = catalog_snapshot()
    return snap.linked_older_ids(snap.descendant_ids(chapter))


# --- which book a grade uses ------------------------------------------------------------------------

def _node_chain(node) -> list[str]:
    """The materialised paths from `node` up to the root, nearest first."""
    steps = node.path.rstrip(".").split(".") if node is not None and node.path else []
    return ["".join(s + "." for s in steps[:i]) for i in range(len(steps), 0, -1)]


@dataclass(frozen=True)
class GradeChoice:
    """The edition and revision a grade uses for a subject, and who decided it."""

    edition: Edition
    revision: str
    decided_by: str  # "district", "school"
    row: GradeEdition


def grade_edition_for(*, school, stage: Stage, subject: Subject, grade: int) -> GradeChoice | None:
    """The edition and revision `grade` of `school` uses for `subject` (None: nobody has chosen).

    A school's own choice counts where its district allows it (the district's row says so) or where the
    district has not chosen for that grade; otherwise the district's choice holds. From the cached catalog.
    """
    return _grade_choice(catalog_snapshot(), _node_chain(school), school is not None and school.kind == "school",
                         stage.pk, subject.pk, grade)


def _grade_choice(snap: CatalogSnapshot, chain: list[str], is_school: bool, stage_id: int, subject_id: int,
                  grade: int) -> GradeChoice | None:
    rows = [snap.grade_editions.get((path, stage_id, subject_id, grade)) for path in chain]
    school_row = rows[0] if rows and is_school else None
    upper = next((r for r in rows[1:] if r is not None), None) if school_row is not None else next(
        (r for r in rows if r is not None), None)
    if school_row is not None and (upper is None or upper.schools_may_choose):
        chosen, by = school_row, "school"
    elif upper is not None:
        chosen, by = upper, "district"
    else:
        return None
    return GradeChoice(edition=snap.edition_by_code_or_id(chosen.edition_id), revision=chosen.revision,
                       decided_by=by, row=chosen)


def school_path_of(user) -> str:
    """The materialised path of the school the user belongs to (the first, for staff of several), or "" for
    a district-level user. A role below a school (grade, class) belongs to the school whose path is its
    path's first three steps, as in `accounts.selectors`."""
    from zhijiao.accounts.selectors import scope_of

    for role in scope_of(user).roles:
        steps = role.node.path.split(".")
        if role.node.kind == "school" or (role.node.depth >= 2 and len(steps) > 3):
            return ".".join(steps[:3]) + "."
    return ""


def books_in_use(school_path: str) -> frozenset[str]:
    """Codes of the books the grades of this school use, by the district's and the school's choices (the
    choices and books come from the cached catalog: no query; remembered per school with the snapshot)."""
    snap = catalog_snapshot()
    known = snap.in_use_by_school.get(school_path)
    if known is not None:
        return known
    steps = school_path.rstrip(".").split(".") if school_path else []
    chain = ["".join(s + "." for s in steps[:i]) for i in range(len(steps), 0, -1)]
    wanted = {(st, sub, g) for (path, st, sub, g) in snap.grade_editions if path in chain}
    codes = set()
    for stage_id, subject_id, grade in wanted:
        choice = _grade_choice(snap, chain, True, stage_id, subject_id, grade)
        if choice is None:
            continue
        codes.update(b.code for b in snap.books_by_choice.get((stage_id, subject_id, choice.edition.pk), ())
                     if b.grade_level == grade and b.revision == choice.revision)
    snap.in_use_by_school[school_path] = frozenset(codes)
    return snap.in_use_by_school[school_path]


def book_for_grade(*, school, stage: Stage, subject: Subject, grade: int, volume: str) -> Book | None:
    """The book a grade of a school uses (its chosen edition and revision), or None when nothing is chosen
    or the chosen revision has no such volume in the catalog."""
    choice = grade_edition_for(school=school, stage=stage, subject=subject, grade=grade)
    if choice is None:
        return None
    snap = catalog_snapshot()
    return next((b for b in snap.books_by_choice.get((stage.pk, subject.pk, choice.edition.pk), ())
                 if b.grade_level == grade and b.volume == volume and b.revision == choice.revision), None)


def revisions_for(stage: Stage, subject: Subject, grade: int) -> list[tuple[Edition, str, int | None]]:
    """The (edition, revision, in-use-from year) pairs the catalog has for a grade of a stage's subject."""
    snap = catalog_snapshot()
    out: dict[tuple[int, str], tuple[Edition, str, int | None]] = {}
    for edition in snap.editions_by_stage_subject.get((stage.pk, subject.pk), ()):
        for b in snap.books_by_choice.get((stage.pk, subject.pk, edition.pk), ()):
            if b.grade_level == grade:
                out.setdefault((edition.pk, b.revision), (edition, b.revision, b.in_use_from))
    return sorted(out.values(), key=lambda t: (t[0].order, t[0].pk, t[2] or 0, t[1]))


@dataclass
class EditionOption:
    value: str  # "<edition code>|<revision>"
    label: str  # 统编版 · 2024年版（2024 年起用）
    edition: Edition
    revision: str


@dataclass
class GradeEditionRow:
    """One line of the 年级用书 page: a grade's subject, what the catalog offers, who chose what."""

    stage: Stage
    subject: Subject
    grade: int
    options: list[EditionOption]
    district: GradeEdition | None
    own: GradeEdition | None  # the school's own row (on a school's page)
    editable: bool
    error: str = ""  # set by the page when a submitted value is refused

    @property
    def field(self) -> str:
        return f"g-{self.stage.code}-{self.subject.code}-{self.grade}"

    @property
    def grade_label(self) -> str:
        from zhijiao.catalog.models import GRADE_LABELS

        return GRADE_LABELS.get(self.grade, str(self.grade))

    @property
    def shown(self) -> GradeEdition | None:
        """The choice in force: the school's own where it may choose, else the district's."""
        return self.own if (self.own is not None and self.editable) else self.district

    @property
    def current_value(self) -> str:
        row = self.shown
        if row is None:
            return ""
        code = next((o.edition.code for o in self.options if o.edition.pk == row.edition_id), "")
        return f"{code}|{row.revision}" if code else ""


def _option_label(edition: Edition, revision: str, since: int | None) -> str:
    from django.utils.translation import gettext as _

    shown_revision = revision or _("未注明版次")  # outside the f-string, so makemessages finds it
    label = f"{edition.name} · {shown_revision}"
    return label + (_("（%(y)s 年起用）") % {"y": since} if since else "")


def grade_edition_rows(node) -> list[GradeEditionRow]:
    """The 年级用书 page of a district (every grade and subject the catalog has books for) or of a school
    (the grades its school type teaches), from the cached catalog."""
    from zhijiao.core.models import SCHOOL_TYPE_GRADES, NodeKind

    snap = catalog_snapshot()
    chain = _node_chain(node)
    grades = set(SCHOOL_TYPE_GRADES.get(node.school_type, range(1, 13))) if node.kind == NodeKind.SCHOOL else None
    rows = []
    for stage in snap.stages:
        for subject in snap.subjects_by_stage.get(stage.pk, ()):
            for grade in range(stage.first_grade, stage.last_grade + 1):
                if grades is not None and grade not in grades:
                    continue
                options = [EditionOption(f"{e.code}|{r}", _option_label(e, r, since), e, r)
                           for e, r, since in revisions_for(stage, subject, grade)]
                if not options:
                    continue
                if node.kind == NodeKind.SCHOOL:
                    district = next((snap.grade_editions.get((p, stage.pk, subject.pk, grade)) for p in chain[1:]
                                     if (p, stage.pk, subject.pk, grade) in snap.grade_editions), None)
                    own = snap.grade_editions.get((node.path, stage.pk, subject.pk, grade))
                    editable = district is None or district.schools_may_choose
                else:
                    district, own, editable = snap.grade_editions.get((node.path, stage.pk, subject.pk, grade)), \
                        None, True
                rows.append(GradeEditionRow(stage, subject, grade, options, district, own, editable))
    return rows


def edition_choice_node(user):
    """The org node whose 年级用书 this user sets: a district admin's district, else a school admin's school;
    None for everyone else (teachers, students, parents, CIOs, supervisors)."""
    from zhijiao.accounts.models import RoleKind
    from zhijiao.accounts.selectors import scope_of

    scope = scope_of(user)
    for kind in (RoleKind.DISTRICT_ADMIN, RoleKind.SCHOOL_ADMIN):
        role = next((r for r in scope.roles if r.kind == kind), None)
        if role is not None:
            return role.node
    return None


# --- renamed lessons: candidate links for a reviewer -------------------------------------------------------

@dataclass
class LinkCandidate:
    """A proposed same-lesson link between a chapter of an older revision and one of a newer (review step:
    nothing is linked until a district admin confirms it)."""

    old: Chapter
    new: Chapter
    ratio: float
    reasons: list[str]

    @property
    def value(self) -> str:
        return f"{self.old.pk}:{self.new.pk}"


def revision_pairs() -> list[tuple[Book, Book]]:
    """(older, newer) revisions of the same book — same stage, subject, edition, grade and volume — by the
    year they came into use (the book without a 版次 first), from the cached catalog."""
    snap = catalog_snapshot()
    groups: dict[tuple, list[Book]] = {}
    for b in snap.book_by_code.values():
        groups.setdefault((b.stage_id, b.subject_id, b.edition_id, b.grade_level, b.volume), []).append(b)
    pairs = []
    for books in groups.values():
        books.sort(key=lambda b: (bool(b.revision), b.in_use_from or 0, b.revision))
        pairs.extend(zip(books, books[1:], strict=False))
    return sorted(pairs, key=lambda p: (p[1].stage.order, p[1].subject.order, p[1].grade_level, p[1].volume))


def chapter_links_between(old_book: Book, new_book: Book) -> list[tuple[Chapter, Chapter]]:
    """The same-lesson links already made between the two books, in the new book's order."""
    snap = catalog_snapshot()
    return [(old, new) for new in snap.chapters_by_book.get(new_book.pk, ())
            for old in snap.older_by_chapter.get(new.pk, ()) if old.book_id == old_book.pk]


def link_candidates(old_book: Book, new_book: Book) -> list[LinkCandidate]:
    """Lessons of `new_book` not yet linked, each with the unlinked lesson of `old_book` most likely to be the
    same lesson under a changed title (`lessons.candidate_score`: same place in the book, one title holding
    the other, difflib similarity). Units are never proposed (第一单元 is in every book). An old lesson is
    proposed for one new lesson at most, the best-scoring first."""
    from zhijiao.catalog.lessons import candidate_score

    snap = catalog_snapshot()
    linked = chapter_links_between(old_book, new_book)
    taken_old, taken_new = {o.pk for o, _n in linked}, {n.pk for _o, n in linked}
    olds = [c for c in snap.chapters_by_book.get(old_book.pk, ()) if c.kind != "unit" and c.pk not in taken_old]
    news = [c for c in snap.chapters_by_book.get(new_book.pk, ()) if c.kind != "unit" and c.pk not in taken_new]
    scored = []
    for new in news:
        for old in olds:
            got = candidate_score(old.title, new.title, old.path == new.path)
            if got is not None:
                scored.append((got[0], old, new, got[1], got[2]))
    scored.sort(key=lambda t: (-t[0], t[2].path, t[1].path))
    out, used_old, used_new = [], set(), set()
    for _score, old, new, ratio, reasons in scored:
        if old.pk in used_old or new.pk in used_new:
            continue
        used_old.add(old.pk)
        used_new.add(new.pk)
        out.append(LinkCandidate(old=old, new=new, ratio=round(ratio, 2), reasons=reasons))
    return sorted(out, key=lambda c: c.new.path)
