"""The one scoring policy: a student's text for a Question -> a :class:`Mark`.

Built on :mod:`quizgen.answers` (reading, tolerances, per-part credit). LMS exporters
use :func:`accepted_interval` so their numeric tolerances agree with the grader.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from .. import answers
from ..answers import BLANK, Parsed, parse
from ..model import Question

MULTIPART = ("shape", "vector", "matrix")


@dataclass(frozen=True)
class Policy:
    """How credit is given.

    ``multipart``: ``proportional`` (per component of shapes, vectors, matrices) or
    ``all`` (all-or-nothing). ``choice_penalty``: the share of a single-choice question's
    points a wrong (not blank, not invalid) answer loses (0 = no negative marking).
    Multiple-answer choice is always right minus wrong over the right ones, floor 0.
    """

    multipart: str = "proportional"
    choice_penalty: float = 0.0


class Mark(NamedTuple):
    """The outcome for one question of one student (a tuple: a class has 10^5 of them).

    ``status``: correct, partial, wrong, invalid (unreadable: ``reason`` says why), blank,
    or missing (no submission at all). A partial or wrong answer of which some entries
    could not be read (or a box was left blank) keeps the first such entry's ``reason``
    (a Parsed with ``ok=True``); those entries count as wrong. ``unit``: a word after the
    answer that was left out to read it (``114 parameters``). ``size``: of a wrong shape,
    vector or matrix whose size differs from the answer's, the size given (``(n,)``, or
    ``(rows, columns)`` of a matrix).
    """

    slot: str
    status: str
    points: float
    max_points: float
    text: str = ""
    reason: Parsed | None = None
    misconception: str | None = None
    parts: tuple[int, int] | None = None  # (right, total) of a partly correct answer
    unit: str = ""
    size: tuple[int, ...] | None = None

    @property
    def fraction(self) -> float:
        return self.points / self.max_points if self.max_points else 0.0


@lru_cache(maxsize=4096)
def fmt_points(x: float) -> str:
    """Points as people write them: 2, 1.5, 0.67 (cached: a class repeats a few values)."""
    r = round(x, 2) + 0.0
    return str(int(r)) if r.is_integer() else f"{r:.2f}".rstrip("0")


# A number, shape, vector or matrix followed by one or two words of letters only
# ("114 parameters", "0.58 nats", "16x50x50 values", "114개", "114개의 파라미터").
_UNIT = re.compile(r"(.*?[\d)\]])\s*([^\W\d_]+(?:\s+[^\W\d_]+)?)", re.DOTALL)
# The words left out: plain nouns and units that name what the number counts and cannot
# change its value. Any other word keeps the answer unreadable, as a multiplier
# ("28 hundred", "16만"), an operator ("372 percent", "360 pi", "561 squared"), a hedge
# ("92 at least", "217 approximately", "494 이상", "837 미만") or another quantity may:
# "weights" and "biases" (a count of some of the parameters), "channels" (one size of a
# shape), "bits" (a loss in log base 2) are not on the list.
_EN_NOUNS = ("parameter", "param", "value", "number", "element", "feature", "neuron", "unit",
             "pixel", "position", "nat")
_KO_NOUNS = ("파라미터", "매개변수", "값", "원소", "요소", "성분", "뉴런", "픽셀", "위치", "나트")
_UNIT_WORDS = frozenset((
    *_EN_NOUNS, *(w + "s" for w in _EN_NOUNS), "entry", "entries",
    "trainable parameter", "trainable parameters", "trainable param", "trainable params",
    "개", *_KO_NOUNS, *(f"개 {w}" for w in _KO_NOUNS), *(f"개의 {w}" for w in _KO_NOUNS),
    *(f"개{w}" for w in _KO_NOUNS), *(f"개의{w}" for w in _KO_NOUNS),
))
UNIT_WORDS = _UNIT_WORDS  # (public: the practice page leaves out the same words)


def split_unit(answer: str) -> tuple[str, str] | None:
    """``(the answer before it, the word)`` of ``answer`` ending in a word of the list
    (``"297 parameters."`` -> ``("297", "parameters")``); None when it does not."""
    text = answer.strip()
    if text.endswith(".") and text[-2:-1].isalpha():
        text = text[:-1]          # "297 parameters." as written in a sentence
    if not text[-1:].isalpha():
        return None
    m = _UNIT.fullmatch(text)
    if m is None:
        return None
    unit = m.group(2)
    if " ".join(unit.lower().split()) not in _UNIT_WORDS:
        return None
    return m.group(1), unit


def _without_unit(q: Question, answer: str) -> tuple[Parsed, str] | None:
    """``answer`` read without a word after it, when that makes it fully readable."""
    split = split_unit(answer)
    if split is None:
        return None
    read, unit = split
    options = q.options
    p = parse(q.answer_type, read, n_options=len(options) if options else None,
              decimals=q.decimals, per_entry=True)
    if not p.ok or p.code:
        return None
    return p, unit


# A number written as a word: English (also run together, "thirtytwo") or Korean, Sino-
# Korean (십육) or native (열둘, 스물).
NUMBER_WORD = re.compile(
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|hundred|thousand)+|[영공일이삼사오육칠팔구십백천만]+"
    r"|(?:열|스물|서른|마흔|쉰|예순|일흔|여든|아흔)(?:하나|둘|셋|넷|다섯|여섯|일곱|여덟|아홉)?"
    r"|하나|둘|셋|넷|다섯|여섯|일곱|여덟|아홉", re.IGNORECASE)


def _word_as_entry(q: Question, answer: str, p: Parsed) -> Parsed:
    """A number written as a word (or words: ``fifty four``) where the key's last entry goes:
    the numbers before it one short of the key's size (``16 32 fifty`` for three sizes,
    ``0,5 0,25 four`` for three numbers). It is that entry, unreadable, so the others earn
    their credit. Any other word stays a word after the answer (``p``, code ``word``):
    ``16 32 channels``, ``16; 32; 32 channels``."""
    word, text = p.arg, answer.strip()
    if (q.answer_type == "matrix" or not word or not text.endswith(word)
            or not all(NUMBER_WORD.fullmatch(w) for w in word.split())):
        return p
    head = parse(q.answer_type, text[:len(text) - len(word)], n_options=n_options(q),
                 decimals=q.decimals, per_entry=True)
    if not head.ok or head.code:
        return p
    value = [*head.value, None]
    if size_of(q.answer_type, value) != size_of(q.answer_type, q.answer_value):
        return p
    return Parsed(True, value, answers.REASONS["number"]["en"].format(arg=word), "number", word)


def scored_text(m: Mark) -> str:
    """What of a mark's answer was scored: its text without the word left out (``unit``)."""
    split = split_unit(m.text) if m.unit else None
    return split[0] if split is not None else m.text


