"""``grade``: key + submission CSVs -> every output file in one folder, atomically."""
from __future__ import annotations

import gc
import json
import re
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

from ..answers import clean_text
from ..errors import OutputError, QuizgenError
from ..model import LANGS, Quiz, StudentPaper
from ..output import write_files
from . import feedback, gradebook, report
from .grader import Graded, grade_files
from .keyfile import KeyReader
from . import keyindex
from .keyfast import NotFast, raw_students, light_papers as fast_light_papers
from .light import KeyNotes, light_paper
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
    removed: tuple[Path, ...] = ()  # files of an earlier grading in out_dir this run removed

    @property
    def issues(self):
        return self.graded.issues

    @property
    def warnings(self) -> list[str]:
        """Lines for stderr: what the instructor must look at beyond issues.csv."""
        out = [f"{Path(i.file).name} has no rows with answers (only a header, or rows of empty cells): "
               "no submission came from it."
               for i in self.graded.issues if i.kind == "no-rows"]
        out += [f"{Path(i.file).name} has no column for {i.question}: scored as unanswered (0) for "
                "its students (--allow-missing)." for i in self.graded.issues
                if i.kind == "missing-column"]
        out += [f"{Path(i.file).name}: {i.detail}." for i in self.graded.issues
                if i.kind == "columns-by-order"]
        wrong_key = self._unreadable_answers()
        if wrong_key:
            out.append(wrong_key)
        unread = [s.student_id for s in self.graded.students if s.status == "unreadable"]
        if unread:
            out.append(f"{len(unread)} student(s) not graded because their rows cannot be read "
                       f"({', '.join(unread[:5])}{', ...' if len(unread) > 5 else ''}): see "
                       "issues.csv.")
        return out

    def _unreadable_answers(self) -> str:
        """A warning when (nearly) every answer given cannot be read for its question's
        answer type: most likely the key of another exam with the same students. A dash
        (Moodle's "-" for a question not answered) is not an answer given: it is still an
        unreadable answer (0, in issues.csv), but a class that left most questions
        unanswered does not make the key look wrong."""
        given = [m for s in self.graded.students if s.attempt is not None for m in s.marks
                 if m.status != "blank" and clean_text(m.text) != "-"]  # (any dash, as typed)
        bad = [m for m in given if m.status == "invalid"]
        if len(given) < 3 or len(bad) < 0.6 * len(given):
            return ""
        m = bad[0]
        exam = self.graded.quiz.exam.id or self.graded.quiz.exam.title or "?"
        return (f"{len(bad)} of the {len(given)} answers given ({100 * len(bad) // len(given)} %) "
                f"cannot be read as their question's answer (e.g. {m.slot}: '{m.text[:30]}'): "
                f"is this the right key (exam '{exam}') for these submissions? Each is scored 0 "
                "and listed in issues.csv (unreadable-answer).")

    def describe(self) -> str:
        """A few lines for the terminal."""
        g, st = self.graded, self.summary.stats
        unread = sum(1 for s in g.students if s.status == "unreadable")
        lines = [f"Graded {st.n} of {len(g.students)} students "
                 f"({len(g.students) - st.n - unread} without a submission"
                 + (f", {unread} not graded: only unreadable rows" if unread else "") + ")."]
        if st.n:
            lines.append(f"Mean {st.mean:.2f} / {st.max_total:g}, median {st.median:.2f}, "
                         f"alpha {report.fmt_stat(st.alpha)}.")
        notes = g.notes_reported
        lines.append(f"Rows: {g.rows_read} read = {g.rows_graded} graded + {g.rows_reported} "
                     "not graded (each in issues.csv)."
                     + (f" issues.csv also has {notes} note(s) on graded rows, columns or files."
                        if notes else ""))
        if self.key_source:
            lines.append(f"Key: {self.key_source}.")
        for f in g.files:
            cols = ", ".join(f"{k}={v!r}" for k, v in f.mapping.items())
            lines.append(f"Columns of {Path(f.path).name} ({f.layout}): {cols}")
        lines.append(f"Wrote {len(self.files)} files to {self.out_dir}/ "
                     "(grades.csv, report.html, feedback/, ...).")
        if self.removed:
            lines.append(f"Removed {len(self.removed)} file(s) of the earlier grading in "
                         f"{self.out_dir}/ that this run does not write.")
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
        stored = keyindex.stored_format(index)
        if stored and stored.startswith("quizgen-key-index/") and stored != keyindex.INDEX_FORMAT:
            return (f"{key} itself ({index.name} was written by another quizgen version, "
                    f"'{stored}'; generate writes a current one)")
        return (f"{key} itself ({index.name} does not match it: the key was changed after "
                "generate wrote the index, or the index is damaged)")
    return f"{key} (no {index.name} beside it)"


