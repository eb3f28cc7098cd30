"""Uploads are judged by their content, not their name; refusals say what is wrong in plain Chinese."""

import io

import pytest

from zhijiao.resources import samples
from zhijiao.resources.models import Resource, ResourceType, Status
from zhijiao.resources.uploads import UploadRefused, inspect_upload


def check(name, data, rtype=ResourceType.COURSEWARE):
    return inspect_upload(fileobj=io.BytesIO(data), name=name, size=len(data), resource_type=rtype)


@pytest.mark.parametrize("name,data,rtype,mime", [
    ("a.pdf", samples.pdf(), ResourceType.LESSON_PLAN, "application/pdf"),
    ("a.docx", samples.docx(), ResourceType.LESSON_PLAN,
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("a.pptx", samples.pptx(), ResourceType.COURSEWARE,
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("a.ppt", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ResourceType.COURSEWARE,
     "application/vnd.ms-powerpoint"),
    ("a.mp4", samples.mp4(200), ResourceType.MICRO, "video/mp4"),
    ("a.mp3", samples.mp3(), ResourceType.AUDIO, "audio/mpeg"),
    ("a.PNG", samples.png(), ResourceType.IMAGE, "image/png"),
    ("a.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 100, ResourceType.IMAGE, "image/jpeg"),
])
def test_accepts_real_files(name, data, rtype, mime):
    checked = check(name, data, rtype)
    assert checked.mime_type == mime
    assert checked.size == len(data) and len(checked.sha256) == 64


def test_lying_extension_is_refused_with_what_the_content_is():
    with pytest.raises(UploadRefused) as exc:
        check("教案.pdf", samples.png(), ResourceType.LESSON_PLAN)
    assert exc.value.message.startswith("文件类型不符：扩展名是 .pdf，但内容是 PNG 图片")


def test_renamed_program_is_refused():
    with pytest.raises(UploadRefused) as exc:
        check("课件.pptx", b"MZ\x90\x00" + b"\0" * 200)
    assert "文件类型不符：扩展名是 .pptx" in exc.value.message


def test_zip_posing_as_word_document_is_refused():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", "hello")
    with pytest.raises(UploadRefused) as exc:
        check("教案.docx", buf.getvalue(), ResourceType.LESSON_PLAN)
    assert "但内容是 ZIP 压缩包" in exc.value.message


def test_unsupported_and_missing_extension():
    with pytest.raises(UploadRefused, match="不支持的文件类型：.exe"):
        check("setup.exe", b"MZ" + b"\0" * 10)
    with pytest.raises(UploadRefused, match="缺少扩展名"):
        check("README", b"hello")
    with pytest.raises(UploadRefused, match="空的"):
        check("a.pdf", b"")


def test_file_must_suit_the_resource_type():
    with pytest.raises(UploadRefused) as exc:
        check("微课.pdf", samples.pdf(), ResourceType.MICRO)
    assert exc.value.message == "微课需要上传视频，您上传的是 PDF 文档。"


def test_oversized_file_is_refused_with_the_limit(settings):
    settings.ZHIJIAO_RESOURCE_UPLOAD_LIMITS = {"video": 1024}
    with pytest.raises(UploadRefused) as exc:
        check("认识秒针.mp4", samples.mp4(60, payload=4000), ResourceType.MICRO)
    assert exc.value.message.startswith("文件过大：微课视频不能超过 1 KB")


def test_micro_lesson_longer_than_five_minutes_is_refused():
    with pytest.raises(UploadRefused, match="微课时长不能超过 5 分钟（此视频 7 分 12 秒）"):
        check("a.mp4", samples.mp4(432), ResourceType.MICRO)
    assert check("a.mp4", samples.mp4(432), ResourceType.VIDEO).duration_seconds == 432


def test_upload_page_refuses_lying_file_and_keeps_the_form(lib, client_as):
    client = client_as(lib.users["laoshi"])
    before = Resource.objects.count()
    resp = client.post("/resources/upload/", {
        "type": "lesson_plan", "title": "《花的学校》第一课时 教学设计", "level": "school", "sharing": "district",
        "licence": "CC-BY-NC-4.0", "file": lib.upload("花的学校.pdf", samples.png()), "submit_now": "on",
    })
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "文件类型不符：扩展名是 .pdf，但内容是 PNG 图片" in html
    assert "《花的学校》第一课时 教学设计" in html  # what was typed is still there
    assert Resource.objects.count() == before


def test_upload_page_accepts_and_submits(lib, client_as):
    client = client_as(lib.users["laoshi"])
    resp = client.post(f"/resources/upload/?book={lib.chapter.book.code}", {
        "type": "micro", "title": "时、分、秒 微课：认识秒针", "level": "school", "sharing": "district",
        "licence": "CC-BY-NC-4.0", "chapters": [lib.chapter.pk], "tags": "微课，新课标",
        "file": lib.upload("认识秒针.mp4", samples.mp4(180)), "submit_now": "on", "book": lib.chapter.book.code,
    })
    assert resp.status_code == 302, resp.content.decode()[:2000]
    r = Resource.objects.get(title="时、分、秒 微课：认识秒针")
    assert r.status == Status.PENDING_SCHOOL
    assert r.duration_seconds == 180 and r.tags == ["微课", "新课标"]
    assert list(r.chapters.all()) == [lib.chapter] and r.subject_id == lib.chapter.book.subject_id
    f = r.files.get()
    assert f.mime_type == "video/mp4" and f.original_name == "认识秒针.mp4"
    assert f.file.name.endswith(f"{f.sha256}.mp4")  # stored under its hash, not the uploader's file name


def test_students_cannot_upload(lib, client_as):
    resp = client_as(lib.users["xuesheng"]).post("/resources/upload/", {"type": "courseware", "title": "x"})
    assert resp.status_code == 403
