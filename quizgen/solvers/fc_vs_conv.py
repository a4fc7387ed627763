"""Fully connected vs convolution: parameter counts and translation equivariance.

``fcconv.params``        answer: the parameter count of either a Linear layer on the flattened
                         image or a Conv2d layer on the same image (level 2: after the image grows).
``fcconv.equivariance``  answer: the Conv2d output of an image shifted by one pixel; the
                         solution shows it is the original output, shifted.
"""
from __future__ import annotations

import numpy as np

from . import Redraw, Solution, register
from .conv_by_hand import _entry_text, _factor, _forward
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

def _shift(img: np.ndarray, direction: str) -> np.ndarray:
    """Move the image content one pixel (zeros enter; nothing may leave - checked by the sampler)."""
    out = np.zeros_like(img)
    if direction == "right":
        out[:, 1:] = img[:, :-1]
    elif direction == "left":
        out[:, :-1] = img[:, 1:]
    elif direction == "down":
        out[1:, :] = img[:-1, :]
    else:  # up
        out[:-1, :] = img[1:, :]
    return out


_OPPOSITE = {"right": "left", "left": "right", "down": "up", "up": "down"}


def sample_equivariance(rng, level, p):
    n = 6 if level == 1 else 5
    direction = "right" if level == 1 else pick(rng, ["right", "down"])
    ph, pw = pick(rng, [(2, 2), (2, 3), (3, 2)] if level == 1 else [(2, 2), (1, 2), (2, 1)])
    img = np.zeros((n, n), dtype=int)
    # the pattern stays >= 2 pixels from the side the zeros enter and off the side it moves to
    if direction == "right":
        r0 = int(rng.integers(0, n - ph + 1))
        c0 = int(rng.integers(2, n - pw))
    else:
        r0 = int(rng.integers(2, n - ph))
        c0 = int(rng.integers(0, n - pw + 1))
    if (direction == "right" and c0 + pw > n - 1) or (direction == "down" and r0 + ph > n - 1):
        raise Redraw("pattern touches the border it moves to")
    img[r0:r0 + ph, c0:c0 + pw] = rng.integers(1, 4, size=(ph, pw))
    w = rng.integers(-1, 3, size=(3, 3))
    if np.count_nonzero(w) < 5:
        raise Redraw("kernel too sparse")
    bias = int(pick(rng, [-2, -1, 1, 2])) if level >= 2 else None
    return {**p, "x": img.tolist(), "w": w.tolist(), "bias": bias, "direction": direction}


def _conv(img, w, bias) -> np.ndarray:
    """Conv2d(1, 1, 3) of the integer image ``[H, W]``, exactly in integers -> ``[H-2, W-2]`` ints."""
    return np.array(_forward([np.asarray(img).tolist()], [w], bias, 1, 2))


def solve_equivariance(p: dict) -> Solution:
    x, w, bias, d = np.asarray(p["x"]), p["w"], p["bias"], p["direction"]
    y = _conv(x, w, bias)
    xs = _shift(x, d)
    ys = _conv(xs, w, bias)
    if not np.any(y != (bias or 0)):
        raise Redraw("the output shows nothing of the pattern")
    # equivariance away from the border: the shifted output is the old one moved by one
    moved = _shift(y - (bias or 0), d) + (bias or 0)
    if not np.array_equal(moved, ys):
        raise Redraw("border effect: not a clean shift")
    if np.array_equal(ys, y):
        raise Redraw("the shift is invisible")
    mis = {"unchanged": y.tolist(), "shifted-wrong-way": _conv(_shift(x, _OPPOSITE[d]), w, bias).tolist()}
    rolled = np.roll(y, 1, axis=1 if d == "right" else 0)
    mis["wrapped-around"] = rolled.tolist()
    if bias is not None:
        mis["forgot-bias"] = (ys - bias).tolist()
    entries = []
    xs_rows = xs.tolist()
    for i, j in np.ndindex(*ys.shape):
        if np.any(xs[i:i + 3, j:j + 3]):
            text = _entry_text([xs_rows], [w], bias, 1, (i, j), 2)
        else:  # the window sees only zeros
            text = "0" + (f" + {_factor(bias)} = {bias}" if bias is not None else "")
        entries.append({"name": f"y'_{{{i + 1},{j + 1}}}", "text": text})
    layer = {"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 3,
             "weight": [[w]], "bias": [bias] if bias is not None else False}
    code = "nn.Conv2d(1, 1, kernel_size=3" + (", bias=False)" if bias is None else ")")
    ctx = {"y": y.tolist(), "xs": xs.tolist(), "code": code, "entries": entries, "n": len(x),
           "m": len(y)}
    snippet = ("import torch\nimport torch.nn as nn\n\n"
               f"conv = {code}\n"
               "with torch.no_grad():\n"
               f"    conv.weight.copy_(torch.tensor([[{w}]], dtype=torch.float))\n"
               + (f"    conv.bias.fill_({bias})\n" if bias is not None else "")
               + f"x = torch.tensor([{p['x']}], dtype=torch.float)\n"
               + f"x_shifted = torch.roll(x, 1, dims={2 if d == 'right' else 1})  # the pattern is away from the border\n"
               "print(conv(x)[0])\nprint(conv(x_shifted)[0])")
    return Solution(answer=ys.tolist(), context=ctx, misconceptions=mis,
                    check={"kind": "forward", "input": [xs.tolist()], "layers": [layer], "index": [0]},
                    pytorch=snippet)


register("fcconv.params", solve_params, sample_params)
register("fcconv.equivariance", solve_equivariance, sample_equivariance)
