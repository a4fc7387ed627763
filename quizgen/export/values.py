"""Numbers as LMS answer keys: components, tolerances, Moodle grade fractions.

One scoring rule everywhere (``quizgen.model.Tolerance``): accept ``x`` when
``|x - a| <= abs + rel * |a|``, per component. An LMS only knows an absolute margin, so
each exported number carries ``margin(a) = abs + rel * |a|`` (Moodle's numerical
``<tolerance>``, GIFT's ``:tol``, Canvas's range, QTI 2.1's ``tolerance``).

Numbers are written cleaned (:func:`clean`): float noise such as ``0.19999999999999996`` or
``-4.4e-16`` is shown as ``0.2`` or ``0``; the margin is computed from the cleaned value and
widened in the rare case where that would leave the key's exact value outside.
"""
from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, NamedTuple

from ..answers import tolerance_width
from ..errors import ExportError
from ..model import Question, Tolerance

NUMERIC = ("integer", "real")
ARRAYS = ("shape", "vector", "matrix")
BLANKS = ("vector", "matrix")  # one blank per number; a shape is one text box (shapes.py)
CHOICE = ("choice", "choices")

# Moodle's answer grades (question_bank::ensure_fraction_options_initialised in
# question/engine/bank.php), as percentages; their negatives and 0 are allowed too.
MOODLE_GRADES = (100.0, 90.0, 83.33333, 80.0, 75.0, 70.0, 66.66667, 60.0, 50.0, 40.0,
                 33.33333, 30.0, 25.0, 20.0, 16.66667, 14.28571, 12.5, 11.11111, 10.0, 5.0)


ZERO = 1e-12      # |x| below this is float noise around 0, written as exactly 0
DIGITS = 12       # significant digits an exported number keeps


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


def clean(x: Any) -> float | int:
    """``x`` without float noise: 0 when ``|x| < 1e-12``, else rounded to 12 significant
    digits (``0.19999999999999996`` -> ``0.2``, ``-2.9000000000000004`` -> ``-2.9``).

    Integers stay integers; the grader accepts the cleaned value (its own slack is
    ``1e-12 + 1e-9 * |a|``), and :func:`accepted` keeps the key's exact value inside.
    """
    if isinstance(x, bool):
        raise ExportError(f"a boolean is not a number: {x!r}")
    if isinstance(x, int):
        return x
    x = float(x)
    if not math.isfinite(x):
        return x
    if abs(x) < ZERO:
        return 0.0
    return float(f"{x:.{DIGITS}g}")


def accepted(x: Any, tol: Tolerance) -> tuple[float | int, float]:
    """(cleaned value, margin) of one exported number: ``[v - margin, v + margin]`` holds
    the exact ``x`` even when cleaning moved it (then the margin is widened just enough,
    to at least 1e-12 so that it is written as more than 0)."""
    v = clean(x)
    m = margin(v, tol)
    gap = abs(float(x) - float(v)) if math.isfinite(float(x)) else 0.0
    if gap > m:  # only when the tolerance is (almost) 0 and x carried noise; the grader's
        # own slack (1e-12 + 1e-9 * |a|) is wider, so nothing new is accepted
        m = max(ZERO, float(Decimal(gap).quantize(
            Decimal(1).scaleb(math.floor(math.log10(gap)) - 1), rounding=ROUND_CEILING)))
    return v, m


def num(x: Any) -> str:
    """A number written positionally (no exponent), cleaned (:func:`clean`) and then
    exactly as Python round-trips it."""
    if isinstance(x, bool):
        raise ExportError(f"a boolean is not a number: {x!r}")
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if not math.isfinite(x):
        raise ExportError(f"answer value {x!r} is not a finite number")
    x = clean(x)
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
        return [Part(0, 0, 0, *accepted(q.answer_value, q.tolerance), q.answer_type == "integer")]
    out = []
    for r, row in enumerate(rows_of(q)):
        for c, a in enumerate(row):
            out.append(Part(len(out), r, c, *accepted(a, q.tolerance), q.answer_type == "shape"))
    return out


