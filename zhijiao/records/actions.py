"""The one entry point of the event trail: `record_event`.

Called inside the caller's transaction, so a statement exists exactly when the action it describes
committed (architecture section 5).
"""

import uuid
from datetime import datetime

from django.utils import timezone

from zhijiao.core.models import OrgNode
from zhijiao.records.models import Statement
from zhijiao.records.vocabulary import activity_id, activity_type_iri, verb_iri


def _agent(user) -> dict:
    # An account on this platform, by id: no names, phone numbers or e-mails in the trail.
    return {
        "objectType": "Agent",
        "account": {"homePage": "https://zhijiao.example.org/", "name": str(user.pk)},
    }


def record_event(
    *,
    actor,
    verb: str,
    object_kind: str,
    object_key: str | int,
    object_name: str = "",
    result: dict | None = None,
    school: OrgNode | None = None,
    klass: OrgNode | None = None,
    actor_role: str = "",
    extensions: dict | None = None,
    timestamp: datetime | None = None,
) -> Statement:
    """Record one xAPI statement: actor did verb to object, with result and school/class context."""
    now = timezone.now()
    ts = timestamp or now
    sid = uuid.uuid4()
    obj_id = activity_id(object_kind, object_key)
    definition: dict = {"type": activity_type_iri(object_kind)}
    if object_name:
        definition["name"] = {"zh-CN": object_name}
    context: dict = {"platform": "zhijiao"}
    ctx_ext = {}
    if school is not None:
        ctx_ext[activity_id("org-node", "school")] = school.pk
    if klass is not None:
        ctx_ext[activity_id("org-node", "class")] = klass.pk
    if actor_role:
        ctx_ext[activity_id("user", "role")] = actor_role
    if extensions:
        ctx_ext.update(extensions)
    if ctx_ext:
        context["extensions"] = ctx_ext
    body = {
        "id": str(sid),
        "actor": _agent(actor) if actor is not None else {"objectType": "Agent", "name": "anonymous",
                                                          "account": {"homePage": "https://zhijiao.example.org/",
                                                                      "name": "anonymous"}},
        "verb": {"id": verb_iri(verb), "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": obj_id, "definition": definition},
        "context": context,
        "timestamp": ts.isoformat(),
        "stored": now.isoformat(),
        "version": "1.0.3",
    }
    if result:
        body["result"] = result
    return Statement.objects.create(
        id=sid,
        actor=actor if (actor is not None and actor.pk) else None,
        actor_role=actor_role,
        verb=body["verb"]["id"],
        object_type=definition["type"],
        object_id=obj_id,
        school=school,
        klass=klass,
        timestamp=ts,
        statement=body,
    )
