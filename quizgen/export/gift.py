"""GIFT: a plain-text Moodle import format.

``$CATEGORY:`` per slot; integer/real -> numerical ``{#=v:tol#fb =%0%w:tol#fb}``;
shape -> short answer ``{=16 x 50 x 50#fb =16x50x50#fb ... =%0%wrong#fb}``: one text box
accepting the usual spellings of the shape (shapes.py; Moodle imports GIFT short answers
case-insensitive, and ``*`` is written ``\\*`` so that it is no wildcard there), each
misconception's wrong shape as 0% answers with its feedback (``->`` in that feedback or
the solution is written ``→``: with ``=`` it would make Moodle read a matching question);
choice -> ``=right ~wrong``; choices -> ``~%w%`` weights, a misconception's feedback on
the options it ticks wrongly (common.option_notes). A vector or matrix becomes one
numerical question per number, each in its own sub-category of the slot (``<slot>/1``,
``<slot>/2``...), because GIFT has no multi-blank numeric question.
GIFT cannot turn off Moodle's shuffling and a, b, c numbering, so each option starts
with its own letter (``A. ...``): the letters a worked solution names ("Correct: A, C")
stay true in whatever order Moodle shows the options.
Text is ``[plain]`` (so ``<`` and ``&`` stay literal) with math made readable Unicode;
GIFT's special characters ``~ = # { } :`` and ``\\`` are backslash-escaped, newlines
written as ``\\n`` (a blank line would end the question in Moodle's reader).
"""
from __future__ import annotations

import functools

from ..answers import letters
from ..model import ExamInfo, Question, SlotVariants
from . import shapes, text, values
from .common import entry_prompt, file_stem, option_notes, variant_tag, words
from .moodle import category_path

_SPECIAL = ("~", "=", "#", "{", "}", ":")


def esc(s: str) -> str:
    """Plain text with GIFT's special characters escaped, on one line."""
    s = s.replace("\\", "\\\\")  # first, so the escapes below stay single
    for c in _SPECIAL:
        s = s.replace(c, "\\" + c)
    return s.replace("\r", "").replace("\n", "\\n")


@functools.lru_cache(maxsize=65536)
def plain(md: str) -> str:
    """Markdown + TeX -> escaped GIFT text."""
    return esc(text.to_plain(md))


def export(exam: ExamInfo, slots: list[SlotVariants], lang: str) -> bytes:
    """The whole GIFT file."""
    out = [f"// quizgen export of exam {file_stem(exam)}", f"// {words(lang)['exam_note']}", ""]
    exam_id = exam.id or "exam"
    for slot in slots:
        n = len(slot.variants)
        whole = [(i, q) for i, q in enumerate(slot.variants) if q.answer_type not in values.BLANKS]
        split = [(i, q) for i, q in enumerate(slot.variants) if q.answer_type in values.BLANKS]
        if whole:
            out += [f"$CATEGORY: {category_path(exam_id, slot.slot)}", ""]
            out += [line for i, q in whole for line in (_question(q, slot, i, n, lang), "")]
        split_parts = [(i, q, values.parts(q)) for i, q in split]
        for k in range(max((len(ps) for *_, ps in split_parts), default=0)):
            out += [f"$CATEGORY: {category_path(exam_id, slot.slot, str(k + 1))}", ""]
            out += [line for i, q, ps in split_parts if k < len(ps)
                    for line in (_entry_question(q, slot, i, n, ps, k, lang), "")]
    return ("\n".join(out) + "\n").encode("utf-8")


def _head(q: Question, slot: SlotVariants, i: int, n: int, extra: str = "") -> str:
    name = f"{slot.slot} {variant_tag(i, n)}{extra} {q.title}".strip()
    return f"::{esc(name)}::[plain]"


def _solution(q: Question) -> str:
    return f"\t####{plain(q.solution)}\n" if q.solution.strip() else ""


def _question(q: Question, slot: SlotVariants, i: int, n: int, lang: str) -> str:
    head = _head(q, slot, i, n) + plain(q.prompt)
    if q.answer_type in values.NUMERIC:
        return head + _numeric_answers(q, values.parts(q)[0], lang)
    if q.answer_type == "shape":
        return head + "\\n\\n" + esc(words(lang)["shape_format"]) + _shape_answers(q, lang)
    return head + _choice_answers(q)


def _numeric_answers(q: Question, part: values.Part, lang: str, n_parts: int = 1) -> str:
    lines = [f"\t={values.num(part.value)}:{values.num(part.margin)}"
             f"#{esc(words(lang)['correct'])}"]
    for wrong, fb in values.part_mistakes(q, part, n_parts):
        tol = values.margin(wrong, q.tolerance)
        lines.append(f"\t=%0%{values.num(wrong)}:{values.num(tol)}#{plain(fb)}")
    return "{#\n" + "\n".join(lines) + "\n" + _solution(q) + "}"


def _no_arrow(s: str) -> str:
    """Escaped text inside a short answer's braces: no ``->`` (see the module docstring)."""
    return s.replace("->", "→")


def _shape_answers(q: Question, lang: str) -> str:
    key = shapes.key(q)
    right = esc(words(lang)["correct"])
    lines = [f"\t={esc(shapes.moodle_literal(t))}#{right}" for t in key.right]
    for m in key.mistakes:
        fb = _no_arrow(plain(m.feedback))
        lines += [f"\t=%0%{esc(shapes.moodle_literal(t))}#{fb}" for t in m.texts]
    return "{\n" + "\n".join(lines) + "\n" + _no_arrow(_solution(q)) + "}"


def _choice_answers(q: Question) -> str:
    options = list(q.options or ())
    single = q.answer_type == "choice"
    correct = {q.answer_value} if single else set(q.answer_value)
    notes = option_notes(q)
    if not single:
        pos, neg = values.choices_fractions(len(correct), len(options) - len(correct))
        it = iter(pos)
    lines = []
    for i, opt in enumerate(options):
        if single:
            mark = "=" if i in correct else "~"
        else:
            mark = f"~%{values.pct(next(it) if i in correct else neg)}%"
        fb = f"#{plain(notes[i])}" if i in notes else ""
        lines.append(f"\t{mark}{esc(letters(i))}. {plain(opt)}{fb}")
    return "{\n" + "\n".join(lines) + "\n" + _solution(q) + "}"


def _entry_question(q: Question, slot: SlotVariants, i: int, n: int, ps: list, k: int,
                    lang: str) -> str:
    part = ps[k]
    ask = entry_prompt(q, part, len(ps), lang)
    head = _head(q, slot, i, n, f" {words(lang)['part'].format(k=k + 1)}")
    return head + plain(q.prompt) + "\\n\\n" + esc(ask) + _numeric_answers(q, part, lang, len(ps))
