"""Scalar graphs: parsing rules, values, reverse-mode gradients vs finite differences."""
import math

import numpy as np
import pytest

from quizgen.engine import expression as E

EXPRESSIONS = [
    ("(x + y) * z", {"x": -2.0, "y": 5.0, "z": -4.0}),
    ("x * y + x ** 2 - y / x", {"x": 1.5, "y": -0.7}),
    ("-x ** 3 + 2 * -y", {"x": 0.9, "y": 2.0}),
    ("sigmoid(w0 * x0 + w1 * x1 + w2)", {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}),
    ("log(exp(a) + exp(b)) - tanh(a * b)", {"a": 0.3, "b": -1.2}),
    ("max(x, y) * min(x, z) + relu(x - z)", {"x": 1.0, "y": 0.5, "z": -2.0}),
    ("x ** -0.5 + x ** 0.5 * (y - 1) ** 2", {"x": 2.3, "y": 0.1}),
    ("relu(w * x + b) * sigmoid(x) / (1 + x * x)", {"w": 0.8, "x": 1.3, "b": -0.2}),
]


@pytest.mark.parametrize("text,values", EXPRESSIONS)
def test_gradients_match_finite_differences(text, values):
    grads = E.gradients(text, values)
    assert sorted(grads) == sorted(values)
    for name in values:
        up, down = dict(values), dict(values)
        up[name] += 1e-6
        down[name] -= 1e-6
        expected = (E.evaluate(text, up) - E.evaluate(text, down)) / 2e-6
        assert grads[name] == pytest.approx(expected, abs=1e-6), name


def test_known_values():
    # the classic example: f = (x + y) z at x=-2, y=5, z=-4
    assert E.evaluate("(x + y) * z", {"x": -2, "y": 5, "z": -4}) == -12
    assert E.gradients("(x + y) * z", {"x": -2, "y": 5, "z": -4}) == {"x": -4, "y": -4, "z": 3}
    v = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    assert E.evaluate("sigmoid(w0 * x0 + w1 * x1 + w2)", v) == pytest.approx(0.7310585786)
    g = E.gradients("sigmoid(w0 * x0 + w1 * x1 + w2)", v)
    assert g["w0"] == pytest.approx(-0.19661193) and g["x0"] == pytest.approx(0.39322387)
    assert E.evaluate("2 ** 3", {}) == 8.0
    assert E.evaluate("-3 - -2", {}) == -1.0


def test_kinks_and_forks():
    assert E.gradients("max(x, y)", {"x": 1.0, "y": 1.0}) == {"x": 1.0, "y": 0.0}   # first wins ties
    assert E.gradients("min(x, y)", {"x": 1.0, "y": 1.0}) == {"x": 1.0, "y": 0.0}
    assert E.gradients("relu(x)", {"x": 0.0}) == {"x": 0.0}
    assert E.gradients("x * x + x", {"x": 3.0}) == {"x": 7.0}                        # forks sum
    assert E.gradients("y", {"y": 2.0}) == {"y": 1.0}


def test_graph_nodes_for_worked_solutions():
    nodes = E.graph("(x + y) * z", {"x": -2, "y": 5, "z": -4})
    by_name = {n.name: n for n in nodes}
    assert [n.name for n in nodes] == ["x", "y", "z1", "z", "z2"]
    q = by_name["z1"]
    assert (q.op, q.inputs, q.value, q.local_grads, q.upstream_grad, q.text) == ("+", ["x", "y"], 3, [1, 1], -4,
                                                                                  "x + y")
    out = nodes[-1]
    assert (out.op, out.inputs, out.value, out.local_grads, out.upstream_grad) == ("*", ["z1", "z"], -12,
                                                                                   [-4, 3], 1)
    # downstream = upstream x local, for every edge
    for node in nodes:
        for name, local in zip(node.inputs, node.local_grads):
            assert by_name[name].op in ("var", "const") or by_name[name].upstream_grad == node.upstream_grad * local
    # names never collide with variables
    names = [n.name for n in E.graph("z1 * z2 + 3", {"z1": 1.0, "z2": 2.0})]
    assert len(names) == len(set(names)) and "u1" in names


@pytest.mark.parametrize("text", [
    "__import__('os')", "x.real", "x[0]", "lambda: 1", "x ** y", "abs(x)", "max(x)", "exp(x, y)",
    "x if y else z", "x < y", "'a' + x", "sigmoid(x=1)", "max", "x; y", "(x, y)", "2 ** x", "",
])
def test_rejects_unsupported_syntax(text):
    with pytest.raises(ValueError):
        E.parse_expression(text)


def test_domain_errors():
    with pytest.raises(ValueError):
        E.evaluate("log(x)", {"x": 0.0})
    with pytest.raises(ValueError):
        E.evaluate("x / y", {"x": 1.0, "y": 0.0})
    with pytest.raises(ValueError):
        E.evaluate("x + y", {"x": 1.0})
    assert math.isclose(E.evaluate("sigmoid(-800)", {}), 0.0, abs_tol=1e-300)
    assert E.variables("max(b, a) * exp(a)") == ["a", "b"]
    assert np.isfinite(E.gradients("x ** 2", {"x": 0.0})["x"])
