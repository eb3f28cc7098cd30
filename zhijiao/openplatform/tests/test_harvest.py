"""The harvester: a real HTTP round trip to our own /oai (live_server), and a fake far side for failures."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from zhijiao.openplatform.actions import HarvestError, harvest_run
from zhijiao.openplatform.models import HarvestedRecord, HarvestSource
from zhijiao.openplatform.oai import datestamp
from zhijiao.resources.models import Resource

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def originals(live_server, catalog, make_resource):
    return [
        make_resource("分数的初步认识 微课", ago=90),
        make_resource("几分之一 精品课", level="national", chapter_key="rj-sx-g3a/0008.0001.", ago=80),
        make_resource("大青树下的小学 课件", chapter_key="tb-yw-g3a/0001.0001.", type="courseware", ago=70),
        make_resource("Unit 1 Hello! 歌曲", chapter_key="pep-yy-g3a/0001.", ago=60),
        make_resource("校内资料", level="school", ago=50),
    ]


def copies():
    return Resource.objects.filter(pk__in=HarvestedRecord.objects.values("resource_id")).order_by("pk")


def test_harvest_from_our_own_oai_over_http(originals, live_server, settings):
    settings.ZHIJIAO_OAI_PAGE_SIZE = 2  # three pages: the harvester follows resumption tokens
    url = f"{live_server.url}/oai"
    report = harvest_run(url=url, level="national")
    assert (report.created, report.pages) == (4, 2)
    got = {r.title: r for r in copies()}
    assert set(got) == {"分数的初步认识 微课", "几分之一 精品课", "大青树下的小学 课件", "Unit 1 Hello! 歌曲"}
    copy = got["分数的初步认识 微课"]
    assert (copy.level, copy.sharing, copy.status, copy.type) == ("national", "public", "approved", "link")
    assert copy.external_url == f"{live_server.url}/resources/{originals[0].pk}/"
    assert copy.authors == "王老师，李老师" and copy.licence == "CC-BY-4.0"
    # catalog links come back through the chapter title paths and knowledge point names
    assert [c.key for c in copy.chapters.all()] == ["rj-sx-g3a/0008."]
    assert (copy.stage.code, copy.subject.code, copy.grade_level, copy.volume) == ("xx", "sx", 3, "上")
    assert "分数的初步认识" in [k.name for k in copy.knowledge_points.all()]
    assert copy.section.code == "kcjx" and "微课" in copy.tags
    source = HarvestSource.objects.get(base_url=url)
    assert source.repository_name == "智教 区域智慧教育云平台"
    assert source.last_harvested[""] == report.next_from

    # Incremental and idempotent: nothing changed, nothing new.
    again = harvest_run(url=url, level="national")
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert again.from_date == report.next_from
    assert copies().count() == 4

    # A change on the far side updates our copy in place; a withdrawal withdraws it.
    changed_at = timezone.now() - timedelta(minutes=1)
    Resource.objects.filter(pk=originals[0].pk).update(title="分数的初步认识 微课（修订）", updated_at=changed_at)
    Resource.objects.filter(pk=originals[2].pk).update(status="withdrawn", updated_at=changed_at)
    since = datestamp(changed_at - timedelta(minutes=1))
    third = harvest_run(url=url, level="national", from_date=since)
    assert (third.created, third.updated, third.deleted) == (0, 1, 1)
    assert Resource.objects.get(pk=copy.pk).title == "分数的初步认识 微课（修订）"
    assert Resource.objects.get(title="大青树下的小学 课件", pk__in=copies()).status == "withdrawn"
    assert copies().count() == 4


def test_harvest_one_set_at_district_level_with_the_command(originals, live_server, capsys):
    url = f"{live_server.url}/oai"
    call_command("harvest", url, "--set", "stage:xx:subject:yy", "--level", "district")
    assert "采集完成" in capsys.readouterr().out
    assert [(r.title, r.level, r.sharing) for r in copies()] == [("Unit 1 Hello! 歌曲", "district", "district")]
    assert set(HarvestSource.objects.get(base_url=url).last_harvested) == {"stage:xx:subject:yy"}
    with pytest.raises(CommandError, match="--from"):
        call_command("harvest", url, "--from", "last week")


class FakeOai(BaseHTTPRequestHandler):
    answers: dict = {}

    paths: list = []

    def do_GET(self):  # noqa: N802
        self.paths.append(self.path)
        verb = "Identify" if "verb=Identify" in self.path else "ListRecords"
        status, body = self.answers.get(verb, (200, IDENTIFY))
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


IDENTIFY = """<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2026-01-01T00:00:00Z</responseDate><request verb="Identify">http://x/oai</request>
<Identify><repositoryName>far</repositoryName><baseURL>http://x/oai</baseURL><protocolVersion>2.0</protocolVersion>
<adminEmail>a@x</adminEmail><earliestDatestamp>2020-01-01</earliestDatestamp><deletedRecord>no</deletedRecord>
<granularity>YYYY-MM-DD</granularity></Identify></OAI-PMH>"""


def envelope(inner):
    return ("<?xml version='1.0'?><OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'>"
            f"<responseDate>2026-01-01T00:00:00Z</responseDate><request>http://x/oai</request>{inner}</OAI-PMH>")


@pytest.fixture
def far_side():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOai)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/oai"
    server.shutdown()
    FakeOai.answers = {}
    FakeOai.paths = []


@pytest.mark.parametrize("answer,match", [
    ((200, "this is not xml"), "not well-formed"),
    ((500, "boom"), "HTTP 500"),
    ((200, "<html/>"), "not an OAI-PMH response"),
    ((200, envelope("<error code='badArgument'>bad from</error>")), "badArgument"),
    ((200, "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;'>]>"
           "<OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'>&b;</OAI-PMH>"), "not well-formed or safe"),
])
def test_far_side_failures_are_reported(db, far_side, answer, match):
    FakeOai.answers = {"ListRecords": answer}
    with pytest.raises(HarvestError, match=match):
        harvest_run(url=far_side)
    assert not Resource.objects.exists()
    assert HarvestSource.objects.get(base_url=far_side).last_harvested == {}  # the next run starts over


def test_no_records_match_is_a_quiet_success_and_unusable_records_are_skipped(catalog, far_side):
    FakeOai.answers = {"ListRecords": (200, envelope("<error code='noRecordsMatch'>none</error>"))}
    report = harvest_run(url=far_side, from_date="2025-06-01T10:00:00Z")
    assert report.created == 0 and report.next_from == "2026-01-01T00:00:00Z"
    # the far side's Identify says day granularity: `from` is sent as a date
    assert FakeOai.paths[-1].endswith("?verb=ListRecords&metadataPrefix=oai_dc&from=2025-06-01")
    record = ("<record><header><identifier>oai:far:{n}</identifier><datestamp>2025-01-01</datestamp></header>"
              "<metadata><oai_dc:dc xmlns:oai_dc='http://www.openarchives.org/OAI/2.0/oai_dc/' "
              "xmlns:dc='http://purl.org/dc/elements/1.1/'>{body}</oai_dc:dc></metadata></record>")
    FakeOai.answers = {"ListRecords": (200, envelope(
        "<ListRecords>"
        + record.format(n=1, body="<dc:title>没有链接</dc:title><dc:identifier>urn:x</dc:identifier>")
        + record.format(n=2, body="<dc:title>好资源</dc:title><dc:identifier>https://far.example/r/2</dc:identifier>"
                               "<dc:subject>数学</dc:subject><dc:subject>小学</dc:subject>")
        + "</ListRecords>"))}
    report = harvest_run(url=far_side, level="district")
    assert report.skipped == ["oai:far:1"] and report.created == 1
    r = Resource.objects.get()
    assert (r.title, r.external_url, r.subject.code, r.stage.code) == ("好资源", "https://far.example/r/2", "sx", "xx")


def test_unreachable_far_side(db):
    with pytest.raises(HarvestError, match="cannot reach"):
        harvest_run(url="http://127.0.0.1:9/oai", timeout=2)
    with pytest.raises(HarvestError, match="http"):
        harvest_run(url="ftp://example.org/oai")
