"""TeX math -> MathML (HTML pages) and TeX math -> Typst math (PDF), both cached.

* MathML comes from ``latex2mathml`` (pure Python). Its output is re-parsed and rebuilt
  from a whitelist of MathML elements and attributes, so text such as ``\\text{<b>}``
  cannot inject HTML; anything that does not survive becomes escaped TeX in ``<code>``.
* Typst math comes from pandoc's Typst writer (the ``pypandoc-binary`` wheel ships the
  binary; pandoc's texmath parser is the most complete TeX-math reader we found, and
  its writer escapes text in ``\\text{...}`` properly). Pandoc is a subprocess, so every
  distinct formula *shape* of a whole document is converted in one call
  (:func:`to_typst_many`, shapes from :mod:`quizgen.render.mathshape`) and remembered for
  the rest of the process. :func:`modernize` renames the few symbols pandoc writes that
  the bundled Typst no longer knows. A formula pandoc cannot read comes back as ``None``
  and callers show the TeX source verbatim; :func:`check_typst` finds formulas Typst
  rejects after a failed compile.
"""
from __future__ import annotations

import html
import importlib.util
import json
import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from ..errors import RenderError
from .mathshape import fill_placeholders, fill_typst, matrix_mathml, shape

# ---------------------------------------------------------------- MathML

_MATHML = {
    "math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot",
    "mstyle", "merror", "mpadded", "mphantom", "mfenced", "menclose", "msub", "msup",
    "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mprescripts", "none",
    "mtable", "mtr", "mtd", "mlabeledtr", "semantics", "annotation",
}
_ATTRS = {
    "display", "mathvariant", "stretchy", "fence", "form", "separator", "lspace", "rspace",
    "minsize", "maxsize", "largeop", "movablelimits", "accent", "accentunder", "linethickness",
    "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines",
    "frame", "framespacing", "displaystyle", "scriptlevel", "width", "height", "depth",
    "notation", "open", "close", "separators", "symmetric", "encoding", "columnspan",
    "rowspan", "voffset", "mathsize", "mathcolor", "mathbackground",
}
_NS = "{http://www.w3.org/1998/Math/MathML}"
_TEXT_ESCAPES = re.compile(r"\\([_#%&${}])")
_TEXT_CMD = re.compile(r"\\(?:text|textrm|textit|textbf|texttt|mathrm|operatorname)\s*\{")


def _unescape_text_args(tex: str) -> str:
    """``\\text{in\\_channels}`` -> ``\\text{in_channels}`` (latex2mathml keeps the backslash)."""
    if "\\" not in tex or not _TEXT_CMD.search(tex):
        return tex
    out, i = [], 0
    for m in _TEXT_CMD.finditer(tex):
        if m.start() < i:
            continue
        out.append(tex[i:m.end()])
        depth, j = 1, m.end()
        while j < len(tex) and depth:
            c = tex[j]
            if c == "\\":
                j += 2
                continue
            depth += c == "{"
            depth -= c == "}"
            j += 1
        out.append(_TEXT_ESCAPES.sub(r"\1", tex[m.end():j]))
        i = j
    out.append(tex[i:])
    return "".join(out)


def _serialize(el: ET.Element) -> str:
    tag = el.tag[len(_NS):] if el.tag.startswith(_NS) else el.tag
    if tag not in _MATHML:
        raise ValueError(tag)
    attrs = "".join(f' {k}="{html.escape(v, quote=True)}"' for k, v in sorted(el.attrib.items())
                    if k in _ATTRS)
    if tag == "math":
        attrs = ' xmlns="http://www.w3.org/1998/Math/MathML"' + attrs
    inner = html.escape(el.text or "", quote=False)
    for child in el:
        inner += _serialize(child) + html.escape(child.tail or "", quote=False)
    return f"<{tag}{attrs}>{inner}</{tag}>"


