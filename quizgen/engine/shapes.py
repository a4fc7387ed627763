"""Layer dicts in torch vocabulary: argument normalisation, shape inference, parameter counts.

A layer is ``{"type": <torch.nn class name>, <constructor arg>: value, ...}``, optionally
with ``"weight"`` / ``"bias"`` values.  Omitted arguments take torch's defaults
(conv stride 1, pool stride = kernel_size, padding 0, dilation 1, bias True).
Shapes are unbatched: ``[C, L]``, ``[C, H, W]``, ``[C, D, H, W]``, ``[features]``
(Linear also ``[..., features]``).  Nothing here allocates activations.

Bias rule: ``"bias"`` may be a bool (constructor sense) or the values.  When it is
absent the layer has a bias unless ``"weight"`` values are given (then the question
shows all parameters, so no ``"bias"`` means no bias).  ``bias: true`` together with
weight values means a zero bias.

``MinPool1d``/``MinPool2d`` are our extension (not torch classes): -MaxPool(-x),
with MaxPool's arguments.

Dimension arguments are torch's and count the batch dimension, exactly as if the
unbatched tensor were run with a batch of one (``x.unsqueeze(0)``): ``Flatten``
(``start_dim=1, end_dim=-1``) therefore flattens everything into one vector, and
``Softmax(dim=1)`` acts on our dim 0; ``dim`` None means -1 (torch's implicit choice
is deprecated) and ``dim=0`` (the batch) is rejected.
"""
from __future__ import annotations

from math import prod

import numpy as np

from ._util import ntuple
from ..errors import ShapeError

CONV_TYPES = {"Conv1d": 1, "Conv2d": 2, "Conv3d": 3}
POOL_TYPES = {"MaxPool1d": ("max", 1), "MaxPool2d": ("max", 2),
              "AvgPool1d": ("avg", 1), "AvgPool2d": ("avg", 2),
              "MinPool1d": ("min", 1), "MinPool2d": ("min", 2)}
ACTIVATION_TYPES = ("ReLU", "Sigmoid", "Tanh", "Softmax")
LAYER_TYPES = ("Linear", *CONV_TYPES, *POOL_TYPES, "Flatten", *ACTIVATION_TYPES)
_LAYER_TYPE_SET = frozenset(LAYER_TYPES)

__all__ = ["output_shape", "infer_shapes", "infer_shapes_and_args", "param_count", "total_params", "param_breakdown",
           "layer_args", "layer_param_counts", "has_bias", "LAYER_TYPES", "CONV_TYPES", "POOL_TYPES",
           "ACTIVATION_TYPES"]


def _fail(index, layer, message, field=None, hint=None):
    where = f"layer {index} ({layer.get('type')})" if index is not None else f"{layer.get('type')} layer"
    raise ShapeError(f"{where}: {message}", field=field, hint=hint)


def has_bias(layer: dict) -> bool:
    """Whether the layer has a bias (see the module docstring for the rule)."""
    if "bias" in layer:
        return layer["bias"] is not None and layer["bias"] is not False
    return "weight" not in layer


def layer_args(layer: dict, in_shape=None, index=None) -> dict:
    """Normalise a layer dict into plain ints/tuples.

    Conv: ``nd, in_channels, out_channels, kernel, stride, padding, dilation, bias``;
    pool: ``nd, mode, kernel, stride, padding, dilation``; Linear: ``in_features,
    out_features, bias``; Flatten: ``start_dim, end_dim`` (unbatched); Softmax: ``dim``.
    Missing channel/feature counts come from ``weight`` or ``in_shape`` (else None).
    """
    if "weight" not in layer:
        args = _plain_layer_args(layer, in_shape)
        if args is not None:
            return args
    return _layer_args_general(layer, in_shape, index)


_ELEMENTWISE = frozenset(("ReLU", "Sigmoid", "Tanh"))


