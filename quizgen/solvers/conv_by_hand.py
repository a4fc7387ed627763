"""Convolution by hand: small integer inputs and kernels, cross-correlation as torch computes it.

Three families share this module:

``conv.by-hand``     Conv2d, one output channel; the answer is the output matrix.
``conv.by-hand-1d``  Conv1d, one output channel; the answer is the output vector.
``conv.entry``       Conv2d; the answer is one marked output entry (integer).

Params (drawn by ``sample``): ``x`` (``[C, H, W]`` or ``[C, L]``), ``w`` (``[C, k, k]`` or
``[C, k]``: the single output channel's kernels), ``bias`` (int, or None for ``bias=False``),
``stride``, ``padding`` and for ``conv.entry`` the marked ``row``/``col``.
"""
from __future__ import annotations

from itertools import chain
from operator import getitem, itemgetter, mul

from ..texfmt import torch_layer
from . import Redraw, Solution, register
from .stacks import pick


class _Factors(dict):
    """int -> the factor as written in a product: negative numbers in parentheses (memoised)."""

    def __missing__(self, v: int) -> str:
        text = self[v] = f"({v})" if v < 0 else str(v)
        return text


_FACTORS = _Factors()


def _factor(v: int) -> str:
    return _FACTORS[v]


def _layer(p: dict, dims: int) -> dict:
    """The torch layer (with the drawn weight/bias values) in key-format vocabulary."""
    c = len(p["x"])
    w = p["w"]
    layer = {"type": f"Conv{dims}d", "in_channels": c, "out_channels": 1,
             "kernel_size": len(w[0]), "stride": p["stride"], "padding": p["padding"],
             "weight": [w], "bias": [p["bias"]] if p["bias"] is not None else False}
    return layer


def _pad(x: list, p: int, dims: int) -> list:
    """``x`` (``[C, H, W]`` or ``[C, L]`` nested lists of ints) with a border of ``p`` zeros."""
    if dims == 1:
        return [[0] * p + row + [0] * p for row in x]
    out = []
    for channel in x:
        width = len(channel[0]) + 2 * p
        out.append([[0] * width for _ in range(p)] + [[0] * p + row + [0] * p for row in channel]
                   + [[0] * width for _ in range(p)])
    return out


def _forward(xp: list, w: list, bias, stride: int, dims: int) -> list:
    """Output of the one-output-channel conv on the padded input ``xp``, exactly in integers.

    ``xp`` ``[C, H+2p, W+2p]`` (or ``[C, L+2p]``), ``w`` ``[C, k, k]`` (or ``[C, k]``) nested lists
    of ints -> ``[H_out][W_out]`` (or ``[L_out]``) nested lists of ints. The same cross-correlation
    as ``engine.layers.conv2d_forward`` (tests compare the two), in the student's integer arithmetic:
    these inputs are a few dozen small ints, for which plain Python beats the array machinery.
    The input is flattened so that one ``itemgetter`` (C code) reads the window of every output
    (all channels, only the nonzero kernel taps) out of it.
    """
    if dims == 1:
        return _forward([[row] for row in xp], [[row] for row in w], bias, stride, 2)[0]
    hp, wp = len(xp[0]), len(xp[0][0])
    ho = (hp - len(w[0])) // stride + 1
    wo = (wp - len(w[0][0])) // stride + 1
    if ho < 1 or wo < 1:
        raise ValueError("the kernel is larger than the padded input")
    b0 = bias or 0
    taps = [(c * hp * wp + a * wp + b, v) for c, wc in enumerate(w) for a, row in enumerate(wc)
            for b, v in enumerate(row) if v]
    if not taps:
        return [[b0] * wo for _ in range(ho)]
    flat = list(chain.from_iterable(chain.from_iterable(xp)))              # [C*Hp*Wp]
    window = _getter([o for o, _ in taps])
    weights = [v for _, v in taps]
    return [[b0 + sum(map(mul, window(flat[base:]), weights))
             for base in range(i * stride * wp, i * stride * wp + wo * stride, stride)]
            for i in range(ho)]


def _getter(offsets: list):
    """``itemgetter(*offsets)``, which returns a tuple also for a single offset."""
    if len(offsets) == 1:
        o = offsets[0]
        return lambda seq: (seq[o],)
    return itemgetter(*offsets)


def _out_size(n, k, s, p):
    return (n + 2 * p - k) // s + 1


# ------------------------------------------------------------------ sampling