def _mathml_direct(tex: str, display: bool) -> str | None:
    from latex2mathml.converter import convert

    try:
        raw = convert(_unescape_text_args(tex), display="block" if display else "inline")
        return _serialize(ET.fromstring(raw))
    except Exception:  # latex2mathml raises many types on bad TeX; any failure falls back
        return None


@lru_cache(maxsize=16384)
def _mathml_shape(shape: str, display: bool) -> str | None:
    return _mathml_direct(shape, display)


_MTEXT_PLACED = re.compile(r"<mtext>(qzn[a-z]+)</mtext>")

# ---------------------------------------------------------------- long formulas: line breaks

# A browser never breaks a line inside <math>, so a long worked-solution line would run
# off the page (and a printed page would be shrunk to fit it). A long formula is split
# into several <math> elements, each ending after a relation or a binary + or − (TeX
# breaks inline math there too); the operator keeps its spacing (form="infix").
# Brackets are broken inside only when the bracketed group alone is long.
SPLIT_CHARS = 16  # formulas with more characters than this are split (a 320 px window)
_GROUP_CHARS = 40  # ... and brackets holding more than this are broken inside
_BREAK_AFTER = frozenset("=<>≤≥≈≠≡∼→⇒+−-")
_BINARY = frozenset("+−-")
_OPEN, _CLOSE = frozenset("([{⟨|‖"), frozenset(")]}⟩|‖")
_TAG = re.compile(r"<[^>]+>")


def _tag(el: ET.Element) -> str:
    return el.tag.removeprefix(_NS)


def _fence(el: ET.Element) -> str:
    """The bracket an element is (``(`` or ``)`` also as the base of a script), or ''."""
    while _tag(el) in ("msub", "msup", "msubsup") and len(el):
        el = el[0]
    text = (el.text or "").strip()
    return text if _tag(el) == "mo" and len(text) == 1 else ""


def _em(width: str) -> float:
    try:
        return float(width[:-2])
    except ValueError:
        return 0.0


def _text_len(el: ET.Element) -> int:
    return len("".join(el.itertext()))


def _break_points(kids: list) -> set[int]:
    """Indices of the operators after which a line may break."""
    ends, stack = {}, []  # opening bracket -> its closing bracket (indices in kids)
    for i, el in enumerate(kids):
        f = _fence(el)
        if f in _CLOSE and stack and (f not in _OPEN or _fence(kids[stack[-1]]) == f):
            ends[stack.pop()] = i
        elif f in _OPEN:
            stack.append(i)
    allowed = [True] * len(kids)
    for a, b in ends.items():
        if sum(_text_len(k) for k in kids[a:b + 1]) <= _GROUP_CHARS:
            allowed[a + 1:b] = [False] * (b - a - 1)
    points, spaces = set(), set()
    for i, el in enumerate(kids[:-1]):
        op = (el.text or "").strip()
        if allowed[i] and _tag(el) == "mspace" and el.get("width", "").endswith("em") \
                and _em(el.get("width")) >= 1:  # \quad, \qquad between two formulas
            spaces.add(i)
        if not allowed[i] or _tag(el) != "mo" or op not in _BREAK_AFTER:
            continue
        if op in _BINARY and (i == 0 or (_tag(kids[i - 1]) == "mo"
                                         and _fence(kids[i - 1]) not in _CLOSE)):
            continue  # a sign (after an operator or a bracket), not a binary operator
        points.add(i)
    return spaces or points  # "X = [..] \qquad K = [..]" breaks only between the two


# A piece that cannot break and is still wider than a narrow window (a matrix, a long
# fraction, max(1, 15, 12, ...): a 320 CSS pixel window at 400% zoom holds about 16 em of
# math beside a list's indent) scrolls sideways in a box of its own, which the keyboard can
# reach and which screen readers name (the name is English here; markup.to_html puts the
# page's language in): never the whole page. The width is an estimate in em
# (:func:`estimate_em`), generous on purpose: a box that does not need to scroll costs only
# a tab stop.
WIDE_EM = 13.5
SCROLL_BOX = '<span class="scroll-x" tabindex="0" role="group" aria-label="Formula">'
_WIDE_CHARS = 12  # formulas with fewer characters than this are never that wide
_SPACED = frozenset("=<>≤≥≈≠≡∼←→⇒⇐↦+−-×·⋅±∓⊙∘∗/∣∈∉⊂⊆∪∩")
_SCRIPTS = {"msub", "msup", "msubsup", "munder", "mover", "munderover"}


