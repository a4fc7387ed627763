"""A small, fast Markdown-with-TeX to HTML converter for feedback and reports.

Handles what question prompts and solutions use: headings, paragraphs, ``-`` lists, pipe
tables, fenced code, inline code, bold/italic, ``$..$`` and ``$$..$$`` math (kept as TeX
in ``\\(..\\)`` / ``\\[..\\]`` for MathJax; readable as is without it). The text is escaped
first, so student text can never inject markup. It works on whole blocks with a few
regular expressions: feedback for a large class converts hundreds of thousands of texts.
"""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape

MATHJAX = ('<script>window.MathJax={tex:{inlineMath:[["\\\\(","\\\\)"]]}};</script>\n'
           '<script defer src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js">'
           '</script>')

_FENCE = re.compile(r"^[ \t]*```[^\n]*\n(.*?)(?:^[ \t]*```[^\n]*$|\Z)", re.M | re.S)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_SLOT = re.compile(r"\x00(\d+)\x00")
# Each branch starts after one of ` $ * (a leading character set lets the engine skip fast):
# code `..`, math $..$, bold **..**, italic *..*.
_INLINE = re.compile(r"[`$*](?:(?<=`)(`*)(.+?)`\1|(?<=\$)([^$\n]+?)\$|(?<=\*)\*(.+?)\*\*"
                     r"|(?<=\*)(?<![*\w]\*)(?![\s*])(.+?)(?<![\s*])\*(?![*\w]))")
_BLOCKS = re.compile(r"\n[ \t]*\n+")
_HEADING = re.compile(r"(#{1,6})\s+(.*)")
_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?")
_SPECIAL = re.compile(r"[`$*]")


def _inline_match(m: re.Match) -> str:
    if m.group(2) is not None:
        return f"<code>{m.group(2).strip()}</code>"
    if m.group(3) is not None:
        return f'<span class="math">\\({m.group(3)}\\)</span>'
    if m.group(4) is not None:
        return f"<strong>{_INLINE.sub(_inline_match, m.group(4))}</strong>"
    return f"<em>{m.group(5)}</em>"


def _spans(escaped: str) -> str:
    return _INLINE.sub(_inline_match, escaped) if _SPECIAL.search(escaped) else escaped


def inline(text: str) -> str:
    """One line of Markdown to HTML (escaped; code and math left untouched)."""
    return _spans(escape(text, quote=False))


def _table(lines: list[str]) -> str:
    head = len(lines) > 1 and _RULE.fullmatch(lines[1].strip())
    rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines
            if not _RULE.fullmatch(ln.strip())]
    out = ["<table>"]
    for k, r in enumerate(rows):
        tag = "th" if head and k == 0 else "td"
        out.append("<tr>" + "".join(f"<{tag}>{_spans(c)}</{tag}>" for c in r) + "</tr>")
    return "\n".join(out) + "\n</table>"


def _block(b: str, stash: list[str]) -> str:
    """One block (text between blank lines), already escaped."""
    s = b.strip()
    if _SLOT.fullmatch(s):
        return stash[int(s[1:-1])]
    first = s[:1]
    if first == "#":
        m = _HEADING.match(s)
        if m and "\n" not in s:
            n = len(m.group(1))
            return f"<h{n}>{_spans(m.group(2))}</h{n}>"
    lines = s.split("\n")
    if first == "|" and all(ln.lstrip().startswith("|") for ln in lines):
        return _table(lines)
    if first in "-*" and all(ln.lstrip().startswith(("- ", "* ")) for ln in lines):
        return "<ul>" + "".join(f"<li>{_spans(ln.lstrip()[2:])}</li>" for ln in lines) + "</ul>"
    if len(lines) > 1:
        s = "<br>\n".join(ln.strip() for ln in lines)
    return f"<p>{_spans(s)}</p>"


@lru_cache(maxsize=4096)
def to_html(md: str) -> str:
    """Markdown blocks to HTML."""
    stash: list[str] = []

    def keep(html: str) -> str:
        stash.append(html)
        return f"\n\n\x00{len(stash) - 1}\x00\n\n"

    text = escape(md.replace("\r\n", "\n").replace("\x00", ""), quote=False)
    if "```" in text:
        text = _FENCE.sub(lambda m: keep(f"<pre><code>{m.group(1).rstrip()}</code></pre>"), text)
    if "$$" in text:
        text = _DISPLAY.sub(lambda m: keep(f'<div class="math">\\[{m.group(1).strip()}\\]</div>'),
                            text)
    blocks = [_block(b, stash) for b in _BLOCKS.split(text) if b.strip()]
    html = "\n".join(blocks)
    # a fence or display block inside a paragraph stays a placeholder there: put it back
    return _SLOT.sub(lambda m: stash[int(m.group(1))], html) if "\x00" in html else html
