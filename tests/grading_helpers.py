"""Shared bits of the grading tests: the hand-written key and CSV writers.

Correct answers of ``fixtures/key-small.json`` (points q1 2, q2 1, q3 3, q4 2, q5 1, q6 2 = 11):

=====  ====  ====  ============  ==============  ===  =====
id     q1    q2    q3            q4              q5   q6
=====  ====  ====  ============  ==============  ===  =====
s001   220   0.5   16x32x32      [[1,2],[3,4]]   A    A, C
s002   240   1.0   16x34x34      [[1,3],[3,4]]   A    A, C
s003   260   2.5   16x36x36      [[1,4],[3,4]]   A    A, C
s004   280   5.0   16x38x38      [[1,5],[3,4]]   A    A, C
=====  ====  ====  ============  ==============  ===  =====

Misconceptions: q1 forgot-bias (weights only: 200/220/240/260), q2 sum-not-mean (1, 2, 5, 10),
q3 ignored-padding (h - 2), q4 transposed, q5 sigmoid (C), q6 more-training (A, B).
"""
from __future__ import annotations

import csv
from pathlib import Path

KEY = Path(__file__).resolve().parent / "fixtures" / "key-small.json"

RIGHT = {
    "s001": ["220", "0.5", "16x32x32", "[[1,2],[3,4]]", "A", "A,C"],
    "s002": ["240", "1", "16x34x34", "[[1,3],[3,4]]", "A", "A,C"],
    "s003": ["260", "2.5", "16x36x36", "[[1,4],[3,4]]", "A", "A,C"],
    "s004": ["280", "5", "16x38x38", "[[1,5],[3,4]]", "A", "A,C"],
}

# --allow-missing for every question: for tests of files with a few question columns
ANY = ("q1,q2,q3,q4,q5,q6",)


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ",", bom: bool = False) -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def wide(path: Path, answers: dict[str, list[str]], header=None, delimiter=",", bom=False,
         extra=None) -> Path:
    """A wide CSV: student_id + q1..q6 (+ extra columns given as {header: {id: value}})."""
    extra = extra or {}
    head = header or ["student_id", "q1", "q2", "q3", "q4", "q5", "q6"]
    rows = [head + list(extra)]
    for sid, cells in answers.items():
        rows.append([sid, *cells] + [extra[h].get(sid, "") for h in extra])
    return write_rows(path, rows, delimiter, bom)
