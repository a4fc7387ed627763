"""Typeset PDFs with Typst: per-student papers, one combined print file, the instructor key.

The Typst programs live in ``templates/typst/`` (a user's ``--templates DIR/typst/`` files
replace the bundled ones file by file). quizgen writes the data they read into
``data.json`` beside them: plain strings for names and ids, and Typst markup converted
from the question texts by :mod:`quizgen.render.markup` (all text escaped). The papers
data never holds answers, solutions or misconceptions.

Speed: all students are typeset in ONE Typst compile (the combined file); each student's
PDF is then cut out of it by page range with pypdf. Typst reports the ranges itself: the
template labels each student's first and last page, and :func:`_page_ranges` reads them.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import answers
from ..errors import RenderError
from ..model import Question, Quiz, StudentPaper
from ..resources import templates_dir
from . import common, fonts, markup, texmath
from .markdown import safe_name

COMBINED = "papers-all.pdf"
KEY = "key.pdf"
TEMPLATE_FILES = ("lib.typ", "paper.typ", "key.typ")
_LINE_CHARS = 95  # characters of prose on one line of the paper (for the page-fit estimate)


# ---------------------------------------------------------------- data for the templates

_MATRIX = re.compile(r"\\begin\{[pbvBV]?matrix\}(.*?)\\end\{[pbvBV]?matrix\}", re.S)


def _breakable(q: Question) -> bool:
    """Keep a question on one page unless it may be too long for one (a rough line count)."""
    prompt = q.prompt
    lines = 7.0 + len(q.options or ()) * 1.6 + prompt.count("\n") + len(prompt) / _LINE_CHARS
    if lines > 44:
        return True
    if "\\begin" in prompt:  # a line of matrices is as tall as its tallest matrix
        for block in prompt.split("\n"):
            rows = [m.group(1).count("\\\\") + 1 for m in _MATRIX.finditer(block)]
            if rows:
                lines += 1.3 * max(rows)
    return lines > 44


def _question_data(q: Question, n: int, t: dict, highlight: bool = False) -> dict:
    return {
        "n": n,
        "points_text": common.points_text(q, t),
        "prompt": markup.to_typst(q.prompt, highlight),
        "options": [markup.to_typst_inline(o) for o in (q.options or ())],
        "letters": [answers.letters(k) for k in range(len(q.options or ()))],
        "layout": common.answer_layout(q),
        "hint": common.hint(q, t),
        "breakable": _breakable(q),
    }


def _answer_markup(q: Question, value) -> str:
    """An answer or a misconception value for the key, as Typst markup."""
    if q.answer_type == "matrix" and isinstance(value, list) and value \
            and all(isinstance(r, list) for r in value):
        rows = "; ".join(", ".join(answers.format_answer("real", x, q.decimals) for x in row)
                         for row in value)
        return f'$#math.display($mat(delim: "[", {rows})$)$'
    return markup.typst_text(common.format_value(q, value))


def _key_question(q: Question, n: int, t: dict) -> dict:
    d = _question_data(q, n, t)
    d.update({
        "template": q.template,
        "answer": _answer_markup(q, q.answer_value),
        "correct": common.correct_options(q),
        "tolerance": markup.typst_text(common.tolerance_text(q, t)),
        "solution": markup.to_typst(q.solution, False),
        "pytorch": q.pytorch,
        "misconceptions": [{"id": m.id, "value": _answer_markup(q, m.value),
                            "feedback": markup.to_typst_inline(m.feedback)}
                           for m in q.misconceptions],
    })
    return d


def _student(quiz: Quiz, p: StudentPaper, t: dict, key: bool) -> dict:
    make = _key_question if key else _question_data
    d = {"sid": p.student.student_id, "name": p.student.name, "variant": p.variant,
         "questions": [make(q, k, t) for k, q in enumerate(p.questions, 1)]}
    if not key:
        d["qr"] = common.qr_svg(common.qr_payload(quiz.exam, p))
    return d


def build_data(quiz: Quiz, *, key: bool, duplex: bool = False, paper: str = "a4",
               font_set: fonts.FontSet | None = None) -> dict:
    """The data.json of the papers (``key=False``) or of the instructor key."""
    t = common.labels(quiz.exam.lang)
    markup.prepare_typst([quiz.exam.instructions])
    data = {
        "lang": quiz.exam.lang,
        "paper": paper,
        "duplex": bool(duplex),
        "labels": t,
        "exam": {"id": quiz.exam.id, "title": quiz.exam.title, "course": quiz.exam.course,
                 "instructions": markup.to_typst(quiz.exam.instructions)},
        "students": _students(quiz, t, key),
    }
    data["fonts"] = (font_set or fonts.LATIN).to_dict()
    return data


def _paper_texts(papers, key: bool) -> list[str]:
    texts = []
    for p in papers:
        for q in p.questions:
            texts.append(q.prompt)
            texts.extend(q.options or ())
            if key:
                texts.append(q.solution)
                texts.extend(m.feedback for m in q.misconceptions)
    return texts


def _students(quiz: Quiz, t: dict, key: bool) -> list[dict]:
    def qr_codes():  # while pandoc converts the formulas
        if not key:
            for p in quiz.papers:
                common.qr_svg(common.qr_payload(quiz.exam, p))

    markup.prepare_typst(_paper_texts(quiz.papers, key), qr_codes)  # one pandoc call
    return [_student(quiz, p, t, key) for p in quiz.papers]


# ---------------------------------------------------------------- compiling

def _template_root(user_dir: str | Path | None) -> Path:
    """A fresh folder holding the Typst templates (the user's files win)."""
    root = Path(tempfile.mkdtemp(prefix="quizgen-typst-"))
    bundled = templates_dir() / "typst"
    for name in TEMPLATE_FILES:
        user = Path(user_dir) / "typst" / name if user_dir else None
        src = user if user is not None and user.is_file() else bundled / name
        if not src.is_file():
            raise RenderError(f"Typst template '{name}' not found.", path=str(src.parent),
                              hint="Copy the bundled templates folder and edit the copy.")
        shutil.copyfile(src, root / name)
    return root


def _typst_error(e: Exception, main: str) -> RenderError:
    msg = (getattr(e, "message", None) or str(e)).strip()
    where = re.search(r"┌─ ([^\n]+)", getattr(e, "diagnostic", "") or "")
    if where:
        msg += f" (at {where.group(1).strip()})"
    hints = getattr(e, "hints", None) or []
    return RenderError(f"Typst could not typeset {main}: {msg}", path=main,
                       hint=" ".join(hints) or "If you use your own templates (--templates), "
                                              "check them against the bundled ones.")


def compile_pdf(root: Path, main: str, data: dict, font_set: fonts.FontSet,
                ranges: bool = False) -> tuple[bytes, list]:
    """Compile ``root/main`` with ``data`` as data.json; return (pdf, [(first, last) page])."""
    import typst

    (root / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    try:
        compiler = typst.Compiler(str(root / main), root=str(root),
                                  font_paths=fonts.typst_dirs(font_set.paths, root / "_fonts"),
                                  ignore_system_fonts=True)
        pdf = compiler.compile(format="pdf", timestamp=0, pdf_tags=False)
        pages = _page_ranges(compiler, len(data["students"])) if ranges else []
    except typst.TypstError as e:
        raise _typst_error(e, main) from e
    return pdf, pages


def _page_ranges(compiler, n: int) -> list[tuple[int, int]]:
    """Each student's (first, last) page, 1-based, from the template's ``<qz-pages>``."""
    try:
        raw = json.loads(compiler.query("<qz-pages>", field="value", one=True, format="json"))
        return [(int(a), int(b)) for a, b in raw]
    except Exception:
        return []


def split_pdf(pdf: bytes, ranges: list[tuple[int, int]]) -> list[bytes]:
    """Cut one PDF into pieces by 1-based inclusive page ranges (deterministic bytes)."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    out = []
    for a, b in ranges:
        writer = PdfWriter()
        for k in range(a - 1, b):
            writer.add_page(reader.pages[k])
        info = reader.metadata or {}
        writer.add_metadata({k: v for k, v in info.items() if k in ("/Title", "/Creator")})
        buf = io.BytesIO()
        writer.write(buf)
        out.append(buf.getvalue())
    return out


def _font_set(quiz: Quiz, font_paths) -> fonts.FontSet:
    sample = json.dumps(quiz.to_dict(), ensure_ascii=False)
    return fonts.fonts_for(quiz.exam.lang, fonts.needs_cjk(sample), font_paths)


def _all_texts(quiz: Quiz, key: bool) -> list[str]:
    return [quiz.exam.instructions] + _paper_texts(quiz.papers, key)


def _typeset(quiz: Quiz, user_dir, duplex: bool, paper: str, font_set: fonts.FontSet,
             key: bool, on_papers) -> tuple:
    """Compile the print file (then ``on_papers`` runs on it) and the key, overlapped:
    Typst works outside the GIL, so Python prepares the key's data and cuts the papers
    while Typst typesets."""
    roots = [_template_root(user_dir) for _ in range(2 if key else 1)]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            data = build_data(quiz, key=False, duplex=duplex, paper=paper, font_set=font_set)
            papers = pool.submit(compile_pdf, roots[0], "paper.typ", data, font_set, True)
            key_job = None
            if key:
                key_data = build_data(quiz, key=True, paper=paper, font_set=font_set)
                key_job = pool.submit(compile_pdf, roots[1], "key.typ", key_data, font_set)
            try:
                done = on_papers(*papers.result())
            except BaseException:
                if key_job is not None:
                    key_job.cancel()
                raise
            return done, (key_job.result()[0] if key_job is not None else None)
    finally:
        for root in roots:
            shutil.rmtree(root, ignore_errors=True)


def files(quiz: Quiz, *, user_dir: str | Path | None = None, duplex: bool = False,
          font_paths=(), paper: str = "a4", key: bool = True) -> dict[str, bytes]:
    """``papers/<id>.pdf`` per student, ``papers-all.pdf`` (print file) and ``key.pdf``."""
    font_set = _font_set(quiz, font_paths)

    def cut(combined: bytes, ranges: list) -> dict[str, bytes]:
        if len(ranges) != len(quiz.papers):
            raise RenderError("the Typst template did not mark where each student's pages "
                              "start and end (labels qz-start-N / qz-end-N).",
                              path="typst/paper.typ",
                              hint="Keep the <qz-pages> metadata of the bundled paper.typ.")
        out = {COMBINED: combined}
        for p, piece in zip(quiz.papers, split_pdf(combined, ranges)):
            out[f"papers/{safe_name(p.student.student_id)}.pdf"] = piece
        return out

    try:
        out, key_pdf = _typeset(quiz, user_dir, duplex, paper, font_set, key, cut)
    except RenderError as e:
        # A formula Typst rejects? Find such formulas, show them as TeX source, retry once.
        if "qz-start" in str(e):
            raise
        spans = [m for text in _all_texts(quiz, key) for m in markup.math_spans(text)]
        if not texmath.check_typst(spans):
            raise
        markup.clear_caches()
        out, key_pdf = _typeset(quiz, user_dir, duplex, paper, font_set, key, cut)
    if key_pdf is not None:
        out[KEY] = key_pdf
    return out
