"""State, activity profile and agent profile resources: ETags, preconditions, merge, listing."""

import json

import pytest

ACT = "http://example.org/course/1"
AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:pupil@example.org"})


def url(path, **params):
    from urllib.parse import urlencode

    return f"{path}?{urlencode(params)}"


STATE = url("/xapi/activities/state", activityId=ACT, agent=AGENT, stateId="bookmark")
APROF = url("/xapi/activities/profile", activityId=ACT, profileId="p1")
GPROF = url("/xapi/agents/profile", agent=AGENT, profileId="p1")


@pytest.mark.parametrize("doc_url", [STATE, APROF, GPROF])
def test_put_get_delete_with_etag(lrs, doc_url):
    assert lrs.get(doc_url).status_code == 404
    assert lrs.put(doc_url, "page 7", content_type="text/plain", HTTP_IF_NONE_MATCH="*").status_code == 204
    r = lrs.get(doc_url)
    assert r.status_code == 200
    assert r.content == b"page 7"
    assert r["Content-Type"] == "text/plain"
    import hashlib

    assert r["ETag"] == f'"{hashlib.sha1(b"page 7").hexdigest()}"'
    assert r["Last-Modified"]
    assert lrs.delete(doc_url, HTTP_IF_MATCH='"' + "1" * 40 + '"').status_code == 412
    assert lrs.delete(doc_url, HTTP_IF_MATCH=r["ETag"]).status_code == 204
    assert lrs.get(doc_url).status_code == 404


@pytest.mark.parametrize("doc_url", [APROF, GPROF])
def test_profiles_need_a_precondition_to_create_or_overwrite(lrs, doc_url):
    r = lrs.put(doc_url, {"a": 0})  # no If-Match / If-None-Match: refused (the ADL suite checks this)
    assert r.status_code == 400 and "If-None-Match" in r.content.decode()
    assert lrs.get(doc_url).status_code == 404
    assert lrs.put(doc_url, {"a": 1}, HTTP_IF_NONE_MATCH="*").status_code == 204
    r = lrs.put(doc_url, {"a": 2})
    assert r.status_code == 409
    assert r.json()["message"]
    etag = lrs.get(doc_url)["ETag"]
    assert lrs.put(doc_url, {"a": 3}, HTTP_IF_MATCH='"' + "1" * 40 + '"').status_code == 412
    assert lrs.put(doc_url, {"a": 3}, HTTP_IF_NONE_MATCH="*").status_code == 412
    assert json.loads(lrs.get(doc_url).content) == {"a": 1}
    assert lrs.put(doc_url, {"a": 4}, HTTP_IF_MATCH=etag).status_code == 204
    assert json.loads(lrs.get(doc_url).content) == {"a": 4}


def test_if_none_match_star_creates(lrs):
    u = url("/xapi/activities/profile", activityId=ACT, profileId="fresh")
    assert lrs.put(u, {"x": 1}, HTTP_IF_NONE_MATCH="*").status_code == 204


def test_state_put_overwrites_without_precondition(lrs):
    assert lrs.put(STATE, {"a": 1}).status_code == 204
    assert lrs.put(STATE, {"a": 2}).status_code == 204
    assert json.loads(lrs.get(STATE).content) == {"a": 2}


@pytest.mark.parametrize("doc_url", [STATE, APROF, GPROF])
def test_post_merges_json(lrs, doc_url):
    assert lrs.post(doc_url, {"a": 1, "b": 1}).status_code == 204
    assert lrs.post(doc_url, {"b": 2, "c": 3}).status_code == 204
    assert json.loads(lrs.get(doc_url).content) == {"a": 1, "b": 2, "c": 3}
    r = lrs.post(doc_url, "plain", content_type="text/plain")
    assert r.status_code == 400
    assert json.loads(lrs.get(doc_url).content) == {"a": 1, "b": 2, "c": 3}


def test_state_list_since_and_delete_all(lrs):
    base = dict(activityId=ACT, agent=AGENT)
    for sid in ("s1", "s2"):
        assert lrs.put(url("/xapi/activities/state", stateId=sid, **base), {"n": sid}).status_code == 204
    r = lrs.get(url("/xapi/activities/state", **base))
    assert r.json() == ["s1", "s2"]
    assert lrs.get(url("/xapi/activities/state", since="2999-01-01T00:00:00Z", **base)).json() == []
    assert lrs.delete(url("/xapi/activities/state", **base)).status_code == 204
    assert lrs.get(url("/xapi/activities/state", **base)).json() == []


def test_state_registration_separates_documents(lrs):
    reg = "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"
    with_reg = url("/xapi/activities/state", activityId=ACT, agent=AGENT, stateId="s", registration=reg)
    assert lrs.put(with_reg, {"r": 1}).status_code == 204
    assert lrs.get(url("/xapi/activities/state", activityId=ACT, agent=AGENT, stateId="s")).status_code == 404
    assert lrs.get(with_reg).status_code == 200


@pytest.mark.parametrize("bad", [
    url("/xapi/activities/state", activityId="not an iri", agent=AGENT, stateId="s"),
    url("/xapi/activities/state", activityId=ACT, agent="{bad", stateId="s"),
    url("/xapi/activities/state", activityId=ACT, agent=json.dumps({"name": "no ifi"}), stateId="s"),
    url("/xapi/activities/state", activityId=ACT, agent=AGENT, stateId="s", registration="nope"),
    url("/xapi/activities/state", agent=AGENT, stateId="s"),
    url("/xapi/activities/state", activityId=ACT, agent=AGENT, stateId="s", colour="red"),
    url("/xapi/agents/profile", profileId="p"),
])
def test_bad_document_parameters(lrs, bad):
    r = lrs.put(bad, {"a": 1})
    assert r.status_code == 400
    assert r.json()["message"]


def test_profile_ids_listing(lrs):
    for pid in ("b", "a"):
        u = url("/xapi/agents/profile", agent=AGENT, profileId=pid)
        assert lrs.put(u, {"v": 1}, HTTP_IF_NONE_MATCH="*").status_code == 204
    assert lrs.get(url("/xapi/agents/profile", agent=AGENT)).json() == ["a", "b"]


def test_post_of_invalid_json_to_a_new_profile_is_refused(lrs):
    u = url("/xapi/activities/profile", activityId=ACT, profileId="broken")
    r = lrs.post(u, '{"name": "x"}[', content_type="application/json")
    assert r.status_code == 400
    assert lrs.get(u).status_code == 404
