"""Moodle Cloze (multianswer) text for vector and matrix answers (a blank per number).

Syntax as Moodle's importer reads it (``qtype_multianswer_extract_question`` in
question/type/multianswer/questiontype.php): ``{1:NUMERICAL:=v:tol#feedback~%0%w:tol#fb}``.
The feedback of an alternative ends at the first ``~`` or ``}`` not preceded by a
backslash; Moodle then HTML-entity-decodes it and turns ``\\}`` and ``\\#`` back into
``}`` and ``#``. So feedback HTML is written with ``&`` doubled into ``&amp;`` (the decode
gives the original HTML back), ``}`` and ``#`` backslash-escaped and ``~`` as ``&#126;``.
"""
from __future__ import annotations

from ..model import Question
from . import text, values
from .common import words


def feedback(html: str) -> str:
    """HTML made safe as the feedback of one cloze alternative."""
    s = html.replace("&", "&amp;").replace("}", "\\}").replace("#", "\\#")
    s = s.replace("~", "&#126;")
    return s + " " if s.endswith("\\") else s


def protect(html: str) -> str:
    """Question text around the blanks: no brace may look like cloze syntax."""
    return html.replace("{", "&#123;").replace("}", "&#125;")


# Moodle sizes a Cloze box by the longest text among its alternatives (plus up to 15 % at
# random; qtype_multianswer_textfield_renderer), as it stored them: the number Moodle read
# (``$numberstring + 0`` in qtype_numerical_answer_processor), written back by PHP. A last 0 %
# alternative at least as long as any the bank writes gives every box the same width, so
# that a box's width tells nothing of the answer's sign or digits. It is an integer PHP
# keeps exactly (below 2**63; a float would come back as "-1.0E+19"), no student types it,
# and it scores 0 if one does.
WIDTH_PAD = "-" + "9" * 18


def blank(q: Question, part: values.Part, lang: str, n_parts: int) -> str:
    """One ``{1:NUMERICAL:...}`` blank for one number of the answer."""
    alts = [f"={values.num(part.value)}:{values.num(part.margin)}"
            f"#{feedback(words(lang)['correct'])}"]
    for wrong, fb in values.part_mistakes(q, part, n_parts):
        tol = values.margin(wrong, q.tolerance)
        alts.append(f"%0%{values.num(wrong)}:{values.num(tol)}#{feedback(text.to_html(fb, inline=True))}")
    alts.append(f"%0%{WIDTH_PAD}:0")
    return "{1:NUMERICAL:" + "~".join(alts) + "}"


def question_html(q: Question, lang: str) -> str:
    """The prompt followed by the blanks, laid out like the answer."""
    ps = values.parts(q)
    boxes = [blank(q, p, lang, len(ps)) for p in ps]
    if q.answer_type == "matrix":
        width = max(p.col for p in ps) + 1
        rows = [boxes[i:i + width] for i in range(0, len(boxes), width)]
        cells = "".join("<tr>" + "".join(f"<td>{b}</td>" for b in r) + "</tr>" for r in rows)
        layout = f'<table class="quizgen-matrix"><tbody>{cells}</tbody></table>'
    else:
        layout = "<p>[ " + ", ".join(boxes) + " ]</p>"
    return protect(text.to_html(q.prompt)) + "\n" + layout
