"""Exam + students + secret -> :class:`Quiz` (one paper per student), or N variants per slot."""
from __future__ import annotations

import multiprocessing
import os
from typing import Callable, Iterable

from . import __version__
from .bank import Bank
from .exam import Exam, Slot
from .instantiate import build_question
from .model import ExamInfo, Question, Quiz, SlotVariants, Student, StudentPaper
from .variants import slot_rng, variant_code


def exam_info(exam: Exam, bank: Bank, lang: str) -> ExamInfo:
    return ExamInfo(id=exam.id, title=exam.text("title", lang), course=exam.text("course", lang),
                    instructions=exam.text("instructions", lang), lang=lang,
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


def _papers(exam: Exam, bank: Bank, students: list[Student], secret: str, lang: str,
            progress: Callable[[int], None] | None = None) -> list[StudentPaper]:
    papers = []
    for student in students:
        qs = tuple(question_for(exam, bank, slot, secret, student.student_id, lang)
                   for slot in exam.slots)
        papers.append(StudentPaper(student, variant_code(secret, exam.id, student.student_id), qs))
        if progress:
            progress(1)
    return papers


_JOB: tuple | None = None  # (exam, bank, secret, lang), inherited by forked workers


def _papers_in_worker(students: list[Student]) -> list[StudentPaper]:
    exam, bank, secret, lang = _JOB
    return _papers(exam, bank, students, secret, lang)


PARALLEL_MIN_QUESTIONS = 2000


def _workers(n_questions: int) -> int:
    if n_questions < PARALLEL_MIN_QUESTIONS or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8)


def build_quiz(exam: Exam, bank: Bank, students: Iterable[Student], secret: str, *,
               lang: str | None = None, progress: Callable[[int], None] | None = None) -> Quiz:
    """Every student's paper. The same inputs always give the same Quiz.

    Large classes are split over the CPU cores (forked workers); every question still
    comes from its own (student, slot) generator, so the result does not depend on it.
    """
    global _JOB
    lang = lang or exam.lang
    students = list(students)
    workers = _workers(len(students) * len(exam.slots))
    if workers == 1:
        papers = _papers(exam, bank, students, secret, lang, progress)
    else:
        size = max(1, -(-len(students) // (workers * 4)))
        chunks = [students[i:i + size] for i in range(0, len(students), size)]
        _JOB = (exam, bank, secret, lang)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                papers = []
                for part in pool.imap(_papers_in_worker, chunks):
                    papers.extend(part)
                    if progress:
                        progress(len(part))
        finally:
            _JOB = None
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
