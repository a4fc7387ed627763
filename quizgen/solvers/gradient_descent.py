"""Gradient descent: SGD steps by hand (``gd.sgd``) and reading loss traces to tell a too
large, a good and a too small learning rate apart (``gd.learning-rate``).

``gd.sgd`` params: ``loss`` (an expression in the parameters), ``init`` (name -> value),
``lr``, ``steps``, ``momentum`` (0 for plain SGD), ``ask`` (the parameter asked for).
The trajectory follows ``quizgen.engine.optim.sgd`` (torch.optim.SGD semantics) with
closed-form gradients of the two loss shapes (the tests compare them with the engine's
``expression.gradients`` and with torch).  The solvers run the same loop on Python floats
(:func:`run`, :func:`_trace`; the engine wraps every update in numpy, about 1 us per scalar
operation); ``tests/test_family_gradient_descent.py`` checks that both give identical
trajectories.
"""
from __future__ import annotations

import itertools

import numpy as np

from ..engine.optim import sgd
from ..texfmt import fmt4 as fmt
from ..texfmt import num
from . import Redraw, Solution, register
from .stacks import pick


def paren(x: float) -> str:
    s = fmt(x)
    return f"({s})" if s.startswith("-") else s


def _const(v: float) -> str:
    """``w - 3`` / ``w + 2`` for the expression text."""
    return f"- {fmt(v)}" if v >= 0 else f"+ {fmt(-v)}"


def _minus(var: str, v: float) -> str:
    """``w - 3``, ``w + 2``, or just ``w`` when ``v`` is 0 (TeX)."""
    return f"{var} {_const(v)}" if v != 0 else var


def _times(x: float, var: str) -> str:
    """``2 \\cdot w``, ``(-0.5) \\cdot w``; ``w`` and ``-w`` for 1 and -1 (TeX)."""
    return var if x == 1 else f"-{var}" if x == -1 else f"{paren(x)} \\cdot {var}"


def _grouped(inner: str) -> str:
    """``(inner)``, or ``inner`` alone when it is one letter."""
    return inner if len(inner) == 1 else f"({inner})"


def _square_tex(inner: str, coef: str = "") -> str:
    """``coef(inner)^2``, without the brackets when ``inner`` is one letter."""
    return f"{coef}{_grouped(inner)}^2"


# =========================================================== SGD steps (real)

def sample_sgd(rng: np.random.Generator, level: int, p: dict) -> dict:
    if level in (1, 3):
        a = int(rng.integers(-5, 6))
        w0 = int(rng.integers(-5, 6))
        if w0 == a:
            raise Redraw("already at the minimum")
        if level == 1:
            return {**p, "form": "square", "a": a, "init": {"w": w0}, "lr": pick(rng, [0.1, 0.2, 0.3, 0.4]),
                    "steps": 1, "momentum": 0.0, "ask": "w"}
        return {**p, "form": "square", "a": a, "init": {"w": w0}, "lr": pick(rng, [0.05, 0.1]),
                "steps": 3, "momentum": pick(rng, [0.5, 0.9]), "ask": "w"}
    x = pick(rng, [-2, -1, 1, 2, 0.5, -0.5, 1.5])
    y = int(rng.integers(-3, 4))
    w0 = round(float(rng.integers(-10, 11)) / 10, 1)
    b0 = round(float(rng.integers(-10, 11)) / 10, 1)
    return {**p, "form": "linear", "x": x, "y": y, "init": {"w": w0, "b": b0}, "lr": pick(rng, [0.05, 0.1]),
            "steps": 2, "momentum": 0.0, "ask": pick(rng, ["w", "b"])}


def loss_text(p: dict) -> str:
    if p["form"] == "square":
        return f"(w {_const(p['a'])}) ** 2"
    x = p["x"]
    return f"(w * {fmt(x) if x >= 0 else '(' + fmt(x) + ')'} + b {_const(p['y'])}) ** 2"


def loss_tex(p: dict) -> str:
    if p["form"] == "square":
        return _square_tex(_minus("w", p["a"]))
    return f"({_minus(_times(p['x'], 'w') + ' + b', p['y'])})^2"


