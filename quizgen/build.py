"""Exam + students + secret -> :class:`Quiz` (one paper per student), or N variants per slot."""
from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from contextlib import contextmanager
from typing import Any, Callable, Iterable

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
            progress: Callable[[int], None] | None = None,
            per_paper: Callable[[ExamInfo, StudentPaper], Any] | None = None,
            keep_papers: bool = True) -> list[tuple]:
    """``[(paper or None, per_paper(info, paper) or None), ...]`` for ``students``, in order."""
    info = exam_info(exam, bank, lang) if per_paper else None
    out = []
    for student in students:
        qs = tuple(question_for(exam, bank, slot, secret, student.student_id, lang)
                   for slot in exam.slots)
        paper = StudentPaper(student, variant_code(secret, exam.id, student.student_id), qs)
        out.append((paper if keep_papers else None, per_paper(info, paper) if per_paper else None))
        if progress:
            progress(1)
    return out


_JOB: tuple | None = None  # (exam, bank, secret, lang, per_paper), inherited by forked workers


@contextmanager
def _no_automatic_gc():
    """Suspend Python's automatic cycle collection while the workers' papers arrive.

    Each automatic collection of the oldest generation traverses every live container
    object, and a class's papers are millions of them (questions, params, nested lists):
    unpickling them spent most of its time in those traversals. Unpickling makes no
    reference cycles, so there is nothing to collect meanwhile. (The workers, which do
    make some, are forked before collection is suspended and keep it.)
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _quiet_worker() -> None:
    """A worker leaves interrupts to the parent: Ctrl-C reaches the whole process group, and
    the parent ends the pool (so no KeyboardInterrupt traceback from each worker); SIGTERM
    ends it at once, and (Linux) so does its parent's end, even a kill -9, instead of a
    BrokenPipeError traceback when it next sends a result."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != _PARENT:
        os._exit(0)  # the parent ended before prctl took effect


_PARENT = os.getpid()


def _papers_in_worker(students: list[Student]) -> list[tuple]:
    exam, bank, secret, lang, per_paper, keep_papers = _JOB
    return _papers(exam, bank, students, secret, lang, per_paper=per_paper, keep_papers=keep_papers)


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
    return build_quiz_with(exam, bank, students, secret, None, lang=lang, progress=progress)[0]


def build_quiz_with(exam: Exam, bank: Bank, students: Iterable[Student], secret: str,
                    per_paper: Callable[[ExamInfo, StudentPaper], Any] | None, *,
                    lang: str | None = None,
                    progress: Callable[[int], None] | None = None,
                    keep_papers: bool = True) -> tuple[Quiz, list]:
    """:func:`build_quiz`, plus ``[per_paper(exam info, paper) for every paper]``.

    ``per_paper`` (e.g. rendering the paper's own output files) runs where the paper is
    built, so for large classes it runs in the worker processes too and only its result
    travels back. It must be a pure function of its arguments. With ``keep_papers=False``
    only those results are kept (the Quiz has no papers): the papers themselves are not
    sent back from the workers, which saves pickling every question twice.
    """
    global _JOB, _PARENT
    lang = lang or exam.lang
    students = list(students)
    workers = _workers(len(students) * len(exam.slots))
    if workers == 1:
        done = _papers(exam, bank, students, secret, lang, progress, per_paper, keep_papers)
    else:
        size = max(1, -(-len(students) // (workers * 4)))
        chunks = [students[i:i + size] for i in range(0, len(students), size)]
        _JOB = (exam, bank, secret, lang, per_paper, keep_papers)
        _PARENT = os.getpid()
        try:
            with multiprocessing.get_context("fork").Pool(workers, initializer=_quiet_worker) as pool, _no_automatic_gc():
                done = []
                for part in pool.imap(_papers_in_worker, chunks):   # unpickled in this process
                    done.extend(part)
                    if progress:
                        progress(len(part))
        finally:
            _JOB = None
    quiz = Quiz(exam_info(exam, bank, lang), tuple(paper for paper, _ in done) if keep_papers else ())
    return quiz, [extra for _, extra in done]


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
