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


# ---- the fast paths against the reference (the engine and the numpy hand computations) --------

from quizgen.engine import network
from quizgen.engine.activations import softmax
from quizgen.solvers import Redraw, Solution, allclose
from quizgen.solvers.network_backprop import (
    _ACT_TEX,
    _DERIV_TEX,
    ACT_TORCH,
    CONV_MISTAKES,
    NET_MISTAKES,
    _act_deriv,
    _conv_forward,
    _engine_backward,
    _hand_forward,
    _outer,
    _pick_value,
    _wrt_tex,
    conv_check,
    conv_weight_grad,
    fmt,
    hand_grads,
    layers_of,
    loss_spec,
    tex_mat,
    tex_paren,
)


def reference_solve_network(p: dict) -> Solution:
    """solve_network as it was before the fast path: engine, numpy hand_grads, numpy text."""
    layers = layers_of(p)
    acts = network.forward(layers, p["x"])
    x, z, h, y = (np.asarray(a, float) for a in acts)
    if np.any(np.abs(z) < 0.05):
        raise Redraw("a pre-activation is (almost) 0")
    if p["act"] == "ReLU" and not np.any(z > 0):
        raise Redraw("every ReLU is off")
    loss_value, grads = _engine_backward(p, layers, acts)
    wrt, index = p["wrt"], p.get("index")
    answer = _pick_value(grads, wrt, index)
    big = np.max(np.abs(answer)) if index is None else abs(answer)
    if big < 0.02:
        raise Redraw("gradient too small to be a good question")
    forward = _hand_forward(p)
    hand = hand_grads(p, forward=forward, wrt=wrt)
    assert allclose(np.asarray(_pick_value(hand, wrt, index)), np.asarray(answer))
    mis = {}
    mistakes = NET_MISTAKES + (("transposed",) if index is None else ("swapped-indices",))
    for m in mistakes:
        if m == "swapped-indices":
            g = np.asarray(grads[wrt])
            if len(index) == 2 and index[0] != index[1] and index[1] < g.shape[0] and index[0] < g.shape[1]:
                mis[m] = float(g[index[1], index[0]])
            continue
        if m == "forgot-mean" and (p["loss"] != "mse" or len(y) == 1):
            continue
        if m in ("forgot-factor-two",) and p["loss"] != "mse":
            continue
        if m == "forgot-softmax" and p["loss"] != "ce":
            continue
        if m in ("forgot-activation-derivative", "derivative-at-output") and not wrt.startswith("0."):
            continue                      # the activation's derivative is not on the path to layer 2
        if m == "pre-activation-input" and wrt != "2.weight":
            continue
        mis[m] = _pick_value(hand_grads(p, m, forward, wrt), wrt, index)

    first = wrt.startswith("0.")
    n = len(y)
    y_tex = tex_mat(y)                    # each matrix below is shown more than once
    if p["loss"] == "mse":
        t = np.asarray(p["target"], float)
        probs = None
        d2 = 2 * (y - t) / n
        d2_tex = tex_mat(d2)
        d2_formula = (r"\frac{\partial L}{\partial \hat y} = 2(\hat y - t) = 2\,(" + fmt(y[0]) + " - "
                      + tex_paren(t[0]) + f") = {fmt(d2[0])}") if n == 1 else (
            rf"\frac{{\partial L}}{{\partial \hat y}} = \frac{{2}}{{{n}}}(\hat y - t) = \frac{{2}}{{{n}}}"
            + "\\left(" + y_tex + " - " + tex_mat(t) + "\\right) = " + d2_tex)
        loss_formula = (rf"L = (\hat y - t)^2 = {fmt(loss_value)}" if n == 1 else
                        rf"L = \frac{{1}}{{{n}}}\sum_k (\hat y_k - t_k)^2 = {fmt(loss_value)}")
    else:
        probs = softmax(y)
        onehot = np.eye(n)[int(p["target"])]
        d2 = probs - onehot
        d2_tex = tex_mat(d2)
        d2_formula = (r"\frac{\partial L}{\partial \hat y} = p - y_{\text{one-hot}} = " + tex_mat(probs)
                      + " - " + tex_mat(onehot) + " = " + d2_tex)
        loss_formula = rf"L = -\ln p_{{{int(p['target']) + 1}}} = {fmt(loss_value)}"
    deriv = _act_deriv(p["act"], z)
    dh = np.asarray(p["W2"], float).T @ d2
    d1 = dh * deriv
    d1_tex = tex_mat(d1)
    steps = {
        "z": rf"z = W^{{(1)}} x + b^{{(1)}} = {tex_mat(z)}",
        "h": rf"h = {_ACT_TEX[p['act']]}(z) = {tex_mat(h)}",
        "y": rf"\hat y = W^{{(2)}} h + b^{{(2)}} = {y_tex}",
        "p": (rf"p = \mathrm{{softmax}}(\hat y) = {tex_mat(probs)}" if probs is not None else ""),
        "loss": loss_formula,
        "d2": d2_formula,
        "dW2": rf"\frac{{\partial L}}{{\partial W^{{(2)}}}} = \frac{{\partial L}}{{\partial \hat y}}\, h^\top = {tex_mat(_outer(d2, h))}",
        "db2": rf"\frac{{\partial L}}{{\partial b^{{(2)}}}} = \frac{{\partial L}}{{\partial \hat y}} = {d2_tex}",
        "dh": rf"\frac{{\partial L}}{{\partial h}} = W^{{(2)\top}} \frac{{\partial L}}{{\partial \hat y}} = {tex_mat(dh)}",
        "deriv": rf"{_DERIV_TEX[p['act']]}: \quad {tex_mat(deriv)}",
        "d1": rf"\frac{{\partial L}}{{\partial z}} = \frac{{\partial L}}{{\partial h}} \odot {_ACT_TEX[p['act']]}'(z) = {d1_tex}",
        "dW1": rf"\frac{{\partial L}}{{\partial W^{{(1)}}}} = \frac{{\partial L}}{{\partial z}}\, x^\top = {tex_mat(_outer(d1, x))}",
        "db1": rf"\frac{{\partial L}}{{\partial b^{{(1)}}}} = \frac{{\partial L}}{{\partial z}} = {d1_tex}",
    }
    if index is not None and wrt.endswith("weight"):
        r, c = index
        delta, inp = (d1, x) if first else (d2, h)
        dname = "z" if first else r"\hat y"
        iname = "x" if first else "h"
        final = (rf"\frac{{\partial L}}{{\partial {_wrt_tex(wrt, index)}}} = \frac{{\partial L}}{{\partial {dname}_{{{r + 1}}}}}"
                 rf"\cdot {iname}_{{{c + 1}}} = {fmt(delta[r])} \cdot {N.tex_paren(inp[c])} = {fmt(answer)}")
    elif index is not None:
        final = rf"\frac{{\partial L}}{{\partial {_wrt_tex(wrt, index)}}} = {fmt(answer)}"
    else:
        final = ""
    w1 = np.asarray(p["W1"])
    code = (f"model = nn.Sequential(nn.Linear({w1.shape[1]}, {w1.shape[0]}), {ACT_TORCH[p['act']]}, "
            f"nn.Linear({len(h)}, {n}))")
    loss_code = "nn.MSELoss()" if p["loss"] == "mse" else "nn.CrossEntropyLoss()"
    check = {"kind": "gradient", "input": p["x"], "layers": layers, "loss": loss_spec(p), "wrt": wrt}
    if index is not None:
        check["index"] = list(index)
    pytorch = "\n".join([
        "import torch",
        "from torch import nn",
        "",
        code,
        "with torch.no_grad():",
        f"    model[0].weight.copy_(torch.tensor({p['W1']}))",
        f"    model[0].bias.copy_(torch.tensor({p['b1']}))",
        f"    model[2].weight.copy_(torch.tensor({p['W2']}))",
        f"    model[2].bias.copy_(torch.tensor({p['b2']}))",
        f"x = torch.tensor({p['x']})",
        (f"loss = {loss_code}(model(x), torch.tensor({p['target']}))" if p["loss"] == "mse" else
         f"loss = {loss_code}(model(x), torch.tensor({int(p['target'])}))"),
        "loss.backward()",
        f"print(model[{wrt[0]}].{wrt[2:]}.grad{'' if index is None else list(index)})",
    ])
    return Solution(
        answer=answer,
        decimals=3,
        context={
            "code": code, "loss_code": loss_code, "steps": steps, "final": final,
            "first_layer": first, "asked": _wrt_tex(wrt, index),
            "torch_name": f"model[{wrt[0]}].{wrt[2:]}.grad" + ("" if index is None else str(list(index))),
            "W1_tex": tex_mat(p["W1"]), "b1_tex": tex_mat(p["b1"]),
            "W2_tex": tex_mat(p["W2"]), "b2_tex": tex_mat(p["b2"]), "x_tex": tex_mat(p["x"]),
            "t_tex": tex_mat(p["target"]) if p["loss"] == "mse" else "",
            "cls": int(p["target"]) if p["loss"] == "ce" else 0,
            "n_out": n, "act_name": p["act"], "asked_shape": list(np.shape(grads[wrt])),
            "grad_step": steps[("dW" if wrt.endswith("weight") else "db") + ("1" if first else "2")],
        },
        misconceptions=mis,
        check=check,
        pytorch=pytorch,
    )


