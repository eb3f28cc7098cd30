"""Word equations (OMML) to LaTeX, element by element, and each result drawn as MathML by core.formulas."""

import pytest
from lxml import etree

from zhijiao.core.formulas import formula_html
from zhijiao.questions.omml import Unconvertible, to_latex

NS = 'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"'


def r(t):
    return f"<m:r><m:t>{t}</m:t></m:r>"


CASES = [
    (f"<m:f><m:num>{r('a')}</m:num><m:den>{r('b')}</m:den></m:f>", r"\frac{a}{b}", "mfrac"),
    (f"<m:f><m:fPr><m:type m:val='lin'/></m:fPr><m:num>{r('a')}</m:num><m:den>{r('b')}</m:den></m:f>", "{a}/{b}", "mo"),
    (f"<m:rad><m:deg>{r('3')}</m:deg><m:e>{r('8')}</m:e></m:rad>", r"\sqrt[3]{8}", "mroot"),
    (f"<m:sSup><m:e>{r('x')}</m:e><m:sup>{r('2')}</m:sup></m:sSup>", "{x}^{2}", "msup"),
    (f"<m:sSub><m:e>{r('a')}</m:e><m:sub>{r('n')}</m:sub></m:sSub>", "{a}_{n}", "msub"),
    (f"<m:nary><m:naryPr><m:chr m:val='∫'/></m:naryPr><m:sub>{r('0')}</m:sub><m:sup>{r('1')}</m:sup>"
     f"<m:e>{r('x')}</m:e></m:nary>", r"\int_{0}^{1}{x}", "msubsup"),
    (f"<m:d><m:e>{r('a')}</m:e><m:e>{r('b')}</m:e></m:d>", r"\left( a|b \right)", "mrow"),
    (f"<m:d><m:dPr><m:begChr m:val='{{'/><m:endChr m:val=''/></m:dPr><m:e><m:eqArr><m:e>{r('x=1')}</m:e>"
     f"<m:e>{r('y=2')}</m:e></m:eqArr></m:e></m:d>", r"\left\{ \begin{matrix}x=1 \\ y=2\end{matrix} \right.", "mtable"),
    (f"<m:m><m:mr><m:e>{r('1')}</m:e><m:e>{r('0')}</m:e></m:mr><m:mr><m:e>{r('0')}</m:e><m:e>{r('1')}</m:e></m:mr></m:m>",
     r"\begin{matrix}1 & 0 \\ 0 & 1\end{matrix}", "mtable"),
    (f"<m:func><m:fName>{r('sin')}</m:fName><m:e>{r('α')}</m:e></m:func>", r"\sin {\alpha }", "mi"),
    (f"<m:acc><m:accPr><m:chr m:val='⃗'/></m:accPr><m:e>{r('AB')}</m:e></m:acc>", r"\vec{AB}", "mover"),
    (f"<m:bar><m:barPr><m:pos m:val='top'/></m:barPr><m:e>{r('z')}</m:e></m:bar>", r"\overline{z}", "mover"),
    (f"<m:limLow><m:e>{r('lim')}</m:e><m:lim>{r('x→0')}</m:lim></m:limLow>", r"\lim_{x\to 0}", "msub><mo>lim"),
    (f"<m:sSub><m:e><m:r><m:rPr><m:sty m:val='p'/></m:rPr><m:t>lim</m:t></m:r></m:e><m:sub>{r('n→∞')}</m:sub></m:sSub>",
     r"\lim_{n\to \infty }", "msub><mo>lim"),  # as Word and Pandoc write lim: a subscript on an upright "lim"
    (f"<m:d><m:e><m:f><m:fPr><m:type m:val='noBar'/></m:fPr><m:num>{r('n')}</m:num><m:den>{r('k')}</m:den></m:f>"
     "</m:e></m:d>", r"\left( {{n} \atop {k}} \right)", 'mfrac linethickness="0"'),  # a binomial coefficient
    ("<m:r><m:rPr><m:scr m:val='double-struck'/><m:sty m:val='p'/></m:rPr><m:t>R</m:t></m:r>", r"\mathbb{R}", "mi>ℝ"),
    (f"<m:sSub><m:e><m:r><m:rPr><m:sty m:val='p'/></m:rPr><m:t>H</m:t></m:r></m:e><m:sub>{r('2')}</m:sub></m:sSub>"
     "<m:r><m:rPr><m:sty m:val='p'/></m:rPr><m:t>O</m:t></m:r>", r"{\mathrm{H}}_{2}\mathrm{O}", 'mi mathvariant="normal"'),
    (r("3×4÷2≤6≠π"), r"3\times 4\div 2\le 6\ne \pi", "mo"),
    (r("∠A=90°"), r"\angle A=90^{\circ}", "msup"),
]


@pytest.mark.parametrize(("xml", "latex", "element"), CASES)
def test_element_to_latex_and_mathml(xml, latex, element):
    node = etree.fromstring(f"<m:oMath {NS}>{xml}</m:oMath>")
    got = to_latex(node)
    assert got == latex
    html = formula_html(got)
    assert html.startswith("<math") and f"<{element}" in html


def test_an_unknown_element_is_named():
    node = etree.fromstring(f"<m:oMath {NS}>{r('y')}<m:newThing/></m:oMath>")
    with pytest.raises(Unconvertible, match="m:newThing"):
        to_latex(node)


def test_tracked_changes_inside_an_equation():
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    node = etree.fromstring(f"<m:oMath {NS} {w}>{r('a+')}<w:del><m:r><m:t>b</m:t></m:r></w:del>"
                            f"<w:ins><m:r><m:t>c</m:t></m:r></w:ins></m:oMath>")
    assert to_latex(node) == "a+c"
