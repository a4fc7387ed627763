"""The one record that flows through the pipeline.

template -> sampled params -> solver -> :class:`Question` -> renderers / exporters / key.json.
A :class:`Question` serialises to exactly the QUESTION object of ``key.json``
(``../shared/spec/key-format.md``); renderers and exporters read nothing else.

Text conventions inside ``prompt``, ``solution`` and feedback strings: Markdown with
TeX math, ``$...$`` inline and ``$$...$$`` display (on lines of their own).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KEY_FORMAT = "quizgen-key/1"

ANSWER_TYPES = ("integer", "real", "shape", "vector", "matrix", "choice", "choices")
LANGS = ("en", "ko")


@dataclass(frozen=True)
class Tolerance:
    """Accept x when |x - a| <= abs + rel * |a| (per component for arrays)."""

    abs: float = 0.0
    rel: float = 0.0

    def to_dict(self) -> dict:
        return {"abs": self.abs, "rel": self.rel}

    @classmethod
    def from_dict(cls, d: dict | None) -> "Tolerance":
        d = d or {}
        return cls(abs=float(d.get("abs", 0.0)), rel=float(d.get("rel", 0.0)))


@dataclass(frozen=True)
class Misconception:
    """A typical wrong answer: its id, its computed value and the feedback a student sees."""

    id: str
    value: Any
    feedback: str

    def to_dict(self) -> dict:
        return {"id": self.id, "value": self.value, "feedback": self.feedback}

    @classmethod
    def from_dict(cls, d: dict) -> "Misconception":
        return cls(id=d["id"], value=d["value"], feedback=d.get("feedback", ""))


@dataclass(frozen=True)
class Question:
    """One solved question instance for one student and one slot.

    ``answer_value`` is plain JSON: int, float, list of ints (shape), list of floats
    (vector), list of lists row-major (matrix), an index (choice) or a sorted list of
    indices (choices). ``decimals`` is the number of decimals answers are shown with
    (None for exact types). ``options`` holds the choice texts, already shuffled.
    """

    slot: str
    template: str
    topic: str
    level: int
    points: float
    title: str
    prompt: str
    answer_type: str
    answer_value: Any
    tolerance: Tolerance
    solution: str
    misconceptions: tuple[Misconception, ...] = ()
    options: tuple[str, ...] | None = None
    check: dict | None = None
    pytorch: str = ""
    decimals: int | None = None
    lang: str = "en"
    params: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The key.json QUESTION object (plus the optional fields quizgen adds)."""
        answer: dict[str, Any] = {"type": self.answer_type, "value": self.answer_value}
        if self.decimals is not None:
            answer["decimals"] = self.decimals
        d: dict[str, Any] = {
            "slot": self.slot,
            "template": self.template,
            "topic": self.topic,
            "level": self.level,
            "points": self.points,
            "title": self.title,
            "lang": self.lang,
            "prompt": self.prompt,
            "answer": answer,
            "tolerance": self.tolerance.to_dict(),
        }
        if self.options is not None:
            d["options"] = list(self.options)
        d["misconceptions"] = [m.to_dict() for m in self.misconceptions]
        d["solution"] = self.solution
        d["pytorch"] = self.pytorch
        if self.check is not None:
            d["check"] = self.check
        d["params"] = self.params
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Question":
        answer = d["answer"]
        return cls(
            slot=d["slot"],
            template=d.get("template", ""),
            topic=d.get("topic", ""),
            level=int(d.get("level", 1)),
            points=d.get("points", 1),
            title=d.get("title", d["slot"]),
            prompt=d.get("prompt", ""),
            answer_type=answer["type"],
            answer_value=answer["value"],
            tolerance=Tolerance.from_dict(d.get("tolerance")),
            solution=d.get("solution", ""),
            misconceptions=tuple(Misconception.from_dict(m) for m in d.get("misconceptions", [])),
            options=tuple(d["options"]) if d.get("options") is not None else None,
            check=d.get("check"),
            pytorch=d.get("pytorch", ""),
            decimals=answer.get("decimals"),
            lang=d.get("lang", "en"),
            params=d.get("params", {}),
        )


@dataclass(frozen=True)
class Student:
    """A roster entry. ``extra`` keeps other roster columns (email, section...)."""

    student_id: str
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class StudentPaper:
    """All questions of one student, in slot order. ``variant`` is the code printed on the paper."""

    student: Student
    variant: str
    questions: tuple[Question, ...]

    def to_dict(self) -> dict:
        d = {"student_id": self.student.student_id, "variant": self.variant}
        if self.student.name:
            d["name"] = self.student.name
        if self.student.email:
            d["email"] = self.student.email
        d["questions"] = [q.to_dict() for q in self.questions]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "StudentPaper":
        return cls(
            student=Student(d["student_id"], d.get("name", ""), d.get("email", "")),
            variant=d.get("variant", ""),
            questions=tuple(Question.from_dict(q) for q in d.get("questions", [])),
        )


@dataclass(frozen=True)
class ExamInfo:
    """Exam metadata as written in key.json's ``exam`` object."""

    id: str
    title: str
    course: str = ""
    instructions: str = ""
    lang: str = "en"
    generator: str = ""
    bank_digest: str = ""
    created: str = ""

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "course": self.course,
                "instructions": self.instructions, "lang": self.lang,
                "generator": self.generator, "bank_digest": self.bank_digest,
                "created": self.created}

    @classmethod
    def from_dict(cls, d: dict) -> "ExamInfo":
        return cls(**{k: d.get(k, "") for k in ("id", "title", "course", "instructions",
                                               "generator", "bank_digest", "created")},
                   lang=d.get("lang", "en") or "en")


@dataclass(frozen=True)
class Quiz:
    """A whole generated exam: metadata plus one paper per student (the key.json content)."""

    exam: ExamInfo
    papers: tuple[StudentPaper, ...]

    def to_dict(self) -> dict:
        return {"format": KEY_FORMAT, "exam": self.exam.to_dict(),
                "students": [p.to_dict() for p in self.papers]}

    @classmethod
    def from_dict(cls, d: dict) -> "Quiz":
        return cls(exam=ExamInfo.from_dict(d.get("exam", {})),
                   papers=tuple(StudentPaper.from_dict(s) for s in d.get("students", [])))


@dataclass(frozen=True)
class SlotVariants:
    """N independently drawn variants of one exam slot (what LMS exports carry)."""

    slot: str
    title: str
    points: float
    variants: tuple[Question, ...]