def reference_solve_conv(p: dict) -> Solution:
    """solve_conv as it was before the fast path: numpy formula checked by the engine."""
    x = np.asarray(p["x"], float)
    s = p["stride"]
    n = (x.shape[0] - 2) // s + 1
    out = _conv_forward(x, p["weight"], p["bias"], s) if p["mode"] != "upstream" or p["relu"] else None
    answer, g = conv_weight_grad(p, out=out)
    if np.max(np.abs(answer)) < 0.05 or np.sum(np.abs(answer) < 1e-9) > 1:
        raise Redraw("degenerate gradient")
    if allclose(answer, answer.T):
        raise Redraw("symmetric gradient: transposing would not show")
    # the engine's Conv2d backward, as the reference
    layers = [{"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 2, "stride": s,
               "weight": [[p["weight"] if p["weight"] is not None else [[0.0, 0.0], [0.0, 0.0]]]],
               "bias": [float(p["bias"] or 0.0)]}]
    if p["relu"]:
        layers.append({"type": "ReLU"})
    acts = network.forward(layers, x[None])
    if p["mode"] == "upstream":
        loss = {"type": "upstream", "grad": [p["grad"]]}
    else:
        loss = {"type": "MSELoss", "target": [p["target"]], "reduction": "mean"}
    _, grad_out = network.loss_and_grad(loss, acts[-1])
    _, grads = network.backward(layers, acts, grad_out)
    engine_dw = grads["0.weight"][0, 0]
    assert allclose(engine_dw, answer)
    pre = acts[1][0]
    if p["relu"]:
        if np.any(np.abs(pre) < 0.05):
            raise Redraw("a ReLU input is (almost) 0")
        if np.sum(pre > 0) < 2:
            raise Redraw("too few ReLUs on")
    mis = {}
    for m in CONV_MISTAKES:
        if m in ("forgot-factor-two", "forgot-mean") and p["mode"] != "mse":
            continue
        if m == "forgot-relu-mask" and not p["relu"]:
            continue
        if m == "ignored-stride" and s == 1:
            continue
        mis[m] = conv_weight_grad(p, m, out)[0].tolist()
    gs, xs = g.tolist(), x.tolist()     # window (i, j) of the input starts at (s i, s j)
    terms = []
    for a in range(2):
        row = []
        for b in range(2):
            parts = [f"{tex_paren(gs[i][j])} \\cdot {tex_paren(xs[s * i + a][s * j + b])}"
                     for i in range(n) for j in range(n)]
            row.append(rf"\frac{{\partial L}}{{\partial w_{{{a}{b}}}}} = " + " + ".join(parts)
                       + f" = {fmt(answer[a, b])}")
        terms.extend(row)
    ctx = {
        "x_tex": tex_mat(x), "grad_tex": tex_mat(p["grad"]) if p["grad"] is not None else "",
        "w_tex": tex_mat(p["weight"]) if p["weight"] is not None else "",
        "bias": p["bias"] if p["bias"] is not None else 0,
        "t_tex": tex_mat(p["target"]) if p["target"] is not None else "",
        "y_tex": tex_mat(pre) if p["mode"] == "mse" or p["relu"] else "",
        "pre_tex": tex_mat(pre), "g_tex": tex_mat(g), "terms": terms, "out_size": n,
        "mask_tex": tex_mat((pre > 0).astype(float)) if p["relu"] else "",
        "exact": allclose(answer, np.round(answer)),
    }
    layer_code = f"nn.Conv2d(1, 1, kernel_size=2{', stride=2' if s == 2 else ''})"
    ctx["layer_code"] = layer_code
    lines = ["import torch", "from torch import nn", "", f"conv = {layer_code}",
             f"x = torch.tensor([[{p['x']}]], dtype=torch.float32)"]
    if p["weight"] is not None:
        lines += ["with torch.no_grad():", f"    conv.weight.copy_(torch.tensor([[{p['weight']}]]))",
                  f"    conv.bias.fill_({float(p['bias'])})"]
    out = "torch.relu(conv(x))" if p["relu"] else "conv(x)"
    if p["mode"] == "upstream":
        lines += [f"y = {out}", f"y.backward(torch.tensor([[{p['grad']}]], dtype=torch.float32))"]
    else:
        lines += [f"loss = nn.MSELoss()({out}, torch.tensor([[{p['target']}]], dtype=torch.float32))",
                  "loss.backward()"]
    lines.append("print(conv.weight.grad[0, 0])")
    return Solution(answer=answer.tolist(), decimals=0 if ctx["exact"] else 3, context=ctx,
                    misconceptions=mis, check=conv_check(p), pytorch="\n".join(lines))


