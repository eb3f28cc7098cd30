"""Read-only catalog API for apps and phones: books by stage/subject/edition and a book's chapter tree."""

from django.http import Http404
from ninja import Router, Schema

from zhijiao.catalog.models import Book
from zhijiao.catalog.selectors import book_by_code, chapter_tree

router = Router(tags=["catalog 教材目录"])


class BookOut(Schema):
    code: str
    name: str
    stage: str
    subject: str
    edition: str
    grade: int
    volume: str
    volume_label: str  # as on the browse pages: 三年级上册, 必修第一册, 选择性必修1 化学反应原理
    revision: str = ""  # 版次, e.g. "2024年版"; "" for the edition shipped before revisions were recorded
    since: int | None = None  # the year the book came into use


class ChapterOut(Schema):
    key: str
    title: str
    kind: str
    children: list["ChapterOut"] = []


ChapterOut.model_rebuild()


@router.get("/books", response=list[BookOut])
def list_books(request, stage: str = "", subject: str = "", edition: str = ""):
    qs = Book.objects.select_related("stage", "subject", "edition")
    if stage:
        qs = qs.filter(stage__code=stage)
    if subject:
        qs = qs.filter(subject__code=subject)
    if edition:
        qs = qs.filter(edition__code=edition)
    return [BookOut(code=b.code, name=b.name, stage=b.stage.code, subject=b.subject.code, edition=b.edition.code,
                    grade=b.grade_level, volume=b.volume, volume_label=b.volume_label, revision=b.revision,
                    since=b.in_use_from)
            for b in qs[:500]]


def _out(nodes) -> list[ChapterOut]:
    return [ChapterOut(key=n.key, title=n.title, kind=n.kind, children=_out(n.children)) for n in nodes]


@router.get("/books/{code}/chapters", response=list[ChapterOut])
def book_chapters(request, code: str):
    book = book_by_code(code)
    if book is None:
        raise Http404("book not found")
    return _out(chapter_tree(book))
