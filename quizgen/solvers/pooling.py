"""Pooling by hand: forward (max / average / min) and backward (max / average).

``pool.forward``   answer: the pooled matrix of a small integer image.
``pool.backward``  answer: the gradient of the loss w.r.t. the input image, given the
                   upstream gradient of the pooled output.

Params (drawn by ``sample``): ``x`` (``[H, W]`` ints), ``mode`` (max/avg/min),
``k`` (square window), ``s`` (stride) and for backward ``g`` (upstream ``[H_out, W_out]``).
"""
from __future__ import annotations

from functools import lru_cache

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


def _windows(x: list, k: int) -> list:
    """Every whole ``k`` x ``k`` window of the 2-D list ``x`` (stride 1): ``wins[i][j]`` is
    ``_window(x, i, j, k)``. Pooling with stride ``s`` reads ``wins[::s]`` and ``row[::s]``."""
    return [[_window(x, i, j, k) for j in range(len(x[0]) - k + 1)] for i in range(len(x) - k + 1)]


def _pooled(wins: list, f, s: int) -> list:
    """:func:`pool` (without partial windows) from the stride-1 windows of :func:`_windows`."""
    return [[float(f(win)) for win in row[::s]] for row in wins[::s]]


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
        x = rng.integers(0, top, size=(n, n)).tolist()
        if mode == "avg" or not _has_tie(x, mode, k, s):
            return x
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


def _windows_text(wins, mode, k, s, decimals) -> list:
    """One line per output entry: the window's values and the result (``wins`` from :func:`_windows`)."""
    rows = []
    for a, wrow in enumerate(wins[::s]):
        i = a * s
        for b, vals in enumerate(wrow[::s]):
            j = b * s
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


def _shown_value(v) -> int | float:
    """One number as a student writes it: an int when within 1e-9 of one, else 2 decimals."""
    v = float(v)        # what np.asarray(m, float).tolist() made of each entry
    r = round(v)
    return r if abs(v - r) < 1e-9 else round(v, 2)


class _Shown(dict):
    """v -> ``_shown_value(v)``, memoised: matrices repeat the same few numbers.

    Keys that compare equal (``3`` and ``3.0``, ``0.0`` and ``-0.0``) have the same float value,
    hence the same shown value, so sharing their entry changes nothing.
    """

    def __missing__(self, v):
        shown = _shown_value(v)
        if len(self) < 50_000:          # bounded: a memo, not a leak
            self[v] = shown
        return shown


_SHOWN = _Shown()


def _shown(m) -> list:
    """A matrix as a student writes it: integers stay, other values rounded to 2 decimals."""
    return [[_SHOWN[v] for v in row] for row in m]


def _rint(m: list) -> list:
    """A nested list of integral floats as ints."""
    return [[round(v) for v in row] for row in m]


@lru_cache(maxsize=4096)
def _fmt(v, decimals):
    # memoised by value (3 and 3.0 share an entry: the text depends only on float(v))
    r = round(float(v), decimals)
    return str(int(r)) if float(r).is_integer() else f"{r:.{decimals}f}".rstrip("0")