# (input size, kernel, stride, padding) per level; outputs stay small enough for hand work.
_CONFIGS_2D = {
    1: [(4, 2, 1, 0), (4, 3, 1, 0), (5, 3, 1, 0)],
    2: [(5, 3, 2, 0), (5, 3, 2, 1), (4, 3, 2, 1), (6, 3, 2, 0), (6, 3, 2, 1), (3, 3, 1, 1),
        (4, 2, 2, 0), (5, 2, 2, 1), (6, 2, 2, 0), (3, 2, 1, 1)],
    3: [(3, 2, 1, 0), (4, 3, 1, 0), (4, 2, 2, 0), (5, 3, 2, 0), (4, 2, 1, 0), (5, 3, 2, 1)],
}
_CONFIGS_1D = {
    1: [(6, 3, 1, 0), (7, 3, 1, 0), (6, 2, 1, 0), (5, 3, 1, 0)],
    2: [(6, 3, 1, 1), (7, 3, 2, 0), (7, 3, 2, 1), (8, 3, 2, 1), (6, 2, 2, 0), (5, 3, 1, 1), (8, 4, 2, 1)],
    3: [(5, 3, 1, 0), (6, 3, 2, 1), (6, 2, 1, 0), (7, 3, 2, 0), (5, 3, 1, 1)],
}


