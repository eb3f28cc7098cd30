"""Statement validation (xAPI 1.0.3 Data): one small test per rule."""

import copy

import pytest

from zhijiao.records.xapi.validation import XapiInvalid, parse_timestamp, validate_statement

BASE = {
    "actor": {"objectType": "Agent", "mbox": "mailto:a@example.org"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}},
    "object": {"id": "http://example.org/act/1"},
}


def with_(**over):
    s = copy.deepcopy(BASE)
    for k, v in over.items():
        if v is None:
            s.pop(k, None)
        else:
            s[k] = v
    return s


def fields(statement) -> list[str]:
    with pytest.raises(XapiInvalid) as exc:
        validate_statement(statement)
    return [e["field"] for e in exc.value.errors]


def ok(statement):
    return validate_statement(statement)


def test_minimal_statement_is_valid():
    ok(with_())


@pytest.mark.parametrize("missing", ["actor", "verb", "object"])
def test_required_properties(missing):
    assert missing in fields(with_(**{missing: None}))


def test_extra_property_refused():
    assert "colour" in fields(with_(colour="red"))


def test_null_value_refused():
    assert "result" in fields(with_(result=None) | {"result": None})


@pytest.mark.parametrize("bad", ["1234", "not-a-uuid", 12, "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"])
def test_id_must_be_uuid(bad):
    assert "id" in fields(with_(id=bad))


# --- actors ---------------------------------------------------------------------------------------

def test_agent_needs_exactly_one_ifi():
    assert "actor" in fields(with_(actor={"objectType": "Agent", "name": "x"}))
    assert "actor" in fields(with_(actor={"mbox": "mailto:a@b.c", "openid": "http://openid.example.org/a"}))