def flat(value: Any, answer_type: str) -> list | None:
    """A misconception value flattened like :func:`parts` (cleaned), or None when it has
    another form."""
    try:
        if answer_type in NUMERIC:
            return [float(clean(float(value)))]
        if answer_type == "matrix":
            return [float(clean(float(x))) for row in value for x in row]
        return [float(clean(float(x))) for x in value]
    except (TypeError, ValueError, ExportError):
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


def nearest_grade(percent: float) -> float:
    """The allowed Moodle grade nearest to ``percent`` (> 0): ``100 / 3`` -> ``33.33333``."""
    return min(MOODLE_GRADES, key=lambda g: (abs(g - percent), -g))


def choices_fractions(n_correct: int, n_wrong: int) -> tuple[list[float], float]:
    """Moodle-allowed percentages for a multiple-answer question.

    Returns (the positive grades of the correct options, adding up to 100 after Moodle's
    rounding to 2 decimals; the negative grade of each wrong option). As in the grader's
    policy (quizgen.grading.scoring: right minus wrong over the right ones, floor 0) a
    wrong tick takes back one right tick's share: both are the allowed grade nearest to
    ``100 / n_correct`` (``33.33333`` for 3), so Moodle's sum of the ticked grades
    (floored at 0, capped at 100) is the policy's score to within 0.0001 % for up to 10
    correct options.
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
    neg = -nearest_grade(equal) if n_wrong else 0.0
    return pos, neg


def pct(p: float) -> str:
    """A percentage as Moodle prints it (``33.33333``, ``-50``, ``100``)."""
    text = f"{p:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


WINDOW = 1  # at most this many steps either side of the value per precision level


def accepted_texts(part: Part, decimals: int | None = None) -> list[str]:
    """Answer texts a text-matching blank (Canvas fill-in-multiple-blanks) accepts for
    ``part``, all within ``value ± margin``: the value as exported (:func:`num`), then the
    numbers of the interval written with 0, 1, ... d decimals (d: the question's
    ``decimals``, else enough to resolve the margin; at least 1, so ``23.0`` counts as
    ``23``), also without the leading zero (``.25``). Where a precision level has more
    than 2 * WINDOW + 1 numbers in the interval (a wide margin), only those nearest the
    value are listed: what a student rounding as asked (or one step off in the last digit)
    types. (A window of 50 made the Canvas file of 20 slots x 200 variants 15 MB and
    took 2 GB to write.)
    """
    value, width = Decimal(num(part.value)), Decimal(num(part.margin))
    if decimals is None:
        decimals = max(0, -math.floor(math.log10(float(width))) if width > 0
                       else -value.normalize().as_tuple().exponent)
    out = [num(part.value)]
    for places in range(min(max(decimals, 1), 15) + 1):
        step = Decimal(1).scaleb(-places)
        lo = int(((value - width) / step).to_integral_value(rounding=ROUND_CEILING))
        hi = int(((value + width) / step).to_integral_value(rounding=ROUND_FLOOR))
        mid = int((value / step).to_integral_value())
        lo, hi = max(lo, mid - WINDOW), min(hi, mid + WINDOW)
        out += [f"{Decimal(k).scaleb(-places):.{places}f}" for k in range(lo, hi + 1)]
    out += [t.replace("0.", ".", 1) for t in out if t.lstrip("-").startswith("0.")]
    return list(dict.fromkeys(t if t.strip("-0.") else t.lstrip("-") for t in out))


def canvas_scale(values: list[float], margins: list[float]) -> int:
    """Power of ten to multiply by so that Canvas keeps tiny answers (0 when none needed).

    Canvas stores numeric answers and margins to 4 decimals, so a non-zero answer or
    margin below 1e-4 would be rounded away; scale until the smallest is at least 1.
    Float noise is never scaled: an answer below 1e-12 is 0, and a margin below
    1e-9 * max(1, |answer|) is only the slack :func:`accepted` adds to a zero tolerance.
    """
    slack = 1e-9 * max([1.0] + [abs(v) for v in values])
    tiny = [abs(v) for v in values if ZERO <= abs(v) < 1e-4]
    tiny += [abs(m) for m in margins if slack <= abs(m) < 1e-4]
    if not tiny:
        return 0
    return max(0, math.ceil(-math.log10(min(tiny)) - 1e-12))
