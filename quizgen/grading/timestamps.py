"""Read the timestamps of form and spreadsheet exports into sortable tuples.

ISO (``2026-11-28 10:03:12``, ``2026-11-28T10:03:12Z``; Canvas), Google Forms in English
(``11/28/2026 10:03:12``) or Korean (``2026. 11. 28 오후 3:04:05``), European
(``28.11.2026 10:03``), and dates with English month names as Moodle and others write
them (``2 December 2026  9:00 AM``, ``Saturday, 28 November 2026, 9:05 AM``,
``1 Dec 2026 10:00``, ``Dec 1, 2026 10:00 AM``).

Whether ``3/4/2026`` is March or April is decided per column (:func:`column_order`): a
value such as ``13/4/2026`` can only be day first, ``4/13/2026`` only month first. When no
value of the column decides, ``3/4/2026`` is *ambiguous*: :func:`reading` gives both
readings, and the caller must not order submissions by it where the readings disagree.
"""
from __future__ import annotations

import re
from typing import NamedTuple

_TIME = (r"(?:[ T,]+(?:at\s+)?(오전|오후|am|pm)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?\s*"
         r"(오전|오후|am|pm)?)?\s*(?:z|utc|gmt|[+-]\d{2}:?\d{2}|[+-]\d{1,2})?")
_YMD = re.compile(r"\s*(\d{4})\s*[-/.년]\s*(\d{1,2})\s*[-/.월]\s*(\d{1,2})\s*[.일]?" + _TIME,
                  re.IGNORECASE)
_DMY = re.compile(r"\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4}|\d{2})" + _TIME,
                  re.IGNORECASE)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_DAY_MONTH = re.compile(r"\s*" + _WEEKDAY + r"(\d{1,2})(?:st|nd|rd|th)?\.?\s+([a-z]{3,9})\.?,?"
                        r"\s+(\d{4})" + _TIME, re.IGNORECASE)
_MONTH_DAY = re.compile(r"\s*" + _WEEKDAY + r"([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?"
                        r"\s+(\d{4})" + _TIME, re.IGNORECASE)
_MONTHS = {name: i for i, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
     ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
     ("october", "oct"), ("november", "nov"), ("december", "dec")], 1) for name in names}

When = tuple  # (year, month, day, hour, minute, second)


class Reading(NamedTuple):
    """A timestamp cell read: ``when`` (None when unreadable), and for an ambiguous
    ``a/b/yyyy`` date the other reading in ``other`` (else None)."""

    when: When | None
    other: When | None = None


def _ab(text: str) -> tuple[int, int] | None:
    m = _DMY.fullmatch(text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def column_order(values: list[str]) -> bool | None:
    """True: the column's ``a/b/yyyy`` dates are day first; False: month first; None: no
    value decides (or the values contradict each other)."""
    day = month = False
    for v in values:
        ab = _ab(v)
        if ab is None:
            continue
        a, b = ab
        if a > 12 and 1 <= b <= 12 and a <= 31:
            day = True
        elif b > 12 and 1 <= a <= 12 and b <= 31:
            month = True
    return day if day != month else None


def parse_when(text: str, dayfirst: bool = False) -> When | None:
    """``text`` as (Y, M, D, h, m, s), or None when it is no timestamp we know."""
    m = _YMD.fullmatch(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif (m := _DMY.fullmatch(text)) is not None:
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        y = y + 2000 if y < 100 else y
        d, mo = (a, b) if dayfirst else (b, a)
    elif (m := _DAY_MONTH.fullmatch(text)) is not None:
        d, mo, y = int(m.group(1)), _MONTHS.get(m.group(2).lower(), 0), int(m.group(3))
    elif (m := _MONTH_DAY.fullmatch(text)) is not None:
        mo, d, y = _MONTHS.get(m.group(1).lower(), 0), int(m.group(2)), int(m.group(3))
    else:
        return None
    half1, hh, mm, ss, half2 = m.groups()[3:]
    h = int(hh) if hh else 0
    half = (half1 or half2 or "").lower()
    if half and not 1 <= h <= 12:
        return None  # "13:00 PM"
    if half in ("pm", "오후") and h < 12:
        h += 12
    elif half in ("am", "오전") and h == 12:
        h = 0
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and int(mm or 0) < 60
            and int(ss or 0) < 60):
        return None
    return (y, mo, d, h, int(mm or 0), int(ss or 0))


def reading(text: str, order: bool | None) -> Reading:
    """``text`` read with the column's ``order`` (:func:`column_order`).

    A value that can only be read one way is read that way; an ``a/b/yyyy`` date with
    a, b <= 12 and a != b follows ``order``, and when ``order`` is None it is ambiguous:
    ``when`` is the month-first reading and ``other`` the day-first one.
    """
    ab = _ab(text)
    if ab is None:
        return Reading(parse_when(text))
    a, b = ab
    if a > 12 or b > 12 or a == b:
        return Reading(parse_when(text, a > 12))
    if order is not None:
        return Reading(parse_when(text, order))
    first, other = parse_when(text, False), parse_when(text, True)
    return Reading(first, other if first is not None else None)
