"""The OAI-PMH 2.0 provider at /oai: every verb, both formats, sets, paging, dates and every error code."""

from datetime import UTC, timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from lxml import etree

from zhijiao.openplatform.oai import datestamp, oai_identifier

NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/",
      "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/", "lom": "http://ltsc.ieee.org/xsd/LOM",
      "id": "http://www.openarchives.org/OAI/2.0/oai-identifier"}
ORDER = ["responseDate", "request"]
SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("oai_pmh_structure.xsd"))))


def oai(method="get", **params):
    client = Client()
    resp = getattr(client, method)("/oai", params)
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/xml")
    root = etree.fromstring(resp.content)
    SCHEMA.assertValid(root)  # the response's structure, as the protocol defines it
    # The envelope every response shares: responseDate, request, then one verb element or errors.
    assert root.tag == "{http://www.openarchives.org/OAI/2.0/}OAI-PMH"
    names = [etree.QName(c).localname for c in root]
    assert names[:2] == ORDER and len(names) >= 3
    assert root.findtext("o:responseDate", namespaces=NS).endswith("Z")
    return root


def error_code(root):
    errors = root.findall("o:error", NS)
    return errors[0].get("code") if errors else None


def ids(root, verb):
    return [h.findtext("o:identifier", namespaces=NS) for h in root.iterfind(f"o:{verb}//o:header", NS)]


@pytest.fixture
def items(catalog, make_resource):
    return {
        "district": make_resource("分数的初步认识 微课", level="district", ago=50),
        "national": make_resource("几分之一 精品课", level="national", chapter_key="rj-sx-g3a/0008.0001.", ago=40),
        "chinese": make_resource("大青树下的小学 课件", chapter_key="tb-yw-g3a/0001.0001.", type="courseware", ago=30),
        "school": make_resource("校内教案", level="school", ago=20),
        "pending": make_resource("待审核", status="pending_district", published=False, ago=20),
        "withdrawn": make_resource("已撤回的资源", status="withdrawn", published=True, ago=10),
    }


def test_identify(items):
    root = oai(verb="Identify")
    ident = root.find("o:Identify", NS)
    assert [etree.QName(c).localname for c in ident][:7] == [
        "repositoryName", "baseURL", "protocolVersion", "adminEmail", "earliestDatestamp", "deletedRecord",
        "granularity"]
    assert ident.findtext("o:baseURL", namespaces=NS) == "http://testserver/oai"
    assert ident.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert ident.findtext("o:deletedRecord", namespaces=NS) == "transient"
    assert ident.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert ident.findtext("o:earliestDatestamp", namespaces=NS) == datestamp(items["district"].updated_at)
    assert ident.findtext(".//id:repositoryIdentifier", namespaces=NS) == "zhijiao.local"
    assert root.find("o:request", NS).get("verb") == "Identify"


def test_only_published_national_and_district_items_are_exposed(items):
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc")
    listed = ids(root, "ListIdentifiers")
    assert listed == [oai_identifier(items[k].pk) for k in ("district", "national", "chinese", "withdrawn")]
    deleted = root.xpath(f".//o:header[o:identifier='{oai_identifier(items['withdrawn'].pk)}']", namespaces=NS)[0]
    assert deleted.get("status") == "deleted"
    # a deleted record has a header and no metadata
    rec = oai(verb="GetRecord", identifier=oai_identifier(items["withdrawn"].pk), metadataPrefix="oai_dc")
    assert rec.find(".//o:header", NS).get("status") == "deleted"
    assert rec.find(".//o:metadata", NS) is None
    for hidden in ("school", "pending"):
        root = oai(verb="GetRecord", identifier=oai_identifier(items[hidden].pk), metadataPrefix="oai_dc")
        assert error_code(root) == "idDoesNotExist"


