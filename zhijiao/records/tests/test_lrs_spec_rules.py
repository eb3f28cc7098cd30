"""The rules of issue 21 as xAPI 1.0.3 (Part Two, Data) states them, through the real /xapi/ views: what the
published ADL conformance suite found (context.language, an empty definition, a non-string interactionType)
and inputs that used to end in a server error instead of a 400."""

import hashlib
import json
import uuid
from urllib.parse import urlencode

import pytest

from zhijiao.records.tests.conftest import stmt

STATEMENTS = "/xapi/statements"


def _sub(**over) -> dict:
    """A statement whose object is a SubStatement built from `over`."""
    inner = stmt(**over)
    inner["objectType"] = "SubStatement"
    return stmt(object=inner)


def _fields(resp) -> list[str]:
    assert resp.status_code == 400, resp.content
    return [e["field"] for e in json.loads(resp.content)["errors"]]


def _stored(lrs, statement):
    resp = lrs.post(STATEMENTS, statement)
    assert resp.status_code == 200, resp.content
    sid = json.loads(resp.content)[0]
    return json.loads(lrs.get(STATEMENTS, {"statementId": sid}).content)


# --- context.language: "String (as defined in RFC 5646)" ------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("sub", [False, True])
def test_context_language_must_be_an_rfc5646_tag(lrs, sub):
    statement = _sub(context={"language": "something"}) if sub else stmt(context={"language": "something"})
    field = "object.context.language" if sub else "context.language"
    assert field in _fields(lrs.post(STATEMENTS, statement))


@pytest.mark.django_db
@pytest.mark.parametrize("tag", ["zh-Hans-CN", "cmn", "en-US-x-private", "zh-CN", "es-419", "x-pig-latin",
                                 "test"])  # "test": 4 letters, reserved for future use by the grammar: well-formed
def test_well_formed_language_tags_accepted_everywhere(lrs, tag):
    statement = stmt(context={"language": tag},
                     verb={"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {tag: "体验"}})
    assert _stored(lrs, statement)["context"]["language"] == tag
    assert _stored(lrs, _sub(context={"language": tag}))["object"]["context"]["language"] == tag


@pytest.mark.django_db
@pytest.mark.parametrize("tag", ["something", "en_US", "zh-CN-", "12", "en-a-bb-a-cc", "中文", "en US", ""])
def test_ill_formed_language_tags_refused(lrs, tag):
    assert "context.language" in _fields(lrs.post(STATEMENTS, stmt(context={"language": tag})))
    display = {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {tag: "体验"}}
    assert f"verb.display.{tag}" in _fields(lrs.post(STATEMENTS, stmt(verb=display)))


# --- definition: every property optional -------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("sub", [False, True])
def test_empty_activity_definition_is_valid(lrs, sub):
    activity = {"objectType": "Activity", "id": "http://example.org/activity/empty", "definition": {}}
    got = _stored(lrs, _sub(object=activity) if sub else stmt(object=activity))
    obj = got["object"]["object"] if sub else got["object"]
    assert obj["definition"] == {}
    assert json.loads(lrs.get("/xapi/activities", {"activityId": activity["id"]}).content)["id"] == activity["id"]


# --- interactionType: one of the listed strings --------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("sub", [False, True])
@pytest.mark.parametrize("itype", [{"test": "value"}, ["choice"], 1, True, "Other"])
def test_interaction_type_must_be_a_listed_string(lrs, sub, itype):
    activity = {"objectType": "Activity", "id": "http://example.org/activity/q",
                "definition": {"interactionType": itype}}
    field = "object.object.definition.interactionType" if sub else "object.definition.interactionType"
    assert field in _fields(lrs.post(STATEMENTS, _sub(object=activity) if sub else stmt(object=activity)))


# --- values that used to end in a 500 --------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    '{"actor": 1e999999}',                                 # Infinity
    '[NaN]',
    '{"result": {"score": {"raw": NaN}}}',
    '{"x": ' + "7" * 5000 + "}",                           # more digits than Python turns into an int
    '{"actor": {"objectType": "Agent", "mbox": "mailto:\\ud800@example.org"}}',  # a lone surrogate
])
def test_not_json_or_not_text_is_400(lrs, body):
    resp = lrs.post(STATEMENTS, body)
    assert resp.status_code == 400, resp.content
    assert json.loads(resp.content)["errors"][0]["field"] == "(body)"


