"""backprop.network, backprop.network-matrix, backprop.conv-weight: stress, independent
finite differences and torch, hand-worked examples."""
import math
import os
import sys

import numpy as np
import pytest

from quizgen.bank import load_bank
from quizgen.bankcheck import question_problems
from quizgen.instantiate import build_question
from quizgen.solvers import network_backprop as N

sys.path.insert(0, os.path.dirname(__file__))

SEEDS = 500
IDS = ("backprop.network", "backprop.network-matrix", "backprop.conv-weight")


@pytest.fixture(scope="module")
def questions():
    bank = load_bank()
    return {tid: {lv: [build_question(bank.templates[tid], lv, np.random.default_rng(s)) for s in range(SEEDS)]
                  for lv in bank.templates[tid].level_numbers} for tid in IDS}


def _one_decimal(a):
    a = np.asarray(a, float)
    return np.allclose(a, np.round(a, 1)) and np.all(np.abs(a) <= 2)


# ---- independent references ---------------------------------------------------------------

def net_loss(p, W1=None, b1=None, W2=None, b2=None):
    """The network's loss by plain loops (no engine)."""
    W1 = p["W1"] if W1 is None else W1
    b1 = p["b1"] if b1 is None else b1
    W2 = p["W2"] if W2 is None else W2
    b2 = p["b2"] if b2 is None else b2
    act = {"Sigmoid": lambda v: 1 / (1 + math.exp(-v)), "Tanh": math.tanh, "ReLU": lambda v: max(v, 0.0)}[p["act"]]
    h = [act(sum(W1[j][i] * p["x"][i] for i in range(len(p["x"]))) + b1[j]) for j in range(len(W1))]
    y = [sum(W2[k][j] * h[j] for j in range(len(h))) + b2[k] for k in range(len(W2))]
    if p["loss"] == "mse":
        return sum((y[k] - p["target"][k]) ** 2 for k in range(len(y))) / len(y)
    m = max(y)
    return -(y[p["target"]] - m - math.log(sum(math.exp(v - m) for v in y)))


def net_fd(p, wrt, index):
    key = {"0.weight": "W1", "0.bias": "b1", "2.weight": "W2", "2.bias": "b2"}[wrt]
    base = np.asarray(p[key], float)
    h = 1e-6
    out = np.zeros(base.shape)
    for idx in np.ndindex(base.shape):
        up, down = base.copy(), base.copy()
        up[idx] += h
        down[idx] -= h
        out[idx] = (net_loss(p, **{key: up.tolist()}) - net_loss(p, **{key: down.tolist()})) / (2 * h)
    return out if index is None else out[tuple(index)]


def conv_loss(p, w):
    x = np.asarray(p["x"], float)
    s = p["stride"]
    n = (x.shape[0] - 2) // s + 1
    b = p["bias"] or 0.0
    y = np.array([[sum(w[a][c] * x[s * i + a][s * j + c] for a in range(2) for c in range(2)) + b
                   for j in range(n)] for i in range(n)])
    if p["relu"]:
        y = np.maximum(y, 0)
    if p["mode"] == "upstream":
        return float(np.sum(y * np.asarray(p["grad"], float)))
    return float(np.mean((y - np.asarray(p["target"], float)) ** 2))


def conv_fd(p):
    w0 = np.asarray(p["weight"] if p["weight"] is not None else [[0.0, 0.0], [0.0, 0.0]], float)
    out = np.zeros((2, 2))
    for a in range(2):
        for c in range(2):
            up, down = w0.copy(), w0.copy()
            up[a, c] += 1e-6
            down[a, c] -= 1e-6
            out[a, c] = (conv_loss(p, up) - conv_loss(p, down)) / 2e-6
    return out


# ---- stress ---------------------------------------------------------------------------------