def _kernel(rng, shape) -> list:
    """Kernels ``shape`` (``[C, k, k]`` or ``[C, k]``) of ints in [-2, 3]: at least half (and two)
    nonzero, both signs present, and no channel's kernel all zeros (that channel would add
    nothing). Redrawn until so; the check runs on plain lists (cheaper than numpy's
    count_nonzero/any on a dozen ints, same decision)."""
    while True:
        w = rng.integers(-2, 4, size=shape).tolist()
        per = [[v for row in c for v in row] for c in w] if len(shape) == 3 else w
        flat = [v for c in per for v in c]
        if (len(flat) - flat.count(0) >= max(2, len(flat) // 2) and min(flat) < 0 < max(flat)
                and all(any(c) for c in per)):
            return w


def _input(rng, shape) -> list:
    """An input ``shape`` of small non-negative ints; no channel all zeros (Redraw)."""
    x = rng.integers(0, 5 if shape[0] == 1 else 4, size=shape)
    if shape[0] > 1 and not x.reshape(shape[0], -1).any(axis=1).all():
        raise Redraw("an input channel of zeros")
    return x.tolist()


def _draw(rng, level: int, p: dict, dims: int, configs: dict, channels: int) -> dict:
    n, k, s, pad = pick(rng, configs[level])
    shape = (channels, n, n) if dims == 2 else (channels, n)
    x = _input(rng, shape)
    w = _kernel(rng, (channels, k, k) if dims == 2 else (channels, k))
    bias = None
    if level >= 2:
        bias = int(pick(rng, [-3, -2, -1, 1, 2, 3]))
    return {**p, "x": x, "w": w, "bias": bias, "stride": s, "padding": pad}


def sample_2d(rng, level, p):
    return _draw(rng, level, p, 2, _CONFIGS_2D, 2 if level >= 3 else 1)


def sample_1d(rng, level, p):
    return _draw(rng, level, p, 1, _CONFIGS_1D, 2 if level >= 3 else 1)


def sample_entry(rng, level, p):
    if level == 1:
        n, k, s, pad, c = pick(rng, [4, 5]), 3, 1, 1, 1
    else:
        n, k, s, c = pick(rng, [5, 6]), 3, 2, 2
        pad = pick(rng, [0, 1])
    shape = (c, n, n)
    q = {**p, "x": _input(rng, shape),
         "w": _kernel(rng, (c, k, k)), "bias": int(pick(rng, [-3, -2, -1, 1, 2, 3])) if level >= 2 else None,
         "stride": s, "padding": pad}
    m = _out_size(n, k, s, pad)
    # Prefer a border entry when there is padding: that is where the padding matters.
    if pad and rng.random() < 0.7:
        edge = [(i, j) for i in range(m) for j in range(m) if i in (0, m - 1) or j in (0, m - 1)]
        q["row"], q["col"] = edge[int(rng.integers(len(edge)))]
    else:
        q["row"], q["col"] = int(rng.integers(m)), int(rng.integers(m))
    return q


# ------------------------------------------------------------------ worked solution

def _entry_text(xp, w, bias, s, idx, dims) -> str:
    """``x·w + ... (+ b) = y`` for one output position, with the student's numbers.

    ``xp`` is the padded input (nested lists of ints, ``[C, H, W]`` or ``[C, L]``), ``w`` the kernels.
    The readable reference of :func:`_entry_texts` (tests compare the two).
    """
    groups, total, factor = [], 0, _FACTORS
    for xc, wc in zip(xp, w):
        patch = _patch(xc, idx, s, len(wc), dims)
        if dims == 2:
            patch = [v for row in patch for v in row]
            wc = [v for row in wc for v in row]
        groups.append(" + ".join([f"{factor[a]}\\cdot {factor[b]}" for a, b in zip(patch, wc)]))
        total += sum([a * b for a, b in zip(patch, wc)])
    text = " + ".join(f"({g})" for g in groups) if len(groups) > 1 else groups[0]
    if bias is not None:
        text += f" + {_factor(bias)}"
        total += bias
    return f"{text} = {total}"


class _TimesW(dict):
    """x -> the text ``x\\cdot w`` of one product with the weight ``w`` (memoised)."""

    def __init__(self, w: int):
        super().__init__()
        self.suffix = "\\cdot " + _FACTORS[w]

    def __missing__(self, x: int) -> str:
        text = self[x] = _FACTORS[x] + self.suffix
        return text


class _Products(dict):
    """w -> its :class:`_TimesW` table (memoised): ``_PRODUCTS[w][x]`` is ``f"{x}\\cdot {w}"`` as factors."""

    def __missing__(self, w: int) -> _TimesW:
        table = self[w] = _TimesW(w)
        return table


_PRODUCTS = _Products()


def _entry_texts(xp: list, w: list, bias, s: int, out: list, dims: int, zeros: str | None = None) -> list:
    """:func:`_entry_text` of every output position, row-major, given the output ``out``.

    ``xp`` ``[C, H, W]`` (or ``[C, L]``) padded input, ``w`` ``[C, k, k]`` (or ``[C, k]``), ``out``
    ``[H_out][W_out]`` (or ``[L_out]``) with the bias included. The same strings as the reference
    (tests compare them), built with less interpreter work per product: the padded input is
    flattened, one ``itemgetter`` reads a whole window (every channel, row-major) out of it, each
    product's text is a lookup in a memo keyed by (weight, value), and each total is read from
    ``out`` (the same integer sum) instead of being summed again. ``zeros``, if given, is the
    text of an entry whose window holds only zeros.
    """
    if dims == 1:                       # a sequence is an image of height 1
        xp, w, out = [[xc] for xc in xp], [[wc] for wc in w], [out]
    hp, wp = len(xp[0]), len(xp[0][0])
    flat = list(chain.from_iterable(chain.from_iterable(xp)))              # [C*Hp*Wp]
    # window offsets into ``flat`` and the product table of each kernel tap, channel-major
    offsets = [c * hp * wp + a * wp + b for c, wc in enumerate(w) for a, row in enumerate(wc)
               for b in range(len(row))]
    tables = [_PRODUCTS[v] for wc in w for row in wc for v in row]
    window = _getter(offsets)
    per_channel = len(offsets) // len(w)
    tail = f" + {_FACTORS[bias]}" if bias is not None else ""
    texts = []
    for i, orow in enumerate(out):
        for j, total in enumerate(orow):
            values = window(flat[i * s * wp + j * s:])
            if zeros is not None and not any(values):
                texts.append(zeros)
                continue
            terms = list(map(getitem, tables, values))
            if len(w) == 1:
                text = " + ".join(terms)
            else:
                text = " + ".join([f"({' + '.join(terms[c:c + per_channel])})"
                                   for c in range(0, len(terms), per_channel)])
            texts.append(f"{text}{tail} = {total}")
    return texts


def _patch(xc: list, idx: tuple, s: int, k: int, dims: int) -> list:
    """The ``k``-wide window of one padded channel ``xc`` under output position ``idx``."""
    if dims == 2:
        i, j = idx
        return [row[j * s:j * s + k] for row in xc[i * s:i * s + k]]
    return xc[idx[0] * s:idx[0] * s + k]


def _code_reference(p: dict, dims: int) -> str:
    """``nn.Conv2d(...)`` as the prompt shows it (no weight values), via ``texfmt.torch_layer``."""
    shown = {k: v for k, v in _layer(p, dims).items() if k not in ("weight", "bias")}
    if p["bias"] is None:
        shown["bias"] = False
    return torch_layer(shown)


def _code(p: dict, dims: int) -> str:
    """:func:`_code_reference` written out (tests compare them): the general ``torch_layer``
    costs as much as the rest of the prompt. Defaults (stride 1, padding 0, bias) are left out."""
    s, pad = p["stride"], p["padding"]
    return (f"nn.Conv{dims}d({len(p['x'])}, 1, kernel_size={len(p['w'][0])}"
            + (f", stride={s}" if s != 1 else "") + (f", padding={pad}" if pad != 0 else "")
            + (", bias=False" if p["bias"] is None else "") + ")")


def _context(p: dict, dims: int, xp: list, out: list, code: str, entries: bool = True) -> dict:
    """Template variables; ``entry_lines`` (one worked line per output entry) only if ``entries``."""
    x = p["x"]
    n_in = len(x[0])
    k = len(p["w"][0])
    out_size = len(out[0]) if dims == 2 else len(out)
    ctx = {
        "channels": len(x),
        "k": k,
        "padded": xp,
        "code": code,
        "in_size": n_in,
        "out_size": out_size,
        "size_formula": (f"\\left\\lfloor \\frac{{{n_in} + 2\\cdot {p['padding']} - {k}}}{{{p['stride']}}}"
                         f" \\right\\rfloor + 1 = {out_size}"),
    }
    if entries:
        # "- $y_{i,j} = ...$" per output entry, one a line (the list the solution text shows)
        if dims == 2:
            names = [f"y_{{{i + 1},{j + 1}}}" for i in range(len(out)) for j in range(out_size)]
        else:
            names = [f"y_{{{i + 1}}}" for i in range(out_size)]
        texts = _entry_texts(xp, p["w"], p["bias"], p["stride"], out, dims)
        ctx["entry_lines"] = "\n".join([f"- ${name} = {text}$" for name, text in zip(names, texts)])
    return ctx


def _snippet(p: dict, dims: int, index=None, code: str | None = None) -> str:
    x = p["x"]
    shape = f"[{len(x)}, {len(x[0])}, {len(x[0][0])}]" if dims == 2 else f"[{len(x)}, {len(x[0])}]"
    lines = ["import torch", "import torch.nn as nn", "",
             f"conv = {code or _code(p, dims)}",
             "with torch.no_grad():",
             f"    conv.weight.copy_(torch.tensor([{p['w']}], dtype=torch.float))"]
    if p["bias"] is not None:
        lines.append(f"    conv.bias.fill_({p['bias']})")
    lines += [f"x = torch.tensor({x}, dtype=torch.float)  # {shape}",
              "y = conv(x)[0]  # the single output channel"]
    lines.append(f"print(y[{index[0]}, {index[1]}])" if index else "print(y)")
    return "\n".join(lines)


# ------------------------------------------------------------------ misconceptions

def _flip(w: list, dims: int) -> list:
    """Every channel's kernel turned by 180° (reversed along each spatial axis)."""
    if dims == 2:
        return [[row[::-1] for row in wc[::-1]] for wc in w]
    return [wc[::-1] for wc in w]


def _wrong_outputs(p: dict, dims: int, xp: list) -> dict:
    """Whole wrong outputs (nested lists) per misconception id; None where it does not apply.

    The readable reference (one convolution per mistake) of :func:`_outputs`.
    """
    x, w, b, s, pad = p["x"], p["w"], p["bias"], p["stride"], p["padding"]
    n = len(x[0])
    k = len(w[0])
    out = {"flipped-kernel": _forward(xp, _flip(w, dims), b, s, dims)}
    if b is not None:
        out["forgot-bias"] = _forward(xp, w, None, s, dims)
    if pad and n >= k:
        out["ignored-padding"] = _forward(x, w, b, s, dims)
    if s != 1:
        out["stride-one"] = _forward(xp, w, b, 1, dims)
    if len(x) > 1:
        out["first-channel-only"] = _forward(xp[:1], w[:1], b, s, dims)
    return out


def _outputs(p: dict, dims: int, xp: list) -> tuple[list, dict]:
    """(the output, :func:`_wrong_outputs`) with two convolutions fewer; exactly the same integers.

    Integer sums are exact, so forgot-bias is the output minus the bias, and with ``stride > 1``
    the output is every ``s``-th entry (each axis) of the stride-1 output, itself a mistake.
    """
    x, w, b, s, pad = p["x"], p["w"], p["bias"], p["stride"], p["padding"]
    n = len(x[0])
    k = len(w[0])
    if s == 1:
        out = _forward(xp, w, b, 1, dims)
    else:
        stride_one = _forward(xp, w, b, 1, dims)
        out = [row[::s] for row in stride_one[::s]] if dims == 2 else stride_one[::s]
    wrong = {"flipped-kernel": _forward(xp, _flip(w, dims), b, s, dims)}
    if b is not None:
        wrong["forgot-bias"] = ([[v - b for v in row] for row in out] if dims == 2
                                else [v - b for v in out])
    if pad and n >= k:
        wrong["ignored-padding"] = _forward(x, w, b, s, dims)
    if s != 1:
        wrong["stride-one"] = stride_one
    if len(x) > 1:
        wrong["first-channel-only"] = _forward(xp[:1], w[:1], b, s, dims)
    return out, wrong


def _any(out: list) -> bool:
    return any(any(row) if isinstance(row, list) else row for row in out)


def _solve(p: dict, dims: int) -> tuple[list, dict, dict]:
    xp = _pad(p["x"], p["padding"], dims)
    out, wrong = _outputs(p, dims, xp)
    if not _any(out):
        raise Redraw("the output is all zeros")
    code = _code(p, dims)
    return out, wrong, _context(p, dims, xp, out, code)


def _flatten_check(p: dict, dims: int) -> dict:
    """forward recipe whose answer is the single output channel: ``index: [0]`` picks ``out[0]``."""
    return {"kind": "forward", "input": p["x"], "layers": [_layer(p, dims)], "index": [0]}


def solve_2d(p: dict) -> Solution:
    out, wrong, ctx = _solve(p, 2)
    return Solution(answer=out, context=ctx, misconceptions=wrong,
                    check=_flatten_check(p, 2), pytorch=_snippet(p, 2, code=ctx["code"]))


def solve_1d(p: dict) -> Solution:
    out, wrong, ctx = _solve(p, 1)
    return Solution(answer=out, context=ctx, misconceptions=wrong,
                    check=_flatten_check(p, 1), pytorch=_snippet(p, 1, code=ctx["code"]))


def _at(xp: list, w: list, bias, s: int, i: int, j: int) -> int:
    """Output entry (``i``, ``j``) of the one-output-channel Conv2d on the padded ``xp`` ``[C, H, W]``."""
    total = bias or 0
    for xc, wc in zip(xp, w):
        for a, wrow in enumerate(wc):
            row = xc[i * s + a]
            total += sum([row[j * s + b] * v for b, v in enumerate(wrow)])
    return total


def _wrong_entries(p: dict, xp: list, i: int, j: int) -> dict:
    """Entry (``i``, ``j``) of each :func:`_wrong_outputs` output that has one, computed alone."""
    x, w, b, s, pad = p["x"], p["w"], p["bias"], p["stride"], p["padding"]
    n = len(x[0])
    k = len(w[0])
    mis = {"flipped-kernel": _at(xp, _flip(w, 2), b, s, i, j)}
    if b is not None:
        mis["forgot-bias"] = _at(xp, w, None, s, i, j)
    if pad and n >= k:
        m = _out_size(n, k, s, 0)
        if i < m and j < m:
            mis["ignored-padding"] = _at(x, w, b, s, i, j)
    if s != 1:
        mis["stride-one"] = _at(xp, w, b, 1, i, j)      # the stride-1 output is larger: always there
    if len(x) > 1:
        mis["first-channel-only"] = _at(xp[:1], w[:1], b, s, i, j)
    return mis


def solve_entry(p: dict) -> Solution:
    xp = _pad(p["x"], p["padding"], 2)
    out = _forward(xp, p["w"], p["bias"], p["stride"], 2)
    if not _any(out):
        raise Redraw("the output is all zeros")
    i, j = p["row"], p["col"]
    k, s = len(p["w"][0]), p["stride"]
    code = _code(p, 2)
    ctx = _context(p, 2, xp, out, code, entries=False)      # the text works one entry only
    answer = out[i][j]
    ctx.update({
        "entry": _entry_text(xp, p["w"], p["bias"], s, (i, j), 2),
        "r1": i + 1, "c1": j + 1,
        "first_row": i * s, "first_col": j * s,     # window corner in the padded input (0-based)
        "last_row": i * s + k - 1, "last_col": j * s + k - 1,
        "patches": [_patch(xc, (i, j), s, k, 2) for xc in xp],
    })
    return Solution(answer=answer, context=ctx, misconceptions=_wrong_entries(p, xp, i, j),
                    check={"kind": "forward", "input": p["x"], "layers": [_layer(p, 2)], "index": [0, i, j]},
                    pytorch=_snippet(p, 2, (i, j), code))


register("conv.by-hand", solve_2d, sample_2d)
register("conv.by-hand-1d", solve_1d, sample_1d)
register("conv.entry", solve_entry, sample_entry)
