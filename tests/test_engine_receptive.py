"""Analytic receptive fields vs a brute-force gradient probe through network.backward."""
import numpy as np
import pytest

from quizgen.engine import network, receptive, shapes
from quizgen.errors import ShapeError


def probe_layers(layers, input_shape):
    """Max/min pools -> average pools (dilated ones, which torch's AvgPool lacks, -> a conv
    with the same geometry); then positive random weights everywhere."""
    shape_list = shapes.infer_shapes(input_shape, layers)
    probe = []
    for i, layer in enumerate(layers):
        layer = dict(layer)
        if layer["type"].startswith(("MaxPool", "MinPool")):
            nd = layer["type"][-2:]
            if layer.get("dilation", 1) == 1:
                layer["type"] = "AvgPool" + nd
            else:
                channels = shape_list[i][0]
                layer.update(type="Conv" + nd, in_channels=channels, out_channels=channels,
                             stride=layer.get("stride") or layer["kernel_size"])
        probe.append(layer)
    return network.with_random_weights(probe, input_shape, seed=0, low=0.5, high=1.5)


def brute_force(input_shape, layers, position):
    """Bounding box of the non-zero input gradient of output (0, *position)."""
    filled = probe_layers(layers, input_shape)
    acts = network.forward(filled, np.ones(input_shape))
    g = np.zeros(acts[-1].shape)
    g[(0, *position)] = 1.0
    grad_x, _ = network.backward(filled, acts, g)
    hits = np.abs(grad_x).sum(axis=0) > 0
    if not hits.any():
        return [0] * hits.ndim, [None] * hits.ndim
    ranges = []
    for axis in range(hits.ndim):
        idx = np.nonzero(hits.any(axis=tuple(a for a in range(hits.ndim) if a != axis)))[0]
        ranges.append((int(idx.min()), int(idx.max())))
    return [hi - lo + 1 for lo, hi in ranges], ranges


def random_stack(rng, nd):
    layers, channels = [], 1
    for _ in range(int(rng.integers(1, 4))):
        k = int(rng.integers(1, 4))
        if rng.random() < 0.6:
            layers.append({"type": f"Conv{nd}d", "in_channels": channels, "out_channels": 2, "kernel_size": k,
                           "stride": int(rng.integers(1, 3)), "padding": int(rng.integers(0, 3)),
                           "dilation": int(rng.integers(1, 3))})
            channels = 2
        else:
            kind = str(rng.choice(["Max", "Min", "Avg"]))
            layer = {"type": f"{kind}Pool{nd}d", "kernel_size": k, "padding": int(rng.integers(0, k // 2 + 1)),
                     "stride": int(rng.integers(1, 3))}
            if kind != "Avg" and rng.random() < 0.4:
                layer["dilation"] = 2
            layers.append(layer)
        if rng.random() < 0.3:
            layers.append({"type": "ReLU"})
    return (1, *[int(rng.integers(8, 16)) for _ in range(nd)]), layers


def test_matches_brute_force_on_random_stacks():
    rng = np.random.default_rng(11)
    checked = 0
    for trial in range(120):
        input_shape, layers = random_stack(rng, 1 + trial % 2)
        try:
            out_shape = shapes.infer_shapes(input_shape, layers)[-1]
        except ShapeError:
            continue
        positions = [None, tuple(int(rng.integers(0, n)) for n in out_shape[1:])]
        for position in positions:
            extent, ranges = receptive.receptive_field(input_shape, layers, position)
            probe_at = receptive.center_index(out_shape) if position is None else position
            assert (extent, ranges) == brute_force(input_shape, layers, probe_at), (input_shape, layers, position)
        checked += 1
    assert checked > 50


def test_known_fields():
    three_convs = [{"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 3}] * 3
    assert receptive.receptive_field((1, 20, 20), three_convs) == ([7, 7], [(6, 12), (6, 12)])
    assert receptive.receptive_field_size(three_convs) == [7, 7]
    stack = [{"type": "Conv2d", "in_channels": 1, "out_channels": 4, "kernel_size": 3},
             {"type": "MaxPool2d", "kernel_size": 2},
             {"type": "Conv2d", "in_channels": 4, "out_channels": 4, "kernel_size": 3, "dilation": 2}]
    # r = 1 + 2*1 + 1*1*1 + 2*2*2 = 12
    assert receptive.receptive_field_size(stack) == [12, 12]
    assert receptive.receptive_field((1, 20, 20), stack)[0] == [12, 12]
    # a corner output is clipped by the padding
    padded = [{"type": "Conv1d", "in_channels": 1, "out_channels": 1, "kernel_size": 5, "padding": 2}]
    assert receptive.receptive_field((1, 10), padded, [0]) == ([3], [(0, 2)])
    assert receptive.receptive_field((1, 10), padded, [0, 0]) == ([3], [(0, 2)])   # with the channel
    # a dilated kernel whose taps skip the first position: the box starts at 1, not 0
    holes = [{"type": "Conv1d", "in_channels": 1, "out_channels": 1, "kernel_size": 2, "dilation": 2,
              "padding": 1}]
    assert receptive.receptive_field((1, 6), holes, 0) == ([1], [(1, 1)])
    only_padding = [{"type": "Conv1d", "in_channels": 1, "out_channels": 1, "kernel_size": 1, "padding": 1}]
    assert receptive.receptive_field((1, 4), only_padding, 0) == ([0], [None])
    assert receptive.receptive_field_size([{"type": "MaxPool1d", "kernel_size": 2}] * 3) == [8]


def test_dense_layers_connect_everything():
    stack = [{"type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 3},
             {"type": "Flatten"}, {"type": "Linear", "out_features": 4}]
    assert receptive.receptive_field((1, 8, 9), stack) == ([8, 9], [(0, 7), (0, 8)])
    with pytest.raises(ShapeError):
        receptive.receptive_field_size(stack)
    with pytest.raises(ShapeError):
        receptive.receptive_field((1, 8, 8), stack[:1], [7, 7])
