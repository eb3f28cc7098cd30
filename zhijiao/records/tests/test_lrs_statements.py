"""The statements resource, conformance-style: one group of tests per requirement area."""

import json
import uuid
from datetime import UTC

from zhijiao.records.models import Statement
from zhijiao.records.tests.conftest import V, stmt

S = "/xapi/statements"


def post_ok(lrs, data):
    r = lrs.post(S, data)
    assert r.status_code == 200, r.content
    return r.json()


# --- headers --------------------------------------------------------------------------------------

def test_version_header_required_and_sent(lrs):
    from django.test import Client

    r = Client().get(S, HTTP_AUTHORIZATION=lrs.auth)
    assert r.status_code == 400
    assert r["X-Experience-API-Version"] == "1.0.3"
    assert r["X-Experience-API-Consistent-Through"]  # on every statements GET, even a refused one
    r = Client().get(S, HTTP_AUTHORIZATION=lrs.auth, HTTP_X_EXPERIENCE_API_VERSION="0.9")
    assert r.status_code == 400
    r = Client().get(S, HTTP_AUTHORIZATION=lrs.auth, HTTP_X_EXPERIENCE_API_VERSION="1.0")
    assert r.status_code == 200


def test_no_credentials_is_401(db):
    from django.test import Client

    r = Client().get(S, **V)
    assert r.status_code == 401
    assert "Basic" in r["WWW-Authenticate"]
    r = Client().get(S, HTTP_AUTHORIZATION="Basic bm9wZTpub3Bl", **V)
    assert r.status_code == 401


def test_cors_preflight_and_headers(lrs):
    from django.test import Client

    r = Client().options(S, HTTP_ORIGIN="http://content.example.org")
    assert r.status_code == 200
    assert r["Access-Control-Allow-Origin"] == "http://content.example.org"
    assert "X-Experience-API-Version" in r["Access-Control-Allow-Headers"]
    r = lrs.get(S, HTTP_ORIGIN="http://content.example.org")
    assert "X-Experience-API-Consistent-Through" in r["Access-Control-Expose-Headers"]


def test_about_needs_no_credentials(db):
    from django.test import Client

    r = Client().get("/xapi/about")
    assert r.status_code == 200
    assert "1.0.3" in r.json()["version"]
    assert r["X-Experience-API-Version"] == "1.0.3"


def test_head_has_headers_and_no_body(lrs):
    post_ok(lrs, stmt())
    r = lrs.head(S)
    assert r.status_code == 200
    assert r.content == b""
    assert r["X-Experience-API-Consistent-Through"]


# --- PUT / POST -----------------------------------------------------------------------------------

def test_put_then_get(lrs):
    sid = str(uuid.uuid4())
    r = lrs.put(f"{S}?statementId={sid}", stmt(id=sid))
    assert r.status_code == 204
    r = lrs.get(S, {"statementId": sid})
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == sid
    assert body["version"] == "1.0.0"
    assert body["stored"] and body["timestamp"]
    assert r["Last-Modified"]


def test_put_needs_statement_id_and_it_must_match(lrs):
    assert lrs.put(S, stmt()).status_code == 400
    assert lrs.put(f"{S}?statementId=true", stmt()).status_code == 400
    sid, other = str(uuid.uuid4()), str(uuid.uuid4())
    assert lrs.put(f"{S}?statementId={sid}", stmt(id=other)).status_code == 400


def test_post_single_and_batch_return_ids_in_order(lrs):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    got = post_ok(lrs, [stmt(id=i) for i in ids])
    assert got == ids
    one = post_ok(lrs, stmt())
    assert len(one) == 1 and uuid.UUID(one[0])


def test_same_id_same_content_accepted_different_content_409(lrs):
    sid = str(uuid.uuid4())
    assert lrs.put(f"{S}?statementId={sid}", stmt(id=sid)).status_code == 204
    # Same content (timestamp notation aside) is fine, stored once.
    assert lrs.put(f"{S}?statementId={sid}", stmt(id=sid)).status_code == 204
    assert post_ok(lrs, stmt(id=sid)) == [sid]
    assert Statement.objects.filter(id=sid).count() == 1
    changed = stmt(id=sid, verb={"id": "http://adlnet.gov/expapi/verbs/failed"})
    assert lrs.put(f"{S}?statementId={sid}", changed).status_code == 409
    assert lrs.post(S, changed).status_code == 409
    assert lrs.get(S, {"statementId": sid}).json()["verb"]["id"].endswith("experienced")