@pytest.mark.django_db
def test_numbers_come_back_as_sent_whichever_parser_read_them(lrs):
    """orjson reads the body unless it holds a run of 19+ digits: then the standard library, which keeps an
    integer past 64 bits exact (orjson would make it a float); JSON numbers in, the same numbers out."""
    ext = "http://example.org/ext/n"
    values = [2**70, -(2**64) - 1, 2**63 - 1, -(2**63), 123456789012345678, 0.1, 2.5e-7]
    for v in values:
        sid = str(uuid.uuid4())
        body = json.dumps(stmt(id=sid, result={"extensions": {ext: v}}))
        assert lrs.post(STATEMENTS, body).status_code == 200, v
        got = json.loads(lrs.get(STATEMENTS, {"statementId": sid}).content)
        assert repr(got["result"]["extensions"][ext]) == repr(v)


@pytest.mark.django_db
@pytest.mark.parametrize("ts", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00"])
def test_timestamp_outside_the_utc_calendar_is_400(lrs, ts):
    assert "timestamp" in _fields(lrs.post(STATEMENTS, stmt(timestamp=ts)))
    assert "since" in _fields(lrs.get(STATEMENTS, {"since": ts}))


@pytest.mark.django_db
@pytest.mark.parametrize("limit", ["²", "٣", "9" * 5000, "-1", "1.5"])
def test_odd_limit_values(lrs, limit):
    lrs.post(STATEMENTS, stmt())
    resp = lrs.get(STATEMENTS, {"limit": limit})
    if limit == "9" * 5000:  # more than the server's maximum is the maximum
        assert resp.status_code == 200
        everything = json.loads(lrs.get(STATEMENTS, {"limit": "0"}).content)["statements"]
        assert json.loads(resp.content)["statements"] == everything
    else:
        assert "limit" in _fields(resp)


@pytest.mark.django_db
def test_state_document_with_huge_number_or_nan_is_400(lrs):
    params = {"activityId": "http://example.org/activity/1",
              "agent": json.dumps({"mbox": "mailto:tester@example.org"}), "stateId": "s"}
    url = "/xapi/activities/state?" + urlencode(params)
    assert lrs.put(url, {"a": 1}).status_code == 204
    for body in ('{"b": ' + "1" * 5000 + "}", '{"b": NaN}'):
        resp = lrs.post(url, body)
        assert "content" in _fields(resp)
    assert json.loads(lrs.get(url).content) == {"a": 1}



@pytest.mark.django_db
def test_nul_in_a_query_parameter_is_a_400_naming_it(lrs):
    # refused by core.middleware.RejectNulBytes before the LRS view runs, in the LRS's error shape
    resp = lrs.get(STATEMENTS, {"verb": "http://example.org/v\x00"})
    assert _fields(resp) == ["verb"]


# --- values longer than their database column (PostgreSQL refuses them: a 500 there) -----------------------

@pytest.mark.django_db
def test_document_keys_longer_than_their_columns_are_400(lrs):
    agent = json.dumps({"mbox": "mailto:tester@example.org"})
    state = {"activityId": "http://example.org/activity/1", "agent": agent}
    too_long_id = lrs.put("/xapi/activities/state?" + urlencode(state | {"stateId": "s" * 701}), {"a": 1})
    assert _fields(too_long_id) == ["stateId"]
    long_agent = json.dumps({"mbox": "mailto:" + "a" * 700 + "@example.org"})
    assert _fields(lrs.get("/xapi/agents/profile", {"agent": long_agent})) == ["agent"]
    long_type = lrs.put("/xapi/activities/state?" + urlencode(state | {"stateId": "s"}), b"x",
                        content_type="text/" + "x" * 300)
    assert _fields(long_type) == ["Content-Type"]
    assert lrs.put("/xapi/activities/state?" + urlencode(state | {"stateId": "s" * 700}), {"a": 1}).status_code == 204


@pytest.mark.django_db
def test_sha512_attachment_is_stored(lrs):
    from zhijiao.records.models import Attachment
    from zhijiao.records.tests.test_lrs_attachments import CT, att, multipart

    data = b"an essay hashed with SHA-512"
    sha = hashlib.sha512(data).hexdigest()
    body = multipart(stmt(attachments=[att(data) | {"sha2": sha}]), [("text/plain", data, sha)])
    resp = lrs.post(STATEMENTS, body, content_type=CT)
    assert resp.status_code == 200, resp.content
    assert data in lrs.get(STATEMENTS, {"statementId": resp.json()[0], "attachments": "true"}).content
    # the column holds it on PostgreSQL too (varchar(64) refused a 128-character digest there)
    assert Attachment._meta.get_field("sha2").max_length >= len(sha)
