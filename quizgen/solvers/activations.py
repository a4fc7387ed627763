"""Activation ("squashing") functions: values and derivatives of sigmoid, tanh and ReLU.

``activation.point`` (real): one point, the value (level 1) or the derivative (level 2).
``activation.points`` (vector): several points at once, values (level 1) or derivatives
(level 2).  Params: ``act`` (Sigmoid, Tanh, ReLU), ``x`` (a number or a list), ``what``
("value" or "derivative").  Values come from ``quizgen.engine.activations``.
"""
from __future__ import annotations

import numpy as np

from ..engine import activations as A
from ..engine import expression as E
from ..engine import network
from ..texfmt import fmt4 as fmt
from . import Redraw, Solution, allclose, register
from .stacks import pick

FN = {"Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu"}
TEX = {"Sigmoid": r"\sigma", "Tanh": r"\tanh", "ReLU": r"\mathrm{ReLU}"}


def value(act: str, x):
    return {"Sigmoid": A.sigmoid, "Tanh": A.tanh, "ReLU": A.relu}[act](np.asarray(x, float))


def derivative(act: str, x):
    back = {"Sigmoid": A.sigmoid_backward, "Tanh": A.tanh_backward, "ReLU": A.relu_backward}[act]
    x = np.asarray(x, float)
    return back(x, np.ones_like(x))


def wrong(act: str, what: str, x, mistake: str):
    """The value a typical mistake gives (None where the mistake does not apply)."""
    x = np.asarray(x, float)
    if what == "value":
        if mistake == "sigmoid-wrong-sign" and act == "Sigmoid":
            return A.sigmoid(-x)
        if mistake == "tanh-as-sigmoid" and act == "Tanh":
            return A.sigmoid(x)
        if mistake == "relu-kept-negative" and act == "ReLU":
            return x
        return None
    if mistake == "derivative-is-value":
        return value(act, x)
    if mistake == "tanh-not-squared" and act == "Tanh":
        return 1 - np.tanh(x)
    if mistake == "relu-derivative-one" and act == "ReLU":
        return np.ones_like(x)
    return None


MISTAKES = {"value": ("sigmoid-wrong-sign", "tanh-as-sigmoid", "relu-kept-negative"),
            "derivative": ("derivative-is-value", "tanh-not-squared", "relu-derivative-one")}


def _point(rng, act, level_what) -> float:
    if act == "ReLU":
        if level_what == "derivative" and rng.random() < 0.3:
            return 0.0                                        # asked with torch's convention
        return -round(float(rng.integers(1, 31)) / 10, 1)     # the interesting side of ReLU
    v = 0.0
    while v == 0.0:
        v = round(float(rng.integers(-30, 31)) / 10, 1)
    return v


def sample_point(rng: np.random.Generator, level: int, p: dict) -> dict:
    what = "value" if level == 1 else "derivative"
    acts = ["Sigmoid", "Tanh"] if what == "value" else ["Sigmoid", "Sigmoid", "Tanh", "Tanh", "ReLU"]
    act = pick(rng, acts)          # ReLU's value at one point is too easy to ask on its own
    return {**p, "act": act, "what": what, "x": _point(rng, act, what)}


def sample_points(rng: np.random.Generator, level: int, p: dict) -> dict:
    what = "value" if level == 1 else "derivative"
    act = pick(rng, ["Sigmoid", "Tanh", "ReLU"])
    n = int(rng.integers(3, 5))
    xs = set()
    while len(xs) < n:
        v = round(float(rng.integers(-30, 31)) / 10, 1)
        if v != 0.0:
            xs.add(v)
    xs = sorted(xs)
    if act == "ReLU" and (all(v > 0 for v in xs) or all(v < 0 for v in xs)):
        raise Redraw("ReLU points on one side only")
    return {**p, "act": act, "what": what, "x": xs}


