import pytest
from django.conf import settings


@pytest.mark.django_db
def test_chinese_unless_english_is_chosen(client):
    # An English-set browser still gets the Chinese platform...
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录智教" in html and '<html lang="zh-CN">' in html
    # ...until the person picks English with the language switch, which sets the cookie.
    resp = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert resp.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html and "登录智教" not in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "登录智教" in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_an_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "klingon"
    assert "登录智教" in client.get("/accounts/login/").content.decode()
