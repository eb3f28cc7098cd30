"""Error pages a teacher or parent can read: Chinese, inside the shell, with a way back; no hint of what exists."""

import re

from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

from zhijiao.core.models import NodeKind, OrgNode


def test_out_of_scope_page_reads_as_not_found_in_chinese(client_as, users, demo):
    other_school = demo.schools[1]
    resp = client_as(users["xiao_admin"]).get(reverse("accounts:manage_node", args=[other_school.pk]))
    html = resp.content.decode()
    assert resp.status_code == 404
    assert "页面不存在" in html and "回到工作台" in html
    assert other_school.name not in html  # the page never confirms the school exists


def test_a_missing_and_an_out_of_scope_object_look_the_same(client_as, users, demo):
    client = client_as(users["xiao_admin"])
    missing = OrgNode.objects.order_by("-pk").first().pk + 1000
    other = OrgNode.objects.filter(kind=NodeKind.SCHOOL).exclude(pk=demo.schools[0].pk).first()
    a = client.get(reverse("accounts:manage_node", args=[missing]))
    b = client.get(reverse("accounts:manage_node", args=[other.pk]))
    assert a.status_code == b.status_code == 404
    assert _page(a, missing) == _page(b, other.pk)


def _page(resp, pk) -> str:
    """The page as a reader sees it: without the (masked, per-response) CSRF tokens and the requested id."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", resp.content.decode()).replace(str(pk), "")


def test_forbidden_page_says_who_to_ask(client_as, users):
    resp = client_as(users["laoshi"]).get(reverse("accounts:audit_log"))
    html = resp.content.decode()
    assert resp.status_code == 403
    assert "无权访问" in html and "管理员" in html and "回到工作台" in html


def test_forbidden_page_in_english_when_chosen(client_as, users, settings):
    client = client_as(users["laoshi"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("accounts:audit_log")).content.decode()
    assert "Access denied" in html and "无权访问" not in html


def test_server_error_page_renders_without_a_user_or_database():
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        resp = server_error(request)
    html = resp.content.decode()
    assert resp.status_code == 500
    assert "出错了" in html and "请稍后再试" in html
