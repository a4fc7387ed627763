"""Skeletons: render the shared structure of many similar texts once.

Two hundred students get the same template with other numbers and other formulas, so a
text is first reduced to its *skeleton*: every formula that can be found safely becomes
one private-use character (U+E900 + j), and every run of digits another (U+E100 + k).
The skeleton is parsed and rendered once (its output keeps those characters) and filled
per text in one regex pass, formulas converted with their real numbers. Formulas the
pre-scan leaves to the parser (``$`` in unusual places) are rendered as markers
(U+F000 + two index characters) and filled the same way. Digits that Markdown reads
(ordered-list markers at a line start) stay in the skeleton. A text whose placeholders do
not all come back exactly once (a number inside a link target is percent-encoded, for
instance) is rendered directly instead; tests check that every text of the bank renders
exactly as it would directly.
"""
from __future__ import annotations

import re
from functools import lru_cache

_NUM_BASE, _NUM_MAX = 0xE100, 2048
_MATH_MARK, _MATH_BASE = "\uF000", 0xF100
_PRIVATE = re.compile("[\uE000-\uF8FF]")
_LIST_MARKER = re.compile(r"^(?:[ \t]*(?:[>*+-][ \t]+)?)*([0-9]{1,9})(?=[.)])", re.M)
_NUM_CHAR = re.compile("[\uE100-\uE8FF]")


_DIGIT_SPLIT = re.compile(r"([0-9]+)")
_NUM_CHARS = tuple(chr(_NUM_BASE + k) for k in range(_NUM_MAX))


def _split_numbers(text: str) -> tuple[str, tuple[str, ...]]:
    """(text with digit runs as U+E100 + k, numbers); list markers keep their digits."""
    parts = _DIGIT_SPLIT.split(text)
    n = len(parts) // 2
    if not n or n > _NUM_MAX:
        return text, ()
    if _LIST_MARKER.search(text) is None:
        nums = tuple(parts[1::2])
        parts[1::2] = _NUM_CHARS[:n]
        return "".join(parts), nums
    keep = {m.start(1) for m in _LIST_MARKER.finditer(text)}
    nums_list: list[str] = []
    pos = 0
    for i, part in enumerate(parts):
        if i % 2 and pos not in keep:
            nums_list.append(part)
            parts[i] = _NUM_CHARS[len(nums_list) - 1]
        pos += len(part)
    return "".join(parts), tuple(nums_list)


_MATH_PH_BASE, _MATH_PH_MAX = 0xE900, 1792
_MATH_PH = re.compile("[\uE900-\uEFFF]")
_SPECIAL = re.compile(r"[\\`$]")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*\|", re.M)