def _chars_em(text: str) -> float:
    return sum(1.0 if ord(c) >= 0x1100 else 0.56 for c in text)


def estimate_em(el: ET.Element, scale: float = 1.0, display: bool | None = None) -> float:
    """About how wide ``el`` is set, in em of the surrounding math (upper-leaning)."""
    tag = _tag(el)
    if display is None:
        display = el.get("display") == "block" or el.get("displaystyle") == "true"
    kids = [k for k in el if _tag(k) != "annotation"]
    if tag in ("mi", "mn", "mtext", "ms"):
        return scale * _chars_em(el.text or "")
    if tag == "mo":
        text = (el.text or "").strip()
        space = 0.0 if el.get("form") == "prefix" else (0.56 if text in _SPACED else
                                                         0.2 if text in ",;:" else 0.0)
        return scale * (_chars_em(text) + space)
    if tag == "mspace":
        return scale * _em(el.get("width", "0em")) if el.get("width", "").endswith("em") else 0.0
    if tag == "mfrac" and len(kids) == 2:
        inner = scale if display else scale * 0.8  # inline fractions are set smaller
        return max(estimate_em(kids[0], inner, display), estimate_em(kids[1], inner, display)) + 0.3 * scale
    if tag in _SCRIPTS and kids:
        scripts = [estimate_em(k, scale * 0.75, False) for k in kids[1:]]
        return estimate_em(kids[0], scale, display) + (max(scripts) if scripts else 0.0)
    if tag in ("msqrt", "mroot"):
        return sum(estimate_em(k, scale, display)
                   for k in kids[:1 if tag == "mroot" else None]) + 1.0 * scale
    if tag == "mtable":
        columns: list[float] = []
        for row in kids:
            for j, cell in enumerate(row):
                w = estimate_em(cell, scale, False)
                if j < len(columns):
                    columns[j] = max(columns[j], w)
                else:
                    columns.append(w)
        return sum(columns) + 0.9 * scale * len(columns)
    return sum(estimate_em(k, scale, display) for k in kids)


def _boxed(math: str, el: ET.Element | None = None) -> str:
    """``math`` in a scroll box when it may be wider than a narrow window."""
    if len(_TAG.sub("", math)) < _WIDE_CHARS:
        return math
    if el is None:
        try:
            el = ET.fromstring(math)
        except ET.ParseError:
            return math
    return f"{SCROLL_BOX}{math}</span>" if estimate_em(el) > WIDE_EM else math


def split_long(mathml: str, display: bool) -> str:
    """``mathml`` (one ``<math>``) as several, breakable between them, when it is long;
    a piece that may still be wider than a narrow window in a scroll box."""
    if len(_TAG.sub("", mathml)) <= SPLIT_CHARS or not mathml.startswith("<math"):
        return _boxed(mathml) if mathml.startswith("<math") else mathml
    try:
        root = ET.fromstring(mathml)
    except ET.ParseError:
        return mathml
    kids = list(root)
    if len(kids) == 1 and _tag(kids[0]) == "mrow":
        kids = list(kids[0])
    points = _break_points(kids)
    if not points:
        return _boxed(mathml, root)
    style = ' displaystyle="true"' if display else ""
    pieces, piece = [], []
    for i, el in enumerate(kids):
        if i in points and _tag(el) == "mo":
            el.set("form", "infix")
        piece.append(el)
        if i in points:
            pieces.append(piece)
            piece = []
    pieces.append(piece)
    out = "<wbr>".join(
        _boxed(f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"{style}>'
               f'{"".join(_serialize(el) for el in p)}</math>',
               _piece_root(p, display)) for p in pieces if p)
    return f'<span class="math-display">{out}</span>' if display else out


