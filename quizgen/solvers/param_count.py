"""Parameter-count families: dense layers / MLPs and Conv1d/2d/3d layers or stacks.

Params: ``input_shape`` (None when the question does not need it), ``layers`` as shown to
the student (``LazyLinear`` where the student must find ``in_features``) and the answer is
the number of trainable parameters (weights + biases).
"""
from __future__ import annotations

import math

import numpy as np

from ..engine.shapes import CONV_TYPES, POOL_TYPES, layer_args, layer_param_counts
from . import Solution, register
from .stacks import layers_code, params_snippet, pick, shapes_and_args_or_redraw


def _linear(n_in, n_out, bias=True) -> dict:
    layer = {"type": "Linear", "in_features": n_in, "out_features": n_out}
    if not bias:
        layer["bias"] = False
    return layer


def sample_dense(rng: np.random.Generator, level: int, p: dict) -> dict:
    if level == 1:
        n_in = int(rng.integers(2, 33))
        n_out = int(rng.integers(2, 33))
        return {**p, "input_shape": None, "layers": [_linear(n_in, n_out, rng.random() < 0.8)]}
    if level == 2:
        sizes = [int(rng.integers(2, 65))] + [pick(rng, [8, 10, 16, 20, 32, 50, 64, 100]) for _ in range(2)]
        sizes.append(int(rng.integers(2, 11)))
        layers = []
        for a, b in zip(sizes, sizes[1:]):
            layers += [_linear(a, b, rng.random() < 0.8), {"type": pick(rng, ["ReLU", "Sigmoid", "Tanh"])}]
        return {**p, "input_shape": None, "layers": layers[:-1]}
    c = pick(rng, [1, 3])
    h = pick(rng, [8, 16, 28, 32, 64])
    hidden = pick(rng, [32, 64, 100, 128, 256])
    classes = pick(rng, [2, 5, 10])
    layers = [{"type": "Flatten"}, _linear(c * h * h, hidden), {"type": "ReLU"}, _linear(hidden, classes)]
    return {**p, "input_shape": [c, h, h], "layers": layers, "lazy": [1]}


def _conv(dims, c_in, c_out, k, bias=True, **kw) -> dict:
    layer = {"type": f"Conv{dims}d", "in_channels": c_in, "out_channels": c_out, "kernel_size": k, **kw}
    if not bias:
        layer["bias"] = False
    return layer


