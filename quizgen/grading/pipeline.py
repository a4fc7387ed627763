"""``grade``: key + submission CSVs -> every output file in one folder, atomically."""
from __future__ import annotations

import gc
import re
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

from ..errors import QuizgenError
from ..model import LANGS, Quiz, StudentPaper
from ..output import write_files
from . import feedback, gradebook, report
from .grader import Graded, grade_files
from .keyfile import KeyReader
from . import keyindex
from .keyfast import NotFast, raw_students, light_papers as fast_light_papers
from .light import light_paper
from .scoring import Policy

MULTIPART_RULES = ("proportional", "all")


@dataclass(frozen=True)
class GradeResult:
    """What ``grade`` did: the graded class, the report numbers and the files written."""

    graded: Graded
    summary: report.Summary
    files: list[Path]
    out_dir: Path
    key_source: str = ""  # how the key was read (the grading index or key.json itself)

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
        if self.key_source:
            lines.append(f"Key: {self.key_source}.")
        for f in g.files:
            cols = ", ".join(f"{k}={v!r}" for k, v in f.mapping.items())
            lines.append(f"Columns of {Path(f.path).name} ({f.layout}): {cols}")
        lines.append(f"Wrote {len(self.files)} files to {self.out_dir}/ "
                     "(grades.csv, report.html, feedback/, ...).")
        return "\n".join(lines)


class _Outputs(Mapping):
    """``{path: content}`` for :func:`~quizgen.output.write_files`, made while it writes.

    The summary files are made on demand. Feedback needs each student's full questions,
    which only the key holds: ``items()`` streams the key a second time and renders each
    student's pages as its turn comes, so a large class never sits in memory at once.
    """

    def __init__(self, makers: dict[str, Callable[[], str | bytes]],
                 feedback: dict[str, tuple[int, str]], pages: Callable[[], Iterator[tuple]]):
        self._makers = makers
        self._feedback = feedback  # path -> (student index, "md" or "html")
        self._pages = pages        # yields (md, html) per student, in key order

    def __getitem__(self, key: str) -> str | bytes:
        if key in self._makers:
            return self._makers[key]()
        index, kind = self._feedback[key]  # random access: stream up to that student
        for k, pair in enumerate(self._pages()):
            if k == index:
                return pair[0] if kind == "md" else pair[1]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        yield from self._feedback
        yield from self._makers

    def __len__(self) -> int:
        return len(self._makers) + len(self._feedback)

    def items(self):  # type: ignore[override]
        if self._feedback:
            names = iter(self._feedback)
            for md, html in self._pages():
                yield next(names), md
                yield next(names), html
        for key, make in self._makers.items():
            yield key, make()


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


def _key_source(key_path, used_index: bool) -> str:
    key, index = Path(key_path).name, keyindex.index_path(key_path)
    if used_index:
        return f"{index.name}, checked against {key}"
    if index.exists():
        return (f"{key} itself ({index.name} does not match it: the key was changed after "
                "generate wrote the index, or the index is damaged)")
    return f"{key} (no {index.name} beside it)"


def light_papers(reader: KeyReader) -> tuple[list[StudentPaper], dict]:
    """Every student of the key as a light paper, and the misconception notes.

    The typed fast reader when the key is laid out as generate writes it; otherwise (or
    when anything in it is unexpected) the general validating reader, which names the
    line or field of a real error.
    """
    notes: dict = {}
    try:
        return fast_light_papers(reader, notes), notes
    except NotFast:
        notes = {}
        return [light_paper(st, notes) for st in reader.students()], notes


def full_students(reader: KeyReader) -> Iterator[dict]:
    """The key's student objects again, for feedback (already validated by the first pass)."""
    done = 0
    try:
        for st in raw_students(reader):
            yield st
            done += 1
        return
    except NotFast:
        pass
    for k, st in enumerate(reader.students(validate=False)):
        if k >= done:
            yield st


@contextmanager
def _gc_paused():
    """No cyclic garbage collection while a large key's objects are built: they hold no
    cycles, and repeated full collections over them cost more time than the grading."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def grade(key_path, csv_paths, out_dir, *, keep: str = "last", multipart: str = "proportional",
          choice_penalty: float = 0.0, column_map: dict[str, str] | None = None,
          encoding: str | None = None, lang: str | None = None,
          feedback_files: bool = True, mathml: bool = True) -> GradeResult:
    """Grade submission CSVs against a key.json; write every output into ``out_dir``.

    ``keep``: which of several submissions of a student counts (last, first, best).
    ``multipart``: proportional or all-or-nothing credit for shapes, vectors, matrices.
    ``choice_penalty``: share of the points a wrong single choice loses (0-1).
    ``column_map``: role/question -> column header, for columns quizgen cannot guess.
    ``lang``: language of feedback and report (default: the key's).
    ``mathml``: math in the HTML feedback as MathML (offline) instead of TeX for MathJax.
    """
    if multipart not in MULTIPART_RULES:
        raise QuizgenError(f"unknown partial-credit rule '{multipart}'.", field="--partial",
                           hint="Choose proportional or all.")
    if not 0.0 <= choice_penalty <= 1.0:
        raise QuizgenError(f"the choice penalty must be between 0 and 1, not {choice_penalty}.",
                           field="--penalty")
    with _gc_paused():
        return _grade(key_path, csv_paths, out_dir, keep, Policy(multipart, choice_penalty),
                      column_map, encoding, lang, feedback_files, mathml)


def _grade(key_path, csv_paths, out_dir, keep, policy, column_map, encoding, lang,
           feedback_files, mathml) -> GradeResult:
    reader = KeyReader(key_path)
    lang = lang or reader.exam.lang or "en"
    if lang not in LANGS:
        raise QuizgenError(f"unknown language '{lang}'.", field="--lang",
                           hint="Choose " + " or ".join(LANGS) + ".")
    indexed = keyindex.load(key_path)
    while True:
        if indexed is not None:
            papers, notes = indexed.papers, indexed.notes
        else:
            papers, notes = light_papers(reader)
        try:
            g = grade_files(Quiz(reader.exam, tuple(papers)), [str(p) for p in csv_paths],
                            keep=keep, policy=policy, column_map=column_map, encoding=encoding,
                            notes=notes)
        finally:
            trusted = indexed is not None and indexed.verify()  # also reaps the hashing process
        if indexed is None or trusted:
            break
        indexed = None  # the key was changed after generate wrote the index: grade from the key
    summary = report.summarize(g)
    png = report.histogram_png(summary.percents, lang)
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
    pages: dict[str, tuple[int, str]] = {}
    if feedback_files:
        for k, stem in enumerate(_file_names([s.student_id for s in g.students])):
            pages[f"feedback/{stem}.md"] = (k, "md")
            pages[f"feedback/{stem}.html"] = (k, "html")

    def render() -> Iterator[tuple[str, str]]:
        for st, result in zip(full_students(reader), g.students):
            full = replace(result, paper=StudentPaper.from_dict(st))
            yield (feedback.markdown(full, reader.exam, policy, lang),
                   feedback.html(full, reader.exam, policy, lang, mathml))

    out = Path(out_dir)
    for p in csv_paths:
        if out.resolve() == Path(p).resolve().parent and Path(p).name in makers:
            raise QuizgenError(f"--out {out} would overwrite the input {p}.", field="--out",
                               hint="Choose another output folder.")
    files = write_files(out, _Outputs(makers, pages, render))
    return GradeResult(g, summary, files, out, _key_source(key_path, indexed is not None))
