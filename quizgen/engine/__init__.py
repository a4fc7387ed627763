"""NumPy reference engine with PyTorch semantics (unbatched tensors, float64).

Modules: ``layers`` (Linear/Conv/Flatten, re-exporting ``pooling``, ``activations``,
``losses``, ``optim``), ``network`` (layer-dict stacks), ``shapes`` (shape inference,
parameter counts), ``receptive`` (receptive fields), ``expression`` (scalar graphs).
"""