def light_papers(reader: KeyReader) -> tuple[list[StudentPaper], KeyNotes]:
    """Every student of the key as a light paper, and what the report quotes of it.

    The typed fast reader when the key is laid out as generate writes it; otherwise (or
    when anything in it is unexpected) the general validating reader, which names the
    line or field of a real error.
    """
    notes = KeyNotes()
    try:
        return fast_light_papers(reader, notes), notes
    except NotFast:
        notes = KeyNotes()
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


MANIFEST = "grading.json"
MANIFEST_FORMAT = "quizgen-grading/1"


def _manifest(exam_id: str, sha: str, files) -> str:
    """What a grading folder holds: the key (exam id, SHA-256) and the files written."""
    return json.dumps({"format": MANIFEST_FORMAT, "exam": exam_id, "key_sha256": sha,
                       "files": sorted(files)}, ensure_ascii=False, indent=1) + "\n"


def _earlier(out: Path) -> tuple[dict | None, str]:
    """The manifest of an earlier grading in ``out`` (or None) and, when there is an earlier
    grading whose key cannot be told, why."""
    path = out / MANIFEST
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict) and isinstance(data.get("files"), list):
            return data, ""
        return None, f"its {MANIFEST} (which records the key graded) cannot be read"
    if (out / "grades.csv").exists():
        return None, (f"it holds grades.csv of an earlier grading without {MANIFEST}, so which "
                      "key it graded cannot be told")
    return None, ""


def check_out_dir(out: Path, targets, exam_id: str, sha: str, force: bool) -> list[str]:
    """Before anything is written: OutputError when a target cannot be written (a folder
    where a file goes, a file where a folder goes) or when ``out`` holds the grading of
    another exam's key (unless ``force``). Returns the earlier run's files this run will not
    write (to remove once the new files are in place)."""
    if out.exists() and not out.is_dir():
        raise OutputError("exists and is not a folder.", path=str(out), field="--out",
                          hint="Choose another output folder.")
    if not out.exists():
        return []
    folders: set[str] = set()
    for rel in targets:
        dest = out / rel
        if dest.is_dir():
            raise OutputError(f"'{rel}' is a folder where grade writes a file; nothing was "
                              "written.", path=str(out), field="--out",
                              hint="Move or remove that folder, or choose another --out folder.")
        parent = Path(rel).parent
        while str(parent) not in (".", "") and str(parent) not in folders:
            folders.add(str(parent))
            if (out / parent).exists() and not (out / parent).is_dir():
                raise OutputError(f"'{parent.as_posix()}' is a file where grade writes a "
                                  "folder; nothing was written.", path=str(out), field="--out",
                                  hint="Move or remove that file, or choose another --out folder.")
            parent = parent.parent
    old, unknown = _earlier(out)
    # The same exam's grading is replaced whole (a corrected key, late students added);
    # another exam's is kept unless --force, so that two exams never mix in one folder.
    if old is not None and old.get("exam") != exam_id:
        unknown = (f"it holds the grading of another exam ('{old.get('exam')}', key "
                   f"SHA-256 {str(old.get('key_sha256'))[:12]}...), not of this key's exam "
                   f"'{exam_id}'")
    if unknown and not force:
        raise OutputError(f"{unknown}; nothing was written.", path=str(out), field="--out",
                          hint="Choose another --out folder, or pass --force to replace that "
                               "grading (its feedback files that this run does not write are "
                               "removed).")
    new = set(targets)
    if old is not None:
        earlier = [str(f) for f in old["files"] if isinstance(f, str)]
    elif force:  # an earlier grading without a manifest: its feedback files
        fb = out / "feedback"
        earlier = ([f"feedback/{p.name}" for p in fb.iterdir() if p.suffix in (".md", ".html")]
                   if fb.is_dir() else [])
    else:
        earlier = []
    root = out.resolve()
    stale = []
    for rel in sorted(set(earlier) - new):
        dest = (out / rel).resolve()
        if root in dest.parents and dest.is_file():  # never outside --out
            stale.append(rel)
    return stale


