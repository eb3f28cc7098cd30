"""The org API: schools, classes, rosters, and the admins' people and class endpoints."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.pagination import PageNumberPagination, paginate

from zhijiao.accounts.models import RoleKind
from zhijiao.accounts.selectors import (
    access_admin_node,
    access_class,
    access_managed_person,
    access_student,
    admin_may_manage_account,
    class_students,
    mask_phone,
    people_search,
    require_admin,
    scope_of,
)

org_router = Router(tags=["org"])


class NodeOut(Schema):
    id: int
    kind: str
    name: str
    path: str


class StudentOut(Schema):
    id: int
    name: str
    student_number: str | None


@org_router.get("/schools", response=list[NodeOut], summary="我可见的学校")
def schools(request):
    return list(scope_of(request.auth).schools().order_by("path")[:1000])


@org_router.get("/classes", response=list[NodeOut], summary="我可见的班级")
def classes(request):
    return list(scope_of(request.auth).classes().order_by("path")[:2000])


@org_router.get("/classes/{class_id}/students", response=list[StudentOut], summary="班级学生名单")
def class_roster(request, class_id: int):
    klass = access_class(request.auth, class_id)
    scope = scope_of(request.auth)
    # A student or parent may see that the class exists, but not its roster.
    if not (scope.taught_class_ids & {klass.pk} or scope.sees_node(klass)):
        raise Http404
    return [{"id": s.pk, "name": s.display_name, "student_number": s.student_number} for s in class_students(klass)]


@org_router.get("/students/{student_id}", response=StudentOut, summary="学生信息")
def student(request, student_id: int):
    s = access_student(request.auth, student_id)
    return {"id": s.pk, "name": s.display_name, "student_number": s.student_number}


# --- admins ---------------------------------------------------------------------------------------


def _admin(request):
    try:
        scope = require_admin(request.auth)
    except PermissionDenied:
        raise HttpError(403, _("仅学校或区县管理员可用。"))
    if request.auth.must_change_password:
        raise HttpError(403, _("请先修改临时密码，再使用管理功能。"))
    return scope


def _field_error(field: str, message: str) -> ValidationError:
    """A 422 answer naming the field, in the same shape as every other bad-input answer."""
    return ValidationError([{"loc": ["body", "payload", field], "msg": message}])


class BoundedPageNumberPagination(PageNumberPagination):
    """Ninja's page-number pagination with an upper bound on `page`, so an absurd page number is a 422
    with the field named, not an integer overflow in the database (a 500)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=100)


class PersonOut(Schema):
    id: int
    username: str
    name: str
    phone: str = Field("", description="masked: 138****1234")
    student_number: str | None
    roles: list[str]
    is_active: bool
    must_change_password: bool

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name

    @staticmethod
    def resolve_phone(obj) -> str:
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_roles(obj) -> list[str]:
        return sorted({r.kind for r in obj.roles.all()})


@org_router.get("/people", response=list[PersonOut], summary="管理范围内的人员（分页）")
@paginate(BoundedPageNumberPagination, page_size=50, max_page_size=100)
def people(request, role: RoleKind | None = None, school_id: int | None = None):
    """People an admin manages, 50 a page (`?page=2`). Filters are ids and roles only: no names in URLs."""
    _admin(request)
    return people_search(request.auth, role=role or "", school_id=school_id).prefetch_related("roles")


class ClassIn(Schema):
    grade_id: int = Field(..., description="the grade (年级) node the class goes under")
    name: str = Field(..., min_length=1, max_length=100, description="e.g. 一年级(5)班")
    code: str = Field("", max_length=40)
    campus_id: int | None = None


class ClassOut(Schema):
    id: int
    kind: str
    name: str
    path: str
    grade_id: int
    campus_id: int | None


@org_router.post("/classes", response={201: ClassOut}, summary="新建班级（管理员）")
def class_create_api(request, payload: ClassIn):
    from zhijiao.accounts.actions import ManageError, class_create
    from zhijiao.core.models import NodeKind

    _admin(request)
    grade = access_admin_node(request.auth, payload.grade_id)
    if grade.kind != NodeKind.GRADE:
        raise _field_error("grade_id", _("班级只能建在年级下。"))
    campus = None
    if payload.campus_id is not None:
        try:
            campus = access_admin_node(request.auth, payload.campus_id)
        except Http404:
            raise _field_error("campus_id", _("找不到这个校点。"))
    try:
        klass = class_create(actor=request.auth, grade=grade, name=payload.name, code=payload.code, campus=campus)
    except ManageError as exc:
        raise _field_error(exc.field or "name", exc.message)
    return Status(201, {"id": klass.pk, "kind": klass.kind, "name": klass.name, "path": klass.path,
                        "grade_id": grade.pk, "campus_id": klass.campus_id})


class TemporaryPasswordOut(Schema):
    id: int
    temporary_password: str = Field(..., description="shown once; the person must change it at next login")
    must_change_password: bool = True


@org_router.post("/people/{person_id}/reset-password", response=TemporaryPasswordOut,
                 summary="重置密码（管理员）：返回一次性临时密码")
def reset_password(request, person_id: int, response: HttpResponse):
    from zhijiao.accounts.actions import password_reset_by_admin

    _admin(request)
    person = access_managed_person(request.auth, person_id)
    ok, why = admin_may_manage_account(request.auth, person)
    if not ok:
        raise HttpError(403, why)
    temporary = password_reset_by_admin(admin=request.auth, person=person)
    response["Cache-Control"] = "no-store"
    return {"id": person.pk, "temporary_password": temporary, "must_change_password": True}
