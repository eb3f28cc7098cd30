"""The search page and API: what a user sees, bad input, the event trail."""

import pytest
from django.db import transaction

from zhijiao.records.models import Statement
from zhijiao.records.trail import trail_drain


@pytest.fixture
def library(make_resource, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            items = {
                "proof": make_resource(title="勾股定理的证明", authors="张伟", type="micro", level="district",
                                       description="<b>拼图</b>证明勾股定理", view_count=3),
                "use": make_resource(title="勾股定理的应用", authors="李芳芳", type="courseware", level="district",
                                     view_count=50),
                "mult": make_resource(title="多位数乘一位数", type="task_sheet", level="district"),
                "pending": make_resource(title="勾股定理 待审", status="pending_school", contributor="laoshi2"),
            }
            for i in range(25):
                make_resource(title=f"一元二次方程 第{i + 1}课时", level="district")
    return items


def test_page_needs_login(client, db):
    resp = client.get("/search/?q=勾股")
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_empty_page_offers_suggestions_that_find_something(client_as, users, library):
    html = client_as(users["xuesheng"]).get("/search/").content.decode()
    assert 'data-testid="search-empty"' in html
    suggested = html.split('class="search-suggest"', 1)[1].split("</p>", 1)[0]
    assert "勾股定理" in suggested and "多位数乘一位数" in suggested
    assert "古诗" not in suggested  # nothing in this library: a student would be sent nowhere


def test_results_highlighted_facets_sorts(client_as, users, library):
    resp = client_as(users["xuesheng"]).get("/search/", {"q": "勾股"})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "<mark>勾股</mark>定理的证明" in html
    assert "&lt;b&gt;拼图&lt;/b&gt;" in html  # the description is escaped, never rendered as HTML
    assert "待审" not in html  # laoshi2's pending item
    assert "找到 2 个资源" in html
    assert f'/resources/{library["proof"].pk}/' in html
    assert 'data-facet="type"' in html and "微课" in html  # facet label, not the code
    # facet click narrows
    html = client_as(users["xuesheng"]).get("/search/", {"q": "勾股", "type": "micro"}).content.decode()
    assert "找到 1 个资源" in html and "勾股定理的应用" not in html
    # most viewed first
    html = client_as(users["xuesheng"]).get("/search/", {"q": "勾股", "sort": "most_viewed"}).content.decode()
    assert html.index("的应用") < html.index("的证明")


def test_a_counted_view_shows_in_the_results_without_rendering_them_again(client_as, users, library):
    """A hit's view count is filled in per request: the next visit of cached results shows the count a drain
    of the trail stored, and the page is not rendered again."""
    from django.db.models import F

    from zhijiao.resources.models import Resource

    first = client_as(users["xuesheng"]).get("/search/", {"q": "多位数乘一位数"})
    assert "search/results.html" in [t.name for t in first.templates] and "浏览 0" in first.content.decode()
    Resource.objects.filter(pk=library["mult"].pk).update(view_count=F("view_count") + 5)
    again = client_as(users["laoshi"]).get("/search/", {"q": "多位数乘一位数"})
    assert again.templates == [] and "浏览 5" in again.content.decode()
    assert "zjhole" not in again.content.decode()


def test_pages(client_as, users, library):
    c = client_as(users["laoshi"])
    first = c.get("/search/", {"q": "一元二次方程"}).content.decode()
    assert "找到 25 个资源" in first and "第 1 / 2 页" in first and 'rel="next"' in first
    second = c.get("/search/", {"q": "一元二次方程", "page": 2}).content.decode()
    assert "第 2 / 2 页" in second and second.count('class="card search-hit"') == 5


def test_no_results_explains(client_as, users, library):
    html = client_as(users["xuesheng"]).get("/search/", {"q": "量子纠缠"}).content.decode()
    assert "没有找到与“量子纠缠”相符的资源" in html


def test_bad_input_gets_a_message_not_an_error(client_as, users, library):
    c = client_as(users["xuesheng"])
    resp = c.get("/search/", {"q": "勾股", "sort": "random", "page": "abc"})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "排序方式只能是" in html and "页码应是" in html
    assert "<mark>勾股</mark>" in html  # still answers with the defaults
    resp = c.get("/search/", {"q": "勾" * 300})
    assert resp.status_code == 200 and "搜索词最多 100 个字" in resp.content.decode()


def test_search_is_recorded_without_the_query_text(client_as, users, library):
    client_as(users["xuesheng"]).get("/search/", {"q": "张伟"})
    assert not Statement.objects.filter(verb__endswith="/searched").exists()  # nothing written on the request
    assert trail_drain() == 1
    st = Statement.objects.filter(verb__endswith="/searched").get()
    assert st.actor_id == users["xuesheng"].pk
    assert "张伟" not in str(st.__dict__) and "%E5%BC%A0" not in st.object_id


def test_api(api_as, users, library):
    api = api_as(users["xuesheng"])
    resp = api.get("/api/v1/search/resources", {"q": "勾股", "sort": "most_viewed"})
    assert resp.status_code == 200
    data = resp.json()
    assert data["total"] == 2
    assert [h["id"] for h in data["hits"]] == [library["use"].pk, library["proof"].pk]
    assert "<mark>勾股</mark>" in data["hits"][0]["title_html"]
    types = {f["value"]: f for f in data["facets"]["type"]}
    assert types["micro"]["label"] == "微课" and types["micro"]["count"] == 1
    resp = api.get("/api/v1/search/resources", {"q": "勾股", "type": "micro", "facets": "false"})
    assert resp.json()["total"] == 1 and resp.json()["facets"] == {}


def test_api_bad_input_is_422_with_fields(api_as, users, library):
    api = api_as(users["xuesheng"])
    for params, field in [({"sort": "random"}, "sort"), ({"page": 0}, "page"), ({"page_size": 1000}, "page_size"),
                          ({"q": "勾" * 101}, "q"), ({"level": "galaxy"}, "level")]:
        resp = api.get("/api/v1/search/resources", params)
        assert resp.status_code == 422, params
        assert any(field in e["field"].split(".") for e in resp.json()["errors"]), resp.json()


def test_api_needs_auth(client, db):
    assert client.get("/api/v1/search/resources?q=x").status_code == 401


def test_search_is_on_every_role_home(client_as, users):
    for username in ["xuesheng", "laoshi", "jiazhang", "qu_admin"]:
        html = client_as(users[username]).get("/").content.decode()
        assert 'href="/search/"' in html, username


def test_facet_labels_stay_chinese_when_english_is_active_first():
    """The labels are cached per process and feed the index keywords: an English request that happens to
    compute them first must not make them English for everyone after."""
    from django.utils import translation

    from zhijiao.search.documents import _static_labels

    _static_labels.cache_clear()
    try:
        with translation.override("en"):
            labels = _static_labels()
        assert labels["type"]["lesson_plan"] == "教案" and labels["level"]["school"] == "校级"
    finally:
        _static_labels.cache_clear()
