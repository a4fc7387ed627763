"""Elementwise activations and softmax: forward and backward, any shape.

Each ``*_backward(x, grad_out)`` takes the forward *input* ``x`` and returns the
gradient w.r.t. it (same shape).  ReLU's derivative at 0 is 0, as in torch.
"""
from __future__ import annotations

import numpy as np

from ._util import as_array

__all__ = ["relu", "relu_backward", "sigmoid", "sigmoid_backward", "tanh", "tanh_backward",
           "softmax", "softmax_backward", "log_softmax"]


def relu(x):
    """max(x, 0)."""
    return np.maximum(as_array(x), 0.0)


def relu_backward(x, grad_out):
    """grad_out where x > 0, else 0 (also at x == 0)."""
    return np.where(as_array(x) > 0, as_array(grad_out), 0.0)


def sigmoid(x):
    """1 / (1 + e^-x), computed without overflow for large |x|."""
    x = as_array(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_backward(x, grad_out):
    """grad_out * s(1 - s) with s = sigmoid(x)."""
    s = sigmoid(x)
    return as_array(grad_out) * s * (1.0 - s)


def tanh(x):
    """Hyperbolic tangent."""
    return np.tanh(as_array(x))


def tanh_backward(x, grad_out):
    """grad_out * (1 - tanh(x)^2)."""
    return as_array(grad_out) * (1.0 - np.tanh(as_array(x)) ** 2)


def softmax(x, dim: int = -1):
    """exp(x) / sum exp(x) along ``dim`` (max subtracted first for stability)."""
    x = as_array(x)
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def softmax_backward(x, grad_out, dim: int = -1):
    """Jacobian-vector product: s * (g - sum(g * s)) along ``dim``."""
    s, g = softmax(x, dim), as_array(grad_out)
    return s * (g - (g * s).sum(axis=dim, keepdims=True))


def log_softmax(x, dim: int = -1):
    """log(softmax(x)) = x - max - log(sum exp(x - max)), stable."""
    x = as_array(x)
    shifted = x - x.max(axis=dim, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