def test_rejected_batch_stores_nothing(lrs):
    good, bad = stmt(id=str(uuid.uuid4())), stmt(id=str(uuid.uuid4()), verb={"id": "should fail"})
    r = lrs.post(S, [good, bad])
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "[1]verb.id"
    assert lrs.get(S, {"statementId": good["id"]}).status_code == 404


def test_duplicate_ids_in_one_batch_refused(lrs):
    sid = str(uuid.uuid4())
    assert lrs.post(S, [stmt(id=sid), stmt(id=sid)]).status_code == 400


def test_invalid_json_and_content_type(lrs):
    assert lrs.post(S, "{not json", content_type="application/json").status_code == 400
    assert lrs.post(S, "a=b", content_type="text/plain").status_code == 400
    assert lrs.post(S, "42", content_type="application/json").status_code == 400


def test_authority_is_set_by_the_lrs(lrs):
    fake = {"objectType": "Agent", "mbox": "mailto:boss@evil.example.org"}
    sid = post_ok(lrs, stmt(authority=fake))[0]
    auth = lrs.get(S, {"statementId": sid}).json()["authority"]
    assert auth["account"]["homePage"].endswith("/xapi/clients/")
    assert "mbox" not in auth


def test_timestamp_kept_and_stored_set(lrs):
    sid = post_ok(lrs, stmt(timestamp="2020-01-01T08:00:00+08:00"))[0]
    body = lrs.get(S, {"statementId": sid}).json()
    assert body["timestamp"] == "2020-01-01T08:00:00+08:00"
    assert body["stored"].endswith("Z")


def test_unknown_parameter_refused(lrs):
    assert lrs.get(S, {"colour": "red"}).status_code == 400
    assert lrs.post(f"{S}?statementId={uuid.uuid4()}", stmt()).status_code == 400


# --- voiding --------------------------------------------------------------------------------------

def _void(lrs, target):
    return lrs.post(S, stmt(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                            object={"objectType": "StatementRef", "id": target}))


def test_voided_only_by_voided_statement_id(lrs):
    target = post_ok(lrs, stmt())[0]
    r = _void(lrs, target)
    assert r.status_code == 200
    voiding = r.json()[0]
    assert lrs.get(S, {"statementId": target}).status_code == 404
    assert lrs.get(S, {"voidedStatementId": target}).json()["id"] == target
    assert lrs.get(S, {"voidedStatementId": voiding}).status_code == 404
    ids = [s["id"] for s in lrs.get(S).json()["statements"]]
    assert target not in ids and voiding in ids


def test_voiding_a_voiding_statement_is_stored_but_changes_nothing(lrs):
    target = post_ok(lrs, stmt())[0]
    voiding = _void(lrs, target).json()[0]
    r = _void(lrs, voiding)  # the specification: such a statement SHOULD be ignored (the ADL suite stores it)
    assert r.status_code == 200
    assert lrs.get(S, {"statementId": voiding}).status_code == 200  # still there, not voided
    assert lrs.get(S, {"statementId": r.json()[0]}).status_code == 200
    assert lrs.get(S, {"statementId": target}).status_code == 404  # still voided
    assert lrs.get(S, {"voidedStatementId": target}).status_code == 200


def test_a_voiding_statement_that_voided_nothing_can_be_voided(lrs):
    orphan = _void(lrs, str(uuid.uuid4())).json()[0]  # its target never reached this LRS
    assert _void(lrs, orphan).status_code == 200
    assert lrs.get(S, {"statementId": orphan}).status_code == 404
    assert lrs.get(S, {"voidedStatementId": orphan}).status_code == 200


def test_a_second_voiding_of_the_same_statement_does_not_take_over(lrs):
    target = post_ok(lrs, stmt())[0]
    first = _void(lrs, target).json()[0]
    assert _void(lrs, target).status_code == 200  # accepted, changes nothing
    assert _void(lrs, first).status_code == 200  # the first one still voided something: not voidable
    assert lrs.get(S, {"statementId": first}).status_code == 200


def test_attachments_that_are_not_a_list_get_a_400_not_a_500(lrs):
    r = lrs.post(S, dict(stmt(), attachments=12345))
    assert r.status_code == 400 and "attachments" in r.content.decode()


def test_statement_id_with_other_params_refused(lrs):
    sid = post_ok(lrs, stmt())[0]
    assert lrs.get(S, {"statementId": sid, "limit": 1}).status_code == 400
    assert lrs.get(S, {"statementId": sid, "voidedStatementId": sid}).status_code == 400
    assert lrs.get(S, {"statementId": sid, "format": "ids"}).status_code == 200
    assert lrs.get(S, {"statementId": sid, "attachments": "true"}).status_code == 200


