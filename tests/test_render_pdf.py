"""PDF papers, print file and key through Typst: content, layout, fonts, determinism, safety."""
from __future__ import annotations

import io
import re
import shutil

import pytest

from quizgen.errors import RenderError
from quizgen.model import ExamInfo, Quiz, Student, StudentPaper
from quizgen.render import fonts, pdf
from render_helpers import (generate, need, pdf_layout_text, pdf_pages, pdf_text, pdf_words,
                            synthetic_questions)


@pytest.fixture(scope="module")
def exam(tmp_path_factory):
    """Three students over every answer type, as PDF (and Markdown for comparison)."""
    folder = tmp_path_factory.mktemp("pdf")
    result = generate(folder, students=3, formats=("md", "pdf"))
    return result.quiz, folder / "out"


def test_files_written(exam):
    quiz, out = exam
    for p in quiz.papers:
        assert (out / "papers" / f"{p.student.student_id}.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "papers-all.pdf").is_file() and (out / "key.pdf").is_file()


def test_each_student_pdf_is_their_pages_of_the_print_file(exam):
    quiz, out = exam
    combined = pdf_pages((out / "papers-all.pdf").read_bytes())
    start = 0
    for p in quiz.papers:
        mine = pdf_pages((out / "papers" / f"{p.student.student_id}.pdf").read_bytes())
        assert mine == combined[start:start + len(mine)]
        for n, page in enumerate(mine, 1):
            assert p.student.student_id in page and p.variant in page
            assert f"Page {n} of {len(mine)}" in page
            assert "Rendering test exam" in page and "AI & Creativity" in page
        start += len(mine)
    assert start == len(combined)


def test_questions_in_order_with_points_and_answer_hints(exam):
    quiz, out = exam
    p = quiz.papers[0]
    text = pdf_text((out / "papers" / f"{p.student.student_id}.pdf").read_bytes())
    positions = [text.index(f"Question {k}") for k in range(1, len(p.questions) + 1)]
    assert positions == sorted(positions)
    assert "2 points" in text and "1 point" in text
    assert "Your answer (a whole number)" in text
    assert "(mark one)" in text  # the choice question has option marks, not a box
    assert "A." in text and "B." in text


def test_matrices_are_typeset_not_python_lists(exam):
    quiz, out = exam
    p = quiz.papers[0]
    q = next(q for q in p.questions if q.template == "pool.forward")
    path = out / "papers" / f"{p.student.student_id}.pdf"
    assert "[[" not in pdf_text(path.read_bytes())
    layout = pdf_layout_text(path).replace("\u2212", "-")
    for row in q.params["x"]:  # every input row on one line, entries in order: a real matrix
        assert re.search(r"\s+".join(re.escape(str(v)) for v in row), layout), row


def test_text_stays_inside_the_page_margins(exam):
    _, out = exam
    words = pdf_words(out / "papers-all.pdf")
    assert words
    margin = 1.9 * 72 / 2.54  # the left/right page margin of lib.typ
    for w in words:
        assert margin - 3 <= w["x0"] and w["x1"] <= w["width"] - margin + 3, w
        assert 0 <= w["y0"] and w["y1"] <= w["height"], w
    footers = [w for w in words if w["text"] == "Page"]
    assert footers and all(w["y0"] > w["height"] - margin for w in footers)
    titles = [w for w in words if w["text"] == "Rendering"]
    assert any(w["y1"] < 2.5 * margin / 2 for w in titles)  # the header line at the top


def test_key_has_answers_solutions_and_misconceptions(exam):
    quiz, out = exam
    text = pdf_text((out / "key.pdf").read_bytes())
    assert "Instructor key" in text and "Worked solution" in text and "Typical mistakes" in text
    q = next(q for q in quiz.papers[0].questions if q.answer_type == "integer")
    assert str(q.answer_value) in text
    assert q.misconceptions[0].id in text


def test_pdfs_are_byte_identical_across_runs(exam, tmp_path):
    quiz, out = exam
    again = pdf.files(quiz)
    assert again["papers-all.pdf"] == (out / "papers-all.pdf").read_bytes()
    assert again["key.pdf"] == (out / "key.pdf").read_bytes()
    sid = quiz.papers[1].student.student_id
    assert again[f"papers/{sid}.pdf"] == (out / "papers" / f"{sid}.pdf").read_bytes()


def test_duplex_starts_every_student_on_an_odd_page(exam):
    quiz, _ = exam
    out = pdf.files(quiz, duplex=True, key=False)
    from pypdf import PdfReader
    pages = [p.extract_text() or "" for p in PdfReader(io.BytesIO(out["papers-all.pdf"])).pages]
    for p in quiz.papers:
        first = next(i for i, t in enumerate(pages) if p.student.student_id in t and "Page 1 of" in t)
        assert first % 2 == 0  # 0-based index: an odd page number
    assert len(pages) % 2 == 0 or pages[-1]


def _hand_quiz(prompt: str, lang: str = "en", name: str = "") -> Quiz:
    qs = synthetic_questions()
    qs[0] = qs[0].__class__(**{**qs[0].__dict__, "prompt": prompt})
    return Quiz(ExamInfo(id="hand", title="Hand <made> #exam $1", course="C*", lang=lang),
                (StudentPaper(Student("s#1", name), "ABC123", tuple(qs)),))


def test_markup_characters_in_texts_cannot_break_the_pdf():
    evil = ('# not a heading #read("/etc/passwd") #panic("boom") $\\text{a"]}$ *x* _y_ '
            '<b>z</b> @w `#code` ] ) } // comment /* c */ \\ end\n\n$$\n\\frac{1}{\n$$')
    out = pdf.files(_hand_quiz(evil, name="Kim ]#1"), key=True)
    text = pdf_text(out["papers-all.pdf"])
    assert '#read("/etc/passwd")' in text and '#panic("boom")' in text
    assert "Hand <made> #exam $1" in text and "Kim ]#1" in text
    assert "// comment" in text


def test_every_answer_type_gets_its_answer_space():
    quiz = _hand_quiz("Plain question.")
    data = pdf.build_data(quiz, key=False)
    layouts = {q["hint"]: q["layout"] for q in data["students"][0]["questions"]}
    kinds = [q["layout"] for q in data["students"][0]["questions"]]
    assert layouts["the sizes the question asks for, separated by x"]["kind"] == "line"  # not a box per dimension
    assert layouts["numbers separated by commas"]["kind"] == "line"   # nor per entry
    assert layouts["rows separated by ';' (e.g. 1 2; 3 4)"]["kind"] == "area"  # not a grid
    assert {"kind": "options", "multi": True, "n": 4} in kinds      # choices
    assert layouts
    assert pdf.files(quiz, key=False)["papers-all.pdf"].startswith(b"%PDF")


def test_korean_papers_use_a_cjk_font():
    need(fonts.find_cjk() is not None, "no Korean font installed (apt-get install fonts-noto-cjk)")
    quiz = _hand_quiz("한국어 문제: $x = 1$ 일 때 값은?", lang="ko", name="김민수")
    out = pdf.files(quiz, key=False)
    text = pdf_text(out["papers-all.pdf"])
    assert "한국어 문제" in text and "김민수" in text and "문제 1" in text
    from pypdf import PdfReader
    fonts_used = set()
    for page in PdfReader(io.BytesIO(out["papers-all.pdf"])).pages:
        for f in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            fonts_used.add(str(f.get_object().get("/BaseFont")))
    assert any("CJK" in f or "Nanum" in f for f in fonts_used), fonts_used


def test_missing_korean_font_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(fonts, "find_cjk", lambda extra=(): None)
    with pytest.raises(RenderError, match="fonts-noto-cjk"):
        pdf.files(_hand_quiz("문제", lang="ko"), key=False)
    with pytest.raises(RenderError, match="CJK"):  # an English exam with a Korean name
        pdf.files(_hand_quiz("Plain.", name="김민수"), key=False)


def test_font_path_must_exist():
    with pytest.raises(RenderError, match="does not exist"):
        pdf.files(_hand_quiz("Plain."), font_paths=["/no/such/fonts"], key=False)


def test_user_templates_replace_the_bundled_ones(tmp_path):
    from quizgen.resources import templates_dir
    (tmp_path / "typst").mkdir()
    src = (templates_dir() / "typst" / "paper.typ").read_text(encoding="utf-8")
    (tmp_path / "typst" / "paper.typ").write_text(
        src.replace("#for (i, s) in data.students", "#let _ = 0\n#for (i, s) in data.students")
        .replace("#L.your_answer (#q.hint):", "ANSWER-HERE-CUSTOM (#q.hint):"), encoding="utf-8")
    out = pdf.files(_hand_quiz("Plain."), user_dir=tmp_path, key=False)
    assert "ANSWER-HERE-CUSTOM" in pdf_text(out["papers-all.pdf"])
    (tmp_path / "typst" / "paper.typ").write_text("#let x = (", encoding="utf-8")
    with pytest.raises(RenderError, match="Typst could not typeset paper.typ"):
        pdf.files(_hand_quiz("Plain."), user_dir=tmp_path, key=False)


def test_qr_code_holds_ids_not_answers(exam):
    from quizgen.render import common
    quiz, _ = exam
    p = quiz.papers[0]
    payload = common.qr_payload(quiz.exam, p)
    assert payload == f"quizgen:exam=render-test&student={p.student.student_id}&variant={p.variant}"
    assert "<path" in common.qr_svg(payload)


def test_every_page_has_a_readable_qr_code(exam, tmp_path):
    need(shutil.which("pdftoppm") is not None, "pdftoppm not installed (apt-get install poppler-utils)")
    need(shutil.which("zbarimg") is not None, "zbarimg not installed (apt-get install zbar-tools)")
    import subprocess
    from quizgen.render import common
    quiz, out = exam
    p = quiz.papers[1]
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(out / "papers" / f"{p.student.student_id}.pdf"),
                    str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages
    for png in pages:
        read = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True)
        assert read.stdout.strip() == common.qr_payload(quiz.exam, p), png.name


