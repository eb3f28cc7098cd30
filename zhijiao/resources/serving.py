"""Serving stored files with HTTP Range (RFC 9110 §14), so <video> and <audio> play and seek.

One byte range per request (what media elements send); a syntactically invalid Range header is
ignored (200 with the whole file); an unsatisfiable one answers 416 with `Content-Range: bytes */size`.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.core.files.storage import default_storage
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from zhijiao.resources.models import ResourceFile

CHUNK = 64 * 1024
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """(start, end inclusive), None to ignore the header, or "unsatisfiable"."""
    m = RANGE_RE.match(header.strip().replace(" ", ""))
    if not m:
        return None  # not a single bytes range: serve the whole file
    first, last = m.group(1), m.group(2)
    if not first and not last:
        return None
    if not first:  # suffix range: the last N bytes
        n = int(last)
        if n == 0:
            return "unsatisfiable"
        return max(0, size - n), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size - 1)


def _stream(fh, start: int, length: int):
    try:
        fh.seek(start)
        remaining = length
        while remaining > 0:
            data = fh.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        fh.close()


def file_response(request, rf: ResourceFile, *, attachment: bool) -> HttpResponse:
    size = rf.size
    try:
        fh = default_storage.open(rf.file.name, "rb")
    except FileNotFoundError:
        return HttpResponse(_("文件不存在或已被移除。"), status=404, content_type="text/plain; charset=utf-8")
    disposition = "attachment" if attachment or not rf.opens_inline else "inline"
    start, end, status = 0, size - 1, 200
    header = request.headers.get("Range", "")
    if header and not attachment:
        parsed = parse_range(header, size)
        if parsed == "unsatisfiable":
            fh.close()
            resp = HttpResponse(status=416)
            resp["Content-Range"] = f"bytes */{size}"
            resp["Accept-Ranges"] = "bytes"
            return resp
        if parsed is not None:
            start, end = parsed
            status = 206
    length = end - start + 1 if size else 0
    resp = StreamingHttpResponse(_stream(fh, start, length), status=status, content_type=rf.mime_type)
    resp["Content-Length"] = str(length)
    resp["Accept-Ranges"] = "bytes"
    if status == 206:
        resp["Content-Range"] = f"bytes {start}-{end}/{size}"
    ascii_name = "".join(c for c in rf.original_name if c.isascii() and c not in '"\\') or f"resource-{rf.pk}"
    resp["Content-Disposition"] = f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(rf.original_name)}"
    resp["X-Content-Type-Options"] = "nosniff"
    if not rf.is_pdf:
        # Opened on its own, a file is a document of our origin: let it run nothing. Not for PDFs, whose
        # viewer Chromium refuses to start in a sandbox; those with scripts are never served inline.
        resp["Content-Security-Policy"] = ("sandbox; default-src 'none'; img-src 'self'; media-src 'self'; "
                                           "frame-ancestors 'self'")
    resp["Cache-Control"] = "private, max-age=3600"
    return resp
