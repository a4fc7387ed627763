"""Backpropagation through tiny networks (families ``backprop.network``,
``backprop.network-matrix``) and the weight gradient of a tiny Conv2d (``backprop.conv-weight``).

Network params: ``x`` (input), ``W1``/``b1`` (first Linear, torch layout ``[out, in]``),
``act`` (Sigmoid, ReLU or Tanh), ``W2``/``b2``, ``loss`` ("mse": MSELoss(mean) to ``target``;
"ce": CrossEntropyLoss to class index ``target``), ``wrt`` ("0.weight", "0.bias",
"2.weight", "2.bias") and ``index`` (``[row, col]``, ``[row]`` or None for the whole matrix).
All given numbers have one decimal.  The engine (``quizgen.engine.network``) gives the
answer; a hand-written backward pass with switchable mistakes gives the misconceptions.
"""
from __future__ import annotations

import numpy as np

from ..engine import network
from ..engine.activations import sigmoid, softmax
from ..texfmt import fmt4 as fmt, fmt4_row
from . import Redraw, Solution, allclose, register
from .stacks import pick

ACT_TORCH = {"Sigmoid": "nn.Sigmoid()", "ReLU": "nn.ReLU()", "Tanh": "nn.Tanh()"}


def tex_mat(m) -> str:
    """A 2-D array (or a 1-D one as a column) as a bmatrix with :func:`fmt` numbers."""
    a = np.asarray(m, dtype=float)
    if a.ndim == 1:                       # a column: one number a row
        body = r" \\ ".join(fmt4_row(a.tolist()))
    else:
        body = r" \\ ".join(" & ".join(fmt4_row(row)) for row in a.tolist())
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def _outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.outer(a, b)`` of two 1-D arrays, ``[len(a), len(b)]``: the same products ``a[i] * b[j]``
    without ``np.outer``'s conversions (this runs a dozen times per question)."""
    return a[:, None] * b[None, :]


def _one_decimal(rng, lo, hi, shape=None, nonzero=True):
    vals = rng.integers(int(round(lo * 10)), int(round(hi * 10)) + 1, size=shape) / 10.0
    vals = vals.tolist()  # k / 10.0 is already the double nearest to k/10: no rounding needed
    return _no_zero(vals) if nonzero else vals


def _no_zero(v):
    """A number, or nested lists of numbers, with every 0 replaced by 0.1."""
    if isinstance(v, list):
        return [_no_zero(u) for u in v]
    return 0.1 if v == 0 else v


# ---- the network: activations, right and wrong ---------------------------------------------

def _act(name, z):
    if name == "Sigmoid":
        return sigmoid(z)
    if name == "Tanh":
        return np.tanh(z)
    return np.maximum(z, 0.0)


def _act_deriv(name, z):
    if name == "Sigmoid":
        s = sigmoid(z)
        return s * (1 - s)
    if name == "Tanh":
        return 1 - np.tanh(z) ** 2
    return (np.asarray(z) > 0).astype(float)


def layers_of(p) -> list:
    w1, w2 = np.asarray(p["W1"]), np.asarray(p["W2"])
    return [{"type": "Linear", "in_features": w1.shape[1], "out_features": w1.shape[0],
             "weight": p["W1"], "bias": p["b1"]},
            {"type": p["act"]},
            {"type": "Linear", "in_features": w2.shape[1], "out_features": w2.shape[0],
             "weight": p["W2"], "bias": p["b2"]}]


def loss_spec(p) -> dict:
    if p["loss"] == "mse":
        return {"type": "MSELoss", "target": p["target"], "reduction": "mean"}
    return {"type": "CrossEntropyLoss", "target": int(p["target"]), "reduction": "mean"}


def engine_grads(p) -> tuple[list, float, dict]:
    layers = layers_of(p)
    acts = network.forward(layers, p["x"])
    value, grads = _engine_backward(p, layers, acts)
    return acts, value, grads


