"""OAI-PMH 2.0 data provider (http://www.openarchives.org/OAI/openarchivesprotocol.html).

- Items: published resources at the national and district levels (never school-level ones), as
  `oai:<repositoryIdentifier>:resource/<id>`; datestamp = the item's last change, seconds granularity.
- Formats: `oai_dc` (Dublin Core) and `lom` (IEEE LOM, 1484.12.3 XML binding), from resources.metadata.
- Sets: `section`, `section:<code>` (板块), `stage`, `stage:<code>` (学段), `stage:<code>:subject:<code>`.
- Items harvested from other platforms are not passed on (their origin is the authoritative provider).
- Deleted records: transient. An item that was published and is now withdrawn or rejected is listed
  with `status="deleted"`; an item removed from the database disappears without trace.
- Resumption tokens are stateless: the signed query (format, set, from, until fixed at the first
  response's time) plus the position (last datestamp and id, keyset order) and the cursor. They expire
  after a day. A changed item moves to the end of the list, so a running harvest never skips one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Q, QuerySet
from django.utils import timezone
from lxml import etree

from zhijiao.catalog.models import Section, Stage, Subject
from zhijiao.openplatform.models import HarvestedRecord
from zhijiao.resources.metadata import (
    LOM,
    LOM_XSD,
    OAI_DC,
    OAI_DC_XSD,
    XSI,
    resource_dc_element,
    resource_lom_element,
)
from zhijiao.resources.models import Level, Resource, Sharing, Status

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_XSD = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_ID = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_ID_XSD = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
TOKEN_SALT = "zhijiao.oai.resumption"
TOKEN_TTL = timedelta(days=1)

FORMATS = {
    "oai_dc": (OAI_DC_XSD, OAI_DC, resource_dc_element),
    "lom": (LOM_XSD, LOM, resource_lom_element),
}
# verb -> (required arguments, optional arguments); resumptionToken is exclusive where allowed.
VERBS = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class OaiError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def repository_id() -> str:
    return settings.ZHIJIAO_OAI_REPOSITORY_ID


def oai_identifier(resource_id: int) -> str:
    return f"oai:{repository_id()}:resource/{resource_id}"


def _resource_id(identifier: str) -> int | None:
    m = re.fullmatch(rf"oai:{re.escape(repository_id())}:resource/([1-9][0-9]{{0,18}})", identifier or "")
    return int(m.group(1)) if m else None


def datestamp(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datestamp(value: str, *, name: str) -> tuple[datetime, str]:
    """(UTC datetime, granularity) of a from/until argument; badArgument if it is not one of the two forms."""
    try:
        if DAY.match(value):
            return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC), "day"
        if SECONDS.match(value):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), "seconds"
    except ValueError:
        pass
    raise OaiError("badArgument", f"'{name}' must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC), got '{value}'")


# --- what is exposed -----------------------------------------------------------------------------

def exposed_resources() -> QuerySet[Resource]:
    """Published national/district items, and the ones that were published and are now gone (deleted)."""
    visible = Q(status=Status.APPROVED, sharing__in=[Sharing.DISTRICT, Sharing.PUBLIC])
    gone = Q(published_at__isnull=False) & ~Q(status=Status.APPROVED)
    # Items harvested from elsewhere are not passed on: their origin is the authoritative provider.
    harvested = HarvestedRecord.objects.filter(resource_id__isnull=False).values("resource_id")
    return (Resource.objects.filter(level__in=[Level.NATIONAL, Level.DISTRICT]).filter(visible | gone)
            .exclude(pk__in=harvested))


def is_deleted(resource: Resource) -> bool:
    return resource.status != Status.APPROVED


def all_sets() -> list[tuple[str, str]]:
    sets: list[tuple[str, str]] = []
    sections = list(Section.objects.filter(is_active=True))
    if sections:
        sets.append(("section", "板块"))
        sets += [(f"section:{s.code}", s.name) for s in sections]
    stages = list(Stage.objects.all())
    if stages:
        sets.append(("stage", "学段"))
        sets += [(f"stage:{s.code}", s.name) for s in stages]
        pairs = Subject.stages.through.objects.select_related("stage", "subject").order_by(
            "stage__order", "subject__order")
        sets += [(f"stage:{p.stage.code}:subject:{p.subject.code}", f"{p.stage.name}{p.subject.name}") for p in pairs]
    return sets


def set_filter(spec: str) -> Q | None:
    """The filter for a setSpec, or None if the repository has no such set."""
    parts = spec.split(":")
    if parts == ["section"]:
        return Q(section__isnull=False)
    if parts == ["stage"]:
        return Q(stage__isnull=False)
    if len(parts) == 2 and parts[0] == "section" and Section.objects.filter(code=parts[1], is_active=True).exists():
        return Q(section__code=parts[1])
    if len(parts) == 2 and parts[0] == "stage" and Stage.objects.filter(code=parts[1]).exists():
        return Q(stage__code=parts[1])
    if (len(parts) == 4 and parts[0] == "stage" and parts[2] == "subject"
            and Subject.stages.through.objects.filter(stage__code=parts[1], subject__code=parts[3]).exists()):
        return Q(stage__code=parts[1], subject__code=parts[3])
    return None


def record_sets(resource: Resource) -> list[str]:
    specs = []
    if resource.section_id:
        specs.append(f"section:{resource.section.code}")
    if resource.stage_id:
        specs.append(f"stage:{resource.stage.code}")
        if resource.subject_id:
            specs.append(f"stage:{resource.stage.code}:subject:{resource.subject.code}")
    return specs


# --- the response ----------------------------------------------------------------------------------

def _el(parent, name: str, text=None, ns: str = OAI, **attrs):
    e = etree.SubElement(parent, f"{{{ns}}}{name}", {k: str(v) for k, v in attrs.items()})
    if text is not None:
        e.text = str(text)
    return e


def handle(args, *, base_url: str, site_url: str = "") -> bytes:
    """Answer one OAI-PMH request; `args` is a QueryDict (GET or POST). Always a 200 XML document."""
    now = timezone.now().replace(microsecond=0)
    root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI} {OAI_XSD}")
    _el(root, "responseDate", datestamp(now))
    request_el = _el(root, "request", base_url)
    try:
        verb, params = _check_arguments(args)
        for k, v in [("verb", verb), *sorted(params.items())]:
            request_el.set(k, v)
        ctx = _Ctx(base_url=base_url, site_url=site_url.rstrip("/"), now=now)
        {"Identify": _identify, "ListMetadataFormats": _list_metadata_formats, "ListSets": _list_sets,
         "ListIdentifiers": _list, "ListRecords": _list, "GetRecord": _get_record}[verb](root, verb, params, ctx)
    except OaiError as exc:
        if exc.code in ("badVerb", "badArgument"):
            request_el.attrib.clear()  # the protocol: echo only the base URL after these two
        for child in list(root)[2:]:
            root.remove(child)  # a verb element begun before the error
        _el(root, "error", exc.message, code=exc.code)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@dataclass
class _Ctx:
    base_url: str
    site_url: str
    now: datetime


def _check_arguments(args) -> tuple[str, dict[str, str]]:
    verbs = args.getlist("verb") if hasattr(args, "getlist") else ([args["verb"]] if "verb" in args else [])
    if len(verbs) != 1:
        raise OaiError("badVerb", "the request must have exactly one 'verb' argument" if verbs
                       else "missing 'verb' argument")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"'{verb}' is not an OAI-PMH verb")
    required, optional = VERBS[verb]
    params: dict[str, str] = {}
    for key in args:
        if key == "verb":
            continue
        values = args.getlist(key) if hasattr(args, "getlist") else [args[key]]
        if key not in required | optional:
            raise OaiError("badArgument", f"'{key}' is not an argument of {verb}")
        if len(values) != 1:
            raise OaiError("badArgument", f"'{key}' may appear only once")
        params[key] = values[0]
    if "resumptionToken" in params:
        if len(params) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument")
        return verb, params
    missing = sorted(required - set(params))
    if missing:
        raise OaiError("badArgument", f"missing required argument(s): {', '.join(missing)}")
    return verb, params


def _header(parent, resource: Resource) -> None:
    header = _el(parent, "header", **({"status": "deleted"} if is_deleted(resource) else {}))
    _el(header, "identifier", oai_identifier(resource.pk))
    _el(header, "datestamp", datestamp(resource.updated_at))
    for spec in record_sets(resource):
        _el(header, "setSpec", spec)


def _record(parent, resource: Resource, prefix: str, ctx: _Ctx) -> None:
    rec = _el(parent, "record")
    _header(rec, resource)
    if not is_deleted(resource):
        metadata = _el(rec, "metadata")
        metadata.append(FORMATS[prefix][2](resource, base_url=ctx.site_url))


def _check_prefix(prefix: str) -> None:
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"'{prefix}' is not supported here; use oai_dc or lom")


def _identify(root, verb, params, ctx: _Ctx) -> None:
    first = exposed_resources().order_by("updated_at").values_list("updated_at", flat=True).first()
    ident = _el(root, "Identify")
    _el(ident, "repositoryName", settings.ZHIJIAO_OAI_REPOSITORY_NAME)
    _el(ident, "baseURL", ctx.base_url)
    _el(ident, "protocolVersion", "2.0")
    _el(ident, "adminEmail", settings.ZHIJIAO_OAI_ADMIN_EMAIL)
    _el(ident, "earliestDatestamp", datestamp(first or ctx.now))
    _el(ident, "deletedRecord", "transient")
    _el(ident, "granularity", GRANULARITY)
    desc = _el(ident, "description")
    oid = etree.SubElement(desc, f"{{{OAI_ID}}}oai-identifier", nsmap={None: OAI_ID})
    oid.set(f"{{{XSI}}}schemaLocation", f"{OAI_ID} {OAI_ID_XSD}")
    for name, text in [("scheme", "oai"), ("repositoryIdentifier", repository_id()), ("delimiter", ":"),
                       ("sampleIdentifier", oai_identifier(1))]:
        _el(oid, name, text, ns=OAI_ID)


def _list_metadata_formats(root, verb, params, ctx: _Ctx) -> None:
    if "identifier" in params:
        resource = _get(params["identifier"])
        if is_deleted(resource):
            raise OaiError("noMetadataFormats", "the item is deleted; no metadata is disseminated for it")
    lmf = _el(root, "ListMetadataFormats")
    for prefix, (schema, ns, _fn) in FORMATS.items():
        f = _el(lmf, "metadataFormat")
        _el(f, "metadataPrefix", prefix)
        _el(f, "schema", schema)
        _el(f, "metadataNamespace", ns)


def _list_sets(root, verb, params, ctx: _Ctx) -> None:
    if "resumptionToken" in params:
        raise OaiError("badResumptionToken", "ListSets is answered in one response; this token is not valid")
    sets = all_sets()
    if not sets:
        raise OaiError("noSetHierarchy", "this repository has no sets yet (no sections or stages are configured)")
    ls = _el(root, "ListSets")
    for spec, name in sets:
        s = _el(ls, "set")
        _el(s, "setSpec", spec)
        _el(s, "setName", name)


def _get(identifier: str) -> Resource:
    pk = _resource_id(identifier)
    resource = exposed_resources().filter(pk=pk).first() if pk else None
    if resource is None:
        raise OaiError("idDoesNotExist", f"'{identifier}' is unknown or illegal in this repository")
    return resource


def _with_related(qs: QuerySet[Resource]) -> QuerySet[Resource]:
    return qs.select_related("section", "stage", "subject", "edition").prefetch_related(
        "chapters__book", "knowledge_points", "files")


def _get_record(root, verb, params, ctx: _Ctx) -> None:
    resource = _get(params["identifier"])
    _check_prefix(params["metadataPrefix"])
    resource = _with_related(Resource.objects.filter(pk=resource.pk)).get()
    _record(_el(root, "GetRecord"), resource, params["metadataPrefix"], ctx)


def _page_size() -> int:
    return max(1, int(getattr(settings, "ZHIJIAO_OAI_PAGE_SIZE", 100)))


def _list(root, verb, params, ctx: _Ctx) -> None:
    if "resumptionToken" in params:
        state = _read_token(params["resumptionToken"], verb)
    else:
        state = _first_state(params, ctx)
    prefix = state["p"]
    qs = exposed_resources().filter(updated_at__lt=datetime.fromisoformat(state["u"]))
    if state.get("f"):
        qs = qs.filter(updated_at__gte=datetime.fromisoformat(state["f"]))
    if state.get("s"):
        cond = set_filter(state["s"])
        if cond is None:
            raise OaiError("noRecordsMatch", f"there is no set '{state['s']}' in this repository")
        qs = qs.filter(cond)
    if "n" not in state:
        state["n"] = qs.count()
    if state.get("k"):
        ts, pk = datetime.fromisoformat(state["k"][0]), state["k"][1]
        qs = qs.filter(Q(updated_at__gt=ts) | Q(updated_at=ts, pk__gt=pk))
    qs = qs.order_by("updated_at", "pk")
    if verb == "ListRecords":
        qs = _with_related(qs)
    else:
        qs = qs.select_related("section", "stage", "subject")
    size = _page_size()
    page = list(qs[: size + 1])
    more, page = len(page) > size, page[:size]
    if not page and not state.get("k"):
        raise OaiError("noRecordsMatch", "no records match the request")
    container = _el(root, verb)
    for resource in page:
        if verb == "ListRecords":
            _record(container, resource, prefix, ctx)
        else:
            _header(container, resource)
    cursor = state.get("c", 0)
    if more:
        nxt = {**state, "c": cursor + len(page), "k": [page[-1].updated_at.isoformat(), page[-1].pk]}
        token = signing.dumps(nxt, salt=TOKEN_SALT, compress=True)
        _el(container, "resumptionToken", token, completeListSize=state["n"], cursor=cursor,
            expirationDate=datestamp(ctx.now + TOKEN_TTL))
    elif "k" in state:
        _el(container, "resumptionToken", completeListSize=state["n"], cursor=cursor)


def _first_state(params: dict[str, str], ctx: _Ctx) -> dict:
    prefix = params["metadataPrefix"]
    _check_prefix(prefix)
    state: dict = {"p": prefix, "c": 0}
    start = end = None
    if "from" in params:
        start, g1 = parse_datestamp(params["from"], name="from")
        state["f"] = start.isoformat()
    if "until" in params:
        end, g2 = parse_datestamp(params["until"], name="until")
        if start is not None and g1 != g2:
            raise OaiError("badArgument", "'from' and 'until' must have the same granularity")
        if start is not None and start > end:
            raise OaiError("badArgument", "'from' is later than 'until'")
        end = end + (timedelta(days=1) if g2 == "day" else timedelta(seconds=1))  # until is inclusive
    # Items changed from this response's second on belong to the next harvest (from = this responseDate,
    # inclusive), so the list is fixed while a harvester pages through it.
    snapshot = ctx.now
    state["u"] = min(end, snapshot).isoformat() if end else snapshot.isoformat()
    if "set" in params:
        if not all_sets():
            raise OaiError("noSetHierarchy", "this repository has no sets yet")
        state["s"] = params["set"]
    return state


def _read_token(token: str, verb: str) -> dict:
    try:
        state = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_TTL)
    except signing.SignatureExpired:
        raise OaiError("badResumptionToken", "the resumptionToken has expired; start the list again")
    except signing.BadSignature:
        raise OaiError("badResumptionToken", "the resumptionToken is invalid")
    if not isinstance(state, dict) or state.get("p") not in FORMATS or "u" not in state or "k" not in state:
        raise OaiError("badResumptionToken", "the resumptionToken is invalid")
    return state
