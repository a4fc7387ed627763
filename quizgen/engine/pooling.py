"""Max, average and min pooling in 1-D (``[C, L]``) and 2-D (``[C, H, W]``): forward and backward.

torch semantics: ``stride=None`` means ``stride=kernel_size``; output size
floor((L + 2p - d(k-1) - 1)/s) + 1; padding at most half the kernel.  Max pooling
pads with -inf and its backward routes each output gradient to the first arg-max
of its window in row-major scan order (torch's CPU kernel).  Average pooling pads
with zeros and always divides by kH*kW (``count_include_pad=True``); it has no
dilation in torch, ours accepts one (used only by the receptive-field tests).
Min pooling is not a torch op; it is defined as ``-max_pool(-x)``, so ties go to
the first arg-min.
"""
from __future__ import annotations

import numpy as np

from ._util import as_array, conv_out_size, ntuple, pad_hw, window
from ..errors import ShapeError

__all__ = ["max_pool1d", "max_pool1d_backward", "max_pool2d", "max_pool2d_backward",
           "avg_pool1d", "avg_pool1d_backward", "avg_pool2d", "avg_pool2d_backward",
           "min_pool1d", "min_pool1d_backward", "min_pool2d", "min_pool2d_backward"]


def _setup(x, kernel_size, stride, padding, dilation):
    """Normalise pooling arguments for a ``[C, H, W]`` input; return (k, s, p, d, ho, wo)."""
    k = ntuple(kernel_size, 2, "kernel_size")
    s = k if stride is None else ntuple(stride, 2, "stride")
    p, d = ntuple(padding, 2, "padding"), ntuple(dilation, 2, "dilation")
    if any(2 * pi > ki for pi, ki in zip(p, k)):
        raise ShapeError(f"pooling padding {p} must be at most half of kernel_size {k}",
                         field="padding")
    ho = conv_out_size(x.shape[1], k[0], s[0], p[0], d[0])
    wo = conv_out_size(x.shape[2], k[1], s[1], p[1], d[1])
    if ho < 1 or wo < 1:
        raise ShapeError(f"pooling window {k} is larger than the padded input", field="kernel_size")
    return k, s, p, d, ho, wo


def _pad(x, p, value):
    return pad_hw(x, p, value)


def _windows(xp, k, s, d, i, j):
    """The ``[C, kH*kW]`` window feeding output (i, j), taps in row-major order."""
    win = xp[:, i * s[0]: i * s[0] + d[0] * (k[0] - 1) + 1: d[0],
             j * s[1]: j * s[1] + d[1] * (k[1] - 1) + 1: d[1]]
    return win.reshape(xp.shape[0], -1)


# ---------------------------------------------------------------- max (2-D)

def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    """``[C, H, W]`` -> ``[C, H_out, W_out]``: maximum of each window (-inf padding)."""
    x = as_array(x)
    k, s, p, d, ho, wo = _setup(x, kernel_size, stride, padding, dilation)
    xp = _pad(x, p, -np.inf)
    out = np.empty((x.shape[0], ho, wo))
    for i in range(ho):
        for j in range(wo):
            out[:, i, j] = _windows(xp, k, s, d, i, j).max(axis=1)
    return out


def max_pool2d_backward(x, grad_out, kernel_size, stride=None, padding=0, dilation=1):
    """Gradient w.r.t. x ``[C, H, W]``: each output's gradient goes to its window's first arg-max."""
    x, g = as_array(x), as_array(grad_out)
    k, s, p, d, ho, wo = _setup(x, kernel_size, stride, padding, dilation)
    xp = _pad(x, p, -np.inf)
    grad_xp = np.zeros_like(xp)
    channels = np.arange(x.shape[0])
    for i in range(ho):
        for j in range(wo):
            tap = _windows(xp, k, s, d, i, j).argmax(axis=1)   # first occurrence on ties
            a, b = np.divmod(tap, k[1])
            grad_xp[channels, i * s[0] + a * d[0], j * s[1] + b * d[1]] += g[:, i, j]
    return grad_xp[:, p[0]:p[0] + x.shape[1], p[1]:p[1] + x.shape[2]]


# ---------------------------------------------------------------- average (2-D)

