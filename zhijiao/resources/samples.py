"""Tiny, structurally valid sample files generated locally (demo data and tests; nothing downloaded)."""

import io
import struct
import zipfile
import zlib


def png(width: int = 4, height: int = 3, rgb: tuple[int, int, int] = (31, 111, 235)) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def pdf(text: str = "zhijiao", *, catalog_extra: bytes = b"", page_extra: bytes = b"",
        extra_objects: tuple[bytes, ...] = ()) -> bytes:
    """A one-page PDF with a line of ASCII text and a correct cross-reference table.

    `catalog_extra` and `page_extra` go into the catalog and page dictionaries; `extra_objects` become
    objects 6, 7, … (the upload checks' tests build PDFs with actions this way)."""
    safe = "".join(c for c in text if c.isascii() and c not in "()\\") or "zhijiao"
    stream = f"BT /F1 18 Tf 40 100 Td ({safe}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> " + page_extra + b" >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *extra_objects,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def mp4(duration_seconds: int = 60, payload: int = 2048) -> bytes:
    """An MP4 container (ftyp, moov/mvhd with the duration, mdat) — enough to sniff, range and seek over."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    timescale = 1000
    mvhd = _box(b"mvhd", struct.pack(">B3xIIII", 0, 0, 0, timescale, duration_seconds * timescale)
                + struct.pack(">IH", 0x00010000, 0x0100) + b"\x00" * 10
                + struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
                + b"\x00" * 24 + struct.pack(">I", 2))
    moov = _box(b"moov", mvhd)
    mdat = _box(b"mdat", bytes(i % 251 for i in range(payload)))
    return ftyp + moov + mdat


def mp3(frames: int = 20) -> bytes:
    """An ID3v2 header and silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz)."""
    id3 = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    return id3 + frame * frames


def _ooxml(part_dir: str, main_part: str, content_type: str, body: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                    f'<Override PartName="/{part_dir}/{main_part}" ContentType="{content_type}"/></Types>')
        zf.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                    f'Target="{part_dir}/{main_part}"/></Relationships>')
        zf.writestr(f"{part_dir}/{main_part}", body)
    return buf.getvalue()


def docx(text: str = "教学设计") -> bytes:
    return _ooxml("word", "document.xml",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                  '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                  f'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>')


def pptx(text: str = "课件") -> bytes:
    return _ooxml("ppt", "presentation.xml",
                  "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
                  '<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/'
                  f'presentationml/2006/main"><!-- {text} --></p:presentation>')
