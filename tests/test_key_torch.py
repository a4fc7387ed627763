"""Every answer of a generated key agrees with an independent PyTorch re-computation of its check."""
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (tests/setup.sh installs it)")

from quizgen.bank import load_bank  # noqa: E402
from quizgen.build import build_quiz  # noqa: E402
from quizgen.exam import Exam, Slot, numbered_students  # noqa: E402
from quizgen.model import Tolerance  # noqa: E402
from quizgen.answers import matches  # noqa: E402

from torch_reference import solve_check  # noqa: E402

BANK = load_bank()


def _exam_of_everything() -> Exam:
    slots = tuple(Slot(f"{t.id}-{lv}", t.id, None, lv, None)
                  for t in sorted(BANK.templates.values(), key=lambda t: t.id) for lv in t.level_numbers)
    return Exam("everything", {"en": "All templates"}, {"en": ""}, "en", {"en": ""}, "", slots, "<test>")


def _close(a, b, tol: Tolerance, answer_type: str) -> bool:
    if isinstance(a, dict):
        return False
    # the check re-computation is exact arithmetic: compare tighter than the student tolerance
    tight = Tolerance(abs=min(tol.abs, 1e-6) if tol.abs else 1e-9, rel=1e-7)
    return matches(answer_type, b, a, tight if answer_type in ("real", "vector", "matrix") else tol)


def test_every_computed_answer_matches_pytorch():
    quiz = build_quiz(_exam_of_everything(), BANK, numbered_students(25), "torch-check")
    checked = 0
    failures = []
    for paper in quiz.papers:
        for q in paper.questions:
            if q.check is None:
                assert q.answer_type in ("choice", "choices"), q.template
                continue
            expected = solve_check(q.check)
            if q.check.get("kind") == "sgd" and isinstance(expected, dict):
                failures.append(f"{q.template}: sgd check without 'ask'")
                continue
            if not _close(q.answer_value, expected, q.tolerance, q.answer_type):
                failures.append(f"{q.template} L{q.level} {paper.student.student_id}: "
                                f"key {q.answer_value!r} vs torch {expected!r}")
            checked += 1
    assert not failures, "\n".join(failures[:20])
    assert checked >= 25 * len(BANK.templates)
