"""Self-contained HTML papers and key: MathML, no network, print CSS, escaping, templates."""
from __future__ import annotations

import re

import pytest

from quizgen.errors import RenderError
from quizgen.model import ExamInfo, Quiz, Student, StudentPaper
from quizgen.render import html
from render_helpers import browser, generate, synthetic_questions  # noqa: F401 (fixture)


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
    assert page.count('class="cells"') == 2               # shape and vector
    assert "grid-template-columns: repeat(2, auto)" in page  # the 2x2 matrix
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