def test_a_formula_typst_rejects_is_shown_as_tex_instead(monkeypatch):
    from quizgen.render import markup, texmath
    prompt = r"Compute $\odot_{qq} + 1$ now."
    quiz = _hand_quiz(prompt)
    markup.prepare_typst([prompt])
    key = texmath._clean_tex(r"\odot_{qq} + 1")
    monkeypatch.setitem(texmath._typst_cache, key, "dot.nosuchmodifier_(q q) + 1")
    markup.clear_caches()
    out = pdf.files(quiz, key=False)
    assert r"\odot_{qq} + 1" in pdf_text(out["papers-all.pdf"])
    markup.clear_caches()


# ---------------------------------------------------------------- large classes: typeset in parts

def page_images(data: bytes) -> list[bytes]:
    """Every page rendered to a small grey image (poppler's pdftoppm)."""
    need(shutil.which("pdftoppm") is not None, "pdftoppm not installed (apt-get install poppler-utils)")
    import subprocess
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "in.pdf").write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "40", "-gray", str(Path(d) / "in.pdf"), str(Path(d) / "p")],
                       check=True, capture_output=True)
        return [f.read_bytes() for f in sorted(Path(d).glob("p-*.pgm"))]


def _outline_titles(data: bytes) -> list[str]:
    from pypdf import PdfReader
    return [item.title for item in PdfReader(io.BytesIO(data)).outline if not isinstance(item, list)]


