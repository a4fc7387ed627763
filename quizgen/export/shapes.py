"""A ``shape`` answer as one text entry: the usual spellings of the right shape, exactly.

Printed papers do not tell how many dimensions a shape has, so the exports do not either:
a shape is one text box whatever its size (never a box per dimension), under a fixed
sentence saying how to type it (``STRINGS['shape_format']``, the same example for every
shape). Its sizes are whole numbers, so comparing text is exact: the box accepts the
spellings below and nothing else (no wildcard, no range). Every LMS written here compares
the trimmed text case-insensitively (Moodle shortanswer with usecase 0 and GIFT, Canvas
short answer, QTI 2.1 ``caseSensitive="false"``), so ``16 X 50 X 50`` needs no entry of its
own. Moodle reads ``*`` in a short answer as a wildcard: :func:`moodle_literal` escapes it.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from ..errors import ExportError
from ..model import Question


def sizes(value: Any) -> tuple[int, ...] | None:
    """The sizes of a shape as whole numbers > 0, or None when ``value`` is not a shape."""
    if not isinstance(value, (list, tuple)) or not value:
        return None
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        if isinstance(v, float) and not v.is_integer():
            return None
        if v <= 0:
            return None
        out.append(int(v))
    return tuple(out)


def spellings(dims: tuple[int, ...]) -> list[str]:
    """Every accepted way to type ``dims``, the form the prompt asks for first.

    ``16 x 50 x 50``, ``16x50x50``, ``16 × 50 × 50``, ``16×50×50``, ``16*50*50``,
    ``(16, 50, 50)``, ``(16,50,50)``, ``[16, 50, 50]``, ``[16,50,50]``, ``16, 50, 50``,
    ``16,50,50``; one size: ``40000``, ``(40000,)``, ``[40000]``, ``(40000)``.
    """
    d = [str(x) for x in dims]
    if len(d) == 1:
        return [d[0], f"({d[0]},)", f"[{d[0]}]", f"({d[0]})"]
    spaced, tight = ", ".join(d), ",".join(d)
    return [" x ".join(d), "x".join(d), " × ".join(d), "×".join(d), "*".join(d),
            f"({spaced})", f"({tight})", f"[{spaced}]", f"[{tight}]", spaced, tight]


class Mistake(NamedTuple):
    """A misconception's wrong shape: its index in ``q.misconceptions``, spellings, feedback."""

    index: int
    texts: list[str]
    feedback: str


class Key(NamedTuple):
    """What a shape's text box accepts (``right``) and the wrong shapes with feedback."""

    right: list[str]
    mistakes: list[Mistake]
    dims: tuple[int, ...]       # the shape itself (at least one size)


def key(q: Question) -> Key:
    """The accepted texts of a shape question and its misconceptions' wrong shapes.

    A misconception counts when its value is a shape other than the answer (of any number
    of dimensions: one box shows none) and not a repeat of an earlier one.
    """
    dims = sizes(q.answer_value)
    if dims is None:
        raise ExportError(f"a shape answer must be whole numbers > 0, not {q.answer_value!r}")
    seen = {dims}
    mistakes = []
    for j, m in enumerate(q.misconceptions):
        wrong = sizes(m.value)
        if wrong is None or wrong in seen:
            continue
        seen.add(wrong)
        mistakes.append(Mistake(j, spellings(wrong), m.feedback))
    return Key(spellings(dims), mistakes, dims)


def moodle_literal(text: str) -> str:
    """``text`` as a Moodle short answer that matches only itself: ``*`` (a wildcard
    there) written ``\\*``."""
    return text.replace("*", "\\*")
