"""The audit log page: scope (district vs school), filters, pagination, masked identifiers, XLSX export."""

import io
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from zhijiao.accounts.actions import audit_record
from zhijiao.accounts.models import AuditAction, AuditLog


def _entries(demo, users):
    s1, s2 = demo.schools[0], demo.schools[1]
    laoshi = users["laoshi"]
    audit_record(actor=laoshi, action=AuditAction.LOGIN_OK, target_type="user", target_id=laoshi.pk, school=s1,
                 ip="10.20.30.40")
    audit_record(actor=users["admin0002"], action=AuditAction.ADMIN_CHANGE, target_type="org_node", target_id=77,
                 school=s2, detail={"change": "class_created"})
    old = audit_record(actor=laoshi, action=AuditAction.PASSWORD_CHANGED, target_type="user", target_id=laoshi.pk,
                       school=s1)
    AuditLog.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=40))


def test_district_admin_sees_all_school_admin_only_their_school(client_as, users, demo):
    _entries(demo, users)
    district = client_as(users["qu_admin"]).get(reverse("accounts:audit_log")).content.decode()
    assert demo.schools[0].name in district and demo.schools[1].name in district and "新建班级" in district
    school = client_as(users["xiao_cio"]).get(reverse("accounts:audit_log")).content.decode()
    assert demo.schools[0].name in school and demo.schools[1].name not in school and "新建班级" not in school


def test_identifiers_are_masked(client_as, users, demo):
    _entries(demo, users)
    laoshi = users["laoshi"]
    html = client_as(users["qu_admin"]).get(reverse("accounts:audit_log")).content.decode()
    assert "la**hi" in html and f"#{laoshi.pk}" in html
    assert ">laoshi<" not in html and laoshi.name not in html and laoshi.phone not in html
    assert "10.20.30.*" in html and "10.20.30.40" not in html


def test_filter_by_action_and_date(client_as, users, demo):
    _entries(demo, users)
    client = client_as(users["qu_admin"])
    html = client.get(reverse("accounts:audit_log"), {"action": "login_ok"}).content.decode()
    assert 'data-action="login_ok"' in html and 'data-action="admin_change"' not in html
    today = timezone.localdate()
    html = client.get(reverse("accounts:audit_log"), {"date_from": (today - timedelta(days=45)).isoformat(),
                                                      "date_to": (today - timedelta(days=35)).isoformat()}).content.decode()
    assert 'data-action="password_changed"' in html and 'data-action="login_ok"' not in html
    html = client.get(reverse("accounts:audit_log"), {"date_from": today.isoformat(),
                                                      "date_to": (today - timedelta(days=1)).isoformat()}).content.decode()
    assert "结束日期不能早于开始日期" in html
    assert client.get(reverse("accounts:audit_log"), {"date_from": "not-a-date"}).status_code == 200


def test_pagination(client_as, users, demo):
    AuditLog.objects.bulk_create([AuditLog(action=AuditAction.LOGIN_OK, school=demo.schools[0]) for _ in range(120)])
    client = client_as(users["xiao_admin"])
    html = client.get(reverse("accounts:audit_log")).content.decode()
    assert "第 1 / 3 页" in html and html.count('data-action="login_ok"') == 50
    html = client.get(reverse("accounts:audit_log"), {"page": 3}).content.decode()
    assert "第 3 / 3 页" in html and html.count('data-action="login_ok"') == 20


def test_xlsx_export_follows_the_filters_and_masks(client_as, users, demo):
    _entries(demo, users)
    resp = client_as(users["qu_admin"]).get(reverse("accounts:audit_export"), {"action": "login_ok"})
    assert resp.status_code == 200 and resp["Content-Disposition"].startswith("attachment;")
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作", "操作人") and len(rows) == 2
    assert rows[1][1] == "登录成功" and rows[1][2].startswith("la**hi") and rows[1][5] == "10.20.30.*"
    school = client_as(users["xiao_admin"]).get(reverse("accounts:audit_export"))
    names = [r[4] for r in load_workbook(io.BytesIO(school.content)).active.iter_rows(min_row=2, values_only=True)]
    assert names and set(names) == {demo.schools[0].name}


def test_teachers_cannot_see_or_export(client_as, users, demo):
    client = client_as(users["laoshi"])
    assert client.get(reverse("accounts:audit_log")).status_code == 403
    assert client.get(reverse("accounts:audit_export")).status_code == 403


def test_a_capped_export_says_so(client_as, users, demo, monkeypatch):
    from zhijiao.accounts import manage_views

    monkeypatch.setattr(manage_views, "AUDIT_EXPORT_MAX_ROWS", 10)
    AuditLog.objects.bulk_create([AuditLog(action=AuditAction.LOGIN_OK, school=demo.schools[0]) for _ in range(12)])
    resp = client_as(users["xiao_admin"]).get(reverse("accounts:audit_export"))
    rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert len(rows) == 12 and "仅导出最新的 10 条" in rows[-1][0]


def test_a_school_admin_who_is_a_parent_elsewhere_sees_only_the_school_they_administer(client_as, users, demo):
    from zhijiao.accounts.models import Role, RoleKind

    _entries(demo, users)
    admin = users["xiao_admin"]
    child_role = Role.objects.filter(kind=RoleKind.STUDENT, node__path__startswith=demo.schools[1].path).first()
    Role.objects.create(user=admin, kind=RoleKind.PARENT, node=child_role.node, child=child_role.user)
    html = client_as(admin).get(reverse("accounts:audit_log")).content.decode()
    assert demo.schools[0].name in html and demo.schools[1].name not in html