def test_stress_every_level(questions):
    bank = load_bank()
    for tid, levels in questions.items():
        produced = set()
        for lv, qs in levels.items():
            for seed, q in enumerate(qs):
                assert question_problems(q) == [], (tid, lv, seed)
                p = q.params
                ans = np.asarray(q.answer_value, float)
                assert np.all(np.isfinite(ans))
                if tid == "backprop.conv-weight":
                    assert ans.shape == (2, 2)
                    assert np.allclose(np.asarray(p["x"]), np.round(p["x"]))
                    assert len(p["x"]) == (3 if lv <= 2 else 4)
                    assert (p["mode"] == "mse") == (lv == 2) and p["relu"] == (lv == 3)
                else:
                    for key in ("x", "W1", "b1", "W2", "b2"):
                        assert _one_decimal(p[key]), (key, p[key])
                    assert (p["loss"] == "ce") == (lv == 3)
                    if lv == 1:
                        assert p["wrt"].startswith("2.")
                    elif lv == 2:
                        assert p["wrt"].startswith("0.")
                    if tid == "backprop.network-matrix":
                        assert ans.shape == np.shape(p["W2"] if lv == 1 else p["W1"])
                produced.update(m.id for m in q.misconceptions)
        declared = {m.id for m in bank.templates[tid].misconceptions}
        assert produced == declared, (tid, declared - produced)


# ---- independent checks -----------------------------------------------------------------

def test_network_answers_match_finite_differences(questions):
    for tid in ("backprop.network", "backprop.network-matrix"):
        for lv, qs in questions[tid].items():
            for q in qs[:200]:
                p = q.params
                expected = net_fd(p, p["wrt"], p["index"])
                np.testing.assert_allclose(q.answer_value, expected, atol=1e-6, err_msg=f"{tid} {lv} {p}")


def test_conv_answers_match_finite_differences(questions):
    for lv, qs in questions["backprop.conv-weight"].items():
        for q in qs[:300]:
            np.testing.assert_allclose(q.answer_value, conv_fd(q.params), atol=1e-6, err_msg=str(q.params))


def test_answers_match_torch(questions):
    torch = pytest.importorskip("torch")
    import torch_reference as ref
    F = torch.nn.functional
    for tid, levels in questions.items():
        for lv, qs in levels.items():
            for q in qs[:(100 if tid == "backprop.graph" else 20)]:
                np.testing.assert_allclose(ref.solve_check(q.check), q.answer_value, atol=1e-9,
                                           err_msg=f"{tid} {lv} {q.params}")
    # the conv recipe (weight gradient as an input gradient) against a real Conv2d
    for q in [q for qs in questions["backprop.conv-weight"].values() for q in qs[:200]]:
        p = q.params
        x = torch.tensor(p["x"], dtype=torch.float64)[None, None]
        w = torch.tensor(p["weight"] or [[0.0, 0.0], [0.0, 0.0]], dtype=torch.float64)[None, None].requires_grad_()
        y = F.conv2d(x, w, torch.tensor([float(p["bias"] or 0.0)], dtype=torch.float64), stride=p["stride"])
        if p["relu"]:
            y = torch.relu(y)
        if p["mode"] == "upstream":
            y.backward(torch.tensor(p["grad"], dtype=torch.float64)[None, None])
        else:
            F.mse_loss(y, torch.tensor(p["target"], dtype=torch.float64)[None, None]).backward()
        np.testing.assert_allclose(w.grad[0, 0].numpy(), q.answer_value, atol=1e-9)


# ---- hand-worked examples -------------------------------------------------------------------

def _net(**kw):
    base = {"x": [1.0, 2.0], "W1": [[0.5, -0.5], [1.0, 0.0]], "b1": [0.5, -0.5], "act": "ReLU",
            "W2": [[1.0, -1.0]], "b2": [0.0], "loss": "mse", "target": [1.0], "level": 1}
    return {**base, **kw}