def test_a_class_typeset_in_parts_gives_the_same_pages(exam, monkeypatch):
    """Three students in parts of two (forked processes, joined with pypdf): the same
    pages in the same order as one compile, per-student page numbers, one bookmark per
    student, the same bytes on a second run."""
    quiz, out = exam
    monkeypatch.setattr(pdf, "PART_STUDENTS", 2)
    parts = pdf.files(quiz)
    # Each part embeds its own font subsets, so compare what the pages look like.
    assert page_images(parts["papers-all.pdf"]) == page_images((out / "papers-all.pdf").read_bytes())
    assert page_images(parts["key.pdf"]) == page_images((out / "key.pdf").read_bytes())
    for p in quiz.papers:
        sid = p.student.student_id
        assert page_images(parts[f"papers/{sid}.pdf"]) == page_images((out / "papers" / f"{sid}.pdf").read_bytes())
    key_pages = pdf_pages(parts["key.pdf"])
    starts = [i for i, t in enumerate(key_pages) if re.search(r"Page 1 of \d+", t)]
    assert len(starts) == len(quiz.papers)  # the key's pages are numbered per student
    for p, first in zip(quiz.papers, starts):
        assert p.student.student_id in key_pages[first] and p.variant in key_pages[first]
    ids = [p.student.student_id for p in quiz.papers]
    assert [t.split(" ")[0] for t in _outline_titles(parts["key.pdf"])] == ids
    assert [t.split(" ")[0] for t in _outline_titles(parts["papers-all.pdf"])] == ids
    again = pdf.files(quiz)
    assert again == parts