def test_filters_return_statements_targeting_a_match(lrs):
    verb = f"http://example.org/verbs/{uuid.uuid4()}"
    voided = post_ok(lrs, stmt(verb={"id": verb}))[0]
    voiding = _void(lrs, voided).json()[0]
    ref = post_ok(lrs, stmt(verb={"id": verb}, object={"objectType": "StatementRef", "id": voided}))[0]
    got = [s["id"] for s in lrs.get(S, {"verb": verb}).json()["statements"]]
    assert got == [ref, voiding]


# --- filters, formats, paging ---------------------------------------------------------------------

def test_agent_verb_activity_registration_filters(lrs):
    reg = str(uuid.uuid4())
    a = post_ok(lrs, stmt(actor={"mbox": "mailto:one@example.org"},
                          context={"registration": reg, "instructor": {"mbox": "mailto:teach@example.org"},
                                   "contextActivities": {"parent": {"id": "http://example.org/course"}}}))[0]
    b = post_ok(lrs, stmt(actor={"mbox": "mailto:two@example.org"},
                          verb={"id": "http://adlnet.gov/expapi/verbs/passed"}))[0]

    def ids(**params):
        r = lrs.get(S, params)
        assert r.status_code == 200, r.content
        return {s["id"] for s in r.json()["statements"]}

    assert ids(agent=json.dumps({"mbox": "mailto:one@example.org"})) == {a}
    assert ids(verb="http://adlnet.gov/expapi/verbs/passed") == {b}
    assert ids(registration=reg) == {a}
    assert ids(activity="http://example.org/course") == set()
    assert ids(activity="http://example.org/course", related_activities="true") == {a}
    assert ids(agent=json.dumps({"mbox": "mailto:teach@example.org"})) == set()
    assert ids(agent=json.dumps({"mbox": "mailto:teach@example.org"}), related_agents="true") == {a}
    assert {a, b} <= ids(activity="http://example.org/activity/1")


def test_bad_filter_values(lrs):
    for params in ({"agent": "{bad json"}, {"agent": json.dumps({"name": "no ifi"})}, {"verb": "nope"},
                   {"registration": "x"}, {"since": "yesterday"}, {"limit": "-1"}, {"format": "full"},
                   {"ascending": "yes"}):
        r = lrs.get(S, params)
        assert r.status_code == 400, params
        assert r.json()["errors"] or r.json()["message"]


def test_since_until_ascending_limit(lrs):
    ids = [post_ok(lrs, stmt())[0] for _ in range(3)]
    stored = [lrs.get(S, {"statementId": i}).json()["stored"] for i in ids]
    got = [s["id"] for s in lrs.get(S, {"since": stored[0], "ascending": "true"}).json()["statements"]]
    assert ids[0] not in got and got[-2:] == ids[1:]
    got = [s["id"] for s in lrs.get(S, {"until": stored[0]}).json()["statements"]]
    assert ids[0] in got and ids[1] not in got
    assert len(lrs.get(S, {"limit": 1}).json()["statements"]) == 1


def test_more_paging_is_stable_and_complete(lrs):
    ids = post_ok(lrs, [stmt() for _ in range(7)])
    seen, url, pages = [], None, 0
    r = lrs.get(S, {"limit": 3, "verb": "http://adlnet.gov/expapi/verbs/experienced"})
    while True:
        body = r.json()
        pages += 1
        seen += [s["id"] for s in body["statements"]]
        if not body["more"]:
            break
        url = body["more"]
        assert url.startswith("/xapi/statements?more=")
        # New statements arriving meanwhile don't shift the pages.
        post_ok(lrs, stmt())
        r = lrs.get(url)
        assert r.status_code == 200
    assert pages == 3
    assert sorted(seen) == sorted(ids)
    assert lrs.get(url).json()["statements"]  # a token can be followed again
    assert lrs.get(S, {"more": "garbage"}).status_code == 400


