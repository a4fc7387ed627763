"""Read the timestamps of form and spreadsheet exports into sortable tuples.

ISO (``2026-11-28 10:03:12``, ``2026-11-28T10:03:12Z``), Google Forms in English
(``11/28/2026 10:03:12``) or Korean (``2026. 11. 28 오후 3:04:05``), European
(``28.11.2026 10:03``). Whether ``3/4/2026`` is March or April is decided per column:
day first only if some value cannot be month first.
"""
from __future__ import annotations

import re

_TIME = (r"(?:[ T,]+(오전|오후|am|pm)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?\s*"
         r"(오전|오후|am|pm)?)?\s*(?:z|utc|gmt|[+-]\d{2}:?\d{2}|[+-]\d{1,2})?")
_YMD = re.compile(r"\s*(\d{4})\s*[-/.년]\s*(\d{1,2})\s*[-/.월]\s*(\d{1,2})\s*[.일]?" + _TIME,
                  re.IGNORECASE)
_DMY = re.compile(r"\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4}|\d{2})" + _TIME,
                  re.IGNORECASE)

When = tuple  # (year, month, day, hour, minute, second)


def day_first(values: list[str]) -> bool:
    """True when some ``a/b/yyyy`` value has a > 12, so the column must be day/month."""
    for v in values:
        m = _DMY.fullmatch(v)
        if m and int(m.group(1)) > 12:
            return True
    return False


def parse_when(text: str, dayfirst: bool = False) -> When | None:
    """``text`` as (Y, M, D, h, m, s), or None when it is no timestamp we know."""
    m = _YMD.fullmatch(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        rest = m.groups()[3:]
    else:
        m = _DMY.fullmatch(text)
        if not m:
            return None
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        y = y + 2000 if y < 100 else y
        d, mo = (a, b) if dayfirst else (b, a)
        rest = m.groups()[3:]
    half1, hh, mm, ss, half2 = rest
    h = int(hh) if hh else 0
    half = (half1 or half2 or "").lower()
    if half in ("pm", "오후") and h < 12:
        h += 12
    elif half in ("am", "오전") and h == 12:
        h = 0
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and int(mm or 0) < 60):
        return None
    return (y, mo, d, h, int(mm or 0), int(ss or 0))