def _engine_backward(p, layers, acts) -> tuple[float, dict]:
    value, g = network.loss_and_grad(loss_spec(p), acts[-1])
    _, grads = network.backward(layers, acts, g)
    return value, grads


def _hand_forward(p) -> dict:
    """The forward pass of :func:`hand_grads` (float arrays) and what every mistake shares.

    ``x``, ``W2``, ``z`` (pre-activation), ``h``, ``y`` (output), ``deriv`` (the activation's
    derivative at ``z``) and, for MSE, ``err`` (``y - target``); for cross-entropy ``probs``
    (softmax of ``y``) and ``onehot``.
    """
    x = np.asarray(p["x"], float)
    W1, b1 = np.asarray(p["W1"], float), np.asarray(p["b1"], float)
    W2, b2 = np.asarray(p["W2"], float), np.asarray(p["b2"], float)
    z = W1 @ x + b1
    h = _act(p["act"], z)
    y = W2 @ h + b2
    fw = {"x": x, "W2": W2, "z": z, "h": h, "y": y, "deriv": _act_deriv(p["act"], z)}
    if p["loss"] == "mse":
        fw["err"] = y - np.asarray(p["target"], float)
    else:
        fw["probs"] = softmax(y)
        fw["onehot"] = np.eye(y.size)[int(p["target"])]
    return fw


def hand_grads(p, mistake=None, forward=None, wrt=None) -> dict:
    """The backward pass written out, with one typical mistake switched on.

    ``forward``: ``_hand_forward(p)`` when the caller has it already (it does not depend on the
    mistake). ``wrt``: compute only what that gradient needs ("2.weight" and "2.bias" need no
    pass through the first layer); None: all four.
    """
    fw = forward or _hand_forward(p)
    x, W2, z, h, y = fw["x"], fw["W2"], fw["z"], fw["h"], fw["y"]
    n = y.size
    if p["loss"] == "mse":
        factor = 1.0 if mistake == "forgot-factor-two" else 2.0
        d2 = factor * fw["err"] / (1 if mistake == "forgot-mean" else n)
    else:
        d2 = (y if mistake == "forgot-softmax" else fw["probs"]) - fw["onehot"]
    if mistake == "wrong-sign":
        d2 = -d2
    h_used = z if mistake == "pre-activation-input" else h
    dW2 = _outer(d2, h_used)
    out = {}
    if wrt is None or wrt.startswith("0."):
        dh = W2.T @ d2
        if mistake == "forgot-activation-derivative":
            deriv = np.ones_like(z)
        elif mistake == "derivative-at-output":
            deriv = _act_deriv(p["act"], h)
        else:
            deriv = fw["deriv"]
        d1 = dh * deriv
        dW1 = _outer(d1, x)
        out = {"0.weight": dW1.T if mistake == "transposed" else dW1, "0.bias": d1}
    out.update({"2.weight": dW2.T if mistake == "transposed" else dW2, "2.bias": d2})
    return out


NET_MISTAKES = ("forgot-activation-derivative", "derivative-at-output", "pre-activation-input",
                "forgot-factor-two", "forgot-mean", "forgot-softmax", "wrong-sign")


def _pick_value(grads: dict, wrt: str, index):
    g = np.asarray(grads[wrt])
    if index is None:
        return g.tolist()
    return float(g[tuple(index)])


# ---- sampling -------------------------------------------------------------------------------

def _draw_net(rng, n_in, n_hidden, n_out, loss, act=None) -> dict:
    return {
        "x": _one_decimal(rng, -1.5, 1.5, n_in),
        "W1": _one_decimal(rng, -1.0, 1.0, (n_hidden, n_in)),
        "b1": _one_decimal(rng, -0.5, 0.5, n_hidden, nonzero=False),
        "act": act or pick(rng, ["Sigmoid", "ReLU", "Tanh"]),
        "W2": _one_decimal(rng, -1.0, 1.0, (n_out, n_hidden)),
        "b2": _one_decimal(rng, -0.5, 0.5, n_out, nonzero=False),
        "loss": loss,
        "target": (_one_decimal(rng, -1.0, 1.0, n_out, nonzero=False) if loss == "mse"
                   else int(rng.integers(n_out))),
    }