def test_duplex_parts_keep_every_student_on_an_odd_page(exam, monkeypatch):
    quiz, _ = exam
    monkeypatch.setattr(pdf, "PART_STUDENTS", 1)
    out = pdf.files(quiz, duplex=True, key=False)
    pages = pdf_pages(out["papers-all.pdf"])
    for p in quiz.papers:
        first = next(i for i, t in enumerate(pages) if p.student.student_id in t and "Page 1 of" in t)
        assert first % 2 == 0, (p.student.student_id, first)
        mine = pdf_pages(out[f"papers/{p.student.student_id}.pdf"])
        assert pages[first:first + len(mine)] == mine


def test_join_pdfs_adds_a_blank_page_only_where_duplex_needs_one():
    from pypdf import PdfReader, PdfWriter

    def doc(n: int) -> bytes:
        w = PdfWriter()
        for _ in range(n):
            w.add_blank_page(width=595, height=842)
        buf = io.BytesIO()
        w.write(buf)
        return buf.getvalue()

    def count(data: bytes) -> int:
        return len(PdfReader(io.BytesIO(data)).pages)

    assert count(pdf.join_pdfs([doc(3), doc(2), doc(1)])) == 6
    assert count(pdf.join_pdfs([doc(3), doc(2), doc(1)], duplex=True)) == 7  # 3, blank, 2, 1
    assert count(pdf.join_pdfs([doc(3), doc(3), doc(1)], duplex=True)) == 9  # 3, blank, 3, blank, 1
    assert count(pdf.join_pdfs([doc(2), doc(2)], duplex=True)) == 4
    assert pdf.join_pdfs([doc(2)]) == doc(2)


def test_a_typst_error_in_a_part_process_is_a_clear_error(exam, monkeypatch, tmp_path):
    quiz, _ = exam
    monkeypatch.setattr(pdf, "PART_STUDENTS", 1)
    (tmp_path / "typst").mkdir()
    (tmp_path / "typst" / "key.typ").write_text("#let x = (\n", encoding="utf-8")
    with pytest.raises(RenderError) as err:
        pdf.files(quiz, user_dir=tmp_path)
    assert "key.typ" in str(err.value)


# ---------------------------------------------------------------- wide formulas, page breaks

_LONG_SUM = " + ".join(f"{k}\\cdot ({-k})" for k in range(1, 10))
LONG_FORMULA = f"y_{{2,1}} = ({_LONG_SUM}) + ({_LONG_SUM}) + (-2) = 12345"
WIDE_ATOM = "\\sqrt{" + " + ".join(str(k) for k in range(100, 160)) + "} = 67890"


def test_wide_display_formulas_stay_inside_the_margins(tmp_path):
    """A worked-solution line wider than the page is broken (or, when it has no place to
    break, scaled down) instead of running off both edges of the key and the paper."""
    prompt = f"Compute\n\n$$\n{LONG_FORMULA}\n$$\n\nand\n\n$$\n{WIDE_ATOM}\n$$\n"
    quiz = _hand_quiz(prompt)
    q = quiz.papers[0].questions[0]
    quiz = Quiz(quiz.exam, (StudentPaper(quiz.papers[0].student, "ABC123",
                                         (q.__class__(**{**q.__dict__, "solution": prompt}),)
                                         + quiz.papers[0].questions[1:]),))
    out = pdf.files(quiz)
    for name, margin_cm in (("papers-all.pdf", 1.9), ("key.pdf", 2.0)):
        path = tmp_path / name
        path.write_bytes(out[name])
        words = pdf_words(path)
        margin = margin_cm * 72 / 2.54
        outside = [w["text"] for w in words
                   if w["x0"] < margin - 3 or w["x1"] > w["width"] - margin + 3]
        assert not outside, (name, outside[:10])
        text = " ".join(w["text"] for w in words)
        assert "12345" in text and "67890" in text, name  # the ends of both formulas are there


