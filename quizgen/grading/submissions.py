"""Read submission CSVs (wide or long) into attempts, and report every row not used.

*Wide*: one row per submission, a student-id column and one column per question
(or per part: ``q3.1``, ``q3.2``). *Long*: one row per answer (student, question,
answer). Extra columns (name, email) are kept; unknown questions, rows without an id
and rows that do not fit the header become :class:`Issue` records with file and line.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SubmissionError
from .columns import (QUESTION_LIKE, SIMULATED_MARK, SlotMatcher, Target, canvas_columns,
                      role_of)
from .csvread import Row, read_rows
from .messages import Msg, msg, say
from .timestamps import column_order, reading

Answer = str | dict  # the cell text, or {part tuple: text} for an answer split over columns


@dataclass
class Attempt:
    """One submission of one student: a wide row, or a long file's rows with one timestamp."""

    student_id: str
    file: str
    lines: list[int]
    order: int
    timestamp: str = ""
    when: tuple | None = None
    name: str = ""
    email: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)
    when_other: tuple | None = None  # the other reading of an ambiguous date (3/4/2026)
    answer_lines: dict[str, int] | None = None  # long layout: the line of each slot's answer

    def line_of(self, slot: str) -> int:
        """The line that holds the answer to ``slot`` (the row's line in a wide file)."""
        if self.answer_lines and slot in self.answer_lines:
            return self.answer_lines[slot]
        return self.lines[0] if self.lines else 0


@dataclass(frozen=True)
class Issue:
    """A row (or column) that was not graded as is. ``rejected``: the row is not graded.

    ``message``: the detail not yet put into words (``issues.csv`` follows ``--lang``);
    ``detail`` is its English wording (given, or made from ``message``).
    """

    file: str
    line: int
    kind: str
    student_id: str = ""
    question: str = ""
    detail: str = ""
    rejected: bool = True
    message: Msg | None = None

    def __post_init__(self):
        if self.message is not None and not self.detail:
            object.__setattr__(self, "detail", say(self.message, "en"))

    def detail_in(self, lang: str) -> str:
        """The detail in ``lang``."""
        return say(self.message, lang) if self.message is not None else self.detail


@dataclass
class FileRead:
    """What one file gave: its layout, the column mapping used, attempts and issues."""

    path: str
    layout: str
    delimiter: str
    rows: int
    mapping: dict[str, str]
    attempts: list[Attempt]
    issues: list[Issue]
    header_line: int = 1
    empty_rows: int = 0  # of ``rows``: rows of only empty cells (each an ``empty-row`` issue)
    questions: frozenset[str] | None = None  # wide: the slots with a column (long: None)
    header: tuple[str, ...] = ()


class IdLookup:
    """Match ids as written (``S001``, `` s001 ``, ``1234`` for ``001234``) to the key's ids.

    Ids that are alike once leading zeros are dropped (``0109`` and ``00109``), or in
    another case (``s200`` and ``S200``), match only as written: :meth:`clash` names them
    for the message about such an id.
    """

    def __init__(self, ids):
        self.exact = {i: i for i in ids}
        self.loose: dict[str, str | None] = {}
        self.clashes: dict[str, list[str]] = {}
        for i in ids:
            k = self._loose(i)
            if k in self.loose and self.loose[k] != i:
                first = self.loose[k]
                self.clashes.setdefault(k, [first] if first is not None else []).append(i)
                self.loose[k] = None
            else:
                self.loose[k] = i

    @staticmethod
    def _loose(text: str) -> str:
        t = text.strip().lower()
        return t.lstrip("0") or "0" if t.isdigit() else t

    def find(self, text: str) -> str | None:
        hit = self.exact.get(text)
        return hit if hit is not None else self.loose.get(self._loose(text))

    def clash(self, text: str) -> list[str]:
        """The key's ids that ``text`` matches equally well (empty unless two or more)."""
        return self.clashes.get(self._loose(text), [])

    @staticmethod
    def zeros_lost(text: str, key_id: str) -> bool:
        """Whether ``text``, found as ``key_id``, differs from it in its leading zeros."""
        t = text.strip()
        return t != key_id and t.isdigit() and key_id.isdigit()

    @staticmethod
    def case_differs(text: str, key_id: str) -> bool:
        """Whether ``text``, found as ``key_id``, differs from it only in upper/lower case."""
        t, k = text.strip(), key_id.strip()
        return t != k and t.lower() == k.lower()


_SINGLE_ROLES = ("student_id", "timestamp", "name", "first_name", "last_name", "email",
                 "question", "answer")


