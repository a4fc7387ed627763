"""Exam + students + secret -> :class:`Quiz` (one paper per student), or N variants per slot."""
from __future__ import annotations

from typing import Callable, Iterable

from . import __version__
from .bank import Bank
from .exam import Exam, Slot
from .instantiate import build_question
from .model import ExamInfo, Question, Quiz, SlotVariants, Student, StudentPaper
from .variants import slot_rng, variant_code


def exam_info(exam: Exam, bank: Bank, lang: str) -> ExamInfo:
    return ExamInfo(id=exam.id, title=exam.title, course=exam.course,
                    instructions=exam.instructions, lang=lang,
                    generator=f"quizgen {__version__}", bank_digest=bank.digest, created=exam.date)


def question_for(exam: Exam, bank: Bank, slot: Slot, secret: str, student_id: str,
                 lang: str) -> Question:
    """The question of ``slot`` for one student (or one export variant)."""
    rng = slot_rng(secret, exam.id, student_id, slot.name)
    if slot.template:
        template = bank.templates[slot.template]
    else:
        pool = bank.with_topic(slot.topic, slot.level)
        template = pool[int(rng.integers(len(pool)))]
    return build_question(template, slot.level, rng, slot=slot.name, points=slot.points, lang=lang)


def build_quiz(exam: Exam, bank: Bank, students: Iterable[Student], secret: str, *,
               lang: str | None = None, progress: Callable[[int], None] | None = None) -> Quiz:
    """Every student's paper. The same inputs always give the same Quiz."""
    lang = lang or exam.lang
    papers = []
    for student in students:
        qs = tuple(question_for(exam, bank, slot, secret, student.student_id, lang)
                   for slot in exam.slots)
        papers.append(StudentPaper(student, variant_code(secret, exam.id, student.student_id), qs))
        if progress:
            progress(1)
    return Quiz(exam_info(exam, bank, lang), tuple(papers))


def build_variants(exam: Exam, bank: Bank, n_variants: int, secret: str, *,
                   lang: str | None = None) -> tuple[ExamInfo, list[SlotVariants]]:
    """``n_variants`` independent draws of every slot, for LMS exports."""
    lang = lang or exam.lang
    out = []
    for slot in exam.slots:
        vs = tuple(question_for(exam, bank, slot, secret, f"~variant-{k}", lang)
                   for k in range(1, n_variants + 1))
        title = vs[0].title if slot.template else slot.topic
        out.append(SlotVariants(slot.name, title, vs[0].points, vs))
    return exam_info(exam, bank, lang), out
