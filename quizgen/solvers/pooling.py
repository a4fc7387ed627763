"""Pooling by hand: forward (max / average / min) and backward (max / average).

``pool.forward``   answer: the pooled matrix of a small integer image.
``pool.backward``  answer: the gradient of the loss w.r.t. the input image, given the
                   upstream gradient of the pooled output.

Params (drawn by ``sample``): ``x`` (``[H, W]`` ints), ``mode`` (max/avg/min),
``k`` (square window), ``s`` (stride) and for backward ``g`` (upstream ``[H_out, W_out]``).
"""
from __future__ import annotations

import numpy as np

from ..engine import pooling as P
from . import Redraw, Solution, register
from .stacks import pick

NAMES = {"max": "MaxPool2d", "avg": "AvgPool2d", "min": "MinPool2d"}
_FWD = {"max": P.max_pool2d, "avg": P.avg_pool2d, "min": P.min_pool2d}
_BWD = {"max": P.max_pool2d_backward, "avg": P.avg_pool2d_backward, "min": P.min_pool2d_backward}


def _out(n, k, s):
    return (n - k) // s + 1


def _positions(n, k, s, partial=False):
    """Window start positions along one axis (``partial``: also windows running off the end)."""
    starts = list(range(0, n - k + 1, s))
    if partial:
        nxt = starts[-1] + s
        if nxt < n:
            starts.append(nxt)
    return starts


def _window(x, i, j, k) -> list:
    """The ``k`` x ``k`` window of the 2-D list ``x`` at (i, j), row-major (cut off at the border)."""
    return [v for row in x[i:i + k] for v in row[j:j + k]]


def _mean(values) -> float:
    return sum(values) / len(values)


_REDUCE = {"max": max, "min": min, "avg": _mean}


def pool(x, mode, k, s, partial=False) -> list:
    """Plain-loop pooling of a 2-D integer image (``partial`` keeps windows cut off by the border).

    Nested lists of floats ``[H_out][W_out]``. The image holds small ints, so every window's
    sum is exact and the values equal numpy's max/min/mean of the window.
    """
    x = x.tolist() if isinstance(x, np.ndarray) else x
    rows, cols = _positions(len(x), k, s, partial), _positions(len(x[0]), k, s, partial)
    f = _REDUCE[mode]
    return [[float(f(_window(x, i, j, k))) for j in cols] for i in rows]


def _has_tie(x, mode, k, s) -> bool:
    """Whether some window's maximum (``mode`` "max") or minimum occurs twice."""
    x = x.tolist() if isinstance(x, np.ndarray) else x
    best_of = max if mode == "max" else min
    for i in _positions(len(x), k, s):
        for j in _positions(len(x[0]), k, s):
            win = _window(x, i, j, k)
            if win.count(best_of(win)) > 1:
                return True
    return False


def _draw_image(rng, n, mode, k, s):
    top = 10 if k == 2 else 20
    for _ in range(200):
        x = rng.integers(0, top, size=(n, n))
        if mode == "avg" or not _has_tie(x, mode, k, s):
            return x.tolist()
    raise Redraw("no tie-free image")


# ------------------------------------------------------------------ check recipes

def _pool_layers(mode, k, s) -> list:
    """Pooling in torch vocabulary; min pooling is -MaxPool(-x) with 1x1 convs of weight -1."""
    layer = {"type": "MaxPool2d" if mode != "avg" else "AvgPool2d", "kernel_size": k}
    if s != k:
        layer["stride"] = s
    if mode != "min":
        return [layer]
    neg = {"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 1, "bias": False,
           "weight": [[[[-1]]]]}
    return [neg, layer, dict(neg)]


def _code(mode, k, s) -> str:
    base = {"max": "nn.MaxPool2d", "avg": "nn.AvgPool2d", "min": "nn.MaxPool2d"}[mode]
    call = f"{base}(kernel_size={k}" + (f", stride={s})" if s != k else ")")
    return call


# ------------------------------------------------------------------ forward

_FWD_CONFIGS = {  # (image size, window, stride)
    1: [(4, 2, 2)],
    2: [(6, 2, 2), (6, 3, 3)],
    3: [(4, 2, 1), (5, 3, 2), (5, 3, 1), (6, 3, 2), (6, 4, 2)],
}