def _matrix(rows: int, cols: int, start: int = 0) -> str:
    return ("\\begin{bmatrix} " + " \\\\ ".join(" & ".join(str((start + r * cols + c) % 4)
            for c in range(cols)) for r in range(rows)) + " \\end{bmatrix}")


# The prompt of conv.entry level 2 (two input channels, 6x6 inputs, 3x3 kernels) as the
# audit found it split over two pages with half of the second page empty.
TWO_CHANNEL_PROMPT = (
    "The layer\n\n```python\nnn.Conv2d(2, 1, kernel_size=3, stride=2)\n```\n\n"
    "has one output channel and bias $b = -2$. Input and kernel (one slice per input channel):\n\n"
    f"$$\nX_1 = {_matrix(6, 6)} \\qquad K_1 = {_matrix(3, 3, 1)}\n$$\n\n"
    f"$$\nX_2 = {_matrix(6, 6, 2)} \\qquad K_2 = {_matrix(3, 3, 3)}\n$$\n\n"
    "The output $Y$ is $2 \\times 2$. What is the entry $y_{2,1}$ in row 2, column 1 (rows and "
    "columns counted from 1, top-left is $y_{1,1}$), as PyTorch computes it?")


def test_a_question_that_fits_on_a_page_is_kept_together():
    q = synthetic_questions()[0]
    q = q.__class__(**{**q.__dict__, "prompt": TWO_CHANNEL_PROMPT})
    assert pdf._breakable(q) is False  # about 30 lines: the TeX source of its matrices is not prose
    long_text = q.__class__(**{**q.__dict__, "prompt": "A long paragraph of words. " * 250})
    assert pdf._breakable(long_text) is True
    tall = q.__class__(**{**q.__dict__, "prompt": f"$$\n{_matrix(30, 4)}\n$$\n\n" * 2})
    assert pdf._breakable(tall) is True
    code = q.__class__(**{**q.__dict__, "prompt": "```\n" + "x = 1\n" * 70 + "```"})
    assert pdf._breakable(code) is True
    korean = q.__class__(**{**q.__dict__, "prompt": "한국어 문장이 길게 이어집니다. " * 170})
    assert pdf._breakable(korean) is True


def test_the_two_channel_question_is_not_split_over_two_pages(tmp_path):
    """Pushed to the foot of page 1 by filler questions, the question moves to page 2 whole."""
    qs = synthetic_questions()
    filler = [qs[k].__class__(**{**qs[k].__dict__, "prompt": "Filler text. " * 60}) for k in range(4)]
    target = qs[4].__class__(**{**qs[4].__dict__, "prompt": TWO_CHANNEL_PROMPT})
    quiz = Quiz(ExamInfo(id="hand", title="T"), (StudentPaper(Student("s1"), "ABC123",
                                                              tuple(filler) + (target,)),))
    path = tmp_path / "paper.pdf"
    path.write_bytes(pdf.files(quiz, key=False)["papers-all.pdf"])
    words = pdf_words(path)
    at = next(k for k in range(len(words) - 1)
              if words[k]["text"] == "Question" and words[k + 1]["text"] == "5")
    end = next(k for k in range(at, len(words)) if words[k]["text"] == "answer")  # its "Your answer"
    head = words[at]
    assert {w["page"] for w in words[at:end + 1]} == {head["page"]}, "question 5 is split"
    assert any(w["page"] < head["page"] for w in words)  # something else filled page 1


_LABEL_LINE = re.compile(r"\s*(Worked solution|Check it in PyTorch|Typical mistakes):\s*$")


def test_key_labels_are_never_left_alone_at_the_foot_of_a_page(tmp_path):
    """One student per solution length, so that "Typical mistakes:" reaches the foot of the
    page for some of them: the label always moves on with the list it introduces."""
    q = synthetic_questions()[0]
    papers = tuple(StudentPaper(Student(f"s{n}"), "ABC123", (q.__class__(**{
        **q.__dict__, "pytorch": "print(1)", "solution": "A line of the solution.  \n" * n}),))
        for n in range(36, 48))
    quiz = Quiz(ExamInfo(id="hand", title="T"), papers)
    path = tmp_path / "key.pdf"
    path.write_bytes(pdf.files(quiz)["key.pdf"])
    pages = pdf_layout_text(path).split("\f")[:-1]  # pdftotext ends every page with \f
    assert len(pages) > len(papers)  # the solutions do cross page ends
    for n, page in enumerate(pages, 1):
        body = [line for line in page.splitlines()
                if line.strip() and not re.search(r"Page \d+ of \d+", line)]
        assert body and not _LABEL_LINE.match(body[-1]), (n, body[-1:])


