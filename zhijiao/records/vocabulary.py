"""The platform's xAPI vocabulary: verbs and activity types its own event trail uses.

Documented as an xAPI profile in docs/xapi-profile.md; keep the two in step.
"""

ADL = "http://adlnet.gov/expapi/verbs/"
ZJ = "https://zhijiao.example.org/xapi/"  # our own IRIs; the host part is a stable name, not a server

VERBS = {
    "logged-in": f"{ZJ}verbs/logged-in",
    "logged-out": f"{ZJ}verbs/logged-out",
    "login-failed": f"{ZJ}verbs/login-failed",
    "imported": f"{ZJ}verbs/imported",
    "created": f"{ZJ}verbs/created",
    "updated": f"{ZJ}verbs/updated",
    "deleted": f"{ZJ}verbs/deleted",
    "reset-password": f"{ZJ}verbs/reset-password",
    "viewed": "http://id.tincanapi.com/verb/viewed",
    "downloaded": f"{ZJ}verbs/downloaded",
    "favourited": f"{ZJ}verbs/favourited",
    "rated": f"{ZJ}verbs/rated",
    "commented": "http://adlnet.gov/expapi/verbs/commented",
    "shared": "http://adlnet.gov/expapi/verbs/shared",
    "submitted": f"{ZJ}verbs/submitted",
    "answered": f"{ADL}answered",
    "asked": f"{ADL}asked",
    "responded": f"{ADL}responded",
    "completed": f"{ADL}completed",
    "scored": f"{ADL}scored",
    "assigned": f"{ZJ}verbs/assigned",
    "graded": f"{ZJ}verbs/graded",
    "approved": f"{ZJ}verbs/approved",
    "rejected": f"{ZJ}verbs/rejected",
    "posted": f"{ZJ}verbs/posted",
    "searched": f"{ZJ}verbs/searched",
}

ACTIVITY_TYPES = {
    "platform": f"{ZJ}activities/platform",
    "user": f"{ZJ}activities/user",
    "org-node": f"{ZJ}activities/org-node",
    "roster-import": f"{ZJ}activities/roster-import",
    "resource": "http://adlnet.gov/expapi/activities/media",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "homework": f"{ZJ}activities/homework",
    "search": f"{ZJ}activities/search",
}


def verb_iri(verb: str) -> str:
    """Short name ('logged-in') or a full IRI; a full IRI passes through."""
    return verb if "://" in verb else VERBS[verb]


def activity_type_iri(kind: str) -> str:
    return kind if "://" in kind else ACTIVITY_TYPES[kind]


def activity_id(kind: str, key: str | int) -> str:
    """A stable activity IRI for one of our objects, e.g. .../activities/resource/42."""
    return f"{ZJ}activities/{kind}/{key}"