def read_file(path: str | Path, matcher: SlotMatcher, ids: IdLookup,
              column_map: dict[str, str], encoding: str | None = None,
              order_start: int = 0) -> FileRead:
    """Read one submission CSV; SubmissionError when it cannot be read at all."""
    path = str(path)
    empty: list[int] = []
    rows, delimiter = read_rows(path, encoding, empty, lambda t: ids.find(t) is not None)
    header = [h.strip() for h in rows[0].cells]
    data = rows[1:]
    roles, targets, issues, known = _columns(path, header, rows[0].line, matcher, column_map)
    issues += [Issue(path, line, "empty-row", message=msg("issue_empty_row")) for line in empty]
    if targets:
        layout = "wide"
    elif "question" in roles and "answer" in roles:
        layout = "long"
    else:
        raise SubmissionError(
            "has no question columns: none of its headers names a question of the key "
            f"({', '.join(matcher.slots[:5])}...), and it has no question/answer columns.",
            path=path, line=rows[0].line,
            hint="Name the columns q1, q2, ... or map them: --map q1='Your column'.")
    if "student_id" not in roles:
        i = _guess_id_column(path, header, data, roles, targets, ids, rows[0].line)
        roles = {r: j for r, j in roles.items() if j != i}  # e.g. "Student" holding ids
        roles["student_id"] = i
    mapping = {role: _column_ref(header, i) for role, i in roles.items()}
    mapping.update({t.label(): _column_ref(header, i) for i, t in sorted(targets.items())})
    order = column_order([_cell(r.cells, roles["timestamp"]) for r in data]) \
        if "timestamp" in roles else None
    read = _read_wide if layout == "wide" else _read_long
    attempts = read(path, header, data, roles, targets, matcher, order, order_start, issues)
    issues += _unused_columns(path, rows[0].line, header, data, roles, set(targets) | known,
                              layout, issues)
    questions = frozenset(t.slot for t in targets.values()) if layout == "wide" else None
    return FileRead(path, layout, delimiter, len(data) + len(empty), mapping, attempts, issues,
                    rows[0].line, len(empty), questions, tuple(header))


def _unused_columns(path, line, header, data, roles, targets, layout, issues) -> list[Issue]:
    """An ``unused-column`` note for every column that is not read: not a question, not a
    role in use (a wide file reads no question/answer columns; a second column with a
    role's name is not that role's), and not already noted; a column without a header only
    when some cell of it has text."""
    read = {i for role, i in roles.items() if layout == "long" or role not in ("question", "answer")}
    read |= targets
    noted = {i.question for i in issues if i.kind in ("unknown-question", "ignored-column")}
    out = []
    for i, h in enumerate(header):
        if i in read or h in noted or h == SIMULATED_MARK:
            continue
        if not h:
            if any(_cell(r.cells, i) for r in data):
                out.append(Issue(path, line, "unused-column", question=f"#{i + 1}", rejected=False,
                                 message=msg("issue_unused_column_unnamed", col=i + 1)))
            continue
        role = role_of(h)
        if role in roles and roles[role] != i and (layout == "long" or role not in ("question", "answer")):
            why = msg("issue_unused_column_second", col=i + 1, header=h, role=_ROLE_WORDS[role],
                      other=roles[role] + 1)
        elif role in ("question", "answer") and layout == "wide":
            why = msg("issue_unused_column_wide", col=i + 1, header=h)
        else:
            why = msg("issue_unused_column", col=i + 1, header=h, quoted=shlex.quote(h))
        out.append(Issue(path, line, "unused-column", question=h, rejected=False, message=why))
    return out


_ROLE_WORDS = {"student_id": "a student-id", "timestamp": "a timestamp", "name": "a name",
               "first_name": "a first-name", "last_name": "a last-name", "email": "an e-mail",
               "question": "a question", "answer": "an answer"}


_COLUMN_NUMBER = re.compile(r"#\s*(\d{1,5})")


def _column_ref(header: list[str], i: int) -> str:
    """How ``--map`` names column ``i``: its header, or ``#n`` when that header repeats."""
    h = header[i]
    same = sum(1 for x in header if x.lower() == h.lower())
    return h if h and same == 1 else f"#{i + 1}"


