"""Markdown papers (one per student, no answers) and the instructor key."""
from __future__ import annotations

from pathlib import Path

from ..i18n import messages
from ..model import Quiz, StudentPaper
from .env import render


def student_paper(quiz: Quiz, paper: StudentPaper, *, user_dir: str | Path | None = None) -> str:
    """One student's paper: header, instructions, questions and answer lines; never answers."""
    return render("markdown/paper.md.j2", {"exam": quiz.exam, "paper": paper,
                                           "t": messages(quiz.exam.lang)}, user_dir=user_dir)


def instructor_key(quiz: Quiz, *, user_dir: str | Path | None = None) -> str:
    """Every student's answers, worked solutions, PyTorch snippets and misconceptions."""
    return render("markdown/key.md.j2", {"exam": quiz.exam, "papers": quiz.papers,
                                         "t": messages(quiz.exam.lang)}, user_dir=user_dir)


def safe_name(student_id: str) -> str:
    """A student id as a file name."""
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in student_id)


def files(quiz: Quiz, *, user_dir: str | Path | None = None) -> dict[str, str]:
    """``papers/<id>.md`` for every student and ``key.md``."""
    out = {f"papers/{safe_name(p.student.student_id)}.md": student_paper(quiz, p, user_dir=user_dir)
           for p in quiz.papers}
    out["key.md"] = instructor_key(quiz, user_dir=user_dir)
    return out
