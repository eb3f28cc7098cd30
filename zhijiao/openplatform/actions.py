"""The writers of the open platform. The OAI-PMH harvester: reads another platform's `oai_dc` records into national- or district-level resources.

Incremental: each source remembers, per set, the responseDate of its last complete harvest and asks
only for records changed since (`from`). Idempotent: a remote identifier maps to one resource, updated
in place. Follows resumption tokens. A record with status="deleted" withdraws our copy.
XML is parsed with defusedxml (no entities, no network), so a hostile far side cannot reach files or hosts.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime

from defusedxml import ElementTree as SafeET
from django.db import transaction
from django.utils import timezone

from zhijiao.openplatform.models import HarvestedRecord, HarvestSource
from zhijiao.records.actions import record_event
from zhijiao.resources.harvest_actions import (
    HarvestedItem,
    resource_upsert_harvested,
    resource_withdraw_harvested,
)
from zhijiao.resources.models import Level

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
USER_AGENT = "zhijiao-harvester/1.0 (OAI-PMH 2.0)"
MAX_PAGES = 100_000  # a guard against a far side that hands out tokens forever


class HarvestError(Exception):
    """The far side failed or answered something that is not OAI-PMH; `code` is its OAI error code if any."""

    def __init__(self, message: str, *, code: str = ""):
        super().__init__(message)
        self.code = code


@dataclass
class HarvestReport:
    source: str
    set_spec: str
    from_date: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: list[str] = field(default_factory=list)  # identifiers whose metadata was unusable
    pages: int = 0
    next_from: str = ""

    def summary(self) -> str:
        return (f"新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}，删除 {self.deleted}，"
                f"跳过 {len(self.skipped)}（{self.pages} 页）")


def _fetch(url: str, params: dict[str, str], *, timeout: float) -> SafeET.Element:
    full = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"
    req = urllib.request.Request(full, headers={"User-Agent": USER_AGENT, "Accept": "text/xml"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (http/https checked by caller)
            body = resp.read(200 * 1024 * 1024)
    except urllib.error.HTTPError as exc:
        raise HarvestError(f"HTTP {exc.code} from {url}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise HarvestError(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from None
    try:
        root = SafeET.fromstring(body)
    except Exception as exc:  # ParseError and defusedxml's refusals (entities, DTDs)
        raise HarvestError(f"the answer from {url} is not well-formed or safe XML: {exc}") from None
    if root.tag != f"{OAI}OAI-PMH":
        raise HarvestError(f"the answer from {url} is not an OAI-PMH response")
    return root


def _errors(root) -> list[tuple[str, str]]:
    return [(e.get("code", ""), (e.text or "").strip()) for e in root.findall(f"{OAI}error")]


def _texts(parent, tag: str) -> list[str]:
    return [(e.text or "").strip() for e in parent.findall(tag) if (e.text or "").strip()]


def parse_dc(metadata) -> HarvestedItem | None:
    """A HarvestedItem from an oai_dc <metadata> element, or None without a title or an http(s) identifier."""
    dc = metadata.find("{http://www.openarchives.org/OAI/2.0/oai_dc/}dc") if metadata is not None else None
    if dc is None:
        return None
    titles = _texts(dc, f"{DC}title")
    urls = [u for u in _texts(dc, f"{DC}identifier") if u.startswith(("http://", "https://"))]
    if not titles or not urls:
        return None
    date = None
    for d in _texts(dc, f"{DC}date"):
        try:
            date = datetime.fromisoformat(d.replace("Z", "+00:00"))
            date = date if date.tzinfo else date.replace(tzinfo=UTC)
            break
        except ValueError:
            continue
    return HarvestedItem(
        title=titles[0], url=urls[0], description="\n".join(_texts(dc, f"{DC}description")),
        authors=_texts(dc, f"{DC}creator"), subjects=_texts(dc, f"{DC}subject"), types=_texts(dc, f"{DC}type"),
        date=date, rights=(_texts(dc, f"{DC}rights") or [""])[0], coverage=_texts(dc, f"{DC}coverage"))


def _granularity(url: str, timeout: float) -> tuple[str, str]:
    root = _fetch(url, {"verb": "Identify"}, timeout=timeout)
    errs = _errors(root)
    if errs:
        raise HarvestError(f"Identify failed: {errs[0][0]} {errs[0][1]}", code=errs[0][0])
    ident = root.find(f"{OAI}Identify")
    if ident is None:
        raise HarvestError("Identify answered without an <Identify> element")
    gran = (ident.findtext(f"{OAI}granularity") or "YYYY-MM-DD").strip()
    name = (ident.findtext(f"{OAI}repositoryName") or "").strip()
    return gran, name


def _from_arg(value: str, granularity: str) -> str:
    """Our stored/typed date in the far side's granularity (a day-granular side gets the date only)."""
    value = value.strip()
    if "T" not in value:
        return value if granularity == "YYYY-MM-DD" else f"{value}T00:00:00Z"
    return value[:10] if granularity == "YYYY-MM-DD" else value


