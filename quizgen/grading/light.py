"""Compact stand-ins for the key's questions while a whole class is graded.

A key carries every prompt, solution and check; scoring reads none of them. For a class
of 10^4 students x 20 questions the full :class:`~quizgen.model.Question` records would
take gigabytes, so grading keeps these tuples instead (same attribute names, so
:func:`~.scoring.score` and the report read them like Questions), with repeated strings
and tolerances shared.
"""
from __future__ import annotations

import sys
from typing import Any, NamedTuple

from ..model import Student, StudentPaper, Tolerance


class LightMisconception(NamedTuple):
    id: str
    value: Any
    feedback: str = ""  # left out: the report takes it from ``notes``


class LightQuestion(NamedTuple):
    """What grading reads of a Question."""

    slot: str
    title: str
    points: int | float
    answer_type: str
    answer_value: Any
    tolerance: Tolerance
    misconceptions: tuple[LightMisconception, ...]
    options: tuple[str, ...] | None
    decimals: int | None


_TOLERANCES: dict[tuple, Tolerance] = {}


def _tolerance(d: dict | None) -> Tolerance:
    d = d or {}
    key = (d.get("abs", 0.0), d.get("rel", 0.0))
    tol = _TOLERANCES.get(key)
    if tol is None:
        tol = _TOLERANCES[key] = Tolerance.from_dict(d)
    return tol


def light_paper(st: dict, notes: dict | None = None) -> StudentPaper:
    """A validated key student object as a paper of :class:`LightQuestion`.

    Misconception feedback texts go to ``notes[(slot, id)]`` (the first one seen).
    """
    intern = sys.intern
    qs = []
    for q in st["questions"]:
        slot = intern(q["slot"])
        answer = q["answer"]
        mis = []
        for m in q.get("misconceptions") or ():
            mid = intern(m["id"])
            mis.append(LightMisconception(mid, m.get("value")))
            if notes is not None and (slot, mid) not in notes:
                notes[(slot, mid)] = m.get("feedback", "")
        options = q.get("options")
        qs.append(LightQuestion(
            slot, intern(q.get("title") or slot), q.get("points", 1), intern(answer["type"]),
            answer["value"], _tolerance(q.get("tolerance")), tuple(mis),
            tuple(intern(o) for o in options) if options is not None else None,
            answer.get("decimals")))
    student = Student(st["student_id"], st.get("name", ""), st.get("email", ""))
    return StudentPaper(student, st.get("variant", ""), tuple(qs))