def sample_forward(rng, level, p):
    n, k, s = pick(rng, _FWD_CONFIGS[level])
    mode = pick(rng, ["max", "avg"] if level == 1 else ["max", "avg", "min"])
    return {**p, "x": _draw_image(rng, n, mode, k, s), "mode": mode, "k": k, "s": s}


def _windows_text(x, mode, k, s, decimals) -> list:
    """One line per output entry: the window's values and the result."""
    rows = []
    for a, i in enumerate(_positions(len(x), k, s)):
        for b, j in enumerate(_positions(len(x[0]), k, s)):
            vals = _window(x, i, j, k)
            if mode == "avg":
                value = _mean(vals)
                eq = "=" if abs(value - round(value, decimals)) < 1e-9 else "\\approx"
                text = f"\\frac{{{' + '.join(map(str, vals))}}}{{{k * k}}} {eq} {_fmt(value, decimals)}"
            else:
                value = max(vals) if mode == "max" else min(vals)
                text = f"\\{mode}({', '.join(map(str, vals))}) = {int(value)}"
            rows.append({"name": f"y_{{{a + 1},{b + 1}}}", "rows": f"{i + 1}–{i + k}",
                         "cols": f"{j + 1}–{j + k}", "text": text})
    return rows


def _shown(m) -> list:
    """A matrix as a student writes it: integers stay, other values rounded to 2 decimals."""
    out = []
    for row in np.asarray(m, float).tolist():
        out.append([r if abs(v - (r := round(v))) < 1e-9 else round(v, 2) for v in row])
    return out


def _rint(m: list) -> list:
    """A nested list of integral floats as ints."""
    return [[round(v) for v in row] for row in m]


def _fmt(v, decimals):
    r = round(float(v), decimals)
    return str(int(r)) if float(r).is_integer() else f"{r:.{decimals}f}".rstrip("0")


def solve_forward(p: dict) -> Solution:
    x, mode, k, s = p["x"], p["mode"], p["k"], p["s"]
    n = len(x)
    out = pool(x, mode, k, s)
    decimals = 2 if mode == "avg" else 0
    mis = {}
    if mode in ("max", "min"):
        mis["average-instead"] = pool(x, "avg", k, s)
        mis["min-max-swapped"] = pool(x, "min" if mode == "max" else "max", k, s)
    else:
        mis["max-instead-of-average"] = pool(x, "max", k, s)
    if s != 1:
        mis["stride-one"] = pool(x, mode, k, 1)
    if s < k:
        mis["non-overlapping"] = pool(x, mode, k, k)
    if (n - k) % s:
        mis["kept-partial-window"] = pool(x, mode, k, s, partial=True)
    answer = out if mode == "avg" else _rint(out)
    ho = _out(n, k, s)
    leftover = (n - k) % s
    ctx = {"name": NAMES[mode], "code": _code(mode, k, s), "n": n, "out_size": ho,
           "windows": _windows_text(x, mode, k, s, 2), "leftover": leftover,
           "size_formula": f"\\left\\lfloor \\frac{{{n} - {k}}}{{{s}}} \\right\\rfloor + 1 = {ho}",
           "overlap": k - s if s < k else 0}
    check = {"kind": "forward", "input": [x], "layers": _pool_layers(mode, k, s), "index": [0]}
    snippet = ("import torch\nimport torch.nn as nn\n\n"
               f"x = torch.tensor([{x}], dtype=torch.float)  # [1, {n}, {n}]\n"
               f"pool = {_code(mode, k, s)}\n"
               + ("print(-pool(-x)[0])  # min pooling = -maxpool(-x)" if mode == "min" else "print(pool(x)[0])"))
    ctx["shown"] = _shown(answer)
    return Solution(answer=answer, context=ctx, misconceptions={k_: _shown(v) for k_, v in mis.items()},
                    check=check, decimals=decimals, pytorch=snippet)


# ------------------------------------------------------------------ backward

_BWD_CONFIGS = {
    1: [("max", 4, 2, 2), ("max", 6, 2, 2), ("max", 6, 3, 3)],
    2: [("avg", 4, 2, 2), ("avg", 6, 2, 2)],
    3: [("max", 4, 2, 1), ("max", 5, 3, 2), ("max", 5, 3, 1), ("avg", 4, 2, 1), ("avg", 5, 2, 1)],
}