def _plain_layer_args(layer: dict, in_shape):
    """:func:`layer_args` for the common layer: no weight values, every argument a plain valid int.

    Returns None for anything else (lists, bools, numpy ints, strings, bad values,
    Softmax...), which :func:`_layer_args_general` then handles, errors included.  Shape
    inference calls ``layer_args`` for every layer of every stack many times per question,
    and the general path's closures, ``ntuple`` calls and final checks cost several times
    this.  Same dicts, same key order (tests/test_engine_shapes.py compares the two).
    """
    kind = layer.get("type")
    if type(kind) is not str:
        return None
    if kind in _ELEMENTWISE:
        return {"type": kind}
    get = layer.get
    nd = CONV_TYPES.get(kind)
    if nd is not None:
        k, s, d, p = get("kernel_size"), get("stride", 1), get("dilation", 1), get("padding", 0)
        c_out, c_in = get("out_channels"), get("in_channels")
        if not (type(k) is int and type(s) is int and type(d) is int and type(p) is int
                and type(c_out) is int and k >= 1 and s >= 1 and d >= 1 and p >= 0):
            return None
        if c_in is None:
            if in_shape:
                c_in = int(in_shape[0])
        elif type(c_in) is not int:
            return None
        return {"type": kind, "nd": nd, "out_channels": c_out, "in_channels": c_in, "kernel": (k,) * nd,
                "stride": (s,) * nd, "dilation": (d,) * nd, "padding": (p,) * nd,
                "bias": has_bias(layer)}
    pool = POOL_TYPES.get(kind)
    if pool is not None:
        mode, nd = pool
        k, s, d, p = get("kernel_size"), get("stride"), get("dilation", 1), get("padding", 0)
        if not (type(k) is int and type(d) is int and type(p) is int and k >= 1 and d >= 1 and p >= 0
                and (s is None or type(s) is int and s >= 1) and (d == 1 or mode != "avg")
                and not get("ceil_mode") and get("count_include_pad") is not False):
            return None
        kernel = (k,) * nd
        return {"type": kind, "mode": mode, "nd": nd, "kernel": kernel,
                "stride": kernel if s is None else (s,) * nd, "padding": (p,) * nd, "dilation": (d,) * nd}
    if kind == "Flatten":
        start, end = get("start_dim", 1), get("end_dim", -1)
        if type(start) is not int or type(end) is not int:
            return None
        # torch's dims count the batch dimension; ours do not (as in the general path)
        return {"type": kind, "start_dim": max(start - 1, 0) if start >= 0 else start,
                "end_dim": max(end - 1, 0) if end >= 0 else end}
    if kind == "Linear":
        n_in, n_out = get("in_features"), get("out_features")
        if type(n_out) is not int:
            return None
        if n_in is None:
            if in_shape:
                n_in = int(in_shape[-1])
        elif type(n_in) is not int:
            return None
        return {"type": kind, "in_features": n_in, "out_features": n_out, "bias": has_bias(layer)}
    return None


