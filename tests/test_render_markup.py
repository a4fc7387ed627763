"""Markdown+TeX -> HTML (MathML) and -> Typst markup: escaping, math, shared skeletons."""
from __future__ import annotations

import re

import pytest

from quizgen.render import markup, mathshape, skeleton, texmath

EVIL = ('Text with # hash, $x$ math, *star*, _under_, <script>alert(1)</script>, [link], '
        '@ref, = equals, - dash, + plus, / slash, ~ tilde, back\\slash, "quote", \'tick\', '
        '`code #x`, and a \\$ dollar.\n\n#read("/etc/passwd") ]; #panic("x")')


def typst_eval(markup_text: str) -> bytes:
    """Compile one piece of markup the way the templates do (eval in markup mode)."""
    import typst
    src = "#set document(date: none)\n#eval(sys.inputs.m, mode: \"markup\")\n"
    return typst.compile(src.encode(), format="svg", sys_inputs={"m": markup_text},
                         ignore_system_fonts=True)


def test_typst_text_escapes_every_markup_character():
    out = markup.typst_text("#a $b *c _d `e <f> @g =h -i +j /k [l] ~m \\n \"o 'p .q :r")
    assert re.search(r"(?<!\\)[#$*_`<>@=\-+/\[\]~\"'.:]", out.replace("\\\\", "")) is None


def test_evil_text_compiles_and_stays_literal():
    markup.prepare_typst([EVIL])
    typ = markup.to_typst(EVIL)
    assert "#read" not in typ.replace("\\#read", "")
    svg = typst_eval(typ).decode()
    assert "<svg" in svg  # compiled: nothing broke out of the text


def test_html_escapes_and_keeps_math():
    out = markup.to_html(EVIL)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<math" in out and "<code>code #x</code>" in out
    assert "$ dollar" in out


def test_mathml_text_cannot_inject_html():
    out = texmath.to_mathml(r'\text{<b>bold</b> & "q"}')
    assert "<b>" not in out
    bad = texmath.to_mathml(r"\frac{1}{")
    assert "<script" not in bad


def test_typst_math_text_with_quotes_is_escaped():
    markup.prepare_typst([r'See $\text{a"b]} + \frac{1}{2}$.'])
    typ = markup.to_typst(r'See $\text{a"b]} + \frac{1}{2}$.')
    assert typst_eval(typ)


def test_unreadable_tex_is_shown_verbatim():
    text = r"Broken $\frac{1$ formula."
    markup.prepare_typst([text])
    assert '#raw("\\\\frac{1"' in markup.to_typst(text)
    assert typst_eval(markup.to_typst(text))


@pytest.mark.parametrize("tex,expected", [
    (r"a \odot b", "dot.o"), (r"A \cap B", "inter"), (r"a\;b", "thick"), (r"\ominus", "minus.o"),
])
def test_modernized_symbols_compile(tex, expected):
    text = f"${tex}$"
    markup.prepare_typst([text])
    typ = markup.to_typst(text)
    assert expected in typ
    assert typst_eval(typ)


def test_matrices_and_code_blocks():
    text = ("The input\n\n$$\nX = \\begin{bmatrix} 1 & -2 \\\\ 3 & 4 \\end{bmatrix}\n$$\n\n"
            "```python\nnn.Conv2d(1, 4, kernel_size=3)\n```\n\n| a | b |\n|--:|:-|\n| 1 | $x$ |\n")
    markup.prepare_typst([text])
    typ = markup.to_typst(text)
    assert 'mat(delim: "[", 1, - 2; 3, 4)' in typ
    assert '#raw(block: true, lang: "python", "nn.Conv2d(1, 4, kernel_size=3)");' in typ
    assert "table(columns: 2" in typ
    assert "lang:" not in markup.to_typst(text, highlight=False)
    html = markup.to_html(text)
    assert "<mtable>" in html and '<code class="language-python">' in html and "<table>" in html


