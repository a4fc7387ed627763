"""Moodle XML (``<quiz>``): one category per slot holding that slot's variants.

Mapping (rules checked by tests/moodle_rules.py against Moodle's importer):
integer/real -> ``numerical`` (misconceptions as extra 0% answers with their feedback);
shape -> ``shortanswer`` (case-insensitive, usecase 0): one text box accepting the usual
spellings of the shape, ``*`` escaped so that it is no wildcard (shapes.py), each
misconception's wrong shape as 0% answers with its feedback; vector/matrix -> ``cloze``
with one NUMERICAL blank per number; choice -> ``multichoice`` single; choices ->
``multichoice`` multiple with grades from Moodle's list (a misconception's feedback on the
wrong options it ticks, common.option_notes). Every type but cloze carries the slot's
points as ``defaultgrade``.
Text is HTML in CDATA with math as ``\\( \\)`` / ``\\[ \\]`` for Moodle's MathJax filter.
"""
from __future__ import annotations

import html
from xml.sax.saxutils import escape as xml_escape

from lxml import etree

from ..model import ExamInfo, Question, SlotVariants
from . import cloze, shapes, text, values
from .common import file_stem, option_notes, variant_tag, words
from .files import xml_bytes

PENALTY = "0.3333333"


def _cdata(s: str) -> etree.CDATA:
    return etree.CDATA(s.replace("]]>", "]]&gt;"))


def _sub(parent, tag: str, value: str | None = None, **attrs) -> etree._Element:
    el = etree.SubElement(parent, tag, **attrs)
    if value is not None:
        el.text = value
    return el


def _html(parent, tag: str, content: str) -> etree._Element:
    el = _sub(parent, tag, format="html")
    _sub(el, "text").text = _cdata(content)
    return el


def category_path(*names: str) -> str:
    """``$course$/top/a/b`` with ``/`` inside a name doubled (Moodle's assemble_category_path)."""
    parts = [n.replace("/", "//").strip() or "-" for n in names]
    return "/".join(["$course$", "top"] + parts)


def export(exam: ExamInfo, slots: list[SlotVariants], lang: str) -> bytes:
    """The whole ``<quiz>`` document."""
    quiz = etree.Element("quiz")
    quiz.append(etree.Comment(f" quizgen export of exam {file_stem(exam)} "))
    for slot in slots:
        cat = _sub(quiz, "question", type="category")
        _sub(_sub(cat, "category"), "text", category_path(exam.id or "exam", slot.slot))
        _html(cat, "info", html.escape(slot.title or slot.slot))
        n = len(slot.variants)
        for i, q in enumerate(slot.variants):
            quiz.append(question(q, slot, f"{exam.id}-{slot.slot}-{variant_tag(i, n)}"[-100:],
                                 f"{slot.slot} {variant_tag(i, n)} {q.title}".strip(), lang))
    return xml_bytes(quiz)


def question(q: Question, slot: SlotVariants, idnumber: str, name: str, lang: str):
    """One ``<question>`` element for one variant."""
    kind = {"integer": "numerical", "real": "numerical", "shape": "shortanswer",
            "choice": "multichoice", "choices": "multichoice"}.get(q.answer_type, "cloze")
    el = etree.Element("question", type=kind)
    _sub(_sub(el, "name"), "text", name)
    if kind == "cloze":
        body = cloze.question_html(q, lang)
    elif kind == "shortanswer":
        body = text.to_html(q.prompt) + "\n" + text.to_html(words(lang)["shape_format"])
    else:
        body = text.to_html(q.prompt)
    _html(el, "questiontext", body)
    _html(el, "generalfeedback", text.to_html(q.solution))
    if kind != "cloze":
        _sub(el, "defaultgrade", values.num(slot.points if q.points is None else q.points))
    _sub(el, "penalty", PENALTY)
    _sub(el, "hidden", "0")
    _sub(el, "idnumber", idnumber)
    if kind == "numerical":
        _numerical(el, q, lang)
    elif kind == "shortanswer":
        _shortanswer(el, q, lang)
    elif kind == "multichoice":
        _multichoice(el, q, lang)
    return el


def _answer(parent, fraction: str, value: str, feedback_html: str, fmt: str = "moodle_auto_format"):
    a = _sub(parent, "answer", fraction=fraction, format=fmt)
    if fmt == "html":
        _sub(a, "text").text = _cdata(value)
    else:
        _sub(a, "text", value)
    _html(a, "feedback", feedback_html)
    return a


def _numerical(el, q: Question, lang: str) -> None:
    (part,) = values.parts(q)
    a = _answer(el, "100", values.num(part.value), html.escape(words(lang)["correct"]))
    _sub(a, "tolerance", values.num(part.margin))
    for wrong, fb in values.part_mistakes(q, part, 1):
        a = _answer(el, "0", values.num(wrong), text.to_html(fb))
        _sub(a, "tolerance", values.num(values.margin(wrong, q.tolerance)))
    for tag, value in (("unitgradingtype", "0"), ("unitpenalty", "0.1000000"),
                       ("showunits", "3"), ("unitsleft", "0")):
        _sub(el, tag, value)


_KEEP_CDATA = etree.XMLParser(strip_cdata=False)


def _shortanswer(el, q: Question, lang: str) -> None:
    """Every spelling of the shape at 100%, of each wrong shape at 0% with its feedback.

    The answers (11 per shape) are parsed from one string, which lxml does in C: built
    element by element, bench_export's 600 shape questions took 0.28 s instead of 0.17 s."""
    key = shapes.key(q)
    _sub(el, "usecase", "0")
    rows = [("100", t, html.escape(words(lang)["correct"])) for t in key.right]
    rows += [("0", t, text.to_html(m.feedback)) for m in key.mistakes for t in m.texts]
    answers = "".join(
        f'<answer fraction="{f}" format="moodle_auto_format">'
        f"<text>{xml_escape(shapes.moodle_literal(t))}</text><feedback format=\"html\">"
        f'<text><![CDATA[{fb.replace("]]>", "]]&gt;")}]]></text></feedback></answer>'
        for f, t, fb in rows)
    el.extend(etree.fromstring(f"<answers>{answers}</answers>", _KEEP_CDATA))


def _multichoice(el, q: Question, lang: str) -> None:
    single = q.answer_type == "choice"
    options = list(q.options or ())
    correct = {q.answer_value} if single else set(q.answer_value)
    if single:
        grades = {i: (100.0 if i in correct else 0.0) for i in range(len(options))}
    else:
        pos, neg = values.choices_fractions(len(correct), len(options) - len(correct))
        it = iter(pos)
        grades = {i: (next(it) if i in correct else neg) for i in range(len(options))}
    notes = option_notes(q)  # misconception feedback on the option(s) it ticks wrongly
    _sub(el, "single", "true" if single else "false")
    _sub(el, "shuffleanswers", "false")  # options are already shuffled per variant
    _sub(el, "answernumbering", "ABCD")
    _sub(el, "showstandardinstruction", "0")
    w = words(lang)
    _html(el, "correctfeedback", html.escape(w["correct"]))
    _html(el, "partiallycorrectfeedback", "")
    _html(el, "incorrectfeedback", html.escape(w["incorrect"]))
    for i, opt in enumerate(options):
        fb = text.to_html(notes[i]) if i in notes else ""
        _answer(el, values.pct(grades[i]), text.to_html(opt, inline=True), fb, fmt="html")
    if not single:
        _sub(el, "shownumcorrect")
