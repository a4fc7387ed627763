"""The instructor's report (Markdown and HTML) and its score histogram (PNG).

:func:`summarize` gathers the numbers (statistics from :mod:`.stats`, invalid/blank
shares, misconception counts); :func:`markdown` / :func:`html` only lay them out.
"""
from __future__ import annotations

import base64
import io
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from .feedback import fmt_points
from .grader import Graded
from ..render.markup import to_html
from .messages import text
from .stats import FACILITY_HIGH, FACILITY_LOW, ClassStats, class_statistics

HISTOGRAM = "score-histogram.png"
_DELIMS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}


@dataclass(frozen=True)
class SlotSummary:
    slot: str
    title: str
    max_points: float
    answered: int
    invalid: int
    blank: int
    misconceptions: tuple[tuple[str, int, str], ...]  # (id, students, feedback)


@dataclass(frozen=True)
class Summary:
    stats: ClassStats
    slots: tuple[SlotSummary, ...]
    percents: tuple[float, ...]
    issue_counts: tuple[tuple[str, int], ...]


def summarize(g: Graded) -> Summary:
    """All numbers of the report, from graded students (only those who submitted count)."""
    done = [s for s in g.students if s.submitted]
    slots = g.slots
    col = {s: i for i, s in enumerate(slots)}
    maxes = [0.0] * len(slots)
    titles: list[Counter] = [Counter() for _ in slots]
    for s in g.students:
        for q in s.paper.questions:
            maxes[col[q.slot]] = maxes[col[q.slot]] or float(q.points)
            titles[col[q.slot]][q.title or q.slot] += 1
    points = []
    answered = [0] * len(slots)
    invalid = [0] * len(slots)
    blank = [0] * len(slots)
    mis: list[Counter] = [Counter() for _ in slots]
    for s in done:
        row = [0.0] * len(slots)
        for q, m in zip(s.paper.questions, s.marks):
            i = col[q.slot]
            row[i] = m.points
            answered[i] += 1
            invalid[i] += m.status == "invalid"
            blank[i] += m.status == "blank"
            if m.misconception:
                mis[i][m.misconception] += 1
        points.append(row)
    stats = class_statistics(points, maxes, [s.total for s in done])
    summaries = tuple(
        SlotSummary(slot, titles[i].most_common(1)[0][0] if titles[i] else slot, maxes[i],
                    answered[i], invalid[i], blank[i],
                    tuple((k, c, g.notes.get((slot, k), "")) for k, c in
                          sorted(mis[i].items(), key=lambda kv: (-kv[1], kv[0]))))
        for i, slot in enumerate(slots))
    percents = tuple(s.percent for s in done)
    kinds = Counter(i.kind for i in g.issues)
    return Summary(stats, summaries, percents, tuple(sorted(kinds.items())))