def sample_scalar(rng: np.random.Generator, level: int, p: dict) -> dict:
    if level == 1:
        n_out = pick(rng, [1, 2])
        net = _draw_net(rng, 2, 2, n_out, "mse")
        wrt = pick(rng, ["2.weight", "2.weight", "2.bias"])
        row = int(rng.integers(n_out))
        index = [row, int(rng.integers(2))] if wrt == "2.weight" else [row]
    elif level == 2:
        n_in, n_h = int(rng.integers(2, 4)), int(rng.integers(2, 4))
        net = _draw_net(rng, n_in, n_h, 1, "mse")
        wrt = pick(rng, ["0.weight", "0.weight", "0.bias"])
        j = int(rng.integers(n_h))
        index = [j, int(rng.integers(n_in))] if wrt == "0.weight" else [j]
    else:
        n_h, n_out = int(rng.integers(2, 4)), int(rng.integers(2, 4))
        net = _draw_net(rng, 2, n_h, n_out, "ce")
        wrt = pick(rng, ["0.weight", "0.weight", "2.weight"])
        rows = n_h if wrt == "0.weight" else n_out
        cols = 2 if wrt == "0.weight" else n_h
        index = [int(rng.integers(rows)), int(rng.integers(cols))]
    return {**p, **net, "wrt": wrt, "index": index}


def sample_matrix(rng: np.random.Generator, level: int, p: dict) -> dict:
    if level == 1:
        net = _draw_net(rng, 2, 3, 2, "mse")
        wrt = "2.weight"
    elif level == 2:
        net = _draw_net(rng, int(rng.integers(2, 4)), 2, 1, "mse")
        wrt = "0.weight"
    else:
        net = _draw_net(rng, 2, 2, int(rng.integers(2, 4)), "ce")
        wrt = "0.weight"
    return {**p, **net, "wrt": wrt, "index": None}


# ---- solving --------------------------------------------------------------------------------

_DERIV_TEX = {
    "Sigmoid": r"\sigma'(z) = \sigma(z)\,(1 - \sigma(z)) = h \odot (1 - h)",
    "Tanh": r"\tanh'(z) = 1 - \tanh^2(z) = 1 - h \odot h",
    "ReLU": r"\mathrm{ReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z < 0 \end{cases}",
}
_ACT_TEX = {"Sigmoid": r"\sigma", "Tanh": r"\tanh", "ReLU": r"\mathrm{ReLU}"}


def _wrt_tex(wrt: str, index) -> str:
    layer = "1" if wrt.startswith("0.") else "2"
    sym = "W" if wrt.endswith("weight") else "b"
    if index is None:
        return f"{sym}^{{({layer})}}"
    sub = "".join(str(i + 1) for i in index[-2:]) if sym == "W" else str(index[-1] + 1)
    return f"{sym}^{{({layer})}}_{{{sub}}}"


def solve_network(p: dict) -> Solution:
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
        if m == "pre-activation-input" and not wrt == "2.weight":
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
                 rf"\cdot {iname}_{{{c + 1}}} = {fmt(delta[r])} \cdot {fmt(inp[c])} = {fmt(answer)}")
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


# ---- Conv2d weight gradient ------------------------------------------------------------------