def grad_tex(p: dict) -> str:
    if p["form"] == "square":
        return f"\\frac{{\\partial L}}{{\\partial w}} = 2{_grouped(_minus('w', p['a']))}"
    x = p["x"]
    dw = "2r" if x == 1 else "-2r" if x == -1 else f"2r \\cdot {paren(x)}"
    return (f"r = {_minus(_times(x, 'w') + ' + b', p['y'])}, \\quad "
            f"\\frac{{\\partial L}}{{\\partial w}} = {dw}, \\quad \\frac{{\\partial L}}{{\\partial b}} = 2r")


def gradient(p: dict, params: dict) -> dict:
    """dL/d each parameter (closed form; tests compare with the engine and torch)."""
    if p["form"] == "square":
        return {"w": 2.0 * (params["w"] - p["a"])}
    r = params["w"] * p["x"] + params["b"] - p["y"]
    return {"w": 2.0 * r * p["x"], "b": 2.0 * r}


def run(p: dict, mistake: str | None = None) -> list:
    """The trajectory [params_0, ..., params_k] with one typical mistake switched on.

    The update of ``engine.optim.sgd`` (torch.optim.SGD) written out on Python floats:
    :func:`run_reference` is the same through the engine (tests compare them bit for bit).
    """
    lr = 1.0 if mistake == "forgot-lr" else p["lr"]
    momentum = 0.0 if mistake == "ignored-momentum" else p["momentum"]
    params = {k: float(v) for k, v in p["init"].items()}
    trajectory = [dict(params)]
    first = None
    buffers: dict = {}
    for _ in range(p["steps"]):
        g = gradient(p, params)
        if mistake == "forgot-factor-two":
            g = {k: v / 2 for k, v in g.items()}
        elif mistake == "reused-first-gradient":
            if first is None:
                first = g
            g = first
        elif mistake == "ascent":
            g = {k: -v for k, v in g.items()}
        for k in params:
            gk = g[k]
            if momentum:             # velocity = g on the first step, momentum * velocity + g after
                gk = buffers[k] = gk if k not in buffers else momentum * buffers[k] + gk
            params[k] = params[k] - lr * gk
        trajectory.append(dict(params))
    return trajectory


def run_reference(p: dict, mistake: str | None = None) -> list:
    """:func:`run` through ``engine.optim.sgd`` (the reference)."""
    lr, steps, momentum = p["lr"], p["steps"], p["momentum"]
    first: dict = {}

    def grad_fn(params):
        g = gradient(p, params)
        if mistake == "forgot-factor-two":
            g = {k: v / 2 for k, v in g.items()}
        if mistake == "reused-first-gradient":
            if not first:
                first.update(g)
            g = dict(first)
        if mistake == "ascent":
            g = {k: -v for k, v in g.items()}
        return g
    if mistake == "forgot-lr":
        lr = 1.0
    if mistake == "ignored-momentum":
        momentum = 0.0
    return sgd(grad_fn, dict(p["init"]), lr, steps, momentum)


SGD_MISTAKES = ("ascent", "forgot-lr", "reused-first-gradient", "forgot-factor-two", "ignored-momentum")


