"""What an uploaded file really is: sniffed from its bytes, never trusted from its name.

`inspect_upload(...)` returns the checked facts (mime type, size, sha256, duration of an MP4) or raises
`UploadRefused` with a message a teacher understands ("文件类型不符：扩展名是 .pdf，但内容是 PNG 图片").
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from zhijiao.resources.models import MICRO_MAX_SECONDS, ResourceType
from zhijiao.resources.pdf_actions import pdf_has_scripts


class UploadRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Kind:
    code: str
    mime: str
    label: str  # what a teacher calls it: "PNG 图片"
    category: str  # video / audio / image / document
    extensions: tuple[str, ...]


KINDS = {k.code: k for k in [
    Kind("pdf", "application/pdf", gettext_lazy("PDF 文档"), "document", ("pdf",)),
    Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", gettext_lazy("Word 文档"),
         "document", ("docx",)),
    Kind("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", gettext_lazy("PowerPoint 演示文稿"),
         "document", ("pptx",)),
    Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", gettext_lazy("Excel 表格"),
         "document", ("xlsx",)),
    # Old binary Office files share one container (OLE2); the extension tells Word from PowerPoint.
    Kind("ole", "application/x-ole-storage", gettext_lazy("旧版 Office 文件"), "document", ("doc", "ppt", "xls")),
    Kind("mp4", "video/mp4", gettext_lazy("MP4 视频"), "video", ("mp4", "m4v")),
    Kind("m4a", "audio/mp4", gettext_lazy("M4A 音频"), "audio", ("m4a",)),
    Kind("mp3", "audio/mpeg", gettext_lazy("MP3 音频"), "audio", ("mp3",)),
    Kind("wav", "audio/wav", gettext_lazy("WAV 音频"), "audio", ("wav",)),
    Kind("png", "image/png", gettext_lazy("PNG 图片"), "image", ("png",)),
    Kind("jpeg", "image/jpeg", gettext_lazy("JPEG 图片"), "image", ("jpg", "jpeg")),
    Kind("gif", "image/gif", gettext_lazy("GIF 图片"), "image", ("gif",)),
    Kind("webp", "image/webp", gettext_lazy("WebP 图片"), "image", ("webp",)),
]}
OLE_MIME_BY_EXT = {
    "doc": "application/msword", "ppt": "application/vnd.ms-powerpoint", "xls": "application/vnd.ms-excel",
}
KIND_BY_EXT = {ext: k for k in KINDS.values() for ext in k.extensions}

CATEGORY_LABELS = {"video": pgettext_lazy("文件类别", "视频"), "audio": pgettext_lazy("文件类别", "音频"),
                   "image": pgettext_lazy("文件类别", "图片"), "document": pgettext_lazy("文件类别", "文件")}

# Which file categories each resource type takes.
TYPE_CATEGORIES = {
    ResourceType.VIDEO: {"video"},
    ResourceType.MICRO: {"video"},
    ResourceType.AUDIO: {"audio"},
    ResourceType.IMAGE: {"image"},
    ResourceType.COURSEWARE: {"document"},
    ResourceType.LESSON_PLAN: {"document"},
    ResourceType.STUDY_PLAN: {"document"},
    ResourceType.TASK_SHEET: {"document", "image"},
    ResourceType.EXERCISE: {"document", "image"},
    ResourceType.TEXTBOOK: {"document"},
    ResourceType.DOCUMENT: {"document"},
    ResourceType.LINK: set(),
}

DEFAULT_LIMITS = {"video": 2 * 1024**3, "audio": 200 * 1024**2, "document": 100 * 1024**2, "image": 20 * 1024**2}


def size_limits() -> dict[str, int]:
    return {**DEFAULT_LIMITS, **getattr(settings, "ZHIJIAO_RESOURCE_UPLOAD_LIMITS", {})}


def human_size(n: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= factor:
            value = n / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


def _zip_kind(head: bytes, fileobj) -> str | None:
    """An OOXML document is a ZIP with [Content_Types].xml and a word/, ppt/ or xl/ part."""
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"
    finally:
        fileobj.seek(0)
    if "[Content_Types].xml" not in names:
        return "zip"
    for prefix, code in (("word/", "docx"), ("ppt/", "pptx"), ("xl/", "xlsx")):
        if any(n.startswith(prefix) for n in names):
            return code
    return "zip"


def sniff(head: bytes, fileobj=None) -> tuple[str | None, str]:
    """(kind code or None, a label of what the content is) from the first bytes (and the file for ZIPs)."""
    if head.startswith(b"%PDF-"):
        return "pdf", KINDS["pdf"].label
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", KINDS["png"].label
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg", KINDS["jpeg"].label
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif", KINDS["gif"].label
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", KINDS["webp"].label
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav", KINDS["wav"].label
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "m4a", KINDS["m4a"].label
        if brand in (b"qt  ",):
            return None, _("QuickTime 视频（请转换为 MP4）")
        return "mp4", KINDS["mp4"].label
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] in (0xFB, 0xF3, 0xF2, 0xFA)):
        return "mp3", KINDS["mp3"].label
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole", KINDS["ole"].label
    if head.startswith(b"PK\x03\x04"):
        code = _zip_kind(head, fileobj) if fileobj is not None else "zip"
        if code == "zip":
            return None, _("ZIP 压缩包")
        return code, KINDS[code].label
    guessed = filetype.guess(head)
    if guessed is not None:
        return None, _("%(ext)s 文件（%(mime)s）") % {"ext": guessed.extension.upper(), "mime": guessed.mime}
    try:
        head.decode("utf-8")
        return None, _("纯文本")
    except UnicodeDecodeError:
        return None, _("无法识别的内容")


def mp4_duration_seconds(fileobj) -> int | None:
    """Duration from the movie header (moov/mvhd) of an MP4, without decoding anything."""

    def boxes(start: int, end: int):
        pos = start
        while pos + 8 <= end:
            fileobj.seek(pos)
            header = fileobj.read(16)
            if len(header) < 8:
                return
            size, kind = struct.unpack(">I4s", header[:8])
            hdr = 8
            if size == 1 and len(header) >= 16:
                size = struct.unpack(">Q", header[8:16])[0]
                hdr = 16
            elif size == 0:
                size = end - pos
            if size < hdr:
                return
            yield kind, pos + hdr, pos + size
            pos += size

    try:
        fileobj.seek(0, io.SEEK_END)
        total = fileobj.tell()
        for kind, body, end in boxes(0, total):
            if kind != b"moov":
                continue
            for sub, sbody, _send in boxes(body, end):
                if sub != b"mvhd":
                    continue
                fileobj.seek(sbody)
                data = fileobj.read(32)
                version = data[0]
                if version == 1:
                    timescale, duration = struct.unpack(">IQ", data[20:32])
                else:
                    timescale, duration = struct.unpack(">II", data[12:20])
                return round(duration / timescale) if timescale else None
    except (OSError, struct.error, IndexError):
        return None
    finally:
        fileobj.seek(0)
    return None


@dataclass(frozen=True)
class CheckedFile:
    mime_type: str
    kind: str
    category: str
    size: int
    sha256: str
    extension: str
    duration_seconds: int | None
    has_scripts: bool = False


def inspect_upload(*, fileobj, name: str, size: int, resource_type: str) -> CheckedFile:
    """Check an uploaded file against its extension, the resource type and the size limits."""
    type_label = ResourceType(resource_type).label
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not ext:
        raise UploadRefused(_("文件名缺少扩展名，无法判断文件类型。请上传 PDF、Office 文档、MP4 视频、MP3 音频或 PNG/JPEG 图片。"))
    expected = KIND_BY_EXT.get(ext)
    if expected is None:
        raise UploadRefused(_("不支持的文件类型：.%(ext)s。请上传 PDF、Office 文档、MP4 视频、MP3 音频或 PNG/JPEG 图片。")
                            % {"ext": ext})
    if size == 0:
        raise UploadRefused(_("文件是空的（0 字节），请重新选择文件。"))
    fileobj.seek(0)
    head = fileobj.read(64)
    fileobj.seek(0)
    code, content_label = sniff(head, fileobj)
    if code != expected.code:
        raise UploadRefused(_("文件类型不符：扩展名是 .%(ext)s，但内容是 %(content)s。请检查文件后重新上传。")
                            % {"ext": ext, "content": content_label})
    allowed = TYPE_CATEGORIES[ResourceType(resource_type)]
    if expected.category not in allowed:
        wanted = _("、").join(str(CATEGORY_LABELS[c]) for c in sorted(allowed)) or _("文件（外部链接无需上传）")
        raise UploadRefused(_("%(type)s需要上传%(wanted)s，您上传的是 %(content)s。")
                            % {"type": type_label, "wanted": wanted, "content": content_label})
    limit = size_limits()[expected.category]
    if size > limit:
        cat = str(CATEGORY_LABELS[expected.category])
        what = type_label if cat in type_label else _("%(type)s%(cat)s") % {"type": type_label, "cat": cat}
        raise UploadRefused(_("文件过大：%(what)s不能超过 %(limit)s（此文件 %(size)s）。")
                            % {"what": what, "limit": human_size(limit), "size": human_size(size)})
    duration = None
    if expected.code == "mp4":
        duration = mp4_duration_seconds(fileobj)
        if resource_type == ResourceType.MICRO and duration and duration > MICRO_MAX_SECONDS:
            raise UploadRefused(_("微课时长不能超过 5 分钟（此视频 %(m)d 分 %(s)d 秒）。请剪辑后再上传，或选择“视频课”类型。")
                                % {"m": duration // 60, "s": duration % 60})
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    mime = OLE_MIME_BY_EXT[ext] if expected.code == "ole" else expected.mime
    has_scripts = expected.code == "pdf" and pdf_has_scripts(fileobj)
    return CheckedFile(mime_type=mime, kind=expected.code, category=expected.category, size=size,
                       sha256=digest.hexdigest(), extension=ext, duration_seconds=duration, has_scripts=has_scripts)
