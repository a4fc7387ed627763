"""Question text (Markdown + TeX math) turned into what each LMS can show.

* :func:`to_html` -- HTML for Moodle, Canvas and QTI 2.1. Math spans are cut out before
  Markdown sees them (so ``_`` or ``*`` inside TeX never turn into emphasis) and come back
  as ``\\( ... \\)`` / ``\\[ ... \\]``, the delimiters MathJax (Moodle's filter, Canvas...)
  looks for, or as MathML (QTI 2.1). Raw HTML in the source is escaped, never passed through.
* :func:`to_plain` -- readable plain text for GIFT: Markdown stays as written, math
  becomes Unicode (``3 \\times 4`` -> ``3 × 4``, ``\\hat y`` -> ``ŷ``, a bmatrix ->
  ``[[1, 2], [3, 4]]``); accents become combining marks, style wrappers (``\\mathbf``,
  ``\\text``) keep their argument, and an unknown command keeps its name.

Math spans follow Pandoc's ``tex_math_dollars`` rule, so money stays money: an opening
``$`` must not be followed by a space, a closing ``$`` must not follow a space nor be
followed by a digit; ``\\$`` is a literal dollar sign; code spans are left alone.
"""
from __future__ import annotations

import functools
import html
import re
import unicodedata

from markdown_it import MarkdownIt

from ..render.texmath import to_mathml

TEXT, INLINE, DISPLAY = "text", "inline", "display"

_MD = MarkdownIt("commonmark", {"html": False, "xhtmlOut": True}).enable("table")
_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks around a math placeholder number


def split_math(src: str) -> list[tuple[str, str]]:
    """``[(kind, text), ...]`` with kind TEXT, INLINE or DISPLAY (math without delimiters)."""
    out: list[tuple[str, str]] = []
    buf: list[str] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "\\" and i + 1 < n:
            buf.append(src[i:i + 2])
            i += 2
            continue
        if c == "`":
            k = i
            while k < n and src[k] == "`":
                k += 1
            ticks = src[i:k]
            end = src.find(ticks, i + len(ticks))
            if end < 0:
                buf.append(ticks)
                i += len(ticks)
            else:
                buf.append(src[i:end + len(ticks)])
                i = end + len(ticks)
            continue
        if c == "$":
            if src.startswith("$$", i):
                end = src.find("$$", i + 2)
                if end > i + 2:
                    _flush(out, buf)
                    out.append((DISPLAY, src[i + 2:end].strip()))
                    i = end + 2
                    continue
            else:
                end = _inline_end(src, i)
                if end > 0:
                    _flush(out, buf)
                    out.append((INLINE, src[i + 1:end]))
                    i = end + 1
                    continue
        buf.append(c)
        i += 1
    _flush(out, buf)
    return out


def _inline_end(src: str, i: int) -> int:
    """Index of the ``$`` closing the inline math opened at ``i``, or -1."""
    if i + 1 >= len(src) or src[i + 1].isspace():
        return -1
    j = i + 1
    while j < len(src):
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == "\n" and src[j + 1:j + 2] == "\n":
            return -1  # math never spans a paragraph break
        if c == "$":
            if src[j - 1].isspace() or src[j + 1:j + 2].isdigit():
                return -1
            return j
        j += 1
    return -1


def _flush(out: list, buf: list) -> None:
    if buf:
        out.append((TEXT, "".join(buf)))
        buf.clear()


# --------------------------------------------------------------------------- HTML


@functools.lru_cache(maxsize=65536)
def to_html(src: str, inline: bool = False, mathml: bool = False) -> str:
    """Markdown with TeX math -> HTML. ``inline`` drops a lone wrapping ``<p>`` (options).

    Math is MathJax-delimited TeX, or with ``mathml`` MathML ``<math>`` elements (the
    converter of the HTML papers), which QTI 2.1 players show without any script.
    """
    parts = split_math(src or "")
    maths: list[str] = []
    md: list[str] = []
    for kind, text in parts:
        if kind == TEXT:
            md.append(text)
        else:
            maths.append(to_mathml(text, kind == DISPLAY, split=False) if mathml else math_html(kind, text))
            mark = f"{_OPEN}{len(maths) - 1}{_CLOSE}"
            md.append(f"\n\n{mark}\n\n" if kind == DISPLAY else mark)
    out = _MD.render("".join(md)).strip()
    if maths:
        out = re.sub(f"{_OPEN}(\\d+){_CLOSE}", lambda m: maths[int(m.group(1))], out)
    if inline and out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        out = out[3:-4]
    return out


