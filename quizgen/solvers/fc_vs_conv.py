"""Fully connected vs convolution: parameter counts and translation equivariance.

``fcconv.params``        answer: the parameter count of either a Linear layer on the flattened
                         image or a Conv2d layer on the same image (level 2: after the image grows).
``fcconv.equivariance``  answer: the Conv2d output of an image shifted by one pixel; the
                         solution shows it is the original output, shifted.
"""
from __future__ import annotations

from . import Redraw, Solution, register
from .conv_by_hand import _entry_texts, _factor, _forward
from .stacks import pick


# ------------------------------------------------------------------ parameter counts

def sample_params(rng, level, p):
    c = pick(rng, [1, 3])
    h = pick(rng, [7, 8, 10, 16, 28, 32] if level == 1 else [7, 8, 10, 16, 28])
    n = pick(rng, [4, 8, 10, 16, 32])
    k = pick(rng, [3, 5])
    q = {**p, "c": c, "h": h, "n": n, "k": k, "ask": pick(rng, ["fc", "conv"]), "h2": None}
    if level >= 2:
        q["h2"] = h * pick(rng, [2, 4]) if h <= 16 else h * 2
    return q


def fc_count(c, h, n, bias=True):
    return c * h * h * n + (n if bias else 0)


def conv_count(c, k, n, bias=True):
    return c * k * k * n + (n if bias else 0)


