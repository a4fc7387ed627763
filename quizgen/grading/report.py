"""The instructor's report (Markdown and HTML) and its score histogram (PNG).

:func:`summarize` gathers the numbers (statistics from :mod:`.stats`, invalid/blank
shares, misconception counts, the templates drawn for each slot, accepted margins);
:func:`markdown` / :func:`html` only lay them out.
"""
from __future__ import annotations

import base64
import difflib
import io
import re
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
MARGIN_TYPES = ("real", "vector", "matrix")  # the answer types scored with a tolerance


@dataclass(frozen=True)
class Family:
    """The questions of one template in a slot (students may draw different ones)."""

    title: str
    template: str
    topic: str
    students: int  # with a submission
    facility: float | None  # their mean share of the points
    margins: tuple[tuple[str, float, float, int | None], ...] = ()  # of its papers

    @property
    def label(self) -> str:
        """The template's id in a code span, or its title when the key has no id."""
        return f"`{self.template}`" if self.template else self.title


@dataclass(frozen=True)
class SlotSummary:
    slot: str
    title: str
    max_points: float
    answered: int
    invalid: int
    blank: int
    # (title, id, students, feedback shared by papers): the title tells the template
    misconceptions: tuple[tuple[str, str, int, str], ...]
    families: tuple[Family, ...] = ()  # more than one: the slot mixes templates
    margins: tuple[tuple[str, float, float, int | None], ...] = ()  # (type, abs, rel, decimals)

    @property
    def mixed(self) -> bool:
        return len(self.families) > 1

    def family(self, title: str) -> Family | None:
        return next((f for f in self.families if f.title == title), None)


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
    # (title, answer type, tolerance, decimals) -> papers: the title tells the template
    kinds: list[Counter] = [Counter() for _ in slots]
    for s in g.students:
        for q in s.paper.questions:
            i = col[q.slot]
            maxes[i] = maxes[i] or float(q.points)
            kinds[i][(q.title or q.slot, q.answer_type, q.tolerance, q.decimals)] += 1
    titles: list[Counter] = [Counter() for _ in slots]
    margins: list[Counter] = [Counter() for _ in slots]
    title_margins: list[dict[str, Counter]] = [{} for _ in slots]
    for i, c in enumerate(kinds):
        for (title, kind, tol, decimals), n in c.items():
            titles[i][title] += n
            margin = (kind, float(tol.abs), float(tol.rel), decimals)
            margins[i][margin] += n
            title_margins[i].setdefault(title, Counter())[margin] += n
    mixed = [len(c) > 1 for c in titles]
    points = []
    answered = [0] * len(slots)
    invalid = [0] * len(slots)
    blank = [0] * len(slots)
    mis: list[Counter] = [Counter() for _ in slots]
    by_title: list[dict[str, list[float]]] = [{} for _ in slots]  # mixed slots: [n, share]
    for s in done:
        row = [0.0] * len(slots)
        for q, m in zip(s.paper.questions, s.marks):
            i = col[q.slot]
            row[i] = m.points
            answered[i] += 1
            invalid[i] += m.status == "invalid"
            blank[i] += m.status == "blank"
            if m.misconception:
                mis[i][(q.title or q.slot, m.misconception)] += 1
            if mixed[i]:
                acc = by_title[i].setdefault(q.title or q.slot, [0, 0.0])
                acc[0] += 1
                acc[1] += m.points / maxes[i] if maxes[i] else 0.0
        points.append(row)
    stats = class_statistics(points, maxes, [s.total for s in done])
    families_of = getattr(g.notes, "families", {})

    def families(i: int, slot: str) -> tuple[Family, ...]:
        out = []
        for title, _ in sorted(titles[i].items(), key=lambda kv: (-kv[1], kv[0])):
            template, topic = families_of.get((slot, title), ("", ""))
            n, share = by_title[i].get(title, (0, 0.0))
            out.append(Family(title, template, topic, n, share / n if n else None,
                              _by_count(title_margins[i][title])))
        return tuple(out)

    def misconceptions(i: int, slot: str, fams: tuple[Family, ...]):
        """Counted and merged per template (title): the templates of a topic slot may give
        one misconception id different texts."""
        order = {f.title: k for k, f in enumerate(fams)}
        return tuple(
            (title, mid, c, shared_text(_texts(g.notes.get((slot, title, mid), ""))))
            for (title, mid), c in sorted(mis[i].items(), key=lambda kv: (
                order.get(kv[0][0], len(order)), -kv[1], kv[0])))

    summaries = []
    for i, slot in enumerate(slots):
        fams = families(i, slot)
        summaries.append(SlotSummary(
            slot, titles[i].most_common(1)[0][0] if titles[i] else slot, maxes[i],
            answered[i], invalid[i], blank[i], misconceptions(i, slot, fams), fams,
            _by_count(margins[i])))
    summaries = tuple(summaries)
    percents = tuple(s.percent for s in done)
    kinds = Counter(i.kind for i in g.issues)
    return Summary(stats, summaries, percents, tuple(sorted(kinds.items())))


