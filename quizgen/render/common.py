"""What the HTML and PDF renderers share: answer-box layouts, QR payloads, labels.

Everything here reads only the Quiz record. The answer layout uses an answer's *type*
only: neither its values nor its size (see :func:`answer_layout`).
"""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from .. import answers
from ..i18n import messages
from ..model import ExamInfo, Question, StudentPaper
from ..texfmt import num


def answer_layout(q: Question) -> dict:
    """How the answer space looks: a box, a full-width line, a blank area, or option marks.

    It depends on the answer *type* only, never on the answer: how many dimensions a shape
    has, how many entries a vector or how many rows and columns a matrix has is part of
    what the student works out, so the paper must not show it.

    ``{"kind": "box", "wide": bool}`` (integer; real: wide), ``{"kind": "line"}`` (shape,
    vector: one box across the text width), ``{"kind": "area"}`` (matrix: one blank area of
    fixed size, room for the largest matrix of the bank: 6 x 6), ``{"kind": "options", "multi":
    bool, "n": k}`` (choice/choices: marks beside the options, which the prompt shows anyway).
    """
    t = q.answer_type
    # "wide": what a template written before "line" and "area" existed draws instead.
    if t in ("shape", "vector"):
        return {"kind": "line", "wide": True}
    if t == "matrix":
        return {"kind": "area", "wide": True}
    if t in ("choice", "choices"):
        return {"kind": "options", "multi": t == "choices", "n": len(q.options or ())}
    return {"kind": "box", "wide": t == "real"}


def points_text(q: Question, t: dict) -> str:
    """``1 point``, ``2 points``; Korean attaches the counter: ``1점``."""
    return t["point_n" if q.points == 1 else "points_n"].format(n=num(q.points))


def topic_name(topic: str, t: dict) -> str:
    """A topic's name in the labels' language; a topic without one (a user's bank) by its id."""
    return t.get("topic_name_" + topic, topic)


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