def _random_net(rng):
    """A random network question (any sizes 1-3, either loss, any activation, any asked gradient)."""
    n_in, n_h, n_out = (int(v) for v in rng.integers(1, 4, size=3))
    loss = "mse" if rng.random() < 0.5 else "ce"
    if loss == "ce" and n_out == 1:
        n_out = 2
    p = {"level": 1, **N._draw_net(rng, n_in, n_h, n_out, loss)}
    wrt = ["0.weight", "0.bias", "2.weight", "2.bias"][int(rng.integers(4))]
    shape = np.shape(p["W1"] if wrt == "0.weight" else p["b1"] if wrt == "0.bias" else
                     p["W2"] if wrt == "2.weight" else p["b2"])
    index = None if rng.random() < 0.3 else [int(rng.integers(k)) for k in shape]
    return {**p, "wrt": wrt, "index": index}


def _net_params(n):
    """``n`` parameter sets: the samplers of every level, and random networks."""
    out = []
    for seed in range(n):
        rng = np.random.default_rng(10_000 + seed)
        kind = seed % 3
        if kind == 2:
            out.append(_random_net(rng))
        else:
            lv = int(rng.integers(1, 4))
            sample = N.sample_scalar if kind == 0 else N.sample_matrix
            out.append(sample(rng, lv, {"level": lv}))
    return out


