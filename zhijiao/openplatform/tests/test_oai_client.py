"""A real OAI-PMH harvester (the `sickle` client library, as repositories use it) harvests /oai over HTTP:
every record once across resumption tokens, sets, both formats, a datestamp window."""

import pytest
from sickle import Sickle
from sickle.oaiexceptions import IdDoesNotExist, NoRecordsMatch

from zhijiao.openplatform.oai import datestamp, oai_identifier

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def harvested(transactional_db, catalog, make_resource, settings, live_server):
    settings.ZHIJIAO_OAI_PAGE_SIZE = 2  # several pages, so the client must follow resumption tokens
    published = [make_resource(f"分数的初步认识 第{i}课时", level="district", ago=60 - i) for i in range(5)]
    published.append(make_resource("几分之一 精品课", level="national", chapter_key="rj-sx-g3a/0008.0001.", ago=30))
    hidden = [make_resource("校内教案", level="school", ago=20),
              make_resource("待审核", status="pending_district", published=False, ago=10)]
    return Sickle(f"{live_server.url}/oai", max_retries=0), published, hidden


def test_a_harvester_gets_every_published_record_once_across_pages(harvested):
    client, published, hidden = harvested
    records = list(client.ListRecords(metadataPrefix="oai_dc"))
    got = [r.header.identifier for r in records]
    assert sorted(got) == sorted(oai_identifier(r.pk) for r in published)
    assert len(got) == len(set(got))
    titles = {r.metadata["title"][0] for r in records}
    assert "几分之一 精品课" in titles and "校内教案" not in titles and "待审核" not in titles


def test_identify_formats_sets_and_get_record(harvested):
    client, published, _ = harvested
    ident = client.Identify()
    assert ident.protocolVersion == "2.0" and ident.granularity == "YYYY-MM-DDThh:mm:ssZ"
    prefixes = {f.metadataPrefix for f in client.ListMetadataFormats()}
    assert {"oai_dc", "lom"} <= prefixes
    specs = {s.setSpec for s in client.ListSets()}
    assert "stage:xx" in specs
    lom = client.GetRecord(identifier=oai_identifier(published[-1].pk), metadataPrefix="lom")
    assert "几分之一 精品课" in lom.raw
    with pytest.raises(IdDoesNotExist):
        client.GetRecord(identifier="oai:zhijiao.local:resource:999999", metadataPrefix="oai_dc")


def test_incremental_harvest_by_datestamp_window(harvested):
    client, published, _ = harvested
    since = datestamp(published[3].updated_at)
    got = {h.identifier for h in client.ListIdentifiers(metadataPrefix="oai_dc", **{"from": since})}
    assert got == {oai_identifier(r.pk) for r in published[3:]}
    with pytest.raises(NoRecordsMatch):
        list(client.ListIdentifiers(metadataPrefix="oai_dc", set="stage:gz"))
