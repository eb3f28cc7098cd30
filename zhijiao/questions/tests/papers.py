"""Word papers and import packages built in the tests with python-docx and zipfile, in the layouts teachers
and the question-bank sites use. Nothing here is a fixture file: every byte is made by the code below."""

import io
import json
import struct
import zipfile
import zlib

import docx
from docx.oxml import parse_xml
from docx.shared import Inches

MATH_NS = 'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"'
# ½ + √x, as Word writes it (m:f and m:rad with its degree hidden).
FRACTION_AND_ROOT = (
    f'<m:oMath {MATH_NS}><m:f><m:num><m:r><m:t>1</m:t></m:r></m:num><m:den><m:r><m:t>2</m:t></m:r></m:den></m:f>'
    '<m:r><m:t>+</m:t></m:r><m:rad><m:radPr><m:degHide m:val="1"/></m:radPr><m:deg/><m:e><m:r><m:t>x</m:t></m:r>'
    '</m:e></m:rad></m:oMath>')
# x₁² and ∑_{i=1}^{n} i, in a display block.
SCRIPTS_AND_SUM = (
    f'<m:oMathPara {MATH_NS}><m:oMath><m:sSubSup><m:e><m:r><m:t>x</m:t></m:r></m:e><m:sub><m:r><m:t>1</m:t></m:r>'
    '</m:sub><m:sup><m:r><m:t>2</m:t></m:r></m:sup></m:sSubSup><m:r><m:t>=</m:t></m:r><m:nary><m:naryPr>'
    '<m:chr m:val="∑"/></m:naryPr><m:sub><m:r><m:t>i=1</m:t></m:r></m:sub><m:sup><m:r><m:t>n</m:t></m:r></m:sup>'
    '<m:e><m:r><m:t>i</m:t></m:r></m:e></m:nary></m:oMath></m:oMathPara>')
# An element the walker does not know (as a newer Word might write): named in the dry run, kept as text.
UNKNOWN_ELEMENT = f'<m:oMath {MATH_NS}><m:r><m:t>y=</m:t></m:r><m:futureThing><m:e><m:r><m:t>k</m:t></m:r></m:e></m:futureThing></m:oMath>'
# A shape with a text box: no picture in it.
SHAPE = ('<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
         'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
         'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><w:drawing><wp:inline>'
         '<wp:extent cx="914400" cy="914400"/><a:graphic><a:graphicData uri="x"/></a:graphic></wp:inline>'
         '</w:drawing></w:r>')


