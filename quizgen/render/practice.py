"""The practice page: one self-contained HTML file that checks answers in the browser.

Unlike every other student file it carries the answers (by design): each question's
value, tolerance, decimals and misconception values are in a JSON block, and
``templates/practice/answers.js`` (a port of :mod:`quizgen.answers` and of
:func:`quizgen.grading.scoring.score`) reads the typed text and gives the grader's verdict.
Worked solutions and misconception feedback are pre-rendered (MathML) and only revealed on
request.
"""
from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from markupsafe import Markup

from .. import answers
from ..grading.scoring import UNIT_WORDS
from ..model import Question
from . import common, markup
from .env import render, source
from .html import FONT_STACKS


@lru_cache(maxsize=1)
def digit_zeros() -> list[int]:
    """First code point of every run of decimal digits (Python's ``\\d``) for the JS port."""
    return [cp for cp in range(0x110000)
            if unicodedata.category(chr(cp)) == "Nd" and unicodedata.decimal(chr(cp), -1) == 0]


def script_json(data) -> Markup:
    """JSON that is safe inside ``<script>``: no ``<``, ``>``, ``&`` or line separators."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for a, b in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                 ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(a, b)
    return Markup(text)


def _item(q: Question, n: int, t: dict, lang: str = "en") -> dict:
    layout = common.answer_layout(q)
    return {
        "n": n,
        "title": q.title,
        "topic": q.topic,
        "topic_name": common.topic_name(q.topic, t),
        "level": q.level,
        "template": q.template,
        "prompt": Markup(markup.to_html(q.prompt, lang)),
        "options": [(answers.letters(k), Markup(markup.to_html_inline(o, lang)))
                    for k, o in enumerate(q.options or ())],
        "hint": common.hint(q, t),
        "multiline": q.answer_type == "matrix",
        "layout": layout,
        "solution": Markup(markup.to_html(q.solution, lang)),
        "feedback": [Markup(markup.to_html_inline(m.feedback, lang)) for m in q.misconceptions],
    }


def _entry_unread(lang: str) -> str:
    """The grader's note for an answer with unreadable entries (``{reason}`` left in)."""
    from ..grading.messages import CATALOGUE
    entry = CATALOGUE["entry_unread"]
    return entry.get(lang, entry["en"])


def _check_data(q: Question) -> dict:
    return {
        "type": q.answer_type,
        "value": q.answer_value,
        "tol": q.tolerance.to_dict(),
        "n_options": len(q.options) if q.options is not None else None,
        # an option written out ("Yes") is read as that option (answers.option_by_text)
        "option_keys": ([answers.option_text_key(o) for o in q.options]
                        if q.answer_type == "choice" and q.options else None),
        "decimals": q.decimals,
        "mis": [m.value for m in q.misconceptions],
    }


def page(questions: Sequence[Question], *, lang: str = "en", title: str | None = None,
         topics: Sequence[str] = (), user_dir: str | Path | None = None) -> str:
    """The practice page for ``questions`` (fresh variants drawn by the caller)."""
    t = common.labels(lang)
    lang = lang if lang in FONT_STACKS else "en"
    items = [_item(q, k, t, lang) for k, q in enumerate(questions, 1)]
    data = {
        "questions": [_check_data(q) for q in questions],
        "reasons": {code: text.get(lang, text["en"]) for code, text in answers.REASONS.items()},
        "unit_words": sorted(UNIT_WORDS),   # words the grader leaves out after an answer
        "labels": {**{k: t[k] for k in ("correct", "incorrect", "partly", "partly_ticks",
                                        "partly_ticks_wrong", "incorrect_ticks", "invalid", "read_as",
                                        "show_solution", "hide_solution", "blank_answer")},
                   "entry_unread": _entry_unread(lang)},
    }
    ctx = {
        "t": t, "lang": lang, "font_stack": FONT_STACKS[lang],
        "title": title or t["practice_title"], "topics": list(topics),
        "topic_names": [common.topic_name(x, t) for x in topics], "items": items,
        "data": script_json(data), "zeros": script_json(digit_zeros()),
        "css": Markup(source("practice/practice.css", user_dir=user_dir)),
        "answers_js": Markup(source("practice/answers.js", user_dir=user_dir)),
        "practice_js": Markup(source("practice/practice.js", user_dir=user_dir)),
        "scroll_js": Markup(source("practice/scroll-boxes.js", user_dir=user_dir)),
    }
    return render("practice/page.html.j2", ctx, user_dir=user_dir, autoescape=True)