def test_get_record_dublin_core(items):
    r = items["district"]
    root = oai(verb="GetRecord", identifier=oai_identifier(r.pk), metadataPrefix="oai_dc")
    assert root.find("o:request", NS).attrib == {"verb": "GetRecord", "identifier": oai_identifier(r.pk),
                                                 "metadataPrefix": "oai_dc"}
    header = root.find(".//o:header", NS)
    assert header.findtext("o:datestamp", namespaces=NS) == datestamp(r.updated_at)
    assert [s.text for s in header.findall("o:setSpec", NS)] == ["section:kcjx", "stage:xx", "stage:xx:subject:sx"]
    dc = root.find(".//oai_dc:dc", NS)
    assert dc.findtext("dc:title", namespaces=NS) == "分数的初步认识 微课"
    assert [c.text for c in dc.findall("dc:creator", NS)] == ["王老师", "李老师"]
    subjects = [s.text for s in dc.findall("dc:subject", NS)]
    assert "人教版 数学 三年级上册 / 8 分数的初步认识" in subjects and "小学" in subjects and "数学" in subjects
    assert [t.text for t in dc.findall("dc:type", NS)] == ["MovingImage", "微课"]
    assert dc.findtext("dc:identifier", namespaces=NS) == f"http://testserver/resources/{r.pk}/"
    assert dc.findtext("dc:rights", namespaces=NS) == "CC-BY-4.0"
    # the fifteen Dublin Core elements only, in the oai_dc container (as oai_dc.xsd allows)
    assert {etree.QName(c).namespace for c in dc} == {NS["dc"]}
    assert {etree.QName(c).localname for c in dc} <= {
        "title", "creator", "subject", "description", "publisher", "contributor", "date", "type", "format",
        "identifier", "source", "language", "relation", "coverage", "rights"}
    assert dc.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") == (
        "http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd")


def test_get_record_lom(items):
    r = items["national"]
    root = oai(verb="GetRecord", identifier=oai_identifier(r.pk), metadataPrefix="lom")
    lom = root.find(".//lom:lom", NS)
    assert [etree.QName(c).localname for c in lom] == [
        "general", "lifeCycle", "metaMetadata", "technical", "educational", "rights", "classification",
        "classification"]
    assert lom.findtext("lom:general/lom:title/lom:string", namespaces=NS) == "几分之一 精品课"
    assert lom.find("lom:general/lom:title/lom:string", NS).get("language") == "zh"
    assert lom.findtext("lom:educational/lom:learningResourceType/lom:value", namespaces=NS) == "lecture"
    assert lom.findtext("lom:educational/lom:typicalAgeRange/lom:string", namespaces=NS) == "8-9"
    assert "FN:王老师" in lom.findtext("lom:lifeCycle/lom:contribute/lom:entity", namespaces=NS)
    taxa = [t.findtext("lom:entry/lom:string", namespaces=NS)
            for t in lom.xpath("lom:classification[lom:purpose/lom:value='discipline']//lom:taxon", namespaces=NS)]
    assert taxa == ["数学", "人教版 数学 三年级上册", "8 分数的初步认识", "分数的初步认识"]


def test_list_metadata_formats(items):
    root = oai(verb="ListMetadataFormats")
    assert [f.findtext("o:metadataPrefix", namespaces=NS) for f in root.iterfind(".//o:metadataFormat", NS)] == [
        "oai_dc", "lom"]
    root = oai(verb="ListMetadataFormats", identifier=oai_identifier(items["national"].pk))
    assert error_code(root) is None
    assert error_code(oai(verb="ListMetadataFormats", identifier="oai:zhijiao.local:resource/999999")) == \
        "idDoesNotExist"
    assert error_code(oai(verb="ListMetadataFormats", identifier=oai_identifier(items["withdrawn"].pk))) == \
        "noMetadataFormats"


def test_list_sets(items):
    root = oai(verb="ListSets")
    specs = [s.findtext("o:setSpec", namespaces=NS) for s in root.iterfind(".//o:set", NS)]
    assert {"section", "section:kcjx", "stage", "stage:xx", "stage:xx:subject:sx", "stage:cz54"} <= set(specs)
    assert error_code(oai(verb="ListSets", resumptionToken="abc")) == "badResumptionToken"


def test_no_set_hierarchy_without_a_catalog(db):
    assert error_code(oai(verb="ListSets")) == "noSetHierarchy"
    assert error_code(oai(verb="ListRecords", metadataPrefix="oai_dc", set="stage:xx")) == "noSetHierarchy"


def test_sets_select_records(items):
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="stage:xx:subject:yw")
    assert ids(root, "ListIdentifiers") == [oai_identifier(items["chinese"].pk)]
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="stage:xx")
    assert len(ids(root, "ListIdentifiers")) == 4
    assert error_code(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="stage:gz")) == "noRecordsMatch"
    assert error_code(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="nope:x")) == "noRecordsMatch"


