"""Question text as HTML: formulas (see `formulas`), tables, and the problems that keep a text from showing right.

Tables come in two forms that real questions use:

- LaTeX `\\begin{tabular}{…} … \\end{tabular}` (or `array` outside a formula, as some sources write it):
  rows end with `\\\\`, cells split at `&`, `\\hline` and `\\cline{…}` are rules, `\\multicolumn{n}{…}{text}`
  spans n columns, `\\multirow{n}{…}{text}` keeps its text. A whole formula that is only a tabular (`$\\begin{tabular}…$`) is read as the table.
- Markdown pipe tables: a header line `| a | b |`, a rule line `|---|:--:|`, then rows.

Markdown images `![alt](/path)` on this site are drawn (CSS keeps them within the page's width and 60 % of
the screen's height); an image elsewhere is not fetched and a note stands in its place.

Each cell is text with formulas of its own. `array` inside a formula stays MathML (latex2mathml draws it).

`text_problems` lists what is wrong with a text: errors (control characters, braces that do not balance in a
formula, an environment begun and not ended) refuse an import row or a save; warnings (a formula the
converter cannot draw, a command it does not know, a `$` that opens nothing it closes) are shown on the edit
page so the author sees them before a student does.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from zhijiao.core.formulas import DELIMITERS, MAX_FORMULA_CHARS, formula_html, render_formulas

_TABULAR = re.compile(r"(\$\$|\$)?\s*\\begin\{(tabular|array)\}(\{(?:[^{}]|\{[^{}]*\})*\})?(.*?)\\end\{\2\}\s*(\1)?",
                      re.S)
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_MULTICOL = re.compile(r"^\\multicolumn\{(\d+)\}\{[^{}]*\}\{(.*)\}$", re.S)
# \multirow{n}{width}{text}: the text is kept; the rows below carry their own (empty) cells, so no rowspan.
_MULTIROW = re.compile(r"^\\multirow(?:\[[^\]]*\])?\{\d+\}\{[^{}]*\}\{(.*)\}$", re.S)
_IMAGE = re.compile(r"!\[([^\]\n]{0,200})\]\(([^()\s]{1,2000})\)")
_LOCAL_SRC = re.compile(r"/(?!/)[\w\-./%]{0,500}")  # a path on this site: no scheme, no host, no query
# C0 controls other than tab, line feed and carriage return; DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def render_rich(text: str) -> SafeString:
    """`text` as HTML: tables as <table>, formulas as MathML, everything else escaped."""
    text = text or ""
    out: list[str] = []
    for kind, part in _blocks(text):
        if kind == "tabular":
            out.append(_tabular_html(part))
        elif kind == "markdown":
            out.append(_markdown_html(part))
        else:
            out.append(_text_html(part))
    return mark_safe("".join(out))


def _text_html(text: str) -> str:
    """Plain text with formulas, and Markdown images: an image on this site (a path starting with "/") is
    drawn within the CSS size limits; one elsewhere is not fetched (pages make no outside requests) and a
    visible note stands in its place."""
    if "![" not in text:
        return render_formulas(text)
    out, pos = [], 0
    for m in _IMAGE.finditer(text):
        out.append(render_formulas(text[pos:m.start()]))
        alt, src = m.group(1), m.group(2)
        if _LOCAL_SRC.fullmatch(src):
            out.append(f'<img class="q-img" src="{html.escape(src)}" alt="{html.escape(alt or _("图片"))}" '
                       'loading="lazy">')
        else:
            out.append(f'<span class="q-img-missing">{html.escape(_("［图片：外部地址，未显示］"))}</span>')
        pos = m.end()
    out.append(render_formulas(text[pos:]))
    return "".join(out)


def _blocks(text: str) -> list[tuple[str, object]]:
    """The text cut into ("text", str), ("tabular", body) and ("markdown", [lines]) pieces, in order."""
    pieces: list[tuple[str, object]] = []
    pos = 0
    for m in _TABULAR.finditer(text):
        if m.group(2) == "array" and not m.group(1) and _inside_formula(text, m.start()):
            continue  # an array inside a formula is the formula's
        if m.group(2) == "array" and m.group(1):
            continue  # $\begin{array}…$ is a matrix: MathML draws it
        pieces.extend(_markdown_split(text[pos:m.start()]))
        pieces.append(("tabular", m.group(4)))
        pos = m.end()
    pieces.extend(_markdown_split(text[pos:]))
    return pieces


def _inside_formula(text: str, at: int) -> bool:
    """Whether position `at` falls inside a `$…$` formula (a rough count of unescaped dollars before it)."""
    return len(re.findall(r"(?<!\\)\$", text[:at])) % 2 == 1


def _markdown_split(text: str) -> list[tuple[str, object]]:
    if "|" not in text or "-" not in text:
        return [("text", text)] if text else []
    lines = text.split("\n")
    pieces: list[tuple[str, object]] = []
    plain: list[str] = []
    i = 0
    while i < len(lines):
        if (i + 1 < len(lines) and lines[i].strip().startswith("|") and _MD_RULE.match(lines[i + 1])
                and "|" in lines[i + 1]):
            j = i + 2
            while j < len(lines) and lines[j].strip().startswith("|"):
                j += 1
            if plain:
                pieces.append(("text", "\n".join(plain) + "\n"))
                plain = []
            pieces.append(("markdown", [lines[i], *lines[i + 2:j]]))
            i = j
            continue
        plain.append(lines[i])
        i += 1
    if plain:
        rest = "\n".join(plain)
        if rest:
            pieces.append(("text", rest))
    return pieces


def _md_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", s)]


def _markdown_html(lines) -> str:
    head, *rows = lines
    parts = ['<div class="table-wrap"><table class="q-table"><thead><tr>']
    parts += [f"<th>{render_formulas(c)}</th>" for c in _md_cells(head)]
    parts.append("</tr></thead><tbody>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{render_formulas(c)}</td>" for c in _md_cells(row)) + "</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def _split_top(text: str, sep: str) -> list[str]:
    """`text` split at `sep` ("&" or "\\\\") where it stands outside braces and formulas: a cell's own
    `$\\begin{array}…\\\\…$` stays whole, and `\\&` is a character."""
    parts, depth, start, in_math = [], 0, 0, False
    i = 0
    while i < len(text):
        if depth == 0 and not in_math and text.startswith(sep, i):
            parts.append(text[start:i])
            i = start = i + len(sep)
            continue
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "$":
            in_math = not in_math
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        i += 1
    parts.append(text[start:])
    return parts


def _tabular_html(body) -> str:
    rows = [re.sub(r"^\[[^\]]*\]", "", r) for r in _split_top(str(body), "\\\\")]  # \\[2pt] too
    parts = ['<div class="table-wrap"><table class="q-table"><tbody>']
    for row in rows:
        row = re.sub(r"\\(?:hline|cline\{[^}]*\}|toprule|midrule|bottomrule)", "", row).strip()
        if not row:
            continue
        parts.append("<tr>")
        for cell in _split_top(row, "&"):
            cell = cell.strip()
            span = ""
            m = _MULTICOL.match(cell)
            if m:
                span, cell = f' colspan="{int(m.group(1))}"', m.group(2).strip()
            m = _MULTIROW.match(cell)
            if m:
                cell = m.group(1).strip()
            parts.append(f"<td{span}>{render_formulas(cell)}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


# --- problems ---------------------------------------------------------------------------------------

@dataclass
class Problems:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def text_problems(text: str) -> Problems:
    """What keeps `text` from showing as its author meant: errors refuse the text, warnings are shown."""
    found = Problems()
    text = text or ""
    m = _CONTROL.search(text)
    if m:
        found.errors.append(_("含有不可见的控制字符（U+%(code)04X，第 %(pos)s 个字符处），请删除后再保存。")
                            % {"code": ord(m.group()), "pos": m.start() + 1})
    for env in sorted(set(re.findall(r"\\begin\{(\w+\*?)\}", text))):
        if text.count(f"\\begin{{{env}}}") != text.count(f"\\end{{{env}}}"):
            found.errors.append(_("\\begin{%(e)s} 与 \\end{%(e)s} 没有成对出现。") % {"e": env})
    for source, _display in _formulas(text):
        shown = source if len(source) <= 40 else source[:40] + "…"
        if _braces_unbalanced(source):
            found.errors.append(_("公式 %(f)s 的花括号 { } 不配对。") % {"f": shown})
            continue
        if len(source) > MAX_FORMULA_CHARS:
            found.warnings.append(_("公式 %(f)s 过长，将按原文显示。") % {"f": shown})
            continue
        rendered = formula_html(source, original="\x00")
        if rendered == "\x00" or rendered == html.escape("\x00"):
            found.warnings.append(_("公式 %(f)s 无法转换，将按原文显示。") % {"f": shown})
            continue
        unknown = sorted(set(re.findall(r">(\\[A-Za-z]+)<", rendered)))
        if unknown:
            found.warnings.append(_("公式 %(f)s 中的命令 %(c)s 无法识别。") % {"f": shown, "c": "、".join(unknown)})
    outside = [m.group(2) for m in _IMAGE.finditer(text) if not _LOCAL_SRC.fullmatch(m.group(2))]
    if outside:
        found.warnings.append(_("引用了 %(n)s 张外部图片，页面不会显示（不向外部网站请求），请改为上传图片。")
                              % {"n": len(outside)})
    if _unclosed_dollar(text):
        found.warnings.append(_("有一个 $ 没有配对的 $，它后面的文字不会按公式显示（要写美元符号请用 \\$）。"))
    return found


def _formulas(text: str) -> list[tuple[str, bool]]:
    out = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "$%&#_{}":
            i += 2
            continue
        for left, right, display in DELIMITERS:
            if text.startswith(left, i):
                close = text.find(right, i + len(left))
                if close >= 0 and text[i + len(left):close].strip():
                    out.append((text[i + len(left):close], display))
                    i = close + len(right)
                    break
        else:
            i += 1
    return out


def _braces_unbalanced(source: str) -> bool:
    depth = 0
    i = 0
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return True
        i += 1
    return depth != 0


def _unclosed_dollar(text: str) -> bool:
    return len(re.findall(r"(?<!\\)\$", text)) % 2 == 1