def _find_column(path, header, line, key, column) -> int:
    """The index of the column ``--map key=column`` names: a header, or ``#n`` (1-based)."""
    hits = [i for i, h in enumerate(header) if h.lower() == column.lower()]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        numbers = ", ".join(f"#{i + 1}" for i in hits)
        raise SubmissionError(
            f"--map {key}='{column}' is ambiguous: columns {_and(hits)} are "
            f"{'both' if len(hits) == 2 else 'all'} named '{column}'.", path=path, line=line,
            hint=f"Name the column by its number instead: --map {key}=#{hits[0] + 1} "
                 f"(one of {numbers}; column 1 is the first).")
    m = _COLUMN_NUMBER.fullmatch(column)
    if m and 1 <= int(m.group(1)) <= len(header):
        return int(m.group(1)) - 1
    raise SubmissionError(f"has no column '{column}' (named in --map {key}=...).",
                          path=path, line=line,
                          hint="Its columns are: " + ", ".join(repr(h) for h in header)
                               + f"; a column can also be named by its number: #1 to "
                                 f"#{len(header)}.")


def _and(indices: list[int]) -> str:
    """``[2, 6]`` -> ``3 and 7`` (1-based column numbers)."""
    nums = [str(i + 1) for i in indices]
    return ", ".join(nums[:-1]) + " and " + nums[-1] if len(nums) > 1 else nums[0]


def _columns(path, header, line, matcher, column_map):
    """Roles and question targets of the header columns (``--map`` first), the issues
    found, and the columns known to hold no answers (a Canvas export's points columns)."""
    roles: dict[str, int] = {}
    targets: dict[int, Target] = {}
    issues: list[Issue] = []
    taken = set()
    canvas = canvas_columns(header)
    known: set[int] = set()
    if canvas:
        targets, issues, known = _canvas(path, header, line, matcher, column_map, canvas)
        taken = set(targets) | known
    for key, column in column_map.items():
        i = _find_column(path, header, line, key, column)
        if key in _SINGLE_ROLES:
            roles[key] = i
        else:
            t = matcher.match(key)
            if t is None:
                slots = matcher.slots
                raise SubmissionError(f"--map names '{key}', which is neither a column role "
                                      f"({', '.join(_SINGLE_ROLES)}) nor a question of the key "
                                      f"({', '.join(slots[:10])}{', ...' if len(slots) > 10 else ''}"
                                      "; a part of a split answer is q3.1, q3.2, ...).",
                                      path=path, field="--map")
            targets[i] = t
        taken.add(i)
    seen = {t: i for i, t in targets.items()}
    for i, h in enumerate(header):
        if i in taken or not h:
            continue
        role = role_of(h)
        t = matcher.match(h)
        if role and role != "student_id" and role not in roles and t is None:
            roles[role] = i  # the id column is chosen from the data, below
            continue
        if t is not None:
            if t in seen and seen[t] in taken:  # --map chose another column for it
                issues.append(Issue(path, line, "ignored-column", question=h, rejected=False,
                                    message=msg("issue_ignored_column", col=i + 1, header=h,
                                                label=t.label(), chosen=seen[t] + 1)))
                continue
            if t in seen:
                j = seen[t]
                first = header[j] if header[j].lower() != h.lower() else None
                raise SubmissionError(
                    f"columns {j + 1} and {i + 1} ('{header[j]}' and '{h}') both hold "
                    f"{t.label()}.", path=path, line=line,
                    hint=f"Choose the one to grade by its column number: "
                         f"--map {t.label()}=#{j + 1} or --map {t.label()}=#{i + 1}"
                         + (f" (or by its header: --map {t.label()}='{first}')" if first else "")
                         + "; or rename one of the headers in a copy of the file.")
            seen[t] = i
            targets[i] = t
        elif QUESTION_LIKE.match(h):
            issues.append(Issue(path, line, "unknown-question", question=h, rejected=False,
                                message=msg("issue_unknown_column", header=h)))
    return roles, targets, issues, known


def _short(header: str, width: int = 40) -> str:
    return header if len(header) <= width else header[:width - 3] + "..."