def test_paging_a_filter_interleaves_matches_and_statements_targeting_them(lrs):
    """The matching statements and the StatementRefs to them come in one (stored, id) order across pages,
    each once, however they alternate; a reference to a reference that does not match is not returned."""
    reg = str(uuid.uuid4())

    def ref(target, **over):
        return post_ok(lrs, stmt(object={"objectType": "StatementRef", "id": target}, **over))[0]

    a1 = post_ok(lrs, stmt(context={"registration": reg}))[0]
    r1 = ref(a1)
    a2 = post_ok(lrs, stmt(context={"registration": reg}))[0]
    r2 = ref(a2, context={"registration": reg})  # matches itself and targets a match
    ref(r1)  # targets a statement that only matches by its target
    post_ok(lrs, stmt())
    a3 = post_ok(lrs, stmt(context={"registration": reg}))[0]
    v3 = _void(lrs, a3).json()[0]
    expected = [v3, r2, a2, r1, a1]

    def pages(**params):
        seen, r = [], lrs.get(S, {"registration": reg, "limit": 2, **params})
        while True:
            assert r.status_code == 200, r.content
            body = r.json()
            assert len(body["statements"]) <= 2
            seen += [s["id"] for s in body["statements"]]
            if not body["more"]:
                return seen
            r = lrs.get(body["more"])

    assert pages() == expected
    assert pages(ascending="true") == expected[::-1]
    assert [s["id"] for s in lrs.get(S, {"registration": reg}).json()["statements"]] == expected


def test_consistent_through_not_before_any_stored(lrs):
    post_ok(lrs, [stmt() for _ in range(3)])
    r = lrs.get(S)
    through = r["X-Experience-API-Consistent-Through"]
    from zhijiao.records.xapi.validation import parse_timestamp

    assert all(parse_timestamp(s["stored"]) <= parse_timestamp(through) for s in r.json()["statements"])


