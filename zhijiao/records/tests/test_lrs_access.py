"""Credentials and scopes: clients by scope, platform users by their place in the school."""

import json

from django.test import Client

from zhijiao.records.actions import record_event
from zhijiao.records.models import Statement
from zhijiao.records.tests.conftest import V, make_client, stmt
from zhijiao.records.xapi.statements import user_agent

S = "/xapi/statements"


def test_write_only_client_cannot_read(db):
    w = make_client(scopes=["statements/write"])
    assert w.post(S, stmt()).status_code == 200
    r = w.get(S)
    assert r.status_code == 403
    assert r.json()["message"]


def test_read_mine_sees_only_its_own(db):
    mine = make_client(scopes=["statements/write", "statements/read/mine"], name="mine")
    other = make_client(scopes=["statements/write"], name="other")
    own = mine.post(S, stmt()).json()[0]
    theirs = other.post(S, stmt()).json()[0]
    ids = {s["id"] for s in mine.get(S).json()["statements"]}
    assert own in ids and theirs not in ids
    assert mine.get(S, {"statementId": theirs}).status_code == 404


def test_read_only_client_cannot_write_or_touch_state(db):
    r = make_client(scopes=["statements/read"])
    assert r.post(S, stmt()).status_code == 403
    u = "/xapi/activities/state?" + __import__("urllib.parse").parse.urlencode(
        {"activityId": "http://x.org/a", "agent": json.dumps({"mbox": "mailto:a@b.c"}), "stateId": "s"})
    assert r.put(u, {"a": 1}).status_code == 403


def test_revoked_client_is_refused(db):
    from zhijiao.records.actions import lrs_client_revoke
    from zhijiao.records.models import LrsClient

    c = make_client()
    assert c.get(S).status_code == 200
    lrs_client_revoke(actor=None, client=LrsClient.objects.get())
    assert c.get(S).status_code == 401


def _bearer(user):
    from zhijiao.accounts.actions import token_issue

    return Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user).key}", **V)


def _event(user, klass=None, school=None):
    return str(record_event(actor=user, verb="viewed", object_kind="resource", object_key=1, klass=klass,
                            school=school).id)


def test_users_read_by_scope(users):
    from zhijiao.accounts.selectors import scope_of

    student, classmate, teacher = users["xuesheng"], users["s0000002"], users["laoshi"]
    klass = next(iter(scope_of(student).classes()))
    mine = _event(student, klass=klass)
    theirs = _event(classmate, klass=klass)

    def ids(user):
        r = _bearer(user).get(S)
        assert r.status_code == 200, r.content
        return {s["id"] for s in r.json()["statements"]}

    assert mine in ids(student) and theirs not in ids(student)
    assert _bearer(student).get(S, {"statementId": theirs}).status_code == 404
    assert {mine, theirs} <= ids(teacher)
    assert mine in ids(users["jiazhang"]) and theirs not in ids(users["jiazhang"])
    assert {mine, theirs} <= ids(users["qu_admin"])


def test_teacher_read_is_audited(users):
    from zhijiao.accounts.models import AuditLog

    _event(users["xuesheng"])
    assert _bearer(users["laoshi"]).get(S).status_code == 200
    log = AuditLog.objects.filter(action="sensitive_read", target_type="xapi-statements", actor=users["laoshi"])
    assert log.exists()


def test_user_writes_only_as_themselves(users):
    student = users["xuesheng"]
    c = _bearer(student)
    own = stmt(actor=user_agent(student.pk))
    r = c.post(S, json.dumps(own), content_type="application/json")
    assert r.status_code == 200
    st = Statement.objects.get(id=r.json()[0])
    assert st.actor_id == student.pk
    assert st.statement["authority"] == user_agent(student.pk)
    other = stmt(actor=user_agent(users["s0000002"].pk))
    assert c.post(S, json.dumps(other), content_type="application/json").status_code == 403


def test_user_state_only_for_own_agent(users):
    from urllib.parse import urlencode

    student = users["xuesheng"]
    c = _bearer(student)
    own = "/xapi/activities/state?" + urlencode({"activityId": "http://x.org/a", "stateId": "s",
                                                 "agent": json.dumps(user_agent(student.pk))})
    other = "/xapi/activities/state?" + urlencode({"activityId": "http://x.org/a", "stateId": "s",
                                                   "agent": json.dumps(user_agent(users["s0000002"].pk))})
    assert c.put(own, json.dumps({"p": 1}), content_type="application/json").status_code == 204
    assert c.get(other).status_code == 403


def test_platform_events_are_valid_xapi_with_platform_authority(users):
    from zhijiao.records.xapi.validation import validate_statement

    sid = _event(users["xuesheng"])
    body = Statement.objects.get(id=sid).statement
    validate_statement(dict(body))
    assert body["authority"]["account"]["name"] == "zhijiao-platform"
    admin = make_client(scopes=["statements/read"])
    assert admin.get(S, {"statementId": sid}).json()["id"] == sid
