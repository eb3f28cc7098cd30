"""Word papers (.docx) to the raw question rows the XLSX/JSON import produces, with what could not be read.

The layout is the one Chinese teachers and the big question-bank sites use:

- section headings `一、选择题` `二、填空题` `三、解答题` (the heading names the type of the questions under it);
- numbered questions `1．` `2.` `3、` (typed, or Word's automatic numbering);
- options `A．… B．… C．… D．…` on one line, on several lines, or in a table;
- `【答案】` `【解析】`/`【详解】`/`【分析】`/`【点睛】` `【知识点】`/`【考点】` `【难度】` `【题型】` `【来源】` markers after a
  question, or an answer section at the end (`参考答案`, `答案与解析`…) with `1．B`, `1．B 2．C 3．A`,
  `1-5 BCADA`, or `1．【答案】…【解析】…`;
- pictures (PNG/JPEG/GIF) anywhere, kept where they stand as `[[img:<digest>]]` (see `questions.figures`);
- Word equations (OMML) as `$LaTeX$` through `questions.omml`; MathType (OLE) equations by their preview
  picture when it is PNG/JPEG/GIF.

Each row carries `_label` (e.g. "一、选择题 第 3 题"), `_notes` (every part of that question that was not
read as it stood: a formula that did not convert, a WMF picture, a shape, a table read as text…) and
`_images` (the pictures it uses). The first row also carries `_paper_notes`: text outside any question and
answer-section lines that matched no question. Nothing here writes; the import action validates and saves.

The document is read through `core.files.read_zip` (entries and decompressed size bounded) and lxml with
entities and network off; more than MAX_IMPORT_ROWS questions is refused.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from zhijiao.core.files import UnreadableFile, read_zip
from zhijiao.questions.figures import FIGURE_TOKEN, KINDS, PendingFigure, inspect_figure
from zhijiao.questions.omml import M, Unconvertible, W, to_latex

MAX_DOCX_BYTES = 64 * 1024 * 1024  # decompressed, all parts together
MAX_DOCUMENT_XML = 32 * 1024 * 1024
MAX_QUESTIONS = 2000  # as MAX_IMPORT_ROWS
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
V = "{urn:schemas-microsoft-com:vml}"
OFFICE = "{urn:schemas-microsoft-com:office:office}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
EMU_PER_PX = 9525
# Symbol-font characters Word writes as <w:sym w:font="Symbol" w:char="F0B4"/>.
SYMBOL_FONT = {"F0B4": "×", "F0B8": "÷", "F0B1": "±", "F0A3": "≤", "F0B3": "≥", "F0B9": "≠", "F0D0": "∠",
               "F070": "π", "F061": "α", "F062": "β", "F067": "γ", "F071": "θ", "F0B0": "°", "F0DE": "⇒",
               "F0AE": "→", "F0BB": "≈", "F0A5": "∞", "F0CE": "∈", "F0C7": "∩", "F0C8": "∪", "F05E": "⊥"}
CN_DIGITS = "〇一二三四五六七八九十"

SECTION = re.compile(r"^([一二三四五六七八九十]{1,3})\s*[、.．]\s*(.{1,60})$")
ANSWER_HEADING = re.compile(r"^(?:参考答案|答案|试卷答案|答案解析|参考答案及解析|参考答案与解析|答案与解析|答案及解析|"
                            r"答案和解析|参考答案与评分标准|参考答案及评分标准|答案与详解|参考答案与试题解析|试题解析|"
                            r"答案详解)\s*[:：]?\s*$")
# 第Ⅰ卷（选择题）, 卷Ⅱ: a part of the paper, not a question's text.
PART = re.compile(r"^(?:第\s*[ⅠⅡⅢⅣIV一二三四]+\s*卷|卷\s*[ⅠⅡⅢⅣIV一二三四]+)(?:\s|[（(:：]|$)")
# 菁优网-style explanations end with the answer: 故选：B． / 故答案为：60；120．
CHOSEN = re.compile(r"故选[:：]?\s*([A-H](?:[、,，\s]*[A-H])*)")
ANSWERED = re.compile(r"故答案为[:：]\s*(.+?)[．.。]?\s*$", re.M)
# "3.14" is a number, not question 3; "3．1 时 = ( ) 分" is question 3.
QUESTION = re.compile(r"^(?:第\s*(\d{1,4})\s*题\s*[.．、:：]?|(\d{1,4})\s*(?:[．、]|\.(?!\d)))\s*(.*)$", re.S)
MARKER = re.compile(r"【\s*(答案|答|解析|详解|解答|分析|点睛|点评|知识点|考点|难度|题型|来源|分值)\s*】\s*[:：]?")
# "A．3", "A. 3", "A、3", "A:3" and "(A) 3" / "（A）3".
OPTION = re.compile(r"(?:^|(?<=\s))(?:([A-H])\s*[.．、:：]|[（(]([A-H])[)）])")
ANSWER_RANGE = re.compile(r"^(\d{1,4})\s*[-~—–～]\s*(\d{1,4})\s*[.．、:：]?\s*([A-H]+)$")
ANSWER_ITEM = re.compile(r"(?:^|(?<=\s))(\d{1,4})\s*(?:[．、]|\.(?!\d))\s*")
FIELD_OF = {"答案": "answer", "答": "answer", "解析": "analysis", "详解": "analysis", "解答": "analysis",
            "分析": "analysis", "点睛": "analysis", "点评": "analysis", "知识点": "kps", "考点": "kps",
            "难度": "difficulty", "题型": "qtype", "来源": "source", "分值": "ignored"}
SECTION_TYPES = (("不定项", "multiple"), ("多项选择", "multiple"), ("多选", "multiple"), ("单项选择", "single"),
                 ("单选", "single"), ("选择", "choice"), ("判断", "truefalse"), ("填空", "fill"),
                 ("作文", "essay"), ("写作", "essay"), ("论述", "essay"), ("解答", "short"), ("简答", "short"),
                 ("计算", "short"), ("证明", "short"), ("实验", "short"), ("应用", "short"), ("探究", "short"),
                 ("问答", "short"), ("综合", "short"), ("阅读", "short"))
ONE_LINE_ANSWERS = ("single", "multiple", "choice", "truefalse", "fill")
TRUE_FALSE = {"√", "✓", "✔", "对", "正确", "T", "TRUE", "是", "×", "✗", "✘", "错", "错误", "F", "FALSE", "否"}
DIFFICULTY_WORDS = {"容易": 1, "易": 1, "简单": 1, "较易": 2, "较容易": 2, "中等": 3, "一般": 3, "适中": 3, "中": 3,
                    "较难": 4, "难": 5, "困难": 5, "很难": 5}


def _xml(data: bytes):
    from lxml import etree

    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise UnreadableFile(_("Word 文件含有 DTD 或实体声明，未读取。"))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError:
        raise UnreadableFile(_("Word 文件已损坏（XML 无法解析）。")) from None


def _local(el) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _cn(n: int) -> str:
    if n <= 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")


class DocxReader:
    """The document as lines of text (formulas as $LaTeX$, pictures as tokens), each with its notes."""

    def __init__(self, content: bytes):
        files = read_zip(content, what=_("Word 文件"), max_uncompressed=MAX_DOCX_BYTES)
        doc = files.get("word/document.xml")
        if doc is None:
            raise UnreadableFile(_("这不是 Word (.docx) 文件：缺少正文。旧的 .doc 请在 Word 或 WPS 中另存为 .docx。"))
        if len(doc) > MAX_DOCUMENT_XML:
            raise UnreadableFile(_("Word 文件正文解压后超过 %(m)s MB，未读取。") % {"m": MAX_DOCUMENT_XML // 2**20})
        self.files = files
        self.root = _xml(doc)
        self.rels: dict[str, tuple[str, bool]] = {}
        rels = files.get("word/_rels/document.xml.rels")
        if rels:
            for rel in _xml(rels).iter(PKG_REL + "Relationship"):
                external = rel.get("TargetMode") == "External"
                target = rel.get("Target", "")
                self.rels[rel.get("Id", "")] = (target if external else
                                                posixpath.normpath(posixpath.join("word", target.lstrip("/")))
                                                if not target.startswith("/") else target.lstrip("/"), external)
        self.numbering = self._numbering(files.get("word/numbering.xml"))
        self.counters: dict[tuple[str, int], int] = {}
        self.figures: dict[str, PendingFigure] = {}

    # --- numbering (Word's automatic "1." "A." "一、") -------------------------------------------------

    def _numbering(self, data: bytes | None) -> dict[str, dict[int, tuple[str, str, int]]]:
        """numId → {ilvl: (numFmt, lvlText, start)}."""
        if not data:
            return {}
        root = _xml(data)
        abstract = {}
        for an in root.iter(W + "abstractNum"):
            levels = {}
            for lvl in an.iter(W + "lvl"):
                fmt = lvl.find(W + "numFmt")
                text = lvl.find(W + "lvlText")
                start = lvl.find(W + "start")
                levels[int(lvl.get(W + "ilvl", "0"))] = (
                    fmt.get(W + "val", "") if fmt is not None else "",
                    text.get(W + "val", "") if text is not None else "",
                    int(start.get(W + "val", "1")) if start is not None and start.get(W + "val", "1").isdigit() else 1)
            abstract[an.get(W + "abstractNumId")] = levels
        out = {}
        for num in root.iter(W + "num"):
            ref = num.find(W + "abstractNumId")
            if ref is not None:
                out[num.get(W + "numId")] = abstract.get(ref.get(W + "val"), {})
        return out

    def _number_prefix(self, p) -> str:
        num_pr = p.find(f"{W}pPr/{W}numPr")
        if num_pr is None:
            return ""
        num_id = num_pr.find(W + "numId")
        ilvl = num_pr.find(W + "ilvl")
        num_id = num_id.get(W + "val") if num_id is not None else None
        level = int(ilvl.get(W + "val", "0")) if ilvl is not None and ilvl.get(W + "val", "0").isdigit() else 0
        levels = self.numbering.get(num_id or "")
        if not levels or level not in levels:
            return ""
        key = (num_id, level)
        self.counters[key] = self.counters.get(key, levels[level][2] - 1) + 1
        for deeper in [k for k in self.counters if k[0] == num_id and k[1] > level]:
            del self.counters[deeper]

        def fmt(lv: int) -> str:
            kind, _text, start = levels.get(lv, ("decimal", "", 1))
            n = self.counters.get((num_id, lv), start)
            if kind in ("upperLetter", "lowerLetter"):
                s = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(n - 1) % 26]
                return s if kind == "upperLetter" else s.lower()
            if kind.startswith(("chinese", "ideograph", "taiwanese")):
                return _cn(n)
            return str(n)

        text = levels[level][1] or "%" + str(level + 1) + "."
        return re.sub(r"%(\d)", lambda m: fmt(int(m.group(1)) - 1), text) + " "

    # --- body --------------------------------------------------------------------------------------

    def lines(self):
        """(text, notes) for every line of the body, tables included, in reading order."""
        body = self.root.find(W + "body")
        if body is None:
            return
        yield from self._blocks(body)

    def _blocks(self, parent):
        for el in parent:
            name = _local(el)
            if el.tag == W + "p":
                yield from self._paragraph(el)
            elif el.tag == W + "tbl":
                yield from self._table(el)
            elif name in ("sdt", "sdtContent", "customXml", "ins"):
                yield from self._blocks(el.find(W + "sdtContent") if name == "sdt" else el)

    def _paragraph(self, p):
        out: list[str] = [self._number_prefix(p)]
        notes: list[str] = []
        self._inline(p, out, notes)
        lines = [ln.strip() for ln in "".join(out).split("\n")]
        lines = [ln for ln in lines if ln]
        if not lines and notes:
            lines = [""]
        for k, line in enumerate(lines):
            yield line, notes if k == 0 else []

    def _table(self, tbl):
        rows = []
        notes: list[str] = []
        for tr in tbl.iter(W + "tr"):
            cells = []
            for tc in tr.findall(W + "tc"):
                parts = []
                for p in tc.iter(W + "p"):
                    out: list[str] = [self._number_prefix(p)]
                    self._inline(p, out, notes)
                    parts.append("".join(out).replace("\n", " ").strip())
                cells.append(" ".join(x for x in parts if x))
            if any(cells):
                rows.append(cells)
        if not rows:
            return
        filled = [c for r in rows for c in r if c]
        if all(OPTION.match(c) for c in filled):  # options laid out in a table: one line of options per row
            for k, r in enumerate(rows):
                yield "  ".join(c for c in r if c), notes if k == 0 else []
            return
        notes = [*notes, _("表格按文字表格读入（| 分隔各列），请核对。")]
        for k, r in enumerate(rows):
            yield "| " + " | ".join(c.replace("|", "／") for c in r) + " |", notes if k == 0 else []

    def _inline(self, node, out: list[str], notes: list[str]) -> None:
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            name = _local(child)
            if tag == W + "r":
                self._run(child, out, notes)
            elif tag.startswith(W) and name in ("hyperlink", "smartTag", "ins", "customXml", "fldSimple", "moveTo",
                                                "dir", "bdo", "sdtContent"):
                self._inline(child, out, notes)
            elif tag == W + "sdt":
                content = child.find(W + "sdtContent")
                if content is not None:
                    self._inline(content, out, notes)
            elif tag == M + "oMathPara":
                for om in child.iter(M + "oMath"):
                    out.append(self._math(om, notes))
            elif tag == M + "oMath":
                out.append(self._math(child, notes))
            elif tag == MC + "AlternateContent":
                self._alternate(child, out, notes, self._inline)

    def _alternate(self, node, out, notes, walk) -> None:
        """mc:AlternateContent: the first choice that gives something, else the fallback."""
        for option in [*node.findall(MC + "Choice"), *node.findall(MC + "Fallback")]:
            mark = len(out), len(notes)
            walk(option, out, notes)
            if "".join(out[mark[0]:]).strip():
                return
            del out[mark[0]:]
            del notes[mark[1]:]

    def _run(self, run, out: list[str], notes: list[str]) -> None:
        for child in run:
            tag = child.tag if isinstance(child.tag, str) else ""
            name = _local(child)
            if tag == W + "t":
                out.append(child.text or "")
            elif tag == W + "tab":
                out.append("\t")
            elif tag in (W + "br", W + "cr"):
                out.append("\n")
            elif tag == W + "sym":
                code = (child.get(W + "char") or "").upper()
                code = "F0" + code[-2:] if len(code) == 4 and code.startswith("F0") else code
                if code in SYMBOL_FONT:
                    out.append(SYMBOL_FONT[code])
                else:
                    notes.append(_("一个 %(f)s 字体符号（%(c)s）无法读取。") % {"f": child.get(W + "font", ""), "c": code})
                    out.append("〔符号〕")
            elif tag == W + "drawing":
                self._drawing(child, out, notes)
            elif tag == W + "object":
                self._object(child, out, notes)
            elif tag == W + "pict":
                self._vml(child, out, notes, what=_("图形"))
            elif tag == MC + "AlternateContent":
                self._alternate(child, out, notes, self._run)
            elif tag == W + "instrText" and (child.text or "").strip().upper().startswith("EQ "):
                notes.append(_("一个 EQ 域公式（%(t)s）没有读入。") % {"t": (child.text or "").strip()[:40]})
                out.append("〔" + _("公式") + "〕")
            elif tag.startswith(M) and name in ("oMath", "oMathPara"):
                for om in ([child] if name == "oMath" else child.iter(M + "oMath")):
                    out.append(self._math(om, notes))

    # --- formulas ----------------------------------------------------------------------------------

    def _math(self, om, notes: list[str]) -> str:
        from zhijiao.core.formulas import formula_html

        plain = "".join(t.text or "" for t in om.iter(M + "t"))
        try:
            latex = to_latex(om)
        except Unconvertible as exc:
            notes.append(_("公式“%(t)s”含有无法转换的结构（%(e)s），按文字保留。") % {"t": plain[:40], "e": exc})
            return "〔" + _("公式") + "：" + plain + "〕"
        if not latex:
            return ""
        if not formula_html(latex).startswith("<math"):
            notes.append(_("公式“%(t)s”转换后无法显示，按文字保留。") % {"t": plain[:40]})
            return "〔" + _("公式") + "：" + plain + "〕"
        return f"${latex}$"

    # --- pictures ----------------------------------------------------------------------------------

    def _picture(self, rid: str | None, *, out, notes, width: float | None, height: float | None, what: str) -> bool:
        """Place the picture of relationship `rid`; False when there is none to place."""
        if not rid:
            return False
        target, external = self.rels.get(rid, ("", False))
        if external:
            notes.append(_("一张链接到外部的图片（%(w)s）没有嵌入文档，无法读取。") % {"w": what})
            out.append("〔" + _("图片无法读取") + "〕")
            return True
        data = self.files.get(target)
        label = posixpath.basename(target) or rid
        if data is None:
            notes.append(_("图片“%(f)s”在文档里找不到。") % {"f": label})
            out.append("〔" + _("图片无法读取") + "〕")
            return True
        import filetype

        kind = filetype.image_match(data[:2048])
        if kind is None or kind.mime not in KINDS:
            notes.append(_("%(w)s“%(f)s”是 %(k)s 格式，网页无法显示，没有读入。") % {
                "w": what, "f": label, "k": (kind.extension.upper() if kind else posixpath.splitext(label)[1][1:].upper()
                                            or "?")})
            out.append("〔" + _("%(w)s无法读取") % {"w": what} + "〕")
            return True
        fig = inspect_figure(data, label=label, shown_width=width, shown_height=height)
        self.figures.setdefault(fig.digest, fig)
        out.append(fig.token)
        return True

    def _drawing(self, drawing, out, notes) -> None:
        blip = drawing.find(f".//{A}blip")
        extent = drawing.find(f".//{WP}extent")
        w = h = None
        if extent is not None and (extent.get("cx") or "").isdigit() and (extent.get("cy") or "").isdigit():
            w, h = int(extent.get("cx")) / EMU_PER_PX, int(extent.get("cy")) / EMU_PER_PX
        if blip is not None:
            rid = blip.get(R + "embed") or blip.get(R + "link")
            if self._picture(rid, out=out, notes=notes, width=w, height=h, what=_("图片")):
                return
        if drawing.find(f".//{W}txbxContent") is not None:
            notes.append(_("一个文本框或形状中的文字没有读入。"))
        else:
            notes.append(_("一个图形（形状、图表或 SmartArt）没有读入。"))
        out.append("〔" + _("图形无法读取") + "〕")

    def _vml(self, node, out, notes, *, what: str) -> None:
        img = node.find(f".//{V}imagedata")
        w = h = None
        shape = node.find(f".//{V}shape")
        if shape is not None:
            style = dict(kv.split(":", 1) for kv in (shape.get("style") or "").split(";") if ":" in kv)
            w, h = _pt_px(style.get("width")), _pt_px(style.get("height"))
        if img is not None and self._picture(img.get(R + "id"), out=out, notes=notes, width=w, height=h, what=what):
            return
        notes.append(_("一个%(w)s没有读入。") % {"w": what})
        out.append("〔" + _("%(w)s无法读取") % {"w": what} + "〕")

    def _object(self, obj, out, notes) -> None:
        """An OLE object: MathType or Equation 3.0 formulas, charts… read by their preview picture."""
        ole = obj.find(f".//{OFFICE}OLEObject")
        prog = ole.get("ProgID", "") if ole is not None else ""
        what = _("公式（%(p)s）") % {"p": prog} if prog.startswith("Equation") else _("嵌入对象（%(p)s）") % {"p": prog}
        self._vml(obj, out, notes, what=what)
        if out and FIGURE_TOKEN.fullmatch(out[-1]):
            notes.append(_("%(w)s按它的预览图片读入。") % {"w": what})


def _pt_px(value: str | None) -> float | None:
    m = re.fullmatch(r"\s*([\d.]+)\s*(pt|px|in|cm|mm)?\s*", value or "")
    if not m:
        return None
    n = float(m.group(1))
    return n * {"pt": 4 / 3, "px": 1, "in": 96, "cm": 96 / 2.54, "mm": 96 / 25.4}.get(m.group(2) or "px", 1)


# --- the paper ---------------------------------------------------------------------------------------

@dataclass
class _Question:
    ordinal: int
    number: int
    section_key: str
    section_title: str
    section_type: str | None
    stem: list[str] = field(default_factory=list)
    options: list[list[str]] = field(default_factory=list)  # [[letter, text]]
    answer: list[str] = field(default_factory=list)
    analysis: list[str] = field(default_factory=list)
    kps: list[str] = field(default_factory=list)
    difficulty: list[str] = field(default_factory=list)
    qtype: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    field: str = "stem"

    @property
    def label(self) -> str:
        where = _("第 %(n)s 题") % {"n": self.number}
        return f"{self.section_title} {where}" if self.section_title else where


class PaperParser:
    def __init__(self):
        self.questions: list[_Question] = []
        self.paper_notes: list[str] = []
        self.section = ("", "", None)  # (key, title, type)
        self.current: _Question | None = None
        self.in_answers = False
        self.answer_section = ""
        self.answer_target: _Question | None = None
        self.preamble: list[str] = []

    def feed(self, line: str, notes: list[str]) -> None:
        text = line.strip()
        plain = FIGURE_TOKEN.sub("", text).strip()
        if ANSWER_HEADING.match(plain.replace(" ", "")):
            self.in_answers = True
            self.current = None
            return
        if PART.match(plain):
            self.current = None
            self._notes(notes)
            return
        sec = SECTION.match(plain)
        if sec and not MARKER.search(plain) and len(plain) <= 60:
            if self.in_answers:
                self.answer_section = sec.group(1)
                self.answer_target = None
            else:
                title = plain
                qtype = next((t for word, t in SECTION_TYPES if word in sec.group(2)), None)
                self.section = (sec.group(1), re.split(r"[（(]", title)[0].strip(), qtype)
                self.current = None
            self._notes(notes)
            return
        if self.in_answers:
            self._answer_line(text, notes)
            return
        m = QUESTION.match(text)
        if m and self._starts_question(int(m.group(1) or m.group(2))):
            n = int(m.group(1) or m.group(2))
            if len(self.questions) >= MAX_QUESTIONS:
                raise UnreadableFile(_("试卷超过 %(m)s 道题，请拆分后分批导入。") % {"m": MAX_QUESTIONS})
            key, title, qtype = self.section
            self.current = _Question(ordinal=len(self.questions) + 1, number=n, section_key=key,
                                     section_title=title, section_type=qtype)
            self.questions.append(self.current)
            self.current.notes.extend(notes)
            self._content(self.current, m.group(3))
            return
        if self.current is None:
            if text:
                self.preamble.append(text)
            self._notes(notes)
            return
        self.current.notes.extend(notes)
        self._content(self.current, text)

    def _notes(self, notes):
        target = self.current or self.answer_target
        (target.notes if target else self.paper_notes).extend(notes)

    def _starts_question(self, n: int) -> bool:
        if self.current is None or not self.questions:
            return True
        last = self.questions[-1]
        return n == last.number + 1 or (n == 1 and last.section_key != self.section[0])

    def _content(self, q: _Question, text: str) -> None:
        parts = MARKER.split(text)
        self._field_text(q, parts[0])
        for k in range(1, len(parts), 2):
            q.field = FIELD_OF[parts[k]]
            self._field_text(q, parts[k + 1])

    def _field_text(self, q: _Question, text: str) -> None:
        text = text.strip()
        if not text:
            return
        if q.field in ("stem", "options"):
            before, opts = ((text, []) if q.section_type in ("truefalse", "fill", "short", "essay")
                            else _split_options(text, len(q.options)))
            if opts:
                if before and q.field == "stem":
                    q.stem.append(before)
                elif before:
                    q.options[-1][1] = (q.options[-1][1] + " " + before).strip()
                q.options.extend(opts)
                q.field = "options"
            elif q.field == "options" and FIGURE_TOKEN.sub("", text).strip():
                q.options[-1][1] = (q.options[-1][1] + " " + text).strip()
            else:
                q.stem.append(text)
            return
        if q.field == "answer" and q.answer and (q.options or q.section_type in ONE_LINE_ANSWERS):
            q.field = "analysis"  # a choice's, 判断's or 填空's answer is one line; what follows explains it
        getattr(q, q.field).append(text)

    # --- the answer section ---------------------------------------------------------------------------

    def _find(self, n: int) -> _Question | None:
        same = [q for q in self.questions if q.number == n]
        if len(same) == 1:
            return same[0]
        keyed = [q for q in same if q.section_key == self.answer_section]
        return keyed[0] if len(keyed) == 1 else None

    def _answer_line(self, text: str, notes: list[str]) -> None:
        plain = FIGURE_TOKEN.sub("", text).strip()
        rng = ANSWER_RANGE.match(plain.replace(" ", ""))
        if rng:
            a, b, letters = int(rng.group(1)), int(rng.group(2)), rng.group(3)
            if b - a + 1 == len(letters):
                for n, letter in zip(range(a, b + 1), letters, strict=True):
                    self._give(n, letter, notes)
                return
        items = list(ANSWER_ITEM.finditer(text))
        if len(items) >= 2 and all(int(items[k + 1].group(1)) == int(items[k].group(1)) + 1
                                   for k in range(len(items) - 1)) and items[0].start() == 0:
            for k, item in enumerate(items):
                end = items[k + 1].start() if k + 1 < len(items) else len(text)
                self._give(int(item.group(1)), text[item.end():end].strip(), notes if k == 0 else [])
            return
        if items and items[0].start() == 0:
            self._give(int(items[0].group(1)), text[items[0].end():].strip(), notes)
            return
        if self.answer_target is None:
            if plain:
                self.paper_notes.append(_("答案部分的“%(t)s”对应不到任何试题，没有读入。") % {"t": plain[:40]})
            self.paper_notes.extend(notes)
            return
        self.answer_target.notes.extend(notes)
        self._content(self.answer_target, text)

    def _give(self, n: int, text: str, notes: list[str]) -> None:
        q = self._find(n)
        self.answer_target = q
        if q is None:
            self.paper_notes.append(_("答案部分第 %(n)s 题对应不到试题（没有这道题，或编号重复），没有读入。") % {"n": n})
            return
        q.notes.extend(notes)
        if q.answer:
            q.notes.append(_("答案部分又给出了答案，以题目后【答案】为准。"))
            q.field = "ignored"
        else:
            q.field = "answer"
        self._content(q, text)

    # --- rows ----------------------------------------------------------------------------------------

    def rows(self, figures: dict[str, PendingFigure]) -> list[tuple[int, dict]]:
        rows = [(q.ordinal, _row(q, figures)) for q in self.questions]
        if self.preamble:
            shown = "；".join(p[:30] for p in self.preamble[:5]) + ("……" if len(self.preamble) > 5 else "")
            self.paper_notes.insert(0, _("题目之外的 %(n)s 段文字（标题、说明等）没有作为试题读入：%(t)s")
                                    % {"n": len(self.preamble), "t": shown})
        if rows:
            rows[0][1]["_paper_notes"] = self.paper_notes
        return rows


def _split_options(text: str, have: int) -> tuple[str, list[list[str]]]:
    """(text before the options, [[letter, text]]) when `text` holds the next options in order (A, B… after
    the `have` already read), else (text, [])."""
    expected = "ABCDEFGH"[have:] if have < 8 else ""
    found = []
    for m in OPTION.finditer(text):
        if len(found) < len(expected) and (m.group(1) or m.group(2)) == expected[len(found)]:
            found.append(m)
    if not found or (found[0].start() > 0 and have == 0 and len(found) < 2):
        return text, []
    opts = []
    for k, m in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(text)
        opts.append([m.group(1) or m.group(2), text[m.end():end].strip()])
    return text[:found[0].start()].strip(), opts


def _split_blanks(text: str) -> list[list[str]]:
    """A fill-in answer's blanks: split at ；/; and at ① ② … or (1) (2) …, never inside $…$."""
    pieces, depth_dollar, cur = [], False, ""
    for ch in text:
        if ch == "$":
            depth_dollar = not depth_dollar
        if not depth_dollar and ch in ";；":
            pieces.append(cur)
            cur = ""
            continue
        cur += ch
    pieces.append(cur)
    out = []
    for p in pieces:
        for part in re.split(r"[①②③④⑤⑥⑦⑧⑨⑩]|[（(]\d{1,2}[)）]", p):
            part = part.strip(" \t、，,.。")
            if part:
                out.append([part])
    return out