def harvest_run(*, url: str, set_spec: str = "", from_date: str = "", level: str = Level.DISTRICT,
            timeout: float = 60.0) -> HarvestReport:
    """Harvest `url` (an OAI-PMH base URL). Raises HarvestError if the far side fails; what was already
    stored stays (each page commits on its own, and re-running is safe), but the next `from` only moves
    on after a complete run."""
    if level not in (Level.NATIONAL, Level.DISTRICT):
        raise HarvestError("level must be national or district")
    if not url.startswith(("http://", "https://")):
        raise HarvestError("the OAI-PMH base URL must start with http:// or https://")
    granularity, name = _granularity(url, timeout)
    source, _created = HarvestSource.objects.get_or_create(base_url=url)
    if name and source.repository_name != name:
        HarvestSource.objects.filter(pk=source.pk).update(repository_name=name[:200])
    start = from_date or source.last_harvested.get(set_spec, "")
    report = HarvestReport(source=url, set_spec=set_spec, from_date=start)
    params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    if set_spec:
        params["set"] = set_spec
    if start:
        params["from"] = _from_arg(start, granularity)
    response_date = ""
    while report.pages < MAX_PAGES:
        root = _fetch(url, params, timeout=timeout)
        report.pages += 1
        response_date = response_date or (root.findtext(f"{OAI}responseDate") or "").strip()
        errs = _errors(root)
        if errs:
            code, msg = errs[0]
            if code == "noRecordsMatch":
                break
            raise HarvestError(f"{code}: {msg}", code=code)
        container = root.find(f"{OAI}ListRecords")
        if container is None:
            raise HarvestError("ListRecords answered without a <ListRecords> element")
        _store_page(source, container.findall(f"{OAI}record"), level, report)
        token_el = container.find(f"{OAI}resumptionToken")
        token = (token_el.text or "").strip() if token_el is not None else ""
        if not token:
            break
        params = {"verb": "ListRecords", "resumptionToken": token}
    else:
        raise HarvestError(f"gave up after {MAX_PAGES} pages")
    # Complete: the next run asks for what changed since this one began (by the far side's clock).
    report.next_from = response_date or timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    with transaction.atomic():
        source = HarvestSource.objects.select_for_update().get(pk=source.pk)
        source.last_harvested = {**source.last_harvested, set_spec: report.next_from}
        source.last_run_at = timezone.now()
        source.save(update_fields=["last_harvested", "last_run_at"])
        record_event(actor=None, verb="imported", object_kind="platform", object_key="oai-harvest",
                     object_name=source.repository_name or url[:100],
                     result={"extensions": {"https://zhijiao.example.org/xapi/extensions/harvest": {
                         "source": url[:200], "set": set_spec, "created": report.created, "updated": report.updated,
                         "deleted": report.deleted}}})
    return report


@transaction.atomic
def _store_page(source: HarvestSource, records, level: str, report: HarvestReport) -> None:
    for rec in records:
        header = rec.find(f"{OAI}header")
        if header is None:
            continue
        identifier = (header.findtext(f"{OAI}identifier") or "").strip()[:300]
        stamp = (header.findtext(f"{OAI}datestamp") or "").strip()[:25]
        if not identifier:
            continue
        known = HarvestedRecord.objects.select_related("resource").filter(source=source, identifier=identifier).first()
        if header.get("status") == "deleted":
            if known and known.resource and resource_withdraw_harvested(resource=known.resource,
                                                                        source_url=source.base_url):
                report.deleted += 1
            if known:
                known.deleted, known.datestamp, known.harvested_at = True, stamp, timezone.now()
                known.save(update_fields=["deleted", "datestamp", "harvested_at"])
            continue
        item = parse_dc(rec.find(f"{OAI}metadata"))
        if item is None:
            report.skipped.append(identifier)
            continue
        resource, changed = resource_upsert_harvested(resource=known.resource if known else None, item=item,
                                                      level=level, source_url=source.base_url)
        if known is None:
            HarvestedRecord.objects.create(source=source, identifier=identifier, resource=resource, datestamp=stamp)
            report.created += 1
            continue
        if changed or known.resource_id is None:
            report.updated += 1
        else:
            report.unchanged += 1
        known.resource, known.datestamp, known.deleted, known.harvested_at = resource, stamp, False, timezone.now()
        known.save(update_fields=["resource", "datestamp", "deleted", "harvested_at"])
