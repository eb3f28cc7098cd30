from ninja import Router, Schema

from zhijiao.accounts.selectors import access_class, access_student, class_students, scope_of

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
        from django.http import Http404

        raise Http404
    return [{"id": s.pk, "name": s.display_name, "student_number": s.student_number} for s in class_students(klass)]


@org_router.get("/students/{student_id}", response=StudentOut, summary="学生信息")
def student(request, student_id: int):
    s = access_student(request.auth, student_id)
    return {"id": s.pk, "name": s.display_name, "student_number": s.student_number}
