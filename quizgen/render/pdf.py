"""Typeset PDFs with Typst: per-student papers, one combined print file, the instructor key.

The Typst programs live in ``templates/typst/`` (a user's ``--templates DIR/typst/`` files
replace the bundled ones file by file). quizgen writes the data they read into
``data.json`` beside them: plain strings for names and ids, and Typst markup converted
from the question texts by :mod:`quizgen.render.markup` (all text escaped). The papers
data never holds answers, solutions or misconceptions.

Speed: a class is typeset in few Typst compiles (one per part of up to
:data:`PART_STUDENTS` students); each student's PDF is then cut out of its part by page
range with pypdf. Typst reports the ranges itself: the template labels each student's
first and last page, and :func:`_page_ranges` reads them.

Memory: Typst keeps what it laid out until its process ends (about 13 MB per student of
the key), so a large class is typeset part by part in short-lived processes, two
at a time, and the parts are joined with pypdf (:func:`join_pdfs`). A class that fits in
one part is typeset in this process, papers and key side by side in two threads.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
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
PART_STUDENTS = 25  # students per Typst compile: bounds its memory (key: ~0.5 GB per part)


# ---------------------------------------------------------------- data for the templates

_MATRIX = re.compile(r"\\begin\{[pbvBV]?matrix\}(.*?)\\end\{[pbvBV]?matrix\}", re.S)
_DISPLAY = re.compile(r"\$\$(.*?)\$\$", re.S)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n(.*?)^ {0,3}\1[ \t]*$", re.S | re.M)
_INLINE_MATH = re.compile(r"\$([^$]+)\$")
_PAGE_LINES = 56  # a question estimated taller than this may break (a page holds ~65: 10-12 pt a line)


def _width(line: str) -> int:
    """Width of a line of text in Latin characters (a Hangul or CJK character is two)."""
    if line.isascii():
        return len(line)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def _math_lines(tex: str) -> float:
    """Height of one formula in lines: its tallest matrix, its own lines, a fraction."""
    rows = [m.group(1).count("\\\\") + 1 for m in _MATRIX.finditer(tex)]
    own = _MATRIX.sub("", tex).count("\\\\") + 1  # aligned lines outside matrices
    tall = 1.3 if ("\\frac" in tex or "\\sum" in tex) else 1.0
    return max(1.25 * max(rows) + 0.4 if rows else 0.0, own * tall)


def _text_lines(text: str) -> float:
    """A rough height of Markdown+TeX ``text`` in lines of the paper.

    Display formulas count as tall as their tallest matrix (never by the length of their
    TeX source), code blocks by their lines, prose by its length (TeX inline math at
    about half its source length), each block with the space after it.
    """
    lines = 0.0

    def code(m: re.Match) -> str:
        nonlocal lines
        lines += m.group(2).count("\n") + 1.2
        return "\n\n"

    def display(m: re.Match) -> str:
        nonlocal lines
        lines += _math_lines(m.group(1)) + 0.9
        return "\n\n"

    rest = _DISPLAY.sub(display, _FENCE.sub(code, text or ""))
    for para in re.split(r"\n\s*\n", rest):
        if not para.strip():
            continue
        tall = max([_math_lines(m.group(1)) for m in _INLINE_MATH.finditer(para)
                    if "\\begin" in m.group(1)] or [1.0])
        prose = _INLINE_MATH.sub(lambda m: "x" * (len(_MATRIX.sub("", m.group(1))) // 2), para)
        wrapped = sum(max(1, -(-_width(line) // _LINE_CHARS)) for line in prose.split("\n")
                      if line.strip())
        lines += wrapped + tall - 1 + 0.6
    return lines


def _breakable(q: Question) -> bool:
    """Keep a question on one page unless it may be too long for one (a rough line count)."""
    kind = common.answer_layout(q)["kind"]
    answer = {"area": 10.0, "line": 2.6}.get(kind, 2.0)  # a 5 cm area: about 8.5 lines
    lines = 3.0 + answer + len(q.options or ()) * 1.6 + _text_lines(q.prompt)
    return lines > _PAGE_LINES


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


_NEGATIVE = re.compile(r"(?<![\w.])-(?=\.?\d)")  # a minus sign, not a hyphen in a word


def _answer_markup(q: Question, value) -> str:
    """An answer or a misconception value for the key, as Typst markup.

    Negative numbers get a true minus (U+2212), as the matrices typeset as math have.
    """
    if q.answer_type == "matrix" and isinstance(value, list) and value \
            and all(isinstance(r, list) for r in value):
        rows = "; ".join(", ".join(answers.format_answer("real", x, q.decimals) for x in row)
                         for row in value)
        return f'$#math.display($mat(delim: "[", {rows})$)$'
    return markup.typst_text(_NEGATIVE.sub("\u2212", common.format_value(q, value)))


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
    _write_data(root, data)
    return compile_root(root, main, font_set.paths, ranges)


def _write_data(root: Path, data: dict) -> None:
    (root / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def compile_root(root: Path, main: str, font_paths, ranges: bool = False) -> tuple[bytes, list]:
    """Compile ``root/main`` with the data.json already in ``root``."""
    import typst

    try:
        compiler = typst.Compiler(str(root / main), root=str(root),
                                  font_paths=fonts.typst_dirs(font_paths, root / "_fonts"),
                                  ignore_system_fonts=True)
        pdf = compiler.compile(format="pdf", timestamp=0, pdf_tags=False)
        pages = _page_ranges(compiler) if ranges else []
    except typst.TypstError as e:
        raise _typst_error(e, main) from e
    return pdf, pages


def _page_ranges(compiler) -> list[tuple[int, int]]:
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


def _parts(data: dict) -> list[dict]:
    """``data`` split into data.json files of at most :data:`PART_STUDENTS` students."""
    students = data["students"]
    if len(students) <= PART_STUDENTS:
        return [data]
    return [{**data, "students": students[a:a + PART_STUDENTS]}
            for a in range(0, len(students), PART_STUDENTS)]


def _cut(pdf: bytes, ranges: list, n: int) -> list[bytes]:
    if len(ranges) != n:
        raise RenderError("the Typst template did not mark where each student's pages "
                          "start and end (labels qz-start-N / qz-end-N).",
                          path="typst/paper.typ",
                          hint="Keep the <qz-pages> metadata of the bundled paper.typ.")
    return split_pdf(pdf, ranges)


def _typeset_part(user_dir, main: str, data: dict, font_set: fonts.FontSet,
                  cut: bool) -> tuple[bytes, list[bytes]]:
    """One part, here: (its PDF, each student's pages when ``cut``)."""
    root = _template_root(user_dir)
    try:
        pdf, ranges = compile_pdf(root, main, data, font_set, ranges=cut)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return pdf, (_cut(pdf, ranges, len(data["students"])) if cut else [])


def _typeset_part_apart(user_dir, main: str, data: dict, font_set: fonts.FontSet,
                        cut: bool) -> tuple[bytes, list[bytes]]:
    """:func:`_typeset_part` in a fresh Python process (``python -m quizgen.render.pdf_part``),
    which gives Typst's memory back to the system when it ends."""
    root = _template_root(user_dir)
    try:
        _write_data(root, data)
        (root / "job.json").write_text(json.dumps({"main": main, "cut": cut, "n": len(data["students"]),
                                                   "font_paths": list(font_set.paths)}), encoding="utf-8")
        env = dict(os.environ)
        here = str(Path(__file__).resolve().parents[2])  # the folder holding the quizgen package
        env["PYTHONPATH"] = os.pathsep.join(x for x in (here, env.get("PYTHONPATH")) if x)
        run = subprocess.run([sys.executable, "-m", "quizgen.render.pdf_part", str(root)], check=False,
                             capture_output=True, env=env)
        error = root / "error.json"
        if error.is_file():
            e = json.loads(error.read_text(encoding="utf-8"))
            raise RenderError(e["message"], path=e.get("path"), hint=e.get("hint"))
        if run.returncode != 0 or not (root / "part.pdf").is_file():
            tail = run.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RenderError(f"the Typst process for {main} stopped (exit code {run.returncode}): "
                              + " ".join(tail), path=main,
                              hint="Typeset a smaller class, or report this with the message.")
        pdf = (root / "part.pdf").read_bytes()
        pieces = [(root / f"student-{k}.pdf").read_bytes() for k in range(len(data["students"]))] if cut else []
        return pdf, pieces
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_part(root: Path) -> int:
    """The child's side of :func:`_typeset_part_apart`: typeset ``root``, write the results."""
    job = json.loads((root / "job.json").read_text(encoding="utf-8"))
    try:
        pdf, ranges = compile_root(root, job["main"], job["font_paths"], job["cut"])
        pieces = _cut(pdf, ranges, job["n"]) if job["cut"] else []
    except RenderError as e:
        (root / "error.json").write_text(json.dumps({"message": e.message, "path": e.path, "hint": e.hint}),
                                         encoding="utf-8")
        return 3
    for k, piece in enumerate(pieces):
        (root / f"student-{k}.pdf").write_bytes(piece)
    (root / "part.pdf").write_bytes(pdf)
    return 0


class PdfJoiner:
    """Joins PDFs in the order they are added, with their bookmarks (deterministic bytes).

    Parts can be added as they are typeset, so only the last one is left to join at the
    end. With ``duplex`` a blank page goes before a part that would otherwise start on an
    even page, so every student still starts on an odd page of the print file. A single
    part comes back unchanged.
    """

    def __init__(self, duplex: bool = False):
        self.duplex = duplex
        self._first: bytes | None = None
        self._writer = None
        self._info: dict = {}

    def add(self, piece: bytes) -> None:
        if self._first is None:
            self._first = piece
            return
        if self._writer is None:
            from pypdf import PdfWriter
            self._writer = PdfWriter()
            self._append(self._first, first=True)
        self._append(piece)

    def _append(self, piece: bytes, first: bool = False) -> None:
        from pypdf import PdfReader
        reader = PdfReader(io.BytesIO(piece))
        if first:
            self._info = dict(reader.metadata or {})
        writer = self._writer
        if self.duplex and len(writer.pages) % 2:
            box = writer.pages[-1].mediabox
            writer.add_blank_page(width=box.width, height=box.height)
        writer.append(reader, import_outline=True)

    def result(self) -> bytes:
        if self._writer is None:
            if self._first is None:
                raise ValueError("no PDF to join")
            return self._first
        self._writer.add_metadata({k: v for k, v in self._info.items() if k in ("/Title", "/Creator")})
        buf = io.BytesIO()
        self._writer.write(buf)
        return buf.getvalue()


def join_pdfs(pieces: list[bytes], duplex: bool = False) -> bytes:
    """``pieces`` as one PDF (see :class:`PdfJoiner`)."""
    joiner = PdfJoiner(duplex)
    for piece in pieces:
        joiner.add(piece)
    return joiner.result()


def _typeset(quiz: Quiz, user_dir, duplex: bool, paper: str, font_set: fonts.FontSet,
             key: bool) -> tuple[bytes, list[bytes], bytes | None]:
    """(print file, each student's PDF, key PDF or None).

    The papers' parts start first; the key's data is prepared while they are typeset.
    Each student's PDF is cut out of its part where the part is typeset.
    """
    paper_parts = _parts(build_data(quiz, key=False, duplex=duplex, paper=paper, font_set=font_set))
    # One part each (a class of up to PART_STUDENTS): typeset here, papers and key side by
    # side (Typst works outside the GIL). More: each part in its own short-lived process,
    # two at a time, so Typst's memory goes back to the system after every part.
    part = _typeset_part if len(paper_parts) == 1 else _typeset_part_apart
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        papers = [pool.submit(part, user_dir, "paper.typ", one, font_set, True) for one in paper_parts]
        keys = []
        if key:
            key_data = build_data(quiz, key=True, paper=paper, font_set=font_set)
            keys = [pool.submit(part, user_dir, "key.typ", one, font_set, False)
                    for one in _parts(key_data)]
            del key_data
        # Join the parts as they come (in order), while the later parts are typeset.
        combined, per_student = PdfJoiner(duplex), []
        for f in papers:
            part_pdf, pieces = f.result()
            combined.add(part_pdf)
            per_student.extend(pieces)
        combined_pdf = combined.result()
        key_pdf = None
        if key:
            joined = PdfJoiner()
            for f in keys:
                joined.add(f.result()[0])
            key_pdf = joined.result()
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return combined_pdf, per_student, key_pdf


def files(quiz: Quiz, *, user_dir: str | Path | None = None, duplex: bool = False,
          font_paths=(), paper: str = "a4", key: bool = True) -> dict[str, bytes]:
    """``papers/<id>.pdf`` per student, ``papers-all.pdf`` (print file) and ``key.pdf``."""
    font_set = _font_set(quiz, font_paths)
    try:
        combined, pieces, key_pdf = _typeset(quiz, user_dir, duplex, paper, font_set, key)
    except RenderError as e:
        # A formula Typst rejects? Find such formulas, show them as TeX source, retry once.
        if "qz-start" in str(e):
            raise
        spans = [m for text in _all_texts(quiz, key) for m in markup.math_spans(text)]
        if not texmath.check_typst(spans):
            raise
        markup.clear_caches()
        combined, pieces, key_pdf = _typeset(quiz, user_dir, duplex, paper, font_set, key)
    out = {COMBINED: combined}
    for p, piece in zip(quiz.papers, pieces):
        out[f"papers/{safe_name(p.student.student_id)}.pdf"] = piece
    if key_pdf is not None:
        out[KEY] = key_pdf
    return out