def test_resumption_tokens_page_through_the_whole_list(items, settings):
    settings.ZHIJIAO_OAI_PAGE_SIZE = 3
    root = oai(verb="ListRecords", metadataPrefix="oai_dc")
    seen = ids(root, "ListRecords")
    token = root.find(".//o:resumptionToken", NS)
    assert (token.get("completeListSize"), token.get("cursor")) == ("4", "0") and token.text
    assert token.get("expirationDate").endswith("Z")
    root = oai(verb="ListRecords", resumptionToken=token.text)
    assert root.find("o:request", NS).attrib == {"verb": "ListRecords", "resumptionToken": token.text}
    seen += ids(root, "ListRecords")
    last = root.find(".//o:resumptionToken", NS)
    assert (last.get("completeListSize"), last.get("cursor"), last.text) == ("4", "3", None)
    assert len(seen) == len(set(seen)) == 4
    # a tampered token is refused
    assert error_code(oai(verb="ListRecords", resumptionToken=token.text[:-3] + "xyz")) == "badResumptionToken"
    assert error_code(oai(verb="ListIdentifiers", resumptionToken="not-a-token")) == "badResumptionToken"


def test_an_item_changed_during_a_harvest_is_never_skipped(items, settings):
    from zhijiao.resources.models import Resource

    settings.ZHIJIAO_OAI_PAGE_SIZE = 2
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc")
    first = ids(root, "ListIdentifiers")
    token = root.find(".//o:resumptionToken", NS).text
    # the first item changes now: it belongs to the next incremental harvest, and nothing shifts
    Resource.objects.filter(pk=items["district"].pk).update(updated_at=timezone.now())
    rest = ids(oai(verb="ListIdentifiers", resumptionToken=token), "ListIdentifiers")
    assert first + rest == [oai_identifier(items[k].pk) for k in ("district", "national", "chinese", "withdrawn")]


def test_from_and_until(items):
    national = items["national"].updated_at.astimezone(UTC)
    stamp = datestamp(national)
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": stamp, "until": stamp})
    assert ids(root, "ListIdentifiers") == [oai_identifier(items["national"].pk)]  # both bounds inclusive
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": stamp})
    assert len(ids(root, "ListIdentifiers")) == 3
    day = national.strftime("%Y-%m-%d")
    # the day after the newest record's (not the national one's: the fixture's minutes may straddle midnight)
    newest = max(r.updated_at for r in items.values()).astimezone(UTC)
    tomorrow = (newest + timedelta(days=1)).strftime("%Y-%m-%d")
    assert len(ids(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", until=day), "ListIdentifiers")) >= 1
    assert error_code(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": tomorrow})) == "noRecordsMatch"
    for bad in ({"from": "2024-13-01"}, {"from": "yesterday"}, {"until": "2024-01-01T00:00:00"},
                {"from": day, "until": stamp}, {"from": tomorrow, "until": day}):
        root = oai(verb="ListRecords", metadataPrefix="oai_dc", **bad)
        assert error_code(root) == "badArgument", bad
        assert root.find("o:request", NS).attrib == {}


@pytest.mark.parametrize("params,code", [
    ({}, "badVerb"),
    ({"verb": "Harvest"}, "badVerb"),
    ({"verb": ["Identify", "ListSets"]}, "badVerb"),
    ({"verb": "Identify", "extra": "1"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "lom"]}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
    ({"verb": "GetRecord", "identifier": "oai:zhijiao.local:resource/1"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "identifier": "oai:elsewhere:resource/1", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
    ({"verb": "GetRecord", "identifier": "resource/1", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
])
def test_error_codes(items, params, code):
    root = oai(**params)
    assert error_code(root) == code
    if code in ("badVerb", "badArgument"):
        assert root.find("o:request", NS).attrib == {}  # the base URL only, as the protocol asks


def test_cannot_disseminate_on_get_record_and_no_records_match(items):
    r = items["district"]
    assert error_code(oai(verb="GetRecord", identifier=oai_identifier(r.pk), metadataPrefix="mods")) == \
        "cannotDisseminateFormat"
    assert error_code(oai(verb="ListRecords", metadataPrefix="lom", until="2000-01-01")) == "noRecordsMatch"


def test_post_requests_work(items):
    root = oai(method="post", verb="ListIdentifiers", metadataPrefix="lom")
    assert len(ids(root, "ListIdentifiers")) == 4


def test_harvested_items_are_not_passed_on(items):
    from zhijiao.openplatform.models import HarvestedRecord, HarvestSource

    src = HarvestSource.objects.create(base_url="https://far.example/oai")
    HarvestedRecord.objects.create(source=src, identifier="oai:far:1", resource=items["national"])
    HarvestedRecord.objects.create(source=src, identifier="oai:far:2", resource=None)
    listed = ids(oai(verb="ListIdentifiers", metadataPrefix="oai_dc"), "ListIdentifiers")
    assert oai_identifier(items["national"].pk) not in listed and len(listed) == 3
