"""Self-contained HTML papers and key: MathML, no network, print CSS, escaping, templates."""
from __future__ import annotations

import re

import pytest

from quizgen.errors import RenderError
from quizgen.model import ExamInfo, Quiz, Student, StudentPaper
from quizgen.render import html
from render_helpers import browser, generate, pdf_text, synthetic_questions  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def exam(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    result = generate(folder, students=2, formats=("html",))
    return result.quiz, folder / "out"


def test_one_page_per_student_and_a_key(exam):
    quiz, out = exam
    for p in quiz.papers:
        page = (out / "papers" / f"{p.student.student_id}.html").read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
        assert p.student.student_id in page and p.variant in page
        assert page.count('<section class="question"') == len(p.questions)
    key = (out / "key.html").read_text(encoding="utf-8")
    assert "Instructor key" in key and "Worked solution" in key


def test_pages_are_self_contained(exam):
    _, out = exam
    for path in list((out / "papers").glob("*.html")) + [out / "key.html"]:
        page = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), path
        assert "<link" not in page and "@import" not in page and "url(" not in page
        assert "<script" not in page  # papers need no JavaScript
        assert "@media print" in page and "<style>" in page


def test_math_is_mathml_and_matrices_are_tables(exam):
    quiz, out = exam
    p = quiz.papers[0]
    page = (out / "papers" / f"{p.student.student_id}.html").read_text(encoding="utf-8")
    assert "<math" in page and "$" not in re.sub(r"<pre>.*?</pre>", "", page, flags=re.S)
    assert "<mtable>" in page  # the pooling input matrix
    assert "<svg" in page      # the QR code, inline


def test_answer_spaces_follow_the_answer_type():
    quiz = Quiz(ExamInfo(id="h", title="T"), (StudentPaper(Student("s1"), "V1", tuple(synthetic_questions())),))
    page = html.student_page(quiz, quiz.papers[0])
    assert page.count('class="cell line"') == 2           # shape and vector: one box each
    assert page.count('class="cell area"') == 1           # the matrix: one blank area
    assert 'class="cells"' not in page and "grid-template-columns: repeat" not in page
    assert 'class="mark many"' in page and 'class="mark one"' in page


def test_text_is_escaped():
    qs = synthetic_questions()
    evil = qs[0].__class__(**{**qs[0].__dict__, "prompt": "<script>alert(1)</script> & <b>x</b> $a<b$"})
    quiz = Quiz(ExamInfo(id="h", title="<i>T</i>", course="A & B", lang="ko"),
                (StudentPaper(Student("s<1>", "Kim <b>"), "V1", (evil,)),))
    page = html.student_page(quiz, quiz.papers[0])
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<i>T</i>" not in page and "&lt;i&gt;T&lt;/i&gt;" in page
    assert "Kim &lt;b&gt;" in page and "s&lt;1&gt;" in page
    assert '<html lang="ko">' in page and "Noto Serif CJK KR" in page


def test_html_is_deterministic(exam):
    quiz, out = exam
    again = html.files(quiz)
    for rel, content in again.items():
        assert (out / rel).read_text(encoding="utf-8") == content


def test_user_templates(tmp_path, exam):
    quiz, _ = exam
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "style.css").write_text("body { color: rebeccapurple; }", encoding="utf-8")
    page = html.student_page(quiz, quiz.papers[0], user_dir=tmp_path)
    assert "rebeccapurple" in page
    for n, source in enumerate(["{{ no_such_name }}",  # StrictUndefined
                                "{{ ''.__class__.__mro__[1].__subclasses__() }}"]):  # sandbox
        user = tmp_path / f"t{n}"
        (user / "html").mkdir(parents=True)
        (user / "html" / "paper.html.j2").write_text(source, encoding="utf-8")
        with pytest.raises(RenderError):
            html.student_page(quiz, quiz.papers[0], user_dir=user)


def test_page_renders_in_chromium_without_overflow(exam, browser):  # noqa: F811
    quiz, out = exam
    p = quiz.papers[0]
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    page.goto((out / "papers" / f"{p.student.student_id}.html").as_uri())
    assert page.evaluate("document.querySelectorAll('math').length") > 3
    sheet_right = page.evaluate("document.querySelector('main').getBoundingClientRect().right")
    widest = page.evaluate("""Math.max(...[...document.querySelectorAll('main *')]
        .filter(e => !e.closest('pre, .math-block'))
        .map(e => e.getBoundingClientRect().right))""")
    assert widest <= sheet_right + 1
    pdf = page.pdf(format="A4")  # the print stylesheet lays it out on paper
    assert pdf.startswith(b"%PDF")
    page.close()