def _remove(out: Path, stale: list[str]) -> tuple[Path, ...]:
    removed = []
    for rel in stale:
        try:
            (out / rel).unlink()
            removed.append(out / rel)
        except OSError:
            pass  # still listed by nobody: harmless, and the new manifest does not claim it
    return tuple(removed)


def grade(key_path, csv_paths, out_dir, *, keep: str = "last", multipart: str = "proportional",
          choice_penalty: float = 0.0, column_map: dict[str, str] | None = None,
          encoding: str | None = None, lang: str | None = None,
          feedback_files: bool = True, mathml: bool = True, force: bool = False,
          allow_missing=()) -> GradeResult:
    """Grade submission CSVs against a key.json; write every output into ``out_dir``.

    ``keep``: which of several submissions of a student counts (last, first, best).
    ``multipart``: proportional or all-or-nothing credit for shapes, vectors, matrices.
    ``choice_penalty``: share of the points a wrong single choice loses (0-1).
    ``column_map``: role/question -> column header, for columns quizgen cannot guess.
    ``lang``: language of feedback and report (default: the key's).
    ``mathml``: math in the HTML feedback as MathML (offline) instead of TeX for MathJax.
    ``force``: replace the grading of another key in ``out_dir`` (see :func:`check_out_dir`).
    ``allow_missing``: questions a wide CSV may lack a column for (scored as unanswered);
    without it such a CSV is an error.
    """
    if multipart not in MULTIPART_RULES:
        raise QuizgenError(f"unknown partial-credit rule '{multipart}'.", field="--partial",
                           hint="Choose proportional or all.")
    if not 0.0 <= choice_penalty <= 1.0:
        raise QuizgenError(f"the choice penalty must be between 0 and 1, not {choice_penalty}.",
                           field="--penalty")
    with _gc_paused():
        return _grade(key_path, csv_paths, out_dir, keep, Policy(multipart, choice_penalty),
                      column_map, encoding, lang, feedback_files, mathml, force, allow_missing)


def _grade(key_path, csv_paths, out_dir, keep, policy, column_map, encoding, lang,
           feedback_files, mathml, force, allow_missing=()) -> GradeResult:
    reader = KeyReader(key_path)
    lang = lang or reader.exam.lang or "en"
    if lang not in LANGS:
        raise QuizgenError(f"unknown language '{lang}'.", field="--lang",
                           hint="Choose " + " or ".join(LANGS) + ".")
    indexed = keyindex.load(key_path)
    digest = None if indexed is not None else keyindex.sha256_in_background(key_path)
    while True:
        if indexed is not None:
            papers, notes = indexed.papers, indexed.notes
        else:
            papers, notes = light_papers(reader)
        try:
            g = grade_files(Quiz(reader.exam, tuple(papers)), [str(p) for p in csv_paths],
                            keep=keep, policy=policy, column_map=column_map, encoding=encoding,
                            notes=notes, allow_missing=allow_missing)
        finally:
            trusted = indexed is not None and indexed.verify()  # also reaps the hashing process
        if indexed is None or trusted:
            break
        indexed = None  # the key was changed after generate wrote the index: grade from the key
        digest = keyindex.sha256_in_background(key_path)
    summary = report.summarize(g)
    png = report.histogram_png(summary.percents, lang)
    makers: dict[str, Callable[[], str | bytes]] = {
        "grades.csv": lambda: gradebook.grades_csv(g),
        "moodle-grades.csv": lambda: gradebook.moodle_csv(g, lang),
        "canvas-grades.csv": lambda: gradebook.canvas_csv(g),
        "issues.csv": lambda: gradebook.issues_csv(g.issues, lang),
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
    targets = [*pages, *makers, MANIFEST]
    for p in csv_paths:
        if out.resolve() == Path(p).resolve().parent and Path(p).name in targets:
            raise QuizgenError(f"--out {out} would overwrite the input {p}.", field="--out",
                               hint="Choose another output folder.")
    sha = (indexed.key_sha256 if indexed is not None else digest()) or ""
    exam_id = reader.exam.id or ""
    stale = check_out_dir(out, targets, exam_id, sha, force)
    makers[MANIFEST] = lambda: _manifest(exam_id, sha, targets)
    files = write_files(out, _Outputs(makers, pages, render))
    return GradeResult(g, summary, files, out, _key_source(key_path, indexed is not None),
                       _remove(out, stale))
