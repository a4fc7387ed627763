"""Question text (Markdown with TeX math) -> HTML with MathML, or -> Typst markup.

Both conversions share one parser (``markdown-it-py``, CommonMark plus tables and
strikethrough, raw HTML disabled) with the ``dollarmath`` plugin, so ``$...$`` and
``$$...$$`` are taken out as math before any Markdown rule can touch them and code spans
keep their dollars. Exporters may reuse :func:`to_html` and :func:`to_typst`. Texts are
rendered through their skeletons (:mod:`quizgen.render.skeleton`): the structure shared by
many students' texts is parsed once.

Safety: every piece of text placed into Typst markup is escaped (:func:`typst_text`,
:func:`typst_str`); every embedded Typst expression ends with ``;`` so the following
text cannot extend it. HTML is escaped by markdown-it; images are reduced to their alt
text (papers never load anything from the network).
"""
from __future__ import annotations

import html
import re
from html import escape as html_escape
from functools import lru_cache
from typing import Iterable

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.dollarmath import dollarmath_plugin

from . import texmath
from .skeleton import maths_of, math_marker, render, valid


@lru_cache(maxsize=8192)
def _tokens(source: str) -> list:
    """markdown-it tokens of a skeleton, shared by the HTML and the Typst writers."""
    return MD.parse(source)


@lru_cache(maxsize=8192)
def _tree(source: str) -> SyntaxTreeNode:
    return SyntaxTreeNode(_tokens(source))


# ---------------------------------------------------------------- HTML

def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True,
           allow_labels=False)
    rules = md.add_render_rule
    rules("math_inline", lambda self, tokens, idx, options, env:
          math_marker(env["maths"], tokens[idx].content, False))
    rules("math_inline_double", lambda self, tokens, idx, options, env:
          math_marker(env["maths"], tokens[idx].content, True))
    rules("math_block", lambda self, tokens, idx, options, env: '<div class="math-block">'
          + math_marker(env["maths"], tokens[idx].content, True) + "</div>\n")
    rules("image", lambda self, tokens, idx, options, env: html.escape(tokens[idx].content))
    # a table wider than a narrow window scrolls in its own box, never the page
    rules("table_open", lambda self, tokens, idx, options, env:
          TABLE_BOX + self.renderToken(tokens, idx, options, env))
    rules("table_close", lambda self, tokens, idx, options, env:
          self.renderToken(tokens, idx, options, env) + "</div>\n")
    return md


# A box that scrolls sideways when what it holds is wider than the window (CSS .scroll-x):
# the keyboard reaches it (tabindex) and a screen reader names it; names are English until
# :func:`name_boxes` puts the page's language in.
TABLE_BOX = '<div class="scroll-x" tabindex="0" role="group" aria-label="Table">'
_BOX_NAME = re.compile(r'(<(?:div|span) class="scroll-x" tabindex="0" role="group" aria-label=")'
                       r'(Table|Formula)(")')


MD = _parser()


@lru_cache(maxsize=8192)
def _html_template(skeleton: str, n: int, m: int = 0) -> tuple[str, tuple, bool]:
    env: dict = {"maths": []}
    out = MD.renderer.render(_tokens(skeleton), MD.options, env)
    maths = tuple(env["maths"])
    return out, maths, (valid(out, maths, n, m) if n or m else True)


_HTML_BLOCK = (re.compile("<p>([\uE900-\uEFFF])</p>\n"),
               lambda mathml: f'<div class="math-block">{mathml}</div>\n')


def _mathml(tex: str, display: bool) -> str:
    return texmath.to_mathml(tex, display)


# An inline formula (or its scroll box) and the punctuation right after it: kept on one
# line (a browser would otherwise start a line with the full stop after a long formula).
_MATH_PUNCT = re.compile(r'((?:<span class="scroll-x"[^>]*>)?<math(?![^>]*display="block")[^>]*>'
                         r'(?:(?!</math>).)*</math>(?:</span>)?)([.,;:!?)])', re.DOTALL)


@lru_cache(maxsize=32768)
def to_html(text: str, lang: str = "en") -> str:
    """Block HTML (``<p>``, ``<pre>``, ``<table>``, MathML ...) for Markdown+TeX ``text``;
    ``lang`` names the scroll boxes of wide tables and formulas for screen readers."""
    if lang != "en":
        return name_boxes(to_html(text), lang)
    return keep_punctuation(render(text or "", _html_template, _mathml, _HTML_BLOCK))


