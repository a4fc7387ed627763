"""Per-student feedback, Markdown and HTML: each question, the student's answer, the
correct answer, the points, the misconception note and the worked solution."""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

from ..answers import explain, format_answer, parse
from ..model import ExamInfo, Question
from .grader import StudentResult
from .messages import text
from .scoring import Mark, Policy, fmt_points, size_of

_WORD = re.compile(r"[^\W\d_]{2,}")  # two or more letters in a row

CSS = ("body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;"
       "line-height:1.5}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
       "padding:.2rem .5rem;text-align:left}code{background:#f4f4f4;padding:0 .2rem}"
       ".correct{color:#176b2c}.partial{color:#8a5a00}.wrong,.invalid,.blank,.missing"
       "{color:#a01818}.note{background:#fff7e0;padding:.4rem .6rem;border-left:3px solid #e0a800}"
       "dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dd{margin:0}"
       # wide tables and formulas scroll in their own box (quizgen.render.markup.to_html)
       ".scroll-x{display:block;max-width:100%;overflow-x:auto;overflow-y:hidden}"
       "span.scroll-x{display:inline-block;vertical-align:middle;max-width:calc(100% - .6em)}")


@dataclass(frozen=True)
class QuestionView:
    """The texts of one feedback entry, before Markdown or HTML."""

    heading: str
    points: str
    prompt: str
    given: str
    correct: str
    status: str
    note: str
    solution: str
    css: str


def _reason(q: Question, m: Mark, t, lang: str) -> str:
    """Why an answer could not be read, in ``lang``."""
    if m.reason is None:
        return ""
    if (q.answer_type in ("choice", "choices") and m.reason.code in ("option", "no_option")
            and _a_word(m.text, len(q.options or ()))):
        return t("choices_as_letters" if q.answer_type == "choices" else "choice_as_letter")
    return explain(m.reason, lang)


def _a_word(text: str, n_options: int) -> bool:
    """Whether ``text`` holds a word ("all", "none", "모두") rather than option letters
    with a slip ("ace" with four options: there is no option E)."""
    for w in _WORD.findall(text):
        if not w.isascii():
            return True
        w = w.lower()
        outside = sum(1 for c in w if ord(c) - 97 >= n_options)
        if outside >= 2 or len(set(w)) < len(w):
            return True
    return False


def _size(q: Question, m: Mark, t) -> str:
    """What size a wrong shape, vector or matrix has, against the answer's (no values)."""
    want = size_of(q.answer_type, q.answer_value)
    if m.size is None or want is None:
        return ""
    if q.answer_type == "matrix":
        rows, cols = m.size
        return t("size_matrix", rows=rows, cols=cols, want_rows=want[0], want_cols=want[1],
                 rs="" if rows == 1 else "s", cs="" if cols == 1 else "s")
    n = m.size[0]
    return t("size_shape" if q.answer_type == "shape" else "size_vector", n=n, want=want[0],
             s="" if n == 1 else "s")


def _status(m: Mark, t, lang: str, q: Question | None = None) -> str:
    """The outcome in words; with the question ``q``, also what is wrong with the size of
    the answer and a hint for a word written where option letters go."""
    if m.status == "invalid":
        reason = (_reason(q, m, t, lang) if q is not None
                  else explain(m.reason, lang) if m.reason else "")
        return t("status_invalid", reason=reason)
    ticks = _ticks(q, m) if q is not None and q.answer_type == "choices" else None
    if ticks is not None:  # multiple answers: say what the wrong ticks cost
        right, wrong, total = ticks
        words = {"right": right, "total": total, "wrong": wrong, "s": "" if wrong == 1 else "s",
                 "are": "is" if wrong == 1 else "are", "v": "s" if wrong == 1 else "",
                 "them": "them" if right > 1 else "it"}
        out = t("status_partial_ticks_wrong" if wrong else "status_partial_ticks", **words) \
            if m.status == "partial" else t("status_wrong_ticks", **words)
    elif m.status == "partial":
        out = (t("status_partial", right=m.parts[0], total=m.parts[1]) if m.parts
               else t("status_partial_plain"))
    else:
        out = t("status_" + m.status)
    if m.status == "wrong" and m.size is not None and q is not None:
        size = _size(q, m, t)
        if size:
            out += " " + size
    if m.reason is not None and m.status in ("partial", "wrong"):  # some entries unread
        out += " " + t("entry_unread", reason=explain(m.reason, lang))
    if m.unit:
        out += " " + t("unit_ignored", unit=m.unit)
    return out


def _ticks(q: Question, m: Mark) -> tuple[int, int, int] | None:
    """(right options ticked, other options ticked, right options) of a partly right or a
    wrong multiple-answer question where some right option was ticked; else None."""
    if m.status not in ("partial", "wrong"):
        return None
    # (an answer split over columns q1.1, q1.2, ... is shown as "B | C | D")
    p = parse("choices", m.text.replace("|", " "), n_options=len(q.options) if q.options else None)
    if not p.ok:
        return None
    want = set(q.answer_value)
    right = sum(1 for g in set(p.value) if g in want)
    if right == 0:
        return None
    return right, len(set(p.value)) - right, len(want)