def _extract_math(text: str) -> tuple[str, tuple] | None:
    """Formulas out of the text before Markdown parsing, as U+E900 + j placeholders.

    Formulas differ between students far more than the words around them do, so the
    parser then sees far fewer distinct texts. Only unambiguous texts qualify: ``$``
    outside code that pairs up, no link targets, no tables, no HTML entities; anything
    else returns None and the formulas are left to the parser's dollarmath rule.
    """
    if "$" not in text or "](" in text or _ENTITY.search(text) or _TABLE_RULE.search(text):
        return None
    out: list[str] = []
    maths: list[tuple[str, bool]] = []
    fence = None
    # Fenced code blocks are copied as they are; everything else is scanned.
    segments: list[tuple[bool, str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if fence is None and m:
            segments.append((False, "\n".join(current)))
            current, fence = [line], m.group(1)
        elif fence is not None:
            current.append(line)
            if line.strip().startswith(fence[0] * len(fence)) and line.strip().strip(fence[0]) == "":
                segments.append((True, "\n".join(current)))
                current, fence = [], None
        else:
            current.append(line)
    if fence is not None:
        return None
    segments.append((False, "\n".join(current)))
    for k, (code, seg) in enumerate(segments):
        if k:
            out.append("\n")
        if code:
            out.append(seg)
            continue
        j, n = 0, len(seg)
        while j < n:
            m = _SPECIAL.search(seg, j)
            if m is None:
                out.append(seg[j:])
                break
            if m.start() > j:
                out.append(seg[j:m.start()])
                j = m.start()
            c = seg[j]
            if c == "\\":
                out.append(seg[j:j + 2])
                j += 2
            elif c == "`":
                run = len(seg) - j - len(seg[j:].lstrip("`"))
                ticks = seg[j:j + run]
                end = seg.find(ticks, j + run)
                while end != -1 and (seg[end + run:end + run + 1] == "`" or seg[end - 1] == "`"):
                    end = seg.find(ticks, end + 1)
                if end == -1:
                    out.append(ticks)
                    j += run
                else:
                    out.append(seg[j:end + run])
                    j = end + run
            elif c == "$":
                display = seg.startswith("$$", j)
                delim = "$$" if display else "$"
                start = j + len(delim)
                end = start
                while True:
                    end = seg.find(delim, end)
                    if end == -1:
                        return None
                    if seg[end - 1] != "\\":
                        break
                    end += 1
                tex = seg[start:end]
                if not tex.strip() or "\n\n" in tex.replace(" ", "") or "`" in tex \
                        or len(maths) >= _MATH_PH_MAX:
                    return None
                maths.append((tex, display))
                out.append(chr(_MATH_PH_BASE + len(maths) - 1))
                j = end + len(delim)
    return "".join(out), tuple(maths)


@lru_cache(maxsize=32768)
def skeleton(text: str) -> tuple[str, tuple[str, ...], tuple] | None:
    """(skeleton, numbers, formulas taken out), or None when the text cannot be reduced."""
    if "&#" in text or _PRIVATE.search(text):
        return None
    extracted = _extract_math(text)
    body, maths = extracted if extracted is not None else (text, ())
    skeleton, nums = _split_numbers(body)
    if not nums and not maths:
        return None
    return skeleton, nums, maths


def math_marker(maths: list, content: str, display: bool) -> str:
    """Remember a formula; its place in the output is U+F000 and two index characters."""
    maths.append((content, display))
    j = len(maths) - 1
    return _MATH_MARK + chr(_MATH_BASE + j // 1024) + chr(_MATH_BASE + j % 1024)


def valid(template: str, maths, n: int, m: int = 0) -> bool:
    """Each number and each formula taken out comes back exactly once."""
    found = _NUM_CHAR.findall(template) + [c for tex, _ in maths for c in _NUM_CHAR.findall(tex)]
    if len(found) != n or len(set(found)) != n:
        return False
    placed = _MATH_PH.findall(template)
    return len(placed) == m and len(set(placed)) == m


_FILL = re.compile("\uF000([\uF100-\uF4FF])([\uF100-\uF4FF])|([\uE100-\uE8FF])|([\uE900-\uEFFF])")


def _restore(s: str, nums) -> str:
    return _NUM_CHAR.sub(lambda m: nums[ord(m.group(0)) - _NUM_BASE], s)


def fill(template: str, maths, nums, convert, extracted=(), block=None) -> str:
    """Numbers and converted formulas into a rendered skeleton (one regex pass).

    ``maths`` are the formulas the parser found (their numbers still as placeholders),
    ``extracted`` those taken out before parsing; ``block`` rewrites a display formula
    that stands alone in a paragraph (HTML: ``<p>X</p>`` -> ``<div class="math-block">``).
    """
    if not maths and not nums and not extracted:
        return template
    done = [convert(_restore(tex, nums) if nums else tex, display) for tex, display in maths]
    pulled = [convert(tex, display) for tex, display in extracted]
    if block is not None and extracted:
        template = block[0].sub(lambda m: block[1](pulled[ord(m.group(1)) - _MATH_PH_BASE])
                                if extracted[ord(m.group(1)) - _MATH_PH_BASE][1] else m.group(0),
                                template)

    def sub(m: re.Match) -> str:
        if m.group(1):
            return done[(ord(m.group(1)) - _MATH_BASE) * 1024 + ord(m.group(2)) - _MATH_BASE]
        if m.group(3):
            return nums[ord(m.group(3)) - _NUM_BASE]
        return pulled[ord(m.group(4)) - _MATH_PH_BASE]

    return _FILL.sub(sub, template)


def render(text: str, template_of, convert, block=None) -> str:
    """Render ``text`` through its skeleton when possible, else directly."""
    sk = skeleton(text)
    if sk is not None:
        template, maths, ok = template_of(sk[0], len(sk[1]), len(sk[2]))
        if ok:
            return fill(template, maths, sk[1], convert, sk[2], block)
    template, maths, _ = template_of(text, 0, 0)
    return fill(template, maths, (), convert)


def maths_of(text: str, template_of) -> list[str]:
    """The TeX of every formula of ``text``, with its real numbers."""
    sk = skeleton(text)
    if sk is not None:
        _, maths, ok = template_of(sk[0], len(sk[1]), len(sk[2]))
        if ok:
            return [_restore(tex, sk[1]) for tex, _ in maths] + [tex for tex, _ in sk[2]]
    return [tex for tex, _ in template_of(text, 0, 0)[1]]
