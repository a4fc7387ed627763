"""network.forward/backward/loss_and_grad vs finite differences on whole stacks."""
import numpy as np
import pytest

from quizgen.engine import network

STACKS = [
    ((2, 7, 6), [{"type": "Conv2d", "in_channels": 2, "out_channels": 3, "kernel_size": 3, "padding": 1},
                 {"type": "Tanh"}, {"type": "MaxPool2d", "kernel_size": 2, "stride": 1, "dilation": 2},
                 {"type": "Conv2d", "out_channels": 2, "kernel_size": 2, "stride": 2, "bias": False},
                 {"type": "MinPool2d", "kernel_size": 2, "padding": 1}, {"type": "Flatten"},
                 {"type": "Linear", "out_features": 3}, {"type": "Softmax", "dim": -1}]),
    ((1, 11), [{"type": "Conv1d", "in_channels": 1, "out_channels": 2, "kernel_size": 3, "dilation": 2},
               {"type": "Sigmoid"}, {"type": "AvgPool1d", "kernel_size": 3, "stride": 2, "padding": 1},
               {"type": "ReLU"}, {"type": "Flatten"}, {"type": "Linear", "out_features": 2}]),
    ((4,), [{"type": "Linear", "in_features": 4, "out_features": 3}, {"type": "ReLU"},
            {"type": "Linear", "in_features": 3, "out_features": 2}]),
]


def fd(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        out[i] = (up - f(x)) / (2 * eps)
        x[i] = old
    return out


@pytest.mark.parametrize("input_shape,layers", STACKS)
def test_backward_matches_finite_differences(input_shape, layers):
    rng = np.random.default_rng(3)
    filled = network.with_random_weights(layers, input_shape, seed=1)
    x = rng.standard_normal(input_shape)
    acts = network.forward(filled, x)
    g = rng.standard_normal(acts[-1].shape)
    grad_x, grads = network.backward(filled, acts, g)
    objective = lambda stack, inp: float(np.sum(network.forward(stack, inp)[-1] * g))
    np.testing.assert_allclose(grad_x, fd(lambda v: objective(filled, v), x), atol=1e-6)
    for key, grad in grads.items():
        index, name = key.split(".")

        def with_param(v, index=int(index), name=name):
            stack = [dict(layer) for layer in filled]
            stack[index][name] = v.tolist()
            return objective(stack, x)

        np.testing.assert_allclose(grad, fd(with_param, filled[int(index)][name]), atol=1e-6, err_msg=key)
    expected_keys = [f"{i}.{n}" for i, layer in enumerate(filled) if "weight" in layer
                     for n in ("weight", "bias") if n == "weight" or layer["bias"] is not False]
    assert list(grads) == expected_keys                       # state_dict order


def test_loss_and_grad_specs():
    out = np.array([1.0, 2.0, 3.0])
    value, grad = network.loss_and_grad({"type": "CrossEntropyLoss", "target": 2}, out)
    assert value == pytest.approx(0.40760596)
    assert network.loss_and_grad({"type": "SimpleLoss", "target": [1, 2, 3]}, out)[0].tolist() == [0, 0, 0]
    assert network.loss_and_grad({"type": "CrossEntropyFromProbs", "target": [0, 1, 0]},
                                 np.array([0.2, 0.5, 0.3]))[0] == pytest.approx(np.log(2))
    assert network.loss_and_grad({"type": "MSELoss", "target": [0, 0, 0], "reduction": "sum"}, out)[0] == 14
    value, grad = network.loss_and_grad({"type": "upstream", "grad": [1, 0, -1]}, out)
    assert value is None and grad.tolist() == [1, 0, -1]
    with pytest.raises(ValueError):
        network.loss_and_grad({"type": "HingeLoss", "target": 1}, out)


def test_given_weights_are_used():
    layers = [{"type": "Linear", "in_features": 2, "out_features": 1, "weight": [[2.0, -1.0]], "bias": [0.5]},
              {"type": "ReLU"}]
    acts = network.forward(layers, [3.0, 1.0])
    assert acts[-1].tolist() == [5.5]
    loss, g = network.loss_and_grad({"type": "MSELoss", "target": [5.0]}, acts[-1])
    grad_x, grads = network.backward(layers, acts, g)
    assert loss == 0.25 and grads["0.weight"].tolist() == [[3.0, 1.0]] and grads["0.bias"].tolist() == [1.0]
    assert grad_x.tolist() == [2.0, -1.0]
