"""Word equations (OMML, the `m:` elements of a .docx) to LaTeX, for `core.formulas` to draw as MathML.

A small walker of our own over the elements school papers use: runs, fractions, radicals, sub/superscripts
(and pre-scripts), n-ary operators (∑ ∫ ∏ …), delimiters, matrices and equation arrays, functions, accents,
bars, boxes, limits and group characters. Pandoc reads OMML too, but only as a ~100 MB binary run once per
file, and the one Python package for the job (dwml) has been unmaintained since 2020; the subset below is
what the paper layouts need and is tested element by element.

An element outside that subset raises `Unconvertible` naming it, so the import can say which formula it
could not read instead of showing a wrong one.
"""

from __future__ import annotations

import re

M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# Characters that LaTeX writes as commands (latex2mathml reads most of the Unicode ones too, but the source a
# teacher later edits is easier to read this way).
SYMBOLS = {
    "×": r"\times ", "÷": r"\div ", "±": r"\pm ", "∓": r"\mp ", "≤": r"\le ", "≥": r"\ge ", "≠": r"\ne ",
    "≈": r"\approx ", "≡": r"\equiv ", "∞": r"\infty ", "∠": r"\angle ", "⊥": r"\perp ", "∥": r"\parallel ",
    "∈": r"\in ", "∉": r"\notin ", "∩": r"\cap ", "∪": r"\cup ", "⊆": r"\subseteq ", "⊂": r"\subset ",
    "⊇": r"\supseteq ", "⊃": r"\supset ", "∅": r"\varnothing ", "→": r"\to ", "⇒": r"\Rightarrow ",
    "⇔": r"\Leftrightarrow ", "…": r"\ldots ", "⋯": r"\cdots ", "·": r"\cdot ", "⋅": r"\cdot ", "°": r"^{\circ}",
    "∴": r"\therefore ", "∵": r"\because ", "△": r"\triangle ", "∀": r"\forall ", "∃": r"\exists ",
    "∂": r"\partial ", "−": "-", "∇": r"\nabla ", "′": "'", "{": r"\{", "}": r"\}", "%": r"\%", "#": r"\#", "&": r"\&",
    "$": r"\$", "_": r"\_", "^": r"\hat{}", "\\": r"\backslash ", "~": r"\sim ",
    "α": r"\alpha ", "β": r"\beta ", "γ": r"\gamma ", "δ": r"\delta ", "ε": r"\varepsilon ", "ζ": r"\zeta ",
    "η": r"\eta ", "θ": r"\theta ", "λ": r"\lambda ", "μ": r"\mu ", "ξ": r"\xi ", "π": r"\pi ", "ρ": r"\rho ",
    "σ": r"\sigma ", "τ": r"\tau ", "φ": r"\varphi ", "ϕ": r"\phi ", "χ": r"\chi ", "ψ": r"\psi ", "ω": r"\omega ",
    "Γ": r"\Gamma ", "Δ": r"\Delta ", "Θ": r"\Theta ", "Λ": r"\Lambda ", "Π": r"\Pi ", "Σ": r"\Sigma ",
    "Φ": r"\Phi ", "Ψ": r"\Psi ", "Ω": r"\Omega ",
}
NARY = {"∑": r"\sum", "∏": r"\prod", "∐": r"\coprod", "∫": r"\int", "∬": r"\iint", "∭": r"\iiint",
        "∮": r"\oint", "⋃": r"\bigcup", "⋂": r"\bigcap"}
ACCENTS = {"\u0302": r"\hat", "\u0305": r"\bar", "\u0304": r"\bar", "\u00af": r"\bar", "\u20d7": r"\vec",
           "\u2192": r"\vec", "\u0307": r"\dot", "\u0308": r"\ddot", "\u0303": r"\tilde", "\u030c": r"\check",
           "\u0306": r"\breve", "\u0301": r"\acute", "\u0300": r"\grave"}
FUNCTIONS = {"sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
             "log", "lg", "ln", "exp", "lim", "max", "min", "sup", "inf", "det", "gcd", "deg", "arg", "dim"}
