"""Run a stack of layer dicts (torch vocabulary, see :mod:`.shapes`) forward and backward.

Tensors are unbatched (``[C, H, W]``, ``[C, L]``, ``[features]``).  Gradients are
keyed like an ``nn.Sequential`` ``state_dict``: ``"0.weight"``, ``"0.bias"``, ...
"""
from __future__ import annotations

import numpy as np

from . import activations as act
from . import layers as L
from . import losses, pooling
from ._util import as_array
from .shapes import CONV_TYPES, POOL_TYPES, has_bias, infer_shapes, layer_args, output_shape
from ..errors import ShapeError

__all__ = ["forward", "backward", "loss_and_grad", "parameters", "with_random_weights", "LOSS_TYPES"]

_POOL_FNS = {("max", 1): pooling.max_pool1d, ("max", 2): pooling.max_pool2d,
             ("avg", 1): pooling.avg_pool1d, ("avg", 2): pooling.avg_pool2d,
             ("min", 1): pooling.min_pool1d, ("min", 2): pooling.min_pool2d}
_POOL_BACKWARD = {key: getattr(pooling, fn.__name__ + "_backward") for key, fn in _POOL_FNS.items()}
_ACTIVATIONS = {"ReLU": (act.relu, act.relu_backward), "Sigmoid": (act.sigmoid, act.sigmoid_backward),
                "Tanh": (act.tanh, act.tanh_backward)}


def parameters(layer: dict, args: dict, index=None):
    """``(weight, bias)`` arrays of a Linear/Conv layer (bias None without one); shapes are checked."""
    if layer.get("weight") is None:
        raise ShapeError(f"layer {index} ({layer['type']}) has no weight values", field="weight",
                         hint="Fill them with with_random_weights() for shape-only stacks.")
    weight = as_array(layer["weight"])
    if args["type"] == "Linear":
        expected = (args["out_features"], args["in_features"])
    else:
        expected = (args["out_channels"], args["in_channels"], *args["kernel"])
    if weight.shape != expected:
        raise ShapeError(f"layer {index} ({layer['type']}): weight has shape {list(weight.shape)}, "
                         f"expected {list(expected)}", field="weight")
    if not has_bias(layer):
        return weight, None
    n_out = expected[0]
    bias = np.zeros(n_out) if layer["bias"] is True else as_array(layer["bias"])
    if bias.shape != (n_out,):
        raise ShapeError(f"layer {index} ({layer['type']}): bias has shape {list(bias.shape)}, "
                         f"expected [{n_out}]", field="bias")
    return weight, bias


def _conv_fns(args, index):
    if args["nd"] == 3:
        raise NotImplementedError(f"layer {index} (Conv3d): only shapes and parameter counts are supported")
    return (L.conv1d_forward, L.conv1d_backward) if args["nd"] == 1 else (L.conv2d_forward, L.conv2d_backward)


def _geometry(args):
    return dict(stride=args["stride"], padding=args["padding"], dilation=args["dilation"])


def forward(layers, x) -> list:
    """Activations ``[x, out_0, ..., out_last]`` of the stack on input ``x``."""
    outs = [as_array(x)]
    for i, layer in enumerate(layers):
        h = outs[-1]
        args = layer_args(layer, h.shape, i)
        output_shape(layer, h.shape, i, args)              # validates the layer against its input
        kind = args["type"]
        if kind == "Linear":
            y = L.linear_forward(h, *parameters(layer, args, i))
        elif kind in CONV_TYPES:
            fwd, _ = _conv_fns(args, i)
            y = fwd(h, *parameters(layer, args, i), **_geometry(args))
        elif kind in POOL_TYPES:
            y = _POOL_FNS[args["mode"], args["nd"]](h, args["kernel"], **_geometry(args))
        elif kind == "Flatten":
            y = L.flatten(h, args["start_dim"], args["end_dim"])
        elif kind == "Softmax":
            y = act.softmax(h, args["dim"])
        else:
            y = _ACTIVATIONS[kind][0](h)
        outs.append(y)
    return outs


