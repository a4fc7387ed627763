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

from ..engine.layers import conv1d_forward, conv2d_forward
from ..texfmt import torch_layer
from . import Redraw, Solution, register
from .stacks import pick


def _ints(a) -> list:
    return np.rint(np.asarray(a)).astype(int).tolist()


def _factor(v: int) -> str:
    return f"({v})" if v < 0 else str(v)


def _layer(p: dict, dims: int) -> dict:
    """The torch layer (with the drawn weight/bias values) in key-format vocabulary."""
    c = len(p["x"])
    w = p["w"]
    layer = {"type": f"Conv{dims}d", "in_channels": c, "out_channels": 1,
             "kernel_size": len(w[0]), "stride": p["stride"], "padding": p["padding"],
             "weight": [w], "bias": [p["bias"]] if p["bias"] is not None else False}
    return layer


def _forward(x, w, bias, stride, padding, dims) -> np.ndarray:
    """Output of the one-output-channel conv (``[H_out, W_out]`` or ``[L_out]``)."""
    fn = conv2d_forward if dims == 2 else conv1d_forward
    b = None if bias is None else np.array([float(bias)])
    return fn(np.asarray(x, float), np.asarray([w], float), b, stride=stride, padding=padding)[0]


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

def _pad(x: np.ndarray, p: int, dims: int) -> np.ndarray:
    if dims == 2:
        return np.pad(x, ((0, 0), (p, p), (p, p)))
    return np.pad(x, ((0, 0), (p, p)))


def _entry_text(xp, w, bias, s, idx, dims) -> str:
    """``x·w + ... (+ b) = y`` for one output position, with the student's numbers."""
    groups, total = [], 0
    for c in range(len(w)):
        wc = np.asarray(w[c])
        patch = _patch(xp, c, idx, s, wc.shape[0], dims)
        terms = []
        for a, b in zip(patch.ravel(), wc.ravel()):
            terms.append(f"{_factor(int(a))}\\cdot {_factor(int(b))}")
            total += int(a) * int(b)
        groups.append(" + ".join(terms))
    text = " + ".join(f"({g})" for g in groups) if len(groups) > 1 else groups[0]
    if bias is not None:
        text += f" + {_factor(bias)}"
        total += bias
    return f"{text} = {total}"


def _patch(xp, c, idx, s, k, dims):
    if dims == 2:
        i, j = idx
        return xp[c, i * s:i * s + k, j * s:j * s + k]
    return xp[c, idx[0] * s:idx[0] * s + k]


def _context(p: dict, dims: int, out: np.ndarray) -> dict:
    x = np.asarray(p["x"])
    xp = _pad(x, p["padding"], dims)
    entries = []
    for idx in np.ndindex(*out.shape):
        name = f"y_{{{','.join(str(v + 1) for v in idx)}}}"
        entries.append({"name": name, "text": _entry_text(xp, p["w"], p["bias"], p["stride"], idx, dims)})
    layer = _layer(p, dims)
    shown = {k: v for k, v in layer.items() if k not in ("weight", "bias")}
    if p["bias"] is None:
        shown["bias"] = False
    n_in = x.shape[1:]
    k = len(p["w"][0])
    return {
        "channels": int(x.shape[0]),
        "k": k,
        "padded": xp.tolist(),
        "entries": entries,
        "code": torch_layer(shown),
        "in_size": int(n_in[0]),
        "out_size": int(out.shape[-1]),
        "size_formula": (f"\\left\\lfloor \\frac{{{n_in[0]} + 2\\cdot {p['padding']} - {k}}}{{{p['stride']}}}"
                         f" \\right\\rfloor + 1 = {out.shape[-1]}"),
    }