def name_boxes(html: str, lang: str) -> str:
    """``html`` with its scroll boxes named in ``lang`` ("Table", "Formula" in English)."""
    if lang == "en" or 'class="scroll-x"' not in html:
        return html
    from ..i18n import messages
    t = messages(lang)
    names = {"Table": t["scroll_table"], "Formula": t["scroll_formula"]}
    return _BOX_NAME.sub(lambda m: m.group(1) + html_escape(names[m.group(2)]) + m.group(3), html)


def keep_punctuation(html: str) -> str:
    """``html`` with each inline formula and the punctuation after it in a no-wrap span."""
    return _MATH_PUNCT.sub(r'<span style="white-space:nowrap">\1\2</span>', html) if "</math>" in html else html


@lru_cache(maxsize=32768)
def to_html_inline(text: str, lang: str = "en") -> str:
    """Like :func:`to_html` for a one-line text (an option, a title): no ``<p>`` wrapper."""
    out = to_html(text, lang).strip()
    if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        return out[3:-4]
    return out


# ---------------------------------------------------------------- Typst

_TEXT_SPECIAL = re.compile(r"[\\#$*_`<>@=\-+/\[\]~\"'.:]")
_LANG = re.compile(r"[A-Za-z0-9_+-]{1,20}")
_URL = re.compile(r"(?:https?://|mailto:)[^\s\"\\]*", re.IGNORECASE)


def typst_text(s: str) -> str:
    """Plain text for Typst markup: every markup character escaped, line breaks as spaces."""
    s = s.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return _TEXT_SPECIAL.sub(lambda m: "\\" + m.group(0), s)


def typst_str(s: str) -> str:
    """A Typst string literal holding ``s`` exactly."""
    return '"' + (s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                  .replace("\r", "\\r").replace("\t", "\\t")) + '"'


def _math(tex: str, display: bool) -> str:
    converted = texmath.to_typst(tex)
    if converted is None:  # pandoc could not read it: show the TeX source
        return f"#raw({typst_str(tex.strip())}, block: {'true' if display else 'false'});"
    if not converted:
        return ""
    if display:
        return f"$ {converted} $"
    # Typst sets inline matrices at script size, and pandoc writes TeX's \dfrac as a plain
    # frac, which a sentence sets at script size too (the 1 of dL/dh_1 at 5 pt): a matrix,
    # or a fraction the TeX asks to be full size, inside a sentence should be legible.
    if "mat(" in converted or "vec(" in converted or "\\dfrac" in tex:
        return f"$#math.display(${converted}$)$"
    return f"${converted}$"


def _inline(node: SyntaxTreeNode, maths: list) -> str:
    out = []
    for c in node.children:
        t = c.type
        if t == "text":
            out.append(typst_text(c.content))
        elif t == "softbreak":
            out.append(" ")
        elif t == "hardbreak":
            out.append("#linebreak();")
        elif t == "code_inline":
            out.append(f"#raw({typst_str(c.content)});")
        elif t == "math_inline":
            out.append(math_marker(maths, c.content, False))
        elif t == "math_inline_double":
            out.append(math_marker(maths, c.content, True))
        elif t == "em":
            out.append(f"#emph[{_inline(c, maths)}];")
        elif t == "strong":
            out.append(f"#strong[{_inline(c, maths)}];")
        elif t == "s":
            out.append(f"#strike[{_inline(c, maths)}];")
        elif t == "link":
            href = str(c.attrs.get("href", ""))
            body = _inline(c, maths)
            out.append(f"#link({typst_str(href)})[{body}];" if _URL.fullmatch(href) else body)
        elif t == "image":
            out.append(typst_text(c.content))
        else:  # html_inline and anything unknown: shown as text
            out.append(typst_text(c.content or ""))
    return "".join(out)