def test_hand_worked_network():
    from quizgen.solvers import Redraw
    # z = [0.5 - 1 + 1, 1 - 0.5] = [0.5, 0.5], h = [0.5, 0.5], y = 0.5 - 0.5 = 0, dL/dy = 2 (0 - 1) = -2
    p = _net(b1=[1.0, -0.5])
    sol = N.solve_network({**p, "wrt": "2.weight", "index": [0, 0]})
    assert sol.answer == pytest.approx(-1.0)                          # dL/dy * h_1 = -2 * 0.5
    assert sol.misconceptions["forgot-factor-two"] == pytest.approx(-0.5)
    assert sol.misconceptions["wrong-sign"] == pytest.approx(1.0)
    assert sol.misconceptions["pre-activation-input"] == pytest.approx(-1.0)   # z = h here (ReLU, z > 0)
    sol = N.solve_network({**p, "wrt": "0.weight", "index": [1, 1]})
    assert sol.answer == pytest.approx(4.0)                           # (W2_12 * -2) * 1 * x_2 = 2 * 2
    sol = N.solve_network({**p, "wrt": "0.weight", "index": [0, 1]})
    assert sol.answer == pytest.approx(-4.0)                          # (W2_11 * -2) * 1 * x_2 = -2 * 2
    assert sol.misconceptions["swapped-indices"] == pytest.approx(2.0)   # dL/dW1[1, 0] = 2 * x_1
    sol = N.solve_network({**p, "wrt": "0.bias", "index": [0]})
    assert sol.answer == pytest.approx(-2.0)
    # a pre-activation at 0 is redrawn (ReLU kink, and degenerate for the others)
    with pytest.raises(Redraw):
        N.solve_network({**_net(act="Sigmoid", W1=[[0.0, 0.0], [0.0, 0.0]], b1=[0.0, 0.0]),
                         "wrt": "0.weight", "index": [0, 0]})
    # sigmoid hidden layer: z = [1, -1], h = [s, 1 - s], y = 1, target 0, dL/dy = 2
    p = _net(act="Sigmoid", W1=[[0.0, 0.0], [0.0, 0.0]], b1=[1.0, -1.0], W2=[[1.0, 1.0]], target=[0.0])
    s1 = 1 / (1 + math.exp(-1.0))
    sol = N.solve_network({**p, "wrt": "0.weight", "index": [0, 1]})
    assert sol.answer == pytest.approx(2 * 1.0 * s1 * (1 - s1) * 2.0)
    assert sol.misconceptions["forgot-activation-derivative"] == pytest.approx(2 * 1.0 * 2.0)
    # cross-entropy: logits y = W2 h + b2; dL/dy = softmax(y) - onehot
    p = _net(act="Sigmoid", W1=[[0.0, 0.0], [0.0, 0.0]], b1=[1.0, -1.0], W2=[[1.0, 0.0], [0.0, 1.0]],
             b2=[0.0, 0.0], loss="ce", target=1)
    sol = N.solve_network({**p, "wrt": "2.weight", "index": [1, 1]})
    e0, e1 = math.exp(s1), math.exp(1 - s1)
    assert sol.answer == pytest.approx((e1 / (e0 + e1) - 1) * (1 - s1))


def test_hand_worked_conv():
    x = [[1, 2, 0], [0, 1, 3], [2, 1, 1]]
    g = [[1, 0], [2, -1]]
    p = {"x": x, "stride": 1, "relu": False, "mode": "upstream", "grad": g, "weight": None, "bias": None,
         "target": None, "level": 1}
    sol = N.solve_conv(p)
    # dW[a][b] = x[a][b] * 1 + x[a+1][b] * 2 + x[a+1][b+1] * (-1)
    assert sol.answer == [[1 + 0 - 1, 2 + 2 - 3], [0 + 4 - 1, 1 + 2 - 1]]
    assert sol.misconceptions["transposed"] == [[0, 3], [1, 2]]
    assert sol.misconceptions["rotated-kernel"] == [[2, 3], [1, 0]]
    # MSE: X = I, W = [[1, 0], [0, 0.5]], b = 0 -> Y = [[1.5, 0], [0, 1.5]]; T = [[1, 1], [0, 0]]
    # dL/dY = 2 (Y - T) / 4 = [[0.25, -0.5], [0, 0.75]]
    p = {"x": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "stride": 1, "relu": False, "mode": "mse", "grad": None,
         "weight": [[1.0, 0.0], [0.0, 0.5]], "bias": 0.0, "target": [[1, 1], [0, 0]], "level": 2}
    sol = N.solve_conv(p)
    # dW[0][0] = 0.25*1 + 0.75*1 = 1; dW[0][1] = -0.5*0 ... = 0.25*0 + -0.5*0 + 0*1 + 0.75*0 = 0
    # dW[1][0] = 0.25*0 + -0.5*1 + 0*0 + 0.75*0 = -0.5; dW[1][1] = 0.25*1 + 0.75*1 = 1
    np.testing.assert_allclose(sol.answer, [[1.0, 0.0], [-0.5, 1.0]])
    np.testing.assert_allclose(sol.misconceptions["forgot-mean"], [[4.0, 0.0], [-2.0, 4.0]])
    np.testing.assert_allclose(sol.answer, conv_fd(p))
