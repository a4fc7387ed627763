"""Markdown papers (one per student, no answers) and the instructor key."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..i18n import messages
from ..model import ExamInfo, Quiz, StudentPaper
from .env import render


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