def _difficulty(values: list[str], notes: list[str]) -> int | None:
    raw = " ".join(values).strip()
    if not raw:
        return None
    if raw.count("★") or raw.count("☆"):
        return max(1, min(5, raw.count("★")))
    for word, level in sorted(DIFFICULTY_WORDS.items(), key=lambda kv: -len(kv[0])):
        if raw.startswith(word):
            return level
    m = re.match(r"(\d+(?:\.\d+)?)", raw)
    if m:
        v = float(m.group(1))
        if 1 <= v <= 5 and v == int(v):
            return int(v)
        if 0 <= v <= 1:  # a difficulty coefficient: the share of students who get it right
            return 1 if v >= 0.85 else 2 if v >= 0.7 else 3 if v >= 0.5 else 4 if v >= 0.3 else 5
    notes.append(_("难度“%(d)s”读不懂，按 3（中等）计。") % {"d": raw[:20]})
    return None


def _row(q: _Question, figures: dict[str, PendingFigure]) -> dict:
    notes = list(q.notes)
    stem = "\n".join(q.stem).strip()
    options = [{"key": k, "text": t} for k, t in q.options]
    answer_text = " ".join(q.answer).strip()
    analysis = "\n".join(q.analysis).strip()
    if not answer_text and analysis:
        found = CHOSEN.search(analysis) if len(options) >= 2 else ANSWERED.search(analysis)
        if found:
            answer_text = found.group(1).strip()
            notes.append(_("答案“%(a)s”取自解析中的“%(w)s”。") % {
                "a": answer_text[:40], "w": "故选" if found.re is CHOSEN else "故答案为"})
    declared = " ".join(q.qtype).strip()
    qtype = q.section_type
    # "B", "AC", "A、C", "B．" or "C．因为……": the letters at its start
    lead = re.match(r"^\s*([A-H](?:[\s、,，]*[A-H])*)(?![A-Za-z])", answer_text.upper())
    letters = re.findall(r"[A-H]", lead.group(1)) if lead else []
    if declared:
        qtype = declared
    elif len(options) >= 2:
        qtype = ("multiple" if qtype == "multiple" or (letters and len(set(letters)) > 1) else "single")
    elif answer_text.upper().rstrip("。.") in TRUE_FALSE and qtype in (None, "truefalse", "choice"):
        qtype = "truefalse"
    elif qtype in (None, "choice"):
        if qtype == "choice":
            notes.append(_("选择题部分的这道题没有读到 A、B… 选项。"))
        qtype = "fill" if re.search(r"_{2,}|＿{1,}|（\s*）|\(\s*\)", stem) and answer_text else "short"
    if qtype in ("single", "multiple"):
        answer = "".join(letters) if letters else answer_text
    elif qtype == "fill":
        answer = _split_blanks(answer_text)
    elif qtype in ("short", "essay"):
        answer = "\n".join(q.answer).strip() or answer_text
    else:  # 判断: √/×/对/错… as the bank reads them
        answer = {"✔": "√", "✓": "√", "✘": "×", "✗": "×"}.get(answer_text.rstrip("。.．"), answer_text.rstrip("。.．"))
    row = {"qtype": qtype or "", "stem": stem, "options": options, "answer": answer,
           "analysis": analysis, "_label": q.label, "_notes": notes}
    level = _difficulty(q.difficulty, notes)
    if level:
        row["difficulty"] = level
    if q.kps:
        row["knowledge_points"] = [k.strip() for k in re.split(r"[;；,，、\n]", " ".join(q.kps)) if k.strip()]
    if q.source:
        row["source"] = " ".join(q.source).strip()
    texts = [stem, row["analysis"], *(o["text"] for o in options)]
    used = {d for t in texts for d in FIGURE_TOKEN.findall(t)}
    row["_images"] = {d: figures[d] for d in used if d in figures}
    return row


