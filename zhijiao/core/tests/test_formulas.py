"""Formulas rendered on the server as MathML: what a reader sees, and what a crafted formula cannot do."""

from html.parser import HTMLParser

import pytest

from zhijiao.core.formulas import ATTRIBUTES, ELEMENTS, render_formulas


def test_inline_and_display_formulas_become_mathml_and_text_stays_text():
    out = render_formulas(r"计算：$\frac{1}{4} + \frac{2}{4} = $ ____，再看 $$x^2$$ 和 \(a<b\)。")
    assert out.startswith("计算：<math ") and out.endswith("。")
    assert out.count("<math ") == 3 and "$" not in out and r"\frac" not in out
    assert "<mfrac><mrow><mn>1</mn></mrow><mrow><mn>4</mn></mrow></mfrac>" in out
    assert 'display="block"' in out.split("再看")[1].split("和")[0]
    assert "<mo>&lt;</mo>" in out  # the comparison inside a formula, escaped once


def test_plain_text_is_escaped_and_dollar_signs_without_a_formula_stay():
    assert render_formulas("<b>5 & 6</b>") == "&lt;b&gt;5 &amp; 6&lt;/b&gt;"
    assert render_formulas("只有一个 $ 符号") == "只有一个 $ 符号"
    assert render_formulas("空的 $$ 和 $ $") == "空的 $$ 和 $ $"
    assert render_formulas(r"票价 \$5，另付 \$3") == "票价 $5，另付 $3"
    assert render_formulas("") == ""


def test_a_formula_that_does_not_parse_shows_its_source():
    out = render_formulas(r"已知 $\left( x$ 与 $x^$ 求值")
    assert out == r"已知 $\left( x$ 与 $x^$ 求值"


@pytest.mark.parametrize("formula", [
    r"\text{<script>alert(1)</script>}",
    r"\text{<img src=x onerror=alert(1)>}",
    r"\href{javascript:alert(1)}{x}",
    r"\style{background:url(javascript:alert(1))}{x}",
    r'\color{red" onmouseover="alert(1)}{a}',
    r"\mathrm{\"><svg onload=alert(1)>}",
])
def test_a_crafted_formula_cannot_add_markup_links_or_handlers(formula):
    tags = _tags(render_formulas(f"题 ${formula}$"))
    assert tags and {t for t, _ in tags} <= ELEMENTS  # no script, img, svg: whatever was typed stays text
    for _, attrs in tags:
        assert {name for name, _ in attrs} <= ATTRIBUTES | {"xmlns"}  # no href, style, on…
        assert not any("javascript" in (value or "") or '"' in (value or "") for _, value in attrs)


def test_real_paper_formulas_keep_their_structure_within_the_allow_list():
    out = render_formulas(r"$\left\{\begin{array}{ll}x^2, & x\ge 0\\ -x, & x<0\end{array}\right.$ "
                          r"$\overrightarrow{AB}\cdot\sqrt[3]{8}\color{red}{\boxed{1}}\mathbb{R}\sum_{k=1}^{n}$")
    tags = _tags(out)
    assert {"mtable", "mtr", "mtd", "mover", "mroot", "msubsup"} <= {t for t, _ in tags} <= ELEMENTS
    assert {name for _, attrs in tags for name, _ in attrs} <= ATTRIBUTES | {"xmlns"}
    assert ("mathcolor", "red") in {a for _, attrs in tags for a in attrs}


def _tags(markup: str) -> list[tuple[str, list]]:
    """Every start tag in `markup` as a browser's tokenizer reads it: (name, [(attribute, value)])."""
    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

        handle_startendtag = handle_starttag

    Collect().feed(markup)
    return found


def test_chemistry_letters_stay_upright_and_functions_keep_their_space():
    water = render_formulas(r"$\mathrm{H}_{2} \mathrm{O}$")
    assert '<mi mathvariant="normal">H</mi>' in water and '<mi mathvariant="normal">O</mi>' in water
    assert "mathvariant" not in render_formulas("$x + A$")  # a variable typed as a letter stays italic
    trig = render_formulas(r"$\cos x - \log_2 x$")
    assert '<mi>cos</mi><mspace width="0.1667em" /><mi>x</mi>' in trig
    assert '<msub><mi>log</mi><mn>2</mn></msub><mspace width="0.1667em" />' in trig


def test_bold_vectors_arrive_as_bold_letters():
    # Chromium draws mathvariant="normal" only, so \boldsymbol must become the bold letters themselves
    out = render_formulas(r"$\boldsymbol{a} \cdot \boldsymbol{b}=0$，$\mathsf{A}$")
    assert "<mi>𝒂</mi>" in out and "<mi>𝒃</mi>" in out and "<mi>𝖠</mi>" in out and "bold" not in out
