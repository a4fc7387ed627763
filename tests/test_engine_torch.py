"""Cross-checks of the NumPy engine against PyTorch, and unit tests of tests/torch_reference.py."""
import os
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
sys.path.insert(0, os.path.dirname(__file__))

import torch_reference as ref  # noqa: E402
from quizgen.engine import expression, layers as L, network, receptive, shapes  # noqa: E402
from quizgen.errors import ShapeError  # noqa: E402
from test_engine_shapes import random_stack as random_shape_stack  # noqa: E402
from test_engine_receptive import random_stack as random_receptive_stack  # noqa: E402

F = torch.nn.functional


def T(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_random_stacks_forward_backward_shapes_and_counts():
    rng = np.random.default_rng(21)
    checked = 0
    for trial in range(60):
        input_shape, layers = random_shape_stack(rng, 1 + trial % 2)
        try:
            inferred = shapes.infer_shapes(input_shape, layers)
        except ShapeError:
            continue
        assert ref.solve_check({"kind": "output_shape", "input_shape": list(input_shape), "layers": layers}) \
            == list(inferred[-1])
        assert ref.solve_check({"kind": "param_count", "layers": layers, "input_shape": list(input_shape)}) \
            == shapes.total_params(layers, input_shape)
        filled = network.with_random_weights(layers, input_shape, seed=trial)
        x = rng.standard_normal(input_shape)
        acts = network.forward(filled, x)
        upstream = rng.standard_normal(acts[-1].shape)
        grad_x, grads = network.backward(filled, acts, upstream)

        model = ref.build_model(filled, list(input_shape))
        xt = T(x, grad=True)
        out = ref.run(model, xt)
        np.testing.assert_allclose(acts[-1], out.detach().numpy(), atol=1e-10)
        out.backward(T(upstream))
        np.testing.assert_allclose(grad_x, xt.grad.numpy(), atol=1e-10)
        params = dict(model.named_parameters())
        assert sorted(grads) == sorted(params)
        for key, grad in grads.items():
            np.testing.assert_allclose(grad, params[key].grad.numpy(), atol=1e-10, err_msg=key)
        checked += 1
    assert checked > 25


def test_max_and_min_pool_ties_match_torch():
    x = np.array([[[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]])
    for k, s, p in [(2, None, 0), (3, 1, 1), (2, 1, 0)]:
        g = np.arange(1.0, 1.0 + L.max_pool2d(x, k, s, p).size).reshape(L.max_pool2d(x, k, s, p).shape)
        xt = T(x, grad=True)
        F.max_pool2d(xt, k, s, p).backward(T(g))
        np.testing.assert_array_equal(L.max_pool2d_backward(x, g, k, s, p), xt.grad.numpy())
        xt = T(x, grad=True)
        (-F.max_pool2d(-xt, k, s, p)).backward(T(g))
        np.testing.assert_array_equal(L.min_pool2d_backward(x, g, k, s, p), xt.grad.numpy())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_torch(reduction):
    rng = np.random.default_rng(5)
    logits, probs = rng.standard_normal((4, 3)), L.softmax(rng.standard_normal((4, 3)))
    idx, soft = np.array([2, 0, 1, 1]), L.softmax(rng.standard_normal((4, 3)))
    p01, y01 = rng.uniform(0.01, 0.99, (5,)), rng.integers(0, 2, 5).astype(float)
    cases = [
        (L.cross_entropy, lambda a: F.cross_entropy(a, torch.tensor(idx), reduction=reduction), logits, idx),
        (L.cross_entropy, lambda a: F.cross_entropy(a, T(soft), reduction=reduction), logits, soft),
        (L.cross_entropy, lambda a: F.cross_entropy(a, torch.tensor(1), reduction=reduction), logits[0], 1),
        (L.nll_loss, lambda a: F.nll_loss(a, torch.tensor(idx), reduction=reduction), np.log(probs), idx),
        (L.bce_loss, lambda a: F.binary_cross_entropy(a, T(y01), reduction=reduction), p01, y01),
        (L.mse_loss, lambda a: F.mse_loss(a, T(soft), reduction=reduction), logits, soft),
    ]
    for fn, torch_fn, x, target in cases:
        value, grad = fn(x, target, reduction)
        xt = T(x, grad=True)
        loss = torch_fn(xt)
        loss.backward(torch.ones_like(loss))
        np.testing.assert_allclose(value, loss.detach().numpy(), atol=1e-12, err_msg=fn.__name__)
        np.testing.assert_allclose(grad, xt.grad.numpy(), atol=1e-12, err_msg=fn.__name__)
    # the lecture's cross-entropy on probabilities and SimpleLoss through the reference
    value, grad = L.cross_entropy_from_probs(probs, soft, reduction)
    xt = T(probs, grad=True)
    loss = ref.loss_value({"type": "CrossEntropyFromProbs", "target": soft.tolist(), "reduction": reduction}, xt)
    loss.backward(torch.ones_like(loss))
    np.testing.assert_allclose(value, loss.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(grad, xt.grad.numpy(), atol=1e-12)


def test_bce_clamp_matches_torch():
    p, y = np.array([0.0, 1.0, 1e-60, 0.3]), np.array([1.0, 1.0, 0.0, 0.5])
    value, grad = L.bce_loss(p, y, "none")
    pt = T(p, grad=True)
    loss = F.binary_cross_entropy(pt, T(y), reduction="none")
    loss.backward(torch.ones_like(loss))
    assert value.tolist() == loss.tolist()
    np.testing.assert_allclose(grad, pt.grad.numpy(), rtol=1e-12)


def test_expressions_and_sgd_match_torch():
    for text, values in [("sigmoid(w * x + b) * log(1 + exp(-x))", {"w": 0.4, "x": -1.3, "b": 0.2}),
                         ("max(a, b) ** 2 - min(a, 2 * b) / tanh(a) + relu(b - a)", {"a": 0.7, "b": 1.9})]:
        grads = expression.gradients(text, values)
        for name in values:
            assert grads[name] == pytest.approx(ref.solve_check({"kind": "expression", "expression": text,
                                                                 "values": values, "wrt": name}), abs=1e-12)
        assert expression.evaluate(text, values) == pytest.approx(
            ref.solve_check({"kind": "expression", "expression": text, "values": values}), abs=1e-12)
    loss = "(w1 * 2 - 1) ** 2 + (w1 * w2 + 0.5) ** 2"
    for momentum in (0.0, 0.9):
        traj = L.sgd(lambda p: expression.gradients(loss, p), {"w1": 0.3, "w2": -0.8}, lr=0.05, steps=7,
                     momentum=momentum)
        answer = ref.solve_check({"kind": "sgd", "expression": loss, "init": {"w1": 0.3, "w2": -0.8},
                                  "lr": 0.05, "steps": 7, "momentum": momentum})
        assert traj[-1] == pytest.approx(answer, abs=1e-12)


def test_receptive_fields_match_torch():
    rng = np.random.default_rng(8)
    checked = 0
    for trial in range(40):
        input_shape, layers = random_receptive_stack(rng, 1 + trial % 2)
        try:
            out_shape = shapes.infer_shapes(input_shape, layers)[-1]
        except ShapeError:
            continue
        position = [int(rng.integers(0, n)) for n in out_shape[1:]]
        for index in (None, position):
            check = {"kind": "receptive_field", "input_shape": list(input_shape), "layers": layers}
            if index is not None:
                check["output_index"] = index
            extent, _ = receptive.receptive_field(input_shape, layers, index)
            if extent[0]:                                  # torch's probe needs a connected output
                assert ref.solve_check(check) == extent, check
        checked += 1
    assert checked > 15


# ------------------------------------------------------------------ solve_check unit tests

def test_solve_check_known_answers():
    conv_pool = [{"type": "Conv2d", "in_channels": 3, "out_channels": 16, "kernel_size": 3, "padding": 1},
                 {"type": "MaxPool2d", "kernel_size": 2}]
    assert ref.solve_check({"kind": "output_shape", "input_shape": [3, 100, 100], "layers": conv_pool}) \
        == [16, 50, 50]
    assert ref.solve_check({"kind": "param_count", "layers": conv_pool}) == 448
    assert ref.solve_check({"kind": "param_count", "layers": [{"type": "Linear", "in_features": 2,
                                                                "out_features": 10}]}) == 30
    assert ref.solve_check({"kind": "param_count", "input_shape": [4, 5, 5],
                            "layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 3}]}) == 303
    assert ref.solve_check({"kind": "loss", "input": [1.0, 2.0, 3.0],
                            "loss": {"type": "CrossEntropyLoss", "target": 2}}) == pytest.approx(0.40760596)
    assert ref.solve_check({"kind": "loss", "input": [0.8],
                            "loss": {"type": "SimpleLoss", "target": [1.0]}}) == pytest.approx([0.2])
    linear = [{"type": "Linear", "in_features": 2, "out_features": 2, "weight": [[1.0, 2.0], [-1.0, 0.5]],
               "bias": [0.0, 1.0]}, {"type": "ReLU"}]
    assert ref.solve_check({"kind": "forward", "input": [1.0, 1.0], "layers": linear}) == [3.0, 0.5]
    assert ref.solve_check({"kind": "forward", "input": [1.0, 1.0], "layers": linear, "index": 1}) == 0.5
    grad_check = {"kind": "gradient", "input": [1.0, 1.0], "layers": linear, "wrt": "0.weight",
                  "loss": {"type": "MSELoss", "target": [3.0, 0.0], "reduction": "sum"}}
    assert ref.solve_check(grad_check) == [[0.0, 0.0], [1.0, 1.0]]
    assert ref.solve_check({**grad_check, "wrt": "input", "index": 0}) == -1.0
    assert ref.solve_check({**grad_check, "loss": {"type": "upstream", "grad": [1.0, 1.0]}, "wrt": "0.bias"}) \
        == [1.0, 1.0]
    assert ref.solve_check({"kind": "expression", "expression": "(x + y) * z",
                            "values": {"x": -2, "y": 5, "z": -4}, "wrt": "x"}) == -4.0
    assert ref.solve_check({"kind": "sgd", "expression": "(w - 3) ** 2", "init": {"w": 0.0}, "lr": 0.1,
                            "steps": 2, "ask": "w"}) == pytest.approx(1.08)
    assert ref.solve_check({"kind": "receptive_field", "input_shape": [1, 20, 20],
                            "layers": [{"type": "Conv2d", "in_channels": 1, "out_channels": 1,
                                        "kernel_size": 3}] * 3}) == [7, 7]
    assert ref.solve_check({"kind": "forward", "input": [[[1.0, 5.0], [2.0, 0.0]]],
                            "layers": [{"type": "MinPool2d", "kernel_size": 2}, {"type": "Flatten"}]}) == [0.0]


def test_solve_check_agrees_with_engine_on_a_gradient_key():
    layers = network.with_random_weights(
        [{"type": "Conv1d", "in_channels": 2, "out_channels": 2, "kernel_size": 3, "padding": 1},
         {"type": "ReLU"}, {"type": "MaxPool1d", "kernel_size": 2}, {"type": "Flatten"},
         {"type": "Linear", "out_features": 3}], (2, 6), seed=4)
    x = np.random.default_rng(0).standard_normal((2, 6))
    loss = {"type": "CrossEntropyLoss", "target": 1}
    acts = network.forward(layers, x)
    _, g = network.loss_and_grad(loss, acts[-1])
    grad_x, grads = network.backward(layers, acts, g)
    for wrt, expected in [("input", grad_x), *grads.items()]:
        answer = ref.solve_check({"kind": "gradient", "input": x.tolist(), "layers": layers,
                                  "loss": loss, "wrt": wrt})
        np.testing.assert_allclose(answer, expected, atol=1e-12, err_msg=wrt)
