"""Markdown papers (one per student, no answers) and the instructor key."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..i18n import messages
from ..model import ExamInfo, Quiz, StudentPaper
from .env import render


# Characters that start Markdown syntax anywhere in a line, for CommonMark, GitHub's and
# pandoc's Markdown (math, sub/superscript, attributes, citations, tables); a backslash
# before any ASCII punctuation shows it as it is in all of them.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#$|~^@])")
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")  # only an & that starts an entity is special
_MD_LIST_START = re.compile(r"^(\s*)([-+](?=\s|$)|=+(?=\s*$)|\d+(?=[.)](?:\s|$)))")  # "- x", "1. x"
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def _list_start(m: re.Match) -> str:
    mark = m.group(2)
    return m.group(1) + (mark + "\\" if mark[0].isdigit() else "\\" + mark)


def md_text(value) -> str:
    """Plain text (a roster name or id, an exam title) for a Markdown file: shown as it is.

    Line breaks become spaces (a name cannot end the line it is on), and every character that
    Markdown viewers read as syntax (HTML, emphasis, links, math, headings...) gets a
    backslash. Ordinary names stay readable in the file: ``Jean-Luc O'Brien``, ``AI & ML``.
    """
    text = _LINE_BREAKS.sub(" ", str(value))
    text = _MD_ENTITY.sub(r"\\&", _MD_SPECIAL.sub(r"\\\1", text))
    return _MD_LIST_START.sub(_list_start, text, count=1)


def student_paper(quiz: Quiz, paper: StudentPaper, *, user_dir: str | Path | None = None) -> str:
    """One student's paper: header, instructions, questions and answer lines; never answers."""
    return _paper(quiz.exam, paper, user_dir)


def _paper(exam: ExamInfo, paper: StudentPaper, user_dir: str | Path | None) -> str:
    return render("markdown/paper.md.j2", {"exam": exam, "paper": paper, "t": messages(exam.lang)},
                  user_dir=user_dir)


def instructor_key(quiz: Quiz, *, user_dir: str | Path | None = None) -> str:
    """Every student's answers, worked solutions, PyTorch snippets and misconceptions."""
    return render("markdown/key.md.j2", {"exam": quiz.exam, "papers": quiz.papers,
                                         "t": messages(quiz.exam.lang)}, user_dir=user_dir)


def safe_name(student_id: str) -> str:
    """A student id as a file name."""
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in student_id)


def files(quiz: Quiz, *, user_dir: str | Path | None = None) -> dict[str, str]:
    """``papers/<id>.md`` for every student and ``key.md``."""
    return assemble(quiz, [paper_parts(quiz.exam, p, user_dir=user_dir) for p in quiz.papers],
                    user_dir=user_dir)


# ``files`` in two steps, so that api.generate can render each paper's own text as soon as the
# paper is built (in the build worker processes, in parallel):
#     files(quiz) == assemble(quiz, [paper_parts(quiz.exam, p) for p in quiz.papers])

def paper_parts(exam: ExamInfo, paper: StudentPaper, *,
                user_dir: str | Path | None = None) -> tuple[str, str, str | None]:
    """``(paper file name, paper Markdown, this paper's section of key.md or None)``."""
    return (f"papers/{safe_name(paper.student.student_id)}.md", _paper(exam, paper, user_dir),
            None if user_dir else _key_section(exam, paper))


def assemble(quiz: Quiz, parts: list, *, user_dir: str | Path | None = None,
             joined: bool = True) -> dict[str, str | list[str]]:
    """The files from every paper's :func:`paper_parts`, in paper order.

    With ``joined=False`` key.md may be a list of strings to write one after the other
    (:func:`quizgen.output.write_files` takes that), which saves a copy of the whole key.
    """
    out = {name: text for name, text, _ in parts}
    sections = [section for _, _, section in parts]
    if user_dir or any(s is None for s in sections):
        out["key.md"] = instructor_key(quiz, user_dir=user_dir)
    else:
        pieces = [_key_head(quiz.exam), *sections]
        out["key.md"] = "".join(pieces) if joined else pieces
    return out


# The bundled key.md.j2 is a head followed by one section per paper, each depending on its
# own paper only, so key.md == head (the key of no papers) + every paper's section. A
# user's key template (--templates) may not be: it is always rendered whole.

@lru_cache(maxsize=8)
def _key_head(exam: ExamInfo) -> str:
    return instructor_key(Quiz(exam, ()))


def _key_section(exam: ExamInfo, paper: StudentPaper) -> str | None:
    head, text = _key_head(exam), instructor_key(Quiz(exam, (paper,)))
    return text[len(head):] if text.startswith(head) else None
