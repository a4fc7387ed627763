"""What the HTML and PDF renderers share: answer-box layouts, QR payloads, labels.

Everything here reads only the Quiz record. The answer layout uses an answer's
*dimensions* (how many boxes a shape or a matrix needs), never its values.
"""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from .. import answers
from ..i18n import messages
from ..model import ExamInfo, Question, StudentPaper
from ..texfmt import num


def answer_layout(q: Question) -> dict:
    """How the answer space looks: one box, a row of cells, a grid, or option marks.

    ``{"kind": "box"}``, ``{"kind": "cells", "n": 3, "sep": "×"}`` (shape),
    ``{"kind": "cells", "n": 4, "sep": ","}`` (vector), ``{"kind": "grid", "rows": 2,
    "cols": 2}`` (matrix), ``{"kind": "options", "multi": bool, "n": k}`` (choice/choices).
    """
    t, v = q.answer_type, q.answer_value
    if t == "shape" and isinstance(v, list) and v:
        return {"kind": "cells", "n": len(v), "sep": "×"}
    if t == "vector" and isinstance(v, list) and v:
        return {"kind": "cells", "n": len(v), "sep": ","}
    if t == "matrix" and isinstance(v, list) and v and all(isinstance(r, list) for r in v):
        return {"kind": "grid", "rows": len(v), "cols": max(len(r) for r in v)}
    if t in ("choice", "choices"):
        return {"kind": "options", "multi": t == "choices", "n": len(q.options or ())}
    return {"kind": "box", "wide": t == "real"}


def points_text(q: Question, t: dict) -> str:
    return f"{num(q.points)} {t['point'] if q.points == 1 else t['points']}"


def hint(q: Question, t: dict) -> str:
    return t.get("answer_hint_" + q.answer_type, "")


def qr_payload(exam: ExamInfo, paper: StudentPaper) -> str:
    """What the QR code on a paper says: exam id, student id and variant code, nothing else."""
    return (f"quizgen:exam={quote(exam.id, safe='')}&student="
            f"{quote(paper.student.student_id, safe='')}&variant={quote(paper.variant, safe='')}")


@lru_cache(maxsize=4096)
def qr_svg(payload: str) -> str:
    """A QR code as a compact SVG (1 unit per module, no quiet zone; callers add margins).

    The mask is fixed: choosing the best of eight is 5x slower and every reader copes.
    """
    import segno

    qr = segno.make(payload, error="m", micro=False, mask=0, boost_error=False)
    size = len(qr.matrix)
    path = []
    for y, row in enumerate(qr.matrix):  # horizontal runs of dark modules, stroked 1 unit high
        x, last = 0, 0
        moves = []
        while x < size:
            if row[x] & 1:
                start = x
                while x < size and row[x] & 1:
                    x += 1
                moves.append(f"m{start - last} 0h{x - start}")
                last = x
            else:
                x += 1
        if moves:
            path.append(f"M0 {y + 0.5}" + "".join(moves))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
            f'width="{size}" height="{size}"><path stroke="#000" d="{"".join(path)}"/></svg>')


def labels(lang: str) -> dict:
    return messages(lang)


def format_value(q: Question, value) -> str:
    return answers.format_answer(q.answer_type, value, q.decimals, None)


def correct_options(q: Question) -> list[int]:
    """Indices of the right options of a choice question (empty for other types)."""
    if q.answer_type == "choice":
        return [int(q.answer_value)]
    if q.answer_type == "choices":
        return [int(k) for k in q.answer_value or ()]
    return []


def tolerance_text(q: Question, t: dict) -> str:
    """``±0.005 + 0.01·|Answer|`` for the key; empty when answers must be exact."""
    if not (q.tolerance.abs or q.tolerance.rel):
        return ""
    text = f"±{num(q.tolerance.abs)}"
    if q.tolerance.rel:
        text += f" + {num(q.tolerance.rel)}·|{t['answer']}|"
    return text
