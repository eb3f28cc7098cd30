"""Management pages: schools and classes, people, password reset, roles, scope, session expiry."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhijiao.accounts.models import ApiToken, AuditAction, AuditLog, Role, RoleKind, User
from zhijiao.core.models import NodeKind, OrgNode
from zhijiao.demo.logins import DEMO_PASSWORD
from zhijiao.records.models import Statement


def school(demo, i=0):
    return demo.schools[i]


def grade_of(school_node, level=None):
    qs = OrgNode.objects.filter(parent=school_node, kind=NodeKind.GRADE).order_by("grade_level")
    return qs.filter(grade_level=level).first() if level else qs.first()


def class_of(user):
    return user.roles.get(kind=RoleKind.STUDENT).node


# --- schools and classes ----------------------------------------------------------------------------

def test_district_admin_sees_every_school_with_type_ownership_and_campuses(client_as, users, demo):
    html = client_as(users["qu_admin"]).get(reverse("accounts:manage_org")).content.decode()
    for s in demo.schools:
        assert s.name in html
    assert "小学" in html and "公办" in html and "分校区" in html  # every 3rd demo school has two campuses
    assert "新建学校" in html


def test_school_admin_sees_own_grades_and_classes_with_counts(client_as, users, demo):
    resp = client_as(users["xiao_admin"]).get(reverse("accounts:manage_org"))
    html = resp.content.decode()
    assert resp.status_code == 200 and school(demo).name in html and school(demo, 1).name not in html
    klass = class_of(users["xuesheng"])
    assert klass.name in html and "一年级" in html
    # 12 students a class in the small demo, and its teachers counted once each.
    row = html[html.index(f'data-class="{klass.name}"'):]
    assert '<td data-testid="students">12</td>' in row[:800]
    assert "新建学校" not in html and "修改学校信息" not in html


@pytest.mark.parametrize("username", ["laoshi", "xuesheng", "jiazhang", "duxue"])
def test_non_admins_are_refused(client_as, users, username):
    client = client_as(users[username])
    for name in ("accounts:manage_org", "accounts:manage_people", "accounts:audit_log"):
        assert client.get(reverse(name)).status_code == 403


def test_an_admin_with_a_temporary_password_must_change_it_first(client_as, api_as, users):
    admin = users["xiao_admin"]
    admin.must_change_password = True
    admin.save()
    resp = client_as(admin).get(reverse("accounts:manage_people"))
    assert resp.status_code == 302 and resp.url == reverse("accounts:password_change")
    resp = api_as(admin).get("/api/v1/org/people")
    assert resp.status_code == 403 and "临时密码" in resp.json()["detail"]


def test_anonymous_goes_to_login(client, demo):
    resp = client.get(reverse("accounts:manage_people"))
    assert resp.status_code == 302 and "/accounts/login/" in resp.url


def test_another_schools_nodes_do_not_exist_for_a_school_admin(client_as, users, demo):
    client = client_as(users["xiao_admin"])
    other = school(demo, 1)
    other_grade = grade_of(other)
    assert client.get(reverse("accounts:manage_node", args=[other.pk])).status_code == 404
    resp = client.post(reverse("accounts:manage_node_add", args=[other_grade.pk]), {"name": "一年级(9)班"})
    assert resp.status_code == 404
    assert not OrgNode.objects.filter(name="一年级(9)班").exists()


def test_school_admin_creates_a_class_audited_and_recorded(client_as, users, demo):
    admin = users["xiao_admin"]
    grade = grade_of(school(demo))
    resp = client_as(admin).post(reverse("accounts:manage_node_add", args=[grade.pk]), {"name": "一年级(5)班"})
    assert resp.status_code == 302
    klass = OrgNode.objects.get(parent=grade, name="一年级(5)班")
    assert klass.kind == NodeKind.CLASS and klass.grade_level == grade.grade_level
    entry = AuditLog.objects.get(action=AuditAction.ADMIN_CHANGE, target_id=str(klass.pk))
    assert entry.actor == admin and entry.school == school(demo) and entry.detail["change"] == "class_created"
    assert Statement.objects.filter(actor=admin, object_id__endswith=f"/org-node/{klass.pk}").exists()
    page = client_as(admin).get(resp.url).content.decode()
    assert "一年级(5)班" in page and "已新建" in page


def test_duplicate_class_name_is_refused_and_input_kept(client_as, users, demo):
    klass = class_of(users["xuesheng"])
    resp = client_as(users["xiao_admin"]).post(reverse("accounts:manage_node_add", args=[klass.parent_id]),
                                               {"name": klass.name, "code": "C-77"})
    html = resp.content.decode()
    assert resp.status_code == 400 and "已有同名" in html and 'value="C-77"' in html
    assert OrgNode.objects.filter(parent=klass.parent, name=klass.name).count() == 1


def test_empty_class_name_gets_a_chinese_message(client_as, users, demo):
    grade = grade_of(school(demo))
    resp = client_as(users["xiao_admin"]).post(reverse("accounts:manage_node_add", args=[grade.pk]), {"name": "  "})
    assert resp.status_code == 400 and "这个字段是必填项" in resp.content.decode()


def test_rename_and_deactivate_a_class(client_as, users, demo):
    client = client_as(users["xiao_cio"])
    klass = class_of(users["xuesheng"])
    resp = client.post(reverse("accounts:manage_node_edit", args=[klass.pk]), {"name": "一年级(1)班·星火"})
    assert resp.status_code == 302
    klass.refresh_from_db()
    assert klass.name == "一年级(1)班·星火"
    client.post(reverse("accounts:manage_node_active", args=[klass.pk]), {"active": "0"})
    klass.refresh_from_db()
    assert not klass.is_active
    # Its students stay where they were.
    assert Role.objects.filter(node=klass, kind=RoleKind.STUDENT).count() == 12
    assert "已停用" in client.get(reverse("accounts:manage_org")).content.decode()
    client.post(reverse("accounts:manage_node_active", args=[klass.pk]), {"active": "1"})
    klass.refresh_from_db()
    assert klass.is_active
    changes = list(AuditLog.objects.filter(target_id=str(klass.pk)).values_list("detail__change", flat=True))
    assert sorted(changes) == ["deactivated", "reactivated", "renamed"]


def test_school_admin_creates_a_grade_but_not_a_campus_or_school_edit(client_as, users, demo):
    client = client_as(users["xiao_admin"])
    s = school(demo)  # a primary school: grades 1-6 exist already
    resp = client.post(reverse("accounts:manage_node_add", args=[s.pk]), {"kind": "grade", "grade_level": "1"})
    assert resp.status_code == 400  # 一年级 exists: not offered
    assert client.post(reverse("accounts:manage_node_add", args=[s.pk]),
                       {"kind": "campus", "name": "东区"}).status_code == 403
    assert client.get(reverse("accounts:manage_node_edit", args=[s.pk])).status_code == 403
    OrgNode.objects.filter(parent=s, grade_level=6).update(grade_level=None, name="旧六年级")
    resp = client.post(reverse("accounts:manage_node_add", args=[s.pk]), {"kind": "grade", "grade_level": "6"})
    assert resp.status_code == 302 and OrgNode.objects.filter(parent=s, grade_level=6, name="六年级").exists()


def test_district_admin_creates_and_edits_a_school_and_a_campus(client_as, users, demo):
    client = client_as(users["qu_admin"])
    district = demo.district
    bad = client.post(reverse("accounts:manage_node_add", args=[district.pk]),
                      {"name": "成都市新华小学", "code": "5101089999", "ownership": "public"})
    assert bad.status_code == 400 and 'value="成都市新华小学"' in bad.content.decode()
    resp = client.post(reverse("accounts:manage_node_add", args=[district.pk]),
                       {"name": "成都市新华小学", "code": "5101089999", "school_type": "primary",
                        "ownership": "private", "with_grades": "on"})
    assert resp.status_code == 302
    new = OrgNode.objects.get(name="成都市新华小学")
    assert new.ownership == "private" and OrgNode.objects.filter(parent=new, kind=NodeKind.GRADE).count() == 6
    dup = client.post(reverse("accounts:manage_node_add", args=[district.pk]),
                      {"name": "另一所学校", "code": "5101089999", "school_type": "junior", "ownership": "public"})
    assert dup.status_code == 400 and "已被其他学校使用" in dup.content.decode()
    assert client.post(reverse("accounts:manage_node_add", args=[new.pk]),
                       {"kind": "campus", "name": "东区"}).status_code == 302
    assert client.post(reverse("accounts:manage_node_edit", args=[new.pk]),
                       {"name": "成都市新华实验小学", "code": "5101089999", "school_type": "nine_year",
                        "ownership": "public"}).status_code == 302
    new.refresh_from_db()
    assert new.name == "成都市新华实验小学" and new.school_type == "nine_year"
    assert OrgNode.objects.filter(parent=new, kind=NodeKind.CAMPUS, name="东区").exists()


# --- people ------------------------------------------------------------------------------------------

def test_people_search_by_name_account_and_student_number_within_scope(client_as, users, demo):
    client = client_as(users["xiao_admin"])
    xs = users["xuesheng"]
    for q in (xs.name, "xuesheng", xs.student_number):
        html = client.post(reverse("accounts:manage_people"), {"q": q}).content.decode()
        assert reverse("accounts:manage_person", args=[xs.pk]) in html, q
    # A student of the second school is not found by the first school's admin.
    other = User.objects.filter(roles__kind=RoleKind.STUDENT, roles__node__path__startswith=school(demo, 1).path).first()
    html = client.post(reverse("accounts:manage_people"), {"q": other.student_number}).content.decode()
    assert "没有找到" in html
    assert client.get(reverse("accounts:manage_person", args=[other.pk])).status_code == 404


def test_people_role_filter_and_pagination(client_as, users, demo):
    client = client_as(users["xiao_admin"])
    html = client.post(reverse("accounts:manage_people"), {"role": "head_teacher"}).content.decode()
    assert "laoshi" in html and "xuesheng" not in html
    page1 = client.get(reverse("accounts:manage_people")).content.decode()
    assert "第 1 /" in page1 and 'name="page" value="2"' in page1
    page2 = client.post(reverse("accounts:manage_people"), {"page": "2"}).content.decode()
    assert "第 2 /" in page2


def test_phone_is_masked_until_revealed_and_the_reveal_is_audited(client_as, users, demo):
    admin, teacher = users["xiao_admin"], users["laoshi"]
    client = client_as(admin)
    url = reverse("accounts:manage_person", args=[teacher.pk])
    html = client.get(url).content.decode()
    masked = teacher.phone[:3] + "****" + teacher.phone[-4:]
    assert masked in html and teacher.phone not in html
    assert not AuditLog.objects.filter(action=AuditAction.SENSITIVE_READ).exists()
    resp = client.post(reverse("accounts:manage_person_reveal", args=[teacher.pk]))
    assert teacher.phone in resp.content.decode() and "no-store" in resp["Cache-Control"]
    entry = AuditLog.objects.get(action=AuditAction.SENSITIVE_READ)
    assert entry.actor == admin and entry.target_id == str(teacher.pk) and entry.school == school(demo)
    assert client.get(reverse("accounts:manage_person_reveal", args=[teacher.pk])).status_code == 405


def test_password_reset_shows_a_one_time_password_and_forces_a_change(client, client_as, users, demo):
    admin, teacher = users["xiao_admin"], users["laoshi"]
    resp = client_as(admin).post(reverse("accounts:manage_password_reset", args=[teacher.pk]))
    assert resp.status_code == 200 and "no-store" in resp["Cache-Control"]
    temporary = resp.context["temporary"]
    assert temporary in resp.content.decode() and "只显示这一次" in resp.content.decode()
    teacher.refresh_from_db()
    assert teacher.must_change_password and teacher.check_password(temporary)
    assert AuditLog.objects.filter(action=AuditAction.PASSWORD_RESET, actor=admin, target_id=str(teacher.pk),
                                   school=school(demo)).exists()
    assert temporary not in str(list(AuditLog.objects.values_list("detail", flat=True)))
    # The person page does not show it again.
    assert temporary not in client_as(admin).get(reverse("accounts:manage_person", args=[teacher.pk])).content.decode()
    client.logout()
    client.post(reverse("accounts:login"), {"identifier": "laoshi", "password": temporary})
    resp = client.get(reverse("web:home"))
    assert resp.status_code == 302 and resp.url == reverse("accounts:password_change")


def test_peer_admins_and_people_with_roles_elsewhere_are_for_the_district(client_as, users, demo):
    client = client_as(users["xiao_admin"])
    # The CIO of the same school is a peer: no reset, no deactivation.
    cio = users["xiao_cio"]
    resp = client.post(reverse("accounts:manage_password_reset", args=[cio.pk]))
    assert resp.status_code == 302
    cio.refresh_from_db()
    assert cio.check_password(DEMO_PASSWORD) and not cio.must_change_password
    assert "同级或更高级别" in client.get(reverse("accounts:manage_person", args=[cio.pk])).content.decode()
    # jiazhang has a child in the second school: the first school's admin may not take over the account.
    parent = users["jiazhang"]
    client.post(reverse("accounts:manage_person_active", args=[parent.pk]), {"active": "0"})
    parent.refresh_from_db()
    assert parent.is_active
    # The district admin may do both.
    district = client_as(users["qu_admin"])
    assert district.post(reverse("accounts:manage_password_reset", args=[cio.pk])).status_code == 200
    district.post(reverse("accounts:manage_person_active", args=[parent.pk]), {"active": "0"})
    parent.refresh_from_db()
    assert not parent.is_active


def test_deactivated_account_cannot_log_in_and_loses_its_tokens(client, client_as, users, demo):
    from zhijiao.accounts.actions import token_issue

    student = users["s0000002"]
    token_issue(user=student)
    client_as(users["xiao_admin"]).post(reverse("accounts:manage_person_active", args=[student.pk]), {"active": "0"})
    student.refresh_from_db()
    assert not student.is_active and not ApiToken.objects.filter(user=student).exists()
    client.logout()
    resp = client.post(reverse("accounts:login"), {"identifier": "s0000002", "password": DEMO_PASSWORD})
    assert resp.status_code == 401
    client_as(users["xiao_admin"]).post(reverse("accounts:manage_person_active", args=[student.pk]), {"active": "1"})
    client.logout()
    resp = client.post(reverse("accounts:login"), {"identifier": "s0000002", "password": DEMO_PASSWORD})
    assert resp.status_code == 302


def test_grant_and_revoke_class_roles_and_parent_links(client_as, users, demo):
    admin, teacher = users["xiao_admin"], users["laoshi2"]
    client = client_as(admin)
    klass = OrgNode.objects.filter(kind=NodeKind.CLASS, path__startswith=school(demo).path).order_by("-path").first()
    url = reverse("accounts:manage_role_grant", args=[teacher.pk])
    resp = client.post(url, {"kind": "subject_teacher", "node": klass.pk, "subject": ""})
    assert resp.status_code == 400 and "请填写任教学科" in resp.content.decode()
    assert client.post(url, {"kind": "subject_teacher", "node": klass.pk, "subject": "书法"}).status_code == 302
    role = Role.objects.get(user=teacher, kind=RoleKind.SUBJECT_TEACHER, node=klass, subject="书法")
    assert AuditLog.objects.filter(target_type="role", target_id=str(role.pk), detail__change="granted").exists()
    # Parent link by student number.
    child = users["s0000002"]
    resp = client.post(url, {"kind": "parent", "student_number": "G0000000000"})
    assert resp.status_code == 400 and "找不到这个学籍号" in resp.content.decode()
    assert client.post(url, {"kind": "parent", "student_number": child.student_number,
                             "relation": "姑妈"}).status_code == 302
    assert Role.objects.filter(user=teacher, kind=RoleKind.PARENT, child=child, relation="姑妈").exists()
    # A head-teacher role needs a teacher of the school: a parent account is refused.
    parent = User.objects.filter(roles__kind=RoleKind.PARENT, roles__node__path__startswith=school(demo).path) \
        .exclude(username="jiazhang").exclude(roles__kind=RoleKind.TEACHER).first()
    resp = client.post(reverse("accounts:manage_role_grant", args=[parent.pk]), {"kind": "head_teacher",
                                                                                 "node": class_of(child).pk})
    assert resp.status_code == 400
    # A school admin cannot hand out admin roles.
    resp = client.post(url, {"kind": "school_admin", "node": school(demo).pk})
    assert resp.status_code == 400 and not Role.objects.filter(user=teacher, kind=RoleKind.SCHOOL_ADMIN).exists()
    # Revoke.
    assert client.post(reverse("accounts:manage_role_revoke", args=[teacher.pk, role.pk])).status_code == 302
    assert not Role.objects.filter(pk=role.pk).exists()
    # Student roles are the roster's: not revocable here.
    student_role = child.roles.get(kind=RoleKind.STUDENT)
    client.post(reverse("accounts:manage_role_revoke", args=[child.pk, student_role.pk]))
    assert Role.objects.filter(pk=student_role.pk).exists()


def test_grant_cannot_reach_another_schools_class(client_as, users, demo):
    other_class = OrgNode.objects.filter(kind=NodeKind.CLASS, path__startswith=school(demo, 1).path).first()
    resp = client_as(users["xiao_admin"]).post(reverse("accounts:manage_role_grant", args=[users["laoshi2"].pk]),
                                               {"kind": "head_teacher", "node": other_class.pk})
    assert resp.status_code == 400
    assert not Role.objects.filter(user=users["laoshi2"], node=other_class).exists()


# --- sessions ----------------------------------------------------------------------------------------

def test_a_visit_pushes_the_idle_expiry_forward_without_a_write_per_request(client, users, settings,
                                                                           django_assert_max_num_queries):
    client.post(reverse("accounts:login"), {"identifier": "xiao_admin", "password": DEMO_PASSWORD})
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(seconds=120))
    # A visit within the refresh interval of the last save writes nothing to the session ...
    with CaptureQueriesContext(connection) as q:
        assert client.get(reverse("web:home")).status_code == 200
    assert not [x for x in q.captured_queries if "django_session" in x["sql"] and "UPDATE" in x["sql"]]
    assert Session.objects.get(pk=key).expire_date < timezone.now() + timedelta(seconds=130)
    # ... and a visit after it saves the session again: the idle expiry starts anew.
    settings.ZHIJIAO_SESSION_REFRESH_SECONDS = 0
    assert client.get(reverse("web:home")).status_code == 200
    assert Session.objects.get(pk=key).expire_date > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_an_expired_session_goes_back_to_login(client, users):
    client.post(reverse("accounts:login"), {"identifier": "xiao_admin", "password": DEMO_PASSWORD})
    assert client.get(reverse("accounts:manage_org")).status_code == 200
    # The login set the expiry ...
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date > timezone.now() + timedelta(seconds=60)
    # ... and once the idle time has passed, the session is gone.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    resp = client.get(reverse("accounts:manage_org"))
    assert resp.status_code == 302 and resp.url.startswith(reverse("accounts:login"))
