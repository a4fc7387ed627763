"""Shared pieces for families about layer stacks: drawing stacks, shape steps, wrong rules.

A stack is a list of layer dicts in torch vocabulary (see ``quizgen.engine.shapes``).
"""
from __future__ import annotations

import math

import numpy as np

from ..engine.shapes import CONV_TYPES, POOL_TYPES, infer_shapes_and_args
from ..errors import ShapeError
from ..texfmt import torch_layer, torch_sequential
from . import Redraw


def pick(rng: np.random.Generator, values):
    """One element of ``values`` (a list), drawn with ``rng``."""
    return values[int(rng.integers(len(values)))]


def shapes_or_redraw(input_shape, layers) -> list[tuple]:
    return shapes_and_args_or_redraw(input_shape, layers)[0]


def shapes_and_args_or_redraw(input_shape, layers) -> tuple[list[tuple], list[dict]]:
    """``infer_shapes_and_args(input_shape, layers)``; an invalid stack is a Redraw."""
    try:
        return infer_shapes_and_args(input_shape, layers)
    except ShapeError as e:
        raise Redraw(str(e)) from e


# ---- the size rule, right and wrong -------------------------------------------------------

MISTAKES = ("forgot-plus-one", "ignored-padding", "padding-one-side", "ceil-not-floor",
            "ignored-stride", "ignored-dilation", "kept-channels", "pool-stride-one")


def size_rule(n: int, k: int, s: int, p: int, d: int, mistake: str | None = None) -> int:
    """Output length along one axis: floor((n + 2p - d(k-1) - 1)/s) + 1, or a typical wrong version."""
    if mistake == "ignored-padding":
        p = 0
    if mistake == "ignored-stride":
        s = 1
    if mistake == "ignored-dilation":
        d = 1
    span = n + (p if mistake == "padding-one-side" else 2 * p) - d * (k - 1) - 1
    if mistake == "ceil-not-floor":
        return -(-span // s) + 1
    if mistake == "forgot-plus-one":
        return span // s
    return span // s + 1


def wrong_shape(input_shape, layers, mistake: str, args_list=None):
    """The output shape a student gets by applying ``mistake`` at every layer (None if it breaks).

    ``args_list`` (the normalised arguments of each layer, see :func:`layer_arguments`) saves
    recomputing them when several mistakes are tried on the same stack.
    """
    if args_list is None:
        args_list = layer_arguments(input_shape, layers)
    shape = list(input_shape)
    rule = None if mistake in ("kept-channels", "pool-stride-one") else mistake  # for size_rule
    for args in args_list:
        kind = args["type"]
        if kind in CONV_TYPES or kind in POOL_TYPES:
            sizes = []
            per_axis = zip(shape[1:], args["kernel"], args["stride"], args["padding"], args["dilation"])
            for n, k, s, p, d in per_axis:
                if kind in POOL_TYPES and mistake == "pool-stride-one":
                    s = 1
                sizes.append(size_rule(n, k, s, p, d, rule))
            if any(v < 1 for v in sizes):
                return None
            channels = shape[0]
            if kind in CONV_TYPES and mistake != "kept-channels":
                channels = args["out_channels"]
            shape = [channels, *sizes]
        elif kind == "Flatten":
            shape = [math.prod(shape)]
        elif kind == "Linear":
            shape = shape[:-1] + [args["out_features"]]
    return shape


def layer_arguments(input_shape, layers) -> list[dict]:
    """Normalised arguments of every layer (``layer_args``), computed along the true shapes."""
    return infer_shapes_and_args(input_shape, layers)[1]


def shape_steps(input_shape, layers, inferred: tuple | None = None) -> list[dict]:
    """Per layer: its code, the shape after it and the TeX of each axis' size computation.

    ``inferred``: ``infer_shapes_and_args(input_shape, layers)`` when the caller has it already.
    """
    shapes, args_list = inferred or infer_shapes_and_args(input_shape, layers)
    steps = []
    for i, layer in enumerate(layers):
        before, after = shapes[i], shapes[i + 1]
        args = args_list[i]
        kind = args["type"]
        formulas = []
        if kind in CONV_TYPES or kind in POOL_TYPES:
            per_axis = zip(before[1:], args["kernel"], args["stride"], args["padding"], args["dilation"])
            for axis, (n, k, s, p, d) in enumerate(per_axis):
                dil = f"{d}\\cdot({k}-1)" if d != 1 else f"({k}-1)"
                formulas.append(
                    rf"\left\lfloor \frac{{{n} + 2\cdot {p} - {dil} - 1}}{{{s}}} \right\rfloor + 1 = {after[axis + 1]}")
        elif kind == "Flatten":
            formulas.append(r" \times ".join(map(str, before)) + f" = {after[0]}")
        formulas = list(dict.fromkeys(formulas))  # a square input repeats the same line
        steps.append({"index": i, "code": torch_layer(layer), "kind": kind, "before": list(before),
                      "after": list(after), "formulas": formulas})
    return steps


def shape_check(input_shape, layers) -> dict:
    return {"kind": "output_shape", "input_shape": list(input_shape), "layers": layers}


def shape_snippet(input_shape, layers) -> str:
    dims = ", ".join(str(v) for v in input_shape)
    return ("import torch\nimport torch.nn as nn\n\n"
            f"net = {torch_sequential(layers)}\n"
            f"x = torch.zeros(1, {dims})  # a batch of one\n"
            "print(net(x).shape[1:])")


def params_snippet(layers) -> str:
    return ("import torch.nn as nn\n\n"
            f"net = {torch_sequential(layers)}\n"
            "print(sum(p.numel() for p in net.parameters()))")
