"""Parameter-count and output-shape solvers: the notes' examples, real forward passes, misconceptions."""
import numpy as np
import pytest

from quizgen.engine import network
from quizgen.instantiate import build_question
from quizgen.solvers import output_shape, param_count
from quizgen.solvers.stacks import size_rule, wrong_shape


def test_notes_example_3x100x100_to_16x50x50():
    layers = [{"type": "Conv2d", "in_channels": 3, "out_channels": 16, "kernel_size": 3, "padding": 1},
              {"type": "MaxPool2d", "kernel_size": 2}]
    sol = output_shape.solve({"input_shape": [3, 100, 100], "layers": layers})
    assert sol.answer == [16, 50, 50]
    assert sol.misconceptions["ignored-padding"] == [16, 49, 49]
    assert sol.misconceptions["kept-channels"] == [3, 50, 50]


def test_notes_example_conv1d_32_to_30_to_15():
    layers = [{"type": "Conv1d", "in_channels": 1, "out_channels": 4, "kernel_size": 3},
              {"type": "MaxPool1d", "kernel_size": 2}]
    sol = output_shape.solve({"input_shape": [1, 32], "layers": layers})
    assert sol.answer == [4, 15]
    assert [s["after"] for s in sol.context["steps"]] == [[4, 30], [4, 15]]


def test_notes_example_ten_neurons_thirty_parameters():
    sol = param_count.solve({"input_shape": None,
                             "layers": [{"type": "Linear", "in_features": 2, "out_features": 10}]})
    assert sol.answer == 30
    assert sol.misconceptions["forgot-bias"] == 20
    assert sol.misconceptions["neurons-only"] == 10


@pytest.mark.parametrize("n,k,s,p,d", [(7, 3, 2, 0, 1), (10, 3, 3, 1, 1), (9, 3, 1, 0, 2), (5, 2, 2, 0, 1)])
def test_size_rule_matches_a_brute_force_count_of_window_positions(n, k, s, p, d):
    span = d * (k - 1) + 1
    positions = [start for start in range(0, n + 2 * p, s) if start + span <= n + 2 * p]
    assert size_rule(n, k, s, p, d) == len(positions)


def test_ceil_mistake_differs_only_when_division_is_not_exact():
    assert size_rule(8, 2, 2, 0, 1, "ceil-not-floor") == size_rule(8, 2, 2, 0, 1)
    assert size_rule(7, 2, 2, 0, 1, "ceil-not-floor") == size_rule(7, 2, 2, 0, 1) + 1


@pytest.mark.parametrize("family, dims", [("shape.conv2d", 2), ("shape.conv1d", 1)])
def test_inferred_shapes_equal_real_forward_passes(bank, family, dims):
    t = bank.templates[family]
    for level in t.level_numbers:
        for seed in range(25):
            q = build_question(t, level, np.random.default_rng(seed))
            layers = network.with_random_weights(q.check["layers"], q.check["input_shape"], seed=seed)
            x = np.random.default_rng(seed).standard_normal(q.check["input_shape"])
            out = network.forward(layers, x)[-1]
            assert list(out.shape) == q.answer_value


@pytest.mark.parametrize("family", ["params.dense", "params.conv"])
def test_param_counts_equal_summed_array_sizes(bank, family):
    t = bank.templates[family]
    for level in t.level_numbers:
        for seed in range(25):
            q = build_question(t, level, np.random.default_rng(seed))
            shape = q.check.get("input_shape") or [q.check["layers"][0]["in_features"]]
            if any(l["type"] == "Conv3d" for l in q.check["layers"]):
                continue  # the engine runs Conv3d for shapes and counts only
            layers = network.with_random_weights(q.check["layers"], shape, seed=seed)
            total = sum(np.asarray(l["weight"]).size + (np.asarray(l["bias"]).size
                        if not isinstance(l.get("bias", False), bool) else 0)
                        for l in layers if "weight" in l)
            assert total == q.answer_value, (family, level, seed)


def test_wrong_shape_returns_none_when_the_mistake_breaks_the_stack():
    layers = [{"type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 5, "padding": 2}]
    assert wrong_shape([1, 4, 4], layers, "ignored-padding") is None
