"""Papers never give part of an answer away through its answer space.

Working out how many dimensions a shape has (a Flatten at the end leaves one), how many
entries a vector has or how many rows and columns a result matrix has is part of the
task. So a paper's answer space depends on the answer *type* only: two questions that
differ only in the size of their answer give byte-identical papers in every format
(Markdown, HTML, the Typst data and the PDF itself), while the keys still differ.
"""
from __future__ import annotations

import dataclasses

import pytest

from quizgen.model import ExamInfo, Quiz, Student, StudentPaper
from quizgen.render import common, html, markdown, pdf
from render_helpers import browser, synthetic_questions  # noqa: F401 (fixture)

# Answers of the same type but other sizes than synthetic_questions()' ones
# (shape 16x50x50, vector of 3, 2x2 matrix).
OTHER_SIZE = {
    "shape": [40000],                                   # after a Flatten
    "vector": [1.5, -2.0, 0.25, 3.0, 4.5, -1.0],
    "matrix": [[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 0, 1], [2, 2, 2], [0, 0, 1]],
}


def _quiz(questions, lang="en") -> Quiz:
    return Quiz(ExamInfo(id="sizes", title="Sizes", lang=lang),
                (StudentPaper(Student("s1", "Ada"), "V1", tuple(questions)),))


def _pair(types=tuple(OTHER_SIZE), lang="en") -> tuple[Quiz, Quiz]:
    """The synthetic questions of ``types``, as drawn and with answers of another size."""
    qs = [q for q in synthetic_questions() if q.answer_type in types]
    other = [dataclasses.replace(q, answer_value=OTHER_SIZE[q.answer_type], misconceptions=())
             for q in qs]
    return _quiz(qs, lang), _quiz(other, lang)


@pytest.mark.parametrize("atype", sorted(OTHER_SIZE))
def test_the_answer_layout_depends_on_the_answer_type_only(atype):
    a, b = (quiz.papers[0].questions[0] for quiz in _pair((atype,)))
    assert common.answer_layout(a) == common.answer_layout(b)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("atype", sorted(OTHER_SIZE))
def test_markdown_and_html_papers_do_not_show_the_answer_size(atype, lang):
    a, b = _pair((atype,), lang)
    assert markdown.student_paper(a, a.papers[0]) == markdown.student_paper(b, b.papers[0])
    assert html.student_page(a, a.papers[0]) == html.student_page(b, b.papers[0])


@pytest.mark.parametrize("atype", sorted(OTHER_SIZE))
def test_typst_paper_data_does_not_show_the_answer_size(atype):
    a, b = _pair((atype,))
    assert pdf.build_data(a, key=False) == pdf.build_data(b, key=False)


def test_pdf_papers_are_identical_whatever_the_answer_size():
    a, b = _pair()
    pa, pb = pdf.files(a, key=True), pdf.files(b, key=True)
    assert pa["papers-all.pdf"] == pb["papers-all.pdf"]
    assert pa["papers/s1.pdf"] == pb["papers/s1.pdf"]
    assert pa["key.pdf"] != pb["key.pdf"]  # the key still shows each answer


def test_keys_still_show_the_answers():
    a, b = _pair()
    assert markdown.instructor_key(a) != markdown.instructor_key(b)
    key = html.key_page(b)
    assert "40000" in key and "<tr><td>1</td><td>2</td><td>3</td></tr>" in key


def test_every_type_still_has_an_answer_space_and_its_hint():
    quiz = _quiz(synthetic_questions())
    page = html.student_page(quiz, quiz.papers[0])
    for hint in ("the sizes the question asks for, separated by x", "numbers separated by commas",
                 "rows separated by"):
        assert hint in page
    kinds = {q.answer_type: common.answer_layout(q)["kind"] for q in quiz.papers[0].questions}
    assert kinds["choice"] == kinds["choices"] == "options"
    assert len({kinds["shape"], kinds["vector"], kinds["matrix"], kinds["integer"]}) >= 2


def test_html_answer_spaces_are_generous(browser, tmp_path):  # noqa: F811
    """One wide box for a shape or a vector, a tall blank area for a matrix (sizes in cm)."""
    quiz = _quiz(synthetic_questions())
    path = tmp_path / "p.html"
    path.write_text(html.student_page(quiz, quiz.papers[0]), encoding="utf-8")
    page = browser.new_page()
    page.goto(path.as_uri())
    boxes = page.evaluate("""() => {
        const cm = 96 / 2.54;
        return [...document.querySelectorAll('section.question')].map(s => {
            const cells = s.querySelectorAll('.answer .cell');
            const r = cells.length ? cells[cells.length - 1].getBoundingClientRect() : null;
            return [cells.length, r ? r.width / cm : 0, r ? r.height / cm : 0];
        });
    }""")
    page.close()
    by_type = dict(zip((q.answer_type for q in quiz.papers[0].questions), boxes))
    for atype in ("shape", "vector", "matrix"):
        n, width, _ = by_type[atype]
        assert n == 1 and width >= 12, (atype, by_type[atype])
    assert by_type["matrix"][2] >= 4 and by_type["shape"][2] < 1.5
