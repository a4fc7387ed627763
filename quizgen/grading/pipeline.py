"""``grade``: key + submission CSVs -> every output file in one folder, atomically."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..errors import QuizgenError
from ..model import LANGS
from ..output import write_files
from . import feedback, gradebook, report
from .grader import Graded, grade_files
from .keyfile import load_key
from .scoring import Policy

MULTIPART_RULES = ("proportional", "all")


@dataclass(frozen=True)
class GradeResult:
    """What ``grade`` did: the graded class, the report numbers and the files written."""

    graded: Graded
    summary: report.Summary
    files: list[Path]
    out_dir: Path

    @property
    def issues(self):
        return self.graded.issues

    def describe(self) -> str:
        """A few lines for the terminal."""
        g, st = self.graded, self.summary.stats
        lines = [f"Graded {st.n} of {len(g.students)} students "
                 f"({len(g.students) - st.n} without a submission)."]
        if st.n:
            lines.append(f"Mean {st.mean:.2f} / {st.max_total:g}, median {st.median:.2f}, "
                         f"alpha {'–' if st.alpha is None else f'{st.alpha:.2f}'}.")
        lines.append(f"Rows: {g.rows_read} read = {g.rows_graded} graded + {g.rows_reported} "
                     "reported in issues.csv.")
        for f in g.files:
            cols = ", ".join(f"{k}={v!r}" for k, v in f.mapping.items())
            lines.append(f"Columns of {Path(f.path).name} ({f.layout}): {cols}")
        lines.append(f"Wrote {len(self.files)} files to {self.out_dir}/ "
                     "(grades.csv, report.html, feedback/, ...).")
        return "\n".join(lines)


class _LazyFiles(Mapping):
    """``{path: content}`` whose contents are made only when written (keeps memory flat)."""

    def __init__(self, makers: dict[str, Callable[[], str | bytes]]):
        self._makers = makers

    def __getitem__(self, key: str) -> str | bytes:
        return self._makers[key]()

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def _file_names(ids: list[str]) -> list[str]:
    """Safe, unique file stems for student ids."""
    out, seen = [], set()
    for sid in ids:
        stem = re.sub(r"[^\w.-]", "_", sid).lstrip(".") or "student"
        name, k = stem, 2
        while name.lower() in seen:
            name, k = f"{stem}-{k}", k + 1
        seen.add(name.lower())
        out.append(name)
    return out


def grade(key_path, csv_paths, out_dir, *, keep: str = "last", multipart: str = "proportional",
          choice_penalty: float = 0.0, column_map: dict[str, str] | None = None,
          encoding: str | None = None, lang: str | None = None,
          feedback_files: bool = True) -> GradeResult:
    """Grade submission CSVs against a key.json; write every output into ``out_dir``.

    ``keep``: which of several submissions of a student counts (last, first, best).
    ``multipart``: proportional or all-or-nothing credit for shapes, vectors, matrices.
    ``choice_penalty``: share of the points a wrong single choice loses (0-1).
    ``column_map``: role/question -> column header, for columns quizgen cannot guess.
    ``lang``: language of feedback and report (default: the key's).
    """
    if multipart not in MULTIPART_RULES:
        raise QuizgenError(f"unknown partial-credit rule '{multipart}'.", field="--partial",
                           hint="Choose proportional or all.")
    if not 0.0 <= choice_penalty <= 1.0:
        raise QuizgenError(f"the choice penalty must be between 0 and 1, not {choice_penalty}.",
                           field="--penalty")
    quiz = load_key(key_path)
    lang = lang or quiz.exam.lang or "en"
    if lang not in LANGS:
        raise QuizgenError(f"unknown language '{lang}'.", field="--lang",
                           hint="Choose " + " or ".join(LANGS) + ".")
    policy = Policy(multipart, choice_penalty)
    g = grade_files(quiz, [str(p) for p in csv_paths], keep=keep, policy=policy,
                    column_map=column_map, encoding=encoding)
    summary = report.summarize(g)
    png = report.histogram_png(summary.percents, lang)
    exam = quiz.exam
    makers: dict[str, Callable[[], str | bytes]] = {
        "grades.csv": lambda: gradebook.grades_csv(g),
        "moodle-grades.csv": lambda: gradebook.moodle_csv(g),
        "canvas-grades.csv": lambda: gradebook.canvas_csv(g),
        "issues.csv": lambda: gradebook.issues_csv(g.issues),
        "column-mapping.yaml": lambda: gradebook.mapping_yaml(g),
        report.HISTOGRAM: lambda: png,
        "report.md": lambda: report.markdown(g, summary, lang),
        "report.html": lambda: report.html(g, summary, png, lang),
    }
    if feedback_files:
        names = _file_names([s.student_id for s in g.students])
        for stem, s in zip(names, g.students):
            makers[f"feedback/{stem}.md"] = lambda s=s: feedback.markdown(s, exam, policy, lang)
            makers[f"feedback/{stem}.html"] = lambda s=s: feedback.html(s, exam, policy, lang)
    out = Path(out_dir)
    for p in csv_paths:
        if out.resolve() == Path(p).resolve().parent and Path(p).name in makers:
            raise QuizgenError(f"--out {out} would overwrite the input {p}.", field="--out",
                               hint="Choose another output folder.")
    files = write_files(out, _LazyFiles(makers))
    return GradeResult(g, summary, files, out)