def sample_backward(rng, level, p):
    mode, n, k, s = pick(rng, _BWD_CONFIGS[level])
    # distinct values: every window has one maximum (and one minimum, for the misconception)
    x = rng.choice(np.arange(1, max(20, n * n + 5)), size=(n, n), replace=False).tolist()
    m = _out(n, k, s)
    g = rng.integers(1, 10, size=(m, m)) * rng.choice([-1, 1, 1], size=(m, m))
    return {**p, "x": x, "mode": mode, "k": k, "s": s, "g": g.tolist()}


def route(x, g, mode, k, s, *, assign=False, divide=True, to=None) -> list:
    """Plain-loop gradient routing (``to`` overrides where a max window sends its gradient).

    ``x`` ``[H, W]`` and ``g`` ``[H_out, W_out]`` nested lists -> the gradient ``[H][W]`` (floats).
    """
    grad = [[0.0] * len(row) for row in x]
    rows, cols = _positions(len(x), k, s), _positions(len(x[0]), k, s)
    rule = to or mode
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            if rule in ("max", "min"):
                win = _window(x, i, j, k)
                flat = win.index(max(win) if rule == "max" else min(win))   # the first arg-max/min
                targets = [(i + flat // k, j + flat % k)]
                share = float(g[a][b])
            else:
                targets = [(i + u, j + v) for u in range(k) for v in range(k)]
                share = g[a][b] / (k * k) if divide else float(g[a][b])
            for r, c in targets:
                grad[r][c] = share if assign else grad[r][c] + share
    return grad


def solve_backward(p: dict) -> Solution:
    x, g, mode, k, s = p["x"], p["g"], p["mode"], p["k"], p["s"]
    n = len(x)
    grad = _BWD[mode](np.asarray([x], float), np.asarray([g], float), k, s)[0]
    mis = {}
    if mode == "max":
        mis["spread-evenly"] = route(x, g, mode, k, s, to="avg")
        mis["all-positions"] = route(x, g, mode, k, s, to="avg", divide=False)
        mis["routed-to-min"] = route(x, g, mode, k, s, to="min")
    else:
        mis["forgot-divide"] = route(x, g, mode, k, s, divide=False)
        mis["routed-to-max"] = route(x, g, mode, k, s, to="max")
    if s < k:
        mis["overwrote-overlaps"] = route(x, g, mode, k, s, assign=True)
    decimals = 2 if mode == "avg" else 0
    answer = grad.tolist() if mode == "avg" else np.rint(grad).astype(int).tolist()
    out = pool(x, mode, k, s)
    steps = []
    for a, i in enumerate(_positions(n, k, s)):
        for b, j in enumerate(_positions(n, k, s)):
            win = _window(x, i, j, k)
            best = max(win)
            flat = win.index(best)
            steps.append({"name": f"y_{{{a + 1},{b + 1}}}", "g": int(g[a][b]), "rows": f"{i + 1}–{i + k}",
                          "cols": f"{j + 1}–{j + k}", "max": int(best),
                          "at": f"({i + flat // k + 1}, {j + flat % k + 1})",
                          "share": _fmt(g[a][b] / (k * k), 4)})
    ctx = {"name": NAMES[mode], "code": _code(mode, k, s), "n": n, "out_size": len(g),
           "pooled": _rint(out) if mode == "max" else out,
           "steps": steps, "kk": k * k, "overlapping": s < k}
    # One channel [1, H, W]; ``index: [0]`` picks the [H, W] gradient the student writes.
    check = {"kind": "gradient", "input": [x], "layers": _pool_layers(mode, k, s),
             "loss": {"type": "upstream", "grad": [g]}, "wrt": "input", "index": [0]}
    snippet = ("import torch\nimport torch.nn as nn\n\n"
               f"x = torch.tensor([{x}], dtype=torch.float, requires_grad=True)  # [1, {n}, {n}]\n"
               f"y = {_code(mode, k, s)}(x)\n"
               f"y.backward(torch.tensor([{g}], dtype=torch.float))  # the upstream gradient\n"
               "print(x.grad[0])")
    ctx["shown"] = _shown(answer)
    return Solution(answer=answer, context=ctx, misconceptions={k_: _shown(v) for k_, v in mis.items()},
                    check=check, decimals=decimals, pytorch=snippet)


register("pool.forward", solve_forward, sample_forward)
register("pool.backward", solve_backward, sample_backward)