def test_format_ids_and_canonical(lrs):
    s = stmt(verb={"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "x", "en-GB": "y"}},
             object={"id": "http://example.org/c1", "definition": {"name": {"en-US": "US", "en-GB": "GB",
                                                                           "zh-CN": "中文"}}})
    sid = post_ok(lrs, s)[0]
    ids = lrs.get(S, {"statementId": sid, "format": "ids"}).json()
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:tester@example.org"}
    assert ids["verb"] == {"id": "http://adlnet.gov/expapi/verbs/experienced"}
    assert ids["object"] == {"id": "http://example.org/c1"}  # the minimum that identifies an activity
    canon = lrs.get(S, {"statementId": sid, "format": "canonical"}, HTTP_ACCEPT_LANGUAGE="en-GB").json()
    assert canon["verb"]["display"] == {"en-GB": "y"}
    assert canon["object"]["definition"]["name"] == {"en-GB": "GB"}
    canon = lrs.get(S, {"statementId": sid, "format": "canonical"}, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").json()
    assert canon["object"]["definition"]["name"] == {"zh-CN": "中文"}
    exact = lrs.get(S, {"statementId": sid}).json()
    assert len(exact["object"]["definition"]["name"]) == 3


def test_activities_and_agents_resources(lrs):
    post_ok(lrs, stmt(object={"id": "http://example.org/c2", "definition": {"name": {"en-US": "C2"}}}))
    r = lrs.get("/xapi/activities", {"activityId": "http://example.org/c2"})
    assert r.json() == {"objectType": "Activity", "id": "http://example.org/c2",
                        "definition": {"name": {"en-US": "C2"}}}
    assert lrs.get("/xapi/activities").status_code == 400


def test_activity_definitions_from_two_statements_merge_their_languages(lrs):
    iri = f"http://example.org/meeting/{uuid.uuid4()}"
    post_ok(lrs, [stmt(object={"id": iri, "definition": {"name": {"en-GB": "meeting", "en-US": "example meeting"}}}),
                  stmt(object={"id": iri, "definition": {"name": {"en-GB": "meeting!", "fr-FR": "réunion"}}})])
    name = lrs.get("/xapi/activities", {"activityId": iri}).json()["definition"]["name"]
    assert name == {"en-GB": "meeting!", "en-US": "example meeting", "fr-FR": "réunion"}
    r = lrs.get("/xapi/agents", {"agent": json.dumps({"mbox": "mailto:tester@example.org", "name": "T"})})
    assert r.json() == {"objectType": "Person", "name": ["T"], "mbox": ["mailto:tester@example.org"]}
    r = lrs.get("/xapi/agents", {"agent": json.dumps({"mbox": "mailto:tester@example.org"})})
    assert r.json()["name"] == ["测试"]
    assert lrs.get("/xapi/agents", {"agent": "{}"}).status_code == 400


# --- alternate request syntax ---------------------------------------------------------------------

def test_alternate_syntax_get_put_and_refusals(lrs):
    from urllib.parse import urlencode

    from django.test import Client

    c = Client()
    form = urlencode({"limit": 1, "Authorization": lrs.auth, "X-Experience-API-Version": "1.0.3"})
    r = c.post(f"{S}?method=GET", form, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 200 and "statements" in r.json()
    sid = str(uuid.uuid4())
    form = urlencode({"statementId": sid, "content": json.dumps(stmt()), "Authorization": lrs.auth,
                      "X-Experience-API-Version": "1.0.3"})
    r = c.post(f"{S}?method=PUT", form, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 204, r.content
    assert lrs.get(S, {"statementId": sid}).status_code == 200
    # Anything but method in the query string is refused; so is a body that isn't form-encoded.
    r = c.post(f"{S}?method=PUT&statementId={uuid.uuid4()}", form, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400
    r = c.post(f"{S}?method=PUT", json.dumps({"statementId": sid}), content_type="application/json")
    assert r.status_code == 415
    assert c.post(f"{S}?method=PUT", b"", content_type="").status_code == 400  # no body at all
    # the version in the form is the request's version, and it is checked
    old = urlencode({"statementId": str(uuid.uuid4()), "content": json.dumps(stmt()), "Authorization": lrs.auth,
                     "X-Experience-API-Version": "0.8"})
    r = c.post(f"{S}?method=PUT", old, content_type="application/x-www-form-urlencoded",
               HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    assert r.status_code == 400
    r = lrs.get(S, {"method": "POST"})
    assert r.status_code == 400


def test_methods_not_in_the_spec_are_405_even_without_credentials(lrs):
    from django.test import Client

    r = Client().delete(f"{S}?statementId={uuid.uuid4()}", HTTP_X_EXPERIENCE_API_VERSION="1.0.1")
    assert r.status_code == 405
    assert "GET" in r["Allow"]
    assert lrs.post("/xapi/activities?activityId=http://example.org/a", {}).status_code == 405
    assert lrs.put("/xapi/agents?agent=" + json.dumps({"mbox": "mailto:a@b.c"}), {}).status_code == 405


def test_parameter_names_are_case_sensitive(lrs):
    for name in ("StatementId", "Verb", "Limit", "Ascending"):
        assert lrs.get(S, {name: "x"}).status_code == 400


def test_bulk_inserted_rows_can_be_indexed_for_the_filters(lrs):
    from zhijiao.records.actions import record_event, statements_index

    st = record_event(actor=None, verb="searched", object_kind="search", object_key="q1")
    raw = Statement.objects.create(id=uuid.uuid4(), verb=st.verb, object_id="http://example.org/bulk/1",
                                   timestamp=st.timestamp, statement={
                                       **st.statement, "id": "00000000-0000-4000-8000-000000000001",
                                       "object": {"objectType": "Activity", "id": "http://example.org/bulk/1"}})
    assert lrs.get(S, {"activity": "http://example.org/bulk/1"}).json()["statements"] == []
    assert statements_index(statements=[raw]) >= 2
    got = lrs.get(S, {"activity": "http://example.org/bulk/1"}).json()["statements"]
    assert [s["object"]["id"] for s in got] == ["http://example.org/bulk/1"]


def test_unauthorised_statements_get_still_has_consistent_through(db):
    from django.test import Client

    r = Client().get(S, HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    assert r.status_code == 401
    assert r["X-Experience-API-Consistent-Through"]


def test_too_large_body_is_413(lrs, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    r = lrs.post(S, [stmt() for _ in range(20)])
    assert r.status_code == 413


def test_session_cookies_do_not_authenticate_xapi(users, client_as):
    c = client_as(users["qu_admin"])
    r = c.get(S, HTTP_X_EXPERIENCE_API_VERSION="1.0.3", HTTP_ORIGIN="http://evil.example.org")
    assert r.status_code == 401
    assert "Access-Control-Allow-Credentials" not in r


def test_statements_of_the_same_millisecond_are_stored_in_order(lrs, monkeypatch):
    from datetime import datetime

    from django.utils import timezone

    from zhijiao.records import actions

    frozen = datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)  # in the past: readable at once
    monkeypatch.setattr(actions, "_last_stored", None)
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: frozen)  # every request in the same instant
        ids = [post_ok(lrs, stmt())[0] for _ in range(3)]
    stored = [lrs.get(S, {"statementId": i}).json()["stored"] for i in ids]
    assert stored == sorted(stored) and len(set(stored)) == 3
    # a client paging with `since` after the first sees the other two, in order
    got = [s["id"] for s in lrs.get(S, {"since": stored[0], "ascending": "true"}).json()["statements"]]
    assert got[:2] == ids[1:] and ids[0] not in got  # (later ones are the fixture's, stored now)
