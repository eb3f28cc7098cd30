"""Every cockpit table as an XLSX download (openpyxl), built from the same rows the page shows."""

import io
from dataclasses import dataclass

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list]


def xlsx_response(table: Table, filename: str) -> HttpResponse:
    wb = Workbook()
    ws = wb.active
    ws.title = table.title[:31]
    ws.append([str(h) for h in table.headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        ws.append([v if isinstance(v, int | float) else str(v) for v in row])
    for i, h in enumerate(table.headers, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(10, len(str(h)) * 2 + 2)
    buf = io.BytesIO()
    wb.save(buf)
    resp = HttpResponse(buf.getvalue(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    # ASCII file name (ids only), so no personal data travels in headers.
    resp["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return resp