def solve_forward(p: dict) -> Solution:
    x, mode, k, s = p["x"], p["mode"], p["k"], p["s"]
    n = len(x)
    # every pooling below (but the partial one) reads its windows from the stride-1 windows
    wins = _windows(x, k)
    f = _REDUCE[mode]
    out = _pooled(wins, f, s)
    decimals = 2 if mode == "avg" else 0
    mis = {}
    if mode in ("max", "min"):
        mis["average-instead"] = _pooled(wins, _mean, s)
        mis["min-max-swapped"] = _pooled(wins, min if mode == "max" else max, s)
    else:
        mis["max-instead-of-average"] = _pooled(wins, max, s)
    if s != 1:
        mis["stride-one"] = _pooled(wins, f, 1)
    if s < k:
        mis["non-overlapping"] = _pooled(wins, f, k)
    if (n - k) % s:
        mis["kept-partial-window"] = pool(x, mode, k, s, partial=True)
    answer = out if mode == "avg" else _rint(out)
    ho = _out(n, k, s)
    leftover = (n - k) % s
    ctx = {"name": NAMES[mode], "code": _code(mode, k, s), "n": n, "out_size": ho,
           "windows": _windows_text(wins, mode, k, s, 2), "leftover": leftover,
           "size_formula": f"\\left\\lfloor \\frac{{{n} - {k}}}{{{s}}} \\right\\rfloor + 1 = {ho}",
           "overlap": k - s if s < k else 0}
    check = {"kind": "forward", "input": [x], "layers": _pool_layers(mode, k, s), "index": [0]}
    snippet = ("import torch\nimport torch.nn as nn\n\n"
               f"x = torch.tensor([{x}], dtype=torch.float)  # [1, {n}, {n}]\n"
               f"pool = {ctx['code']}\n"
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


def _picks(x, k, s, rule) -> list:
    """(row, column) of each window's first maximum (``rule`` "max") or minimum, windows row-major."""
    best_of = max if rule == "max" else min
    picks = []
    for i in _positions(len(x), k, s):
        for j in _positions(len(x[0]), k, s):
            win = _window(x, i, j, k)
            flat = win.index(best_of(win))   # the first arg-max/min, as torch routes it
            picks.append((i + flat // k, j + flat % k))
    return picks


def _send(shape, g, k, s, picks=None, *, assign=False, divide=True) -> list:
    """Route the upstream ``g`` ``[H_out][W_out]`` into an ``[H][W]`` float gradient.

    Each window's gradient goes to its entry of ``picks`` (from :func:`_picks`) or, when ``picks``
    is None, to all its ``k*k`` positions (``divide``: ``g/(k*k)`` each). ``assign`` overwrites
    where windows overlap instead of adding.
    """
    h, w = shape
    grad = [[0.0] * w for _ in range(h)]
    at = iter(picks) if picks is not None else None
    for a, i in enumerate(_positions(h, k, s)):
        for b, j in enumerate(_positions(w, k, s)):
            if at is not None:
                targets = [next(at)]
                share = float(g[a][b])
            else:
                targets = [(i + u, j + v) for u in range(k) for v in range(k)]
                share = g[a][b] / (k * k) if divide else float(g[a][b])
            for r, c in targets:
                grad[r][c] = share if assign else grad[r][c] + share
    return grad


def route(x, g, mode, k, s, *, assign=False, divide=True, to=None) -> list:
    """Plain-loop gradient routing (``to`` overrides where a max window sends its gradient).

    ``x`` ``[H, W]`` and ``g`` ``[H_out, W_out]`` nested lists -> the gradient ``[H][W]`` (floats).
    """
    rule = to or mode
    picks = _picks(x, k, s, rule) if rule in ("max", "min") else None
    return _send((len(x), len(x[0])), g, k, s, picks, assign=assign, divide=divide)


def _avg_backward(g, shape, k, s) -> list:
    """``engine.pooling.avg_pool2d_backward`` of one channel (no padding) in plain floats.

    The engine adds ``g/(k*k)`` window offset by window offset (``(a, b)`` row-major, every output
    at once); these loops add the same numbers to every position in the same order, so the
    float sums are bit-identical (tests compare the two).
    """
    h, w = shape
    grad = [[0.0] * w for _ in range(h)]
    shares = [[v / (k * k) for v in row] for row in g]
    for a in range(k):
        for b in range(k):
            for i, srow in enumerate(shares):
                grow = grad[i * s + a]
                for j, v in enumerate(srow):
                    grow[j * s + b] += v
    return grad


def _backward(x, g, mode, k, s, picks=None) -> list:
    """The answer: dL/dx ``[H][W]`` (ints for max pooling, floats for average pooling).

    Same values as ``_BWD[mode]`` (the engine) on ``[x]``, ``[g]``; ``picks``: :func:`_picks`
    of ``mode`` if already known.
    """
    shape = (len(x), len(x[0]))
    if mode == "avg":
        return _avg_backward(g, shape, k, s)
    grad = _send(shape, g, k, s, picks if picks is not None else _picks(x, k, s, mode))
    return _rint(grad)      # integer sums of integers: exact, as np.rint(...).astype(int) gives


def solve_backward(p: dict) -> Solution:
    x, g, mode, k, s = p["x"], p["g"], p["mode"], p["k"], p["s"]
    n = len(x)
    shape = (n, len(x[0]))
    picks = _picks(x, k, s, "max")          # where max pooling sends each window's gradient
    answer = _backward(x, g, mode, k, s, picks if mode == "max" else None)
    mis = {}
    if mode == "max":
        mis["spread-evenly"] = _send(shape, g, k, s)
        mis["all-positions"] = _send(shape, g, k, s, divide=False)
        mis["routed-to-min"] = _send(shape, g, k, s, _picks(x, k, s, "min"))
    else:
        mis["forgot-divide"] = _send(shape, g, k, s, divide=False)
        mis["routed-to-max"] = _send(shape, g, k, s, picks)
    if s < k:
        mis["overwrote-overlaps"] = _send(shape, g, k, s, picks if mode == "max" else None, assign=True)
    decimals = 2 if mode == "avg" else 0
    steps = []
    at = iter(picks)
    for a, i in enumerate(_positions(n, k, s)):
        for b, j in enumerate(_positions(n, k, s)):
            r, c = next(at)
            step = {"name": f"y_{{{a + 1},{b + 1}}}", "g": int(g[a][b]), "rows": f"{i + 1}–{i + k}",
                    "cols": f"{j + 1}–{j + k}"}
            if mode == "max":       # the text shows where the maximum is ...
                step["max"], step["at"] = int(x[r][c]), f"({r + 1}, {c + 1})"
            else:                   # ... or the share of every position
                step["share"] = _fmt(g[a][b] / (k * k), 4)
            steps.append(step)
    code = _code(mode, k, s)
    ctx = {"name": NAMES[mode], "code": code, "n": n, "out_size": len(g),
           "steps": steps, "kk": k * k, "overlapping": s < k}
    # One channel [1, H, W]; ``index: [0]`` picks the [H, W] gradient the student writes.
    check = {"kind": "gradient", "input": [x], "layers": _pool_layers(mode, k, s),
             "loss": {"type": "upstream", "grad": [g]}, "wrt": "input", "index": [0]}
    snippet = ("import torch\nimport torch.nn as nn\n\n"
               f"x = torch.tensor([{x}], dtype=torch.float, requires_grad=True)  # [1, {n}, {n}]\n"
               f"y = {code}(x)\n"
               f"y.backward(torch.tensor([{g}], dtype=torch.float))  # the upstream gradient\n"
               "print(x.grad[0])")
    ctx["shown"] = _shown(answer)
    return Solution(answer=answer, context=ctx, misconceptions={k_: _shown(v) for k_, v in mis.items()},
                    check=check, decimals=decimals, pytorch=snippet)


register("pool.forward", solve_forward, sample_forward)
register("pool.backward", solve_backward, sample_backward)