def sample_conv(rng: np.random.Generator, level: int, p: dict) -> dict:
    if level == 1:
        x = rng.integers(-3, 4, size=(3, 3)).tolist()
        g = rng.integers(-2, 3, size=(2, 2)).tolist()
        return {**p, "x": x, "stride": 1, "relu": False, "mode": "upstream", "grad": g,
                "weight": None, "bias": None, "target": None}
    if level == 2:
        x = rng.integers(-2, 3, size=(3, 3)).tolist()
        w = _one_decimal(rng, -1.0, 1.0, (2, 2))
        b = round(float(_one_decimal(rng, -0.5, 0.5, nonzero=False)), 1)
        t = rng.integers(-2, 3, size=(2, 2)).tolist()
        return {**p, "x": x, "stride": 1, "relu": False, "mode": "mse", "grad": None,
                "weight": w, "bias": b, "target": t}
    x = rng.integers(-3, 4, size=(4, 4)).tolist()
    w = _one_decimal(rng, -1.0, 1.0, (2, 2))
    b = round(float(_one_decimal(rng, -0.5, 0.5, nonzero=False)), 1)
    g = rng.integers(-2, 3, size=(2, 2)).tolist()
    return {**p, "x": x, "stride": 2, "relu": True, "mode": "upstream", "grad": g,
            "weight": w, "bias": b, "target": None}


def _conv_forward(x, w, b, s):
    x, w = np.asarray(x, float), np.asarray(w, float)
    n = (x.shape[0] - 2) // s + 1
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            out[i, j] = np.sum(x[s * i:s * i + 2, s * j:s * j + 2] * w) + b
    return out


def conv_weight_grad(p: dict, mistake=None, out=None):
    """dL/dW (2x2) by the formula dW[a, b] = sum_ij G[i, j] X[s i + a, s j + b], with mistakes.

    ``out``: the layer's output ``_conv_forward(x, weight, bias, stride)`` when the caller has it
    already (it does not depend on the mistake).
    """
    x = np.asarray(p["x"], float)
    s = p["stride"]
    n = (x.shape[0] - 2) // s + 1
    if out is None and (p["mode"] != "upstream" or p["relu"]):
        out = _conv_forward(x, p["weight"], p["bias"], s)
    if p["mode"] == "upstream":
        g = np.asarray(p["grad"], float)
    else:
        y = out
        t = np.asarray(p["target"], float)
        g = (1.0 if mistake == "forgot-factor-two" else 2.0) * (y - t) / (1 if mistake == "forgot-mean" else y.size)
    if p["relu"] and mistake != "forgot-relu-mask":
        pre = out
        g = g * (pre > 0)
    if mistake == "wrong-sign":
        g = -g
    if mistake == "ignored-stride":
        s = 1
    dw = np.zeros((2, 2))
    for i in range(n):
        for j in range(n):
            dw += g[i, j] * x[s * i:s * i + 2, s * j:s * j + 2]
    if mistake == "transposed":
        dw = dw.T
    if mistake == "rotated-kernel":
        dw = dw[::-1, ::-1]
    return dw, g


CONV_MISTAKES = ("transposed", "rotated-kernel", "forgot-factor-two", "forgot-mean",
                 "forgot-relu-mask", "ignored-stride", "wrong-sign")


def conv_check(p: dict) -> dict:
    """The CHECK recipe: the Conv2d(1, 1, 2) the student sees, on the [1, H, W] input; its weight
    gradient has shape [1, 1, 2, 2] and ``index: [0, 0]`` picks the 2x2 matrix of the answer."""
    weight = p["weight"] if p["weight"] is not None else [[0.0, 0.0], [0.0, 0.0]]
    layers = [{"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 2,
               "stride": p["stride"], "weight": [[weight]], "bias": [float(p["bias"] or 0.0)]}]
    if p["relu"]:
        layers.append({"type": "ReLU"})
    if p["mode"] == "upstream":
        loss = {"type": "upstream", "grad": [p["grad"]]}
    else:
        loss = {"type": "MSELoss", "target": [[[float(v) for v in row] for row in p["target"]]],
                "reduction": "mean"}
    return {"kind": "gradient", "input": [p["x"]], "layers": layers, "loss": loss,
            "wrt": "0.weight", "index": [0, 0]}


def solve_conv(p: dict) -> Solution:
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


def tex_paren(x: float) -> str:
    s = fmt(x)
    return f"({s})" if s.startswith("-") else s


register("backprop.network", solve_network, sample_scalar)
register("backprop.network-matrix", solve_network, sample_matrix)
register("backprop.conv-weight", solve_conv, sample_conv)