def _canvas(path, header, line, matcher, column_map, pairs):
    """A Canvas "Student Analysis" export (``101: <question text>`` answer columns, each
    followed by a column headed by its points, holding the points Canvas gave): the points
    columns are never answers; the answer columns, when ``--map`` names no question, are
    the key's questions in order if there are exactly as many (else SubmissionError)."""
    known = {p for _, p in pairs}
    issues = [Issue(path, line, "unused-column", question=header[p], rejected=False,
                    message=msg("issue_canvas_points", col=p + 1, header=header[p],
                                answer=a + 1)) for a, p in pairs]
    if any(k not in _SINGLE_ROLES for k in column_map):
        return {}, issues, known  # the user maps the answer columns
    answers = [a for a, _ in pairs]
    slots = matcher.slots
    if len(answers) != len(slots):
        example = " ".join(f"--map {s}=#{a + 1}" for s, a in zip(slots, answers))
        cols = "; ".join(f"#{a + 1} '{_short(header[a])}'" for a in answers[:8])
        raise SubmissionError(
            f"looks like a Canvas 'Student Analysis' export with {len(answers)} answer "
            f"column(s) ({cols}{'; ...' if len(answers) > 8 else ''}), but the key has "
            f"{len(slots)} question(s) ({', '.join(slots[:8])}{', ...' if len(slots) > 8 else ''}), "
            "so which column answers which question cannot be told (the column after each "
            "answer holds Canvas's points and is not read).", path=path, line=line,
            hint="Map every question of the key to its answer column by number, e.g. "
                 f"{example}{' ...' if len(slots) > len(answers) else ''} (column 1 is the first).")
    targets = {a: Target(s) for a, s in zip(answers, slots)}
    issues.append(Issue(path, line, "columns-by-order", rejected=False, message=msg(
        "issue_canvas_order", n=len(slots),
        cols=", ".join(f"#{a + 1} '{_short(header[a], 30)}' = {s}" for a, s in zip(answers, slots)))))
    return targets, issues, known


def _guess_id_column(path, header, data, roles, targets, ids: IdLookup, line) -> int:
    """The column holding the most ids of the key; else one named like an id column."""
    used = {roles[r] for r in ("timestamp", "question", "answer") if r in roles} | set(targets)
    best, best_hits = None, 0
    sample = data[:2000]
    for i in range(len(header)):
        if i in used:
            continue
        hits = sum(1 for r in sample if ids.find(_cell(r.cells, i)) is not None)
        if hits > best_hits:
            best, best_hits = i, hits
    if best is not None:
        return best
    for i, h in enumerate(header):
        if i not in used and role_of(h) == "student_id":
            return i
    raise SubmissionError("has no student-id column: no column holds ids of the key and none is "
                          "named like one (student_id, ID, 학번, ...).", path=path, line=line,
                          hint="Name it with --map student_id='Your column'. Its columns are: "
                               + ", ".join(repr(h) for h in header))


def _cell(cells: list[str], i: int | None) -> str:
    return cells[i].strip() if i is not None and i < len(cells) else ""


def _fits(path: str, row: Row, width: int, issues: list[Issue], sid_col: int,
          question: str = "") -> bool:
    """False (and an issue naming the row's student) when a row has non-empty cells
    beyond the header: where the extra cells came from cannot be known, so no cell of
    the row can be trusted."""
    if len(row.cells) > width and any(c.strip() for c in row.cells[width:]):
        sid = _cell(row.cells, sid_col)
        why = msg("issue_row_too_long", cells=len(row.cells), width=width)
        if sid:
            why = Msg("concat", (("a", why), ("b", msg("issue_row_too_long_student", sid=sid))))
        issues.append(Issue(path, row.line, "unreadable", sid, question, message=why))
        return False
    return True


def _person(row: Row, roles: dict[str, int]) -> tuple[str, str]:
    name = _cell(row.cells, roles.get("name"))
    if not name and ("first_name" in roles or "last_name" in roles):
        name = " ".join(x for x in (_cell(row.cells, roles.get("first_name")),
                                    _cell(row.cells, roles.get("last_name"))) if x)
    return name, _cell(row.cells, roles.get("email"))


def _read_wide(path, header, data, roles, targets, matcher, ts_order, order, issues):
    attempts = []
    sid_col, ts_col = roles["student_id"], roles.get("timestamp")
    cols = sorted(targets.items())
    for row in data:
        if not _fits(path, row, len(header), issues, sid_col):
            continue
        sid = _cell(row.cells, sid_col)
        if not sid:
            issues.append(Issue(path, row.line, "no-student-id", message=msg("issue_no_id")))
            continue
        answers: dict[str, Answer] = {}
        cells = row.cells
        n = len(cells)
        for i, t in cols:
            text = cells[i] if i < n else ""
            if t.part:
                parts = answers.setdefault(t.slot, {})
                if isinstance(parts, dict):
                    parts[t.part] = text
            elif text.strip() or t.slot not in answers:
                answers[t.slot] = text
        ts = _cell(cells, ts_col)
        name, email = _person(row, roles)
        order += 1
        when = reading(ts, ts_order) if ts else None
        attempts.append(Attempt(sid, path, [row.line], order, ts, when and when.when, name,
                                email, answers, when and when.other))
    return attempts