@pytest.mark.parametrize("actor", [
    {"mbox": "mailto:a@example.org"},
    {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
    {"openid": "http://openid.example.org/a"},
    {"account": {"homePage": "http://example.org", "name": "a1"}},
])
def test_each_ifi_accepted(actor):
    ok(with_(actor=actor))


@pytest.mark.parametrize("actor,field", [
    ({"mbox": "a@example.org"}, "actor.mbox"),
    ({"mbox_sha1sum": "xyz"}, "actor.mbox_sha1sum"),
    ({"openid": "not an iri"}, "actor.openid"),
    ({"account": {"homePage": "example.org", "name": "a"}}, "actor.account.homePage"),
    ({"account": {"homePage": "http://example.org"}}, "actor.account.name"),
    ({"account": {"homePage": "http://example.org", "name": "a", "extra": 1}}, "actor.account.extra"),
    ({"objectType": "agent", "mbox": "mailto:a@b.c"}, "actor.objectType"),
])
def test_bad_ifis(actor, field):
    assert field in fields(with_(actor=actor))


def test_anonymous_group_needs_members():
    assert "actor.member" in fields(with_(actor={"objectType": "Group", "name": "g"}))
    ok(with_(actor={"objectType": "Group", "member": [{"mbox": "mailto:a@b.c"}]}))


def test_identified_group_without_members_ok_but_one_ifi_only():
    ok(with_(actor={"objectType": "Group", "mbox": "mailto:g@b.c"}))
    assert "actor" in fields(with_(actor={"objectType": "Group", "mbox": "mailto:g@b.c",
                                          "openid": "http://o.example.org/g"}))


def test_group_members_are_agents_not_groups():
    actor = {"objectType": "Group", "member": [{"objectType": "Group", "mbox": "mailto:g@b.c"}]}
    assert "actor.member[0].objectType" in fields(with_(actor=actor))


# --- verb, language maps --------------------------------------------------------------------------

def test_verb_id_must_be_iri():
    assert "verb.id" in fields(with_(verb={"id": "attempted"}))


def test_language_map_rules():
    assert "verb.display" in fields(with_(verb={"id": "http://x.org/v", "display": {}}))
    assert "verb.display" in fields(with_(verb={"id": "http://x.org/v", "display": "attempted"}))
    assert "verb.display.a12345" in fields(with_(verb={"id": "http://x.org/v", "display": {"a12345": "x"}}))
    ok(with_(verb={"id": "http://x.org/v", "display": {"zh-CN": "尝试", "en-US": "tried", "und": "?"}}))
    # more than 8 letters in a subtag: not an RFC 5646 language tag
    assert "verb.display.something" in fields(with_(verb={"id": "http://x.org/v",
                                                          "display": {"en-US": "a", "something": "b"}}))


# --- objects --------------------------------------------------------------------------------------

def test_activity_definition_may_be_an_empty_object():
    # Data 2.4.4.1: every property of an Activity Definition is optional, so {} is a definition.
    ok(with_(object={"id": "http://example.org/a", "definition": {}}))
    sub = {"objectType": "SubStatement", "actor": BASE["actor"], "verb": BASE["verb"],
           "object": {"id": "http://example.org/a", "definition": {}}}
    ok(with_(object=sub))


def test_interaction_component_descriptions_are_language_maps():
    choices = [{"id": "a", "description": {"en-US": "Golf", "something": "value"}}]
    obj = {"id": "http://example.org/q", "definition": {"interactionType": "choice", "choices": choices}}
    assert any(f.startswith("object.definition.choices") for f in fields(with_(object=obj)))


def test_object_agent_needs_object_type():
    assert "object.objectType" in fields(with_(object={"mbox": "mailto:a@b.c", "objectType": "agent"}))
    ok(with_(object={"objectType": "Agent", "mbox": "mailto:a@b.c"}))


def test_statement_ref_needs_uuid():
    assert "object.id" in fields(with_(object={"objectType": "StatementRef", "id": "nope"}))
    ok(with_(object={"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}))


def test_unknown_object_type():
    assert "object.objectType" in fields(with_(object={"objectType": "Thing", "id": "http://x.org/1"}))


def test_activity_definition_rules():
    ok(with_(object={"id": "http://x.org/q1", "definition": {
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction", "interactionType": "choice",
        "correctResponsesPattern": ["a"], "choices": [{"id": "a", "description": {"en-US": "A"}},
                                                       {"id": "b", "description": {"en-US": "B"}}]}}))
    assert "object.definition.type" in fields(with_(object={"id": "http://x.org/1", "definition": {"type": "x"}}))
    assert "object.definition.moreInfo" in fields(with_(object={"id": "http://x.org/1",
                                                                "definition": {"moreInfo": "x"}}))
    assert "object.definition.interactionType" in fields(with_(object={"id": "http://x.org/1", "definition": {
        "choices": [{"id": "a"}]}}))
    assert "object.definition.scale" in fields(with_(object={"id": "http://x.org/1", "definition": {
        "interactionType": "choice", "scale": [{"id": "a"}]}}))
    assert "object.definition.choices[1].id" in fields(with_(object={"id": "http://x.org/1", "definition": {
        "interactionType": "choice", "choices": [{"id": "a"}, {"id": "a"}]}}))


def test_substatement_rules():
    sub = {"objectType": "SubStatement", "actor": {"mbox": "mailto:s@b.c"},
           "verb": {"id": "http://x.org/v"}, "object": {"id": "http://x.org/a"}}
    ok(with_(object=sub))
    assert "object.id" in fields(with_(object={**sub, "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}))
    assert "object.version" in fields(with_(object={**sub, "version": "1.0.0"}))
    assert "object.object.objectType" in fields(with_(object={**sub, "object": dict(sub)}))


# --- result ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("score,field", [
    ({"scaled": 1.5}, "result.score.scaled"),
    ({"scaled": -1.01}, "result.score.scaled"),
    ({"raw": 11, "min": 0, "max": 10}, "result.score.raw"),
    ({"raw": -1, "min": 0}, "result.score.raw"),
    ({"min": 5, "max": 5}, "result.score.max"),
    ({"raw": "10"}, "result.score.raw"),
])
def test_score_ranges(score, field):
    assert field in fields(with_(result={"score": score}))


def test_result_types_and_duration():
    ok(with_(result={"score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10}, "success": True,
                     "completion": False, "response": "a", "duration": "PT1H30M5.5S"}))
    assert "result.success" in fields(with_(result={"success": "yes"}))
    for bad in ("1 hour", "P", "PT", "P1H", "PT1.5", "P4W1D", "P1WT1H"):  # weeks only on their own
        assert "result.duration" in fields(with_(result={"duration": bad})), bad
    ok(with_(result={"duration": "P1Y2M3DT4H5M6S"}))
    ok(with_(result={"duration": "P2W"}))


# --- context --------------------------------------------------------------------------------------

def test_context_registration_uuid():
    assert "context.registration" in fields(with_(context={"registration": "abc"}))


def test_context_activities_normalised_to_arrays():
    s = ok(with_(context={"contextActivities": {"parent": {"id": "http://x.org/p"},
                                                "grouping": [{"id": "http://x.org/g"}]}}))
    assert s["context"]["contextActivities"]["parent"] == [{"id": "http://x.org/p"}]
    assert isinstance(s["context"]["contextActivities"]["grouping"], list)


def test_context_activities_unknown_key():
    assert "context.contextActivities.sibling" in fields(
        with_(context={"contextActivities": {"sibling": {"id": "http://x.org/p"}}}))


def test_revision_and_platform_only_with_activity_object():
    agent_obj = {"objectType": "Agent", "mbox": "mailto:o@b.c"}
    assert "context.revision" in fields(with_(object=agent_obj, context={"revision": "1"}))
    assert "context.platform" in fields(with_(object=agent_obj, context={"platform": "x"}))
    ok(with_(context={"revision": "1", "platform": "x"}))


def test_context_team_must_be_group_and_language_tag():
    assert "context.team.objectType" in fields(with_(context={"team": {"mbox": "mailto:t@b.c"}}))
    assert "context.language" in fields(with_(context={"language": 1234}))


def test_extension_keys_are_iris():
    assert "context.extensions.school" in fields(with_(context={"extensions": {"school": 1}}))
    ok(with_(context={"extensions": {"http://x.org/ext/school": {"any": ["json"]}}}))


# --- timestamps, version, authority, attachments --------------------------------------------------

@pytest.mark.parametrize("ts", ["2026-11-23T10:00:00Z", "2026-11-23T10:00:00.123+08:00", "20261123T100000Z",
                                "2026-11-23T10:00Z", "2026-11-23T10:00:00.123456789-05:00"])
def test_good_timestamps(ts):
    ok(with_(timestamp=ts))


@pytest.mark.parametrize("ts", ["should fail", "01/011/2015", "2008-09-15T15:53:00.601-00",
                                "2008-09-15T15:53:00.601-0000", "2008-09-15T15:53:00.601-00:00",
                                "2026-11-23T10:00:00", "2026-13-01T00:00:00Z", "2026-11-23"])
def test_bad_timestamps(ts):
    assert "timestamp" in fields(with_(timestamp=ts))


def test_parse_timestamp_keeps_the_moment():
    assert parse_timestamp("2026-11-23T18:00:00+08:00") == parse_timestamp("2026-11-23T10:00:00Z")


@pytest.mark.parametrize("v,good", [("1.0.0", True), ("1.0.3", True), ("1.0.99", True), ("1.1.0", False),
                                    ("0.95", False), ("2.0.0", False), ("1.0", True), ("should fail", False)])
def test_version(v, good):
    if good:
        ok(with_(version=v))
    else:
        assert "version" in fields(with_(version=v))


def test_authority_group_needs_two_members():
    grp = {"objectType": "Group", "member": [{"mbox": "mailto:a@b.c"}]}
    assert "authority.member" in fields(with_(authority=grp))
    ok(with_(authority={"objectType": "Group", "member": [{"mbox": "mailto:a@b.c"},
                                                            {"account": {"homePage": "http://x.org", "name": "c"}}]}))


def test_attachment_rules():
    att = {"usageType": "http://x.org/usage", "display": {"en-US": "A"}, "contentType": "text/plain",
           "length": 27, "sha2": "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a",
           "fileUrl": "http://over.there.com/file.txt"}
    ok(with_(attachments=[att]))
    assert "attachments[0].length" in fields(with_(attachments=[{**att, "length": "27"}]))
    assert "attachments[0].sha2" in fields(with_(attachments=[{**att, "sha2": "nothex"}]))
    assert "attachments[0].display" in fields(with_(attachments=[{**att, "display": {}}]))
    assert "attachments[0].usageType" in fields(with_(attachments=[{k: v for k, v in att.items()
                                                                     if k != "usageType"}]))


def test_voiding_statement_object_must_be_statement_ref():
    s = with_(verb={"id": "http://adlnet.gov/expapi/verbs/voided"})
    assert "object" in fields(s)


def test_all_problems_reported_at_once():
    bad = with_(id="x", verb={"id": "nope"}, timestamp="yesterday")
    assert {"id", "verb.id", "timestamp"} <= set(fields(bad))


@pytest.mark.parametrize("tag", ["zh-CN", "en-US", "zh-Hans-CN", "und", "es-419", "de-CH-1901", "x-private",
                                 "i-enochian", "ine", "sl-rozaj-biske", "hy-Latn-IT-arevela",
                                 "az-Arab-x-AZE-derbend", "zh-cmn-Hans-CN"])
def test_good_language_tags(tag):
    ok(with_(verb={"id": "http://x.org/v", "display": {tag: "x"}}))


@pytest.mark.parametrize("tag", ["de-419-DE", "a12345", "en_US", "zh-CN-", "a-DE", "ar-a-aaa-b-bbb-a-ccc"])
def test_bad_language_tags(tag):
    assert f"verb.display.{tag}" in fields(with_(verb={"id": "http://x.org/v", "display": {tag: "x"}}))


def test_null_allowed_only_inside_extensions():
    ok(with_(result={"extensions": {"http://example.com/null": None}}))
    assert "verb.display.en-US" in fields(with_(verb={"id": "http://x.org/v", "display": {"en-US": None}}))
    assert "context.registration" in fields(with_(context={"registration": None}))


def test_authority_group_must_be_anonymous():
    two = [{"mbox": "mailto:a@b.c"}, {"account": {"homePage": "http://x.org", "name": "c"}}]
    assert "authority" in fields(with_(authority={"objectType": "Group", "mbox": "mailto:g@b.c", "member": two}))
    assert "authority.member" in fields(with_(authority={"objectType": "Group", "openid": "http://o.org/g"}))


def test_empty_context_activities_refused():
    assert "context.contextActivities" in fields(with_(context={"contextActivities": {}}))
