"""A small, fast Markdown-with-TeX to HTML converter for feedback and reports.

Handles what question prompts and solutions use: headings, paragraphs, ``-`` lists, pipe tables,
fenced code, inline code, bold/italic, ``$..$`` and ``$$..$$`` math (kept as TeX in
``\\(..\\)`` / ``\\[..\\]`` for MathJax; readable as is without it). Everything else is
escaped, so student text can never inject markup.
"""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape

MATHJAX = ('<script>window.MathJax={tex:{inlineMath:[["\\\\(","\\\\)"]]}};</script>\n'
           '<script defer src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js">'
           '</script>')

_INLINE = re.compile(r"(`+)(.+?)\1|\$([^$\n]+?)\$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")
_HEADING = re.compile(r"(#{1,6})\s+(.*)")
_RULE = re.compile(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?")


def inline(text: str) -> str:
    """One line of Markdown to HTML (escaped; code and math left untouched)."""
    out, pos = [], 0
    for m in _INLINE.finditer(text):
        out.append(_emphasis(escape(text[pos:m.start()], quote=False)))
        if m.group(1):
            out.append(f"<code>{escape(m.group(2).strip(), quote=False)}</code>")
        else:
            out.append(f'<span class="math">\\({escape(m.group(3), quote=False)}\\)</span>')
        pos = m.end()
    out.append(_emphasis(escape(text[pos:], quote=False)))
    return "".join(out)


def _emphasis(s: str) -> str:
    if "*" not in s:
        return s
    return _ITALIC.sub(r"<em>\1</em>", _BOLD.sub(r"<strong>\1</strong>", s))


def _table(lines: list[str]) -> str:
    rows = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines
            if not _RULE.fullmatch(ln.strip())]
    head, body = (rows[0], rows[1:]) if len(lines) > 1 and _RULE.fullmatch(lines[1].strip()) \
        else (None, rows)
    html = ["<table>"]
    if head:
        html.append("<tr>" + "".join(f"<th>{inline(c)}</th>" for c in head) + "</tr>")
    html += ["<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in body]
    return "\n".join(html) + "\n</table>"


@lru_cache(maxsize=4096)
def to_html(md: str) -> str:
    """Markdown blocks to HTML."""
    lines = md.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    para: list[str] = []

    def flush():
        if para:
            out.append("<p>" + "<br>\n".join(inline(p) for p in para) + "</p>")
            para.clear()

    i = 0
    while i < len(lines):
        ln = lines[i]
        s = ln.strip()
        if s.startswith("```"):
            flush()
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            out.append("<pre><code>" + escape("\n".join(lines[i + 1:j]), quote=False)
                       + "</code></pre>")
            i = j + 1
            continue
        if s.startswith("$$"):
            flush()
            rest = s[2:]
            if rest.strip() and rest.rstrip().endswith("$$"):  # $$ ... $$ on one line
                tex, i = rest.rstrip()[:-2], i + 1
            else:
                body, j = [rest], i + 1
                while j < len(lines) and "$$" not in lines[j]:
                    body.append(lines[j])
                    j += 1
                if j < len(lines):
                    body.append(lines[j].split("$$")[0])
                tex, i = "\n".join(body), j + 1
            out.append(f'<div class="math">\\[{escape(tex.strip(), quote=False)}\\]</div>')
            continue
        m = _HEADING.match(s)
        if m:
            flush()
            level = len(m.group(1))
            out.append(f"<h{level}>{inline(m.group(2))}</h{level}>")
            i += 1
            continue
        if s.startswith("|"):
            flush()
            j = i
            while j < len(lines) and lines[j].strip().startswith("|"):
                j += 1
            out.append(_table(lines[i:j]))
            i = j
            continue
        if s.startswith(("- ", "* ")):
            flush()
            items = []
            while i < len(lines) and lines[i].strip().startswith(("- ", "* ")):
                items.append(f"<li>{inline(lines[i].strip()[2:])}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        if not s:
            flush()
        else:
            para.append(s)
        i += 1
    flush()
    return "\n".join(out)