def _steps(act: str, what: str, xs) -> list:
    """One TeX line per point."""
    out = []
    for x in np.atleast_1d(np.asarray(xs, float)):
        if what == "value":
            if act == "Sigmoid":
                out.append(rf"\sigma({fmt(x)}) = \frac{{1}}{{1 + e^{{{fmt(-x)}}}}} = \frac{{1}}{{1 + {fmt(np.exp(-x))}}} = {fmt(A.sigmoid(x))}")
            elif act == "Tanh":
                out.append(rf"\tanh({fmt(x)}) = \frac{{e^{{{fmt(x)}}} - e^{{{fmt(-x)}}}}}{{e^{{{fmt(x)}}} + e^{{{fmt(-x)}}}}} = {fmt(np.tanh(x))}")
            else:
                out.append(rf"\mathrm{{ReLU}}({fmt(x)}) = \max(0, {fmt(x)}) = {fmt(max(x, 0.0))}")
        else:
            if act == "Sigmoid":
                s = float(A.sigmoid(x))
                out.append(rf"\sigma({fmt(x)}) = {fmt(s)}, \quad \sigma'({fmt(x)}) = {fmt(s)} \cdot (1 - {fmt(s)}) = {fmt(s * (1 - s))}")
            elif act == "Tanh":
                t = float(np.tanh(x))
                out.append(rf"\tanh({fmt(x)}) = {fmt(t)}, \quad \tanh'({fmt(x)}) = 1 - ({fmt(t)})^2 = {fmt(1 - t * t)}")
            else:
                if x == 0:
                    out.append(r"\mathrm{ReLU}'(0) = 0 \quad (\texttt{torch.relu})")
                else:
                    rel = ">" if x > 0 else "<"
                    out.append(rf"{fmt(x)} {rel} 0 \;\Rightarrow\; \mathrm{{ReLU}}'({fmt(x)}) = {1 if x > 0 else 0}")
    return out


def solve_point(p: dict) -> Solution:
    act, what, x = p["act"], p["what"], float(p["x"])
    ans = float(value(act, x) if what == "value" else derivative(act, x))
    expr = f"{FN[act]}(x)"
    eng = E.evaluate(expr, {"x": x}) if what == "value" else E.gradients(expr, {"x": x})["x"]
    assert abs(eng - ans) < 1e-12
    mis = {}
    for m in MISTAKES[what]:
        w = wrong(act, what, x, m)
        if w is not None and m != "relu-kept-negative":     # ReLU values are not asked at one point
            mis[m] = float(w)
    check = {"kind": "expression", "expression": expr, "values": {"x": x}}
    if what == "derivative":
        check["wrt"] = "x"
    fn = {"Sigmoid": "torch.sigmoid", "Tanh": "torch.tanh", "ReLU": "torch.relu"}[act]
    pytorch = (f"import torch\nx = torch.tensor({x}, requires_grad=True)\ny = {fn}(x)\n"
               + ("print(y)" if what == "value" else "y.backward()\nprint(x.grad)"))
    return Solution(answer=ans, decimals=3, misconceptions=mis, check=check, pytorch=pytorch,
                    context={"act_tex": TEX[act], "steps": _steps(act, what, x), "x_text": fmt(x),
                             "at_zero": x == 0.0})


def solve_points(p: dict) -> Solution:
    act, what, xs = p["act"], p["what"], list(p["x"])
    ans = value(act, xs) if what == "value" else derivative(act, xs)
    layers = [{"type": act}]
    acts = network.forward(layers, xs)
    if what == "value":
        assert allclose(acts[-1], ans)
        check = {"kind": "forward", "input": xs, "layers": layers}
    else:
        g, _ = network.backward(layers, acts, np.ones(len(xs)))
        assert allclose(g, ans)
        check = {"kind": "gradient", "input": xs, "layers": layers,
                 "loss": {"type": "upstream", "grad": [1.0] * len(xs)}, "wrt": "input"}
    mis = {}
    for m in MISTAKES[what]:
        w = wrong(act, what, xs, m)
        if w is not None:
            mis[m] = np.asarray(w).tolist()
    fn = {"Sigmoid": "torch.sigmoid", "Tanh": "torch.tanh", "ReLU": "torch.relu"}[act]
    pytorch = (f"import torch\nx = torch.tensor({xs}, requires_grad=True)\ny = {fn}(x)\n"
               + ("print(y)" if what == "value" else "y.sum().backward()   # each y_i depends only on x_i\nprint(x.grad)"))
    return Solution(answer=np.asarray(ans).tolist(), decimals=3, misconceptions=mis, check=check,
                    pytorch=pytorch,
                    context={"act_tex": TEX[act], "steps": _steps(act, what, xs),
                             "x_tex": r"\begin{bmatrix} " + " & ".join(fmt(v) for v in xs) + r" \end{bmatrix}",
                             "n": len(xs), "act_name": act})


register("activation.point", solve_point, sample_point)
register("activation.points", solve_points, sample_points)
