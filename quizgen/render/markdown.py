"""Markdown papers (one per student, no answers) and the instructor key."""
from __future__ import annotations

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
    out = {}
    for p in quiz.papers:
        out.update(paper_files(quiz.exam, p, user_dir=user_dir))
    out.update(shared_files(quiz, user_dir=user_dir))
    return out


# ``files`` split in two, so that api.generate can render each paper's own file as soon as
# the paper is built (in the build worker processes): files == every paper_files + shared_files.

def paper_files(exam: ExamInfo, paper: StudentPaper, *, user_dir: str | Path | None = None) -> dict[str, str]:
    """``{"papers/<id>.md": ...}`` for one paper."""
    return {f"papers/{safe_name(paper.student.student_id)}.md": _paper(exam, paper, user_dir)}


def shared_files(quiz: Quiz, *, user_dir: str | Path | None = None) -> dict[str, str]:
    """The files about the whole class: ``key.md``."""
    return {"key.md": instructor_key(quiz, user_dir=user_dir)}
