"""Parametric layers (Linear, Conv1d, Conv2d) and Flatten: forward and backward.

Tensors are unbatched: Conv2d input ``[C, H, W]``, Conv1d ``[C, L]``; Linear takes
``[..., in]`` (so ``[in]`` or ``[N, in]``).  Weight layouts are torch's.  Each
``*_backward`` receives the forward inputs and ``grad_out`` (same shape as the
forward output) and returns ``(grad_x, grad_w, grad_b)``; ``grad_b`` is None when
there is no bias.

Pooling, activations, losses and SGD live in sibling modules and are re-exported
here so ``from quizgen.engine.layers import ...`` finds every op.
"""
from __future__ import annotations

import numpy as np

from ._util import as_array, conv_out_size, ntuple, pad_hw, window
from ..errors import ShapeError


# ---------------------------------------------------------------- Linear

def linear_forward(x, weight, bias=None):
    """y = x W^T + b.  x ``[..., in]``, weight ``[out, in]``, bias ``[out]`` -> ``[..., out]``."""
    x, weight = as_array(x), as_array(weight)
    if x.shape[-1] != weight.shape[1]:
        raise ShapeError(f"Linear expects {weight.shape[1]} input features, got {x.shape[-1]}",
                         field="in_features")
    y = x @ weight.T
    if bias is not None:
        y = y + as_array(bias)
    return y


def linear_backward(x, weight, bias, grad_out):
    """Gradients of Linear: grad_x ``[..., in]``, grad_w ``[out, in]``, grad_b ``[out]``."""
    x, weight, g = as_array(x), as_array(weight), as_array(grad_out)
    grad_x = g @ weight
    g2 = g.reshape(-1, weight.shape[0])            # every leading index is a "sample"
    x2 = x.reshape(-1, weight.shape[1])
    grad_w = g2.T @ x2
    grad_b = g2.sum(axis=0) if bias is not None else None
    return grad_x, grad_w, grad_b


# ---------------------------------------------------------------- Conv2d

def _conv_setup(x, weight, stride, padding, dilation):
    s, p, d = ntuple(stride, 2, "stride"), ntuple(padding, 2, "padding"), ntuple(dilation, 2, "dilation")
    c_in, h, w = x.shape
    c_out, wc_in, kh, kw = weight.shape
    if wc_in != c_in:
        raise ShapeError(f"Conv expects {wc_in} input channels, got {c_in}", field="in_channels")
    ho = conv_out_size(h, kh, s[0], p[0], d[0])
    wo = conv_out_size(w, kw, s[1], p[1], d[1])
    if ho < 1 or wo < 1:
        raise ShapeError(f"kernel {kh}x{kw} (dilation {d}) is larger than the padded input "
                         f"{h + 2 * p[0]}x{w + 2 * p[1]}", field="kernel_size")
    return s, p, d, ho, wo


def conv2d_forward(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """Cross-correlation as torch.  x ``[C_in, H, W]``, weight ``[C_out, C_in, kH, kW]``
    -> ``[C_out, H_out, W_out]`` with H_out = floor((H + 2p - d(k-1) - 1)/s) + 1."""
    x, weight = as_array(x), as_array(weight)
    s, p, d, ho, wo = _conv_setup(x, weight, stride, padding, dilation)
    xp = pad_hw(x, p)
    out = np.zeros((weight.shape[0], ho, wo))
    for a in range(weight.shape[2]):               # one kernel tap at a time,
        for b in range(weight.shape[3]):           # all output positions at once
            patch = xp[:, window(a * d[0], ho, s[0]), window(b * d[1], wo, s[1])]
            out += np.einsum("oc,chw->ohw", weight[:, :, a, b], patch)
    if bias is not None:
        out += as_array(bias)[:, None, None]
    return out


def conv2d_backward(x, weight, bias, grad_out, stride=1, padding=0, dilation=1):
    """Gradients of Conv2d: grad_x ``[C_in, H, W]``, grad_w like weight, grad_b ``[C_out]``."""
    x, weight, g = as_array(x), as_array(weight), as_array(grad_out)
    s, p, d, ho, wo = _conv_setup(x, weight, stride, padding, dilation)
    xp = pad_hw(x, p)
    grad_xp = np.zeros_like(xp)
    grad_w = np.zeros_like(weight)
    for a in range(weight.shape[2]):
        for b in range(weight.shape[3]):
            rows, cols = window(a * d[0], ho, s[0]), window(b * d[1], wo, s[1])
            grad_w[:, :, a, b] = np.einsum("ohw,chw->oc", g, xp[:, rows, cols])
            grad_xp[:, rows, cols] += np.einsum("oc,ohw->chw", weight[:, :, a, b], g)
    grad_x = grad_xp[:, p[0]:p[0] + x.shape[1], p[1]:p[1] + x.shape[2]]
    grad_b = g.sum(axis=(1, 2)) if bias is not None else None
    return grad_x, grad_w, grad_b


# ---------------------------------------------------------------- Conv1d
# A 1-D convolution is a 2-D one over an input of height 1 with a 1-tall kernel.

def _as_2d(stride, padding, dilation):
    return ((1, ntuple(stride, 1)[0]), (0, ntuple(padding, 1)[0]), (1, ntuple(dilation, 1)[0]))


def conv1d_forward(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """x ``[C_in, L]``, weight ``[C_out, C_in, k]`` -> ``[C_out, L_out]``."""
    x, weight = as_array(x), as_array(weight)
    out = conv2d_forward(x[:, None, :], weight[:, :, None, :], bias, *_as_2d(stride, padding, dilation))
    return out[:, 0, :]


def conv1d_backward(x, weight, bias, grad_out, stride=1, padding=0, dilation=1):
    """Gradients of Conv1d: grad_x ``[C_in, L]``, grad_w ``[C_out, C_in, k]``, grad_b ``[C_out]``."""
    x, weight, g = as_array(x), as_array(weight), as_array(grad_out)
    gx, gw, gb = conv2d_backward(x[:, None, :], weight[:, :, None, :], bias, g[:, None, :],
                                 *_as_2d(stride, padding, dilation))
    return gx[:, 0, :], gw[:, :, 0, :], gb


# ---------------------------------------------------------------- Flatten

def flatten(x, start_dim: int = 0, end_dim: int = -1):
    """Merge dims ``start_dim..end_dim`` of an unbatched tensor (default: all -> ``[numel]``)."""
    x = as_array(x)
    if x.ndim == 0:
        return x.reshape(1)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:start] + (-1,) + x.shape[end + 1:])


def flatten_backward(x, grad_out):
    """Gradient of flatten: ``grad_out`` reshaped back to ``x``'s shape."""
    return as_array(grad_out).reshape(np.shape(x))


from .pooling import *      # noqa: E402,F401,F403  (re-exports, see module docstring)
from .activations import *  # noqa: E402,F401,F403
from .losses import *       # noqa: E402,F401,F403
from .optim import *        # noqa: E402,F401,F403