DELIMS = {"(": "(", ")": ")", "[": "[", "]": "]", "{": r"\{", "}": r"\}", "|": "|", "‖": r"\|", "〈": r"\langle",
          "〉": r"\rangle", "⟨": r"\langle", "⟩": r"\rangle", "⌊": r"\lfloor", "⌋": r"\rfloor", "⌈": r"\lceil",
          "⌉": r"\rceil", "": "."}
# Property elements carry no content.
PROPERTIES = {"rPr", "ctrlPr", "fPr", "radPr", "sSubPr", "sSupPr", "sSubSupPr", "sPrePr", "naryPr", "dPr", "mPr",
              "mcs", "funcPr", "accPr", "barPr", "boxPr", "borderBoxPr", "eqArrPr", "limLowPr", "limUppPr",
              "groupChrPr", "phantPr", "oMathParaPr", "argPr"}
# m:scr and m:sty of a run of letters (Word's math alphabets).
SCRIPTS = {"double-struck": r"\mathbb", "script": r"\mathcal", "fraktur": r"\mathfrak", "sans-serif": r"\mathsf",
           "monospace": r"\mathtt"}
STYLES = {"p": r"\mathrm", "b": r"\mathbf", "bi": r"\boldsymbol"}
CONTAINERS = {"e", "num", "den", "sub", "sup", "deg", "fName", "lim", "oMath", "box", "phant"}


class Unconvertible(Exception):
    """An equation element this walker does not read; `str()` names it."""


def to_latex(node) -> str:
    """The LaTeX of an m:oMath (or any OMML element)."""
    return _walk(node).strip()


def _local(node) -> tuple[str, str]:
    tag = node.tag if isinstance(node.tag, str) else ""
    if tag.startswith(M):
        return "m", tag[len(M):]
    if tag.startswith(W):
        return "w", tag[len(W):]
    return "", tag


def _val(parent, path: str, default: str | None = None) -> str | None:
    """The m:val of parent's property child `path` (e.g. "m:chr"), or `default`."""
    if parent is None:
        return default
    el = parent.find(path.replace("m:", M))
    if el is None:
        return default
    return el.get(f"{M}val", default if default is not None else "")


def _child(node, name: str):
    return node.find(M + name)


def _kids(node) -> str:
    return "".join(_walk(c) for c in node)


def _group(node) -> str:
    return "{" + (_kids(node) if node is not None else "") + "}"


def _base(node) -> str:
    """A script's base: a lone command as it is (\\lim_{x\\to 0}, \\log_{2}: TeX sets their limits as operators),
    anything else in braces."""
    base = _kids(node).strip() if node is not None else ""
    if re.fullmatch(r"\\[A-Za-z]+", base):
        return base
    return "{" + base + "}"


def _text(s: str) -> str:
    return "".join(SYMBOLS.get(ch, ch) for ch in s)