def math_html(kind: str, tex: str) -> str:
    """One math span as MathJax-delimited, HTML-escaped text."""
    body = html.escape(tex.strip(), quote=False)
    return f"\\[{body}\\]" if kind == DISPLAY else f"\\({body}\\)"


# --------------------------------------------------------------------------- plain text


@functools.lru_cache(maxsize=65536)
def to_plain(src: str) -> str:
    """Markdown with TeX math -> plain text, math made readable with Unicode."""
    out = []
    for kind, text in split_math(src or ""):
        if kind == TEXT:
            out.append(text.replace("\\$", "$"))
        elif kind == INLINE:
            out.append(tex_to_plain(text))
        else:
            out.append("\n" + tex_to_plain(text) + "\n")
    text = re.sub(r"[ \t]+\n", "\n", "".join(out))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_SYMBOLS = {
    "times": "×", "cdot": "·", "div": "÷", "pm": "±", "mp": "∓", "le": "≤", "leq": "≤",
    "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈", "sim": "∼", "equiv": "≡",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "mapsto": "↦",
    "in": "∈", "notin": "∉", "subset": "⊂", "cup": "∪", "cap": "∩", "infty": "∞",
    "partial": "∂", "nabla": "∇", "sum": "Σ", "prod": "Π", "int": "∫", "odot": "⊙",
    "otimes": "⊗", "oplus": "⊕", "circ": "∘", "ldots": "…", "cdots": "⋯", "dots": "…",
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "langle": "⟨", "rangle": "⟩",
    "log": "log", "ln": "ln", "exp": "exp", "max": "max", "min": "min", "tanh": "tanh",
    "sin": "sin", "cos": "cos", "arg": "arg", "lim": "lim", "top": "ᵀ", "prime": "′",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ",
    "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ",
    "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ",
    "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ",
    "Psi": "Ψ", "Omega": "Ω", "longrightarrow": "⟶", "Longrightarrow": "⟹",
    "longleftarrow": "⟵", "leftrightarrow": "↔", "Leftarrow": "⇐", "Leftrightarrow": "⇔",
    "uparrow": "↑", "downarrow": "↓", "gets": "←", "iff": "⇔", "implies": "⇒",
    "forall": "∀", "exists": "∃", "neg": "¬", "land": "∧", "lor": "∨", "ll": "≪", "gg": "≫",
    "propto": "∝", "star": "⋆", "ast": "∗", "bullet": "∙", "vdots": "⋮", "ddots": "⋱",
    "setminus": "∖", "emptyset": "∅", "subseteq": "⊆", "supseteq": "⊇", "supset": "⊃",
    "perp": "⊥", "parallel": "∥", "angle": "∠", "ell": "ℓ", "hbar": "ℏ", "Re": "ℜ",
    "Im": "ℑ", "aleph": "ℵ", "vartheta": "ϑ", "varrho": "ϱ", "varsigma": "ς",
    "upsilon": "υ", "omicron": "ο", "Upsilon": "Υ", "Xi": "Ξ", "lVert": "‖", "rVert": "‖",
    "Vert": "‖", "vert": "|", "lvert": "|", "rvert": "|", "dagger": "†",
    "arctan": "arctan", "tan": "tan", "sinh": "sinh", "cosh": "cosh", "det": "det",
    "dim": "dim", "sup": "sup", "inf": "inf", "argmax": "argmax", "argmin": "argmin",
    "mod": "mod", "bmod": "mod", "deg": "deg",
    "quad": "  ", "qquad": "    ", "{": "{", "}": "}", "$": "$",
    "%": "%", "&": "&", "#": "#", "_": "_", ",": " ", ";": " ", ":": " ", "!": "",
    " ": " ", "\\": "\n", "|": "‖",
}
_BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼"}
_SUP = str.maketrans("0123456789+-=()nTi", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿᵀⁱ")
_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_MATRIX = re.compile(r"\\begin\{([pbvBV]?matrix|array)\}(?:\{[^}]*\})?(.*?)\\end\{\1\}", re.S)
# Style-only wrappers: the argument stays, the style (bold, roman...) has no plain form.
STYLES = ("text", "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "operatorname",
          "boldsymbol", "bm", "textbf", "textit", "textrm", "mbox")
# Accents -> a combining mark after each character of the argument (NFC makes ŷ, ā ...).
ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305",
           "tilde": "\u0303", "widetilde": "\u0303", "vec": "\u20d7", "dot": "\u0307",
           "ddot": "\u0308", "check": "\u030c", "breve": "\u0306", "acute": "\u0301",
           "grave": "\u0300", "underline": "\u0332"}
