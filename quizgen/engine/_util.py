"""Small helpers shared by the engine modules."""
from __future__ import annotations

import numpy as np


def as_array(x) -> np.ndarray:
    """Return ``x`` as a float64 ndarray (copying only when needed)."""
    return np.asarray(x, dtype=np.float64)


def pad_hw(x: np.ndarray, padding: tuple, value: float = 0.0) -> np.ndarray:
    """``x`` ``[C, H, W]`` with ``padding = (pH, pW)`` rows/columns of ``value`` on each side.

    The same array as ``np.pad(x, ((0, 0), (pH, pH), (pW, pW)), constant_values=value)``
    (always a new array), without ``np.pad``'s general machinery, which costs more than
    the copy itself for the tiny tensors of hand-computed questions.
    """
    ph, pw = padding
    c, h, w = x.shape
    out = np.full((c, h + 2 * ph, w + 2 * pw), value, dtype=x.dtype)
    out[:, ph:ph + h, pw:pw + w] = x
    return out


def ntuple(value, n: int, name: str = "argument") -> tuple:
    """Expand an int (or a length-1 sequence) to an ``n``-tuple, as torch does."""
    if type(value) is int:                       # the common case, without the generic path
        return (value,) * n
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return tuple(int(value[0]) for _ in range(n))
        if len(value) != n:
            raise ValueError(f"{name} needs {n} values, got {list(value)}")
        return tuple(int(v) for v in value)
    return tuple(int(value) for _ in range(n))


def conv_out_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """torch's output length: floor((L + 2p - d(k-1) - 1) / s) + 1 (may be < 1)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def window(start: int, count: int, stride: int) -> slice:
    """Slice picking, for ``count`` windows ``stride`` apart, the element at ``start``.

    Window ``o`` begins at ``o*stride``; its kernel tap ``a`` sits at
    ``o*stride + a*dilation``, so call with ``start = a*dilation``.
    """
    return slice(start, start + stride * (count - 1) + 1, stride)