def _snippet(p: dict, dims: int, index=None) -> str:
    x = p["x"]
    shape = f"[{len(x)}, {len(x[0])}, {len(x[0][0])}]" if dims == 2 else f"[{len(x)}, {len(x[0])}]"
    code = _context(p, dims, _forward(p["x"], p["w"], p["bias"], p["stride"], p["padding"], dims))["code"]
    lines = ["import torch", "import torch.nn as nn", "",
             f"conv = {code}",
             "with torch.no_grad():",
             f"    conv.weight.copy_(torch.tensor([{p['w']}], dtype=torch.float))"]
    if p["bias"] is not None:
        lines.append(f"    conv.bias.fill_({p['bias']})")
    lines += [f"x = torch.tensor({x}, dtype=torch.float)  # {shape}",
              "y = conv(x)[0]  # the single output channel"]
    lines.append(f"print(y[{index[0]}, {index[1]}])" if index else "print(y)")
    return "\n".join(lines)


# ------------------------------------------------------------------ misconceptions

def _wrong_outputs(p: dict, dims: int) -> dict:
    """Whole wrong outputs (arrays) per misconception id; None where it does not apply."""
    x, w, b, s, pad = p["x"], np.asarray(p["w"]), p["bias"], p["stride"], p["padding"]
    n = len(x[0])
    k = w.shape[-1]
    flipped = w[:, ::-1, ::-1] if dims == 2 else w[:, ::-1]
    out = {"flipped-kernel": _forward(x, flipped.tolist(), b, s, pad, dims)}
    if b is not None:
        out["forgot-bias"] = _forward(x, w.tolist(), None, s, pad, dims)
    if pad and n >= k:
        out["ignored-padding"] = _forward(x, w.tolist(), b, s, 0, dims)
    if s != 1:
        out["stride-one"] = _forward(x, w.tolist(), b, 1, pad, dims)
    if len(x) > 1:
        out["first-channel-only"] = _forward(x[:1], w[:1].tolist(), b, s, pad, dims)
    return out


def _solve(p: dict, dims: int) -> tuple[np.ndarray, dict, dict]:
    out = _forward(p["x"], p["w"], p["bias"], p["stride"], p["padding"], dims)
    if not np.any(out):
        raise Redraw("the output is all zeros")
    return out, _wrong_outputs(p, dims), _context(p, dims, out)


def _flatten_check(p: dict, dims: int) -> dict:
    """forward recipe whose answer is the single output channel: ``index: [0]`` picks ``out[0]``."""
    return {"kind": "forward", "input": p["x"], "layers": [_layer(p, dims)], "index": [0]}


def solve_2d(p: dict) -> Solution:
    out, wrong, ctx = _solve(p, 2)
    return Solution(answer=_ints(out), context=ctx, misconceptions={k: _ints(v) for k, v in wrong.items()},
                    check=_flatten_check(p, 2), pytorch=_snippet(p, 2))


def solve_1d(p: dict) -> Solution:
    out, wrong, ctx = _solve(p, 1)
    return Solution(answer=_ints(out), context=ctx, misconceptions={k: _ints(v) for k, v in wrong.items()},
                    check=_flatten_check(p, 1), pytorch=_snippet(p, 1))


def solve_entry(p: dict) -> Solution:
    out, wrong, ctx = _solve(p, 2)
    i, j = p["row"], p["col"]
    x = np.asarray(p["x"])
    xp = _pad(x, p["padding"], 2)
    k, s = len(p["w"][0]), p["stride"]
    mis = {}
    for key, arr in wrong.items():
        if i < arr.shape[0] and j < arr.shape[1]:
            mis[key] = int(round(arr[i, j]))
    answer = int(round(out[i, j]))
    ctx.update({
        "entry": _entry_text(xp, p["w"], p["bias"], s, (i, j), 2),
        "r1": i + 1, "c1": j + 1,
        "first_row": i * s, "first_col": j * s,     # window corner in the padded input (0-based)
        "last_row": i * s + k - 1, "last_col": j * s + k - 1,
        "patches": [_patch(xp, c, (i, j), s, k, 2).tolist() for c in range(len(p["w"]))],
    })
    return Solution(answer=answer, context=ctx, misconceptions=mis,
                    check={"kind": "forward", "input": p["x"], "layers": [_layer(p, 2)], "index": [0, i, j]},
                    pytorch=_snippet(p, 2, (i, j)))


register("conv.by-hand", solve_2d, sample_2d)
register("conv.by-hand-1d", solve_1d, sample_1d)
register("conv.entry", solve_entry, sample_entry)
