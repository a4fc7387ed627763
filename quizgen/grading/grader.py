"""Key + submission files -> one result per student of the key, and every issue.

Every row read ends up either in the submission graded for its student or in an
:class:`Issue` (unknown student, unknown question, unreadable, superseded duplicate).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import QuizgenError
from ..model import Quiz, StudentPaper
from .columns import SlotMatcher, parse_map
from .scoring import Mark, Policy, missing, score
from .submissions import Attempt, FileRead, IdLookup, Issue, read_file

KEEP_RULES = ("last", "first", "best")
KEEP_TEXT = {"last": "the latest submission (by timestamp, then file order)",
             "first": "the earliest submission (by timestamp, then file order)",
             "best": "the submission with the highest total"}


@dataclass
class StudentResult:
    """The grading of one student of the key (``attempt`` is None when nothing came in)."""

    paper: StudentPaper
    marks: list[Mark]
    attempt: Attempt | None = None
    attempts: int = 0
    name: str = ""
    email: str = ""

    @property
    def student_id(self) -> str:
        return self.paper.student.student_id

    @cached_property
    def total(self) -> float:
        return round(sum(m.points for m in self.marks), 6)

    @cached_property
    def max_total(self) -> float:
        return float(sum(m.max_points for m in self.marks))

    @cached_property
    def percent(self) -> float:
        return 100.0 * self.total / self.max_total if self.max_total else 0.0

    @property
    def submitted(self) -> bool:
        return self.attempt is not None


@dataclass
class Graded:
    """Everything graded, before any file is written."""

    quiz: Quiz
    slots: list[str]
    students: list[StudentResult]
    files: list[FileRead]
    issues: list[Issue]
    keep: str
    policy: Policy
    notes: dict = field(default_factory=dict)  # (slot, misconception id) -> feedback text
    rows_read: int = 0
    rows_graded: int = 0

    @property
    def rows_reported(self) -> int:
        return sum(1 for i in self.issues if i.rejected)


def slot_order(quiz: Quiz) -> list[str]:
    """Slots of all papers in first-seen order."""
    seen: dict[str, None] = {}
    for p in quiz.papers:
        for q in p.questions:
            seen.setdefault(q.slot, None)
    return list(seen)


def mark_attempt(paper: StudentPaper, attempt: Attempt, policy: Policy) -> list[Mark]:
    return [score(q, attempt.answers.get(q.slot), policy) for q in paper.questions]


def grade_files(quiz: Quiz, csv_paths, *, keep: str = "last", policy: Policy = Policy(),
                column_map: dict[str, str] | None = None, encoding: str | None = None,
                notes: dict | None = None) -> Graded:
    """Read every file, match students, resolve duplicates by ``keep`` and score.

    ``quiz`` may hold light papers (:func:`~.light.light_paper`); then ``notes`` carries
    the misconception feedback texts the report quotes.
    """
    if keep not in KEEP_RULES:
        raise QuizgenError(f"unknown --keep rule '{keep}'.", field="--keep",
                           hint="Choose first, last or best.")
    if not csv_paths:
        raise QuizgenError("no submission files given.", hint="Name at least one CSV file.")
    slots = slot_order(quiz)
    matcher = SlotMatcher(slots)
    papers = {p.student.student_id: p for p in quiz.papers}
    ids = IdLookup(papers)
    files, issues = [], []
    order = 0
    for path in csv_paths:
        f = read_file(path, matcher, ids, parse_map(column_map), encoding, order)
        order += len(f.attempts)
        files.append(f)
        issues.extend(f.issues)
    by_student: dict[str, list[Attempt]] = {}
    for f in files:
        for att in f.attempts:
            kid = ids.find(att.student_id)
            if kid is None:
                issues.extend(Issue(att.file, line, "unknown-student", att.student_id,
                                    detail=f"'{att.student_id}' is not a student of the key")
                              for line in att.lines)
                continue
            by_student.setdefault(kid, []).append(att)
    students = []
    for paper in quiz.papers:
        atts = by_student.get(paper.student.student_id, [])
        students.append(_grade_student(paper, atts, keep, policy, issues))
    if notes is None:
        notes = {}
        for p in quiz.papers:
            for q in p.questions:
                for m in q.misconceptions:
                    notes.setdefault((q.slot, m.id), m.feedback)
    graded = Graded(quiz, slots, students, files, _sorted(issues, csv_paths), keep, policy,
                    notes)
    graded.rows_read = sum(f.rows for f in files)
    graded.rows_graded = sum(len(s.attempt.lines) for s in students if s.attempt)
    return graded


def _grade_student(paper: StudentPaper, atts: list[Attempt], keep: str, policy: Policy,
                   issues: list[Issue]) -> StudentResult:
    sid = paper.student.student_id
    if not atts:
        return StudentResult(paper, [missing(q) for q in paper.questions], name=paper.student.name,
                             email=paper.student.email)
    marks_of = {id(a): mark_attempt(paper, a, policy) for a in atts} if keep == "best" else {}
    chosen = _choose(atts, keep, marks_of)
    marks = marks_of.get(id(chosen)) or mark_attempt(paper, chosen, policy)
    for a in atts:
        if a is not chosen:
            issues.extend(Issue(a.file, line, "duplicate-submission", sid, detail=(
                f"{len(atts)} submissions; graded the one in {Path(chosen.file).name} line "
                f"{chosen.lines[0] if chosen.lines else '?'}, by the rule: {KEEP_TEXT[keep]}"))
                for line in a.lines)
    slots = {q.slot for q in paper.questions}
    for s, text in chosen.answers.items():
        given = text if isinstance(text, str) else "".join(text.values())
        if s not in slots and given.strip():
            issues.append(Issue(chosen.file, chosen.lines[0] if chosen.lines else 0,
                                "unknown-question", sid, s,
                                f"the paper of {sid} has no question {s}; not graded",
                                rejected=False))
    return StudentResult(paper, marks, chosen, len(atts),
                         paper.student.name or chosen.name, paper.student.email or chosen.email)


def _choose(atts: list[Attempt], keep: str, marks_of: dict) -> Attempt:
    def when(a: Attempt):
        return (a.when or (), a.order)
    if keep == "first":
        return min(atts, key=when)
    if keep == "best":
        return max(atts, key=lambda a: (sum(m.points for m in marks_of[id(a)]), when(a)))
    return max(atts, key=when)


def _sorted(issues: list[Issue], paths) -> list[Issue]:
    rank = {str(p): i for i, p in enumerate(paths)}
    return sorted(issues, key=lambda i: (rank.get(i.file, len(rank)), i.line, i.kind,
                                         i.student_id, i.question))

