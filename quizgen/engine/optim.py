"""Plain SGD with optional momentum, with torch.optim.SGD semantics."""
from __future__ import annotations

import numpy as np

__all__ = ["sgd"]


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def sgd(grad_fn, params: dict, lr: float, steps: int, momentum: float = 0.0) -> list:
    """Run ``steps`` SGD steps; return the trajectory ``[params_0, ..., params_steps]``.

    ``params`` maps names to floats or arrays; ``grad_fn(params) -> dict`` of the
    same keys.  As torch (no dampening, no Nesterov, no weight decay): the buffer is
    b = g on the first step and b = momentum*b + g afterwards; then p = p - lr*b.
    Plain SGD is momentum = 0.
    """
    current = {name: (np.array(v, dtype=np.float64) if isinstance(v, (list, np.ndarray)) else float(v))
               for name, v in params.items()}
    trajectory = [{name: _copy(v) for name, v in current.items()}]
    buffers: dict = {}
    for _ in range(steps):
        grads = grad_fn({name: _copy(v) for name, v in current.items()})
        for name in current:
            g = grads[name]
            if momentum:
                buffers[name] = g if name not in buffers else momentum * buffers[name] + g
                g = buffers[name]
            updated = current[name] - lr * np.asarray(g, dtype=np.float64)
            current[name] = float(updated) if isinstance(current[name], float) else updated
        trajectory.append({name: _copy(v) for name, v in current.items()})
    return trajectory