def solve_params(p: dict) -> Solution:
    c, h, n, k, ask = p["c"], p["h"], p["n"], p["k"], p["ask"]
    h2 = p.get("h2")
    size = h2 or h
    fc, conv = fc_count(c, size, n), conv_count(c, k, n)
    mis = {}
    if ask == "fc":
        answer = fc
        mis["forgot-bias"] = fc_count(c, size, n, False)
        if c > 1:
            mis["forgot-channels"] = fc_count(1, size, n)
        if h2:
            mis["unchanged"] = fc_count(c, h, n)
            mis["linear-growth"] = c * h * h * n * (h2 // h) + n
        layers = [{"type": "Flatten"}, {"type": "Linear", "in_features": c * size * size, "out_features": n}]
    else:
        answer = conv
        mis["forgot-bias"] = conv_count(c, k, n, False)
        if c > 1:
            mis["forgot-channels"] = conv_count(1, k, n)
        positions = size * size  # padding k//2 keeps the size
        mis["per-position"] = conv * positions
        if h2:
            mis["grows-with-image"] = conv * (h2 // h) ** 2
        else:
            mis["like-fully-connected"] = fc
        layers = [{"type": "Conv2d", "in_channels": c, "out_channels": n, "kernel_size": k, "padding": k // 2}]
    ctx = {"fc": fc, "conv": conv, "fc_small": fc_count(c, h, n), "size": size,
           "fc_in": c * size * size, "fc_in_small": c * h * h,
           "fc_code": f"nn.Linear({c * size * size}, {n})",
           "conv_code": f"nn.Conv2d({c}, {n}, kernel_size={k}, padding={k // 2})"}
    snippet = ("import torch.nn as nn\n\n"
               + (f"fc = nn.Sequential(nn.Flatten(), {ctx['fc_code']})\n"
                  "print(sum(p.numel() for p in fc.parameters()))" if ask == "fc" else
                  f"conv = {ctx['conv_code']}\n"
                  "print(sum(p.numel() for p in conv.parameters()))"))
    return Solution(answer=answer, context=ctx, misconceptions=mis,
                    check={"kind": "param_count", "input_shape": [c, size, size], "layers": layers},
                    pytorch=snippet)


# ------------------------------------------------------------------ translation equivariance

def _shift(img: list, direction: str, fill: int = 0) -> list:
    """Move the ``[H][W]`` image content one pixel; ``fill`` enters (nothing may leave - checked
    by the sampler). Nested lists of ints, a new list."""
    if direction == "right":
        return [[fill] + row[:-1] for row in img]
    if direction == "left":
        return [row[1:] + [fill] for row in img]
    if direction == "down":
        return [[fill] * len(img[0])] + [list(row) for row in img[:-1]]
    return [list(row) for row in img[1:]] + [[fill] * len(img[0])]       # up


_OPPOSITE = {"right": "left", "left": "right", "down": "up", "up": "down"}


def sample_equivariance(rng, level, p):
    n = 6 if level == 1 else 5
    direction = "right" if level == 1 else pick(rng, ["right", "down"])
    ph, pw = pick(rng, [(2, 2), (2, 3), (3, 2)] if level == 1 else [(2, 2), (1, 2), (2, 1)])
    # the pattern stays >= 2 pixels from the side the zeros enter and off the side it moves to
    if direction == "right":
        r0 = int(rng.integers(0, n - ph + 1))
        c0 = int(rng.integers(2, n - pw))
    else:
        r0 = int(rng.integers(2, n - ph))
        c0 = int(rng.integers(0, n - pw + 1))
    if (direction == "right" and c0 + pw > n - 1) or (direction == "down" and r0 + ph > n - 1):
        raise Redraw("pattern touches the border it moves to")
    img = [[0] * n for _ in range(n)]
    for a, row in enumerate(rng.integers(1, 4, size=(ph, pw)).tolist()):
        img[r0 + a][c0:c0 + pw] = row
    w = rng.integers(-1, 3, size=(3, 3)).tolist()
    if sum([v != 0 for row in w for v in row]) < 5:
        raise Redraw("kernel too sparse")
    bias = int(pick(rng, [-2, -1, 1, 2])) if level >= 2 else None
    return {**p, "x": img, "w": w, "bias": bias, "direction": direction}


def _conv(img: list, w: list, bias) -> list:
    """Conv2d(1, 1, 3) of the integer image ``[H][W]``, exactly in integers -> ``[H-2][W-2]`` ints."""
    return _forward([img], [w], bias, 1, 2)


def _conv_shifted(x: list, y: list, w: list, bias, direction: str) -> list:
    """``_conv(_shift(x, direction), w, bias)`` given ``y = _conv(x, w, bias)``: ``[H-2][W-2]`` ints.

    Equivariance, exactly: an output away from the entering side reads the shifted input where
    the original output one step back read the original input, so it equals that output. Only
    the entering line (the first column for "right", ...) reads the new zeros and is computed
    here from the three input lines under it. Tests compare this with the full convolution.
    """
    xs = _shift(x, direction)
    if direction == "right":
        line = [row[0] for row in _conv([row[:3] for row in xs], w, bias)]
        return [[v] + row[:-1] for v, row in zip(line, y)]
    if direction == "left":
        line = [row[0] for row in _conv([row[-3:] for row in xs], w, bias)]
        return [row[1:] + [v] for v, row in zip(line, y)]
    if direction == "down":
        return _conv(xs[:3], w, bias) + [list(row) for row in y[:-1]]
    return [list(row) for row in y[1:]] + _conv(xs[-3:], w, bias)     # up


def _roll(y: list, direction: str) -> list:
    """``np.roll(y, 1, axis=1 if direction == "right" else 0)``: the last column (row) wraps to the front."""
    if direction == "right":
        return [row[-1:] + row[:-1] for row in y]
    return y[-1:] + y[:-1]


def solve_equivariance(p: dict) -> Solution:
    x, w, bias, d = p["x"], p["w"], p["bias"], p["direction"]
    b0 = bias or 0
    y = _conv(x, w, bias)
    xs = _shift(x, d)
    ys = _conv_shifted(x, y, w, bias, d)
    if all([v == b0 for row in y for v in row]):
        raise Redraw("the output shows nothing of the pattern")
    # equivariance away from the border: the shifted output is the old one moved by one
    # (the bias alone enters: a window of zeros)
    if _shift(y, d, b0) != ys:
        raise Redraw("border effect: not a clean shift")
    if ys == y:
        raise Redraw("the shift is invisible")
    mis = {"unchanged": y, "shifted-wrong-way": _conv_shifted(x, y, w, bias, _OPPOSITE[d]),
           "wrapped-around": _roll(y, d)}
    if bias is not None:
        mis["forgot-bias"] = [[v - bias for v in row] for row in ys]
    # "- $y'_{i,j} = ...$" per output entry, one a line (the list the solution text shows);
    # a window that sees only zeros is written as 0 (+ the bias)
    zeros = "0" + (f" + {_factor(bias)} = {bias}" if bias is not None else "")
    texts = iter(_entry_texts([xs], [w], bias, 1, ys, 2, zeros=zeros))
    lines = [f"- $y'_{{{i + 1},{j + 1}}} = {next(texts)}$" for i in range(len(ys)) for j in range(len(ys[0]))]
    layer = {"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 3,
             "weight": [[w]], "bias": [bias] if bias is not None else False}
    code = "nn.Conv2d(1, 1, kernel_size=3" + (", bias=False)" if bias is None else ")")
    ctx = {"y": y, "xs": xs, "code": code, "entry_lines": "\n".join(lines), "n": len(x), "m": len(y)}
    snippet = ("import torch\nimport torch.nn as nn\n\n"
               f"conv = {code}\n"
               "with torch.no_grad():\n"
               f"    conv.weight.copy_(torch.tensor([[{w}]], dtype=torch.float))\n"
               + (f"    conv.bias.fill_({bias})\n" if bias is not None else "")
               + f"x = torch.tensor([{p['x']}], dtype=torch.float)\n"
               + f"x_shifted = torch.roll(x, 1, dims={2 if d == 'right' else 1})  # the pattern is away from the border\n"
               "print(conv(x)[0])\nprint(conv(x_shifted)[0])")
    return Solution(answer=ys, context=ctx, misconceptions=mis,
                    check={"kind": "forward", "input": [xs], "layers": [layer], "index": [0]},
                    pytorch=snippet)


register("fcconv.params", solve_params, sample_params)
register("fcconv.equivariance", solve_equivariance, sample_equivariance)
