"""Import packages: a .zip with one question sheet (.xlsx) or JSON file and the pictures it uses.

In any text (题干, 选项, 解析) a picture is written as Markdown writes one, `![说明](images/fig1.png)`, with the
path relative to the sheet's folder inside the zip; the columns 题干图片 / 解析图片 (JSON `stem_image` /
`analysis_image`) name a picture to put at the end of the stem or the analysis. Each becomes a figure of the
question (`questions.figures`), checked by content and size like a Word paper's. A picture that is named but
missing, or that fails a check, is an error of that row; nothing is imported until every row is clean.

The zip is read through `core.files.read_zip` (entries and decompressed size bounded).
"""

from __future__ import annotations

import posixpath
import re

from django.utils.translation import gettext as _

from zhijiao.core.files import UnreadableFile, read_zip
from zhijiao.questions.figures import PendingFigure, digest_of, inspect_figure

MAX_PACKAGE_BYTES = 64 * 1024 * 1024
IMAGE_REF = re.compile(r"!\[([^\]\n]{0,200})\]\(\s*<?([^)\s>]{1,300})>?\s*\)")
IMAGE_COLUMNS = (("stem_image", "stem"), ("analysis_image", "analysis"))


def package_sheet(content: bytes) -> tuple[str, dict[str, bytes]]:
    """(the name of the package's one .xlsx or .json sheet, every file in the package by name)."""
    files = read_zip(content, what=_("导入包"), max_uncompressed=MAX_PACKAGE_BYTES)
    sheets = [n for n in files if n.lower().endswith((".xlsx", ".json")) and "__MACOSX" not in n
              and not posixpath.basename(n).startswith(("~$", "."))]
    if len(sheets) != 1:
        raise UnreadableFile(_("导入包里应当正好有一个 .xlsx 或 .json 试题文件，找到 %(n)s 个。") % {"n": len(sheets)})
    return sheets[0], files


def package_figures(rows: list[tuple[int, dict]], *, sheet: str, files: dict[str, bytes]) -> list[tuple[int, dict]]:
    """The sheet's rows (as `parse_import_file` read them) with the pictures they name from the package, in
    `_images`."""
    base = posixpath.dirname(sheet)
    read: dict[str, PendingFigure] = {}

    def figure(path: str) -> PendingFigure:
        if re.match(r"^[a-z][a-z0-9+.-]*:", path.strip(), flags=re.I):  # http://…, data:…, file:…
            return PendingFigure(digest=digest_of(path.encode()), data=b"", label=path,
                                 error=_("图片“%(f)s”是链接，不会去下载：请把图片文件放进导入包，写它在包里的路径。")
                                 % {"f": path[:80]})
        full = posixpath.normpath(posixpath.join(base, path.strip().lstrip("/")))
        if full not in read:
            data = files.get(full)
            if data is None:
                read[full] = PendingFigure(digest=digest_of(full.encode()), data=b"", label=path,
                                           error=_("图片“%(f)s”不在导入包里。") % {"f": path[:80]})
            else:
                read[full] = inspect_figure(data, label=path[-80:])
        return read[full]

    for n, row in rows:
        if row.get("_bad"):
            continue
        images: dict[str, PendingFigure] = {}

        def place(match, images=images):
            fig = figure(match.group(2))
            images[fig.digest] = fig
            return fig.token

        for key in ("stem", "analysis"):
            if isinstance(row.get(key), str):
                row[key] = IMAGE_REF.sub(place, row[key])
        opts = row.get("options")
        if isinstance(opts, str):
            row["options"] = IMAGE_REF.sub(place, opts)
        elif isinstance(opts, list):
            row["options"] = [({**o, "text": IMAGE_REF.sub(place, o["text"])}
                               if isinstance(o, dict) and isinstance(o.get("text"), str)
                               else IMAGE_REF.sub(place, o) if isinstance(o, str) else o) for o in opts]
        for column, key in IMAGE_COLUMNS:
            path = str(row.pop(column, "") or "").strip()
            if path:
                fig = figure(path)
                images[fig.digest] = fig
                row[key] = (str(row.get(key) or "") + "\n" + fig.token).strip()
        row["_images"] = images
        row.setdefault("_label", _("第 %(n)s 行") % {"n": n} if sheet.lower().endswith(".xlsx")
                       else _("第 %(n)s 题") % {"n": n})
    return rows
