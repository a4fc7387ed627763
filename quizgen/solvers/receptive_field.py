"""Receptive fields of small conv/pool stacks.

``rf.size``       answer: the extent ([h, w], or [l] in 1-D) of the receptive field of an
                  interior output position (check kind ``receptive_field``).
``rf.influence``  answer: yes/no (choice, no check) - can changing one given input pixel
                  change one given output position?  The solution walks the window ranges
                  back layer by layer; pixels outside the receptive field are not connected.

Params: ``input_shape`` and ``layers`` (torch vocabulary, square windows); for
``rf.influence`` also ``out_pos`` and ``pixel`` (0-based [row, col]).
"""
from __future__ import annotations

from operator import gt

from ..engine.receptive import center_index, receptive_field, receptive_field_size
from ..engine.shapes import CONV_TYPES, POOL_TYPES, infer_shapes_and_args, layer_args
from . import Redraw, Solution, register
from .stacks import layer_code, layers_code, pick, sequential_code, shapes_and_args_or_redraw


def _conv(dims, c_in, c_out, k, s=1, p=0) -> dict:
    layer = {"type": f"Conv{dims}d", "in_channels": c_in, "out_channels": c_out, "kernel_size": k}
    if s != 1:
        layer["stride"] = s
    if p:
        layer["padding"] = p
    return layer


def _pool(dims, k, s=None, kind="Max") -> dict:
    layer = {"type": f"{kind}Pool{dims}d", "kernel_size": k}
    if s is not None and s != k:
        layer["stride"] = s
    return layer


def _geometry(layers, args_list=None, code=True):
    """Per conv/pool layer: (index, code, kernel, stride, padding) along the first spatial axis.

    ``args_list``: the ``layer_args`` of the layers (default: computed without input shape);
    ``code=False`` leaves the layer's code out.
    """
    out = []
    if args_list is None:
        args_list = [layer_args(layer, None, i) for i, layer in enumerate(layers)]
    for i, layer in enumerate(layers):
        args = args_list[i]
        if args["type"] in CONV_TYPES or args["type"] in POOL_TYPES:
            g = {"index": i, "code": layer_code(layer) if code else None, "k": args["kernel"][0],
                 "s": args["stride"][0], "p": args["padding"][0], "pool": args["type"] in POOL_TYPES}
            out.append(g)
    return out


def _field(input_shape, layers, shapes, args_list, output_index=None):
    """``receptive_field(input_shape, layers, output_index)`` given the stack's inferred shapes and args.

    The engine tracks sets of positions (exact with dilation).  Without dilation and with no
    stride larger than its window, the positions a contiguous range reads form a contiguous
    range again, so two ends per axis suffice; every other stack goes to the engine.
    tests/test_family_receptive_field.py compares the two.
    """
    windows = []   # (input spatial sizes, kernel, stride, padding) of each conv/pool layer
    for i, args in enumerate(args_list):
        kind = args["type"]
        if kind in CONV_TYPES or kind in POOL_TYPES:
            kernel, stride = args["kernel"], args["stride"]
            if max(args["dilation"]) > 1 or any(map(gt, stride, kernel)):     # (dilations are >= 1)
                return receptive_field(input_shape, layers, output_index)
            windows.append((shapes[i][1:], kernel, stride, args["padding"]))
        elif kind in ("Linear", "Flatten"):
            return receptive_field(input_shape, layers, output_index)
    out_spatial = shapes[-1][1:]
    if output_index is None:
        position = center_index(shapes[-1])
    elif (isinstance(output_index, (list, tuple)) and len(output_index) == len(out_spatial)
          and all(type(i) is int and 0 <= i < n for i, n in zip(output_index, out_spatial))):
        position = output_index
    else:
        return receptive_field(input_shape, layers, output_index)
    ranges = []
    windows.reverse()
    for axis, o in enumerate(position):
        lo = hi = o
        for sizes, kernel, stride, padding in windows:
            s, p = stride[axis], padding[axis]
            lo, hi = max(lo * s - p, 0), min(hi * s - p + kernel[axis] - 1, sizes[axis] - 1)
            if lo > hi:
                return [0] * len(position), [None] * len(position)   # the output reads only padding
        ranges.append((lo, hi))
    return [hi - lo + 1 for lo, hi in ranges], ranges