def _solve_both(fast, reference, p):
    """``(fast(p), reference(p))``, or ``(None, None)`` when both ask for a redraw."""
    try:
        want = reference(p)
    except Redraw:
        with pytest.raises(Redraw):
            fast(p)
        return None, None
    return fast(p), want


def _same(a, b) -> bool:
    """Exact equality of nested lists / dicts of numbers and strings (ndarrays as lists)."""
    if isinstance(b, np.ndarray):
        b = b.tolist()
    if isinstance(a, np.ndarray):
        a = a.tolist()
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
    return type(a) in (int, float, bool, str, type(None)) and a == b


def test_fast_network_numbers_match_engine_and_hand_grads():
    # every number of the fast path equals the reference's (== : bit for bit but for the sign of 0)
    for p in _net_params(600):
        net = N._Net(p)
        z, h, y = N._engine_forward_fast(net)
        acts, value, grads = N.engine_grads(p)
        assert _same([z, h, y], [a.tolist() for a in acts[1:]])
        fast_value, fast_grads = N._engine_backward_fast(p, net, z, h, y, "0.weight")
        assert fast_value == value
        assert _same(fast_grads, {k: grads[k] for k in fast_grads}) and set(fast_grads) == set(grads)
        fw = N._hand_forward_fast(p, net)
        ref_fw = _hand_forward(p)
        assert all(_same(fw[k], ref_fw[k]) for k in fw if k != "W2")
        for m in (None, *NET_MISTAKES, "transposed"):
            ref = hand_grads(p, m, ref_fw)
            for wrt in ("0.weight", "0.bias", "2.weight", "2.bias"):
                assert _same(N._hand_grad_fast(p, net, fw, wrt, m), ref[wrt]), (m, wrt, p)
                if p["index"] is not None and wrt == p["wrt"] and m != "transposed":   # as solve asks
                    assert N._hand_grad_fast(p, net, fw, wrt, m, p["index"]) == _pick_value(ref, wrt, p["index"])


