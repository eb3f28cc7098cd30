"""The district admin's xAPI client page: register (secret shown once), bad input, revoke."""

from zhijiao.records.models import LrsClient


def test_register_shows_secret_once_and_it_works(users, client_as):
    c = client_as(users["qu_admin"])
    r = c.post("/records/clients/", {"name": "数字教材", "scopes": ["statements/write", "state"]})
    assert r.status_code == 200
    page = r.content.decode()
    client = LrsClient.objects.get(name="数字教材")
    assert client.key in page and "密钥只显示这一次" in page
    secret = page.split('id="issued-secret">')[1].split("<")[0]
    assert client.secret_hash == LrsClient.hash_secret(secret)
    assert secret not in c.get("/records/clients/").content.decode()
    assert client.scopes == ["statements/write", "state"]


def test_bad_input_is_explained_and_kept(users, client_as):
    c = client_as(users["qu_admin"])
    r = c.post("/records/clients/", {"name": "测评", "scopes": []})
    assert r.status_code == 400
    page = r.content.decode()
    assert "至少选择一个权限范围" in page
    assert 'value="测评"' in page
    assert not LrsClient.objects.exists()


def test_revoke(users, client_as):
    from zhijiao.records.actions import lrs_client_create

    issued = lrs_client_create(actor=users["qu_admin"], name="旧系统", scopes=["all"])
    c = client_as(users["qu_admin"])
    r = c.post(f"/records/clients/{issued.client.pk}/revoke", follow=True)
    assert "已吊销客户端「旧系统」" in r.content.decode()
    issued.client.refresh_from_db()
    assert issued.client.revoked_at is not None


def test_only_district_admins(users, client_as):
    assert client_as(users["xiao_admin"]).get("/records/clients/").status_code == 404
    assert client_as(users["laoshi"]).post("/records/clients/", {"name": "x", "scopes": ["all"]}).status_code == 404
    assert not LrsClient.objects.exists()


def test_cli_prints_credentials_on_last_line(db):
    import base64
    from io import StringIO

    from django.core.management import call_command
    from django.test import Client

    out = StringIO()
    call_command("xapi-client", "add", "conformance", stdout=out)
    creds = out.getvalue().strip().splitlines()[-1]
    key, secret = creds.split(":")
    auth = "Basic " + base64.b64encode(creds.encode()).decode()
    r = Client().get("/xapi/statements", HTTP_AUTHORIZATION=auth, HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    assert r.status_code == 200
    out = StringIO()
    call_command("xapi-client", "add", "limited", "--scopes", "statements/write,statements/read/mine", stdout=out)
    assert LrsClient.objects.get(name="limited").scopes == ["statements/write", "statements/read/mine"]