def solve_sgd(p: dict) -> Solution:
    traj = run(p)
    ask = p["ask"]
    answer = float(traj[-1][ask])
    if abs(answer) > 50:
        raise Redraw("diverging")
    text = loss_text(p)
    rows = []
    buf: dict = {}
    for t in range(p["steps"]):
        params = traj[t]
        g = gradient(p, params)
        row = {"t": t + 1, "params": ", ".join(f"{k} = {fmt(v)}" for k, v in params.items()),
               "grads": ", ".join(f"\\frac{{\\partial L}}{{\\partial {k}}} = {fmt(v)}" for k, v in g.items()),
               "updates": []}
        if p["form"] == "linear":
            r = params["w"] * p["x"] + params["b"] - p["y"]
            sum_tex = f"{paren(p['x'])} \\cdot {paren(params['w'])} + {paren(params['b'])}"
            row["residual"] = f"r = {_minus(sum_tex, p['y'])} = {fmt(r)}"
        else:
            row["residual"] = ""
        for k in params:
            if p["momentum"]:
                old = buf.get(k)
                buf[k] = g[k] if old is None else p["momentum"] * old + g[k]
                bt = (f"v_{{{k}}} = {fmt(g[k])}" if old is None else
                      f"v_{{{k}}} = {fmt(p['momentum'])} \\cdot {paren(old)} + {paren(g[k])} = {fmt(buf[k])}")
                row["updates"].append(f"{bt}, \\quad {k} \\leftarrow {fmt(params[k])} - {fmt(p['lr'])} \\cdot "
                                      f"{paren(buf[k])} = {fmt(traj[t + 1][k])}")
            else:
                row["updates"].append(f"{k} \\leftarrow {fmt(params[k])} - {fmt(p['lr'])} \\cdot {paren(g[k])} = "
                                      f"{fmt(traj[t + 1][k])}")
        rows.append(row)
    mis = {}
    for m in SGD_MISTAKES:
        if m == "reused-first-gradient" and p["steps"] < 2:
            continue
        if m == "ignored-momentum" and not p["momentum"]:
            continue
        mis[m] = float(run(p, m)[-1][ask])
    check = {"kind": "sgd", "expression": text, "init": {k: float(v) for k, v in p["init"].items()},
             "lr": p["lr"], "steps": p["steps"], "ask": ask}
    if p["momentum"]:
        check["momentum"] = p["momentum"]
    names = list(p["init"])
    pytorch = "\n".join(
        ["import torch"]
        + [f"{k} = torch.tensor({float(v)}, requires_grad=True)" for k, v in p["init"].items()]
        + [f"opt = torch.optim.SGD([{', '.join(names)}], lr={p['lr']}"
           + (f", momentum={p['momentum']})" if p["momentum"] else ")"),
           f"for step in range({p['steps']}):",
           "    opt.zero_grad()",
           f"    loss = {text}",
           "    loss.backward()",
           "    opt.step()",
           f"print({ask})"])
    return Solution(answer=answer, decimals=3, misconceptions=mis, check=check, pytorch=pytorch,
                    context={"loss_tex": loss_tex(p), "grad_tex": grad_tex(p), "rows": rows,
                             "init_text": ", \\; ".join(f"{k}_0 = {fmt(v)}" for k, v in p["init"].items()),
                             "two_params": p["form"] == "linear", "final": fmt(answer)})


# =========================================================== learning-rate traces (choice)

LABELS = {"large": {"en": "too large", "ko": "너무 큼"},
          "good": {"en": "good", "ko": "적절함"},
          "small": {"en": "too small", "ko": "너무 작음"}}
KINDS = ("large", "good", "small")
PERMS = list(itertools.permutations(KINDS))          # canonical option order
RUNS = ("1", "2", "3")   # numbers, not letters: the options are lettered A-F
RUN_WORD = {"en": "run", "ko": "실행"}
# The six options (one per permutation, canonical order); solve_lr hands out copies.
_JOIN = {"en": "; ", "ko": ", "}   # Korean text takes no semicolons
OPTIONS = [{lang: _JOIN[lang].join(f"{RUN_WORD[lang]} {RUNS[i]}: {LABELS[k][lang]}" for i, k in enumerate(perm))
            for lang in ("en", "ko")} for perm in PERMS]


def sample_lr(rng: np.random.Generator, level: int, p: dict) -> dict:
    a = pick(rng, [0.5, 1.0, 2.0])
    c = int(rng.integers(-3, 4))
    d = pick(rng, [-4, -3, -2, 2, 3, 4])
    base = {"small": pick(rng, [0.02, 0.03, 0.05]), "good": pick(rng, [0.25, 0.3, 0.4]),
            "large": pick(rng, [1.1, 1.2, 1.3]) if level == 1 else pick(rng, [0.9, 0.95])}
    if level >= 2:
        base["small"] = pick(rng, [0.05, 0.08, 0.1])
    rates = {k: round(v / a, 4) for k, v in base.items()}
    order = [KINDS[i] for i in rng.permutation(3).tolist()]          # run 1, 2, 3 -> kind
    return {**p, "a": a, "c": c, "w0": c + d, "rates": rates, "order": order, "steps": 6}


