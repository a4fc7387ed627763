"""Shape inference and parameter counts vs real forward passes; the notes' examples; errors."""
import numpy as np
import pytest

from quizgen.engine import network, shapes
from quizgen.errors import ShapeError


def random_stack(rng, nd):
    """A random valid-or-not conv/pool stack followed sometimes by Flatten + Linear."""
    layers, channels = [], int(rng.integers(1, 4))
    input_shape = (channels, *[int(rng.integers(6, 14)) for _ in range(nd)])
    for _ in range(int(rng.integers(1, 4))):
        if rng.random() < 0.6:
            out = int(rng.integers(1, 4))
            layer = {"type": f"Conv{nd}d", "in_channels": channels, "out_channels": out,
                     "kernel_size": int(rng.integers(1, 4))}
            channels = out
            for name, hi in (("stride", 3), ("padding", 3), ("dilation", 3)):
                if rng.random() < 0.5:
                    layer[name] = int(rng.integers(1 if name != "padding" else 0, hi))
            if rng.random() < 0.3:
                layer["bias"] = False
        else:
            kind = rng.choice(["Max", "Avg", "Min"])
            k = int(rng.integers(1, 4))
            layer = {"type": f"{kind}Pool{nd}d", "kernel_size": k}
            if rng.random() < 0.5:
                layer["stride"] = int(rng.integers(1, 3))
            if rng.random() < 0.5:
                layer["padding"] = int(rng.integers(0, k // 2 + 1))
            if kind != "Avg" and rng.random() < 0.3:
                layer["dilation"] = 2
        layers.append(layer)
        if rng.random() < 0.3:
            layers.append({"type": str(rng.choice(["ReLU", "Sigmoid", "Tanh"]))})
    if rng.random() < 0.5:
        layers.append({"type": "Flatten"})
        layers.append({"type": "Linear", "out_features": int(rng.integers(1, 5))})
        if rng.random() < 0.5:
            layers.append({"type": "Softmax", "dim": 1})
    return input_shape, layers


def test_inferred_shapes_match_forward_passes():
    rng = np.random.default_rng(7)
    checked = 0
    for trial in range(150):
        input_shape, layers = random_stack(rng, 1 + trial % 2)
        try:
            inferred = shapes.infer_shapes(input_shape, layers)
        except ShapeError:
            continue
        filled = network.with_random_weights(layers, input_shape, seed=trial)
        acts = network.forward(filled, rng.standard_normal(input_shape))
        assert [a.shape for a in acts] == inferred
        # parameter counts equal the sizes of the arrays actually used
        _, grads = network.backward(filled, acts, np.ones(acts[-1].shape))
        assert shapes.total_params(layers, input_shape) == sum(g.size for g in grads.values())
        assert shapes.total_params(filled) == sum(g.size for g in grads.values())
        checked += 1
    assert checked > 60


def test_lecture_examples():
    conv_pool = [{"type": "Conv2d", "in_channels": 3, "out_channels": 16, "kernel_size": 3, "padding": 1},
                 {"type": "MaxPool2d", "kernel_size": 2}]
    assert shapes.infer_shapes((3, 100, 100), conv_pool) == [(3, 100, 100), (16, 100, 100), (16, 50, 50)]
    conv1d = [{"type": "Conv1d", "in_channels": 1, "out_channels": 1, "kernel_size": 3},
              {"type": "MaxPool1d", "kernel_size": 2}]
    assert [s[-1] for s in shapes.infer_shapes((1, 32), conv1d)] == [32, 30, 15]
    dense = {"type": "Linear", "in_features": 2, "out_features": 10}
    assert shapes.param_count(dense) == 30
    assert shapes.param_breakdown([dense]) == [(0, 20, 10)]


def test_defaults_and_param_rules():
    conv = {"type": "Conv2d", "in_channels": 3, "out_channels": 8, "kernel_size": (3, 5)}
    assert shapes.output_shape(conv, (3, 10, 10)) == (8, 8, 6)
    assert shapes.param_count(conv) == 8 * 3 * 15 + 8
    assert shapes.param_count({**conv, "bias": False}) == 8 * 3 * 15
    assert shapes.output_shape({"type": "AvgPool2d", "kernel_size": 3}, (2, 10, 10)) == (2, 3, 3)
    assert shapes.output_shape({"type": "Conv1d", "in_channels": 1, "out_channels": 1, "kernel_size": 3,
                                "stride": 2, "padding": 1, "dilation": 2}, (1, 10)) == (1, 4)
    assert shapes.output_shape({"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 3,
                                "padding": "same"}, (1, 7, 9)) == (1, 7, 9)
    assert shapes.output_shape({"type": "Conv3d", "in_channels": 2, "out_channels": 4, "kernel_size": 3,
                                "stride": 2}, (2, 9, 9, 7)) == (4, 4, 4, 3)
    assert shapes.param_count({"type": "Conv3d", "in_channels": 2, "out_channels": 4, "kernel_size": 3}) == 220
    # Linear takes in_features from the input shape when absent
    stack = [{"type": "Conv2d", "in_channels": 1, "out_channels": 4, "kernel_size": 3},
             {"type": "ReLU"}, {"type": "Flatten"}, {"type": "Linear", "out_features": 10}]
    assert shapes.infer_shapes((1, 6, 6), stack)[-2:] == [(64,), (10,)]
    assert shapes.param_breakdown(stack, (1, 6, 6)) == [(0, 36, 4), (1, 0, 0), (2, 0, 0), (3, 640, 10)]
    assert shapes.total_params(stack, (1, 6, 6)) == 690
    with pytest.raises(ShapeError, match="in_features"):
        shapes.total_params(stack)
    # weights given: bias absent means none; sizes come from the weight
    given = {"type": "Linear", "weight": [[1, 2, 3], [4, 5, 6]]}
    assert shapes.param_count(given) == 6
    assert shapes.param_count({**given, "bias": [0, 0]}) == 8
    # Flatten counts the batch dim like torch: start_dim=2 keeps our first dim
    assert shapes.output_shape({"type": "Flatten", "start_dim": 2}, (3, 4, 5)) == (3, 20)
    assert shapes.output_shape({"type": "Linear", "in_features": 4, "out_features": 2}, (5, 4)) == (5, 2)


@pytest.mark.parametrize("input_shape,layers,pattern", [
    ((3, 8, 8), [{"type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 3}], "layer 0.*channels"),
    ((1, 8, 8), [{"type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 3},
                 {"type": "Conv2d", "in_channels": 3, "out_channels": 2, "kernel_size": 3}], "layer 1.*in_channels"),
    ((1, 4, 4), [{"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 5}], "larger than the padded"),
    ((1, 4, 4), [{"type": "MaxPool2d", "kernel_size": 2}, {"type": "MaxPool2d", "kernel_size": 3}],
     "layer 1.*larger"),
    ((2, 3, 3), [{"type": "Flatten"}, {"type": "Linear", "in_features": 9, "out_features": 2}],
     "layer 1.*in_features"),
    ((2, 3, 3), [{"type": "Linear", "in_features": 18, "out_features": 2}], "Flatten"),
    ((1, 9), [{"type": "MaxPool1d", "kernel_size": 3, "padding": 2}], "half"),
    ((1, 9), [{"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 3}], "spatial"),
    ((1, 9), [{"type": "Dropout", "p": 0.5}], "unknown layer type"),
    ((1, 9), [{"type": "Conv1d", "in_channels": 1, "out_channels": 1, "kernel_size": 2,
               "weight": [[[1, 2, 3]]]}], "kernel_size"),
    ((4,), [{"type": "Softmax", "dim": 0}], "batch"),
])
def test_invalid_stacks_raise(input_shape, layers, pattern):
    with pytest.raises(ShapeError, match=pattern):
        shapes.infer_shapes(input_shape, layers)


def test_forward_checks_weight_shapes():
    layer = {"type": "Linear", "in_features": 3, "out_features": 2, "weight": [[1, 2], [3, 4]]}
    with pytest.raises(ShapeError):
        network.forward([layer], np.ones(3))
    with pytest.raises(ShapeError, match="no weight"):
        network.forward([{"type": "Linear", "in_features": 3, "out_features": 2}], np.ones(3))


def _odd_layer(rng):
    """A layer dict of any supported kind with plain, odd or invalid argument values."""
    kind = str(rng.choice(["Conv1d", "Conv2d", "Conv3d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
                           "MinPool2d", "Linear", "Flatten", "ReLU", "Sigmoid", "Tanh", "Softmax", "Dropout"]))
    values = [0, 1, 2, 3, -1, None, True, False, np.int64(2), 2.0, [2], [2, 3], (1, 2), "same", "valid"]

    def value():
        return values[int(rng.integers(len(values)))] if rng.random() < 0.3 else int(rng.integers(1, 4))

    layer = {"type": kind}
    names = {"Linear": ["in_features", "out_features", "bias"],
             "Flatten": ["start_dim", "end_dim"], "Softmax": ["dim"]}.get(
        kind, ["in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "bias",
               "ceil_mode", "count_include_pad"])
    for name in names:
        if rng.random() < 0.7:
            layer[name] = value()
    return layer


def test_plain_layer_args_fast_path_equals_the_general_path():
    """``layer_args`` answers plain-int layers without the general code: same dict, same key order, same errors."""
    rng = np.random.default_rng(11)
    fast = 0
    for _ in range(3000):
        layer = _odd_layer(rng)
        in_shape = [None, (), (3,), (3, 9), (2, 8, 8), (4, 5, 6, 7)][int(rng.integers(6))]
        try:
            ref = shapes._layer_args_general(layer, in_shape, 0)
        except ShapeError as e:
            ref = ("error", str(e))
        except (TypeError, ValueError) as e:
            ref = ("raises", type(e))
        try:
            got = shapes.layer_args(layer, in_shape, 0)
        except ShapeError as e:
            got = ("error", str(e))
        except (TypeError, ValueError) as e:
            got = ("raises", type(e))
        if isinstance(ref, dict):
            assert isinstance(got, dict) and list(got.items()) == list(ref.items()), (layer, in_shape)
        else:
            assert got == ref, (layer, in_shape)
        fast += shapes._plain_layer_args(layer, in_shape) is not None
    assert fast > 300          # the fast path is actually exercised


def test_output_shape_matches_the_size_rule_on_random_layers():
    """The inlined size arithmetic of ``output_shape`` is torch's rule (``conv_out_size``)."""
    from quizgen.engine._util import conv_out_size
    rng = np.random.default_rng(12)
    for _ in range(500):
        nd = int(rng.integers(1, 3))
        k, s, p, d = (int(rng.integers(1, 5)), int(rng.integers(1, 4)), int(rng.integers(0, 3)),
                      int(rng.integers(1, 3)))
        in_shape = (2, *[int(rng.integers(1, 20)) for _ in range(nd)])
        layer = {"type": f"Conv{nd}d", "in_channels": 2, "out_channels": 5, "kernel_size": k, "stride": s,
                 "padding": p, "dilation": d}
        if any(n + 2 * p < d * (k - 1) + 1 for n in in_shape[1:]):
            with pytest.raises(ShapeError, match="larger than the padded"):
                shapes.output_shape(layer, in_shape)
        else:
            assert shapes.output_shape(layer, in_shape) == (5, *[conv_out_size(n, k, s, p, d) for n in in_shape[1:]])