def accepted_interval(q: Question, value: float | None = None) -> tuple[float, float]:
    """[low, high] accepted for a real ``value`` (default: the answer) of question ``q``."""
    a = float(q.answer_value if value is None else value)
    w = answers.tolerance_width(q.tolerance, a)
    return a - w, a + w


def n_options(q: Question) -> int | None:
    return len(q.options) if q.options else None


def read(q: Question, answer: str | dict | None) -> tuple[Parsed, str]:
    """Parse a cell (or the cells of a split answer) for ``q``; also the text as shown."""
    if answer is None:
        return BLANK, ""
    if isinstance(answer, str):
        return parse(q.answer_type, answer, n_options=n_options(q), decimals=q.decimals,
                     per_entry=True), answer.strip()
    return _read_parts(q, answer)


BLANK_BOX = "_"  # how a blank box of a split answer is shown: "32 | _ | 15"


def _inside(q: Question, k: tuple[int, ...]) -> bool:
    """Whether part ``k`` (1-based) lies within this paper's answer (papers of one exam
    may have answers of different sizes: the spare columns of a smaller one stay empty)."""
    value = q.answer_value
    if not isinstance(value, list) or not value:
        return True
    if len(k) == 2 and q.answer_type == "matrix":
        return k[0] <= len(value) and k[1] <= len(value[0])
    n = sum(len(r) for r in value) if q.answer_type == "matrix" else len(value)
    return k[0] <= n


