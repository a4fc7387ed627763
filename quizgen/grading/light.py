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


SAMPLES = 5  # feedback texts kept per (slot, title, misconception): enough to see what varies


class KeyNotes(dict):
    """What the report quotes of a key beyond its light papers, gathered while it is read.

    ``self[(slot, title, misconception id)]``: the first :data:`SAMPLES` distinct feedback
    texts of that misconception in the questions of that slot with that title, in key order
    (the texts name values of each paper, so the report shows only what they share; the
    title tells apart the templates of a topic slot, whose texts for one id differ).
    ``families[(slot, title)]``: ``(template, topic)`` of the questions of that slot with
    that title, the first seen (students may draw different templates for one topic slot).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.families: dict[tuple[str, str], tuple[str, str]] = {}

    def add_feedback(self, slot: str, title: str, mid: str, text: str) -> None:
        key = (slot, title, mid)
        got = self.get(key)
        if got is None:
            self[key] = (text,)
        elif len(got) < SAMPLES and text not in got:
            self[key] = got + (text,)

    def add_family(self, slot: str, title: str, template: str | None, topic: str | None) -> None:
        key = (slot, title)
        if key not in self.families:
            self.families[key] = (template if isinstance(template, str) else "",
                                  topic if isinstance(topic, str) else "")

    def merge(self, notes: list, families: list) -> None:
        """Add one paper's notes as :func:`~.keyindex.index_student` lists them."""
        for slot, title, mid, text in notes:
            self.add_feedback(slot, title, mid, text)
        for slot, title, template, topic in families:
            self.add_family(slot, title, template, topic)


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


def light_paper(st: dict, notes: KeyNotes | None = None) -> StudentPaper:
    """A validated key student object as a paper of :class:`LightQuestion`.

    Misconception feedback texts and the slots' templates go to ``notes``.
    """
    intern = sys.intern
    qs = []
    for q in st["questions"]:
        slot = intern(q["slot"])
        answer = q["answer"]
        title = intern(q.get("title") or slot)
        if notes is not None:
            notes.add_family(slot, title, q.get("template"), q.get("topic"))
        mis = []
        for m in q.get("misconceptions") or ():
            mid = intern(m["id"])
            mis.append(LightMisconception(mid, m.get("value")))
            if notes is not None:
                notes.add_feedback(slot, title, mid, m.get("feedback", ""))
        options = q.get("options")
        qs.append(LightQuestion(
            slot, title, q["points"], intern(answer["type"]),
            answer["value"], _tolerance(q.get("tolerance")), tuple(mis),
            tuple(intern(o) for o in options) if options is not None else None,
            answer.get("decimals")))
    student = Student(st["student_id"], st.get("name", ""), st.get("email", ""))
    return StudentPaper(student, st.get("variant", ""), tuple(qs))