def _walk(node) -> str:  # noqa: C901 - one branch per element, as the OMML schema lists them
    ns, name = _local(node)
    if ns == "w":
        if name == "r":  # a Word run inside an equation: its text as text
            return "".join(_text(t.text or "") for t in node.iter(W + "t"))
        if name in ("rPr", "bookmarkStart", "bookmarkEnd", "proofErr", "del", "moveFrom"):
            return ""  # formatting, marks, and text tracked as deleted
        if name in ("ins", "moveTo", "customXml", "smartTag"):
            return _kids(node)
        raise Unconvertible(f"w:{name}")
    if ns != "m":
        return ""  # comments, processing instructions, foreign markup
    if name in PROPERTIES:
        return ""
    if name in CONTAINERS or name == "oMathPara":
        return _kids(node)
    if name == "r":
        text = "".join(t.text or "" for t in node.iter(M + "t"))
        rpr = _child(node, "rPr")
        if rpr is not None and rpr.find(M + "nor") is not None and text.strip():
            return r"\text{" + text.replace("\\", "").replace("{", "").replace("}", "") + "}"
        if text.strip() in FUNCTIONS:
            return "\\" + text.strip() + " "
        letters = text.strip()
        if letters.isascii() and letters.isalpha():
            script = _val(rpr, "m:scr")
            style = _val(rpr, "m:sty")
            if script in SCRIPTS:
                return SCRIPTS[script] + "{" + letters + "}"
            if style in STYLES:  # plain letters: units, chemistry (H₂O), the d of dx
                return STYLES[style] + "{" + letters + "}"
        return _text(text)
    if name == "f":
        kind = _val(_child(node, "fPr"), "m:type", "bar")
        num, den = _group(_child(node, "num")), _group(_child(node, "den"))
        if kind == "lin":
            return f"{num}/{den}"
        if kind == "noBar":  # a stack without a bar; in parentheses (m:d) it is a binomial coefficient
            return "{" + num + r" \atop " + den + "}"
        return r"\frac" + num + den
    if name == "rad":
        deg = _child(node, "deg")
        hidden = _val(_child(node, "radPr"), "m:degHide", "0") in ("1", "on", "true")
        e = _group(_child(node, "e"))
        if deg is None or hidden or not _kids(deg).strip():
            return r"\sqrt" + e
        return r"\sqrt[" + _kids(deg) + "]" + e
    if name == "sSub":
        return _base(_child(node, "e")) + "_" + _group(_child(node, "sub"))
    if name == "sSup":
        return _base(_child(node, "e")) + "^" + _group(_child(node, "sup"))
    if name == "sSubSup":
        return _base(_child(node, "e")) + "_" + _group(_child(node, "sub")) + "^" + _group(_child(node, "sup"))
    if name == "sPre":
        return "{}_" + _group(_child(node, "sub")) + "^" + _group(_child(node, "sup")) + _group(_child(node, "e"))
    if name == "nary":
        pr = _child(node, "naryPr")
        op = _val(pr, "m:chr", "∫") or "∫"
        if op not in NARY:
            raise Unconvertible(f"m:nary {op}")
        out = NARY[op]
        if _val(pr, "m:subHide", "0") not in ("1", "on", "true"):
            out += "_" + _group(_child(node, "sub"))
        if _val(pr, "m:supHide", "0") not in ("1", "on", "true"):
            out += "^" + _group(_child(node, "sup"))
        return out + _group(_child(node, "e"))
    if name == "d":
        pr = _child(node, "dPr")
        beg, end = _val(pr, "m:begChr", "("), _val(pr, "m:endChr", ")")
        sep = _val(pr, "m:sepChr", "|")
        if beg not in DELIMS or end not in DELIMS:
            raise Unconvertible(f"m:d {beg}{end}")
        inner = (DELIMS.get(sep, sep) if sep in DELIMS else _text(sep)).join(
            _kids(e) for e in node.findall(M + "e"))
        return r"\left" + DELIMS[beg] + " " + inner + r" \right" + DELIMS[end]
    if name == "m":
        rows = [" & ".join(_kids(e) for e in mr.findall(M + "e")) for mr in node.findall(M + "mr")]
        return r"\begin{matrix}" + r" \\ ".join(rows) + r"\end{matrix}"
    if name == "eqArr":
        rows = [_kids(e).replace("&", "") for e in node.findall(M + "e")]
        return r"\begin{matrix}" + r" \\ ".join(rows) + r"\end{matrix}"
    if name == "func":
        fname = _kids(_child(node, "fName")).strip() if _child(node, "fName") is not None else ""
        return fname + " " + _group(_child(node, "e"))
    if name == "acc":
        ch = _val(_child(node, "accPr"), "m:chr", "\u0302")
        if ch not in ACCENTS:
            raise Unconvertible(f"m:acc {ch}")
        return ACCENTS[ch] + _group(_child(node, "e"))
    if name == "bar":
        pos = _val(_child(node, "barPr"), "m:pos", "bot")
        return (r"\overline" if pos == "top" else r"\underline") + _group(_child(node, "e"))
    if name == "borderBox":
        return r"\boxed" + _group(_child(node, "e"))
    if name in ("limLow", "limUpp"):
        return _base(_child(node, "e")) + ("_" if name == "limLow" else "^") + _group(_child(node, "lim"))
    if name == "groupChr":
        pr = _child(node, "groupChrPr")
        pos = _val(pr, "m:pos", "bot")
        return (r"\overbrace" if pos == "top" else r"\underbrace") + _group(_child(node, "e"))
    raise Unconvertible(f"m:{name}")
