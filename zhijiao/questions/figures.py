"""Pictures inside a question's text (插图): figures from Word papers and import packages.

A question's stem, options and analysis may hold `[[img:<digest>]]`, where `<digest>` is the first 12 hex
digits of the picture's SHA-256. The picture itself is a `QuestionImage` of that question with that digest;
the saved HTML (`Question.rendered`) has an <img> there with the picture's display width and height, served
by `questions:figure` to those who may see the question. Because the token is the content's digest, the same
paper imported twice has the same fingerprint (a duplicate), while "如图……" with a different picture does not.

Limits, checked on the bytes before anything is stored: PNG, JPEG or GIF only (by content, read by
`core.files.picture_header`: no decoder runs on the upload), at most `MAX_FIGURE_BYTES`, at most
`MAX_FIGURE_SIDE` pixels on a side and `MAX_FIGURE_PIXELS` in all, at most `MAX_FIGURES` per question. Shown
at most `MAX_SHOWN_WIDTH` CSS pixels wide (and never wider than the page: CSS max-width).

Nothing here imports the models at module level: `models.Question.render` calls `with_figures`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from zhijiao.core.files import PICTURE_KINDS, picture_header

FIGURE_TOKEN = re.compile(r"\[\[img:([0-9a-f]{12})\]\]")
MAX_FIGURE_BYTES = 2 * 1024 * 1024
MAX_FIGURE_SIDE = 6000
MAX_FIGURE_PIXELS = 16_000_000
MAX_FIGURES = 20
MAX_SHOWN_WIDTH = 640
PREVIEW_INLINE_BYTES = 4 * 1024 * 1024  # pictures drawn inline in one dry-run page, at most
KINDS = PICTURE_KINDS


@dataclass
class PendingFigure:
    """A picture read from an import, not yet stored. `error` says why it cannot be (then it never is)."""

    digest: str
    data: bytes
    ext: str = ""
    content_type: str = ""
    width: int = 0  # display size, CSS pixels
    height: int = 0
    label: str = ""  # where it came from, for messages: "image3.png"
    error: str | None = None

    @property
    def token(self) -> str:
        return f"[[img:{self.digest}]]"

    def data_uri(self) -> str:
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode()}"


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def inspect_figure(data: bytes, *, label: str, shown_width: int | None = None,
                   shown_height: int | None = None) -> PendingFigure:
    """The picture checked against the limits, with its display size (the size given by the document when
    there is one, else its pixel size, either way scaled down to MAX_SHOWN_WIDTH)."""
    fig = PendingFigure(digest=digest_of(data), data=data, label=label)
    if len(data) > MAX_FIGURE_BYTES:
        fig.error = _("图片“%(f)s”有 %(s)s MB，超过 %(m)s MB。") % {
            "f": label, "s": round(len(data) / (1024 * 1024), 1), "m": MAX_FIGURE_BYTES // (1024 * 1024)}
        return fig
    header = picture_header(data)
    if header is None:
        import filetype

        kind = filetype.image_match(data[:2048])
        fig.error = (_("图片“%(f)s”已损坏，读不出大小。") if kind is not None and kind.mime in KINDS
                     else _("“%(f)s”不是 PNG、JPG 或 GIF 图片，无法显示。")) % {"f": label}
        return fig
    mime, px_w, px_h = header
    if max(px_w, px_h) > MAX_FIGURE_SIDE or px_w * px_h > MAX_FIGURE_PIXELS:
        fig.error = _("图片“%(f)s”有 %(w)s×%(h)s 像素，超过上限（每边 %(side)s、共 %(mp)s 百万像素）。") % {
            "f": label, "w": px_w, "h": px_h, "side": MAX_FIGURE_SIDE, "mp": MAX_FIGURE_PIXELS // 1_000_000}
        return fig
    w, h = (shown_width, shown_height) if shown_width and shown_height else (px_w, px_h)
    if w > MAX_SHOWN_WIDTH:
        w, h = MAX_SHOWN_WIDTH, h * MAX_SHOWN_WIDTH / w
    fig.width, fig.height = max(1, round(w)), max(1, round(h))
    fig.content_type, fig.ext = mime, KINDS[mime]
    return fig


def figure_errors(row: dict) -> dict[str, str]:
    """The row's picture problems as field errors ({} when all its pictures may be stored)."""
    figures: dict[str, PendingFigure] = row.get("_images") or {}
    problems = [f.error for f in figures.values() if f.error]
    if len(figures) > MAX_FIGURES:
        problems.append(_("一道题最多 %(m)s 张图片，这道题有 %(n)s 张。") % {"m": MAX_FIGURES, "n": len(figures)})
    return {"images": "；".join(problems)} if problems else {}


def texts_of(stem: str, options, analysis: str) -> tuple[str, str]:
    """(everything a student sees with the question, the analysis)."""
    shown = stem + "".join(str(o.get("text", "")) for o in options or [] if isinstance(o, dict))
    return shown, analysis or ""


def shown_with_question(question, digest: str) -> bool:
    """The picture stands in the stem or an option (not only in the analysis)."""
    return f"[[img:{digest}]]" in texts_of(question.stem or "", question.options, "")[0]


def _img(src: str, width: int, height: int) -> str:
    return (f'<img class="q-fig" src="{html.escape(src)}" width="{int(width)}" height="{int(height)}" '
            f'alt="{html.escape(_("插图"))}" loading="lazy">')


def _replace(rendered: dict, tags: dict[str, str]) -> dict:
    def sub(text):
        return FIGURE_TOKEN.sub(lambda m: tags.get(m.group(1), m.group(0)), text) if isinstance(text, str) else text

    out = dict(rendered)
    for part in ("stem", "analysis"):
        out[part] = sub(out.get(part))
    out["options"] = [sub(o) for o in out.get("options") or []]
    return out


def with_figures(question, rendered: dict) -> dict:
    """`rendered` with each `[[img:<digest>]]` of this question's own pictures as an <img>. One query, and
    only for a saved question whose text has a token; a token of a picture the question does not have stays
    as text (so no one can show another question's picture by typing its digest)."""
    texts = [question.stem or "", question.analysis or "",
             *(str(o.get("text", "")) for o in question.options or [] if isinstance(o, dict))]
    digests = {d for t in texts for d in FIGURE_TOKEN.findall(t)}
    if not digests or question.pk is None:
        return rendered
    from django.urls import reverse

    tags = {img.digest: _img(reverse("questions:figure", args=[img.pk]), img.width, img.height)
            for img in question.images.filter(digest__in=digests)}
    return _replace(rendered, tags)


def preview_rendered(rendered: dict, row: dict, budget: list[int] | None = None) -> dict:
    """For the dry run: `rendered` with the row's pictures inline (data: URIs), before anything is stored.

    `budget` ([bytes left]) is shared by the rows of one page: past it a picture shows as a framed box of its
    size with its name, so a paper of many pictures does not make a page of tens of MB."""
    figures: dict[str, PendingFigure] = row.get("_images") or {}
    tags = {}
    for d, f in figures.items():
        if f.error:
            continue
        if budget is None or budget[0] >= len(f.data):
            if budget is not None:
                budget[0] -= len(f.data)
            tags[d] = _img(f.data_uri(), f.width, f.height)
        else:
            tags[d] = (f'<span class="q-fig-box" style="width:{int(f.width)}px;height:{int(f.height)}px">'
                       f'{html.escape(_("图片 %(f)s（%(w)s×%(h)s，预览略）") % {"f": f.label, "w": f.width, "h": f.height})}'
                       "</span>")
    return _replace(rendered, tags)
