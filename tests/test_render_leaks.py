"""No student artifact (Markdown, HTML, PDF: per student and the print file) contains an
answer, a worked solution, a misconception value or its feedback, or the exam secret.

The scan looks for what the key shows: each needle is searched only where the question
itself does not already show it (an input shape may equal a wrong answer). The same scan
run over the key must find needles, which shows the scan can see them.
"""
from __future__ import annotations

import re

import pytest

from quizgen.answers import format_answer
from quizgen.model import Question
from render_helpers import SECRET, generate, pdf_text

_MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$", re.S)
_CODE = re.compile(r"```.*?```|`[^`]*`", re.S)


def _plain(text: str) -> str:
    return " ".join(_CODE.sub(" ", _MATH.sub(" ", text)).replace("*", "").split())


def _norm(text: str) -> str:
    return " ".join(text.replace("\u2212", "-").replace("\u00d7", "x").split())


def _sentences(text: str) -> list[str]:
    out = []
    for part in re.split(r"(?<=[.;:!?])\s+|\n", _plain(text)):
        part = part.strip(" .;:,()")
        if len(part) >= 24:
            out.append(part)
    return out


def _values(q: Question, value) -> list[str]:
    """Spellings of an answer value a page could show."""
    if q.answer_type in ("choice", "choices"):
        return []  # letters are everywhere; the option texts are in the question itself
    shown = format_answer(q.answer_type, value, q.decimals)
    out = {shown, shown.replace(" × ", " x ")}
    if q.answer_type == "real":
        out.add(repr(float(value)))
    if q.answer_type == "matrix":
        out |= {" ".join(format_answer("real", x, q.decimals) for x in row) for row in value
                if len(row) >= 3}
    return [v for v in out if len(v) >= 3 or q.answer_type in ("integer", "shape")]


def needles(q: Question) -> list[str]:
    """What must not appear on the student's paper for question ``q``."""
    shown = _norm(_plain(q.prompt) + " " + " ".join(q.options or ()) + " " + q.prompt)
    out = [s for s in _sentences(q.solution) if _norm(s) not in shown]
    for m in q.misconceptions:
        out += [s for s in _sentences(m.feedback) if _norm(s) not in shown]
        out += _values(q, m.value)
    out += [line.strip() for line in q.pytorch.splitlines()
            if len(line.strip()) >= 20 and _norm(line.strip()) not in shown]
    out += _values(q, q.answer_value)
    return [n for n in dict.fromkeys(out) if _norm(n) not in shown and n]


def _present(needle: str, text: str) -> bool:
    n = _norm(needle)
    if re.fullmatch(r"-?[\d.]+", n):  # a bare number: only as a whole token
        return re.search(rf"(?<![\w.]){re.escape(n)}(?![\w.])", text) is not None
    return n in text


@pytest.fixture(scope="module")
def exam(tmp_path_factory):
    folder = tmp_path_factory.mktemp("leaks")
    result = generate(folder, students=3, formats=("md", "html", "pdf"))
    return result.quiz, folder / "out"


def _student_texts(quiz, out):
    """(name, normalised text) of every student artifact."""
    from quizgen.render.markdown import safe_name
    texts = []
    for p in quiz.papers:
        sid = safe_name(p.student.student_id)
        texts.append((f"{sid}.md", p, (out / "papers" / f"{sid}.md").read_text(encoding="utf-8")))
        page = (out / "papers" / f"{sid}.html").read_text(encoding="utf-8")
        texts.append((f"{sid}.html", p, page))
        visible = re.sub(r"<(style|svg)\b.*?</\1>", " ", page, flags=re.S)
        texts.append((f"{sid}.html (text)", p, re.sub(r"<[^>]+>", " ", visible)))
        texts.append((f"{sid}.pdf", p, pdf_text((out / "papers" / f"{sid}.pdf").read_bytes())))
    combined = pdf_text((out / "papers-all.pdf").read_bytes())
    texts += [("papers-all.pdf", p, combined) for p in quiz.papers]
    return [(name, p, _norm(text)) for name, p, text in texts]


def test_no_student_artifact_contains_answers_solutions_or_the_secret(exam):
    quiz, out = exam
    problems = []
    for name, paper, text in _student_texts(quiz, out):
        assert SECRET not in text, name
        for q in paper.questions:
            for needle in needles(q):
                if name.endswith(".html") and re.fullmatch(r"-?[\d.]+", _norm(needle)):
                    continue  # bare numbers: CSS and the QR path are full of them (see "(text)")
                if _present(needle, text):
                    problems.append(f"{name} {q.slot} ({q.template}): {needle!r}")
    assert not problems, "\n".join(problems[:20])


def test_the_scan_finds_the_needles_in_the_key(exam):
    quiz, out = exam
    key_pdf = _norm(pdf_text((out / "key.pdf").read_bytes()))
    key_html = _norm(re.sub(r"<[^>]+>", " ", (out / "key.html").read_text(encoding="utf-8")))
    key_md = _norm((out / "key.md").read_text(encoding="utf-8"))
    for q in quiz.papers[0].questions:
        found = needles(q)
        assert found, q.template
        for text in (key_md, key_html, key_pdf):
            assert any(_present(n, text) for n in found), (q.template, found[:5])


def test_no_secret_file_or_answers_in_the_html_markup(exam):
    quiz, out = exam
    for path in (out / "papers").glob("*.html"):
        page = path.read_text(encoding="utf-8")
        assert "data-answer" not in page and "misconception" not in page.lower()
        assert "quizgen:exam=" not in page or "secret" not in page
