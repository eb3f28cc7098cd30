"""Static files as production serves them: collected under content-hashed names, pre-compressed, cached for
a year; pages compressed. A return visit then transfers only the page's own HTML."""

import gzip
import re

import brotli
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client
from django.utils.functional import empty


def test_collected_assets_have_hashed_names_and_are_cached_for_a_year(demo, users, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    staticfiles_storage._wrapped = empty  # the page's storage reads the new manifest
    client = Client()  # a new handler: WhiteNoise scans the collected files when it starts
    client.force_login(users["laoshi"], backend="zhijiao.accounts.backends.AccountOrPhoneBackend")

    page = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert page.status_code == 200 and page["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.content).decode()
    assert "我的工作台" in html
    css = re.search(r'href="(/static/web/zhijiao\.[0-9a-f]{12}\.css)"', html)
    assert css, "the page names the stylesheet by its content hash"

    asset = client.get(css.group(1), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert asset.status_code == 200 and asset["Content-Encoding"] == "br"
    assert "immutable" in asset["Cache-Control"] and "max-age=315360000" in asset["Cache-Control"]
    body = brotli.decompress(b"".join(asset.streaming_content))
    assert body == (tmp_path / "static" / css.group(1).removeprefix("/static/")).read_bytes()

    plain = client.get(css.group(1), HTTP_ACCEPT_ENCODING="identity")
    assert "Content-Encoding" not in plain and b"".join(plain.streaming_content) == body


def test_before_collection_plain_names_are_served_from_the_apps(demo, users, client_as):
    client = client_as(users["laoshi"])
    html = client.get("/").content.decode()
    assert 'href="/static/web/zhijiao.css"' in html
    css = client.get("/static/web/zhijiao.css")
    assert css.status_code == 200 and "immutable" not in css["Cache-Control"]
