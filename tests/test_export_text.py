"""quizgen.export.text: math spans, Markdown -> HTML, plain-text fallback."""
import re
import unicodedata

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


def test_accents_are_kept():
    """GIFT must not turn ŷ into y: accents become combining marks (precomposed if any)."""
    assert tex_to_plain(r"\hat{y}") == "\u0177"  # ŷ, the precomposed letter
    assert tex_to_plain(r"(y - \hat y)^2") == "(y - \u0177)²"
    assert tex_to_plain(r"\hat{x}") == "x\u0302"  # no precomposed x-circumflex: combining
    assert tex_to_plain(r"\tilde X") == "X\u0303"
    assert tex_to_plain(r"\bar{x} + \vec{v}") == "x\u0304 + v\u20d7"
    assert tex_to_plain(r"\hat{\theta}") == "θ\u0302"
    assert tex_to_plain(r"\frac{\partial L}{\partial \hat y}") == "(∂ L)/(∂ \u0177)"
    assert tex_to_plain(r"a \longrightarrow b") == "a ⟶ b"


# Commands that only style or size what they wrap: their argument stays, nothing is added.
STYLE_ONLY = {"text", "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "operatorname",
              "boldsymbol", "bm", "textbf", "textit", "textrm", "mbox"}
SIZING = {"left", "right", "big", "Big", "bigl", "bigr", "displaystyle"}
SPACING = {"quad", "qquad"}  # become a space
# Commands whose plain form is their own name.
NAMED = {"log", "ln", "exp", "max", "min", "tanh", "sin", "cos", "arg", "lim", "det", "sup",
         "inf", "argmax", "argmin"}


def bank_commands() -> dict[str, str]:
    """Every TeX command used in a math span of any text of question_bank/ -> an example."""
    import re
    from pathlib import Path

    import yaml
    found: dict[str, str] = {}

    def walk(node):
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str):
            for kind, text in split_math(node):
                if kind != TEXT:
                    for name in re.findall(r"\\([A-Za-z]+)", text):
                        found.setdefault(name, text)
    bank = Path(__file__).resolve().parents[1] / "question_bank"
    files = sorted(bank.rglob("*.yaml"))
    assert files, "the question bank is missing"
    for f in files:
        walk(yaml.load(f.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    return found


def test_no_tex_command_of_the_bank_vanishes():
    found = bank_commands()
    assert {"hat", "tilde", "times", "frac", "text"} <= set(found)
    plain_args = tex_to_plain("a {b}{c}")
    for name, example in sorted(found.items()):
        if name in ("begin", "end"):  # environments: see the matrix test
            continue
        got = tex_to_plain(f"a \\{name}{{b}}{{c}}")
        assert "\\" not in got, (name, got)
        if name in STYLE_ONLY:
            assert got == plain_args, (name, got)
        elif name in SIZING:
            assert name not in got, (name, got)
        elif name in SPACING:
            assert tex_to_plain(f"x\\{name}{{}}y") == "x y", name
        else:
            assert got != plain_args, f"\\{name} vanished (used in: {example})"
            assert name not in got or name in NAMED, f"\\{name} left as its name: {got}"


def test_bank_math_reads_as_plain_text():
    import json
    from pathlib import Path
    sample = Path(__file__).parent / "golden" / "export" / "bank-sample.json"
    texts = [t for d in json.loads(sample.read_text("utf-8"))["questions"]
             for t in [d["prompt"], d["solution"], *(d.get("options") or []),
                       *(m["feedback"] for m in d.get("misconceptions") or [])]]
    for t in texts:
        out = to_plain(t)
        for kind, span in split_math(t):
            if kind != TEXT and "\\hat" in span:
                assert "\u0302" in unicodedata.normalize("NFD", out)
        assert not re.search(r"\\[A-Za-z]", out), out
