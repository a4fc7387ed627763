"""quizgen.export.text: math spans, Markdown -> HTML, plain-text fallback."""
from quizgen.export.text import DISPLAY, INLINE, TEXT, split_math, tex_to_plain, to_html, to_plain


def test_money_is_not_math():
    assert split_math("costs $5 or $10") == [(TEXT, "costs $5 or $10")]
    assert split_math(r"pay \$3 and $x$") == [(TEXT, r"pay \$3 and "), (INLINE, "x")]


def test_inline_and_display_math():
    parts = split_math("a $x_1 * y_2$ b\n\n$$\\frac{1}{2}$$\n\nc")
    assert parts[1] == (INLINE, "x_1 * y_2")
    assert parts[3] == (DISPLAY, "\\frac{1}{2}")


def test_code_spans_keep_dollars():
    assert split_math("`$a$` and $b$") == [(TEXT, "`$a$` and "), (INLINE, "b")]


def test_markdown_never_touches_math():
    html = to_html("*em* and $a_1 * b_2 * c$")
    assert "<em>em</em>" in html and r"\(a_1 * b_2 * c\)" in html


def test_html_escapes_text_and_math():
    html = to_html("a<b & c $x < y$ <script>")
    assert "a&lt;b &amp; c" in html and r"\(x &lt; y\)" in html and "<script>" not in html


def test_display_math_uses_brackets():
    assert to_html("$$E = mc^2$$") == r"<p>\[E = mc^2\]</p>"


def test_inline_option_drops_paragraph():
    assert to_html("tanh: $\\tanh(x)$", inline=True) == r"tanh: \(\tanh(x)\)"


def test_plain_text_math():
    assert tex_to_plain(r"3 \times 4") == "3 × 4"
    assert tex_to_plain(r"\frac{a}{b+1}") == "a/(b+1)"
    assert tex_to_plain(r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}") == "[[1, 2], [3, 4]]"
    assert tex_to_plain(r"x^2 + W^\top") == "x² + Wᵀ"
    assert tex_to_plain(r"\sigma(z) \le \mathbb{R}") == "σ(z) ≤ ℝ"


def test_plain_keeps_korean_and_symbols():
    src = r"합성곱 출력의 크기는? a<b & {c} #d ~e \$5"
    assert to_plain(src) == "합성곱 출력의 크기는? a<b & {c} #d ~e $5"