def histogram_png(percents: tuple[float, ...], lang: str = "en") -> bytes:
    """A bar chart of scores in 5 % bins; byte-identical for the same input."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    family = _cjk_font() if lang == "ko" else None
    t = text(lang if lang == "en" or family else "en")
    fig = Figure(figsize=(6.4, 3.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.hist(list(percents), bins=[5.0 * k for k in range(21)], color="#4c72b0",
            edgecolor="white")
    ax.set_xlim(0, 100)
    ax.set_xlabel(t("histogram_x"), family=family)
    ax.set_ylabel(t("histogram_y"), family=family)
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


@lru_cache(maxsize=1)
def _cjk_font() -> str | None:
    """An installed font with Hangul, if any (else the Korean plot keeps English labels)."""
    from matplotlib import font_manager

    for name in ("Noto Sans CJK KR", "NanumGothic", "Malgun Gothic", "AppleGothic",
                 "Noto Sans KR", "UnDotum"):
        try:
            font_manager.findfont(font_manager.FontProperties(family=name),
                                  fallback_to_default=False)
            return name
        except ValueError:
            continue
    return None


def _pairs(items: list[tuple[str, object]]) -> str:
    return "\n".join(f"- **{a}:** {b}" for a, b in items)


def _n(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f} %" if whole else "–"


def blocks(g: Graded, s: Summary, lang: str = "en") -> list[str | None]:
    """The report as Markdown blocks; ``None`` stands where the histogram goes."""
    t = text(lang)
    st = s.stats
    exam = g.quiz.exam
    n_key = len(g.students)
    n_unreadable = sum(1 for x in g.students if x.status == "unreadable")
    out: list[str | None] = [
        f"# {t('report_title', title=exam.title or exam.id)}",
        f"## {t('summary')}",
        _pairs([
            (t("students_in_key"), n_key), (t("submitted"), st.n),
            (t("missing"), n_key - st.n - n_unreadable),
            *([(t("unreadable"), n_unreadable)] if n_unreadable else []),
            (t("rows_read"), g.rows_read),
            (t("rows_graded"), g.rows_graded), (t("rows_reported"), g.rows_reported),
            *([(t("notes_reported"), g.notes_reported)] if g.notes_reported else []),
            (t("keep_rule"), t("keep_" + g.keep)),
            (t("partial_rule"), t("partial_" + g.policy.multipart))]),
        f"## {t('distribution')}", None]
    m = st.max_total or 1.0

    def pts(x: float | None) -> str:
        return "–" if x is None else f"{fmt_points(x)} / {fmt_points(st.max_total)} " \
                                     f"({100 * x / m:.1f} %)"
    out.append(_pairs([
        (t("n"), st.n), (t("mean"), pts(st.mean)), (t("median"), pts(st.median)),
        (t("sd"), "–" if st.sd is None else f"{st.sd:.2f} ({100 * st.sd / m:.1f} %)"),
        (t("min_max"), f"{fmt_points(st.minimum)} / {fmt_points(st.maximum)}")]))
    out.append(f"## {t('reliability')}")
    out.append(f"{t('kr20') if st.dichotomous else t('alpha')}: **{_n(st.alpha)}**")
    out.append(f"## {t('items')}")
    head = ["col_slot", "col_title", "col_points", "col_facility", "col_r", "col_d",
            "col_invalid", "col_blank", "col_flags"]
    rows = ["| " + " | ".join(t(h) for h in head) + " |", "|" + "---|" * len(head)]
    for sl, it in zip(s.slots, st.items or [None] * len(s.slots)):
        flags = ", ".join(t("flag_" + f) for f in it.flags) if it else ""
        rows.append("| " + " | ".join([
            sl.slot, sl.title.replace("|", "/"), fmt_points(sl.max_points),
            _n(it.facility if it else None), _n(it.r_corrected if it else None),
            _n(it.upper_lower if it else None), _pct(sl.invalid, sl.answered),
            _pct(sl.blank, sl.answered), f"**{flags}**" if flags else ""]) + " |")
    out.append("\n".join(rows))
    out.append(t("item_notes", low=FACILITY_LOW, high=FACILITY_HIGH))
    out.append(f"## {t('misconceptions')}")
    mrows = [(sl, mid, c, fb) for sl in s.slots for mid, c, fb in sl.misconceptions]
    if mrows:
        out.append("\n".join(
            [f"| {t('col_slot')} | {t('col_misconception')} | {t('col_students')} | "
             f"{t('col_share')} |", "|---|---|---|---|"]
            + [f"| {sl.slot} | **{mid}**: {fb.replace('|', '/')} | {c} | "
               f"{_pct(c, sl.answered)} |" for sl, mid, c, fb in mrows]))
    else:
        out.append(t("no_misconceptions"))
    out.append(f"## {t('issues')}")
    if s.issue_counts:
        out.append("\n".join([f"| {t('col_kind')} | {t('col_count')} |", "|---|---|"]
                             + [f"| {t('kind_' + k)} | {c} |" for k, c in s.issue_counts]))
        out.append(t("issues_note"))
    else:
        out.append(t("no_issues"))
    out.append(f"## {t('mapping')}")
    def delimiter(d: str) -> str:
        return t("delimiter_" + _DELIMS[d]) if d in _DELIMS else d
    out.append("\n".join(
        f"- `{Path(f.path).name}` ({t('layout_' + f.layout)}, {delimiter(f.delimiter)}): "
        + ", ".join(f"{k} ← “{v}”" for k, v in f.mapping.items()) for f in g.files))
    return out


def markdown(g: Graded, s: Summary, lang: str = "en") -> str:
    alt = text(lang)("histogram_alt")
    parts = [b if b is not None else f"![{alt}]({HISTOGRAM})" for b in blocks(g, s, lang)]
    return "\n\n".join(parts) + "\n"


def html(g: Graded, s: Summary, png: bytes, lang: str = "en") -> str:
    t = text(lang)
    title = escape(t("report_title", title=g.quiz.exam.title or g.quiz.exam.id))
    img = (f'<img alt="{escape(t("histogram_alt"))}" src="data:image/png;base64,'
           + base64.b64encode(png).decode("ascii") + '">')
    body = "\n".join(to_html(b) if b is not None else img for b in blocks(g, s, lang))
    style = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
             "padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:.2rem .5rem;text-align:left}")
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{style}</style></head><body>\n{body}\n</body></html>\n")