def _read_parts(q: Question, parts: dict) -> tuple[Parsed, str]:
    keys = sorted(parts)
    texts = [str(parts[k]).strip() for k in keys]
    if not any(texts):
        return BLANK, ""
    kind = q.answer_type
    if kind not in MULTIPART:
        texts = [t for t in texts if t]
        return parse(kind, " ".join(texts), n_options=n_options(q),
                     decimals=q.decimals), " | ".join(texts)
    kept = [(k, t) for k, t in zip(keys, texts) if t or _inside(q, k)]
    keys, texts = [k for k, _ in kept], [t for _, t in kept]
    shown = " | ".join(t or BLANK_BOX for t in texts)
    values: list = []
    first_bad: Parsed | None = None
    for k, t in zip(keys, texts):  # a blank or unreadable box is a wrong entry (None)
        p = parse("integer" if kind == "shape" else "real", t, decimals=q.decimals)
        if p.ok and kind == "shape" and p.value <= 0:
            p = Parsed(False, None, f"shape sizes must be positive whole numbers, not '{t}'",
                       "positive", t)
        if not p.ok:
            if p is BLANK:
                label = ".".join((q.slot, *map(str, k)))
                p = Parsed(False, None, f"box {label} is blank", "blank_part", label)
            first_bad = first_bad or p
            values.append(None)
        else:
            values.append(p.value)
    if first_bad is not None and all(v is None for v in values):
        return first_bad, shown
    if kind != "matrix":
        return _partly(values, first_bad), shown
    if all(len(k) == 2 for k in keys):
        rows: dict[int, list] = {}
        for k, v in zip(keys, values):
            rows.setdefault(k[0], []).append(v)
        value = list(rows.values())
    else:
        cols = len(q.answer_value[0])
        if len(values) % cols:
            return Parsed(False, None, f"expected {len(q.answer_value) * cols} parts, got "
                                       f"{len(values)}", "ragged", shown), shown
        value = [values[i:i + cols] for i in range(0, len(values), cols)]
    if any(len(r) != len(value[0]) for r in value):
        return Parsed(False, None, "the rows have different lengths", "ragged", shown), shown
    return _partly(value, first_bad), shown


def _partly(value, bad: Parsed | None) -> Parsed:
    """A read answer; with ``bad``, some entries are None and ``bad`` says why."""
    if bad is None:
        return Parsed(True, value, "")
    return Parsed(True, value, bad.reason, bad.code, bad.arg)


_DEFAULT = Policy()


def score(q: Question, answer: str | dict | None, policy: Policy = _DEFAULT) -> Mark:
    """Score one answer: parse, compare with tolerance, partial credit, misconception."""
    if type(answer) is str:  # the common case, inlined from read() (the grading hot path)
        options = q.options
        p, text = parse(q.answer_type, answer, n_options=len(options) if options else None,
                        decimals=q.decimals, per_entry=True), answer.strip()
    else:
        p, text = read(q, answer)
    unit = ""
    if not p.ok or p.code:  # unreadable, or some entries: maybe a word after the answer
        if p is not BLANK and type(answer) is str and q.answer_type not in ("choice", "choices"):
            bare = _without_unit(q, answer)
            if bare is not None:
                p, unit = bare
            elif p.code == "word" and q.answer_type in MULTIPART:
                p = _word_as_entry(q, answer, p)
        elif p is not BLANK and type(answer) is str and q.answer_type == "choice" and q.options:
            idx = answers.option_by_text(answer, q.options)  # the option written out: "Yes", "예"
            if idx is not None:
                p = Parsed(True, idx, "")
        if not p.ok:
            return Mark(q.slot, "blank" if p is BLANK else "invalid", 0.0, q.points, text,
                        None if p is BLANK else p)
    kind = q.answer_type
    note = p if p.code else None  # some entries unread: they count as wrong
    s = answers.compare(kind, p.value, q.answer_value, q.tolerance)
    fraction = s.fraction
    if fraction < 1.0 and kind in MULTIPART and policy.multipart == "all":
        fraction = 0.0
    if fraction >= 1.0:
        if unit:
            return Mark(q.slot, "correct", float(q.points), q.points, text, unit=unit)
        return Mark(q.slot, "correct", float(q.points), q.points, text)
    mis = None
    for m in q.misconceptions:
        if answers.matches(kind, p.value, m.value, q.tolerance):
            mis = m.id
            break
    if fraction > 0.0:
        return Mark(q.slot, "partial", round(fraction * q.points, 6), q.points, text, note, mis,
                    (s.parts_correct, s.parts_total), unit)
    points = -policy.choice_penalty * q.points if kind == "choice" else 0.0
    size = _size_given(kind, p.value, q.answer_value) if kind in MULTIPART else None
    return Mark(q.slot, "wrong", round(points, 6), q.points, text, note, mis, None, unit, size)


def size_of(kind: str, value) -> tuple[int, ...] | None:
    """``(n,)`` of a shape or vector, ``(rows, columns)`` of a matrix (None if ragged)."""
    if not isinstance(value, (list, tuple)):
        return None
    if kind != "matrix":
        return (len(value),)
    if not value or not all(isinstance(r, (list, tuple)) for r in value):
        return None
    cols = {len(r) for r in value}
    return (len(value), cols.pop()) if len(cols) == 1 else None


def _size_given(kind: str, given, correct) -> tuple[int, ...] | None:
    """The size of ``given`` when it differs from the answer's (else None)."""
    mine = size_of(kind, given)
    return mine if mine is not None and mine != size_of(kind, correct) else None


def missing(q: Question) -> Mark:
    """The mark of a question of a student who submitted nothing."""
    return Mark(q.slot, "missing", 0.0, q.points)
