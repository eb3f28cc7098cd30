"""Reads of the learning record store. Every statement read takes the caller's access and is scoped."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils import timezone

from zhijiao.records.models import Activity, Attachment, Document, LrsClient, Statement, StatementTerm
from zhijiao.records.xapi.statements import agent_key

MAX_LIMIT = 500
MORE_SALT = "zhijiao.xapi.more"


@dataclass
class StatementQuery:
    agent: dict | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 0
    ascending: bool = False
    format: str = "exact"
    attachments: bool = False

    def to_token(self) -> dict:
        return {"agent": self.agent, "verb": self.verb, "activity": self.activity, "registration": self.registration,
                "ra": self.related_activities, "rg": self.related_agents,
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None, "limit": self.limit, "asc": self.ascending,
                "fmt": self.format, "att": self.attachments}

    @classmethod
    def from_token(cls, d: dict) -> "StatementQuery":
        return cls(agent=d["agent"], verb=d["verb"], activity=d["activity"], registration=d["registration"],
                   related_activities=d["ra"], related_agents=d["rg"],
                   since=datetime.fromisoformat(d["since"]) if d["since"] else None,
                   until=datetime.fromisoformat(d["until"]) if d["until"] else None,
                   limit=d["limit"], ascending=d["asc"], format=d["fmt"], attachments=d["att"])


def statement_scope(access) -> Q:
    """Which statements the caller may read.

    Clients with statements/read (or all) read everything; with statements/read/mine only what they
    stored. A user reads statements about themselves, a teacher those of their classes' students, a
    parent their children's, admins and supervisors everything about students and schools under them.
    """
    if access.client is not None:
        if access.reads_all_statements():
            return Q()
        return Q(client=access.client)
    from zhijiao.accounts.selectors import scope_of

    user = access.user
    scope = scope_of(user)
    cond = Q(actor=user)
    if scope.child_ids or scope.taught_class_ids or scope.oversight_paths:
        cond |= Q(actor__in=scope.students().values("pk"))
    for path in scope.oversight_paths:
        cond |= Q(school__path__startswith=path)
    return cond


def reads_others(access) -> bool:
    """Whether a read may show statements about people other than the caller (for the audit log)."""
    if access.client is not None:
        return True
    from zhijiao.accounts.selectors import scope_of

    scope = scope_of(access.user)
    return bool(scope.child_ids or scope.taught_class_ids or scope.oversight_paths)


def _term_ids(kind: str, key: str, related: bool):
    qs = StatementTerm.objects.filter(kind=kind, key=key)
    if not related:
        qs = qs.filter(primary=True)
    return qs.values("statement_id")


def _past(stored: datetime, sid: uuid.UUID, *, greater: bool) -> Q:
    """Statements whose (stored, id) is greater (or less) than the one given."""
    if greater:
        return Q(stored__gt=stored) | Q(stored=stored, id__gt=sid)
    return Q(stored__lt=stored) | Q(stored=stored, id__lt=sid)


def statements_query(access, q: StatementQuery, *, cursor: tuple | None = None, asof: datetime | None = None
                     ) -> tuple[list[Statement], str | None, datetime]:
    """One page of statements matching the xAPI filters, and the `more` token for the next page (or None)."""
    asof = asof or timezone.now()
    match = Statement.objects.all()
    filtered = False
    if q.agent is not None:
        match = match.filter(id__in=_term_ids("agent", agent_key(q.agent) or "", q.related_agents))
        filtered = True
    if q.activity:
        match = match.filter(id__in=_term_ids("activity", q.activity, q.related_activities))
        filtered = True
    if q.verb:
        match = match.filter(verb=q.verb)
        filtered = True
    if q.registration:
        match = match.filter(registration=uuid.UUID(q.registration))
        filtered = True
    qs = Statement.objects.filter(voided=False).filter(statement_scope(access)).filter(stored__lte=asof)
    if q.since:
        qs = qs.filter(stored__gt=q.since)
    if q.until:
        qs = qs.filter(stored__lte=q.until)
    limit = q.limit if 0 < q.limit <= MAX_LIMIT else MAX_LIMIT
    if cursor is not None:
        # After the last statement of the previous page.
        qs = qs.filter(_past(datetime.fromisoformat(cursor[0]), uuid.UUID(cursor[1]), greater=q.ascending))
    order = ["stored", "id"] if q.ascending else ["-stored", "-id"]
    fields = ("id", "stored", "statement", "has_attachments")
    if not filtered:
        rows = list(qs.order_by(*order).only(*fields)[:limit + 1])
    else:
        # The matching statements, and the statements that target one of them (StatementRef, e.g. a voiding
        # one), which match too. Two queries, each with its own ORDER BY ... LIMIT, merged here: as one
        # `id IN (...) OR object_ref IN (...)` PostgreSQL walks the (stored, id) index through every
        # statement when few match (seconds on 2,000,000). A page is the first limit+1 of the union, so
        # when the matches fill it, only StatementRefs ahead of the last of them can be on it: that bound
        # keeps the second query to a short stretch of the (stored, id) index when many statements match.
        ids = match.values("id")
        direct = list(qs.filter(id__in=ids).order_by(*order).only(*fields)[:limit + 1])
        refs = qs.filter(object_ref__isnull=False, object_ref__in=ids)
        if len(direct) > limit:
            refs = refs.filter(_past(direct[-1].stored, direct[-1].id, greater=not q.ascending))
        merged = {r.id: r for r in direct}  # a StatementRef that matches itself is in both
        merged.update((r.id, r) for r in refs.order_by(*order).only(*fields)[:limit + 1])
        rows = sorted(merged.values(), key=lambda r: (r.stored, r.id), reverse=not q.ascending)[:limit + 1]
    more = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        more = signing.dumps({"q": q.to_token(), "c": [last.stored.isoformat(), str(last.id)],
                              "t": asof.isoformat()}, salt=MORE_SALT, compress=True)
    return rows, more, asof


def statements_more(access, token: str) -> tuple[list[Statement], str | None, datetime]:
    """The next page behind a `more` token. Raises signing.BadSignature for a token we did not issue."""
    d = signing.loads(token, salt=MORE_SALT)
    return statements_query(access, StatementQuery.from_token(d["q"]), cursor=tuple(d["c"]),
                            asof=datetime.fromisoformat(d["t"]))


def statement_get(access, statement_id: str, *, voided: bool) -> Statement | None:
    """One statement by id: statementId finds only non-voided ones, voidedStatementId only voided ones."""
    try:
        sid = uuid.UUID(statement_id)
    except ValueError:
        return None
    return (Statement.objects.filter(statement_scope(access)).filter(id=sid, voided=voided).first())


def attachments_for(statements: list[Statement]) -> list[Attachment]:
    shas = {a.get("sha2") for s in statements if s.has_attachments for a in s.statement.get("attachments", [])}
    shas.discard(None)
    return list(Attachment.objects.filter(sha2__in=shas)) if shas else []


def canonical_definitions(statements: list[Statement]) -> dict[str, dict]:
    from zhijiao.records.xapi.statements import terms

    iris = {key for s in statements for kind, key, _p in terms(s.statement) if kind == "activity"}
    return dict(Activity.objects.filter(iri__in=iris).values_list("iri", "definition")) if iris else {}


def activity_get(iri: str) -> dict | None:
    a = Activity.objects.filter(iri=iri).first()
    if a is not None:
        out = {"objectType": "Activity", "id": iri}
        if a.definition:
            out["definition"] = a.definition
        return out
    if StatementTerm.objects.filter(kind="activity", key=iri).exists():
        return {"objectType": "Activity", "id": iri}
    return None


def person_for(agent: dict) -> dict:
    """The Person object (xAPI agents resource) the LRS knows for an agent: here, the agent's own identifiers."""
    person: dict = {"objectType": "Person", "name": []}
    if agent.get("name"):
        person["name"] = [agent["name"]]
    else:
        # The name the agent went by in the latest statement stored about them, if any.
        term = (StatementTerm.objects.filter(kind="agent", key=agent_key(agent) or "", primary=True)
                .select_related("statement").order_by("-statement__stored").first())
        actor = term.statement.statement.get("actor", {}) if term else {}
        if agent_key(actor) == agent_key(agent) and isinstance(actor.get("name"), str):
            person["name"] = [actor["name"]]
    for k in ("mbox", "mbox_sha1sum", "openid", "account"):
        if k in agent:
            person[k] = [agent[k]]
    return person


def document_get(kind: str, keys: dict) -> Document | None:
    return Document.objects.filter(kind=kind, **keys).first()


def document_ids(kind: str, keys: dict, since: datetime | None = None) -> list[str]:
    qs: QuerySet = Document.objects.filter(kind=kind, **keys)
    if since is not None:
        qs = qs.filter(updated__gt=since)
    return list(qs.order_by("doc_id").values_list("doc_id", flat=True))


def lrs_clients(user) -> QuerySet[LrsClient]:
    """Registered xAPI clients: district admins manage them; nobody else sees them."""
    from zhijiao.accounts.models import RoleKind
    from zhijiao.accounts.selectors import scope_of

    if not scope_of(user).has(RoleKind.DISTRICT_ADMIN):
        return LrsClient.objects.none()
    return LrsClient.objects.all()


def can_manage_clients(user) -> bool:
    from zhijiao.accounts.models import RoleKind
    from zhijiao.accounts.selectors import scope_of

    return user.is_authenticated and scope_of(user).has(RoleKind.DISTRICT_ADMIN)