def test_skeleton_gives_the_same_output_as_direct_rendering():
    base = ("A tensor of shape $3 \\times {a} \\times {a}$ goes into\n\n```python\n"
            "nn.Conv2d(3, {b}, kernel_size={c})\n```\n\n1. step one: ${b} + {c}$\n"
            "2. step two with **{a}** items\n\n$$\n\\begin{{bmatrix}} {a} & -{c} \\\\ 0.{b} & 1 "
            "\\end{{bmatrix}}\n$$\n")
    texts = [base.format(a=a, b=b, c=c) for a, b, c in [(32, 16, 3), (128, 7, 5), (9, 64, 11)]]
    markup.prepare_typst(texts)
    for text in texts:
        template, maths, _ = markup._html_template(text, 0)  # direct, no skeleton
        assert markup.to_html(text) == skeleton.fill(template, maths, (), markup._mathml)
        template, maths, _ = markup._typst_template(text, 0)
        assert markup.to_typst(text) == skeleton.fill(template, maths, (), markup._math)
    assert "1. step one" not in markup.to_html(texts[0])  # still an ordered list
    assert '<ol>' in markup.to_html(texts[1])


def test_number_shapes_convert_like_direct_conversion():
    texs = [r"\frac{\partial L}{\partial w_{1}} = 0.25 \cdot (-3) = -0.75",
            r"X_2 = \begin{bmatrix} 3 & 0 \\ 1 & 12 \end{bmatrix} \qquad b^{(1)}_{1}",
            r"\left\lfloor \frac{124 + 2\cdot 2 - (5-1) - 1}{1} \right\rfloor + 1 = 124",
            r"x^2 + y_3 = 10^{-3}", r"\tanh^2(z) = 0.5"]
    texmath.to_typst_many(texs)
    direct = texmath._convert_batch([texmath._clean_tex(t) for t in texs])
    for tex, want in zip(texs, direct):
        assert texmath.to_typst(tex) == want
        assert texmath.to_mathml(tex) == texmath.split_long(
            texmath._tidy(texmath._mathml_direct(tex.strip(), False)), False)


def test_unsafe_shapes_are_not_normalised():
    assert mathshape.shape(r"x_12") is None           # TeX reads x_1 2
    assert mathshape.shape(r"\hspace{2em} x") is None  # a dimension, not a number
    assert mathshape.shape(r"\text{layer 2}") is None  # digits inside text
    assert mathshape.shape(r"x + 1")[1] == ["1"]


def test_every_bank_text_renders_the_same_through_its_skeleton(tmp_path):
    """Skeletons (numbers and formulas taken out before parsing) change nothing."""
    from quizgen.bank import load_bank
    lines = ["id: all", "title: All", "slots:"]
    for t in sorted(load_bank().templates.values(), key=lambda t: t.id):
        for lv in t.level_numbers:
            lines.append(f"  - {{template: {t.id}, level: {lv}}}")
    exam = tmp_path / "all.yaml"
    exam.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from quizgen import api
    texts = set()
    for lang in ("en", "ko"):
        quiz = api.generate(exam, tmp_path / lang, students=2, secret="s", lang=lang).quiz
        for p in quiz.papers:
            for q in p.questions:
                texts |= {q.prompt, q.solution, *(q.options or ()), *(m.feedback for m in q.misconceptions)}
    markup.prepare_typst(texts)
    # every emphasis closes: no literal ** or __ left on a page (a closing ** after ')' and
    # before a Hangul particle, as in **최소 풀링(min pooling)**을, is no closer in CommonMark)
    code = re.compile(r"<code>.*?</code>|<pre>.*?</pre>|<math.*?</math>", re.DOTALL)
    stray = sorted(t for t in texts if "**" in code.sub("", markup.to_html(t)))
    assert not stray, stray[:3]
    reduced = 0
    for text in sorted(texts):
        html_t, html_m, _ = markup._html_template(text, 0)
        assert markup.to_html(text) == markup.keep_punctuation(
            skeleton.fill(html_t, html_m, (), markup._mathml)), text
        for hl in (True, False):
            typ_t, typ_m, _ = markup._typst_template(text, 0, 0, hl)
            assert markup.to_typst(text, hl) == skeleton.fill(typ_t, typ_m, (), markup._math), text
        reduced += skeleton.skeleton(text) is not None
    assert reduced > len(texts) // 2


