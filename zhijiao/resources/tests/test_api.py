"""The resource API: scoped lists, detail, favourite, rate, comment; bad input gets 422 per field."""

from zhijiao.records.trail import trail_drain
from zhijiao.resources.models import Resource, Status


def test_list_is_scoped_filtered_and_paginated(lib, api_as):
    lib.make(title="区级课件", level="district")
    lib.make(title="待审课件", status=Status.PENDING_SCHOOL)
    lib.make(title="微课一", type="micro")
    api = api_as(lib.users["xuesheng"])
    data = api.get("/api/v1/resources/").json()
    titles = {i["title"] for i in data["items"]}
    assert {"区级课件", "微课一"} <= titles and "待审课件" not in titles
    micro = api.get("/api/v1/resources/?type=micro").json()["items"]
    assert [i["title"] for i in micro] == ["微课一"]
    page = api.get("/api/v1/resources/?page_size=1").json()
    assert len(page["items"]) == 1 and page["has_next"] is True
    by_chapter = api.get(f"/api/v1/resources/?chapter={lib.chapter.pk}").json()["items"]
    assert len(by_chapter) == 2


def test_list_bad_input_is_422_with_fields(lib, api_as):
    api = api_as(lib.users["laoshi"])
    resp = api.get("/api/v1/resources/?page_size=1000&type=movie")
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.json()["errors"]}
    assert {"page_size", "type"} <= fields
    resp = api.get("/api/v1/resources/?chapter=999999")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "chapter"


def test_detail_counts_a_view_and_hides_unapproved(lib, api_as):
    ok = lib.make(title="可见", file=("a.pdf", lib.samples.pdf()))
    hidden = lib.make(title="不可见", status=Status.DRAFT)
    api = api_as(lib.users["xuesheng"])
    data = api.get(f"/api/v1/resources/{ok.pk}").json()
    assert data["view_count"] == 0 and data["files"][0]["mime_type"] == "application/pdf"
    trail_drain()  # the view is applied off the request path
    assert api.get(f"/api/v1/resources/{ok.pk}").json()["view_count"] == 1
    assert api.get(f"/api/v1/resources/{hidden.pk}").status_code == 404


def test_favourite_rate_comment(lib, api_as):
    r = lib.make()
    api = api_as(lib.users["laoshi2"])
    assert api.post(f"/api/v1/resources/{r.pk}/favourite").json() == {"favourite": True, "favourite_count": 1}
    assert api.delete(f"/api/v1/resources/{r.pk}/favourite").json()["favourite_count"] == 0
    resp = api.post(f"/api/v1/resources/{r.pk}/rating", {"score": 6}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "score"
    resp = api.post(f"/api/v1/resources/{r.pk}/rating", {"score": "x"}, content_type="application/json")
    assert resp.status_code == 422
    resp = api.post(f"/api/v1/resources/{r.pk}/rating", {"score": 4}, content_type="application/json")
    assert resp.json() == {"score": 4, "rating_average": 4.0, "rating_count": 1}
    resp = api.post(f"/api/v1/resources/{r.pk}/comments", {"text": ""}, content_type="application/json")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "text"
    resp = api.post(f"/api/v1/resources/{r.pk}/comments", {"text": "好"}, content_type="application/json")
    assert resp.status_code == 201 and resp.json()["status"] == "pending"


def test_actions_on_unapproved_items_are_refused_not_500(lib, api_as):
    r = lib.make(contributor="laoshi", status=Status.PENDING_SCHOOL)
    resp = api_as(lib.users["laoshi"]).post(f"/api/v1/resources/{r.pk}/favourite")
    assert resp.status_code == 422 and "通过审核后" in resp.json()["errors"][0]["message"]
    assert Resource.objects.get(pk=r.pk).favourite_count == 0


def test_anonymous_is_refused(lib, client):
    assert client.get("/api/v1/resources/").status_code == 401
