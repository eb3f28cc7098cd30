"""Formulas rendered once on the server: text with LaTeX between `$...$`, `$$...$$`, `\\(...\\)` or `\\[...\\]`
becomes escaped HTML with MathML in place of each formula, which every current browser draws without a
script or a web font (Chromium and Edge since 109, Safari, Firefox).

latex2mathml (pure Python) does the conversion. Its output is not safe to put in a page as it is: it passes
`\\text{<script>}` through unescaped and turns `\\href` and `\\style` into attributes. So the element tree it
builds is copied through an allow-list of MathML Core elements and presentation attributes, and serialised
by ElementTree, which escapes every text node. A formula that does not convert stays as its escaped source,
as KaTeX left it in the browser before.
"""

from __future__ import annotations

import html
import re
import unicodedata
from xml.etree.ElementTree import Element, tostring

from django.utils.safestring import SafeString, mark_safe

# MathML Core's elements (https://www.w3.org/TR/mathml-core/), plus mstyle and menclose that latex2mathml
# emits for \color, \boxed and the like.
ELEMENTS = frozenset("""
    math mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover mfrac msqrt mroot mtable mtr
    mtd mstyle mpadded mphantom menclose merror mmultiscripts mprescripts none semantics annotation
""".split())
ATTRIBUTES = frozenset("""
    display mathvariant stretchy fence form separator accent accentunder largeop movablelimits symmetric lspace
    rspace minsize maxsize linethickness columnalign rowalign columnspacing rowspacing columnlines rowlines frame
    framespacing width height depth voffset scriptlevel displaystyle notation mathcolor mathbackground mathsize
    columnspan rowspan
""".split())
# Lengths, names, colours and booleans: nothing that could open a URL or a script.
SAFE_VALUE = re.compile(r"[\w#.%+\- ]{0,64}")
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
# mathvariant values and the Unicode names of their letters (MATHEMATICAL BOLD ITALIC SMALL A…).
STYLED = {"bold": "MATHEMATICAL BOLD", "italic": "MATHEMATICAL ITALIC", "bold-italic": "MATHEMATICAL BOLD ITALIC",
          "double-struck": "MATHEMATICAL DOUBLE-STRUCK", "script": "MATHEMATICAL SCRIPT",
          "bold-script": "MATHEMATICAL BOLD SCRIPT", "fraktur": "MATHEMATICAL FRAKTUR",
          "bold-fraktur": "MATHEMATICAL BOLD FRAKTUR", "sans-serif": "MATHEMATICAL SANS-SERIF",
          "bold-sans-serif": "MATHEMATICAL SANS-SERIF BOLD", "sans-serif-italic": "MATHEMATICAL SANS-SERIF ITALIC",
          "sans-serif-bold-italic": "MATHEMATICAL SANS-SERIF BOLD ITALIC", "monospace": "MATHEMATICAL MONOSPACE"}
# Elements whose children are laid out in a row, where a space may go between two of them.
ROWS = frozenset("math mrow mstyle mtd mpadded mphantom menclose msqrt merror".split())
UPRIGHT_LETTER = re.compile(r"&#x0*(?:4[1-9A-F]|5[0-9A]|6[1-9A-F]|7[0-9A]);", re.IGNORECASE)
# A formula longer than this is kept as text: no real question needs it, and a crafted one costs time.
MAX_FORMULA_CHARS = 4000

# Display delimiters first, so `$$` is never read as two empty inline formulas.
DELIMITERS = (("$$", "$$", True), ("\\[", "\\]", True), ("$", "$", False), ("\\(", "\\)", False))
# Outside formulas, a backslash before one of these is the character itself (LaTeX's text-mode escapes).
TEXT_ESCAPES = frozenset("$%&#_{}")


def render_formulas(text: str) -> SafeString:
    """`text` as HTML: plain parts escaped, each formula as MathML (or its escaped source if it does not convert)."""
    out: list[str] = []
    plain_start = i = 0
    while i < len(text):
        if text[i] not in "$\\":
            i += 1
            continue
        if text[i] == "\\" and text[i + 1:i + 2] in TEXT_ESCAPES:
            # \$ is a dollar sign, not a delimiter; \% \& \# \_ \{ \} are LaTeX's text-mode escapes
            out.append(html.escape(text[plain_start:i] + text[i + 1]))
            i = plain_start = i + 2
            continue
        found = _formula_at(text, i)
        if found is None:  # an unclosed or empty delimiter is text; `$$` is skipped whole, not as two `$`
            i += 2 if text.startswith("$$", i) else 1
            continue
        end, rendered = found
        out.append(html.escape(text[plain_start:i]))
        out.append(rendered)
        i = plain_start = end
    out.append(html.escape(text[plain_start:]))
    return mark_safe("".join(out))