def test_fast_network_solver_matches_reference():
    solved = 0
    for p in _net_params(450):
        got, want = _solve_both(N.solve_network, reference_solve_network, p)
        if want is None:
            continue
        solved += 1
        assert _same(got.answer, want.answer) and got.decimals == want.decimals
        assert _same(got.misconceptions, want.misconceptions), p
        assert got.pytorch == want.pytorch and _same(got.check, want.check)
        steps = got.context["steps"]            # only the steps the solution shows
        shown = {"z", "h", "y", "p", "loss", "d2"} | ({"dh", "deriv", "d1", "dW1", "db1"} if p["wrt"][0] == "0"
                                                     else {"dW2", "db2"})
        assert set(steps) == shown
        assert steps == {k: want.context["steps"][k] for k in shown}
        assert _same({k: v for k, v in got.context.items() if k != "steps"},
                     {k: v for k, v in want.context.items() if k != "steps"})
    assert solved > 250


def _conv_params(n):
    out = []
    for seed in range(n):
        rng = np.random.default_rng(20_000 + seed)
        lv = seed % 3 + 1
        out.append(N.sample_conv(rng, lv, {"level": lv}))
    return out


def test_fast_conv_matches_reference_and_engine():
    solved = 0
    for p in _conv_params(600):
        x = [[float(v) for v in row] for row in p["x"]]
        w = p["weight"] or [[0.0, 0.0], [0.0, 0.0]]
        pre = N._conv_forward_list(x, w, float(p["bias"] or 0.0), p["stride"])
        layers = [{"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 2,
                   "stride": p["stride"], "weight": [[w]], "bias": [float(p["bias"] or 0.0)]}]
        assert _same(pre, network.forward(layers, np.asarray(x)[None])[1][0])
        assert _same(pre, _conv_forward(x, w, p["bias"] or 0.0, p["stride"]))
        for m in (None, *CONV_MISTAKES):
            dw, g = N._conv_weight_grad_list(p, x, pre, m)
            ref_dw, ref_g = conv_weight_grad(p, m)
            assert _same(dw, ref_dw) and _same(g, ref_g), (m, p)
        got, want = _solve_both(N.solve_conv, reference_solve_conv, p)
        if want is None:
            continue
        solved += 1
        assert _same(got.answer, want.answer) and got.decimals == want.decimals
        assert _same(got.misconceptions, want.misconceptions)
        assert got.pytorch == want.pytorch and _same(got.check, want.check)
        assert got.context["terms_md"] == "\n".join(f"- ${t}$" for t in want.context["terms"])
        assert _same({k: v for k, v in got.context.items() if k != "terms_md"}, want.context)
    assert solved > 300


def test_blas_products_agree_in_both_forms():
    # The fast path keeps the engine's `v @ W.T` and hand_grads' `W @ v` apart (and `g @ W` /
    # `W.T @ g`); they are expected to agree, which this checks on the numbers of the questions.
    for p in _net_params(300):
        x, W1, W2 = (np.asarray(p[k], float) for k in ("x", "W1", "W2"))
        assert np.array_equal(x @ W1.T, W1 @ x)
        g = np.asarray(p["b2"], float) + 0.37
        assert np.array_equal(g @ W2, W2.T @ g)
