"""Activation ("squashing") functions: values and derivatives of sigmoid, tanh and ReLU.

``activation.point`` (real): one point, the value (level 1) or the derivative (level 2).
``activation.points`` (vector): several points at once, values (level 1) or derivatives
(level 2).  Params: ``act`` (Sigmoid, Tanh, ReLU), ``x`` (a number or a list), ``what``
("value" or "derivative").  Values follow ``quizgen.engine.activations``.

Speed: the solvers compute on Python floats (:func:`_numbers`, :func:`_steps`) and call numpy
only for ``exp`` and ``tanh``, once per question for all the points (numpy's ``exp``/``tanh``
can differ from ``math``'s in the last bit, so they stay numpy).  :func:`value`,
:func:`derivative` and :func:`wrong` are the engine-based reference;
``tests/test_family_activations.py`` checks the fast numbers against them bit for bit.
"""
from __future__ import annotations

import numpy as np

from ..engine import activations as A
from ..texfmt import fmt4 as fmt
from . import Redraw, Solution, register
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
        # either side of the kink, so that "0" is not always right (and never at the kink
        # itself, where stating torch's convention would state the answer)
        v = round(float(rng.integers(1, 31)) / 10, 1)
        if level_what == "derivative" and rng.random() < 0.5:
            if v == 1.0:   # ReLU(1) = ReLU'(1): the value would pass for the derivative
                raise Redraw("ReLU'(1) equals ReLU(1)")
            return v
        return -v
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


def _transcendentals(act: str, xs: list) -> tuple:
    """numpy's ``exp(-x)``, ``exp(-|x|)`` and ``tanh(x)`` of the points ``xs`` (lists; None where
    ``act`` needs none): one ``np.exp`` call (and one ``np.tanh`` for Tanh) per question."""
    if act == "ReLU":
        return None, None, None
    n = len(xs)
    e = np.exp([-x for x in xs] + [-abs(x) for x in xs]).tolist()
    return e[:n], e[n:], (np.tanh(xs).tolist() if act == "Tanh" else None)


def _sigmoid(x: float, e: float) -> float:
    """``engine.activations.sigmoid`` of one point, given ``e = exp(-|x|)``."""
    return 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)


def _numbers(act: str, what: str, xs: list, trans: tuple) -> tuple:
    """``(answers, {mistake: values})`` for the Python-float points ``xs``, as
    ``value``/``derivative`` and ``wrong`` (only the mistakes that apply) give them."""
    _, e_abs, th = trans
    if act == "Sigmoid":
        values = [_sigmoid(x, e) for x, e in zip(xs, e_abs)]
    elif act == "Tanh":
        values = th
    else:
        values = [x if x > 0 else 0.0 for x in xs]           # np.maximum(x, 0.0), 0.0 at +-0
    mis = {}
    if what == "value":
        if act == "Sigmoid":
            mis["sigmoid-wrong-sign"] = [_sigmoid(-x, e) for x, e in zip(xs, e_abs)]
        elif act == "Tanh":
            mis["tanh-as-sigmoid"] = [_sigmoid(x, e) for x, e in zip(xs, e_abs)]
        else:
            mis["relu-kept-negative"] = list(xs)
        return values, mis
    # the backward functions multiply by grad_out = 1.0 first (exact)
    if act == "Sigmoid":
        answers = [s * (1.0 - s) for s in values]
    elif act == "Tanh":
        answers = [1.0 - t * t for t in th]                   # numpy's t ** 2 is t * t
    else:
        answers = [1.0 if x > 0 else 0.0 for x in xs]
    mis["derivative-is-value"] = values
    if act == "Tanh":
        mis["tanh-not-squared"] = [1 - t for t in th]
    elif act == "ReLU":
        mis["relu-derivative-one"] = [1.0] * len(xs)
    return answers, mis


def _steps(act: str, what: str, xs: list, trans: tuple) -> list:
    """One TeX line per point (``xs`` Python floats, ``trans`` from :func:`_transcendentals`)."""
    e_neg, e_abs, th = trans
    out = []
    for i, x in enumerate(xs):
        if what == "value":
            if act == "Sigmoid":
                out.append(rf"\sigma({fmt(x)}) = \frac{{1}}{{1 + e^{{{fmt(-x)}}}}} = \frac{{1}}{{1 + {fmt(e_neg[i])}}} = {fmt(_sigmoid(x, e_abs[i]))}")
            elif act == "Tanh":
                out.append(rf"\tanh({fmt(x)}) = \frac{{e^{{{fmt(x)}}} - e^{{{fmt(-x)}}}}}{{e^{{{fmt(x)}}} + e^{{{fmt(-x)}}}}} = {fmt(th[i])}")
            else:
                out.append(rf"\mathrm{{ReLU}}({fmt(x)}) = \max(0, {fmt(x)}) = {fmt(max(x, 0.0))}")
        else:
            if act == "Sigmoid":
                s = _sigmoid(x, e_abs[i])
                out.append(rf"\sigma({fmt(x)}) = {fmt(s)}, \quad \sigma'({fmt(x)}) = {fmt(s)} \cdot (1 - {fmt(s)}) = {fmt(s * (1 - s))}")
            elif act == "Tanh":
                t = th[i]
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
    trans = _transcendentals(act, [x])
    answers, wrongs = _numbers(act, what, [x], trans)
    ans = answers[0]
    expr = f"{FN[act]}(x)"
    # ReLU values are not asked at one point
    mis = {m: w[0] for m, w in wrongs.items() if m != "relu-kept-negative"}
    check = {"kind": "expression", "expression": expr, "values": {"x": x}}
    if what == "derivative":
        check["wrt"] = "x"
    fn = {"Sigmoid": "torch.sigmoid", "Tanh": "torch.tanh", "ReLU": "torch.relu"}[act]
    pytorch = (f"import torch\nx = torch.tensor({x}, requires_grad=True)\ny = {fn}(x)\n"
               + ("print(y)" if what == "value" else "y.backward()\nprint(x.grad)"))
    return Solution(answer=ans, decimals=3, misconceptions=mis, check=check, pytorch=pytorch,
                    context={"act_tex": TEX[act], "steps": _steps(act, what, [x], trans), "x_text": fmt(x),
                             "smooth": act != "ReLU"})


def solve_points(p: dict) -> Solution:
    act, what, xs = p["act"], p["what"], [float(v) for v in p["x"]]
    trans = _transcendentals(act, xs)
    ans, mis = _numbers(act, what, xs, trans)
    layers = [{"type": act}]
    if what == "value":
        check = {"kind": "forward", "input": xs, "layers": layers}
    else:
        check = {"kind": "gradient", "input": xs, "layers": layers,
                 "loss": {"type": "upstream", "grad": [1.0] * len(xs)}, "wrt": "input"}
    fn = {"Sigmoid": "torch.sigmoid", "Tanh": "torch.tanh", "ReLU": "torch.relu"}[act]
    pytorch = (f"import torch\nx = torch.tensor({xs}, requires_grad=True)\ny = {fn}(x)\n"
               + ("print(y)" if what == "value" else "y.sum().backward()   # each y_i depends only on x_i\nprint(x.grad)"))
    return Solution(answer=ans, decimals=3, misconceptions=mis, check=check,
                    pytorch=pytorch,
                    context={"act_tex": TEX[act], "steps": _steps(act, what, xs, trans),
                             "x_tex": r"\begin{bmatrix} " + " & ".join(fmt(v) for v in xs) + r" \end{bmatrix}",
                             "n": len(xs), "act_name": act})


register("activation.point", solve_point, sample_point)
register("activation.points", solve_points, sample_points)
