"""What every exporter shares: fixed strings, identifiers, input checks."""
from __future__ import annotations

import functools
import re

from lxml import etree

from ..errors import ExportError
from ..model import ANSWER_TYPES, ExamInfo, Question, SlotVariants
from . import shapes
from .values import ARRAYS, CHOICE, Part

# Fixed words the exports add around the questions, in every supported language.
STRINGS = {
    "en": {
        "correct": "Correct.",
        "incorrect": "Not correct.",
        "solution": "Worked solution",
        "variant": "variant",
        "shape_format": "Type the sizes the question asks for, separated by x.",
        "entry_vector": "Enter entry {k} of the answer (of {n}).",
        "entry_matrix": "Enter the entry in row {r}, column {c} of the answer.",
        "scaled": "Enter your answer multiplied by 10^{k}.",
        "part": "part {k}",
        "exam_note": "Exported by quizgen: one category per exam slot; a random question "
                     "from the category gives each student a different variant.",
    },
    "ko": {
        "correct": "정답입니다.",
        "incorrect": "정답이 아닙니다.",
        "solution": "풀이",
        "variant": "변형",
        "shape_format": "문제가 묻는 크기를 x로 구분해 입력하십시오.",
        "entry_vector": "답의 {k}번 성분을 입력하십시오 (전체 {n}개).",
        "entry_matrix": "답 행렬의 {r}행 {c}열 성분을 입력하십시오.",
        "scaled": "답에 10의 {k}제곱을 곱한 값을 입력하십시오.",
        "part": "{k}번 칸",
        "exam_note": "quizgen으로 내보낸 파일입니다. 시험 문항마다 범주가 하나씩 있으며, 각 범주에서 "
                     "무작위 문제를 하나씩 출제하면 학생마다 다른 변형을 받습니다.",
    },
}


def words(lang: str) -> dict[str, str]:
    """The fixed strings of ``lang`` (English for a language we do not know)."""
    return STRINGS.get(lang, STRINGS["en"])


def ident(text: str, prefix: str = "id") -> str:
    """An XML NCName / QTI identifier made of [A-Za-z0-9_.-], starting with a letter."""
    s = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-") or prefix
    return s if s[0].isalpha() else f"{prefix}-{s}"


def slot_ids(slots: list[SlotVariants]) -> dict[str, str]:
    """Slot name -> a unique identifier-safe form (Korean or odd names stay distinct)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for i, s in enumerate(slots):
        base = cand = ident(s.slot, "slot")
        k = i + 1
        while cand in used:
            cand, k = f"{base}-{k}", k + 1
        used.add(cand)
        out[s.slot] = cand
    return out


def file_stem(exam: ExamInfo) -> str:
    """The exam id as the stem of the export file names."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", exam.id or "exam").strip("-.") or "exam"


def variant_tag(i: int, n: int) -> str:
    """``v001``-style variant number, wide enough for ``n`` variants."""
    return f"v{i + 1:0{max(3, len(str(n)))}d}"


def entry_prompt(q: Question, part: Part, n_parts: int, lang: str) -> str:
    """The sentence telling a student which number of a vector or matrix answer to enter."""
    w = words(lang)
    if q.answer_type == "matrix":
        return w["entry_matrix"].format(r=part.row + 1, c=part.col + 1)
    return w["entry_vector"].format(k=part.index + 1, n=n_parts)


def option_notes(q: Question) -> dict[int, str]:
    """Misconception feedback (Markdown) per option index, for per-option feedback.

    ``choice``: a misconception names the wrong option it picks (the first one wins).
    ``choices``: a misconception is a set of options (as QTI 2.1 matches it); its feedback
    goes on every option of the set that is not a right one, since ticking that option is
    the mistake. A set equal to the key, or one that only leaves right options out (no
    wrong tick to attach to), names no option. Notes meeting on one option are joined as
    paragraphs.
    """
    n = len(q.options or ())
    if q.answer_type == "choice":
        notes: dict[int, str] = {}
        for m in q.misconceptions:
            if isinstance(m.value, int) and m.value != q.answer_value and 0 <= m.value < n \
                    and m.value not in notes:
                notes[m.value] = m.feedback
        return notes
    correct = set(q.answer_value)
    found: dict[int, list[str]] = {}
    for m in q.misconceptions:
        try:
            picks = {int(i) for i in m.value}
        except (TypeError, ValueError):
            continue
        if not picks or picks == correct or any(not 0 <= i < n for i in picks):
            continue
        for i in sorted(picks - correct):
            if m.feedback not in found.setdefault(i, []):
                found[i].append(m.feedback)
    return {i: "\n\n".join(fbs) for i, fbs in sorted(found.items())}


def check_slots(slots: list[SlotVariants]) -> None:
    """Refuse, with a message naming slot and variant, what no exporter can write."""
    if not slots:
        raise ExportError("the exam has no slots to export.")
    seen = set()
    for s in slots:
        if s.slot in seen:
            raise ExportError(f"slot '{s.slot}' appears twice.")
        seen.add(s.slot)
        if not s.variants:
            raise ExportError(f"slot '{s.slot}' has no variants.")
        for i, q in enumerate(s.variants):
            _check_question(q, f"slot '{s.slot}', variant {i + 1}")


def _check_question(q: Question, where: str) -> None:
    t = q.answer_type
    if t not in ANSWER_TYPES:
        raise ExportError(f"{where}: unknown answer type '{t}'.",
                          hint=f"Known types: {', '.join(ANSWER_TYPES)}.")
    v = q.answer_value
    if t in CHOICE:
        n = len(q.options or ())
        picks = [v] if t == "choice" else list(v)
        if n < 2:
            raise ExportError(f"{where}: a {t} question needs at least two options.")
        if not picks or any(not isinstance(i, int) or not 0 <= i < n for i in picks):
            raise ExportError(f"{where}: answer {v!r} does not index the {n} options.")
    elif t in ARRAYS:
        rows = v if t == "matrix" else [v]
        if not rows or not all(isinstance(r, (list, tuple)) and r for r in rows):
            raise ExportError(f"{where}: a {t} answer must be a non-empty list.")
        if t == "shape" and shapes.sizes(v) is None:
            raise ExportError(f"{where}: a shape answer must be whole numbers > 0, not {v!r}.")
    elif isinstance(v, (list, tuple, dict)) or v is None:
        raise ExportError(f"{where}: a {t} answer must be one number, not {v!r}.")


def sub_element(parent, tag: str, value: str | None = None, **attrs) -> etree._Element:
    """A child element in its parent's namespace (``tag`` given unqualified)."""
    el = etree.SubElement(parent, clark_name(parent.tag, tag), attrs)
    if value is not None:
        el.text = value
    return el


@functools.lru_cache(maxsize=None)
def clark_name(parent_tag: str, tag: str) -> str:
    if tag[0] == "{" or parent_tag[0] != "{":
        return tag
    return parent_tag[:parent_tag.index("}") + 1] + tag
