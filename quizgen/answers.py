"""Answer types: read a student's text, compare it with the key, show a value.

Types: ``integer``, ``real``, ``shape``, ``vector``, ``matrix``, ``choice``, ``choices``
(see :data:`quizgen.model.ANSWER_TYPES`). Values are the plain JSON of key.json: int,
float, list of ints, list of floats, list of rows, a 0-based index, a sorted index list.

:func:`parse` never raises on student text: it returns ``Parsed(ok=False, reason=...)``.
It sits on the grading hot path, so the common spellings take one precompiled regex.

Commas: ``1,250.5`` and ``1,000,000`` hold thousands separators, ``0,25`` and ``1.250,5`` a
decimal comma. A single group ``d,ddd`` (``3,112``) reads as 3112 for an integer, as a
decimal comma when the question asks for decimals (``decimals`` > 0), and is refused as
ambiguous otherwise. In a list, commas followed by a space separate entries and commas
between digits are decimal commas when both kinds occur (``0,206, 1,076``); when all
commas are alike (``1, 2, 3``, ``1,2,3``) they separate entries.
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, NamedTuple

from quizgen.model import Tolerance

MAX_LEN = 4000  # longer student text is refused outright (and int() stays safe)


class Parsed(NamedTuple):
    """Outcome of reading one answer. ``code``/``arg`` let feedback re-word ``reason``.

    A named tuple: grading makes one per answer (10^5 for a large class), and it is
    immutable like the Mark that carries it.
    """

    ok: bool
    value: Any
    reason: str
    code: str = ""
    arg: str = ""


@dataclass(frozen=True)
class Score:
    """Credit for one answer: ``fraction`` in [0, 1] and the parts behind it."""

    fraction: float
    parts_correct: int
    parts_total: int


# Reason templates, one per failure code; ``{arg}`` is the offending text.
REASONS = {
    "blank": {"en": "blank", "ko": "답이 비어 있습니다"},
    "number": {"en": "could not read '{arg}' as a number",
               "ko": "답('{arg}')을 숫자로 읽을 수 없습니다"},
    "ambiguous": {"en": "'{arg}' is ambiguous: is the comma a decimal point or a thousands "
                         "separator? Write it without the comma or with a decimal point",
                  "ko": "'{arg}'의 쉼표가 소수점인지 천 단위 구분 기호인지 알 수 없습니다. "
                         "쉼표 없이 쓰거나 소수점(.)을 사용하십시오"},
    "finite": {"en": "'{arg}' is not a finite number", "ko": "답('{arg}')은 유한한 수가 아닙니다"},
    "zero_div": {"en": "'{arg}' divides by zero", "ko": "답('{arg}')은 0으로 나눕니다"},
    "whole": {"en": "'{arg}' is not a whole number", "ko": "답('{arg}')은 정수가 아닙니다"},
    "positive": {"en": "shape sizes must be positive whole numbers, not '{arg}'",
                 "ko": "텐서 크기는 양의 정수여야 합니다(입력: '{arg}')"},
    "empty_part": {"en": "an entry is missing in '{arg}'", "ko": "'{arg}'에 빠진 항목이 있습니다"},
    "ragged": {"en": "the rows of '{arg}' have different lengths",
               "ko": "'{arg}'의 행 길이가 서로 다릅니다"},
    "brackets": {"en": "could not read '{arg}' as a matrix", "ko": "답('{arg}')을 행렬로 읽을 수 없습니다"},
    "option": {"en": "'{arg}' is not an option letter or number",
               "ko": "답('{arg}')은 보기 기호나 번호가 아닙니다"},
    "no_option": {"en": "there is no option '{arg}'", "ko": "해당하는 보기가 없습니다: '{arg}'"},
    "one_option": {"en": "give one option, not '{arg}'", "ko": "보기를 하나만 고르십시오('{arg}')"},
    "too_long": {"en": "the answer is too long", "ko": "답이 너무 깁니다"},
    "script": {"en": "'{arg}' has a superscript, subscript, circled digit or a fraction sign after a "
                     "digit; write plain digits (e.g. 1.5, not 1½)",
               "ko": "답('{arg}')에 위 첨자, 아래 첨자, 원 숫자나 숫자 뒤의 분수 기호가 있습니다. 보통 "
                     "숫자로 쓰십시오 (예: 1½ 대신 1.5)"},
    "blank_part": {"en": "box {arg} is blank", "ko": "{arg}번 칸이 비어 있습니다"},
    # ko: the particle belongs to 단어 (written out, as after every parenthesis here)
    "word": {"en": "the word '{arg}' after the numbers is not understood",
             "ko": "숫자 뒤에 쓴 단어('{arg}')를 이해할 수 없습니다"},
}

BLANK = Parsed(False, None, "blank", "blank")


class _Bad(Exception):
    """Internal: why a piece of text could not be read (never leaves this module)."""

    def __init__(self, code: str, arg: str = ""):
        super().__init__(code)
        self.code = code
        self.arg = arg if len(arg) <= 40 else arg[:37] + "..."


def _fail(bad: _Bad) -> Parsed:
    return Parsed(False, None, REASONS[bad.code]["en"].format(arg=bad.arg), bad.code, bad.arg)


def explain(parsed: Parsed, lang: str = "en") -> str:
    """The reason of a failed parse in ``lang`` (English when there is no translation)."""
    entry = REASONS.get(parsed.code)
    if entry is None:
        return parsed.reason
    return entry.get(lang, entry["en"]).format(arg=parsed.arg)


def letters(i: int) -> str:
    """Option label of 0-based index ``i``: 0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    i += 1
    while i > 0:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