def test_negative_answers_in_the_key_have_a_true_minus():
    from quizgen.model import Misconception
    qs = synthetic_questions()
    neg = qs[0].__class__(**{**qs[0].__dict__, "answer_value": -7, "misconceptions": (
        Misconception("sign", -10, "Feedback."),)})
    t = pdf.common.labels("en")
    data = pdf._key_question(neg, 1, t)
    assert data["answer"] == "−7" and data["misconceptions"][0]["value"] == "−10"
    vector = pdf._key_question(qs[3], 4, t)  # [1.5, -2.0, 0.25]
    assert "−2" in vector["answer"] and "-" not in vector["answer"].replace("\\-", "")
    quiz = Quiz(ExamInfo(id="hand", title="T"), (StudentPaper(Student("s1"), "ABC123", (neg, qs[3], qs[4])),))
    text = pdf_text(pdf.files(quiz)["key.pdf"])
    assert "Answer: −7" in text and "−10 (sign)" in text and "-7" not in text


DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CJK_FAMILIES = {family for family, _ in fonts.CJK_FONTS}


def _latin_font_folder(tmp_path):
    import os
    need(os.path.isfile(DEJAVU), "no DejaVuSans.ttf to make a Latin-only font folder")
    folder = tmp_path / "latin-fonts"
    folder.mkdir()
    shutil.copyfile(DEJAVU, folder / "DejaVuSans.ttf")
    return folder


def test_a_latin_only_font_path_still_gets_the_systems_cjk_font(tmp_path):
    need(fonts.find_cjk() is not None, "no Korean font installed (apt-get install fonts-noto-cjk)")
    folder = _latin_font_folder(tmp_path)
    for lang, cjk_text in (("ko", True), ("en", True)):  # a Korean exam; a Korean name
        got = fonts.fonts_for(lang, cjk_text, [folder])
        assert got.text[:2] == (fonts.TEXT_FONT, "DejaVu Sans")  # the user's fonts first
        assert CJK_FAMILIES & set(got.text[2:]) and CJK_FAMILIES & set(got.math), got
        assert str(folder) in got.paths and any(p.endswith((".ttc", ".otf", ".ttf"))
                                                for p in got.paths if p != str(folder))
    assert fonts.fonts_for("en", False, [folder]).paths == (str(folder),)  # no CJK text: none
    # A folder that holds a Korean font is used as it is, without a system font added.
    import os
    _, files = fonts.find_cjk()
    own = tmp_path / "korean-fonts"
    own.mkdir()
    os.symlink(files[0], own / os.path.basename(files[0]))
    got = fonts.fonts_for("ko", True, [own])
    assert got.paths == (str(own),) and set(got.text[1:]) == set(fonts.user_families((str(own),)))


def test_a_latin_only_font_path_without_any_korean_font_is_a_clear_error(tmp_path, monkeypatch):
    folder = _latin_font_folder(tmp_path)
    monkeypatch.setattr(fonts, "find_cjk", lambda extra=(): None)
    with pytest.raises(RenderError, match="fonts-noto-cjk"):
        fonts.fonts_for("ko", True, [folder])


def test_korean_pdf_with_a_latin_only_font_path_embeds_a_cjk_font(tmp_path):
    need(fonts.find_cjk() is not None, "no Korean font installed (apt-get install fonts-noto-cjk)")
    from pypdf import PdfReader
    folder = _latin_font_folder(tmp_path)
    out = pdf.files(_hand_quiz("한국어 문제: 값은?", lang="ko", name="김민수"), key=False,
                    font_paths=[str(folder)])
    used = set()
    for page in PdfReader(io.BytesIO(out["papers-all.pdf"])).pages:
        for f in (page.get("/Resources", {}).get("/Font", {}) or {}).values():
            used.add(str(f.get_object().get("/BaseFont")))
    assert any("CJK" in f or "Nanum" in f for f in used), used
    assert "한국어 문제" in pdf_text(out["papers-all.pdf"])


