"""Files are served through a view that checks visibility, with HTTP Range for media."""

import pytest

from zhijiao.records.trail import trail_drain
from zhijiao.resources.models import Resource, Status


@pytest.fixture
def video(lib):
    data = lib.samples.mp4(120, payload=5000)
    r = lib.make(type="micro", file=("认识秒针.mp4", data))
    return r, r.files.get(), data


def get(client, r, f, **headers):
    return client.get(f"/resources/{r.pk}/files/{f.pk}/", headers=headers)


def body(resp):
    return b"".join(resp.streaming_content)


def test_range_requests_play_and_seek(lib, client_as, video):
    r, f, data = video
    client = client_as(lib.users["xuesheng"])
    full = get(client, r, f)
    assert full.status_code == 200 and full["Accept-Ranges"] == "bytes"
    assert full["Content-Type"] == "video/mp4" and full["Content-Disposition"].startswith("inline")
    assert body(full) == data

    part = get(client, r, f, Range="bytes=0-99")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 0-99/{len(data)}" and part["Content-Length"] == "100"
    assert body(part) == data[:100]

    tail = get(client, r, f, Range="bytes=-10")
    assert tail.status_code == 206 and body(tail) == data[-10:]
    assert tail["Content-Range"] == f"bytes {len(data) - 10}-{len(data) - 1}/{len(data)}"

    open_end = get(client, r, f, Range="bytes=1000-")
    assert open_end.status_code == 206 and body(open_end) == data[1000:]

    beyond_end = get(client, r, f, Range=f"bytes=100-{len(data) * 2}")
    assert beyond_end.status_code == 206 and body(beyond_end) == data[100:]


def test_unsatisfiable_range_is_416(lib, client_as, video):
    r, f, data = video
    resp = get(client_as(lib.users["xuesheng"]), r, f, Range=f"bytes={len(data)}-")
    assert resp.status_code == 416 and resp["Content-Range"] == f"bytes */{len(data)}"


def test_malformed_range_is_ignored(lib, client_as, video):
    r, f, data = video
    resp = get(client_as(lib.users["xuesheng"]), r, f, Range="bytes=abc")
    assert resp.status_code == 200 and body(resp) == data


def test_range_requests_do_not_count_downloads_but_downloads_do(lib, client_as, video):
    r, f, _data = video
    client = client_as(lib.users["xuesheng"])
    get(client, r, f, Range="bytes=0-1")
    assert Resource.objects.get(pk=r.pk).download_count == 0
    resp = client.get(f"/resources/{r.pk}/files/{f.pk}/?download=1")
    assert resp.status_code == 200 and resp["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''%E8%AE%A4%E8%AF%86" in resp["Content-Disposition"]
    assert trail_drain() == 1  # counted off the request path
    assert Resource.objects.get(pk=r.pk).download_count == 1


def test_pdf_and_images_inline_office_as_attachment(lib, client_as):
    pdf = lib.make(file=("教案.pdf", lib.samples.pdf()))
    png = lib.make(type="image", file=("板书.png", lib.samples.png()))
    docx = lib.make(file=("教案.docx", lib.samples.docx()))
    client = client_as(lib.users["xuesheng"])
    assert get(client, pdf, pdf.files.get())["Content-Disposition"].startswith("inline")
    assert get(client, png, png.files.get())["Content-Type"] == "image/png"
    resp = get(client, docx, docx.files.get())
    assert resp["Content-Disposition"].startswith("attachment") and resp["X-Content-Type-Options"] == "nosniff"


def test_files_of_unapproved_items_are_not_served_to_students(lib, client_as):
    r = lib.make(status=Status.PENDING_SCHOOL, type="micro", file=("a.mp4", lib.samples.mp4()))
    f = r.files.get()
    assert get(client_as(lib.users["xuesheng"]), r, f).status_code == 404
    assert get(client_as(lib.users["xiao_admin"]), r, f).status_code == 200  # the reviewer can watch it


def test_detail_page_has_a_seekable_player(lib, client_as, video):
    r, f, _data = video
    html = client_as(lib.users["xuesheng"]).get(f"/resources/{r.pk}/").content.decode()
    assert f'<video class="res-player" controls preload="metadata" src="/resources/{r.pk}/files/{f.pk}/"' in html