# ---------------------------------------------------------------- normalising text

_TRANSLATE = str.maketrans({
    "\u2212": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\ufe63": "-", "\uff0d": "-",
    "\u00d7": "x", "\u2a2f": "x", "\u2715": "x", "\u00b7": "*", "\u22c5": "*",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\u3000": " ",
    "\uff0c": ",", "\uff1b": ";", "\u2018": "'", "\u2019": "'", "\u2044": "/",
})


# Characters that NFKC would turn into plain digits although they change the number:
# superscripts and subscripts (2⁹⁷ is not 297), circled digits, and a vulgar fraction after a
# digit (1½ is not 11/2; a lone ½ is 0.5).
_SCRIPT = re.compile("[\u00b2\u00b3\u00b9\u2070-\u209f\u2460-\u24ff\u2776-\u2793\u3251-\u325f"
                     "\u32b1-\u32bf]|\\d[\u00bc-\u00be\u2150-\u215f\u2189]")


def _clean(text: Any) -> str:
    """Strip, and map unicode minus, times, odd spaces and full-width forms to ASCII."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text.translate(_TRANSLATE)).translate(_TRANSLATE)
    return text.strip()


clean_text = _clean  # (public: what an answer reads as before it is parsed)


# ---------------------------------------------------------------- numbers

_NUM = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_PLAIN = re.compile(_NUM)
_PLAIN_INT = re.compile(r"[+-]?\d+")
_FRACTION = re.compile(rf"({_NUM})\s*/\s*({_NUM})")
_POW10 = re.compile(rf"({_NUM})\s*[*x]\s*10\s*(?:\^|\*\*)\s*\(?\s*([+-]?\d+)\s*\)?")
_SPACE_GROUPS = re.compile(r"([+-]?\d{1,3}(?:[ ']\d{3})+)((?:[.,]\d+)?(?:[eE][+-]?\d+)?)")
_COMMA_GROUPS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][+-]?\d+)?")
_DOT_GROUPS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+,\d+")
_DEC_COMMA = re.compile(r"([+-]?\d*),(\d+(?:[eE][+-]?\d+)?)")


def _canonical(s: str, whole: bool, dc: bool = False) -> str | None:
    """Rewrite a number with separators into Python float syntax, or None."""
    m = _SPACE_GROUPS.fullmatch(s)
    if m:
        return m.group(1).replace(" ", "").replace("'", "") + m.group(2).replace(",", ".")
    if _COMMA_GROUPS.fullmatch(s):
        if s.count(",") > 1 or "." in s:
            return s.replace(",", "")  # 1,000,000 or 1,250.5
        if s.partition(",")[0].lstrip("+-").strip("0") == "":
            return s.replace(",", ".")  # 0,250 is a decimal comma
        if whole:
            return s.replace(",", "")  # 1,250 is 1250 for an integer
        return s.replace(",", ".") if dc else None  # with decimals asked: 1.250; else ambiguous
    if _DOT_GROUPS.fullmatch(s):
        return s.replace(".", "").replace(",", ".")
    m = _DEC_COMMA.fullmatch(s)
    if m:
        return f"{m.group(1)}.{m.group(2)}"
    return None


def _number(s: str, whole: bool, dc: bool = False) -> int | float:
    """Read one cleaned token as a number (int when ``whole``; ``dc``: ``d,ddd`` is decimal)."""
    if not whole and "_" not in s:  # hot path: Python's float() reads most answers
        try:
            x = float(s)
        except ValueError:
            pass
        else:
            if x - x == 0.0:  # finite: not inf or nan
                return x
    if _PLAIN.fullmatch(s):
        canon = s
    else:
        m = _FRACTION.fullmatch(s)
        if m:
            den = float(m.group(2))
            if den == 0:
                raise _Bad("zero_div", s)
            return _finish(float(m.group(1)) / den, s, whole)
        m = _POW10.fullmatch(s)
        if m:
            exp = int(m.group(2))
            if abs(exp) > 400:
                raise _Bad("finite", s)
            # float("ae±k") rounds once and overflows to inf (no OverflowError, unlike 10.0 ** k)
            return _finish(float(f"{m.group(1)}e{exp}"), s, whole)
        canon = _canonical(s, whole, dc)
        if canon is None:
            raise _Bad("ambiguous" if _COMMA_GROUPS.fullmatch(s) else "number", s)
    if whole and _PLAIN_INT.fullmatch(canon):
        return int(canon)
    return _finish(float(canon), s, whole)


def _finish(x: float, s: str, whole: bool) -> int | float:
    if not math.isfinite(x):
        raise _Bad("finite", s)
    if whole:
        if not x.is_integer():
            raise _Bad("whole", s)
        return int(x)
    return x


# ---------------------------------------------------------------- lists

_PREFIX = re.compile(r"^(?:torch\.)?(?:Size|tensor)\s*(?=\()|^(?:np\.|numpy\.)?array\s*(?=\()",
                     re.IGNORECASE)
_SEP_X = re.compile(r"\s*[xX*]\s*|\s+")
_SEP_COMMA = re.compile(r"\s*,\s*|\s+")
_SEP_SPACED = re.compile(r"\s*,\s+|\s+")  # a comma with a space after it, or spaces
_DIGIT_COMMA = re.compile(r"\d,\d")
_ROW_SEP = re.compile(r"\s*(?:;|\r?\n|\r)\s*")
_INNER = re.compile(r"\[([^\[\]]*)\]")
_BETWEEN_ROWS = re.compile(r"[\s,;()\[\]]*")
_OPEN, _CLOSE = "([{", ")]}"


def _unwrap(s: str) -> str:
    """Drop ``torch.Size(...)``-like prefixes, outer brackets and a trailing comma."""
    if s[:1].isalpha():  # every prefix starts with a letter
        s = _PREFIX.sub("", s)
    while len(s) >= 2 and s[0] in _OPEN and s[-1] == _CLOSE[_OPEN.index(s[0])]:
        s = s[1:-1].strip()
    return s.rstrip(",;").rstrip()


def _tokens(s: str) -> list[str]:
    """Split one row: ';' first, then decimal-comma tokens, commas, x or spaces."""
    if ";" in s:
        return [p.strip() for p in s.split(";")]
    if "," in s:
        if ", " not in s:  # "1, 2" is a list; "0,5 0,25" may hold decimal commas
            words = s.split()
        elif _DIGIT_COMMA.search(s):  # "0,206, 1,076": spaced commas separate entries
            words = _SEP_SPACED.split(s)
        else:
            words = []
        if len(words) > 1 and all(w and w.count(",") <= 1 and w[0] != "," and w[-1] != ","
                                  for w in words):
            return words
        return _SEP_COMMA.split(s)
    return _SEP_X.split(s)


def _plain_floats(s: str) -> list[float] | None:
    """Hot path of :func:`_numbers` for reals: ``1.5 -2 3`` or ``1.5, -2, 3``, else None.

    Gives exactly what the general path gives, or None: with ``", "`` in ``s`` the general
    path splits at every comma and at whitespace, and pieces between ``", "`` that
    ``float()`` reads hold neither; without a comma both split at whitespace. ``;``,
    ``_`` (``float`` reads ``1_0``), other commas, non-finite values: the general path.
    """
    if not s or ";" in s or "_" in s or s[0].isspace() or s[-1].isspace():
        return None  # (the callers pass stripped rows; the general path decides the rest)
    if "," in s:
        if ", " not in s:
            return None  # maybe decimal commas: "0,5 0,25"
        parts = s.split(", ")
    else:
        parts = s.split()
    try:
        out = [float(p) for p in parts]
    except ValueError:
        return None
    total = sum(out)
    return out if total - total == 0.0 else None  # every value finite


def _numbers(s: str, whole: bool, original: str, dc: bool = False,
             bad: list | None = None) -> list:
    """The numbers of one row. With ``bad`` (a list), an entry that cannot be read becomes
    None and its reason is appended to ``bad``, so the other entries can still score."""
    if not whole:
        fast = _plain_floats(s)
        if fast is not None:
            return fast
    out: list = []
    for p in _tokens(s):
        try:
            if not p:
                raise _Bad("empty_part", original)
            out.append(_number(p, whole, dc))
        except _Bad as why:
            if bad is None:
                raise
            bad.append(why)
            out.append(None)
    return out


_SHAPE_FAST = re.compile(r"[(\[]?\s*[1-9]\d{0,8}(?:\s*[xX,]\s*[1-9]\d{0,8})*\s*[)\]]?")
_DIGITS = re.compile(r"\d+")


def _parse_shape(s: str, bad: list | None = None) -> list[int]:
    if _SHAPE_FAST.fullmatch(s):
        return [int(t) for t in _DIGITS.findall(s)]
    body = _unwrap(s)
    if not body:
        raise _Bad("empty_part", s)
    try:
        out = _numbers(body, True, s, False, bad)
    except _Bad as why:
        if why.code == "whole":
            raise _Bad("positive", why.arg) from None
        raise
    for i, v in enumerate(out):
        if v is not None and v <= 0:
            if bad is None:
                raise _Bad("positive", str(v))
            bad.append(_Bad("positive", str(v)))
            out[i] = None
    if bad:
        for i, why in enumerate(bad):
            if why.code == "whole":
                bad[i] = _Bad("positive", why.arg)
    return out


def _parse_vector(s: str, dc: bool = False, bad: list | None = None) -> list[float]:
    body = _unwrap(s)
    if not body:
        raise _Bad("empty_part", s)
    return _numbers(body, False, s, dc, bad)


_BRACKET_ROWS = re.compile(r"\[\s*\[[^\[\]]*\](?:\s*,\s*\[[^\[\]]*\])*\s*\]")


def _parse_matrix(s: str, dc: bool = False, bad: list | None = None) -> list[list[float]]:
    rows = _common_rows(s)
    if rows is None:
        rows = _rows_of(s)
    out = [_numbers(row.strip().rstrip(","), False, s, dc, bad) for row in rows]
    if any(len(r) != len(out[0]) for r in out):
        raise _Bad("ragged", s)
    return out


def _common_rows(s: str) -> list[str] | None:
    """:func:`_rows_of` for the two common layouts by cheaper steps (else None).

    ``[[1, 2], [3, 4]]``: rows in brackets separated by commas, where the general rule
    finds the same rows and nothing else around them. ``1 2; 3 4`` or lines: no prefix, no
    bracket to strip, fewer than two ``[``: the general rule strips trailing ``,;`` and
    splits at ``;`` and line breaks (whitespace around them dropped, empty rows skipped).
    """
    first = s[0]
    if first == "[":
        return _INNER.findall(s) if _BRACKET_ROWS.fullmatch(s) else None
    if first in _OPEN or first.isalpha() or "\r" in s or s.count("[") >= 2:
        return None
    body = s.rstrip(",;").rstrip()
    rows = [r.strip() for r in body.replace("\n", ";").split(";")] if body else []
    rows = [r for r in rows if r]
    if not rows:
        raise _Bad("empty_part", s)
    return rows


def _rows_of(s: str) -> list[str]:
    """The row texts of a matrix answer: ``[[..], [..]]``, or rows split at ``;``/lines."""
    body = _PREFIX.sub("", s) if s[0].isalpha() else s  # prefixes start with a letter
    if body.count("[") >= 2:
        rows = _INNER.findall(body)
        if not rows or _BETWEEN_ROWS.fullmatch(_INNER.sub("", body)) is None:
            raise _Bad("brackets", s)
    else:
        body = _unwrap(body)
        rows = [r for r in _ROW_SEP.split(body) if r] if body else []
    if not rows:
        raise _Bad("empty_part", s)
    return rows


# A word after a shape, vector or matrix ("64 x 6 channels", "1, 2, 3 units", "(16, 32, 32)
# activations", "1 2; 3 4 bits"): one or two words of letters at the end, set apart from the
# last digit or closing bracket by spaces only (or none), where the text before them reads as
# a whole answer by itself. The words are then not an entry: the answer is unreadable and the
# reason names them (the grader leaves out an allowlisted unit, "16x50x50 values"). A word
# that stands where an entry goes is still one unreadable entry: after a separator ("1, 2,
# four", "16 x 32 x ab", a matrix row of its own on a new line), or where the text before it
# is no whole answer ("1 2; 3 four": its rows would differ in length).
_WORD_AFTER = re.compile(r"(.*?[\d)\]])(\s*)((?![xX](?:\s|$))[^\W\d_]+(?:\s+[^\W\d_]+)?)",
                         re.DOTALL)


def _word_after(kind: str, reader, s: str, n_options: int | None, dc: bool) -> None:
    """Raise ``_Bad("word")`` when ``s`` is a whole answer followed by words (see above)."""
    m = _WORD_AFTER.fullmatch(s)
    if m is None:
        return
    head, gap, word = m.groups()
    if not gap and word[0] in "xX" and head[-1] not in ")]":
        return  # "16x32xfifty": the x separates entries
    if kind == "matrix" and ("\n" in gap or "\r" in gap or "\n" in word or "\r" in word):
        return  # a line break starts a row
    if not all(w.isalpha() for w in word.split()):
        return  # letters only (not a numeric sign such as a Roman numeral)
    try:
        reader(head, n_options, dc, None)
    except _Bad:
        return
    raise _Bad("word", word)


# ---------------------------------------------------------------- choices

_ONE_CHOICE = re.compile(r"\(?\s*([A-Za-z]|\d+)\s*(?:[).:]|[).:]\s+\S.*)?", re.DOTALL)
_CHOICE_SEP = re.compile(r"[\s,;/&+]+|\band\b|와|과|및", re.IGNORECASE)
_TOKEN_TRIM = "().:[]{}"


def _index(tok: str, n_options: int | None) -> int | None:
    idx = ord(tok.upper()) - 65 if tok.isalpha() else int(tok) - 1
    if idx < 0 or (n_options is not None and idx >= n_options):
        return None
    return idx


def _parse_choice(s: str, n_options: int | None) -> int:
    m = _ONE_CHOICE.fullmatch(s)
    if not m:
        try:
            _parse_choices(s, n_options)
        except _Bad:
            raise _Bad("option", s) from None
        raise _Bad("one_option", s)
    idx = _index(m.group(1), n_options) if len(m.group(1)) < 6 else None
    if idx is None:
        raise _Bad("no_option", m.group(1))
    return idx


def _parse_choices(s: str, n_options: int | None) -> list[int]:
    toks = [t.strip(_TOKEN_TRIM) for t in _CHOICE_SEP.split(_unwrap(s))]
    toks = [t for t in toks if t]
    if not toks:
        raise _Bad("option", s)
    if all(t.isalpha() and t.isascii() and len(t) <= 26 and (t.isupper() or t.islower())
           for t in toks):
        singles = [c for t in toks for c in t]
    elif all(t.isdigit() and len(t) < 6 for t in toks):
        singles = toks
    else:
        raise _Bad("option", s)
    picked = set()
    for t in singles:
        idx = _index(t, n_options)
        if idx is None:
            raise _Bad("no_option", t)
        picked.add(idx)
    return sorted(picked)


def option_text_key(text: Any) -> str:
    """An option's text, or an answer, as compared when a student writes out the option
    (``Yes``, ``예``) instead of its letter: cleaned as answers are, without ``$``, backquotes
    and ``**``, spaces collapsed, a final full stop dropped, lower case."""
    t = _clean(text).replace("$", "").replace("`", "").replace("**", "")
    return " ".join(t.split()).rstrip(".").rstrip().lower()


def option_by_text(text: Any, options: Iterable[str]) -> int | None:
    """The index of the one option whose text ``text`` is (:func:`option_text_key`), else None."""
    key = option_text_key(text)
    if not key:
        return None
    hits = [i for i, o in enumerate(options) if option_text_key(o) == key]
    return hits[0] if len(hits) == 1 else None


# ---------------------------------------------------------------- public API

# reader(text, n_options, decimal comma for d,ddd, list collecting unreadable entries or None)
_READERS = {
    "real": lambda s, n, dc, bad: _number(s, False, dc),
    "integer": lambda s, n, dc, bad: _number(s, True),
    "shape": lambda s, n, dc, bad: _parse_shape(s, bad),
    "vector": lambda s, n, dc, bad: _parse_vector(s, dc, bad),
    "matrix": lambda s, n, dc, bad: _parse_matrix(s, dc, bad),
    "choice": lambda s, n, dc, bad: _parse_choice(s, n),
    "choices": lambda s, n, dc, bad: _parse_choices(s, n),
}
_LISTS = frozenset(("shape", "vector", "matrix"))
_CACHE: dict = {}
_CACHE_MAX = 50_000


# "32 by 13", "32 \\times 13", "$32 \\times 13$" (TeX as a student may type it): the same as "32 x 13".
_SHAPE_WORDS = re.compile(r"(?<=\d)\s*(?:by|\\times|\\cdot)\s*(?=\d)", re.IGNORECASE)


def _shape_words(s: str) -> str:
    """A shape written with ``by`` or TeX's ``\\times`` between its sizes, in ``x`` form."""
    if len(s) > 1 and s[0] == s[-1] == "$":
        s = s.strip("$").strip()
    return _SHAPE_WORDS.sub(" x ", s)


def parse(answer_type: str, text: Any, *, n_options: int | None = None,
          decimals: int | None = None, per_entry: bool = False) -> Parsed:
    """Read a student's answer of ``answer_type``; failures come back as ``ok=False``.

    ``decimals``: the decimals the question asks for; when > 0, ``3,112`` is read with a
    decimal comma (3.112) instead of being refused as ambiguous. ``per_entry`` (shapes,
    vectors, matrices): an entry that cannot be read becomes None instead of failing the
    whole answer, and the result is ``ok=True`` with ``code``/``reason`` of the first such
    entry (it fails only when no entry can be read), so the other entries still earn credit.
    A word after a whole shape, vector or matrix (``64 x 6 channels``) is no entry: the
    answer fails with code ``word`` naming it (:data:`_WORD_AFTER`); the grader may still
    read it as an entry (:func:`quizgen.grading.scoring.score`).

    Repeated reads with the same arguments share one cached :class:`Parsed`: treat
    its ``value`` as read-only.
    """
    dc = bool(decimals and decimals > 0)
    key = (answer_type, text, n_options, dc, per_entry) if type(text) is str else None
    if key is not None:
        hit = _CACHE.get(key)
        if hit is not None:
            return hit
    reader = _READERS.get(answer_type)
    if reader is None:
        raise ValueError(f"unknown answer type {answer_type!r}")
    s = _clean(text)
    if answer_type == "shape" and ("$" in s or "\\" in s or "y" in s or "Y" in s):
        s = _shape_words(s)
    if not s:
        result = BLANK
    elif not (raw := str(text)).isascii() and _SCRIPT.search(raw):
        result = _fail(_Bad("script", raw.strip()))
    elif len(s) > MAX_LEN:
        result = _fail(_Bad("too_long"))
    else:
        bad: list | None = [] if per_entry else None
        try:
            if answer_type in _LISTS and s[-1].isalpha():
                _word_after(answer_type, reader, s, n_options, dc)
            value = reader(s, n_options, dc, bad)
        except _Bad as why:
            result = _fail(why)
        else:
            if not bad:
                result = Parsed(True, value, "")
            elif all(v is None for v in (_flat(value) if answer_type == "matrix" else value)):
                result = _fail(bad[0])  # nothing could be read
            else:
                first = bad[0]
                result = Parsed(True, value, REASONS[first.code]["en"].format(arg=first.arg),
                                first.code, first.arg)
    if key is not None:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[key] = result
    return result


def _flat(rows: list) -> list:
    return [v for r in rows for v in r]


_FULL = Score(1.0, 1, 1)
_NONE = Score(0.0, 0, 1)


@functools.lru_cache(maxsize=4096)
def _score(fraction: float, hits: int, n: int) -> Score:
    return Score(fraction, hits, n)


def tolerance_width(tol: Tolerance, a: float) -> float:
    """Half-width of the accepted interval around ``a``: abs + rel * |a|."""
    return tol.abs + tol.rel * abs(a)


def _close(x: float, a: float, tol: Tolerance) -> bool:
    # The 1e-9 relative slack absorbs binary rounding (0.26 - 0.25 > 0.01 in floats).
    return abs(x - a) <= tol.abs + 1e-12 + (tol.rel + 1e-9) * abs(a)


def _hits(given: list, correct: list, tol: Tolerance | None) -> int:
    """Components equal (``tol`` None) or within ``tol`` (a plain loop: lists are short)."""
    hits = 0
    if tol is None:
        for x, a in zip(given, correct):
            if x == a:
                hits += 1
        return hits
    ta, tr = tol.abs + 1e-12, tol.rel + 1e-9
    for x, a in zip(given, correct):
        if x is not None and abs(x - a) <= ta + tr * abs(a):  # None: an unreadable entry
            hits += 1
    return hits


def _all_close(given: list, value: list, tol: Tolerance | None) -> bool:
    """Every component equal (``tol`` None) or within ``tol``: :func:`_hits` == len, early out.

    The caller has checked that the lengths agree.
    """
    if tol is None:
        for x, a in zip(given, value):
            if x != a:
                return False
        return True
    ta, tr = tol.abs + 1e-12, tol.rel + 1e-9
    for x, a in zip(given, value):
        if x is None or not abs(x - a) <= ta + tr * abs(a):
            return False
    return True


def _rows(given: Any, correct: list) -> tuple[list, list] | None:
    """Both matrices flattened, or None when their row structure differs."""
    if not isinstance(given, (list, tuple)) or len(given) != len(correct):
        return None
    g_flat: list = []
    c_flat: list = []
    for g_row, c_row in zip(given, correct):
        if not isinstance(g_row, (list, tuple)) or len(g_row) != len(c_row):
            return None
        g_flat += g_row
        c_flat += c_row
    return g_flat, c_flat


def _parts(answer_type: str, value: Any) -> int:
    if answer_type == "matrix" and isinstance(value, (list, tuple)):
        n = sum(len(r) for r in value if isinstance(r, (list, tuple)))
        return n or 1
    if answer_type in ("shape", "vector", "choices") and isinstance(value, (list, tuple)):
        return max(len(value), 1)
    return 1


def compare(answer_type: str, given: Any, correct: Any, tol: Tolerance) -> Score:
    """Credit for ``given`` against ``correct``: exact or within ``tol``; per part for lists."""
    if given is None:
        return _score(0.0, 0, _parts(answer_type, correct))
    if answer_type == "real":
        return _FULL if _close(given, correct, tol) else _NONE
    if answer_type in ("integer", "choice"):
        return _FULL if given == correct else _NONE
    if answer_type == "choices":
        want = set(correct)
        right = sum(1 for g in given if g in want)
        wrong = len(given) - right
        if not want:
            return _score(0.0 if given else 1.0, 0, 0)
        return _score(max(0.0, (right - wrong) / len(want)), right, len(want))
    if answer_type == "matrix":
        flat = _rows(given, correct)
        if flat is None:
            return _score(0.0, 0, _parts("matrix", correct))
        given, correct = flat
    elif answer_type not in ("shape", "vector"):
        raise ValueError(f"unknown answer type {answer_type!r}")
    if given == correct and correct:  # the common right answer: every part equal
        return _score(1.0, len(correct), len(correct))
    n = len(correct)
    if len(given) != n or n == 0:
        return _score(0.0, 0, max(n, 1))
    hits = _hits(given, correct, None if answer_type == "shape" else tol)
    return _score(hits / n, hits, n)


def matches(answer_type: str, given: Any, value: Any, tol: Tolerance) -> bool:
    """True when ``given`` equals ``value`` in every part (used for misconceptions too)."""
    if given is None or value is None:
        return False
    if answer_type == "real":
        return _close(given, value, tol)
    if answer_type in ("integer", "choice"):
        return given == value
    if answer_type == "choices":
        return sorted(set(given)) == sorted(set(value))
    exact = None if answer_type == "shape" else tol
    if answer_type == "matrix":  # row by row, stopping at the first difference
        if not isinstance(given, (list, tuple)) or len(given) != len(value):
            return False
        for g_row, v_row in zip(given, value):
            if (not isinstance(g_row, (list, tuple)) or len(g_row) != len(v_row)
                    or not _all_close(g_row, v_row, exact)):
                return False
        return True
    if len(given) != len(value):
        return False
    return _all_close(given, value, exact)


def _fmt_real(x: Any, decimals: int | None) -> str:
    x = float(x)
    text = f"{x:.{decimals}f}" if decimals is not None else f"{x:.10g}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # no "-0.00"
    return text


def format_answer(answer_type: str, value: Any, decimals: int | None = None,
                  options: tuple[str, ...] | list[str] | None = None) -> str:
    """``value`` for display: ``16 × 50 × 50``, ``[[1, 2], [3, 4]]``, ``0.250``, ``B``, ``A, C``.

    Reals keep exactly ``decimals`` places (trailing zeros stay). Choices are shown by
    their letters only (``options`` is accepted so callers can pass a Question's fields
    through, and an out-of-range index still shows its letter); the text parses back.
    """
    if value is None:
        return ""
    if answer_type == "integer":
        return str(int(value))
    if answer_type == "real":
        return _fmt_real(value, decimals)
    if answer_type == "shape":
        return " × ".join(str(int(v)) for v in value)
    if answer_type == "vector":
        return "[" + ", ".join(_fmt_real(v, decimals) for v in value) + "]"
    if answer_type == "matrix":
        return "[" + ", ".join("[" + ", ".join(_fmt_real(v, decimals) for v in row) + "]"
                               for row in value) + "]"
    if answer_type in ("choice", "choices"):
        picks = [value] if answer_type == "choice" else list(value)
        return ", ".join(letters(int(i)) for i in picks)
    raise ValueError(f"unknown answer type {answer_type!r}")