def test_key_questions_start_with_their_text_on_one_page(exam):
    """A question of the key (heading, text, answer) is kept on one page, as on the papers:
    no page ends with a question's heading and its first lines (111 pages of a 40-student
    key did)."""
    quiz, out = exam
    pages = pdf_layout_text(out / "key.pdf").split("\f")[:-1]
    heads = 0
    for n, page in enumerate(pages, 1):
        lines = page.splitlines()
        at = [i for i, line in enumerate(lines) if re.search(r"Question \d+ ·", line)]
        heads += len(at)
        if at:  # the page's last question shows its answer on the same page
            assert any(line.lstrip().startswith("Answer:") for line in lines[at[-1]:]), (n, lines[at[-1]:])
    assert heads == sum(len(p.questions) for p in quiz.papers)   # every heading seen


def test_a_dfrac_in_a_sentence_is_set_full_size(tmp_path):
    """pandoc writes TeX's \\dfrac as a plain frac, which Typst sets at script size inside a
    sentence: the subscript naming the node asked about came out at 5 pt. The asked
    fraction is now as tall as a displayed one."""
    q = synthetic_questions()[0]
    quiz = Quiz(ExamInfo(id="hand", title="T"), (StudentPaper(Student("s1"), "ABC123", (q.__class__(**{
        **q.__dict__, "prompt": r"Find $\dfrac{\partial f}{\partial h_1}$ and $\frac{a}{b_1}$ here."}),)),))
    path = tmp_path / "p.pdf"
    path.write_bytes(pdf.files(quiz, key=False)["papers-all.pdf"])
    sizes = {w["text"]: w["y1"] - w["y0"] for w in pdf_words(path)}   # math italic letters
    assert sizes["𝜕ℎ"] > 1.3 * sizes["𝑏"], sizes   # \dfrac full size; \frac stays at text style


def test_a_key_question_taller_than_a_page_breaks_and_loses_nothing(tmp_path):
    """A question is kept on one page in the key only when it fits one (as on the papers):
    a prompt of 90 paragraphs (a user's bank) runs over pages, and its last line and its
    answer are still there (an unbreakable block ran off the page and lost them)."""
    q = synthetic_questions()[0]
    long = "\n\n".join(f"Paragraph {i:03d} of a very long question." for i in range(90)) + "\n\nLAST LINE."
    quiz = Quiz(ExamInfo(id="hand", title="T"), (StudentPaper(Student("s1"), "ABC123", (q.__class__(**{
        **q.__dict__, "prompt": long}),)),))
    path = tmp_path / "key.pdf"
    path.write_bytes(pdf.files(quiz)["key.pdf"])
    text = pdf_layout_text(path)
    assert "Paragraph 089" in text and "LAST LINE." in text and "Answer:" in text


def test_a_sign_stays_with_its_number_at_a_line_break(tmp_path):
    """Inline formulas whose every minus is a sign (after a relation, an arrow, a bracket, a
    comma or an operator, as the solutions write them), set by real Typst in a narrow column
    at many offsets: no line ends with a minus (pdftotext), so '−' and '3' never part."""
    import subprocess

    import typst

    from quizgen.render import markup
    need(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    texs = [r"a = -3", r"f(-1.5)", r"w \leftarrow -0.115", r"x = -2, z = -3",
            r"2 \cdot (-2) + 1", r"y = 3 + -4", r"e^{-2.1} = 0.1225", r"\left(-3\right)",
            r"\max(-3, 2) = 2", r"L = -\ln p_{1}"]
    formulas = [markup.to_typst_inline(f"${t}$") for t in texs]
    body = "".join(("x" * (k % 13 + 1)) + " " + ("y" * (k // 13 % 4)) + " " + formulas[k % len(formulas)]
                   + " " for k in range(300))
    path = tmp_path / "signs.pdf"
    path.write_bytes(typst.compile(("#set page(width: 6cm, height: auto, margin: 0.3cm)\n"
                                    + body).encode("utf-8")))
    lines = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    assert sum("−" in line for line in lines) > 100  # the signs are there, as U+2212
    assert not [line for line in lines if line.rstrip().endswith(("−", "-"))]