def _hand_quiz(lang: str = "en", solution: str | None = None, prompt: str | None = None) -> Quiz:
    qs = synthetic_questions()
    changes = {k: v for k, v in (("solution", solution), ("prompt", prompt)) if v is not None}
    qs[0] = qs[0].__class__(**{**qs[0].__dict__, **changes})
    return Quiz(ExamInfo(id="h", title="T", lang=lang), (StudentPaper(Student("s1"), "V1", tuple(qs)),))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_pages_use_their_own_font_stack_in_chromium(lang, tmp_path, browser):  # noqa: F811
    """The font list reaches the browser: autoescaped quotes (&#34;) in <style> would
    break the declaration and every page would fall back to the default font."""
    from quizgen.render import practice
    quiz = _hand_quiz(lang)
    first = str(html.FONT_STACKS[lang]).split(",")[0]
    assert "&#34;" not in html.key_page(quiz)
    pages = {"paper": html.student_page(quiz, quiz.papers[0]), "key": html.key_page(quiz),
             "practice": practice.page(quiz.papers[0].questions, lang=lang)}
    page = browser.new_page()
    for name, source in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(source, encoding="utf-8")
        page.goto(path.as_uri())
        family = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert family.startswith(first), (name, family)
    page.close()


def test_font_stack_refuses_names_that_could_leave_the_rule():
    assert str(html.css_font_stack(["Noto Serif", "serif"])) == '"Noto Serif", serif'
    for bad in ['a"; } body { color: red', "x</style><script>", "A;B"]:
        with pytest.raises(ValueError):
            html.css_font_stack([bad])


_SUM = " + ".join(f"{k}\\cdot ({-k})" for k in range(1, 10))
LONG_SOLUTION = (f"Add everything:\n\n$$\ny_{{2,1}} = ({_SUM}) + ({_SUM}) + (-2) = 12345\n$$\n\n"
                 f"- $y_{{1,1}} = ({_SUM}) + ({_SUM}) + (-1) = 23456$\n"
                 f"- $y_{{1,2}} = {_SUM} + {_SUM} = 34567$\n\n"
                 f"and so $(1.7-0.4)^2 + (0.8-(-1.7))^2 + (-1.7-0.8)^2 + (1.3-1.1)^2 = 45678$.")
A4_PRINT_WIDTH = round((21 - 2 * 1.8) / 2.54 * 96)  # CSS px between the @page margins


def test_long_formulas_wrap_on_screen_and_in_print(tmp_path, browser):  # noqa: F811
    """Long worked-solution lines wrap like text: the key never gets wider than the paper
    (Chromium would print every page shrunk), no formula is cut off in print, and none
    spills past the sheet on screen."""
    quiz = _hand_quiz(solution=LONG_SOLUTION)
    path = tmp_path / "key.html"
    path.write_text(html.key_page(quiz), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1000, "height": 1200})
    page.goto(path.as_uri())
    sheet = page.evaluate("document.querySelector('main').getBoundingClientRect().right")
    widest = page.evaluate("Math.max(...[...document.querySelectorAll('math')].map(e => e.getBoundingClientRect().right))")
    assert widest <= sheet + 1
    assert page.evaluate("[...document.querySelectorAll('.math-block')].every(b => b.scrollWidth <= b.clientWidth)")
    page.set_viewport_size({"width": A4_PRINT_WIDTH, "height": 1200})
    page.emulate_media(media="print")
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], width
    assert page.evaluate("[...document.querySelectorAll('.math-block')].every(b => b.scrollWidth <= b.clientWidth)")
    text = pdf_text(page.pdf(format="A4")).replace("\n", " ")
    for end in ("12345", "23456", "34567", "45678"):
        assert end in text, end
    page.close()


def test_a_long_formula_becomes_several_math_elements():
    from quizgen.render import texmath
    short = "1\\cdot 2 + 3\\cdot 4 + 5\\cdot 6 + 7\\cdot 8"
    out = texmath.to_mathml(f"y = ({short}) + ({short}) = 1")
    assert out.count("<math") == 4 and out.count("<wbr>") == 3  # "y =", "(..) +", "(..) =", "1"
    assert out.count('form="infix"') == 3  # the operators keep their spacing at the break
    block = texmath.to_mathml(f"y = {_SUM}", display=True)
    assert block.startswith('<span class="math-display">') and 'displaystyle="true"' in block
    assert block.count("<math") == 10 and 'form="infix">−' not in block  # (−2): a sign, no break
    assert texmath.to_mathml("x = 1 + 2").count("<math") == 1  # short formulas stay whole