def _piece_root(piece: list, display: bool) -> ET.Element:
    root = ET.Element("math", {"displaystyle": "true"} if display else {})
    root.extend(piece)
    return root


# latex2mathml's output, tidied for browsers (MathML Core):
# - a minus after a relation, an arrow, a comma, an opening bracket or a binary operator is
#   a sign: "= −3", "(−1.5", "L = −ln p". In one row with them Chromium takes it for a
#   subtraction and spaces it so ("= − 3"): form="prefix" sets it tight (split_long, which
#   tells signs the same way, never breaks a line after one);
# - a prime is a superscript <mi>′</mi> (with a subscript: <msubsup>), which Chromium draws
#   at script size, hardly visible ("tanh′" read as "tanh"); U+2032 itself is a raised mark
#   of full size;
# - \mathrm{ReLU} is four one-letter <mi>, which a screen reader spells out: one <mi>;
# - \max, \min and every \operatorname{...} (ReLU, softmax) are <mo>, spaced as operators
#   ("· max (y, z)") and announced as operators: names (identifiers), as \tanh's. Any <mo>
#   without attributes holding a word of two or more letters is such a name.
_SIGN = re.compile(r"(<mo(?: [^>]*)?>[=<>≤≥≈≠≡∼←→⇒⇐↦(\[{⟨,;:+−×·⋅*/∣]</mo>)<mo>−</mo>")
_PRIME_BASE = r"(<mi(?: [^>]*)?>[^<]*</mi>|<mrow>(?:<mi(?: [^>]*)?>[^<]*</mi>)+</mrow>)"
_PRIME = re.compile(rf"<msup>{_PRIME_BASE}<mi>′</mi></msup>")
_PRIME_SUB = re.compile(rf"<msubsup>{_PRIME_BASE}(<mrow>(?:(?!</?mrow>).)*</mrow>|<m[ni](?: [^>]*)?>[^<]*</m[ni]>)"
                        r"<mi>′</mi></msubsup>")
_LETTERS = re.compile(r'<mrow>((?:<mi mathvariant="normal">[A-Za-z]</mi>){2,})</mrow>')
_NAME_MO = re.compile(r"<mo>([^\W\d_]{2,})</mo>")


def _tidy(mathml: str) -> str:
    if "<mo>−</mo>" in mathml:
        mathml = _SIGN.sub(r'\1<mo form="prefix">−</mo>', mathml)
    if "<mo>" in mathml:  # names first: a prime after \operatorname{ReLU} follows a name
        mathml = _NAME_MO.sub(r"<mi>\1</mi>", mathml)
    if "′" in mathml:
        mathml = _PRIME.sub(r'<mrow>\1<mo lspace="0" rspace="0">′</mo></mrow>', mathml)
        mathml = _PRIME_SUB.sub(r'<msub><mrow>\1<mo lspace="0" rspace="0">′</mo></mrow>\2</msub>', mathml)
    if 'mathvariant="normal"' in mathml:
        mathml = _LETTERS.sub(lambda m: '<mi mathvariant="normal">' + re.sub(r"<[^>]+>", "", m.group(1))
                              + "</mi>", mathml)
    return mathml


@lru_cache(maxsize=65536)
def to_mathml(tex: str, display: bool = False, split: bool = True) -> str:
    """One formula as a ``<math>`` element; unreadable TeX becomes ``<code class="tex">``.

    A long one is split into several ``<math>`` joined by HTML's ``<wbr>`` (:func:`split_long`),
    unless ``split`` is false (XML that is not HTML, such as QTI).

    Formulas that differ only in their numbers share one conversion (see :mod:`quizgen.render.mathshape`).
    """
    tex = tex.strip()
    out = None
    reduced = shape(tex)
    if reduced is not None:
        converted = _mathml_shape(reduced[0], display)
        if converted is not None:
            out = fill_placeholders(converted, reduced[1], _MTEXT_PLACED, "<mn>{}</mn>",
                                     matrix_mathml)
    if out is None:
        out = _mathml_direct(tex, display)
    if out is None:
        return f'<code class="tex">{html.escape(tex)}</code>'
    return split_long(_tidy(out), display) if split else _tidy(out)