def _by_count(c: Counter) -> tuple:
    """The keys of ``c``, the most common first."""
    return tuple(k for k, _ in sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def _texts(note) -> tuple[str, ...]:
    return (note,) if isinstance(note, str) else tuple(note)


# Math and code spans whole, runs of Hangul (a particle after a number: "2이면" is "2",
# "이면"), other runs of non-space characters, and the spaces between them.
_TOKEN = re.compile(r"\$[^$]*\$|`[^`]*`|[\uac00-\ud7a3]+|[^\s$`\uac00-\ud7a3]+|\s+")
GAP = "…"


def shared_text(texts: tuple[str, ...]) -> str:
    """What the feedback texts of one misconception on several papers have in common.

    Each paper's text names its own values ("375 counts only the weights", "48 counts
    only the weights"): the words of the first text that the others do not share become
    ``…`` ("… counts only the weights"). One text is returned as it is.
    """
    if not texts:
        return ""
    if len(texts) == 1:
        return texts[0]
    first = _TOKEN.findall(texts[0].strip())
    words = [t for t in first if not t.isspace()]         # compared without the spaces
    keep = [True] * len(words)
    for other in texts[1:]:
        seen = [False] * len(words)
        theirs = [t for t in _TOKEN.findall(other.strip()) if not t.isspace()]
        matcher = difflib.SequenceMatcher(None, words, theirs, autojunk=False)
        for a, _, size in matcher.get_matching_blocks():
            for k in range(a, a + size):
                seen[k] = True
        keep = [k and s for k, s in zip(keep, seen)]
    # a symbol alone between two gaps ("… × … × …") is part of the gap
    for k, tok in enumerate(words):
        if (keep[k] and not any(c.isalnum() for c in tok) and (k == 0 or not keep[k - 1])
                and (k + 1 == len(words) or not keep[k + 1])):
            keep[k] = False
    out: list[str] = []
    k = 0
    for tok in first:                                      # the first text's own spacing
        if tok.isspace():
            if out and not out[-1].isspace():
                out.append(" ")
            continue
        if keep[k]:
            out.append(tok)
        elif out[-1:] != [GAP] and out[-2:] != [GAP, " "]:  # one gap for a run of unshared words
            out.append(GAP)
        k += 1
    return "".join(out).strip()


def margin_text(margin: tuple[str, float, float, int | None], t) -> str:
    """An accepted margin in words: ``exact``, ``± 0.005``, ``± (0.002 + 0.2 % of the answer)``."""
    kind, a, r, decimals = margin
    if kind not in MARGIN_TYPES or (a == 0 and r == 0):
        out = t("margin_exact")
    elif r == 0:
        out = t("margin_abs", abs=f"{a:g}")
    elif a == 0:
        out = t("margin_rel", rel=f"{100 * r:g}")
    else:
        out = t("margin_abs_rel", abs=f"{a:g}", rel=f"{100 * r:g}")
    if kind in MARGIN_TYPES and decimals is not None:
        out = (t("margin_whole", margin=out) if decimals <= 0
               else t("margin_decimal", margin=out) if decimals == 1
               else t("margin_decimals", margin=out, decimals=decimals))
    return out


def margins_text(sl: SlotSummary, t) -> str:
    """The accepted margins of a slot; of a slot mixing templates whose margins differ,
    each template's (``loss.bce: ± …; loss.mse: ± …``)."""
    def texts(margins) -> str:
        return " / ".join(dict.fromkeys(margin_text(m, t) for m in margins))
    if sl.mixed:
        own = {f.label: texts(f.margins) for f in sl.families}
        if len(set(own.values())) > 1:
            return "; ".join(f"{label}: {m}" for label, m in own.items())
    return texts(sl.margins)


def slot_title(sl: SlotSummary, t) -> str:
    """The title of a slot: its question's, or for a slot that mixes templates its topic."""
    if not sl.mixed:
        return sl.title
    topics = {f.topic for f in sl.families}
    topic = topics.pop() if len(topics) == 1 else ""
    n = len(sl.families)
    return t("mixed_title", topic=topic, n=n) if topic else t("mixed_title_untitled", n=n)


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


def fmt_stat(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "–"
    return f"{x if round(x, digits) else 0.0:.{digits}f}"  # -0.004 is shown as 0.00, not -0.00


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
    out.append(f"{t('kr20') if st.dichotomous else t('alpha')}: **{fmt_stat(st.alpha)}**")
    out.append(f"## {t('items')}")
    head = ["col_slot", "col_title", "col_points", "col_margin", "col_facility", "col_r",
            "col_d", "col_invalid", "col_blank", "col_flags"]
    rows = ["| " + " | ".join(t(h) for h in head) + " |", "|" + "---|" * len(head)]
    for sl, it in zip(s.slots, st.items or [None] * len(s.slots)):
        flags = ", ".join(t("flag_" + f) for f in it.flags) if it else ""
        margins = margins_text(sl, t)
        rows.append("| " + " | ".join([
            sl.slot, slot_title(sl, t).replace("|", "/"), fmt_points(sl.max_points),
            margins.replace("|", "/"),
            fmt_stat(it.facility if it else None), fmt_stat(it.r_corrected if it else None),
            fmt_stat(it.upper_lower if it else None), _pct(sl.invalid, sl.answered),
            _pct(sl.blank, sl.answered), f"**{flags}**" if flags else ""]) + " |")
    out.append("\n".join(rows))
    out.append(t("item_notes", low=FACILITY_LOW, high=FACILITY_HIGH) + " "
               + t("margin_notes"))
    for sl in s.slots:
        if sl.mixed:
            out.append(t("mixed_slot", slot=sl.slot, n=len(sl.families)) + "\n\n" + "\n".join(
                "- " + t("mixed_part", template=f"`{f.template}` " if f.template else "",
                         title=f.title, n=f.students, s="" if f.students == 1 else "s",
                         facility=fmt_stat(f.facility)) for f in sl.families))
    out.append(f"## {t('misconceptions')}")
    mrows = []
    for sl in s.slots:
        for title, mid, c, fb in sl.misconceptions:
            fam = sl.family(title) if sl.mixed else None
            where = f"{sl.slot} ({fam.label})" if fam else sl.slot  # which template's
            mrows.append(f"| {where.replace('|', '/')} | **{mid}**: {fb.replace('|', '/')} | "
                         f"{c} | {_pct(c, fam.students if fam else sl.answered)} |")
    if mrows:
        out.append("\n".join(
            [f"| {t('col_slot')} | {t('col_misconception')} | {t('col_students')} | "
             f"{t('col_share')} |", "|---|---|---|---|"] + mrows))
        out.append(t("misconception_notes"))
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
    body = "\n".join(to_html(b, lang) if b is not None else img for b in blocks(g, s, lang))
    style = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
             "padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:.2rem .5rem;text-align:left}.scroll-x{display:block;max-width:100%;"
             "overflow-x:auto;overflow-y:hidden}span.scroll-x{display:inline-block;"
             "vertical-align:middle;max-width:calc(100% - .6em)}")
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{style}</style></head><body>\n{body}\n</body></html>\n")