def backward(layers, activations, grad_output):
    """Backpropagate ``grad_output`` (d loss / d last activation) through the stack.

    ``activations`` is what :func:`forward` returned.  Returns ``(grad_input, grads)``
    with ``grads`` mapping ``"<index>.weight"`` / ``"<index>.bias"`` to arrays.
    """
    g = as_array(grad_output)
    grads = {}
    for i in reversed(range(len(layers))):
        layer, h = layers[i], activations[i]
        args = layer_args(layer, h.shape, i)
        kind = args["type"]
        if kind in ("Linear", *CONV_TYPES):
            weight, bias = parameters(layer, args, i)
            if kind == "Linear":
                g, gw, gb = L.linear_backward(h, weight, bias, g)
            else:
                g, gw, gb = _conv_fns(args, i)[1](h, weight, bias, g, **_geometry(args))
            grads[f"{i}.weight"] = gw
            if gb is not None:
                grads[f"{i}.bias"] = gb
        elif kind in POOL_TYPES:
            g = _POOL_BACKWARD[args["mode"], args["nd"]](h, g, args["kernel"], **_geometry(args))
        elif kind == "Flatten":
            g = L.flatten_backward(h, g)
        elif kind == "Softmax":
            g = act.softmax_backward(h, g, args["dim"])
        else:
            g = _ACTIVATIONS[kind][1](h, g)
    order = sorted(grads, key=lambda key: (int(key.split(".")[0]), key.endswith(".bias")))
    return g, {key: grads[key] for key in order}         # state_dict order


LOSS_TYPES = {
    "MSELoss": (lambda out, t, r: losses.mse_loss(out, t, r), "mean"),
    "CrossEntropyLoss": (lambda out, t, r: losses.cross_entropy(out, t, r), "mean"),
    "BCELoss": (lambda out, t, r: losses.bce_loss(out, t, r), "mean"),
    "NLLLoss": (lambda out, t, r: losses.nll_loss(out, t, r), "mean"),
    "SimpleLoss": (lambda out, t, r: losses.simple_loss(t, out, r), "none"),
    "CrossEntropyFromProbs": (lambda out, t, r: losses.cross_entropy_from_probs(out, t, r), "sum"),
}


def loss_and_grad(loss_spec: dict, output):
    """``(value, d value / d output)`` for a loss spec.

    ``{"type": <one of LOSS_TYPES>, "target": ..., "reduction": ...}`` (reduction
    defaults as torch: 'mean'; 'none' for SimpleLoss, 'sum' for CrossEntropyFromProbs),
    or ``{"type": "upstream", "grad": array}`` which gives ``(None, grad)``.
    """
    kind = loss_spec.get("type")
    if kind == "upstream":
        grad = as_array(loss_spec["grad"])
        if grad.shape != np.shape(output):
            raise ShapeError(f"upstream grad has shape {list(grad.shape)}, output has "
                             f"{list(np.shape(output))}", field="loss.grad")
        return None, grad
    if kind not in LOSS_TYPES:
        raise ValueError(f"unknown loss type {kind!r}; expected one of {sorted(LOSS_TYPES)} or 'upstream'")
    fn, default = LOSS_TYPES[kind]
    return fn(output, loss_spec["target"], loss_spec.get("reduction") or default)


def with_random_weights(layers, input_shape, seed=0, low=-1.0, high=1.0) -> list:
    """Copies of ``layers`` with uniform random ``weight``/``bias`` lists for Linear/Conv layers.

    Missing ``in_features``/``in_channels`` are filled from the inferred shapes.
    ``bias`` follows the constructor flag (absent = True).
    """
    rng = np.random.default_rng(seed)
    shapes = infer_shapes(input_shape, layers)
    filled = []
    for i, layer in enumerate(layers):
        layer = dict(layer)
        filled.append(layer)
        args = layer_args(layer, shapes[i], i)
        if args["type"] not in ("Linear", *CONV_TYPES) or layer.get("weight") is not None:
            continue
        if args["type"] == "Linear":
            layer["in_features"] = args["in_features"]
            wshape = (args["out_features"], args["in_features"])
        else:
            layer["in_channels"] = args["in_channels"]
            wshape = (args["out_channels"], args["in_channels"], *args["kernel"])
        layer["weight"] = rng.uniform(low, high, wshape).tolist()
        layer["bias"] = rng.uniform(low, high, wshape[0]).tolist() if args["bias"] else False
    return filled