def avg_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    """``[C, H, W]`` -> ``[C, H_out, W_out]``: window sums over kH*kW (zero padding counted)."""
    x = as_array(x)
    k, s, p, d, ho, wo = _setup(x, kernel_size, stride, padding, dilation)
    xp = _pad(x, p, 0.0)
    out = np.zeros((x.shape[0], ho, wo))
    for a in range(k[0]):
        for b in range(k[1]):
            out += xp[:, window(a * d[0], ho, s[0]), window(b * d[1], wo, s[1])]
    return out / (k[0] * k[1])


def avg_pool2d_backward(x, grad_out, kernel_size, stride=None, padding=0, dilation=1):
    """Gradient w.r.t. x ``[C, H, W]``: each output spreads grad/(kH*kW) over its window."""
    x, g = as_array(x), as_array(grad_out)
    k, s, p, d, ho, wo = _setup(x, kernel_size, stride, padding, dilation)
    grad_xp = np.zeros((x.shape[0], x.shape[1] + 2 * p[0], x.shape[2] + 2 * p[1]))
    for a in range(k[0]):
        for b in range(k[1]):
            grad_xp[:, window(a * d[0], ho, s[0]), window(b * d[1], wo, s[1])] += g / (k[0] * k[1])
    return grad_xp[:, p[0]:p[0] + x.shape[1], p[1]:p[1] + x.shape[2]]


# ---------------------------------------------------------------- min (2-D): -max(-x)

def min_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    """``[C, H, W]`` -> ``[C, H_out, W_out]``: minimum of each window, = -max_pool2d(-x)."""
    return -max_pool2d(-as_array(x), kernel_size, stride, padding, dilation)


def min_pool2d_backward(x, grad_out, kernel_size, stride=None, padding=0, dilation=1):
    """Gradient w.r.t. x: routed to each window's first arg-min (the two signs cancel)."""
    return max_pool2d_backward(-as_array(x), grad_out, kernel_size, stride, padding, dilation)


# ---------------------------------------------------------------- 1-D versions
# A ``[C, L]`` input is pooled as a ``[C, 1, L]`` image with a 1 x k window.

def _as_2d(kernel_size, stride, padding, dilation):
    k = (1, ntuple(kernel_size, 1, "kernel_size")[0])
    s = k if stride is None else (1, ntuple(stride, 1, "stride")[0])
    return k, s, (0, ntuple(padding, 1, "padding")[0]), (1, ntuple(dilation, 1, "dilation")[0])


def _pool1d(fn, x, kernel_size, stride, padding, dilation):
    return fn(as_array(x)[:, None, :], *_as_2d(kernel_size, stride, padding, dilation))[:, 0, :]


def _pool1d_backward(fn, x, grad_out, kernel_size, stride, padding, dilation):
    args = _as_2d(kernel_size, stride, padding, dilation)
    return fn(as_array(x)[:, None, :], as_array(grad_out)[:, None, :], *args)[:, 0, :]


def max_pool1d(x, kernel_size, stride=None, padding=0, dilation=1):
    """``[C, L]`` -> ``[C, L_out]``."""
    return _pool1d(max_pool2d, x, kernel_size, stride, padding, dilation)


def max_pool1d_backward(x, grad_out, kernel_size, stride=None, padding=0, dilation=1):
    """Gradient w.r.t. x ``[C, L]``."""
    return _pool1d_backward(max_pool2d_backward, x, grad_out, kernel_size, stride, padding, dilation)


def avg_pool1d(x, kernel_size, stride=None, padding=0, dilation=1):
    """``[C, L]`` -> ``[C, L_out]``."""
    return _pool1d(avg_pool2d, x, kernel_size, stride, padding, dilation)


def avg_pool1d_backward(x, grad_out, kernel_size, stride=None, padding=0, dilation=1):
    """Gradient w.r.t. x ``[C, L]``."""
    return _pool1d_backward(avg_pool2d_backward, x, grad_out, kernel_size, stride, padding, dilation)


def min_pool1d(x, kernel_size, stride=None, padding=0, dilation=1):
    """``[C, L]`` -> ``[C, L_out]``, = -max_pool1d(-x)."""
    return _pool1d(min_pool2d, x, kernel_size, stride, padding, dilation)


def min_pool1d_backward(x, grad_out, kernel_size, stride=None, padding=0, dilation=1):
    """Gradient w.r.t. x ``[C, L]``."""
    return _pool1d_backward(min_pool2d_backward, x, grad_out, kernel_size, stride, padding, dilation)