def _formula_at(text: str, i: int) -> tuple[int, str] | None:
    """(where the formula starting at `i` ends, its HTML), or None when no closed, non-empty formula starts there."""
    for left, right, display in DELIMITERS:
        if not text.startswith(left, i):
            continue
        close = text.find(right, i + len(left))
        if close < 0 or not text[i + len(left):close].strip():
            continue
        end = close + len(right)
        return end, formula_html(text[i + len(left):close], display=display, original=text[i:end])
    return None


def formula_html(source: str, *, display: bool = False, original: str | None = None) -> str:
    """One formula as MathML, or `original` (the source with its delimiters) escaped when it cannot be converted."""
    fallback = html.escape(original if original is not None else source)
    if len(source) > MAX_FORMULA_CHARS:
        return fallback
    try:
        from latex2mathml.converter import convert_to_element

        tree = convert_to_element(source, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - any parse failure means "show the source", as the browser renderer did
        return fallback
    clean = _allowed_copy(tree)
    if clean is None:
        return fallback
    clean.set("xmlns", MATHML_NS)
    return tostring(clean, encoding="unicode")


def _allowed_copy(node: Element, depth: int = 0) -> Element | None:
    if depth > 200:
        return None
    tag = node.tag
    if tag not in ELEMENTS:
        # An element outside the list keeps only its text, as an mtext.
        text = "".join(node.itertext())
        copy = Element("mtext")
        copy.text = html.unescape(text)
        copy.tail = None
        return copy
    copy = Element(tag)
    for name, value in node.attrib.items():
        if name in ATTRIBUTES and SAFE_VALUE.fullmatch(value):
            copy.set(name, value)
    # latex2mathml writes characters as entity strings ("&#x0003C;") in text; read them back so that
    # ElementTree escapes them once.
    copy.text = html.unescape(node.text) if node.text else None
    variant = copy.attrib.get("mathvariant")
    if variant in STYLED and copy.text:
        # MathML Core (Chromium) draws mathvariant="normal" only: \boldsymbol{a} must carry the bold
        # italic letter itself, as \mathbf already does.
        copy.text = "".join(_styled(ch, STYLED[variant]) for ch in copy.text)
        del copy.attrib["mathvariant"]
    if tag == "mi" and UPRIGHT_LETTER.fullmatch(node.text or "") and "mathvariant" not in copy.attrib:
        # latex2mathml maps \mathrm{H} to an entity for the plain letter but forgets mathvariant, and a lone
        # letter in <mi> is drawn italic: chemistry's H₂O would read as variables. A letter typed as such
        # arrives as itself, not as an entity, so only \mathrm letters match.
        copy.set("mathvariant", "normal")
    children = list(node)
    for k, child in enumerate(children):
        sub = _allowed_copy(child, depth + 1)
        if sub is None:
            return None
        sub.tail = html.unescape(child.tail) if child.tail else None
        copy.append(sub)
        if (tag in ROWS and _is_function(child) and k + 1 < len(children)
                and children[k + 1].tag not in ("mo", "mspace")):
            # TeX sets a thin space between \cos and its argument; MathML needs it written out.
            copy.append(Element("mspace", width="0.1667em"))
    return copy


def _styled(ch: str, prefix: str) -> str:
    """`ch` as its Unicode mathematical alphanumeric (𝒂 for bold-italic a), or itself when there is none."""
    name = unicodedata.name(ch, "")
    for plain in ("LATIN ", "GREEK ", "LETTER "):
        name = name.replace(plain, "")
    try:
        return unicodedata.lookup(f"{prefix} {name}")
    except KeyError:
        return ch


def _is_function(node: Element) -> bool:
    """A multi-letter <mi> (cos, ln, lg, max…), maybe with scripts (log₂): latex2mathml gives every other
    letter an <mi> of its own."""
    if node.tag in ("msub", "msup", "msubsup") and len(node):
        node = node[0]
    return node.tag == "mi" and len(node.text or "") > 1 and (node.text or "").isalpha()