def png(width: int = 4, height: int = 3, *, idat: bytes | None = None) -> bytes:
    """A real PNG of width × height red pixels (or with the given IDAT, for a header that claims a size)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    if idat is None:
        idat = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def _saved(d) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _para(d, *parts):
    """A paragraph of text runs, raw XML (OMML, runs) and ("img", bytes) pictures, in order."""
    p = d.add_paragraph()
    for part in parts:
        if isinstance(part, tuple):
            p.add_run().add_picture(io.BytesIO(part[1]), width=Inches(part[2] if len(part) > 2 else 1))
        elif part.startswith("<"):
            p._p.append(parse_xml(part))
        else:
            p.add_run(part)
    return p


def marked_paper(picture: bytes | None = None) -> bytes:
    """Answers after each question, with 【答案】【解析】【知识点】【难度】: a 七年级数学 paper."""
    d = docx.Document()
    d.add_paragraph("七年级数学单元测试（示例）")
    d.add_paragraph("一、选择题（每小题 3 分）")
    _para(d, "1．计算 ", FRACTION_AND_ROOT, " 的结果是（　）")
    d.add_paragraph("A．1\tB．2\tC．3\tD．4")  # options on one line
    d.add_paragraph("【答案】B")
    d.add_paragraph("【解析】因为 1 + 1 = 2，故选 B。")
    _para(d, "2．如图，下列说法正确的是（　）", ("img", picture or png(40, 30), 1.5))
    for line in ("A．甲", "B．乙", "C．丙", "D．丁"):  # options on several lines
        d.add_paragraph(line)
    d.add_paragraph("【答案】AC【知识点】一个目录里没有的考点")
    d.add_paragraph("二、填空题")
    d.add_paragraph("3．1 时 = ____ 分，2 分 = ____ 秒。")
    d.add_paragraph("【答案】60；120")
    d.add_paragraph("三、解答题")
    _para(d, "4．已知 ", SCRIPTS_AND_SUM, "，求 n。")
    d.add_paragraph("【答案】见解析")
    d.add_paragraph("【难度】0.4")
    _para(d, "5．函数 ", UNKNOWN_ELEMENT, " 的图象如下：", SHAPE)
    d.add_paragraph("【答案】略")
    return _saved(d)


def answer_section_paper() -> bytes:
    """Questions first, answers at the end under 参考答案, as most printed papers do."""
    d = docx.Document()
    d.add_paragraph("一、选择题")
    d.add_paragraph("1．下列数中最大的是（　）")
    d.add_paragraph("A．-1  B．0  C．2  D．1")
    d.add_paragraph("2．下列图形中是轴对称图形的是（　）")
    d.add_paragraph("A．平行四边形")
    d.add_paragraph("B．等腰三角形  C．梯形  D．任意三角形")  # one option, then three on the next line
    d.add_paragraph("3．一个角是 30°，它的余角是（　）")
    d.add_paragraph("A．60°  B．150°  C．30°  D．90°")
    d.add_paragraph("二、判断题")
    d.add_paragraph("4．两个锐角的和一定是钝角。（　）")
    d.add_paragraph("三、填空题")
    d.add_paragraph("5．$|x-1|<2$ 的整数解有____个。")
    d.add_paragraph("参考答案")
    d.add_paragraph("一、选择题")
    d.add_paragraph("1-2 CB")
    d.add_paragraph("3．A")
    d.add_paragraph("30° 与 60° 的和是 90°。")
    d.add_paragraph("二、判断题")
    d.add_paragraph("4．×")
    d.add_paragraph("锐角小于 90°，两个锐角的和可能小于 90°。")  # explains the answer: not part of it
    d.add_paragraph("三、填空题")
    d.add_paragraph("5．【答案】3【解析】整数解为 0、1、2。")
    d.add_paragraph("9．B")  # no question 9
    return _saved(d)


def many_questions(n: int) -> bytes:
    d = docx.Document()
    d.add_paragraph("一、判断题")
    for k in range(1, n + 1):
        d.add_paragraph(f"{k}．第 {k} 题是对的。【答案】对")
    return _saved(d)


def zip_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def json_package(questions: list[dict], images: dict[str, bytes]) -> bytes:
    return zip_of({"题库/questions.json": json.dumps(questions, ensure_ascii=False).encode(),
                   **{f"题库/{k}": v for k, v in images.items()}})


def _ole_equation(d, data: bytes, *, partname: str | None = None, content_type: str = "image/x-wmf") -> str:
    """A MathType equation as Word stores it: an OLE object whose preview picture is `data`."""
    if partname is None:
        rid, _img = d.part.get_or_add_image(io.BytesIO(data))
    else:
        from docx.opc.constants import RELATIONSHIP_TYPE
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part

        part = Part(PackURI(partname), content_type, data, d.part.package)
        rid = d.part.relate_to(part, RELATIONSHIP_TYPE.IMAGE)
    return ('<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
            'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:object>'
            '<v:shape id="_x0000_i1025" style="width:45pt;height:30pt">'
            f'<v:imagedata r:id="{rid}" o:title=""/></v:shape>'
            '<o:OLEObject Type="Embed" ProgID="Equation.DSMT4" ShapeID="_x0000_i1025" DrawAspect="Content" '
            'ObjectID="_1"/></w:object></w:r>')


def mathtype_and_numbering_paper() -> bytes:
    """Questions and options numbered by Word itself (automatic numbering), with MathType equations: one with
    a PNG preview, one with a WMF preview (the common case, which a browser cannot show)."""
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    numbering = d.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        '<w:numFmt w:val="decimal"/><w:lvlText w:val="%1．"/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/>'
        '<w:numFmt w:val="upperLetter"/><w:lvlText w:val="%2．"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(level, *parts):
        p = _para(d, *parts)
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))

    d.add_paragraph("一、选择题")
    numbered(0, "方程 ", _ole_equation(d, png(60, 40)), " 的解是（　）")
    for text in ("1", "2", "3", "4"):
        numbered(1, text)
    d.add_paragraph("【答案】A")
    numbered(0, "化简 ", _ole_equation(d, b"\xd7\xcd\xc6\x9a" + b"\0" * 40, partname="/word/media/eq2.wmf"),
             " 的结果是（　）")
    for text in ("a", "b", "c", "d"):
        numbered(1, text)
    d.add_paragraph("【答案】D")
    return _saved(d)


def site_style_paper() -> bytes:
    """Parts 第Ⅰ卷/第Ⅱ卷, options laid out in a 2 × 2 table, sub-questions (1)(2), and an answer section where
    several answers share a line and the explanations end with 故选 / 故答案为 (as the big sites print them)."""
    d = docx.Document()
    d.add_paragraph("第Ⅰ卷（选择题 共 6 分）")
    d.add_paragraph("一、选择题（本大题共 2 小题，每小题 3 分）")
    d.add_paragraph("1．下列运算正确的是（　）")
    table = d.add_table(rows=2, cols=2)
    for cell, text in zip((c for row in table.rows for c in row.cells),
                          ("A．a+a=a²", "B．a·a=2a", "C．a³÷a=a²", "D．(a²)³=a⁵"), strict=True):
        cell.text = text
    d.add_paragraph("2．数轴上到原点距离为 2 的点表示的数是（　）")
    d.add_paragraph("A．2  B．-2  C．±2  D．4")
    d.add_paragraph("第Ⅱ卷（非选择题）")
    d.add_paragraph("二、填空题")
    d.add_paragraph("3．16 的算术平方根是____。")
    d.add_paragraph("三、解答题")
    d.add_paragraph("4．已知一次函数的图象经过 (0, 1) 和 (1, 3)。")
    d.add_paragraph("（1）求函数的解析式；")
    d.add_paragraph("（2）求图象与 x 轴的交点。")
    d.add_paragraph("参考答案与试题解析")
    d.add_paragraph("1．C  2．C")
    d.add_paragraph("3．【分析】根据算术平方根的定义求解。")
    d.add_paragraph("【解答】解：因为 4² = 16，故答案为：4．")
    d.add_paragraph("4．【解答】(1) y = 2x + 1；(2) (-1/2, 0)。")
    return _saved(d)
