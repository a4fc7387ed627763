"""Shared pieces for families about layer stacks: drawing stacks, shape steps, wrong rules.

A stack is a list of layer dicts in torch vocabulary (see ``quizgen.engine.shapes``).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..engine.shapes import CONV_TYPES, POOL_TYPES, infer_shapes_and_args
from ..errors import ShapeError
from ..texfmt import tex_shape, torch_layer
from . import Redraw


def pick(rng: np.random.Generator, values):
    """One element of ``values`` (a list), drawn with ``rng``."""
    return values[int(rng.integers(len(values)))]


_CODE_CACHE: dict = {}
_CACHE_TYPES = frozenset((int, str, bool, type(None)))


def layer_code(layer: dict) -> str:
    """``torch_layer(layer)``, remembered for layer dicts of plain scalars.

    The families draw from a few hundred distinct layers, and every question prints each of
    its layers once or more.  The key keeps the values' types beside them because 1, 1.0 and
    True are equal dict keys but print differently; dicts holding anything else (lists, tuples,
    weights) are not cached.  tests/test_solvers_stacks.py compares with ``torch_layer``.
    """
    types = tuple(map(type, layer.values()))
    if _CACHE_TYPES.issuperset(types):
        key = (tuple(layer.items()), types)
        code = _CODE_CACHE.get(key)
        if code is None:
            if len(_CODE_CACHE) > 20000:      # bound the memory; never reached by the bundled bank
                _CODE_CACHE.clear()
            code = _CODE_CACHE[key] = torch_layer(layer)
        return code
    return torch_layer(layer)


def layers_code(layers) -> str:
    """The layer lines of ``torch_sequential(layers)``: ``"    nn.X(...),"`` joined by newlines."""
    return "\n".join([f"    {layer_code(layer)}," for layer in layers])


def sequential_code(layers, code: str | None = None) -> str:
    """``torch_sequential(layers)``; ``code``: :func:`layers_code` of ``layers`` when the caller has it."""
    return f"nn.Sequential(\n{layers_code(layers) if code is None else code}\n)"


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


class _Rule(NamedTuple):
    """A (possibly wrong) size rule: how a mistake bends ``size_rule`` (see wrong_shape, the reference)."""

    pad_times: int = 2             # padding counted on both sides
    ceil: bool = False             # rounds up instead of down
    plus: int = 1                  # the "+1"
    stride_one: bool = False       # every stride taken as 1
    dilation_one: bool = False     # dilation ignored
    keep_channels: bool = False    # convolutions keep the input's channels
    pool_stride_one: bool = False  # pooling strides taken as 1


_MISTAKE_RULES = {
    "forgot-plus-one": _Rule(plus=0),
    "ignored-padding": _Rule(pad_times=0),
    "padding-one-side": _Rule(pad_times=1),
    "ceil-not-floor": _Rule(ceil=True),
    "ignored-stride": _Rule(stride_one=True),
    "ignored-dilation": _Rule(dilation_one=True),
    "kept-channels": _Rule(keep_channels=True),
    "pool-stride-one": _Rule(pool_stride_one=True),
}


def wrong_shapes(input_shape, args_list) -> dict:
    """``{mistake: wrong_shape(input_shape, layers, mistake, args_list)}`` for every mistake in MISTAKES.

    The same arithmetic as :func:`wrong_shape` with :func:`size_rule` inlined and the layer
    arguments unpacked once for all eight mistakes (tests/test_solvers_stacks.py compares).
    """
    # per layer: ("window", conv?, out_channels, ((k, s, p, d) per axis), all axes alike?),
    # ("flatten",) or ("linear", out_features); activations change nothing
    plan = []
    # A mistake about a feature the stack does not have (no padding, stride, dilation...) changes
    # nothing: its result is the plain rule's, computed once and shared.
    present = dict.fromkeys(("ignored-padding", "padding-one-side", "ignored-stride", "ignored-dilation",
                             "kept-channels", "pool-stride-one"), False)
    for args in args_list:
        kind = args["type"]
        conv = kind in CONV_TYPES
        if conv or kind in POOL_TYPES:
            axes = tuple(zip(args["kernel"], args["stride"], args["padding"], args["dilation"]))
            plan.append(("window", conv, args["out_channels"] if conv else None, axes,
                         axes.count(axes[0]) == len(axes)))
            for _, stride, padding, dilation in axes:
                if padding:
                    present["ignored-padding"] = present["padding-one-side"] = True
                if stride != 1:
                    present["ignored-stride"] = True
                    if not conv:
                        present["pool-stride-one"] = True
                if dilation != 1:
                    present["ignored-dilation"] = True
            if conv:
                present["kept-channels"] = True
        elif kind == "Flatten":
            plan.append(("flatten",))
        elif kind == "Linear":
            plan.append(("linear", args["out_features"]))
    # Usually every window comes before Flatten/Linear: then the channels need no walk and each
    # spatial axis is a chain of sizes of its own, computed once for all alike axes.
    n_head = next((i for i, step in enumerate(plan) if step[0] != "window"), len(plan))
    head, tail = plan[:n_head], plan[n_head:]
    chains = None
    if (len(input_shape) > 0 and all(step[0] != "window" for step in tail)
            and all(len(step[3]) == len(input_shape) - 1 for step in head)):
        chains = {}     # (input size, the windows along the axis) -> the axes having them
        for axis, n in enumerate(input_shape[1:]):
            chains.setdefault((n, tuple((step[1], *step[3][axis]) for step in head)), []).append(axis)
        convs = [step[2] for step in head if step[1]]
        channels = convs[-1] if convs else input_shape[0]
    by_rule = {}
    out = {}
    for mistake in MISTAKES:
        rule = _MISTAKE_RULES[mistake] if present.get(mistake, True) else _PLAIN_RULE
        if rule not in by_rule:
            if chains is None:
                by_rule[rule] = _apply_rule(input_shape, plan, rule)
            else:
                by_rule[rule] = _apply_rule_by_axis(input_shape, chains, channels, tail, rule)
        shape = by_rule[rule]
        out[mistake] = None if shape is None else list(shape)
    return out


def _apply_rule_by_axis(input_shape, chains, channels, tail, rule):
    """:func:`_apply_rule` for a plan whose windows all come first (see :func:`wrong_shapes`).

    ``chains``: ``{(input size, ((conv?, k, s, p, d) per window)): [axes]}``; ``channels``: the
    out_channels of the last convolution (else the input's); ``tail``: the Flatten/Linear steps.
    """
    shape = [input_shape[0] if rule.keep_channels else channels, *input_shape[1:]]
    for (n, windows), axes in chains.items():
        for conv, k, s, p, d in windows:
            n = _size_by_rule(n, conv, k, s, p, d, rule)
            if n is None:
                return None       # the mistake breaks the stack
        for axis in axes:
            shape[axis + 1] = n
    for step in tail:
        if step[0] == "flatten":
            shape = [math.prod(shape)]
        else:
            shape = shape[:-1] + [step[1]]
    return shape


_PLAIN_RULE = _Rule()


def _size_by_rule(n, conv, k, s, p, d, rule):
    """One axis' output size under a (possibly wrong) size ``rule``; None when it is below 1."""
    if rule.stride_one or (rule.pool_stride_one and not conv):
        s = 1
    span = n + rule.pad_times * p - (k - 1) * (1 if rule.dilation_one else d) - 1
    size = (-(-span // s) if rule.ceil else span // s) + rule.plus
    return size if size >= 1 else None


def _apply_rule(input_shape, plan, rule):
    """The shape after the ``plan`` of :func:`wrong_shapes` with one (possibly wrong) size rule."""
    shape = list(input_shape)
    for step in plan:
        if step[0] == "window":
            _, conv, out_channels, axes, alike = step
            spatial = shape[1:]
            repeat = 1
            if alike and len(spatial) == len(axes) > 1 and spatial.count(spatial[0]) == len(spatial):
                # a square input through a square window: every axis gives the same size
                spatial, axes, repeat = spatial[:1], axes[:1], len(spatial)
            sizes = []
            for n, (k, s, p, d) in zip(spatial, axes):
                size = _size_by_rule(n, conv, k, s, p, d, rule)
                if size is None:
                    return None       # the mistake breaks the stack
                sizes.append(size)
            shape = [shape[0] if rule.keep_channels or not conv else out_channels, *sizes * repeat]
        elif step[0] == "flatten":
            shape = [math.prod(shape)]
        else:
            shape = shape[:-1] + [step[1]]
    return shape


def layer_arguments(input_shape, layers) -> list[dict]:
    """Normalised arguments of every layer (``layer_args``), computed along the true shapes."""
    return infer_shapes_and_args(input_shape, layers)[1]


def shape_steps(input_shape, layers, inferred: tuple | None = None) -> list[dict]:
    """Per layer: its code, the shape after it and the TeX of each axis' size computation.

    ``inferred``: ``infer_shapes_and_args(input_shape, layers)`` when the caller has it already.
    """
    return shape_steps_and_text(input_shape, layers, inferred)[0]


def shape_steps_and_text(input_shape, layers, inferred: tuple | None = None) -> tuple[list[dict], str]:
    """:func:`shape_steps` and its :func:`steps_text`, made together (each shape's TeX is built once)."""
    shapes, args_list = inferred or infer_shapes_and_args(input_shape, layers)
    tex = [r" \times ".join(map(str, shape)) for shape in shapes]   # tex_shape (the shapes hold ints)
    steps, lines = [], []
    for i, layer in enumerate(layers):
        before, after = shapes[i], shapes[i + 1]
        args = args_list[i]
        kind = args["type"]
        code = layer_code(layer)
        line = f"{i + 1}. `{code}`: ${tex[i]} \\to {tex[i + 1]}$"
        formulas = []
        if kind in CONV_TYPES or kind in POOL_TYPES:
            # one line per distinct axis: a square input repeats the same line (the numbers
            # determine the line, so equal tuples are exactly the equal lines)
            per_axis = dict.fromkeys(zip(before[1:], args["kernel"], args["stride"], args["padding"],
                                         args["dilation"], after[1:]))
            for n, k, s, p, d, size in per_axis:
                dil = f"{d}\\cdot({k}-1)" if d != 1 else f"({k}-1)"
                formula = rf"\left\lfloor \frac{{{n} + 2\cdot {p} - {dil} - 1}}{{{s}}} \right\rfloor + 1 = {size}"
                formulas.append(formula)
                line += f"; ${formula}$"
        elif kind == "Flatten":
            formulas.append(f"{tex[i]} = {after[0]}")
            line += f"; ${formulas[0]}$"
        steps.append({"index": i, "code": code, "kind": kind, "before": list(before),
                      "after": list(after), "formulas": formulas})
        lines.append(line)
    return steps, "\n".join(lines)


def steps_text(steps) -> str:
    """The solution's numbered list of :func:`shape_steps`, one line a step (Markdown + TeX).

    ``1. `code`: $before \\to after$; $formula$; ...`` - what the output-shape templates' solution
    loop printed, built here once for both languages instead of in Jinja.
    """
    return "\n".join([f"{n}. `{s['code']}`: ${tex_shape(s['before'])} \\to {tex_shape(s['after'])}$"
                       + "".join([f"; ${f}$" for f in s["formulas"]]) for n, s in enumerate(steps, 1)])


def shape_check(input_shape, layers) -> dict:
    return {"kind": "output_shape", "input_shape": list(input_shape), "layers": layers}


def shape_snippet(input_shape, layers, code: str | None = None) -> str:
    """``code``: the layer lines of ``torch_sequential(layers)`` (``"    nn.X(...),"`` joined by newlines)
    when the caller has them already."""
    dims = ", ".join(str(v) for v in input_shape)
    net = sequential_code(layers, code)
    return ("import torch\nimport torch.nn as nn\n\n"
            f"net = {net}\n"
            f"x = torch.zeros(1, {dims})  # a batch of one\n"
            "print(net(x).shape[1:])")


def params_snippet(layers, code: str | None = None) -> str:
    return ("import torch.nn as nn\n\n"
            f"net = {sequential_code(layers, code)}\n"
            "print(sum(p.numel() for p in net.parameters()))")
