import pytest
from django.urls import reverse

from zhijiao.accounts.models import AuditAction, AuditLog, User
from zhijiao.demo.logins import DEMO_PASSWORD
from zhijiao.records.models import Statement


def post_login(client, identifier, password, **extra):
    return client.post(reverse("accounts:login"), {"identifier": identifier, "password": password}, **extra)


def test_healthz_reports_database_and_version(client, db):
    body = client.get("/healthz").json()
    assert body["database"] is True and body["status"] == "ok" and body["version"]


def test_login_by_account_name_and_by_phone(client, users):
    resp = post_login(client, "laoshi", DEMO_PASSWORD)
    assert resp.status_code == 302 and resp.url == reverse("web:home")
    client.logout()
    phone = users["laoshi"].phone
    resp = post_login(client, phone, DEMO_PASSWORD)
    assert resp.status_code == 302
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_OK, actor=users["laoshi"]).count() == 2
    # The login went through the event trail too, without personal data in the statement.
    st = Statement.objects.filter(actor=users["laoshi"], verb__endswith="logged-in").first()
    assert st is not None and phone not in str(st.statement) and users["laoshi"].name not in str(st.statement)


def test_first_login_forces_password_change(client, users):
    user = users["laoshi2"]
    user.must_change_password = True
    user.save()
    post_login(client, "laoshi2", DEMO_PASSWORD)
    resp = client.get(reverse("web:home"))
    assert resp.status_code == 302 and resp.url == reverse("accounts:password_change")
    resp = client.post(reverse("accounts:password_change"),
                       {"old_password": DEMO_PASSWORD, "new_password": "12345678", "new_password2": "12345678"})
    assert resp.status_code == 200  # all-numeric refused
    resp = client.post(reverse("accounts:password_change"),
                       {"old_password": DEMO_PASSWORD, "new_password": "Qingcheng#77", "new_password2": "Qingcheng#77"})
    assert resp.status_code == 302
    assert client.get(reverse("web:home")).status_code == 200
    assert User.objects.get(pk=user.pk).check_password("Qingcheng#77")


def test_logout_ends_the_session(client, users):
    post_login(client, "laoshi", DEMO_PASSWORD)
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("web:home")).status_code == 302


@pytest.mark.parametrize("username,expected", [
    ("qu_admin", "区县管理员"), ("xuesheng", "学生"), ("jiazhang", "家长"), ("laoshi", "班主任"),
])
def test_each_role_lands_on_its_home(client_as, users, username, expected):
    html = client_as(users[username]).get(reverse("web:home")).content.decode()
    assert "我的工作台" in html and expected in html


def test_api_token_login_and_me(client, users):
    resp = client.post("/api/v1/auth/token", {"username": "laoshi", "password": DEMO_PASSWORD},
                       content_type="application/json")
    assert resp.status_code == 200
    token = resp.json()["token"]
    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert me["username"] == "laoshi" and "head_teacher" in me["roles"]
    assert client.get("/api/v1/auth/me", HTTP_AUTHORIZATION="Bearer zj_forged").status_code == 401
    bad = client.post("/api/v1/auth/token", {"username": "laoshi"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "password"
    wrong = client.post("/api/v1/auth/token", {"username": "laoshi", "password": "nope"},
                        content_type="application/json")
    assert wrong.status_code == 401


def test_openapi_document_is_served(client, db):
    doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/auth/token" in doc["paths"]


def test_api_refuses_accounts_still_on_a_temporary_password(client, users, api_as):
    user = users["laoshi2"]
    token_client = api_as(user)  # a token issued before the reset
    user.must_change_password = True
    user.save()
    resp = client.post("/api/v1/auth/token", {"username": "laoshi2", "password": DEMO_PASSWORD},
                       content_type="application/json")
    assert resp.status_code == 403 and "临时密码" in resp.json()["detail"]
    assert token_client.get("/api/v1/auth/me").status_code == 403
