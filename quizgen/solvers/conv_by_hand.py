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

import numpy as np

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
    """
    if dims == 1:
        return _forward([[row] for row in xp], [[row] for row in w], bias, stride, 2)[0]
    k = len(w[0])
    ho = (len(xp[0]) - k) // stride + 1
    wo = (len(xp[0][0]) - len(w[0][0])) // stride + 1
    if ho < 1 or wo < 1:
        raise ValueError("the kernel is larger than the padded input")
    taps = [(xc, a, b, v) for xc, wc in zip(xp, w) for a, row in enumerate(wc) for b, v in enumerate(row) if v]
    b0 = bias or 0
    out = []
    for i in range(ho):
        rows = [(xc[i * stride + a], b, v) for xc, a, b, v in taps]   # the input rows under output row i
        out.append([b0 + sum([row[j * stride + b] * v for row, b, v in rows]) for j in range(wo)])
    return out


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
    while True:
        w = rng.integers(-2, 4, size=shape)
        if np.count_nonzero(w) >= max(2, w.size // 2) and np.any(w < 0) and np.any(w > 0):
            return w.tolist()


def _draw(rng, level: int, p: dict, dims: int, configs: dict, channels: int) -> dict:
    n, k, s, pad = pick(rng, configs[level])
    shape = (channels, n, n) if dims == 2 else (channels, n)
    x = rng.integers(0, 5 if channels == 1 else 4, size=shape)
    w = _kernel(rng, (channels, k, k) if dims == 2 else (channels, k))
    bias = None
    if level >= 2:
        bias = int(pick(rng, [-3, -2, -1, 1, 2, 3]))
    return {**p, "x": x.tolist(), "w": w, "bias": bias, "stride": s, "padding": pad}


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
    q = {**p, "x": rng.integers(0, 5 if c == 1 else 4, size=shape).tolist(),
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


def _patch(xc: list, idx: tuple, s: int, k: int, dims: int) -> list:
    """The ``k``-wide window of one padded channel ``xc`` under output position ``idx``."""
    if dims == 2:
        i, j = idx
        return [row[j * s:j * s + k] for row in xc[i * s:i * s + k]]
    return xc[idx[0] * s:idx[0] * s + k]


def _code(p: dict, dims: int) -> str:
    """``nn.Conv2d(...)`` as the prompt shows it (no weight values)."""
    shown = {k: v for k, v in _layer(p, dims).items() if k not in ("weight", "bias")}
    if p["bias"] is None:
        shown["bias"] = False
    return torch_layer(shown)


def _context(p: dict, dims: int, xp: list, out: list) -> dict:
    x = p["x"]
    shape = (len(out), len(out[0])) if dims == 2 else (len(out),)
    entries = []
    for idx in np.ndindex(*shape):
        name = f"y_{{{','.join(str(v + 1) for v in idx)}}}"
        entries.append({"name": name, "text": _entry_text(xp, p["w"], p["bias"], p["stride"], idx, dims)})
    n_in = len(x[0])
    k = len(p["w"][0])
    return {
        "channels": len(x),
        "k": k,
        "padded": xp,
        "entries": entries,
        "code": _code(p, dims),
        "in_size": n_in,
        "out_size": shape[-1],
        "size_formula": (f"\\left\\lfloor \\frac{{{n_in} + 2\\cdot {p['padding']} - {k}}}{{{p['stride']}}}"
                         f" \\right\\rfloor + 1 = {shape[-1]}"),
    }


def _snippet(p: dict, dims: int, index=None) -> str:
    x = p["x"]
    shape = f"[{len(x)}, {len(x[0])}, {len(x[0][0])}]" if dims == 2 else f"[{len(x)}, {len(x[0])}]"
    lines = ["import torch", "import torch.nn as nn", "",
             f"conv = {_code(p, dims)}",
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
    """Whole wrong outputs (nested lists) per misconception id; None where it does not apply."""
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


def _any(out: list) -> bool:
    return any(any(row) if isinstance(row, list) else row for row in out)


def _solve(p: dict, dims: int) -> tuple[list, dict, dict, list]:
    xp = _pad(p["x"], p["padding"], dims)
    out = _forward(xp, p["w"], p["bias"], p["stride"], dims)
    if not _any(out):
        raise Redraw("the output is all zeros")
    return out, _wrong_outputs(p, dims, xp), _context(p, dims, xp, out), xp


def _flatten_check(p: dict, dims: int) -> dict:
    """forward recipe whose answer is the single output channel: ``index: [0]`` picks ``out[0]``."""
    return {"kind": "forward", "input": p["x"], "layers": [_layer(p, dims)], "index": [0]}


def solve_2d(p: dict) -> Solution:
    out, wrong, ctx, _ = _solve(p, 2)
    return Solution(answer=out, context=ctx, misconceptions=wrong,
                    check=_flatten_check(p, 2), pytorch=_snippet(p, 2))


def solve_1d(p: dict) -> Solution:
    out, wrong, ctx, _ = _solve(p, 1)
    return Solution(answer=out, context=ctx, misconceptions=wrong,
                    check=_flatten_check(p, 1), pytorch=_snippet(p, 1))


def solve_entry(p: dict) -> Solution:
    out, wrong, ctx, xp = _solve(p, 2)
    i, j = p["row"], p["col"]
    k, s = len(p["w"][0]), p["stride"]
    mis = {}
    for key, arr in wrong.items():
        if i < len(arr) and j < len(arr[0]):
            mis[key] = arr[i][j]
    answer = out[i][j]
    ctx.update({
        "entry": _entry_text(xp, p["w"], p["bias"], s, (i, j), 2),
        "r1": i + 1, "c1": j + 1,
        "first_row": i * s, "first_col": j * s,     # window corner in the padded input (0-based)
        "last_row": i * s + k - 1, "last_col": j * s + k - 1,
        "patches": [_patch(xc, (i, j), s, k, 2) for xc in xp],
    })
    return Solution(answer=answer, context=ctx, misconceptions=mis,
                    check={"kind": "forward", "input": p["x"], "layers": [_layer(p, 2)], "index": [0, i, j]},
                    pytorch=_snippet(p, 2, (i, j)))


register("conv.by-hand", solve_2d, sample_2d)
register("conv.by-hand-1d", solve_1d, sample_1d)
register("conv.entry", solve_entry, sample_entry)