def sample_conv(rng: np.random.Generator, level: int, p: dict) -> dict:
    widths = [4, 6, 8, 10, 12, 16, 20, 32, 64]
    if level == 1:
        c = pick(rng, [1, 3])
        k = pick(rng, [1, 3, 5, 7])
        size = pick(rng, [28, 32, 64, 100, 224])
        layers = [_conv(2, c, pick(rng, widths), k, rng.random() < 0.8, padding=k // 2)]
        return {**p, "input_shape": [c, size, size], "layers": layers}
    if level == 2:
        dims = pick(rng, [1, 2, 3])
        c = pick(rng, [1, 2, 3, 4])
        size = pick(rng, [16, 32, 50]) if dims == 3 else pick(rng, [32, 64, 100, 128])
        layers = [_conv(dims, c, pick(rng, widths), pick(rng, [2, 3, 5]), rng.random() < 0.7)]
        return {**p, "input_shape": [c] + [size] * dims, "layers": layers}
    c = pick(rng, [1, 3])
    size = pick(rng, [32, 64, 100, 128])
    c1, c2 = pick(rng, [8, 16, 32]), pick(rng, [16, 32, 64])
    k1, k2 = pick(rng, [3, 5]), pick(rng, [3, 5])
    layers = [_conv(2, c, c1, k1, padding=k1 // 2), {"type": "ReLU"},
              {"type": pick(rng, ["MaxPool2d", "AvgPool2d"]), "kernel_size": 2},
              _conv(2, c1, c2, k2, rng.random() < 0.7, padding=k2 // 2), {"type": "ReLU"},
              {"type": "MaxPool2d", "kernel_size": 2}]
    return {**p, "input_shape": [c, size, size], "layers": layers}


def _display(layers, lazy) -> list:
    """Layers as the student sees them: LazyLinear(out) where in_features is to be found."""
    shown = []
    for i, layer in enumerate(layers):
        if i in lazy:
            shown.append({"type": "LazyLinear", "out_features": layer["out_features"]})
        else:
            shown.append(layer)
    return shown


def _wrong_counts(p: dict, breakdown, shapes, args_list) -> dict:
    """``args_list``: the ``layer_args`` of every layer along ``shapes``."""
    layers = p["layers"]
    weights = sum(w for _, w, _ in breakdown)
    biases = sum(b for _, _, b in breakdown)
    has_bias = biases > 0
    mis = {}
    if has_bias:
        mis["forgot-bias"] = weights
    # a bias for every weight, in the layers that have biases at all
    mis["bias-per-weight"] = sum(w + (w if b else 0) for _, w, b in breakdown)
    learnable = [a for a in args_list if a["type"] == "Linear" or a["type"] in CONV_TYPES]
    if all(a["type"] == "Linear" for a in learnable):
        mis["neurons-only"] = sum(a["out_features"] for a in learnable)
        mis["sum-not-product"] = sum(a["in_features"] + a["out_features"] + (a["out_features"] if a["bias"] else 0)
                                     for a in learnable)
        if p.get("lazy"):
            c = p["input_shape"][0]
            w0 = layers[1]["in_features"] // c * layers[1]["out_features"]
            mis["ignored-channels"] = weights + biases - (layers[1]["in_features"] * layers[1]["out_features"]) + w0
        return mis
    k_prod = [math.prod(a["kernel"]) for a in learnable]
    mis["forgot-in-channels"] = sum(kp * a["out_channels"] + (a["out_channels"] if a["bias"] else 0)
                                    for kp, a in zip(k_prod, learnable))
    if any(a["nd"] >= 2 for a in learnable):
        mis["kernel-not-squared"] = sum(a["kernel"][0] * a["in_channels"] * a["out_channels"]
                                        + (a["out_channels"] if a["bias"] else 0) for a in learnable)
    # every convolution with a kernel (and biases) of its own at each of its output positions
    mis["per-position"] = weights + biases + sum(
        (math.prod(shapes[i + 1][1:]) - 1) * (breakdown[i][1] + breakdown[i][2])
        for i, layer in enumerate(layers) if layer["type"] in CONV_TYPES)
    pools = [a for l, a in zip(layers, args_list) if l["type"] in POOL_TYPES]
    if pools:
        mis["counted-pooling"] = weights + biases + sum(math.prod(a["kernel"]) for a in pools)
    return mis


def solve(p: dict) -> Solution:
    layers, input_shape = p["layers"], p["input_shape"]
    if input_shape:
        shapes, args_list = shapes_and_args_or_redraw(input_shape, layers)
    else:   # (as param_breakdown(layers, None): no shapes, no shape check)
        shapes = [None] * (len(layers) + 1)
        args_list = [layer_args(layer, None, i) for i, layer in enumerate(layers)]
    # == param_breakdown(layers, input_shape), from the arguments at hand
    breakdown = [(i, *layer_param_counts(layer, args, i)) for i, (layer, args) in enumerate(zip(layers, args_list))]
    rows = []
    for (i, w, b), layer, args in zip(breakdown, layers, args_list):
        if w or b or layer["type"] in POOL_TYPES:
            rows.append({"index": i, "kind": layer["type"], "weights": w, "biases": b,
                         "factors": ([args["out_features"], args["in_features"]] if layer["type"] == "Linear"
                                     else [args["out_channels"], args["in_channels"], *args["kernel"]]
                                     if layer["type"] in CONV_TYPES else [])})
    total = sum(w + b for _, w, b in breakdown)
    shown = _display(layers, p.get("lazy", []))
    code = layers_code(shown)
    check = {"kind": "param_count", "layers": layers}
    if input_shape:
        check["input_shape"] = list(input_shape)
    # the solution's sum: every row's weights, then the non-zero biases
    sum_tex = " + ".join([str(r["weights"]) for r in rows] + [str(r["biases"]) for r in rows if r["biases"]])
    return Solution(answer=total, context={"rows": rows, "code": code, "total": total, "sum_tex": sum_tex},
                    misconceptions=_wrong_counts(p, breakdown, shapes, args_list), check=check,
                    pytorch=params_snippet(layers, None if p.get("lazy") else code))


register("params.dense", solve, sample_dense)
register("params.conv", solve, sample_conv)
