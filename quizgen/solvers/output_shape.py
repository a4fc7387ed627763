"""Output-shape families: stacks of Conv1d/Conv2d, pooling, Flatten and Linear.

Params: ``input_shape`` (unbatched) and ``layers`` (torch vocabulary). The answer is the
output shape; misconceptions apply one wrong size rule at every layer.
"""
from __future__ import annotations

import numpy as np

from . import Redraw, Solution, register
from .stacks import (pick, shape_check, shape_snippet, shape_steps_and_text, shapes_and_args_or_redraw,
                     wrong_shapes)


def _conv(c_in, c_out, dims, k, s=1, p=0, d=1) -> dict:
    layer = {"type": f"Conv{dims}d", "in_channels": c_in, "out_channels": c_out, "kernel_size": k}
    if s != 1:
        layer["stride"] = s
    if p:
        layer["padding"] = p
    if d != 1:
        layer["dilation"] = d
    return layer


def _pool(kind, dims, k, s=None) -> dict:
    layer = {"type": f"{kind}Pool{dims}d", "kernel_size": k}
    if s is not None and s != k:
        layer["stride"] = s
    return layer


def sample_stack(rng: np.random.Generator, level: int, p: dict, dims: int) -> dict:
    """A random valid stack for the level (1: one or two layers; 2: three; 3: deeper, dilation, Flatten)."""
    c = pick(rng, [1, 3]) if dims == 2 else pick(rng, [1, 2, 4])
    n = p["size"]
    shape = [c] + [n] * dims
    if dims == 2 and level >= 3 and rng.random() < 0.5:
        shape[2] = n + int(rng.integers(-2, 3)) * 4 or n
    widths = [4, 8, 16, 32, 64]
    layers = []
    if level == 1:
        k = pick(rng, [1, 3, 5, 7] if dims == 2 else [2, 3, 5])
        layers.append(_conv(c, pick(rng, widths[1:]), dims, k, pick(rng, [1, 1, 2]),
                            pick(rng, list(range(0, k // 2 + 1)))))
        if dims == 1 and rng.random() < 0.6:  # the notes' Conv1d -> MaxPool1d(2)
            layers.append(_pool("Max", dims, 2))
    else:
        n_blocks = 2 if level == 2 else int(rng.integers(2, 4))
        ch = c
        for b in range(n_blocks):
            k = pick(rng, [3, 5] if level == 2 else [3, 5, 7])
            d = pick(rng, [1, 1, 2]) if level >= 3 else 1
            out = pick(rng, widths[b + 1:b + 4])
            s = pick(rng, [1, 1, 2]) if b > 0 or level >= 3 else 1
            layers.append(_conv(ch, out, dims, k, s, pick(rng, [0, k // 2]), d))
            ch = out
            if level >= 3:
                layers.append({"type": "ReLU"})
            if b < n_blocks - 1 or level == 2:
                kind = pick(rng, ["Max", "Max", "Avg"])
                pk = pick(rng, [2, 2, 3])
                layers.append(_pool(kind, dims, pk, pick(rng, [pk, 2]) if pk == 3 else None))
        if level >= 3 and rng.random() < 0.5:
            layers.append({"type": "Flatten"})
    return {**p, "input_shape": shape, "layers": layers}


def solve(p: dict) -> Solution:
    input_shape, layers = p["input_shape"], p["layers"]
    shapes, args_list = inferred = shapes_and_args_or_redraw(input_shape, layers)
    answer = list(shapes[-1])
    if any(v < 2 for v in answer[1:]) or answer[-1] > 100000:
        raise Redraw("output too small or too large to be a good question")
    mis = {m: wrong for m, wrong in wrong_shapes(input_shape, args_list).items()
           if wrong is not None and wrong != answer}
    steps, text = shape_steps_and_text(input_shape, layers, inferred)
    code = "\n".join([f"    {s['code']}," for s in steps])
    return Solution(
        answer=answer,
        context={"steps": steps, "steps_text": text, "code": code},
        misconceptions=mis,
        check=shape_check(input_shape, layers),
        pytorch=shape_snippet(input_shape, layers, code),
    )


register("shape.conv2d", solve, lambda rng, level, p: sample_stack(rng, level, p, 2))
register("shape.conv1d", solve, lambda rng, level, p: sample_stack(rng, level, p, 1))