# ---------------------------------------------------------------- Typst via pandoc

_SEP = "QZSEPc0ffee7"
_typst_cache: dict[str, str | None] = {}
_shape_cache: dict[str, str | None] = {}
_lock = threading.Lock()


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    """The pandoc binary: the one inside pypandoc-binary, else pandoc on PATH (>= 3.1.2)."""
    spec = importlib.util.find_spec("pypandoc")
    if spec and spec.origin:
        for name in ("pandoc", "pandoc.exe"):
            candidate = Path(spec.origin).parent / "files" / name
            if candidate.is_file():
                return str(candidate)
    found = shutil.which("pandoc")
    if found:
        return found
    raise RenderError("pandoc is needed to convert TeX math for Typst and was not found.",
                      hint="Install it with `pip install pypandoc-binary` (a quizgen dependency).")


def _run(args: list[str], data: str) -> str:
    try:
        proc = subprocess.run([pandoc_path(), *args], input=data.encode("utf-8"),
                              capture_output=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RenderError(f"could not run pandoc: {e}.", path=pandoc_path()) from e
    if proc.returncode != 0:
        raise RenderError("pandoc failed: " + proc.stderr.decode("utf-8", "replace").strip()[:500],
                          path=pandoc_path(), hint="Pandoc 3.1.2 or newer is needed (Typst writer).")
    return proc.stdout.decode("utf-8")


_KNOWN_API = [1, 23, 1, 1]  # pandoc 3.x; asked from pandoc only if it refuses this one
_api: list = []


def _api_version(ask: bool = False) -> list:
    if ask:
        _api[:] = json.loads(_run(["-f", "markdown", "-t", "json"], ""))["pandoc-api-version"]
    return _api or _KNOWN_API


def _clean_tex(tex: str) -> str:
    # No blank lines inside one formula: they would end it, and they separate our batch.
    tex = tex.strip()
    if "\n" not in tex and "\r" not in tex:
        return tex
    return re.sub(r"\n\s*\n", "\n", tex.replace("\r", ""))


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
# Symbol names pandoc's Typst writer still uses but Typst 0.14+ renamed.
_RENAMES = (
    (re.compile(r"\b(dot|times|minus|plus|div|ast|eq|slash|backslash)\.circle\b"), r"\1.o"),
    (re.compile(r"(?<![\w.])sect\b"), "inter"),
)
_DELIM_BARS = re.compile(r'(?<![\\\w])delim: "\|\|"')  # pandoc's vmatrix (and Vmatrix)
# pandoc writes fractional em spaces rounded to whole ems: \; and \enspace become #h(0em),
# \! becomes #h(-1em). Put sensible widths back.
_SPACES = ((re.compile(r"#h\(0em\)"), "thick"), (re.compile(r"#h\(-1em\)"), "#h(-0.17em)"))


def modernize(typ: str) -> str:
    """Rename symbols that the bundled Typst no longer knows (outside string literals)."""
    typ = _DELIM_BARS.sub('delim: "|"', typ)
    for pattern, repl in _SPACES:
        typ = pattern.sub(repl, typ)
    out, i = [], 0
    for m in _STRING.finditer(typ):
        out.append(_rename(typ[i:m.start()]))
        out.append(m.group(0))
        i = m.end()
    out.append(_rename(typ[i:]))
    return "".join(out)


def _rename(code: str) -> str:
    for pattern, repl in _RENAMES:
        code = pattern.sub(repl, code)
    return code


def _convert_batch(texs: list[str]) -> list[str | None]:
    blocks: list[dict] = []
    for i, tex in enumerate(texs):
        if i:
            blocks.append({"t": "Para", "c": [{"t": "Str", "c": _SEP}]})
        blocks.append({"t": "Para", "c": [{"t": "Math", "c": [{"t": "InlineMath"}, tex]}]})
    doc = {"pandoc-api-version": _api_version(), "meta": {}, "blocks": blocks}
    try:
        out = _run(["-f", "json", "-t", "typst", "--wrap=none"], json.dumps(doc))
    except RenderError:
        if _api:
            raise
        doc["pandoc-api-version"] = _api_version(ask=True)
        out = _run(["-f", "json", "-t", "typst", "--wrap=none"], json.dumps(doc))
    parts = out.strip("\n").split(f"\n\n{_SEP}\n\n")
    if len(parts) != len(texs):
        if len(texs) == 1:
            return [None]
        return [r for t in texs for r in _convert_batch([t])]
    result: list[str | None] = []
    for p in parts:
        p = p.strip()
        ok = len(p) >= 2 and p[0] == "$" and p[-1] == "$" and "\n\n" not in p
        result.append(modernize(p[1:-1].strip()) if ok else None)
    return result


def to_typst_many(texs, meanwhile=None) -> None:
    """Convert every formula not yet known in one pandoc call (fills the cache).

    Formulas that differ only in their numbers (the same template drawn for many
    students) are converted once with placeholders and filled in; a placeholder that does
    not come back exactly once sends that formula through pandoc as it is. ``meanwhile``
    (if given) runs once, while pandoc works.
    """
    todo = sorted({_clean_tex(t) for t in texs} - _typst_cache.keys())
    todo = [t for t in todo if t]
    shapes = {t: shape(t) for t in todo}
    batch = sorted({sh[0] for sh in shapes.values() if sh} - _shape_cache.keys())
    batch_direct = [t for t in todo if shapes[t] is None]
    if not batch and not batch_direct:
        results = []
        if meanwhile:
            meanwhile()
    elif meanwhile is None:
        results = _convert_batch(batch + batch_direct)
    else:
        with ThreadPoolExecutor(max_workers=1) as pool:  # pandoc runs outside the GIL
            future = pool.submit(_convert_batch, batch + batch_direct)
            meanwhile()
            results = future.result()
    if not todo:
        return
    with _lock:
        _shape_cache.update(zip(batch, results[:len(batch)]))
        _typst_cache.update(zip(batch_direct, results[len(batch):]))
    retry = []
    for t, sh in shapes.items():
        if sh is None:
            continue
        converted = _shape_cache.get(sh[0])
        filled = fill_typst(converted, sh[1]) if converted is not None else None
        if filled is None:
            retry.append(t)
        else:
            _typst_cache[t] = filled
    if retry:
        with _lock:
            _typst_cache.update(zip(retry, _convert_batch(retry)))
    if len(_typst_cache) > 500_000:
        _typst_cache.clear()
        _shape_cache.clear()


def to_typst(tex: str) -> str | None:
    """Typst math (without the ``$``) for one TeX formula, or None when pandoc cannot read it."""
    key = _clean_tex(tex)
    if not key:
        return ""
    if key not in _typst_cache:
        to_typst_many([key])
    return _typst_cache.get(key)


_LINE = re.compile(r":(\d+):\d+\n")


def check_typst(texs, max_rounds: int = 200) -> int:
    """Typeset each converted formula once; mark those Typst rejects as unreadable (None).

    The slow path after a failed compile: one Typst run per bad formula, each reporting
    the line of the first error. Returns how many formulas were marked.
    """
    import typst

    keys = sorted({_clean_tex(t) for t in texs} & {k for k, v in _typst_cache.items() if v})
    marked = 0
    for _ in range(max_rounds):
        doc = "".join(f"${_typst_cache[k]}$\n" for k in keys)
        try:
            typst.compile(doc.encode("utf-8"), format="svg", ignore_system_fonts=True)
            return marked
        except typst.TypstError as e:
            m = _LINE.search(getattr(e, "diagnostic", "") or "")
            if not m or not 1 <= int(m.group(1)) <= len(keys):
                return marked
            bad = keys.pop(int(m.group(1)) - 1)
            _typst_cache[bad] = None
            marked += 1
    return marked
