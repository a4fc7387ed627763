"""Numbers as LMS answer keys: components, tolerances, Moodle grade fractions.

One scoring rule everywhere (``quizgen.model.Tolerance``): accept ``x`` when
``|x - a| <= abs + rel * |a|``, per component. An LMS only knows an absolute margin, so
each exported number carries ``margin(a) = abs + rel * |a|`` (Moodle's numerical
``<tolerance>``, GIFT's ``:tol``, Canvas's range, QTI 2.1's ``tolerance``).
"""
from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, NamedTuple

from ..answers import tolerance_width
from ..errors import ExportError
from ..model import Question, Tolerance

NUMERIC = ("integer", "real")
ARRAYS = ("shape", "vector", "matrix")
CHOICE = ("choice", "choices")

# Moodle's answer grades (question_bank::ensure_fraction_options_initialised in
# question/engine/bank.php), as percentages; their negatives and 0 are allowed too.
MOODLE_GRADES = (100.0, 90.0, 83.33333, 80.0, 75.0, 70.0, 66.66667, 60.0, 50.0, 40.0,
                 33.33333, 30.0, 25.0, 20.0, 16.66667, 14.28571, 12.5, 11.11111, 10.0, 5.0)


class Part(NamedTuple):
    """One number of an answer: where it sits and what is accepted."""

    index: int          # position in the flattened answer (0-based)
    row: int            # matrix row (0 for flat answers)
    col: int            # column / dimension (0-based)
    value: float | int
    margin: float       # absolute tolerance for this number
    integer: bool


def margin(value: float, tol: Tolerance) -> float:
    """Absolute tolerance of one number: ``abs + rel * |value|`` (float noise rounded off).

    Same width as the grader's (:func:`quizgen.answers.tolerance_width`).
    """
    return float(f"{tolerance_width(tol, float(value)):.12g}")


def num(x: Any) -> str:
    """A number written positionally (no exponent), exactly as Python round-trips it."""
    if isinstance(x, bool):
        raise ExportError(f"a boolean is not a number: {x!r}")
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if not math.isfinite(x):
        raise ExportError(f"answer value {x!r} is not a finite number")
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x)) if x else "0"
    text = repr(x)
    return text if "e" not in text else format(Decimal(text), "f")


def rows_of(q: Question) -> list[list]:
    """The answer of an array question as rows (a shape or vector is one row)."""
    v = q.answer_value
    if q.answer_type == "matrix":
        return [list(r) for r in v]
    return [list(v)]


def parts(q: Question) -> list[Part]:
    """Every number of a numeric or array answer, row-major, with its margin."""
    if q.answer_type in NUMERIC:
        a = q.answer_value
        return [Part(0, 0, 0, a, margin(a, q.tolerance), q.answer_type == "integer")]
    out = []
    for r, row in enumerate(rows_of(q)):
        for c, a in enumerate(row):
            out.append(Part(len(out), r, c, a, margin(a, q.tolerance), q.answer_type == "shape"))
    return out


def flat(value: Any, answer_type: str) -> list | None:
    """A misconception value flattened like :func:`parts`, or None when it has another form."""
    try:
        if answer_type in NUMERIC:
            return [float(value)]
        if answer_type == "matrix":
            return [float(x) for row in value for x in row]
        return [float(x) for x in value]
    except (TypeError, ValueError):
        return None


def close(x: float, part: Part) -> bool:
    """True when ``x`` would be accepted for ``part``."""
    return abs(float(x) - float(part.value)) <= part.margin * (1 + 1e-12)


def part_mistakes(q: Question, part: Part, n_parts: int | None = None) -> list[tuple[float, str]]:
    """``(wrong value, feedback)`` of the misconceptions that differ at this number.

    A misconception whose value has another shape, or equals the answer here (within
    tolerance), or repeats an earlier wrong value, is left out for this number.
    """
    out: list[tuple[float, str]] = []
    if not q.misconceptions:
        return out
    n = len(parts(q)) if n_parts is None else n_parts
    for m in q.misconceptions:
        vals = flat(m.value, q.answer_type)
        if vals is None or len(vals) != n:
            continue
        x = vals[part.index]
        if close(x, part) or any(abs(x - y) <= 1e-12 * max(1.0, abs(y)) for y, _ in out):
            continue
        out.append((x, m.feedback))
    return out


def is_moodle_grade(percent: float) -> bool:
    """Moodle's importer accepts a grade within 1e-5 (as a fraction) of an allowed one."""
    return abs(percent) < 0.0005 or any(abs(abs(percent) - g) < 0.0005 for g in MOODLE_GRADES)


def _nearest_grade_at_least(percent: float) -> float:
    allowed = sorted(g for g in MOODLE_GRADES if g >= percent - 1e-9)
    return allowed[0] if allowed else 100.0


def choices_fractions(n_correct: int, n_wrong: int) -> tuple[list[float], float]:
    """Moodle-allowed percentages for a multiple-answer question.

    Returns (the positive grades of the correct options, adding up to 100; the negative
    grade of each wrong option). As in the grader's policy (quizgen.grading.scoring: right
    minus wrong over the right ones, floor 0) a wrong tick takes back one right tick's
    share, ``100 / n_correct`` (rounded up to an allowed grade when that is not one).
    """
    if n_correct < 1:
        raise ExportError("a 'choices' question needs at least one correct option")
    equal = 100.0 / n_correct
    match = [g for g in MOODLE_GRADES if abs(g - equal) < 0.0005]
    if match:
        pos = [match[0]] * n_correct
    elif n_correct <= 20:  # 10s and 5s: a*10 + b*5 = 100 with a + b = n
        tens = 20 - n_correct
        pos = [10.0] * tens + [5.0] * (n_correct - tens)
    else:
        raise ExportError(f"{n_correct} correct options cannot be graded in Moodle "
                          "(at most 20)")
    neg = -_nearest_grade_at_least(100.0 / n_correct) if n_wrong else 0.0
    return pos, neg


def pct(p: float) -> str:
    """A percentage as Moodle prints it (``33.33333``, ``-50``, ``100``)."""
    text = f"{p:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def canvas_scale(values: list[float], margins: list[float]) -> int:
    """Power of ten to multiply by so that Canvas keeps tiny answers (0 when none needed).

    Canvas stores numeric answers and margins to 4 decimals, so a non-zero answer or
    margin below 1e-4 would be rounded away; scale until the smallest is at least 1.
    """
    tiny = [abs(v) for v in values + margins if v and abs(v) < 1e-4]
    if not tiny:
        return 0
    return max(0, math.ceil(-math.log10(min(tiny)) - 1e-12))
