"""Self-contained HTML papers and key: MathML math, inline CSS and QR codes, no network.

One page per student (``papers/<id>.html``, never answers) and ``key.html``. Templates are
``templates/html/*.j2`` rendered with autoescape in the sandboxed environment; question
texts arrive already converted (:func:`quizgen.render.markup.to_html`) as safe markup.
"""
from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup

from .. import answers
from ..model import Question, Quiz, StudentPaper
from . import common, markup
from .env import render, source
from .markdown import safe_name

_FAMILIES = {
    "en": ("Libertinus Serif", "Noto Serif", "DejaVu Serif", "Noto Serif CJK KR",
           "Noto Sans CJK KR", "NanumMyeongjo", "NanumGothic", "Apple SD Gothic Neo",
           "Malgun Gothic", "serif"),
    "ko": ("Noto Serif CJK KR", "Noto Sans CJK KR", "NanumMyeongjo", "NanumGothic",
           "Apple SD Gothic Neo", "Malgun Gothic", "Noto Serif", "DejaVu Serif", "serif"),
}
_GENERIC = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui", "math"}
_FAMILY = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-]*")


def css_font_stack(families) -> Markup:
    """A CSS ``font-family`` value, safe to place in ``<style>`` as it is.

    Jinja's autoescape would write ``"`` as ``&#34;``, which a browser does not decode
    inside ``<style>``: the declaration breaks and the page falls back to the browser's
    default font. So the value is built here from plain family names (letters, digits,
    spaces, hyphens: nothing that could end the rule or the element) and marked safe.
    """
    out = []
    for name in families:
        if not _FAMILY.fullmatch(name):
            raise ValueError(f"unexpected font family name {name!r}")
        out.append(name if name in _GENERIC else f'"{name}"')
    return Markup(", ".join(out))


FONT_STACKS = {lang: css_font_stack(fams) for lang, fams in _FAMILIES.items()}


def question_view(q: Question, n: int, t: dict, lang: str = "en") -> dict:
    """What a student sees of one question (no answer, no solution)."""
    return {
        "n": n,
        "points_text": common.points_text(q, t),
        "prompt": Markup(markup.to_html(q.prompt, lang)),
        "options": [(answers.letters(k), Markup(markup.to_html_inline(o, lang)))
                    for k, o in enumerate(q.options or ())],
        "layout": common.answer_layout(q),
        "hint": common.hint(q, t),
        "answer_type": q.answer_type,
    }


def _answer_html(q: Question, value, t: dict | None) -> Markup:
    """The answer as HTML; a matrix in a named scroll box (with ``t``) or as a bare table
    (in the key's table of answers, which scrolls as a whole)."""
    if q.answer_type == "matrix" and isinstance(value, list) and value \
            and all(isinstance(r, list) for r in value):
        rows = "".join("<tr>" + "".join(f"<td>{answers.format_answer('real', x, q.decimals)}</td>"
                                        for x in row) + "</tr>" for row in value)
        if t is None:
            return Markup(f'<table class="matrix">{rows}</table>')
        # in a box that scrolls sideways when the matrix is wider than the window: a <div>
        # (a <table> in a <span> or a <p> is not HTML: the parser closes them before it,
        # leaving an empty box), so its container is a <div> or an <li> too
        name = Markup.escape(t["scroll_formula"])
        return Markup(f'<div class="scroll-x" tabindex="0" role="group" aria-label="{name}">'
                      f'<table class="matrix">{rows}</table></div>')
    return Markup.escape(common.format_value(q, value))


def key_view(q: Question, n: int, t: dict, lang: str = "en") -> dict:
    d = question_view(q, n, t, lang)
    d.update({
        "template": q.template,
        "answer": _answer_html(q, q.answer_value, t),
        "answer_cell": _answer_html(q, q.answer_value, None),
        "correct": set(common.correct_options(q)),
        "tolerance": common.tolerance_text(q, t),
        "solution": Markup(markup.to_html(q.solution, lang)),
        "pytorch": q.pytorch,
        "misconceptions": [{"id": m.id, "value": _answer_html(q, m.value, t),
                            "feedback": Markup(markup.to_html_inline(m.feedback, lang))}
                           for m in q.misconceptions],
    })
    return d


def _context(quiz: Quiz, t: dict, user_dir=None) -> dict:
    lang = quiz.exam.lang if quiz.exam.lang in FONT_STACKS else "en"
    return {"exam": quiz.exam, "t": t, "lang": lang, "font_stack": FONT_STACKS[lang],
            "instructions": Markup(markup.to_html(quiz.exam.instructions, lang)),
            "style": Markup(source("html/style.css", user_dir=user_dir))}


def student_page(quiz: Quiz, paper: StudentPaper, *, user_dir: str | Path | None = None) -> str:
    t = common.labels(quiz.exam.lang)
    ctx = _context(quiz, t, user_dir)
    ctx.update({
        "paper": paper,
        "qr": Markup(common.qr_svg(common.qr_payload(quiz.exam, paper))),
        "questions": [question_view(q, k, t, ctx["lang"]) for k, q in enumerate(paper.questions, 1)],
    })
    return render("html/paper.html.j2", ctx, user_dir=user_dir, autoescape=True)


def key_page(quiz: Quiz, *, user_dir: str | Path | None = None) -> str:
    t = common.labels(quiz.exam.lang)
    ctx = _context(quiz, t, user_dir)
    ctx["students"] = [{"paper": p, "questions": [key_view(q, k, t, ctx["lang"])
                                                  for k, q in enumerate(p.questions, 1)]}
                       for p in quiz.papers]
    return render("html/key.html.j2", ctx, user_dir=user_dir, autoescape=True)


def files(quiz: Quiz, *, user_dir: str | Path | None = None, key: bool = True, **_) -> dict[str, str]:
    """``papers/<id>.html`` for every student and ``key.html``."""
    out = {f"papers/{safe_name(p.student.student_id)}.html": student_page(quiz, p, user_dir=user_dir)
           for p in quiz.papers}
    if key:
        out["key.html"] = key_page(quiz, user_dir=user_dir)
    return out
