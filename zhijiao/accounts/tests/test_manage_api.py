"""The admins' org API: people (paginated, scoped), class creation (422 field errors), password reset."""

import pytest

from zhijiao.accounts.models import AuditAction, AuditLog, RoleKind, User
from zhijiao.core.models import NodeKind, OrgNode


def first_grade(school):
    return OrgNode.objects.filter(parent=school, kind=NodeKind.GRADE).order_by("grade_level").first()


def test_people_is_paginated_scoped_and_masked(api_as, users, demo):
    api = api_as(users["xiao_admin"])
    body = api.get("/api/v1/org/people").json()
    in_school = User.objects.filter(roles__node__path__startswith=demo.schools[0].path).distinct().count()
    assert body["count"] == in_school and len(body["items"]) == 50
    assert {p["username"] for p in body["items"]}.isdisjoint({"qu_admin", "duxue", "admin0002"})
    page2 = api.get("/api/v1/org/people?page=2").json()
    assert page2["items"][0]["id"] not in {p["id"] for p in body["items"]}
    teacher = users["laoshi"]
    heads = api.get("/api/v1/org/people?role=head_teacher&page_size=100").json()
    row = next(p for p in heads["items"] if p["id"] == teacher.pk)
    assert row["phone"] == teacher.phone[:3] + "****" + teacher.phone[-4:]
    assert "head_teacher" in row["roles"] and all("head_teacher" in p["roles"] for p in heads["items"])


def test_people_filters_refuse_bad_input_and_other_schools(api_as, users, demo):
    api = api_as(users["xiao_admin"])
    resp = api.get("/api/v1/org/people?role=emperor")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "role"
    assert api.get("/api/v1/org/people?page=zero").status_code == 422
    resp = api.get("/api/v1/org/people?page=100000000000000000000")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "page"
    assert api.get("/api/v1/org/people?page=0").status_code == 422
    assert len(api.get("/api/v1/org/people?page_size=100").json()["items"]) == 100
    assert api.get("/api/v1/org/people?page_size=5000").status_code == 422
    assert api.get("/api/v1/org/people?page=999").json()["items"] == []
    assert api.get(f"/api/v1/org/people?school_id={demo.schools[1].pk}").json()["count"] == 0
    district = api_as(users["qu_admin"]).get(f"/api/v1/org/people?school_id={demo.schools[1].pk}").json()
    assert district["count"] > 0


@pytest.mark.parametrize("username", ["laoshi", "xuesheng", "jiazhang", "duxue"])
def test_people_refuses_non_admins(api_as, users, username):
    assert api_as(users[username]).get("/api/v1/org/people").status_code == 403


def test_create_class(api_as, users, demo):
    grade = first_grade(demo.schools[0])
    resp = api_as(users["xiao_admin"]).post("/api/v1/org/classes", {"grade_id": grade.pk, "name": "一年级(7)班"},
                                            content_type="application/json")
    assert resp.status_code == 201
    body = resp.json()
    klass = OrgNode.objects.get(pk=body["id"])
    assert klass.parent == grade and body["grade_id"] == grade.pk and klass.kind == NodeKind.CLASS
    assert AuditLog.objects.filter(action=AuditAction.ADMIN_CHANGE, target_id=str(klass.pk)).exists()


@pytest.mark.parametrize("payload,field", [
    ({"name": "一年级(8)班"}, "grade_id"),
    ({"grade_id": "abc", "name": "一年级(8)班"}, "grade_id"),
    ({"grade_id": "GRADE"}, "name"),
    ({"grade_id": "GRADE", "name": ""}, "name"),
    ({"grade_id": "GRADE", "name": "x" * 101}, "name"),
    ({"grade_id": "GRADE", "name": "   "}, "name"),
    ({"grade_id": "GRADE", "name": "EXISTING"}, "name"),
    ({"grade_id": "SCHOOL", "name": "一年级(8)班"}, "grade_id"),
    ({"grade_id": "GRADE", "name": "一年级(8)班", "campus_id": 999999}, "campus_id"),
])
def test_create_class_bad_input_is_422_with_the_field(api_as, users, demo, payload, field):
    grade = first_grade(demo.schools[0])
    existing = OrgNode.objects.filter(parent=grade, kind=NodeKind.CLASS).first()
    subst = {"GRADE": grade.pk, "SCHOOL": demo.schools[0].pk, "EXISTING": existing.name}
    payload = {k: subst.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    before = OrgNode.objects.count()
    resp = api_as(users["xiao_admin"]).post("/api/v1/org/classes", payload, content_type="application/json")
    assert resp.status_code == 422, resp.content
    errors = resp.json()["errors"]
    assert any(e["field"] == field and e["message"] for e in errors), errors
    assert OrgNode.objects.count() == before


def test_create_class_malformed_json_is_a_4xx(api_as, users, demo):
    resp = api_as(users["xiao_admin"]).post("/api/v1/org/classes", "{not json", content_type="application/json")
    assert 400 <= resp.status_code < 500


def test_create_class_in_another_school_or_as_a_teacher_is_refused(api_as, users, demo):
    other = first_grade(demo.schools[1])
    resp = api_as(users["xiao_admin"]).post("/api/v1/org/classes", {"grade_id": other.pk, "name": "X班"},
                                            content_type="application/json")
    assert resp.status_code == 404
    mine = first_grade(demo.schools[0])
    resp = api_as(users["laoshi"]).post("/api/v1/org/classes", {"grade_id": mine.pk, "name": "X班"},
                                        content_type="application/json")
    assert resp.status_code == 403
    assert not OrgNode.objects.filter(name="X班").exists()


def test_reset_password(api_as, users, demo):
    teacher = users["laoshi2"]
    resp = api_as(users["xiao_admin"]).post(f"/api/v1/org/people/{teacher.pk}/reset-password")
    assert resp.status_code == 200 and resp["Cache-Control"] == "no-store"
    body = resp.json()
    teacher.refresh_from_db()
    assert body["must_change_password"] and teacher.must_change_password
    assert teacher.check_password(body["temporary_password"])
    # The token login refuses nothing, but the session API does until the password is changed.
    entry = AuditLog.objects.get(action=AuditAction.PASSWORD_RESET, target_id=str(teacher.pk))
    assert entry.actor == users["xiao_admin"]


def test_reset_password_scope(api_as, users, demo):
    other = User.objects.filter(roles__kind=RoleKind.TEACHER, roles__node=demo.schools[1]).first()
    assert api_as(users["xiao_admin"]).post(f"/api/v1/org/people/{other.pk}/reset-password").status_code == 404
    assert api_as(users["laoshi"]).post(f"/api/v1/org/people/{users['laoshi2'].pk}/reset-password").status_code == 403
    # A peer admin, or oneself: 403 with a reason.
    resp = api_as(users["xiao_admin"]).post(f"/api/v1/org/people/{users['xiao_cio'].pk}/reset-password")
    assert resp.status_code == 403 and "管理员" in resp.json()["detail"]
    resp = api_as(users["xiao_admin"]).post(f"/api/v1/org/people/{users['xiao_admin'].pk}/reset-password")
    assert resp.status_code == 403
    assert api_as(users["xiao_admin"]).post("/api/v1/org/people/99999999/reset-password").status_code == 404