# Sizing and spacing commands with nothing to show in plain text.
INVISIBLE = ("left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
             "displaystyle", "textstyle", "limits", "nolimits", "mathstrut")


def _group(s: str, i: int) -> tuple[str, int]:
    """The argument starting at ``s[i]`` (a ``{...}`` group or one char) and the index after."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return "", i
    if s[i] != "{":
        if s[i] == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            return m.group(0), i + len(m.group(0))
        return s[i], i + 1
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "\\":
            continue
        if s[j] == "{" and (j == 0 or s[j - 1] != "\\"):
            depth += 1
        elif s[j] == "}" and s[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return s[i + 1:j], j + 1
    return s[i + 1:], len(s)


def _paren(text: str) -> str:
    return text if re.fullmatch(r"[\w.′\u0300-\u036f\u20d7]+", text) else f"({text})"


def tex_to_plain(tex: str) -> str:
    """A TeX math span -> readable Unicode text (best effort, never raises)."""
    tex = _MATRIX.sub(lambda m: _matrix_plain(m.group(2)), tex)
    out: list[str] = []
    i = 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            name = m.group(1) if m else ""
            i += len(name) + 1
            if name in ("frac", "dfrac", "tfrac"):
                a, i = _group(tex, i)
                b, i = _group(tex, i)
                out.append(f"{_paren(tex_to_plain(a))}/{_paren(tex_to_plain(b))}")
            elif name == "sqrt":
                a, i = _group(tex, i)
                out.append(f"√{_paren(tex_to_plain(a))}")
            elif name in ("mathbb", "mathcal"):
                a, i = _group(tex, i)
                out.append(_BLACKBOARD.get(a, a) if name == "mathbb" else a)
            elif name in ACCENTS:
                a, i = _group(tex, i)
                out.append(accent(tex_to_plain(a), ACCENTS[name]))
            elif name in STYLES:
                a, i = _group(tex, i)
                out.append(a if name.startswith("text") or name == "mbox" else tex_to_plain(a))
            elif name in INVISIBLE:
                pass
            else:
                out.append(_SYMBOLS.get(name, name))
        elif c in "^_":
            a, i = _group(tex, i + 1)
            plain = tex_to_plain(a)
            table = _SUP if c == "^" else _SUB
            if c == "^" and plain in ("ᵀ", "′", "*"):
                out.append(plain)
            elif plain and all(ord(ch) in table for ch in plain):
                out.append(plain.translate(table))
            elif c == "^":
                out.append("^" + _paren(plain))
            else:
                out.append("_" + _paren(plain) if len(plain) > 1 else "_" + plain)
        elif c in "{}":
            i += 1
        elif c == "~":
            out.append(" ")
            i += 1
        else:
            out.append(c)
            i += 1
    return re.sub(r"[ \t]{2,}", " ", "".join(out)).strip()


def accent(text: str, mark: str) -> str:
    """``text`` with the combining ``mark`` after each character, precomposed where
    Unicode has the letter (``y`` + U+0302 -> ``ŷ``)."""
    return unicodedata.normalize("NFC", "".join(c + mark if not c.isspace() else c
                                                for c in text))


def _matrix_plain(body: str) -> str:
    rows = [r for r in re.split(r"\\\\", body) if r.strip()]
    cells = [[tex_to_plain(c) for c in r.split("&")] for r in rows]
    if len(cells) == 1:
        return "[" + ", ".join(cells[0]) + "]"
    return "[" + ", ".join("[" + ", ".join(r) + "]" for r in cells) + "]"