def _layer_args_general(layer: dict, in_shape=None, index=None) -> dict:
    """:func:`layer_args` for any layer dict (the reference; raises ShapeError on bad layers)."""
    kind = layer.get("type")
    if kind not in _LAYER_TYPE_SET:
        _fail(index, layer, f"unknown layer type {kind!r}", "type",
              "Supported: " + ", ".join(LAYER_TYPES) + ".")
    args = {"type": kind}
    weight_shape = np.shape(layer["weight"]) if layer.get("weight") is not None else None

    def ints(name, n, default):
        value = layer.get(name, default)
        try:
            out = ntuple(value, n, name)
        except (TypeError, ValueError) as err:
            _fail(index, layer, f"bad {name} {value!r}: {err}", name)
        return out

    def check_match(name, given, derived):
        if given is not None and derived is not None and int(given) != int(derived):
            _fail(index, layer, f"{name}={given} disagrees with {derived} from the weight/input", name)
        return int(given) if given is not None else derived

    if kind == "Linear":
        w_out, w_in = (weight_shape if weight_shape is not None and len(weight_shape) == 2 else (None, None))
        if weight_shape is not None and len(weight_shape) != 2:
            _fail(index, layer, f"Linear weight must be [out, in], got shape {list(weight_shape)}", "weight")
        args["in_features"] = check_match("in_features", layer.get("in_features"), w_in)
        if args["in_features"] is None and in_shape:
            args["in_features"] = int(in_shape[-1])
        args["out_features"] = check_match("out_features", layer.get("out_features"), w_out)
        if args["out_features"] is None:
            _fail(index, layer, "out_features is missing", "out_features")
        args["bias"] = has_bias(layer)
    elif kind in CONV_TYPES:
        nd = args["nd"] = CONV_TYPES[kind]
        if weight_shape is not None and len(weight_shape) != nd + 2:
            _fail(index, layer, f"weight must have {nd + 2} dims [out, in, k...], got {list(weight_shape)}", "weight")
        ws = weight_shape or (None,) * (nd + 2)
        args["out_channels"] = check_match("out_channels", layer.get("out_channels"), ws[0])
        args["in_channels"] = check_match("in_channels", layer.get("in_channels"), ws[1])
        if args["in_channels"] is None and in_shape:
            args["in_channels"] = int(in_shape[0])
        if args["out_channels"] is None:
            _fail(index, layer, "out_channels is missing", "out_channels")
        if "kernel_size" in layer:
            args["kernel"] = ints("kernel_size", nd, None)
            if weight_shape is not None and tuple(weight_shape[2:]) != args["kernel"]:
                _fail(index, layer, f"kernel_size {args['kernel']} disagrees with weight shape "
                      f"{list(weight_shape)}", "kernel_size")
        elif weight_shape is not None:
            args["kernel"] = tuple(int(k) for k in weight_shape[2:])
        else:
            _fail(index, layer, "kernel_size is missing", "kernel_size")
        args["stride"] = ints("stride", nd, 1)
        args["dilation"] = ints("dilation", nd, 1)
        padding = layer.get("padding", 0)
        if padding == "valid":
            padding = 0
        elif padding == "same":
            total = [d * (k - 1) for d, k in zip(args["dilation"], args["kernel"])]
            if any(s != 1 for s in args["stride"]) or any(t % 2 for t in total):
                _fail(index, layer, "padding='same' is supported for stride 1 and odd effective kernels only",
                      "padding")
            padding = tuple(t // 2 for t in total)
        if isinstance(padding, str):
            _fail(index, layer, f"unknown padding {padding!r}", "padding")
        args["padding"] = ntuple(padding, nd, "padding")
        args["bias"] = has_bias(layer)
    elif kind in POOL_TYPES:
        mode, nd = POOL_TYPES[kind]
        args.update(mode=mode, nd=nd)
        if "kernel_size" not in layer:
            _fail(index, layer, "kernel_size is missing", "kernel_size")
        args["kernel"] = ints("kernel_size", nd, None)
        args["stride"] = args["kernel"] if layer.get("stride") is None else ints("stride", nd, None)
        args["padding"] = ints("padding", nd, 0)
        if mode == "avg" and layer.get("dilation", 1) not in (1, [1], (1,), [1, 1], (1, 1)):
            _fail(index, layer, "AvgPool has no dilation argument in torch", "dilation")
        args["dilation"] = ints("dilation", nd, 1)
        if layer.get("ceil_mode") or layer.get("count_include_pad") is False:
            _fail(index, layer, "ceil_mode=True / count_include_pad=False are not supported", "ceil_mode")
    elif kind == "Flatten":
        # torch's dims count the batch dimension; ours do not.
        def unbatched(d):
            return max(int(d) - 1, 0) if int(d) >= 0 else int(d)
        args["start_dim"] = unbatched(layer.get("start_dim", 1))
        args["end_dim"] = unbatched(layer.get("end_dim", -1))
    elif kind == "Softmax":
        dim = -1 if layer.get("dim") is None else int(layer["dim"])
        if dim == 0:
            _fail(index, layer, "dim=0 is the batch dimension", "dim",
                  "As in torch, layer dims count the batch dimension; use dim=-1 (or 1 for classes).")
        args["dim"] = dim - 1 if dim > 0 else dim
    for name in ("kernel", "stride", "dilation"):
        if name in args and min(args[name]) < 1:
            _fail(index, layer, f"{name} must be positive, got {args[name]}", name)
    if "padding" in args and min(args["padding"]) < 0:
        _fail(index, layer, f"padding must be non-negative, got {args['padding']}", "padding")
    return args


def output_shape(layer: dict, in_shape, index=None, args: dict | None = None) -> tuple:
    """Shape after ``layer`` for an unbatched input of shape ``in_shape``.

    Raises ShapeError (naming layer ``index`` when given) on channel / in_features
    mismatch, a kernel larger than the padded input, or pool padding > kernel/2.
    ``args``: ``layer_args(layer, in_shape, index)`` when the caller has it already.
    """
    in_shape = tuple(map(int, in_shape))
    if args is None:
        args = layer_args(layer, in_shape, index)
    return _output_shape(layer, in_shape, index, args)


def _output_shape(layer: dict, in_shape: tuple, index, args: dict) -> tuple:
    """:func:`output_shape` for ``in_shape`` a tuple of ints and ``args`` given."""
    kind = args["type"]
    if kind == "Linear":
        if len(in_shape) < 1 or in_shape[-1] != args["in_features"]:
            _fail(index, layer, f"in_features={args['in_features']} but the input has shape "
                  f"{list(in_shape)} (last dim {in_shape[-1] if in_shape else None})", "in_features",
                  "Linear acts on the last dimension; add a Flatten before it?")
        return in_shape[:-1] + (args["out_features"],)
    conv = kind in CONV_TYPES
    if conv or kind in POOL_TYPES:
        nd = args["nd"]
        if len(in_shape) != nd + 1:
            _fail(index, layer, f"expects an input [C, {nd} spatial dims], got shape {list(in_shape)}")
        if conv and in_shape[0] != args["in_channels"]:
            _fail(index, layer, f"in_channels={args['in_channels']} but the input has {in_shape[0]} channels",
                  "in_channels")
        kernel, stride, padding, dilation = args["kernel"], args["stride"], args["padding"], args["dilation"]
        if not conv:
            for p, k in zip(padding, kernel):
                if 2 * p > k:
                    _fail(index, layer, f"padding {padding} must be at most half of kernel_size {kernel}",
                          "padding")
        sizes = [in_shape[0] if not conv else args["out_channels"]]   # channels, then each spatial size
        for axis in range(nd):
            size, k, s, p, d = in_shape[axis + 1], kernel[axis], stride[axis], padding[axis], dilation[axis]
            effective = d * (k - 1) + 1
            if size + 2 * p < effective:
                _fail(index, layer, f"kernel (effective size {effective}) is larger than the padded "
                      f"input ({size} + 2*{p} = {size + 2 * p}) along spatial axis {axis}", "kernel_size")
            sizes.append((size + 2 * p - effective) // s + 1)     # conv_out_size(size, k, s, p, d), inlined
        return tuple(sizes)
    if kind == "Flatten":
        if not in_shape:
            return (1,)
        n = len(in_shape)
        start, end = args["start_dim"] % n, args["end_dim"] % n
        if start > end:
            _fail(index, layer, "start_dim is after end_dim", "start_dim")
        return in_shape[:start] + (prod(in_shape[start:end + 1]),) + in_shape[end + 1:]
    if kind == "Softmax" and not -len(in_shape) <= args["dim"] < len(in_shape):
        _fail(index, layer, f"dim={args['dim']} is out of range for shape {list(in_shape)}", "dim")
    return in_shape                                    # activations keep the shape


def infer_shapes(input_shape, layers) -> list:
    """``[input_shape, shape after layer 0, ..., output shape]`` as tuples."""
    return infer_shapes_and_args(input_shape, layers)[0]


def infer_shapes_and_args(input_shape, layers) -> tuple[list, list]:
    """:func:`infer_shapes` and the :func:`layer_args` of every layer (along those shapes)."""
    shape = tuple(map(int, input_shape))
    shapes = [shape]
    args_list = []
    for i, layer in enumerate(layers):
        args = layer_args(layer, shape, i)
        args_list.append(args)
        shape = _output_shape(layer, shape, i, args)     # (a tuple of ints again)
        shapes.append(shape)
    return shapes, args_list


def _counts(layer, in_shape, index):
    return layer_param_counts(layer, layer_args(layer, in_shape, index), index)


def layer_param_counts(layer: dict, args: dict, index=None) -> tuple:
    """``(weights, biases)`` of one layer from its ``args = layer_args(layer, in_shape, index)``."""
    if args["type"] == "Linear":
        if args["in_features"] is None:
            _fail(index, layer, "in_features is missing", "in_features",
                  "Give in_features or the input shape.")
        return args["in_features"] * args["out_features"], args["out_features"] if args["bias"] else 0
    if args["type"] in CONV_TYPES:
        if args["in_channels"] is None:
            _fail(index, layer, "in_channels is missing", "in_channels", "Give in_channels or the input shape.")
        weights = args["out_channels"] * args["in_channels"] * prod(args["kernel"])
        return weights, args["out_channels"] if args["bias"] else 0
    return 0, 0


def param_count(layer: dict, in_shape=None) -> int:
    """Trainable parameters of one layer (weights + biases; 0 for pools/activations/Flatten)."""
    return sum(_counts(layer, in_shape, None))


def param_breakdown(layers, input_shape=None) -> list:
    """``[(index, weight_count, bias_count), ...]`` for every layer.

    With ``input_shape`` the stack is shape-checked and missing ``in_features`` /
    ``in_channels`` are taken from the inferred shapes.
    """
    if input_shape is None:
        return [(i, *_counts(layer, None, i)) for i, layer in enumerate(layers)]
    # the inference computes layer_args(layer, shapes[i], i) of every layer already
    args_list = infer_shapes_and_args(input_shape, layers)[1]
    return [(i, *layer_param_counts(layer, args, i)) for i, (layer, args) in enumerate(zip(layers, args_list))]


def total_params(layers, input_shape=None) -> int:
    """Sum of all trainable parameters of the stack (see :func:`param_breakdown`)."""
    return sum(w + b for _, w, b in param_breakdown(layers, input_shape))