def _cell(x: float) -> str:
    """A table cell (text, not math): a true minus sign "−", as the formulas show it."""
    text = num(x, 1) if abs(x) >= 100 else num(x, 3)
    return "−" + text[1:] if text.startswith("-") else text


def _cells(values: list) -> list:
    """``[_cell(x) for x in values]`` for Python floats, with ``num``'s float case inlined
    (42 cells a question): fixed decimals, no "-0.000", and "−" for a negative."""
    out = []
    for x in values:
        text = f"{x:.1f}" if abs(x) >= 100 else f"{x:.3f}"
        if text[0] == "-":
            text = text[1:] if float(text) == 0 else "−" + text[1:]
        out.append(text)
    return out


def _trace(a: float, c: float, w0: float, lr: float, steps: int) -> list:
    """``w_0 ... w_steps`` of SGD on ``a (w - c)^2``: what ``engine.optim.sgd`` gives with the
    gradient ``2.0 * a * (w - c)``, the same operations in a plain loop (checked in the tests)."""
    w = float(w0)
    ws = [w]
    for _ in range(steps):
        w = w - lr * (2.0 * a * (w - c))
        ws.append(w)
    return ws


def solve_lr(p: dict) -> Solution:
    a, c, w0, steps = p["a"], p["c"], p["w0"], p["steps"]
    text = f"{fmt(a)} * (w {_const(c)}) ** 2"
    traces = {}
    for kind in KINDS:
        ws = _trace(a, c, w0, p["rates"][kind], steps)
        traces[kind] = {"w": ws, "loss": [a * (w - c) ** 2 for w in ws],
                        "factor": 1 - 2 * a * p["rates"][kind]}
    order = list(p["order"])
    answer = PERMS.index(tuple(order))
    show_w = p.get("level", 1) >= 2
    rows = []
    for i, k in enumerate(order):
        # the table rows of the prompt, "| 1: $L$ | 8.000 | 7.373 | ... | " (w only where shown)
        w = _cells(traces[k]["w"]) if show_w else []
        loss = _cells(traces[k]["loss"])
        rows.append({"run": RUNS[i], "w": w, "loss": loss,
                     "w_line": f"| {RUNS[i]}: $w$ | " + "".join(f"{v} | " for v in w),
                     "loss_line": f"| {RUNS[i]}: $L$ | " + "".join(f"{v} | " for v in loss),
                     "lr": fmt(p["rates"][k]), "factor": fmt(traces[k]["factor"]), "kind": k,
                     "label_en": LABELS[k]["en"], "label_ko": LABELS[k]["ko"]})

    def swapped(x, y):
        perm = [y if k == x else x if k == y else k for k in order]
        return PERMS.index(tuple(perm))
    mis = {"swapped-large-small": swapped("large", "small"),
           "swapped-large-good": swapped("large", "good"),
           "swapped-good-small": swapped("good", "small")}
    return Solution(answer=answer, options=[dict(o) for o in OPTIONS], misconceptions=mis, check=None,
                    pytorch=("import torch\n"
                             + "\n".join(f"# run {RUNS[i]}: lr = {p['rates'][k]}" for i, k in enumerate(order))
                             + f"\nw = torch.tensor({float(w0)}, requires_grad=True)\n"
                             "opt = torch.optim.SGD([w], lr=LR)\n"
                             f"for step in range({steps}):\n    opt.zero_grad()\n    loss = {text}\n"
                             "    print(step, w.item(), loss.item())\n    loss.backward()\n    opt.step()"),
                    context={"rows": rows, "loss_tex": _square_tex(_minus("w", c), fmt(a) if a != 1 else ""),
                             "w0": w0, "c": c, "steps": steps, "cols": list(range(steps + 1)),
                             "show_w": show_w, "two_a": fmt(2 * a)})


register("gd.sgd", solve_sgd, sample_sgd)
register("gd.learning-rate", solve_lr, sample_lr)