def test_punctuation_after_an_inline_formula_stays_on_its_line():
    html = markup.to_html(r"It moves $w$ by $\eta$. Then $$x^2$$ and ($a$), $b$")
    assert html.count("white-space:nowrap") == 2           # after eta's full stop, a's bracket
    assert '<span style="white-space:nowrap"><math' in html and "</math>.</span>" in html
    assert "</math>)</span>" in html and "</math>, $" not in html
    assert 'display="block"' in html.split("</span>")[1]    # a display formula is left alone
    # each span holds exactly one formula
    for part in html.split('<span style="white-space:nowrap">')[1:]:
        assert part.split("</span>")[0].count("<math") == 1


@pytest.mark.parametrize("tex,has,lacks", [
    # a sign after =, a comma, an opening bracket or another operator is a prefix sign,
    # which browsers set tight ("= −3", not "= − 3"), before a number or not
    (r"x = -2, z = -3", ['<mo>=</mo><mo form="prefix">−</mo><mn>2</mn>',
                         '<mo>=</mo><mo form="prefix">−</mo><mn>3</mn>'], ["<mo>=</mo><mo>−</mo>"]),
    (r"f(-1.5)", ['<mo stretchy="false">(</mo><mo form="prefix">−</mo><mn>1.5</mn>'], []),
    (r"a - -2", ['<mi>a</mi><mo>−</mo><mo form="prefix">−</mo><mn>2</mn>'], []),
    (r"L = -\ln p_{1}", ['<mo>=</mo><mo form="prefix">−</mo><mi>ln</mi>'], []),
    # a subtraction stays one: after a closing bracket, a letter, a postfix operator
    (r"(x) - 2", ['<mo stretchy="false">)</mo><mo>−</mo><mn>2</mn>'], ['form="prefix"']),
    (r"x - 2", ["<mi>x</mi><mo>−</mo><mn>2</mn>"], ['form="prefix"']),
    (r"n! - 1", ["<mo>!</mo><mo>−</mo><mn>1</mn>"], ['form="prefix"']),
    (r"y'_{2,3} = 4", ['<msub><mrow><mi>y</mi><mo lspace="0" rspace="0">′</mo></mrow>'], ["<mi>′</mi>"]),
    # a prime is a full-size mark after the name, not a superscript <mi>′</mi>
    (r"\tanh'(1.4)", ['<mi>tanh</mi><mo lspace="0" rspace="0">′</mo>'], ["<mi>′</mi>", "<msup>"]),
    (r"\mathrm{ReLU}'(2)", ['<mi mathvariant="normal">ReLU</mi><mo lspace="0" rspace="0">′</mo>'], ["<msup>"]),
    # a name is one <mi>, read as a word; max is a name, not a large operator
    (r"\mathrm{ReLU}(x)", ['<mi mathvariant="normal">ReLU</mi>'], ['<mi mathvariant="normal">R</mi>']),
    (r"a \cdot \max(y, z)", ["<mi>max</mi>"], ["<mo>max</mo>"]),
    # \operatorname{...} is a name too (latex2mathml writes an <mo>), also with a prime,
    # a subscript or a power after it
    (r"\operatorname{ReLU}(x)", ["<mi>ReLU</mi>"], ["<mo>ReLU</mo>"]),
    (r"\operatorname{ReLU}'(2) = 0", ['<mi>ReLU</mi><mo lspace="0" rspace="0">′</mo>'],
     ["<mo>ReLU</mo>", "<msup>"]),
    (r"\operatorname{softmax}(z)_{1}", ["<mi>softmax</mi>"], ["<mo>softmax</mo>"]),
    (r"\operatorname{tanh}^2 z + \operatorname{ReLU}_1(x)",
     ["<msup><mi>tanh</mi>", "<msub><mi>ReLU</mi>"], ["<mo>tanh</mo>", "<mo>ReLU</mo>"]),
])
def test_mathml_signs_primes_and_names_read_right(tex, has, lacks):
    out = texmath.to_mathml(tex, False)
    for part in has:
        assert part in out, (tex, out)
    for part in lacks:
        assert part not in out, (tex, out)


def test_mathml_matrix_entries_keep_their_signs():
    out = texmath.to_mathml(r"\begin{bmatrix} -1 & 2 \\ 3 & -4 \end{bmatrix}", False)
    assert out.count("<mtd><mo>−</mo><mn>") == 2      # first in its cell: already a prefix sign
