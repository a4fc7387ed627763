"""Loss functions: each returns ``(value, grad)`` with grad = d value / d input.

``reduction`` follows torch: 'mean' (torch default), 'sum' or 'none'.  With
'none' the value is the array of per-element (per-row) losses and ``grad`` is the
gradient of their *sum*, i.e. what ``loss.backward(torch.ones_like(loss))`` gives.

Batched inputs are ``[N, C]`` (classification) or any shape (MSE/BCE); an
unbatched ``[C]`` is one sample.  Logarithms are natural.
"""
from __future__ import annotations

import numpy as np

from ._util import as_array
from .activations import log_softmax, softmax

__all__ = ["cross_entropy", "cross_entropy_from_probs", "nll_loss", "bce_loss", "mse_loss",
           "simple_loss", "REDUCTIONS"]

REDUCTIONS = ("mean", "sum", "none")
_BCE_EPS = float(np.float32(1e-12))     # torch's BCE backward guard is the float32 value of 1e-12


def _reduce(losses, grad, reduction, count):
    """Apply ``reduction`` to per-sample ``losses``; scale ``grad`` (of the sum) to match."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if reduction == "none":
        return losses, grad
    if reduction == "sum":
        return float(np.sum(losses)), grad
    return float(np.sum(losses)) / count, grad / count


def _class_targets(target, scores):
    """Integer class indices for ``scores`` ``[C]`` or ``[N, C]`` as a one-hot matrix of its shape."""
    idx = np.asarray(target)
    if idx.shape != scores.shape[:-1]:
        raise ValueError(f"class-index target of shape {idx.shape} does not fit input {scores.shape}")
    if np.any(idx != np.round(idx)) or np.any(idx < 0) or np.any(idx >= scores.shape[-1]):
        raise ValueError(f"class indices must be integers in [0, {scores.shape[-1]}), got {idx.tolist()}")
    return np.eye(scores.shape[-1])[idx.astype(int)]


def _distribution(target, scores):
    """Target as a ``scores``-shaped distribution: itself if same shape, else one-hot of indices."""
    t = as_array(target)
    return t if t.shape == scores.shape else _class_targets(target, scores)


def cross_entropy(logits, target, reduction: str = "mean"):
    """torch CrossEntropyLoss: -sum_c y_c log softmax(z)_c per row.

    logits ``[C]`` or ``[N, C]``; target class indices (``()`` / ``[N]``) or class
    probabilities of the logits' shape (decided by shape).  'mean' divides by N.
    grad = (softmax(z) * sum_c y_c - y) per row.
    """
    z = as_array(logits)
    y = _distribution(target, z)
    losses = -(y * log_softmax(z)).sum(axis=-1)
    grad = softmax(z) * y.sum(axis=-1, keepdims=True) - y
    return _reduce(losses, grad, reduction, losses.size)


def cross_entropy_from_probs(probs, target, reduction: str = "sum"):
    """The notes' H = -sum_c y_c log q_c on predicted probabilities q (no softmax).

    probs ``[C]`` or ``[N, C]``; target one-hot / distribution of the same shape, or
    class indices.  Terms with y_c = 0 count 0 even when q_c = 0.  Default 'sum'
    (over rows); 'mean' averages over rows.  grad = -y / q (0 where y = 0).
    """
    q = as_array(probs)
    y = _distribution(target, q)
    used = y != 0
    safe_q = np.where(used, q, 1.0)
    losses = -(np.where(used, y * np.log(safe_q), 0.0)).sum(axis=-1)
    grad = np.where(used, -y / safe_q, 0.0)
    return _reduce(losses, grad, reduction, losses.size)


def nll_loss(log_probs, target, reduction: str = "mean"):
    """torch NLLLoss: -log_probs[target] per row; log_probs ``[C]`` or ``[N, C]``, target indices."""
    lp = as_array(log_probs)
    onehot = _class_targets(target, lp)
    losses = -(onehot * lp).sum(axis=-1)
    return _reduce(losses, -onehot, reduction, losses.size)


def bce_loss(probs, target, reduction: str = "mean"):
    """torch BCELoss: -(y log p + (1-y) log(1-p)), each log clamped at -100; any shape.

    'mean' averages over all elements.  grad = (p - y) / max(p(1-p), 1e-12) as torch;
    log(1-p) is computed as log1p(-p), also as torch.
    """
    p, y = as_array(probs), as_array(target)
    if p.shape != y.shape:
        raise ValueError(f"BCELoss target shape {y.shape} differs from input shape {p.shape}")
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError("BCELoss inputs must be probabilities in [0, 1]")
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100.0)
        log_1mp = np.maximum(np.log1p(-p), -100.0)
    losses = -(y * log_p + (1.0 - y) * log_1mp)
    grad = (p - y) / np.maximum(p * (1.0 - p), _BCE_EPS)
    return _reduce(losses, grad, reduction, losses.size)


def mse_loss(pred, target, reduction: str = "mean"):
    """torch MSELoss: (pred - target)^2 elementwise; 'mean' over all elements; grad 2(pred - target)."""
    p, y = as_array(pred), as_array(target)
    if p.shape != y.shape:
        raise ValueError(f"MSELoss target shape {y.shape} differs from input shape {p.shape}")
    return _reduce((p - y) ** 2, 2.0 * (p - y), reduction, p.size)


def simple_loss(target, pred, reduction: str = "none"):
    """The notes' error signal target - pred (e.g. 1 - 0.8 = 0.2), elementwise by default.

    Note the argument order (target first).  grad w.r.t. pred is -1 everywhere.
    """
    p = as_array(pred)
    diff = np.broadcast_to(as_array(target), p.shape) - p
    return _reduce(diff, -np.ones_like(diff), reduction, diff.size)
