"""Formula shapes: formulas that differ only in their numbers are converted once.

:func:`shape` replaces every number, and every matrix of plain numbers, of a TeX formula
with a placeholder ``\\text{qzn..}``; the converters (pandoc for Typst, latex2mathml for
MathML) see each shape once, and :func:`fill_placeholders` puts the numbers back and
writes numeric matrices the way those converters write them. Formulas where a digit
could mean something else (inside ``\\text``, a dimension, an unbraced two-digit script)
or with commands outside :data:`SAFE` are not reduced. Tests compare with direct
conversion on thousands of formulas.
"""
from __future__ import annotations

import html
import re

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_TEXTLIKE = re.compile(r"\\(?:text\w*|math(?:rm|it|bf|sf|tt)|operatorname|mbox)\s*\{[^{}]*\d")
_RISKY = re.compile(r"[\^_]\s*\d[\d.]|\\\\\s*\[")
# Commands whose arguments never hold numbers that are not plain math (no dimensions).
SAFE = frozenset("""
cdot times div pm mp partial frac dfrac tfrac to quad qquad hat tilde bar vec dot ddot
left right lfloor rfloor lceil rceil langle rangle sigma tanh top odot oplus otimes max min
ln log exp sin cos tan sqrt sum prod infty nabla approx equiv sim le leq ge geq ne neq in
longrightarrow rightarrow leftarrow Rightarrow mapsto dots ldots cdots vdots ddots circ ast
alpha beta gamma delta epsilon varepsilon zeta eta theta lambda mu nu xi pi rho tau phi
varphi chi psi omega Gamma Delta Theta Lambda Pi Sigma Phi Psi Omega mathbf boldsymbol
mathcal mathbb text mathrm operatorname begin end bmatrix pmatrix matrix vmatrix cases
lvert rvert lVert rVert mid argmax argmin softmax ReLU
""".split())


def _placeholder(k: int) -> str:
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(97 + r) + out
    return "qzn" + out


# A matrix whose entries are all (signed) numbers becomes one placeholder too, so that
# matrices of other sizes and signs do not make new shapes; it is written out directly.
_NUM_MATRIX = re.compile(r"\\begin\{([pbvBV]?matrix)\}((?:[\s&+\-.\d]|\\\\)*?)\\end\{\1\}")
_CELL = re.compile(r"\s*([-+]?)\s*(\d+(?:\.\d+)?)\s*")
_DELIMS = {"bmatrix": ("[", "]"), "pmatrix": ("(", ")"), "vmatrix": ("|", "|"),
           "Bmatrix": ("{", "}"), "Vmatrix": ("‖", "‖"), "matrix": ("", "")}


def _matrix_cells(body: str) -> list[list[tuple[str, str]]] | None:
    rows = []
    for row in body.split("\\\\"):
        cells = []
        for cell in row.split("&"):
            m = _CELL.fullmatch(cell)
            if not m:
                return None
            cells.append((m.group(1), m.group(2)))
        rows.append(cells)
    if len({len(r) for r in rows}) != 1:
        return None
    return rows


def matrix_typst(env: str, rows) -> str:
    """Typst for a numeric matrix, written as pandoc writes it."""
    left = _DELIMS[env][0]
    if env == "pmatrix" and all(len(row) == 1 for row in rows):
        return "vec(" + ", ".join((f"{sign} " if sign else "") + num for (sign, num), in rows) + ")"
    delim = f'"{left}"' if left else "#none"
    body = "; ".join(", ".join((f"{sign} " if sign else "") + num for sign, num in row) for row in rows)
    return f"mat(delim: {delim}, {body})"


def matrix_mathml(env: str, rows) -> str:
    """MathML for a numeric matrix, as latex2mathml writes it (serialised like _serialize)."""
    left, right = _DELIMS[env]
    signs = {"-": "<mo>−</mo>", "+": "<mo>+</mo>", "": ""}
    body = "".join("<mtr>" + "".join(f"<mtd>{signs[sign]}<mn>{num}</mn></mtd>" for sign, num in row)
                   + "</mtr>" for row in rows)
    return (f"<mo>{html.escape(left)}</mo>" if left else "") + f"<mtable>{body}</mtable>" + \
        (f"<mo>{html.escape(right)}</mo>" if right else "")


def shape(tex: str) -> tuple[str, list] | None:
    """``tex`` with every number (and numeric matrix) replaced by ``\\text{qzn..}``.

    Returns (shape, items) where an item is a number string or ``(env, rows)`` for a
    matrix, or None when the formula is unsafe to reduce (digits inside text, dimensions,
    unbraced multi-digit scripts, commands we do not know).
    """
    if "qzn" in tex or _TEXTLIKE.search(tex) or _RISKY.search(tex):
        return None
    if any(c not in SAFE for c in _COMMAND.findall(tex)):
        return None
    items: list = []

    def matrix(m: re.Match) -> str:
        rows = _matrix_cells(m.group(2))
        if rows is None:
            return m.group(0)
        items.append((m.group(1), rows))
        return "\\text{" + _placeholder(len(items) - 1) + "}"

    def number(m: re.Match) -> str:
        items.append(m.group(0))
        return "\\text{" + _placeholder(len(items) - 1) + "}"

    shape = _NUMBER.sub(number, _NUM_MATRIX.sub(matrix, tex))
    return (shape, items) if items else None


_PLACED = re.compile(r'upright\("(qzn[a-z]+)"\)')
_SCRIPT_NUMBER = re.compile(r"([_^])\((\d+(?:\.\d+)?)\)")


def fill_placeholders(text: str, items: list, pattern: re.Pattern, number_form: str,
                       matrix_form) -> str | None:
    """Put numbers and matrices back; None unless every placeholder comes back once."""
    seen = []

    def sub(m: re.Match) -> str:
        seen.append(m.group(1))
        k = 0
        for c in m.group(1)[3:]:
            k = k * 26 + (ord(c) - 96)
        if not 0 < k <= len(items):
            return m.group(0)
        item = items[k - 1]
        return number_form.format(item) if isinstance(item, str) else matrix_form(*item)

    out = pattern.sub(sub, text)
    if len(seen) != len(items) or len(set(seen)) != len(items) or "qzn" in out:
        return None
    return out


def fill_typst(typ: str, items: list) -> str | None:
    out = fill_placeholders(typ, items, _PLACED, "{}", matrix_typst)
    return None if out is None else _SCRIPT_NUMBER.sub(r"\1\2", out)