def _field_size(layers, args_list):
    """``receptive_field_size(layers)`` from the layers' args (the engine for any unusual stack)."""
    size = jump = None
    for args in args_list:
        kind = args["type"]
        if kind in ("Linear", "Flatten"):
            return receptive_field_size(layers)          # raises
        if kind not in CONV_TYPES and kind not in POOL_TYPES:
            continue
        if size is None:
            size, jump = [1] * args["nd"], [1] * args["nd"]
        elif len(size) != args["nd"]:
            return receptive_field_size(layers)          # raises
        for axis in range(len(size)):
            size[axis] += (args["kernel"][axis] - 1) * args["dilation"][axis] * jump[axis]
            jump[axis] *= args["stride"][axis]
    return receptive_field_size(layers) if size is None else size


# ------------------------------------------------------------------ rf.size

def sample_size(rng, level, p):
    dims = 1 if rng.random() < 0.25 else 2
    c = pick(rng, [1, 3])
    widths = [8, 16, 32]
    layers = []
    if level == 1:
        ch = c
        for _ in range(int(rng.integers(2, 4))):
            k = pick(rng, [3, 3, 5] if dims == 2 else [3, 5, 7])
            out = pick(rng, widths)
            layers.append(_conv(dims, ch, out, k, 1, pick(rng, [0, k // 2])))
            ch = out
    elif level == 2:
        k1, k2 = pick(rng, [3, 5]), pick(rng, [3, 5])
        c1, c2 = pick(rng, widths), pick(rng, widths)
        pk = pick(rng, [2, 2, 3])
        layers = [_conv(dims, c, c1, k1, 1, pick(rng, [0, k1 // 2])), {"type": "ReLU"},
                  _pool(dims, pk, kind=pick(rng, ["Max", "Max", "Avg"])),
                  _conv(dims, c1, c2, k2, 1, pick(rng, [0, k2 // 2]))]
    else:
        ch = c
        n_layers = int(rng.integers(3, 5))
        for i in range(n_layers):
            if i > 0 and rng.random() < 0.35:
                pk = pick(rng, [2, 3])
                layers.append(_pool(dims, pk, pick(rng, [pk, 2])))
            else:
                k = pick(rng, [3, 5])
                out = pick(rng, widths)
                layers.append(_conv(dims, ch, out, k, pick(rng, [1, 2]), pick(rng, [0, k // 2])))
                ch = out
        if not any(g["s"] > 1 for g in _geometry(layers, code=False)[:-1]):
            raise Redraw("level 3 needs a stride before the last layer")
    size = 64 if dims == 2 else 96
    return {**p, "dims": dims, "input_shape": [c] + [size] * dims, "layers": layers}


def _jumps(geo):
    """Stride products before each layer (the spacing, in input pixels, of that layer's inputs)."""
    jumps, j = [], 1
    for g in geo:
        jumps.append(j)
        j *= g["s"]
    return jumps


def _wrong_sizes(geo) -> dict:
    jumps = _jumps(geo)
    after = jumps[1:] + [jumps[-1] * geo[-1]["s"]]
    return {
        "no-minus-one": sum(g["k"] * j for g, j in zip(geo, jumps)),
        "ignored-strides": 1 + sum(g["k"] - 1 for g in geo),
        "wrong-strides": 1 + sum((g["k"] - 1) * j for g, j in zip(geo, after)),
        "ignored-pooling": 1 + sum((g["k"] - 1) * j for g, j in zip(geo, jumps) if not g["pool"]),
        "last-layer-only": geo[-1]["k"],
    }


def solve_size(p: dict) -> Solution:
    input_shape, layers = p["input_shape"], p["layers"]
    shapes, args_list = shapes_and_args_or_redraw(input_shape, layers)
    if any(n < 2 for n in shapes[-1][1:]):
        raise Redraw("output too small")
    extent, _ = _field(input_shape, layers, shapes, args_list)
    size = _field_size(layers, args_list)
    if list(extent) != list(size):
        raise Redraw("the centre output's receptive field is clipped by the border")
    geo = _geometry(layers, args_list)
    jumps = _jumps(geo)
    rows, r = [], 1
    for g, j in zip(geo, jumps):
        new = r + (g["k"] - 1) * j
        rows.append({**g, "jump": j, "before": r, "after": new,
                     "formula": f"{r} + ({g['k']} - 1)\\cdot {j} = {new}"})
        r = new
    dims = p["dims"]
    mis = {k: [v] * dims for k, v in _wrong_sizes(geo).items()}
    code = layers_code(layers)
    n = 2 if dims == 2 else 1
    snippet = ("import torch\nimport torch.nn as nn\n\n"
               f"net = {sequential_code(layers, code)}\n"
               "for m in net.modules():  # positive weights and biases: no ReLU or sum cancels a path\n"
               f"    if isinstance(m, nn.Conv{n}d):\n"
               "        nn.init.uniform_(m.weight, 0.1, 1.0)\n"
               "        if m.bias is not None:\n"
               "            nn.init.uniform_(m.bias, 0.1, 1.0)\n"
               "for m in net.modules():  # max pooling routes to one position: average to count them all\n"
               f"    if isinstance(m, nn.MaxPool{n}d):\n"
               f"        m.forward = lambda x, m=m: nn.functional.avg_pool{n}d(x, m.kernel_size, m.stride, m.padding)\n"
               f"x = torch.rand(1, {', '.join(map(str, p['input_shape']))}, requires_grad=True)\n"
               "y = net(x)\n"
               + ("y[0, 0, y.shape[2] // 2, y.shape[3] // 2].backward()  # an output in the middle\n"
                  "rows, cols = torch.nonzero(x.grad[0].abs().sum(0)).T\n"
                  "print(int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1))"
                  if dims == 2 else
                  "y[0, 0, y.shape[2] // 2].backward()  # an output in the middle\n"
                  "(pos,) = torch.nonzero(x.grad[0].abs().sum(0)).T\n"
                  "print(int(pos.max() - pos.min() + 1))"))
    return Solution(answer=[int(v) for v in extent],
                    context={"code": code, "rows": rows, "r": r, "in_size": p["input_shape"][1]},
                    misconceptions=mis,
                    check={"kind": "receptive_field", "input_shape": p["input_shape"], "layers": p["layers"]},
                    pytorch=snippet)


# ------------------------------------------------------------------ rf.influence

def _sample_influence(rng, level, p):
    """:func:`sample_influence` and the stack's inferred shapes and layer args."""
    n = int(rng.integers(7, 11))
    if level == 1:
        layers = [_conv(2, 1, 4, 3, 1, pick(rng, [0, 1])), {"type": "ReLU"},
                  _conv(2, 4, 1, pick(rng, [3, 3, 5]) if n >= 9 else 3, 1, pick(rng, [0, 1]))]
    else:
        first = _conv(2, 1, 4, 3, 1, pick(rng, [0, 1]))
        middle = pick(rng, ["pool", "stride"])
        if middle == "pool":
            layers = [first, {"type": "ReLU"}, _pool(2, 2), _conv(2, 4, 1, 3, 1, pick(rng, [0, 1]))]
        else:
            layers = [first, {"type": "ReLU"}, _conv(2, 4, 4, 3, 2, pick(rng, [0, 1])), {"type": "ReLU"},
                      _conv(2, 4, 1, pick(rng, [1, 3]), 1, 0)]
    shapes, args_list = shapes_and_args_or_redraw([1, n, n], layers)
    ho, wo = shapes[-1][1:]
    if ho < 2:
        raise Redraw("output too small")
    out_pos = [int(rng.integers(ho)), int(rng.integers(wo))]
    return {**p, "input_shape": [1, n, n], "layers": layers, "out_pos": out_pos, "_n": n}, shapes, args_list


def sample_influence(rng, level, p):
    """A stack and an output position (no pixel yet); see :func:`_sample_influence_with_pixel`."""
    return _sample_influence(rng, level, p)[0]


def walk_back(geo, sizes, pos, mistake=None):
    """Inclusive (first, last) input index of one output position along one axis, per layer.

    ``sizes`` are the axis lengths of each conv/pool layer's input.  A ``mistake`` changes
    the rule: ignored-strides (s=1), ignored-padding (p=0), ignored-pooling (window 1).
    """
    lo = hi = pos
    steps = []
    for g, size in zip(reversed(geo), reversed(sizes)):
        k, s, pad = g["k"], g["s"], g["p"]
        if mistake == "ignored-strides":
            s = 1
        if mistake == "ignored-padding":
            pad = 0
        if mistake == "ignored-pooling" and g["pool"]:
            k = 1
        lo, hi = max(lo * s - pad, 0), min(hi * s - pad + k - 1, size - 1)
        steps.append((g, lo, hi))
        if lo > hi:
            break
    return lo, hi, steps


def _inside(rng_r, rng_c, pixel) -> bool:
    return rng_r[0] <= pixel[0] <= rng_r[1] and rng_c[0] <= pixel[1] <= rng_c[1]


OPTIONS = [{"en": "Yes", "ko": "예"}, {"en": "No", "ko": "아니요"}]


def solve_influence(p: dict) -> Solution:
    layers, shape, out_pos = p["layers"], p["input_shape"], p["out_pos"]
    shapes, args_list = infer_shapes_and_args(shape, layers)
    geo = _geometry(layers, args_list)
    sizes = [shapes[g["index"]][1] for g in geo]
    extent, ranges = _field(shape, layers, shapes, args_list, out_pos)
    if 0 in extent:
        raise Redraw("the output sees only padding")
    pixel = p.get("pixel")
    if pixel is None:
        raise Redraw("no pixel drawn")
    truth = _inside(ranges[0], ranges[1], pixel)
    answer = 0 if truth else 1
    mis = {}
    for m in ("ignored-strides", "ignored-padding", "ignored-pooling"):
        r = walk_back(geo, sizes, out_pos[0], m)
        c = walk_back(geo, sizes, out_pos[1], m)
        if r[0] <= r[1] and c[0] <= c[1] and _inside(r[:2], c[:2], pixel) != truth:
            mis[m] = 1 - answer
    if not truth:
        mis["every-pixel-counts"] = 0
    last = geo[-1]   # only the last layer's window, laid directly on the image
    lo_r, lo_c = out_pos[0] - last["p"], out_pos[1] - last["p"]
    if _inside((lo_r, lo_r + last["k"] - 1), (lo_c, lo_c + last["k"] - 1), pixel) != truth:
        mis["last-layer-only"] = 1 - answer
    if not mis:
        raise Redraw("no typical mistake leads to the other answer")
    # the worked walk-back (both axes together)
    r_steps = walk_back(geo, sizes, out_pos[0])[2]
    c_steps = walk_back(geo, sizes, out_pos[1])[2]
    steps = []
    for (g, rlo, rhi), (_, clo, chi) in zip(r_steps, c_steps):
        steps.append({"index": g["index"], "code": g["code"], "k": g["k"], "s": g["s"], "p": g["p"],
                      "rows": f"{rlo + 1}–{rhi + 1}", "cols": f"{clo + 1}–{chi + 1}"})
    assert (r_steps[-1][1], r_steps[-1][2]) == tuple(ranges[0])
    code = layers_code(layers)
    ctx = {"code": code, "n": shape[1],
           "oi": out_pos[0] + 1, "oj": out_pos[1] + 1, "pr": pixel[0] + 1, "pc": pixel[1] + 1,
           "out_h": shapes[-1][1], "out_w": shapes[-1][2], "steps": steps,
           "rows": f"{ranges[0][0] + 1}–{ranges[0][1] + 1}", "cols": f"{ranges[1][0] + 1}–{ranges[1][1] + 1}",
           "extent": extent, "inside": truth}
    return Solution(answer=answer, context=ctx, misconceptions=mis, options=OPTIONS, check=None,
                    pytorch=_influence_snippet(layers, shape, out_pos, pixel, code))


def _influence_snippet(layers, shape, out_pos, pixel, code=None) -> str:
    """Backprop from the one output: the pixel can change it iff its gradient can be non-zero.

    ``code``: :func:`layers_code` of ``layers`` when the caller has it."""
    dims = ", ".join(str(v) for v in shape)
    return ("import torch\nimport torch.nn as nn\n\n"
            f"net = {sequential_code(layers, code)}\n"
            "for m in net.modules():  # positive weights and biases: no ReLU or sum cancels a path\n"
            "    if isinstance(m, nn.Conv2d):\n"
            "        nn.init.uniform_(m.weight, 0.1, 1.0)\n"
            "        if m.bias is not None:\n"
            "            nn.init.uniform_(m.bias, 0.1, 1.0)\n"
            "for m in net.modules():  # max pooling routes to one pixel: average to see them all\n"
            "    if isinstance(m, nn.MaxPool2d):\n"
            "        m.forward = lambda x, m=m: nn.functional.avg_pool2d(x, m.kernel_size, m.stride, m.padding)\n"
            f"x = torch.rand(1, {dims}, requires_grad=True)\n"
            f"net(x)[0, 0, {out_pos[0]}, {out_pos[1]}].backward()  # 0-based row, column\n"
            f"print(bool(x.grad[0, 0, {pixel[0]}, {pixel[1]}] != 0))  # True = it can change the output")


def _border_pixels(n, ranges, inside) -> list:
    """The pixels ``[r, c]`` of an ``n x n`` image near the border of the field (one step inside
    or outside on one axis), inside the field or outside it; row by row, as

    ``[[r, c] for r in range(n) for c in range(n) if (r in field rows and c in field cols) == inside
    and (r or c is at most 1 from an end of the field's range on its axis)]``

    with each row's columns taken from lists made once (tests/test_family_receptive_field.py compares).
    """
    (r_lo, r_hi), (c_lo, c_hi) = ranges
    cols = range(n)
    c_in = [c_lo <= c <= c_hi for c in cols]
    c_near = [min(abs(c - c_lo), abs(c - c_hi)) <= 1 for c in cols]
    cols_near = [c for c in cols if c_near[c]]
    if inside:
        # row in the field: near the border -> every column in the field, else those near it
        by_row = ([c for c in cols if c_in[c]], [c for c in cols if c_in[c] and c_near[c]], [], [])
    else:
        # row in the field: the columns outside (near), row outside: any column (near)
        by_row = ([c for c in cols if not c_in[c]], [c for c in cols if not c_in[c] and c_near[c]],
                  list(cols), cols_near)
    cand = []
    for r in range(n):
        r_near = min(abs(r - r_lo), abs(r - r_hi)) <= 1
        row_cols = by_row[(0 if r_near else 1) if r_lo <= r <= r_hi else (2 if r_near else 3)]
        cand += [[r, c] for c in row_cols]
    return cand


def _sample_influence_with_pixel(rng, level, p):
    q, shapes, args_list = _sample_influence(rng, level, p)
    _, ranges = _field(q["input_shape"], q["layers"], shapes, args_list, q["out_pos"])
    if ranges[0] is None or ranges[1] is None:
        raise Redraw("the output sees only padding")
    n = q.pop("_n")
    inside = rng.random() < 0.5
    cand = _border_pixels(n, ranges, inside)
    if not cand:
        raise Redraw("no pixel of the wanted kind")
    q["pixel"] = cand[int(rng.integers(len(cand)))]
    return q


register("rf.size", solve_size, sample_size)
register("rf.influence", solve_influence, _sample_influence_with_pixel)