def _link_knowledge_points(rows: list[tuple[int, dict]]) -> None:
    """Keep the knowledge points the catalog has (by name or code); name the others in the notes. A paper's
    考点 are the site's words, not the district catalog's, and are no reason to refuse the paper."""
    from django.db.models import Q

    from zhijiao.catalog.models import KnowledgePoint

    names = {k for _n, row in rows for k in row.get("knowledge_points", [])}
    if not names:
        return
    known = set()
    for name, code in KnowledgePoint.objects.filter(Q(name__in=names) | Q(code__in=names)).values_list("name", "code"):
        known.update((name, code))
    for _n, row in rows:
        kps = row.get("knowledge_points", [])
        missing = [k for k in kps if k not in known]
        if missing:
            row["_notes"].append(_("知识点“%(k)s”不在学科目录中，没有关联。") % {"k": "、".join(missing)})
        row["knowledge_points"] = [k for k in kps if k in known]


def parse_docx(content: bytes) -> list[tuple[int, dict]]:
    """The paper's questions as (ordinal, raw row). Raises UnreadableFile for a file that is not a readable
    .docx, is too big, or holds more than MAX_QUESTIONS questions."""
    reader = DocxReader(content)
    parser = PaperParser()
    try:
        for line, notes in reader.lines():
            parser.feed(line, notes)
    except RecursionError:  # lxml stops at 256 levels; this is a second fence for the walkers
        raise UnreadableFile(_("Word 文件的结构嵌套过深，未读取。")) from None
    rows = parser.rows(reader.figures)
    if not rows:
        raise UnreadableFile(_("没有在文档中找到编号的试题（如“1．”“2．”）。题号应在每段开头。"))
    _link_knowledge_points(rows)
    return rows
