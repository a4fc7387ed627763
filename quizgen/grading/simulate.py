"""A synthetic class for demos, tests and benchmarks: ``simulate(key.json) -> CSV``.

Each student has an ability, each question a difficulty; the chance of a right answer
follows a logistic curve. A wrong answer is a known misconception, a typo-like value,
garbage or a blank. Answers are written with the messy spellings real classes use
(``16 × 50 × 50``, ``0,25``, ``(b)``, ``a c``...). Same key and seed, same file.

The fifth column is headed :data:`MARK`, its cells empty: grading ignores it like any
extra column, and it tells a later ``simulate`` that the file is a simulated class it may
replace, not real submissions (:func:`~quizgen.output.refuse_to_overwrite` looks for it in
the first 4 KB, so it comes before the question columns).
"""
from __future__ import annotations

import csv
import io
import math
import os
import random
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..answers import format_answer, letters
from ..errors import OutputError, QuizgenError
from ..model import Question
from . import keyindex
from .columns import SIMULATED_MARK
from .keyfile import KeyReader
from .pipeline import light_papers

GARBAGE = ("idk", "?", "1..2", "see paper", "N/A", "#REF!", "=1+1", "-", "16x", "too hard")
WRONG_KINDS = (("misconception", 0.45), ("typo", 0.30), ("blank", 0.17), ("garbage", 0.08))
LAYOUTS = ("wide", "long")
# Header of the fifth column of every simulated file: a visible mark that quizgen wrote it.
# Not a column role nor a question to the grader (see grading/columns.py), so it is ignored.
MARK = SIMULATED_MARK


@dataclass(frozen=True)
class SimulateResult:
    """What ``simulate`` wrote.

    ``rows``: data rows of the file (wide: one per submission, long: one per answer given);
    ``students``: the ids in the file (the key's students who submitted and the ids not in
    the key); ``key_students``: the students of the key; ``submitted``: those of them in the
    file, ``twice`` of them with two submissions; ``strangers``: ids not in the key.
    """

    path: Path
    students: int
    rows: int
    layout: str = "wide"
    key_students: int = 0
    submitted: int = 0
    twice: int = 0
    strangers: int = 0

    def describe(self) -> str:
        per = "submission" if self.layout == "wide" else "answer"
        twice = f" ({self.twice} of them twice)" if self.twice else ""
        return (f"Wrote {_n(self.rows, 'row')} to {self.path} ({self.layout} layout: a row per "
                f"{per}): {self.submitted} of the key's {_n(self.key_students, 'student')}"
                f"{twice} and {_n(self.strangers, 'id')} not in the key.")


