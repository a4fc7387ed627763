"""Key + submission files -> one result per student of the key, and every issue.

Every row read ends up either in the submission graded for its student or in an
:class:`Issue` (unknown student, unknown question, unreadable, superseded duplicate).
A student of the key whose only rows are unreadable is "unreadable", not "missing".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import QuizgenError, SubmissionError
from ..model import Quiz, StudentPaper
from .columns import SlotMatcher, parse_map
from .light import KeyNotes
from .messages import Msg, msg
from .scoring import Mark, Policy, fmt_points, missing, score, scored_text
from .submissions import Attempt, FileRead, IdLookup, Issue, read_file

KEEP_RULES = ("last", "first", "best")


@dataclass
class StudentResult:
    """The grading of one student of the key (``attempt`` is None when nothing came in)."""

    paper: StudentPaper
    marks: list[Mark]
    attempt: Attempt | None = None
    attempts: int = 0
    name: str = ""
    email: str = ""
    unreadable: tuple[Issue, ...] = ()  # rows of theirs that could not be read (none graded)

    @property
    def student_id(self) -> str:
        return self.paper.student.student_id

    @property
    def status(self) -> str:
        """graded; unreadable (rows came in, none could be read: not graded); missing."""
        if self.attempt is not None:
            return "graded"
        return "unreadable" if self.unreadable else "missing"

    @cached_property
    def total(self) -> float:
        """The exam total: the sum of the question points, never below 0 (a negatively
        marked wrong choice can take points from other questions, not the total below 0,
        as in Moodle)."""
        return max(0.0, round(sum(m.points for m in self.marks), 6))

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
    # (slot, title, misconception id) -> its feedback texts (a KeyNotes: also the slots'
    # templates)
    notes: dict = field(default_factory=dict)
    rows_read: int = 0
    rows_graded: int = 0

    @property
    def rows_reported(self) -> int:
        """Rows not graded (each is in issues.csv)."""
        return sum(1 for i in self.issues if i.rejected)

    @property
    def notes_reported(self) -> int:
        """Entries of issues.csv about graded rows, columns or files."""
        return sum(1 for i in self.issues if not i.rejected)


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
                notes: dict | None = None, allow_missing=()) -> Graded:
    """Read every file, match students, resolve duplicates by ``keep`` and score.

    ``quiz`` may hold light papers (:func:`~.light.light_paper`); then ``notes`` (a
    :class:`~.light.KeyNotes`) carries the misconception feedback texts and the templates
    of each slot that the report quotes. ``allow_missing``: questions a wide file may
    lack a column for (scored as unanswered, with a ``missing-column`` note); any other
    question of the key without a column is a SubmissionError.
    """
    if keep not in KEEP_RULES:
        raise QuizgenError(f"unknown --keep rule '{keep}'.", field="--keep",
                           hint="Choose first, last or best.")
    if not csv_paths:
        raise QuizgenError("no submission files given.", hint="Name at least one CSV file.")
    slots = slot_order(quiz)
    allowed = _allowed_missing(allow_missing, slots)
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
    _check_rows(files, issues)
    _check_columns(files, quiz, slots, ids, allowed, issues)
    unreadable: dict[str, list[Issue]] = {}
    for i in issues:
        kid = ids.find(i.student_id) if i.kind == "unreadable" and i.student_id else None
        if kid is not None:
            unreadable.setdefault(kid, []).append(i)
    by_student: dict[str, list[Attempt]] = {}
    for f in files:
        for att in f.attempts:
            sid = att.student_id
            kid = ids.find(sid)
            if kid is None:
                clash = ids.clash(sid)
                why = (msg("issue_ambiguous_id" if all(c.isdigit() for c in clash)
                           else "issue_ambiguous_id_case", sid=sid, ids=", ".join(clash))
                       if clash else msg("issue_unknown_student", sid=sid))
                issues.extend(Issue(att.file, line, "unknown-student", sid, message=why)
                              for line in att.lines)
                continue
            if kid != sid:  # found, but not as written: say which key id, for the TA
                how = ("issue_id_matched" if ids.zeros_lost(sid, kid)
                       else "issue_id_matched_case" if ids.case_differs(sid, kid) else None)
                if how is not None:
                    issues.append(Issue(att.file, att.lines[0] if att.lines else 0,
                                        "id-matched", sid, rejected=False,
                                        message=msg(how, sid=sid, kid=kid)))
            by_student.setdefault(kid, []).append(att)
    _check_some_match(files, quiz, by_student, unreadable, ids)
    students = []
    for paper in quiz.papers:
        sid = paper.student.student_id
        result = _grade_student(paper, by_student.get(sid, []), keep, policy, issues)
        result.unreadable = tuple(unreadable.get(sid, ()))
        students.append(result)
    if notes is None:
        notes = KeyNotes()
        for p in quiz.papers:
            for q in p.questions:
                title = q.title or q.slot
                notes.add_family(q.slot, title, getattr(q, "template", ""),
                                 getattr(q, "topic", ""))
                for m in q.misconceptions:
                    notes.add_feedback(q.slot, title, m.id, m.feedback)
    graded = Graded(quiz, slots, students, files, _sorted(issues, csv_paths), keep, policy,
                    notes)
    graded.rows_read = sum(f.rows for f in files)
    graded.rows_graded = sum(len(s.attempt.lines) for s in students if s.attempt)
    return graded


def _allowed_missing(names, slots: list[str]) -> set[str]:
    """The slots ``--allow-missing`` names (``q3``, ``q3,q4``); QuizgenError for others."""
    out = set()
    for name in names or ():
        for part in str(name).split(","):
            part = part.strip()
            if not part:
                continue
            slot = SlotMatcher(slots).match(part)
            if slot is None or slot.part:
                raise QuizgenError(f"'{part}' is not a question of the key.",
                                   field="--allow-missing",
                                   hint="Its questions are: " + ", ".join(slots) + ".")
            out.add(slot.slot)
    return out


def _check_columns(files: list[FileRead], quiz: Quiz, slots: list[str], ids: IdLookup,
                   allowed: set[str], issues: list[Issue]) -> None:
    """Every question on the papers of a wide file's students has a column in it: else a
    SubmissionError naming the questions and how to map them (a question without a column
    would be 0 for everyone), unless ``allowed`` (``--allow-missing``): then a note."""
    papers = {p.student.student_id: p for p in quiz.papers}
    titles: dict[str, str] = {}
    for p in quiz.papers:
        for q in p.questions:
            titles.setdefault(q.slot, getattr(q, "title", "") or "")
    for f in files:
        if f.questions is None:
            continue  # long: each row names its question
        on_papers: set[str] = set()
        for att in f.attempts:
            kid = ids.find(att.student_id)
            if kid is not None:
                on_papers.update(q.slot for q in papers[kid].questions)
        if not on_papers:
            continue  # no student of the key is graded from this file
        need = [s for s in slots if s in on_papers and s not in f.questions]
        lacking = [s for s in need if s not in allowed]
        if lacking:
            named = ", ".join(f"{s} ('{titles[s]}')" if titles.get(s) else s for s in lacking[:6])
            more = f" and {len(lacking) - 6} more" if len(lacking) > 6 else ""
            heads = ", ".join(f"#{i + 1} {h!r}" for i, h in enumerate(f.header[:20]))
            raise SubmissionError(
                f"has no column for {named}{more}, {'a question' if len(lacking) == 1 else 'questions'}"
                f" of the key, so every student in it would get 0 for "
                f"{'it' if len(lacking) == 1 else 'them'}; nothing was graded.",
                path=f.path, line=f.header_line,
                hint=f"Map {'it' if len(lacking) == 1 else 'each'} to its column: --map {lacking[0]}='Column header' (or by number, "
                     f"--map {lacking[0]}=#N; its columns are {heads}"
                     f"{', ...' if len(f.header) > 20 else ''}). To grade without "
                     f"{'it' if len(lacking) == 1 else 'them'} (scored as unanswered), pass "
                     f"--allow-missing {','.join(lacking)}.")
        for s in need:
            issues.append(Issue(f.path, f.header_line, "missing-column", question=s,
                                rejected=False, message=msg("issue_missing_column", slot=s)))


def _check_some_match(files: list[FileRead], quiz: Quiz, by_student: dict,
                      unreadable: dict, ids: IdLookup) -> None:
    """SubmissionError when submissions came in and none is from a student of the key
    (another exam's key, or the wrong id column): a gradebook of zeros helps nobody. An id
    that fits two of the key's (leading zeros lost) is the key's: its issue says so."""
    if by_student or unreadable:
        return
    sids = list(dict.fromkeys(a.student_id for f in files for a in f.attempts))
    if not sids or any(ids.clash(i) for i in sids):
        return
    names = ", ".join(Path(f.path).name for f in files if f.attempts)
    key_ids = [p.student.student_id for p in quiz.papers[:3]]
    exam = quiz.exam.id or quiz.exam.title or "?"
    raise SubmissionError(
        f"none of the {len(sids)} student id(s) in {names} ("
        + ", ".join(repr(i) for i in sids[:3]) + (", ..." if len(sids) > 3 else "")
        + f") is a student of the key (exam '{exam}', {len(quiz.papers)} students: "
        + ", ".join(repr(i) for i in key_ids) + (", ..." if len(quiz.papers) > 3 else "")
        + "): is this the right key for these submissions? Nothing was graded.",
        hint="Grade them with their exam's key.json; if the ids are in another column of "
             "the file, name it with --map student_id='Column'.")


def _check_rows(files: list[FileRead], issues: list[Issue]) -> None:
    """A file with a header and no rows: an error when no file has rows, else an issue."""
    empty = [f for f in files if f.rows == f.empty_rows]  # a header and no row with a cell
    if not empty:
        return
    if len(empty) == len(files):
        f = empty[0]
        others = (" (nor do " + ", ".join(Path(x.path).name for x in empty[1:]) + ")"
                  if len(empty) > 1 else "")
        what = (f"only a header and {f.empty_rows} row(s) of empty cells" if f.empty_rows
                else "only a header")
        raise SubmissionError(f"has no rows: {what}, no submissions{others}.",
                              path=f.path, line=f.header_line,
                              hint="Export the responses again (with their rows), or check that "
                                   "this is the right file.")
    for f in empty:
        issues.append(Issue(f.path, f.header_line, "no-rows", rejected=False,
                            message=msg("issue_no_rows")))


def _grade_student(paper: StudentPaper, atts: list[Attempt], keep: str, policy: Policy,
                   issues: list[Issue]) -> StudentResult:
    sid = paper.student.student_id
    if not atts:
        return StudentResult(paper, [missing(q) for q in paper.questions], name=paper.student.name,
                             email=paper.student.email)
    marks_of = {id(a): mark_attempt(paper, a, policy) for a in atts} if keep == "best" else {}
    doubt = _timestamp_doubt(atts, keep) if len(atts) > 1 else None
    chosen = _choose(atts, keep, marks_of, by_time=doubt is None)
    marks = marks_of.get(id(chosen)) or mark_attempt(paper, chosen, policy)
    where = _line_of(chosen)
    rule = (msg("rule_file_order", order=msg("order_" + keep), doubt=doubt) if doubt
            else msg("rule_by_rule", keep=msg("keeptext_" + keep)))
    for a in atts:
        if a is not chosen:
            why = msg("issue_duplicate", n=len(atts), where=where, rule=rule)
            issues.extend(Issue(a.file, line, "duplicate-submission", sid, message=why)
                          for line in a.lines)
    if doubt:
        issues.append(Issue(chosen.file, chosen.lines[0] if chosen.lines else 0,
                            "kept-by-file-order", sid, rejected=False, message=msg(
                                "issue_kept_by_file_order", n=len(atts),
                                order=msg("order_" + keep), doubt=doubt)))
    slots = {q.slot for q in paper.questions}
    for s, text in chosen.answers.items():
        given = text if isinstance(text, str) else "".join(text.values())
        if s not in slots and given.strip():
            issues.append(Issue(chosen.file, chosen.lines[0] if chosen.lines else 0,
                                "unknown-question", sid, s, rejected=False,
                                message=msg("issue_not_on_paper", sid=sid, slot=s)))
    for q, m in zip(paper.questions, marks):
        if m.unit:  # a word after the answer was left out: the TA may want to look
            issues.append(Issue(chosen.file, chosen.line_of(q.slot), "unit-ignored", sid,
                                q.slot, rejected=False, message=msg(
                                    "issue_unit_ignored", text=m.text, unit=m.unit,
                                    read=scored_text(m),
                                    points=fmt_points(m.points),
                                    max=fmt_points(m.max_points), ps=_plural(m.max_points))))
        elif m.status == "invalid":  # scored 0 with the reason: the TA may regrade by hand
            issues.append(Issue(chosen.file, chosen.line_of(q.slot), "unreadable-answer", sid,
                                q.slot, rejected=False, message=msg(
                                    "issue_unreadable_answer", text=_one_line(m.text),
                                    reason=m.reason._replace(arg=_one_line(m.reason.arg)),
                                    max=fmt_points(m.max_points), ps=_plural(m.max_points))))
    return StudentResult(paper, marks, chosen, len(atts),
                         paper.student.name or chosen.name, paper.student.email or chosen.email)


def _plural(points: float) -> str:
    """"s" after "point" unless the number is exactly one ("of 1 point", "of 2 points")."""
    return "" if points == 1 else "s"


def _one_line(text: str, width: int = 60) -> str:
    """A student's answer on one line of issues.csv (lines joined by " / ", cut at ``width``)."""
    shown = " / ".join(line.strip() for line in text.splitlines())
    return shown if len(shown) <= width else shown[:width - 3] + "..."


def _choose(atts: list[Attempt], keep: str, marks_of: dict, by_time: bool = True,
            other: bool = False) -> Attempt:
    """The attempt ``keep`` picks: by timestamp then file order (``by_time``), else by file
    order; ``other``: with the other reading of ambiguous dates."""
    def when(a: Attempt):
        if not by_time:
            return (a.order,)
        w = (a.when_other or a.when) if other else a.when
        return (w or (), a.order)
    if keep == "first":
        return min(atts, key=when)
    if keep == "best":
        return max(atts, key=lambda a: (sum(m.points for m in marks_of[id(a)]), when(a)))
    return max(atts, key=when)


def _timestamp_doubt(atts: list[Attempt], keep: str) -> Msg | None:
    """Why the timestamps of a student's submissions cannot order them (None if they can)."""
    if keep == "best":
        return None  # the total decides; timestamps only break ties
    stamped = [a for a in atts if a.timestamp]
    if not stamped:
        return None  # no timestamps at all: file order is the documented rule
    bad = [a for a in stamped if a.when is None]
    if bad:
        items = tuple(msg("doubt_stamp", ts=a.timestamp, where=_line_of(a)) for a in bad)
        return msg("doubt_unreadable_one" if len(bad) == 1 else "doubt_unreadable_many",
                   items=items)
    if len(stamped) < len(atts):
        a = next(a for a in atts if not a.timestamp)
        return msg("doubt_no_timestamp", where=_line_of(a))
    amb = [a for a in atts if a.when_other is not None]
    if amb and _choose(atts, keep, {}) is not _choose(atts, keep, {}, other=True):
        a = amb[0]
        (y, m, d), (y2, m2, d2) = a.when[:3], a.when_other[:3]
        return msg("doubt_ambiguous", ts=a.timestamp, where=_line_of(a),
                   month_first=f"{y}-{m:02d}-{d:02d}", day_first=f"{y2}-{m2:02d}-{d2:02d}")
    return None


def _line_of(a: Attempt) -> Msg:
    return msg("line_of", file=Path(a.file).name, line=a.lines[0] if a.lines else "?")


def _sorted(issues: list[Issue], paths) -> list[Issue]:
    rank = {str(p): i for i, p in enumerate(paths)}
    return sorted(issues, key=lambda i: (rank.get(i.file, len(rank)), i.line, i.kind,
                                         i.student_id, i.question))