def view(q: Question, m: Mark, t, lang: str, number: int,
         not_graded: bool = False) -> QuestionView:
    """``not_graded``: the student's rows could not be read (no points to show)."""
    note = ""
    if m.misconception:
        for mc in q.misconceptions:
            if mc.id == m.misconception:
                note = t("misconception", feedback=mc.feedback)  # not the id: ours, not theirs
                break
    return QuestionView(
        heading=f"{number}. {q.title}" if q.title and q.title != q.slot else f"{number}. {q.slot}",
        points=t("points_of", points="–" if not_graded else fmt_points(m.points),
                 max=fmt_points(m.max_points), ps="" if m.max_points == 1 else "s"),
        prompt=q.prompt,
        given=" / ".join(m.text.splitlines()) if m.text else t("no_answer"),
        correct=format_answer(q.answer_type, q.answer_value, q.decimals, q.options),
        status=t("status_not_graded") if not_graded else _status(m, t, lang, q), note=note,
        solution=q.solution, css=m.status)


def _not_graded(r: StudentResult, t) -> str:
    if r.unreadable:
        where = ", ".join(f"{Path(i.file).name} {t('line')} {i.line}" for i in r.unreadable)
        return t("not_graded_unreadable", where=where)
    return t("not_submitted")


def _header(r: StudentResult, t) -> tuple[str, str]:
    who = r.student_id + (f" ({r.name})" if r.name else "")
    if r.status == "unreadable":
        return who, f"– / {fmt_points(r.max_total)} ({t('status_not_graded')})"
    score = (f"{fmt_points(r.total)} / {fmt_points(r.max_total)} ({r.percent:.1f} %)")
    return who, score


def _code(s: str) -> str:
    s = s.replace("`", "'")
    return f"`{s}`" if s.strip() else s


def markdown(r: StudentResult, exam: ExamInfo, policy: Policy, lang: str = "en") -> str:
    """The feedback page of one student in Markdown."""
    t = text(lang)
    who, score = _header(r, t)
    out = [f"# {t('feedback_title', title=exam.title or exam.id)}", "",
           f"**{t('student')}:** {who} · **{t('variant')}:** {r.paper.variant} · "
           f"**{t('score')}:** {score}", ""]
    if not r.submitted:
        out += [_not_graded(r, t), ""]
    if policy.choice_penalty:
        out += [t("penalty", share=f"{policy.choice_penalty:.0%}"), ""]
    for n, (q, m) in enumerate(zip(r.paper.questions, r.marks), 1):
        v = view(q, m, t, lang, n, r.status == "unreadable")
        out += [f"## {v.heading} ({v.points})", "", v.prompt, "",
                f"- {t('your_answer')}: {_code(v.given) if m.text else v.given}",
                f"- {t('correct_answer')}: {v.correct}", f"- {v.status}"]
        if v.note:
            out.append(f"- {v.note}")
        if v.solution:
            out += ["", f"**{t('solution')}**", "", v.solution]
        out.append("")
    return "\n".join(out)


# Used only with --mathjax: TeX left for MathJax from a CDN (fast; needs a network to show math).
MATHJAX = ('<script>window.MathJax={tex:{inlineMath:[["\\\\(","\\\\)"]]}};</script>\n'
           '<script defer src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js">'
           '</script>')


def _converters(mathml: bool, lang: str = "en"):
    """(block, inline) Markdown+TeX -> HTML: MathML (offline, default) or TeX for MathJax."""
    if not mathml:
        from ..export.text import to_html as tex_html
        return tex_html, lambda text: tex_html(text, inline=True)
    from ..render.markup import to_html as block_mathml, to_html_inline
    return (lambda text: block_mathml(text, lang)), (lambda text: to_html_inline(text, lang))


def html(r: StudentResult, exam: ExamInfo, policy: Policy, lang: str = "en",
         mathml: bool = True) -> str:
    """The feedback page of one student as a standalone HTML file.

    Math is TeX for MathJax (loaded from a CDN; readable as TeX without it), or with
    ``mathml`` the MathML of the papers: no network needed, about 20 times slower.
    """
    t = text(lang)
    block, span = _converters(mathml, lang)
    who, score = _header(r, t)
    title = escape(t("feedback_title", title=exam.title or exam.id))
    out = ["<!DOCTYPE html>", f'<html lang="{lang}"><head><meta charset="utf-8">',
           f"<title>{title}</title><style>{CSS}</style>", "" if mathml else MATHJAX,
           "</head><body>",
           f"<h1>{title}</h1>",
           f"<p><strong>{t('student')}:</strong> {escape(who)} · <strong>{t('variant')}:"
           f"</strong> {escape(r.paper.variant)} · <strong>{t('score')}:</strong> {score}</p>"]
    if not r.submitted:
        out.append(f'<p class="missing">{escape(_not_graded(r, t))}</p>')
    if policy.choice_penalty:
        out.append(f"<p>{escape(t('penalty', share=f'{policy.choice_penalty:.0%}'))}</p>")
    for n, (q, m) in enumerate(zip(r.paper.questions, r.marks), 1):
        v = view(q, m, t, lang, n, r.status == "unreadable")
        out += [f"<section><h2>{span(v.heading)} <small>({v.points})</small></h2>",
                block(v.prompt), "<dl>",
                f"<dt>{t('your_answer')}</dt><dd><code>{escape(v.given)}</code></dd>"
                if m.text else f"<dt>{t('your_answer')}</dt><dd>{escape(v.given)}</dd>",
                f"<dt>{t('correct_answer')}</dt><dd>{escape(v.correct)}</dd></dl>",
                f'<p class="{v.css}">{escape(v.status)}</p>']
        if v.note:
            out.append(f'<p class="note">{span(v.note)}</p>')
        if v.solution:
            out += [f"<details><summary>{t('solution')}</summary>", block(v.solution),
                    "</details>"]
        out.append("</section>")
    out.append("</body></html>\n")
    return "\n".join(out)