def _n(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _spell_real(x: float, decimals: int | None, rng: random.Random) -> str:
    s = format_answer("real", x, decimals)
    r = rng.random()
    ambiguous = re.fullmatch(r"-?[1-9]\d{0,2}\.\d{3}", s)
    if r < 0.15 and "." in s and "e" not in s and not ambiguous:
        s = s.replace(".", ",")
    elif r < 0.25 and s.startswith(("0.", "-0.")):
        s = s.replace("0.", ".", 1)
    if s.startswith("-") and rng.random() < 0.2:
        s = "\u2212" + s[1:]
    return f" {s} " if rng.random() < 0.1 else s


def spell(q: Question, value, rng: random.Random) -> str:
    """``value`` written the way some student would write it."""
    kind, d = q.answer_type, q.decimals
    if kind == "integer":
        v = int(value)
        return f"{v:,}".replace(",", " ") if abs(v) >= 10000 and rng.random() < 0.2 else str(v)
    if kind == "real":
        return _spell_real(value, d, rng)
    if kind == "shape":
        style = rng.randrange(5)
        sep = ("x", " × ", ", ", ",", " ")[style]
        body = sep.join(str(v) for v in value)
        return f"({body})" if style == 2 else f"[{body}]" if style == 3 else body
    if kind == "vector":
        items = [format_answer("real", v, d) for v in value]
        if rng.random() < 0.3:
            return "; ".join(i.replace(".", ",") for i in items)
        return rng.choice(("[{}]", "{}")).format(", ".join(items))
    if kind == "matrix":
        rows = [[format_answer("real", v, d) for v in r] for r in value]
        style = rng.randrange(3)
        if style == 0:
            return "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"
        return ("; " if style == 1 else "\n").join(" ".join(r) for r in rows)
    if kind == "choice":
        letter = letters(int(value))
        return rng.choice((letter, letter.lower(), f"({letter.lower()})", str(int(value) + 1)))
    if kind == "choices":
        ls = [letters(i) for i in value]
        style = rng.randrange(4)
        if style == 3:
            return ",".join(str(i + 1) for i in value)
        return (", ".join(ls), "".join(ls), " ".join(ls).lower())[style]
    raise QuizgenError(f"unknown answer type '{kind}'.")


def typo(q: Question, rng: random.Random):
    """A plausible wrong value: off by one, a factor of ten, one wrong component."""
    v, kind = q.answer_value, q.answer_type
    if kind == "integer":
        return int(v) + rng.choice((-1, 1)) if rng.random() < 0.6 else int(v) * 10 + 1
    if kind == "real":
        return v * 10 if v and rng.random() < 0.5 else v + max(1.0, abs(v)) * 0.5
    if kind in ("shape", "vector"):
        out = list(v)
        i = rng.randrange(len(out))
        out[i] = out[i] + 1
        return out
    if kind == "matrix":
        out = [list(r) for r in v]
        i, j = rng.randrange(len(out)), rng.randrange(len(out[0]))
        out[i][j] = out[i][j] + 1
        return out
    n = len(q.options or ()) or 2
    if kind == "choice":
        return (int(v) + rng.randrange(1, n)) % n if n > 1 else v
    picked = set(v) ^ {rng.randrange(n)}
    return sorted(picked) or [rng.randrange(n)]


def answer_text(q: Question, ability: float, difficulty: float, rng: random.Random) -> str:
    p = 1.0 / (1.0 + math.exp(-1.7 * (ability - difficulty)))
    if rng.random() < p:
        return spell(q, q.answer_value, rng)
    r, acc = rng.random(), 0.0
    for kind, share in WRONG_KINDS:
        acc += share
        if r < acc:
            break
    if kind == "misconception" and q.misconceptions:
        return spell(q, rng.choice(q.misconceptions).value, rng)
    if kind in ("misconception", "typo"):
        return spell(q, typo(q, rng), rng)
    if kind == "blank":
        return ""
    return rng.choice(GARBAGE)


def _header(slot: str, rng: random.Random) -> str:
    m = re.fullmatch(r"q(\d+)", slot, re.IGNORECASE)
    if not m:
        return slot
    return rng.choice((slot, slot.upper(), f"Question {m.group(1)}"))


def simulate(key_path, out_path, *, seed: int = 0, layout: str = "wide", delimiter: str = ",",
             absent: float = 0.05, duplicates: float = 0.03, strangers: int = 2,
             bom: bool = False, force: bool = False) -> SimulateResult:
    """Write a simulated class's submissions for the key at ``key_path`` to ``out_path``.

    An existing ``out_path`` is replaced when it is a simulated class (its header holds
    :data:`MARK`) or with ``force`` (it may hold real submissions), and a key never.
    """
    from ..output import refuse_to_overwrite
    refuse_to_overwrite(Path(out_path), force, "simulated class", marker=MARK.encode("utf-8"))
    if layout not in LAYOUTS:
        raise QuizgenError(f"unknown layout '{layout}'.", field="--layout",
                           hint="Choose wide or long.")
    rng = random.Random(seed)
    difficulty: dict[str, float] = {}
    records = []  # (minute, sid, name, email, {slot: text})
    minute = 0
    papers = _light_papers(key_path)
    n_papers = len(papers)
    for paper in papers:
        for q in paper.questions:
            if q.slot not in difficulty:
                difficulty[q.slot] = rng.gauss(-0.3, 0.8)
        ability = rng.gauss(0.0, 1.0)
        if rng.random() < absent:
            continue
        sid = paper.student.student_id
        name = paper.student.name or f"Student {sid}"
        email = paper.student.email or f"{sid}@example.edu"
        tries = 2 if rng.random() < duplicates else 1
        for _ in range(tries):
            minute += rng.randint(1, 3)
            answers = {q.slot: answer_text(q, ability, difficulty[q.slot], rng)
                       for q in paper.questions}
            records.append((minute, sid, name, email, answers))
    slots = list(difficulty)
    for k in range(strangers):
        minute += 1
        answers = {s: rng.choice(GARBAGE) for s in slots}
        records.append((minute, f"x{9001 + k}", "Unknown Guest", "", answers))
    headers = {s: _header(s, rng) for s in slots}
    rows = _layout(records, slots, headers, layout, rng)
    _write(Path(out_path), rows, delimiter, bom)
    per_student = Counter(r[1] for r in records[:len(records) - strangers])
    return SimulateResult(Path(out_path), len({r[1] for r in records}), len(rows) - 1, layout,
                          n_papers, len(per_student),
                          sum(1 for n in per_student.values() if n > 1), strangers)


def _light_papers(key_path) -> list:
    """What simulating needs of every paper: from the grading index when it matches the
    key, else from the key (read as grading reads it)."""
    indexed = keyindex.load(key_path)
    if indexed is not None and indexed.verify():
        return indexed.papers
    return light_papers(KeyReader(key_path))[0]


def _stamp(minute: int) -> str:
    h, m = divmod(minute, 60)
    d, h = divmod(9 + h, 24)
    return f"2026-12-{1 + d:02d} {h:02d}:{m:02d}:{(minute * 7) % 60:02d}"


def _layout(records, slots, headers, layout, rng) -> list[list[str]]:
    if layout == "wide":
        rows = [["Timestamp", "Student ID", "Name", "Email", MARK, *(headers[s] for s in slots)]]
        for minute, sid, name, email, answers in records:
            rows.append([_stamp(minute), sid, name, email, "", *(answers.get(s, "") for s in slots)])
        return rows
    rows = [["Timestamp", "Student ID", "Question", "Answer", MARK]]
    for minute, sid, _name, _email, answers in records:
        for s in slots:
            text = answers.get(s, "")
            if text or rng.random() < 0.5:
                rows.append([_stamp(minute), sid, headers[s], text, ""])
    return rows


def _write(path: Path, rows: list[list[str]], delimiter: str, bom: bool) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".quizgen-", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        raise OutputError(f"cannot write the submissions: {e}.", path=str(path)) from e