def _table(node: SyntaxTreeNode, maths: list) -> str:
    head, body = [], []
    aligns: list[str] = []
    for section in node.children:
        for row in section.children:
            cells = [f"[{_inline(cell.children[0], maths) if cell.children else ''}]"
                     for cell in row.children]
            if section.type == "thead":
                head = cells
                for cell in row.children:
                    style = str(cell.attrs.get("style", ""))
                    aligns.append("right" if "right" in style else "center" if "center" in style
                                  else "left")
            else:
                body.extend(cells)
    n = max(len(aligns), 1)
    return (f"#align(center, table(columns: {n}, align: ({', '.join(aligns) or 'left'},), "
            f"table.header({', '.join(head)}), {', '.join(body)}));\n\n")


def _blocks(nodes: Iterable[SyntaxTreeNode], maths: list, tight: bool = False,
            langs: bool = True) -> str:
    out = []
    for n in nodes:
        t = n.type
        if t == "paragraph":
            out.append(_inline(n.children[0], maths) + ("\n" if tight else "\n\n"))
        elif t == "heading":
            out.append(f"#strong[{_inline(n.children[0], maths)}];\n\n")
        elif t in ("bullet_list", "ordered_list"):
            is_tight = not any(p.type == "paragraph" and not p.hidden
                               for item in n.children for p in item.children)
            items = ", ".join(f"[{_blocks(item.children, maths, True, langs).strip()}]"
                              for item in n.children)
            tight_arg = "true" if is_tight else "false"
            if t == "bullet_list":
                out.append(f"#list(tight: {tight_arg}, {items});\n\n")
            else:
                start = int(n.attrs.get("start", 1))
                out.append(f"#enum(start: {start}, tight: {tight_arg}, {items});\n\n")
        elif t in ("fence", "code_block"):
            lang = (n.info or "").split()[0] if t == "fence" and n.info else ""
            lang_arg = f", lang: {typst_str(lang)}" if langs and _LANG.fullmatch(lang or "") else ""
            out.append(f"#raw(block: true{lang_arg}, {typst_str(n.content.rstrip(chr(10)))});\n\n")
        elif t == "math_block":
            out.append(math_marker(maths, n.content, True) + "\n\n")
        elif t == "blockquote":
            out.append(f"#quote(block: true)[{_blocks(n.children, maths, False, langs).strip()}];\n\n")
        elif t == "hr":
            out.append("#line(length: 100%);\n\n")
        elif t == "table":
            out.append(_table(n, maths))
        else:  # html_block and unknown blocks: shown as text
            out.append(typst_text(n.content or "") + "\n\n")
    return "".join(out)


@lru_cache(maxsize=8192)
def _typst_template(skeleton: str, n: int, m: int = 0, highlight: bool = True) -> tuple[str, tuple, bool]:
    maths: list = []
    out = _blocks(_tree(skeleton).children, maths, langs=highlight).strip()
    return out + "\n", tuple(maths), (valid(out, maths, n, m) if n or m else True)


def _typst_template_plain(skeleton: str, n: int, m: int = 0):
    return _typst_template(skeleton, n, m, False)


def math_spans(text: str) -> list[str]:
    """Every TeX formula in ``text`` (to convert a whole document's math in one batch)."""
    return maths_of(text or "", _typst_template) if "$" in (text or "") else []


def prepare_typst(texts: Iterable[str], meanwhile=None) -> None:
    """Convert the math of many texts in one pandoc call before calling :func:`to_typst`.

    ``meanwhile`` runs once while pandoc works (other preparation, e.g. QR codes).
    """
    spans = []
    for text in set(texts):
        spans.extend(math_spans(text))
    texmath.to_typst_many(spans, meanwhile)


@lru_cache(maxsize=32768)
def to_typst(text: str, highlight: bool = True) -> str:
    """Typst markup for Markdown+TeX ``text`` (blocks separated by blank lines).

    ``highlight=False`` drops the language of code blocks: Typst's syntax highlighting
    is half the typesetting time of a code-heavy exam, and printed papers are grey anyway.
    Call :func:`prepare_typst` first for many texts (one pandoc run for all formulas).
    """
    if not text:
        return ""
    return render(text, _typst_template if highlight else _typst_template_plain, _math)


@lru_cache(maxsize=32768)
def to_typst_inline(text: str) -> str:
    """Typst markup for a one-paragraph text (an option, a title): no trailing break."""
    return to_typst(text).strip()


def clear_caches() -> None:
    """Forget converted texts (after formulas were re-marked as unreadable)."""
    for f in (to_html, to_html_inline, to_typst, to_typst_inline):
        f.cache_clear()