def _read_long(path, header, data, roles, targets, matcher, ts_order, order, issues):
    groups: dict[tuple[str, str], Attempt] = {}
    where: dict[tuple[str, str, Target], int] = {}
    sid_col, ts_col = roles["student_id"], roles.get("timestamp")
    q_col, a_col = roles["question"], roles["answer"]
    for row in data:
        if not _fits(path, row, len(header), issues, sid_col, _cell(row.cells, q_col)):
            continue
        sid = _cell(row.cells, sid_col)
        question = _cell(row.cells, q_col)
        if not sid:
            issues.append(Issue(path, row.line, "no-student-id", question=question,
                                message=msg("issue_no_id")))
            continue
        t = matcher.match(question) if question else None
        if t is None:
            issues.append(Issue(path, row.line, "unknown-question", sid, question,
                                message=msg("issue_no_such_question", question=question)))
            continue
        ts = _cell(row.cells, ts_col)
        att = groups.get((sid, ts))
        if att is None:
            name, email = _person(row, roles)
            order += 1
            when = reading(ts, ts_order) if ts else None
            att = groups[(sid, ts)] = Attempt(sid, path, [], order, ts, when and when.when, name,
                                              email, when_other=when and when.other)
        earlier = where.get((sid, ts, t))
        if earlier is not None:
            att.lines.remove(earlier)
            issues.append(Issue(path, earlier, "duplicate-answer", sid, t.label(),
                                message=msg("issue_answered_again", line=row.line)))
        where[(sid, ts, t)] = row.line
        att.lines.append(row.line)
        text = row.cells[a_col] if a_col < len(row.cells) else ""
        if t.part:
            parts = att.answers.setdefault(t.slot, {})
            if isinstance(parts, dict):
                parts[t.part] = text
        else:
            att.answers[t.slot] = text
        if att.answer_lines is None:
            att.answer_lines = {}
        att.answer_lines[t.slot] = row.line
    return list(groups.values())


_SPLIT_MAP = re.compile(r"\s*,\s*(?=[^,=]+=)")
_MAP_FILE_HINT = ("Write one 'role: Column' per line, e.g. 'student_id: Matrikel' and "
                  "'q1: \"Answer 1\"'; quote a column name that holds ': ', '#', or starts "
                  "with '[', '{' or a quote; a column by its number: 'q1: \"#3\"'.")


def parse_map_option(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``--map`` values: ``role=Column`` pairs (repeatable or comma-separated) or a YAML file."""
    import yaml

    out: dict[str, str] = {}
    for v in values:
        if "=" not in v and Path(v).is_file():
            text = ""
            try:
                text = Path(v).read_text(encoding="utf-8-sig")
                data = yaml.safe_load(text)
            except OSError as e:
                raise SubmissionError(f"cannot read the column mapping: {e.strerror or e}.",
                                      path=v) from e
            except UnicodeDecodeError as e:
                raise SubmissionError("is not UTF-8 text, so it is not a column mapping.",
                                      path=v, field="--map") from e
            except yaml.YAMLError as e:
                mark = getattr(e, "problem_mark", None)
                if mark is None or mark.line >= len(text.rstrip().splitlines()):
                    mark = getattr(e, "context_mark", None) or mark  # the end: where it began
                problem = " ".join(str(getattr(e, "problem", None) or "").split())
                raise SubmissionError(
                    "is not a readable column mapping (YAML"
                    + (f": {problem}" if problem else "") + ").",
                    path=v, line=mark.line + 1 if mark is not None else None, field="--map",
                    hint=_MAP_FILE_HINT) from None
            if not isinstance(data, dict):
                raise SubmissionError("is not a column mapping: it should hold 'role: Column' "
                                      "lines.", path=v, field="--map", hint=_MAP_FILE_HINT)
            for k, c in data.items():  # flat, or the column-mapping.yaml that grade wrote
                pairs = (c.get("columns") or {}).items() if isinstance(c, dict) else [(k, c)]
                for role, col in pairs:
                    if col is None or isinstance(col, (dict, list)):
                        raise SubmissionError(
                            f"'{role}' has no column name (an empty value, or a '#...' that YAML "
                            "reads as a comment).",
                            path=v, field="--map", hint=_MAP_FILE_HINT)
                    out[str(role)] = str(col)
            continue
        for pair in _SPLIT_MAP.split(v.strip()):
            role, sep, column = pair.partition("=")
            if not sep or not role.strip() or not column.strip():
                raise SubmissionError(f"cannot read '{pair}' as role=Column.", field="--map",
                                      hint="Example: --map student_id='Matrikel' --map q1='A1'.")
            out[role.strip()] = column.strip().strip("'\"")
    return out
