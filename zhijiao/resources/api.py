"""Resource API at /api/v1/resources/: list (scoped, filtered, paginated), detail, favourite, rate, comment."""

from datetime import datetime

from django.http import JsonResponse
from ninja import Field, Query, Router, Schema, Status

from zhijiao.catalog.models import Chapter
from zhijiao.resources import actions, selectors
from zhijiao.resources.models import Level, ResourceType

router = Router(tags=["resources"])


class ResourceOut(Schema):
    id: int
    type: str
    type_label: str
    title: str
    description: str
    authors: str
    level: str
    sharing: str
    status: str
    school_id: int | None
    subject: str | None
    grade_level: int | None
    duration_seconds: int | None
    licence: str
    tags: list[str]
    published_at: datetime | None
    view_count: int
    download_count: int
    favourite_count: int
    rating_average: float | None
    rating_count: int
    comment_count: int
    url: str


class ResourceDetailOut(ResourceOut):
    chapters: list[str]
    knowledge_points: list[str]
    files: list[dict]
    is_favourite: bool
    my_rating: int | None


class PageOut(Schema):
    items: list[ResourceOut]
    page: int
    page_size: int
    has_next: bool


class ListFilters(Schema):
    chapter: int | None = Field(None, description="章节 id（含下级章节）")
    type: ResourceType | None = Field(None, description="资源类型")
    level: Level | None = Field(None, description="级别")
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)


class RateIn(Schema):
    score: int = Field(..., ge=1, le=5, description="1–5 星")


class CommentIn(Schema):
    # Named `text`, not `body`: the platform's 422 handler drops "body" from error locations.
    text: str = Field(..., min_length=1, max_length=1000, description="评论内容")


class CommentOut(Schema):
    id: int
    status: str
    body: str
    created_at: datetime


class FavouriteOut(Schema):
    favourite: bool
    favourite_count: int


class RatingOut(Schema):
    score: int
    rating_average: float | None
    rating_count: int


def _out(r) -> dict:
    return {
        "id": r.pk, "type": r.type, "type_label": str(r.get_type_display()), "title": r.title,
        "description": r.description, "authors": r.authors, "level": r.level, "sharing": r.sharing,
        "status": r.status, "school_id": r.school_id, "subject": r.subject.name if r.subject_id else None,
        "grade_level": r.grade_level, "duration_seconds": r.duration_seconds, "licence": r.licence,
        "tags": list(r.tags or []), "published_at": r.published_at, "view_count": r.view_count,
        "download_count": r.download_count, "favourite_count": r.favourite_count,
        "rating_average": r.rating_average, "rating_count": r.rating_count, "comment_count": r.comment_count,
        "url": f"/resources/{r.pk}/",
    }


@router.get("/", response=PageOut, summary="资源列表（仅本人可见范围内已通过审核的资源）")
def list_resources(request, filters: Query[ListFilters]):
    chapter = None
    if filters.chapter is not None:
        chapter = Chapter.objects.filter(pk=filters.chapter).first()
        if chapter is None:
            return _invalid("chapter", "章节不存在")
    qs = selectors.browse_resources(request.auth, chapter=chapter, type=filters.type or "",
                                    level=filters.level or "")
    start = (filters.page - 1) * filters.page_size
    rows = list(qs[start: start + filters.page_size + 1])
    return {"items": [_out(r) for r in rows[: filters.page_size]], "page": filters.page,
            "page_size": filters.page_size, "has_next": len(rows) > filters.page_size}


@router.get("/{resource_id}", response=ResourceDetailOut, summary="资源详情（计一次浏览，几秒内计入 view_count）")
def resource_detail(request, resource_id: int):
    user = request.auth
    r = selectors.access_resource(user, resource_id)
    actions.resource_view(user=user, resource=r)  # counted off the request path (records.trail)
    data = _out(r)
    data.update(
        chapters=[c.title_path or c.title for c in r.chapters.all()],
        knowledge_points=list(r.knowledge_points.values_list("name", flat=True)),
        files=[{"id": f.pk, "name": f.original_name, "mime_type": f.mime_type, "size": f.size,
                "url": f"/resources/{r.pk}/files/{f.pk}/"} for f in selectors.resource_files(r)],
        is_favourite=selectors.is_favourite(user, r), my_rating=selectors.my_rating(user, r),
    )
    return data


class Invalid(Exception):
    def __init__(self, response: JsonResponse):
        self.response = response


def _invalid(field: str, message: str) -> JsonResponse:
    """The same shape as the platform's 422 answers: one message per field."""
    return JsonResponse({"detail": "invalid input", "errors": [{"field": field, "message": message}]}, status=422)


def _run(fn, **kwargs):
    try:
        return fn(**kwargs)
    except actions.ResourceError as exc:
        raise Invalid(_invalid(exc.field or "", exc.message)) from None


@router.post("/{resource_id}/favourite", response=FavouriteOut, summary="收藏")
def favourite_add(request, resource_id: int):
    r = selectors.access_resource(request.auth, resource_id)
    try:
        _run(actions.favourite_add, user=request.auth, resource=r)
    except Invalid as exc:
        return exc.response
    r.refresh_from_db(fields=["favourite_count"])
    return {"favourite": True, "favourite_count": r.favourite_count}


@router.delete("/{resource_id}/favourite", response=FavouriteOut, summary="取消收藏")
def favourite_remove(request, resource_id: int):
    r = selectors.access_resource(request.auth, resource_id)
    actions.favourite_remove(user=request.auth, resource=r)
    r.refresh_from_db(fields=["favourite_count"])
    return {"favourite": False, "favourite_count": r.favourite_count}


@router.post("/{resource_id}/rating", response=RatingOut, summary="评分（1–5，可修改）")
def rate(request, resource_id: int, payload: RateIn):
    r = selectors.access_resource(request.auth, resource_id)
    try:
        rating = _run(actions.rating_set, user=request.auth, resource=r, score=payload.score)
    except Invalid as exc:
        return exc.response
    r.refresh_from_db(fields=["rating_sum", "rating_count"])
    return {"score": rating.score, "rating_average": r.rating_average, "rating_count": r.rating_count}


@router.post("/{resource_id}/comments", response={201: CommentOut}, summary="发表评论（审核后显示）")
def comment(request, resource_id: int, payload: CommentIn):
    r = selectors.access_resource(request.auth, resource_id)
    try:
        c = _run(actions.comment_add, user=request.auth, resource=r, body=payload.text)
    except Invalid as exc:
        return exc.response
    return Status(201, {"id": c.pk, "status": c.status, "body": c.body, "created_at": c.created_at})
