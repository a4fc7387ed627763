"""Receptive fields of conv/pool stacks, computed analytically (no tensors).

Each spatial axis is independent (kernels are full boxes, every channel feeds every
output channel), so we track, per axis, the *set* of positions connected to one
output position and walk back layer by layer: output position o of a layer with
kernel k, stride s, padding p, dilation d reads padded-input positions
o*s - p + a*d (a = 0..k-1); positions that fall in the padding are dropped.
Keeping sets rather than intervals keeps the answer exact with dilation.

Pooling windows count like kernels.  Activations change nothing.  A Linear or
Flatten layer connects every input position, so a stack containing one has the
whole input as its receptive field.
"""
from __future__ import annotations

from .shapes import CONV_TYPES, POOL_TYPES, infer_shapes_and_args, layer_args
from ..errors import ShapeError

__all__ = ["receptive_field", "receptive_field_size", "center_index"]


def center_index(out_shape) -> tuple:
    """The centre-most spatial position of an output ``[C, *spatial]`` (lower middle if even)."""
    return tuple((n - 1) // 2 for n in out_shape[1:])


def _spatial_index(output_index, out_shape):
    """Accept ``i``, ``[i, ...]`` per spatial axis, or ``[c, i, ...]``; return spatial indices."""
    spatial = out_shape[1:]
    idx = [output_index] if isinstance(output_index, int) else list(output_index)
    if len(idx) == len(out_shape) and len(idx) != len(spatial):
        idx = idx[1:]                                  # drop the channel
    if len(idx) != len(spatial):
        raise ShapeError(f"output_index {output_index} does not fit output shape {list(out_shape)}",
                         field="output_index")
    result = []
    for i, n in zip(idx, spatial):
        if not -n <= int(i) < n:
            raise ShapeError(f"output_index {output_index} is outside output shape {list(out_shape)}",
                             field="output_index")
        result.append(int(i) % n)
    return tuple(result)


def receptive_field(input_shape, layers, output_index=None):
    """``(extent, ranges)`` of the input region connected to one output position.

    ``input_shape`` is ``[C, L]`` or ``[C, H, W]``; the output position is
    ``output_index`` (see :func:`_spatial_index`) or the centre-most one.  ``extent``
    is ``[l]`` / ``[h, w]`` (bounding box, padding excluded) and ``ranges`` the
    inclusive ``(first, last)`` input index per axis.  An output that sees only
    padding gives extent 0 and range None on every axis.
    """
    shapes, args_list = infer_shapes_and_args(input_shape, layers)
    in_spatial = shapes[0][1:] if len(shapes[0]) > 1 else shapes[0]
    if any(args["type"] in ("Linear", "Flatten") for args in args_list):
        ranges = [(0, n - 1) for n in in_spatial]      # everything is connected
        return [n for n in in_spatial], ranges
    out_shape = shapes[-1]
    position = center_index(out_shape) if output_index is None else _spatial_index(output_index, out_shape)
    connected = [{o} for o in position]                # one set of positions per axis
    for i in reversed(range(len(layers))):
        args = args_list[i]
        if args["type"] not in CONV_TYPES and args["type"] not in POOL_TYPES:
            continue                                   # elementwise: same positions
        per_axis = zip(shapes[i][1:], args["kernel"], args["stride"], args["padding"], args["dilation"])
        for axis, (size, k, s, p, d) in enumerate(per_axis):
            connected[axis] = {o * s - p + a * d for o in connected[axis] for a in range(k)}
            connected[axis] = {x for x in connected[axis] if 0 <= x < size}
    if not all(connected):                             # the output reads only padding
        return [0] * len(connected), [None] * len(connected)
    ranges = [(min(c), max(c)) for c in connected]
    return [hi - lo + 1 for lo, hi in ranges], ranges


def receptive_field_size(layers) -> list:
    """Classical unclipped size per axis: r = 1 + sum_l (k_l - 1) d_l prod_{i<l} s_i.

    Only conv/pool layers count; raises ShapeError for Linear/Flatten (whose field is
    the whole input).
    """
    size, jump = None, None
    for i, layer in enumerate(layers):
        args = layer_args(layer, None, i)
        if args["type"] in ("Linear", "Flatten"):
            raise ShapeError(f"layer {i} ({args['type']}) connects every input position",
                             field="layers", hint="The receptive field is the whole input.")
        if args["type"] not in CONV_TYPES and args["type"] not in POOL_TYPES:
            continue
        if size is None:
            size, jump = [1] * args["nd"], [1] * args["nd"]
        if len(size) != args["nd"]:
            raise ShapeError(f"layer {i} ({args['type']}) mixes {args['nd']}-D with {len(size)}-D layers")
        for axis in range(len(size)):
            size[axis] += (args["kernel"][axis] - 1) * args["dilation"][axis] * jump[axis]
            jump[axis] *= args["stride"][axis]
    if size is None:
        raise ShapeError("no convolution or pooling layer in the stack", field="layers")
    return size
