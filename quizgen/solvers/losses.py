"""Loss families: cross-entropy (``loss.cross-entropy``), the simple loss / MSE / binary
cross-entropy (``loss.mse-bce``) and the gradient of softmax cross-entropy with respect to
the logits (``loss.softmax-gradient``).

Values come from ``quizgen.engine.losses`` (torch semantics, natural logarithm); the
misconceptions recompute with one typical mistake.  Given numbers have one or two decimals.
"""
from __future__ import annotations

import math

import numpy as np

from ..engine import losses as EL
from ..engine import network
from ..engine.activations import softmax
from ..texfmt import fmt4 as fmt
from . import Redraw, Solution, allclose, register
from .stacks import pick


def paren(x: float) -> str:
    s = fmt(x)
    return f"({s})" if s.startswith("-") else s


def tex_vec(v) -> str:
    """A row vector in brackets: [0.2, 0.7, 0.1] -> \\begin{bmatrix} 0.2 & 0.7 & 0.1 \\end{bmatrix}."""
    return r"\begin{bmatrix} " + " & ".join(fmt(x) for x in v) + r" \end{bmatrix}"


def _partition(rng, k: int, total: int, low: int) -> list:
    """k positive integers >= low summing to total (uniform-ish)."""
    while True:
        cuts = np.sort(rng.choice(np.arange(1, total), size=k - 1, replace=False))
        parts = np.diff(np.concatenate([[0], cuts, [total]]))
        if parts.min() >= low:
            return [int(v) for v in parts]


def _logits(rng, k):
    return (rng.integers(-20, 21, size=k) / 10.0).round(1).tolist()


# =========================================================== cross-entropy (real)

def sample_ce(rng: np.random.Generator, level: int, p: dict) -> dict:
    k = int(rng.integers(3, 5))
    if level == 1:
        probs = [v / 100 for v in _partition(rng, k, 100, 5)]
        if rng.random() < 0.7:
            c = int(rng.integers(k))
            q = [1.0 if i == c else 0.0 for i in range(k)]
        else:
            q = [v / 10 for v in _partition(rng, k, 10, 0 if k == 4 else 1)]
        return {**p, "probs": probs, "q": q, "mode": "probs"}
    if level == 2:
        return {**p, "logits": _logits(rng, k), "target": int(rng.integers(k)), "mode": "logits",
                "reduction": "mean"}
    return {**p, "logits": [_logits(rng, 3) for _ in range(2)],
            "target": [int(rng.integers(3)) for _ in range(2)], "mode": "batch",
            "reduction": pick(rng, ["mean", "sum"])}


def solve_ce(p: dict) -> Solution:
    mode = p["mode"]
    mis = {}
    ctx: dict = {"mode": mode}
    if mode == "probs":
        probs, q = np.asarray(p["probs"]), np.asarray(p["q"])
        value, _ = EL.cross_entropy_from_probs(probs, q, "sum")
        used = [i for i in range(len(q)) if q[i] != 0]
        logs = {i: math.log(probs[i]) for i in used}
        ctx["terms"] = " + ".join(f"{fmt(q[i])} \\ln {fmt(probs[i])}" for i in used)
        ctx["term_values"] = " + ".join(f"{fmt(q[i])} \\cdot ({fmt(logs[i])})" for i in used)
        ctx["p_tex"], ctx["q_tex"] = tex_vec(probs), tex_vec(q)
        ctx["k"] = len(q)
        ctx["one_hot"] = len(used) == 1
        mis["log-base-2"] = value / math.log(2)
        mis["log-base-10"] = value / math.log(10)
        mis["forgot-minus"] = -value
        mis["summed-all-classes"] = -float(np.sum(np.log(probs)))
        if len(used) == 1 and int(np.argmax(probs)) != used[0]:
            mis["wrong-class"] = -math.log(probs[int(np.argmax(probs))])
        expr = "-(" + " + ".join(f"q{i} * log(p{i})" for i in range(len(q))) + ")"
        values = {**{f"p{i}": float(probs[i]) for i in range(len(q))},
                  **{f"q{i}": float(q[i]) for i in range(len(q))}}
        check = {"kind": "expression", "expression": expr, "values": values}
        pytorch = (f"import torch\np = torch.tensor({p['probs']})\nq = torch.tensor({p['q']})\n"
                   "print(-(q * torch.log(p)).sum())")
    else:
        z = np.asarray(p["logits"], float)
        t = p["target"]
        red = p["reduction"]
        value, _ = EL.cross_entropy(z, np.asarray(t), red)
        rows = z if z.ndim == 2 else z[None]
        targets = list(t) if isinstance(t, list) else [t]
        per = []
        for r, c in zip(rows, targets):
            probs = softmax(r)
            per.append({"z_tex": tex_vec(r), "exp_tex": tex_vec(np.exp(r)), "sum": fmt(np.exp(r).sum()),
                        "p_tex": tex_vec(probs), "c": c, "c1": c + 1, "pc": fmt(probs[c]),
                        "loss": fmt(-math.log(probs[c]))})
        ctx["rows"] = per
        ctx["n"] = len(rows)
        ctx["k"] = int(z.shape[-1])
        losses = np.array([-math.log(softmax(r)[c]) for r, c in zip(rows, targets)])
        mis["log-base-2"] = value / math.log(2)
        mis["log-base-10"] = value / math.log(10)
        mis["forgot-minus"] = -value
        if all(r[c] > 0 for r, c in zip(rows, targets)):
            raw = np.array([-math.log(r[c]) for r, c in zip(rows, targets)])
            mis["skipped-softmax"] = float(raw.mean() if red == "mean" else raw.sum())
        wrong = [int(np.argmax(r)) for r in rows]
        if any(w != c for w, c in zip(wrong, targets)):
            wl = np.array([-math.log(softmax(r)[w]) for r, w in zip(rows, wrong)])
            mis["wrong-class"] = float(wl.mean() if red == "mean" else wl.sum())
        if mode == "batch":
            mis["forgot-mean" if red == "mean" else "took-mean"] = float(
                losses.sum() if red == "mean" else losses.mean())
        check = {"kind": "loss", "input": p["logits"],
                 "loss": {"type": "CrossEntropyLoss", "target": t, "reduction": red}}
        pytorch = ("import torch\nimport torch.nn.functional as F\n"
                   f"z = torch.tensor({p['logits']})\n"
                   f"print(F.cross_entropy(z, torch.tensor({t}), reduction='{red}'))")
        ctx["reduction"] = red
        ctx["sum_losses"] = " + ".join(fmt(v) for v in losses)
    if not (0.01 < value < 20):
        raise Redraw("loss too small or too large")
    return Solution(answer=float(value), decimals=3, context=ctx, misconceptions=mis, check=check,
                    pytorch=pytorch)


# =========================================================== simple loss, MSE, BCE (real)

def sample_mse_bce(rng: np.random.Generator, level: int, p: dict) -> dict:
    if level == 1:
        kind = pick(rng, ["simple", "simple", "squared"])
        if rng.random() < 0.6:           # a label and a probability-like prediction (the notes' 1 - 0.8)
            t = pick(rng, [1.0, 1.0, 0.0])
            y = round(float(rng.integers(1, 10)) / 10, 1)
        else:
            t = round(float(rng.integers(-10, 11)) / 10, 1)
            y = round(float(rng.integers(-10, 11)) / 10, 1)
        return {**p, "kind": kind, "target": t, "pred": y}
    if level == 2:
        n = int(rng.integers(3, 5))
        return {**p, "kind": "mse", "pred": (rng.integers(-20, 21, n) / 10).round(1).tolist(),
                "target": (rng.integers(-20, 21, n) / 10).round(1).tolist(),
                "reduction": pick(rng, ["mean", "mean", "sum"])}
    n = int(rng.integers(2, 4))
    probs = (rng.integers(5, 96, n) / 100).round(2).tolist()
    labels = [float(v) for v in rng.integers(0, 2, n)]
    if len(set(labels)) == 1:
        labels[int(rng.integers(n))] = 1.0 - labels[0]
    return {**p, "kind": "bce", "pred": probs, "target": labels, "reduction": "mean"}


def solve_mse_bce(p: dict) -> Solution:
    kind = p["kind"]
    mis = {}
    ctx: dict = {"kind": kind}
    if kind in ("simple", "squared"):
        t, y = float(p["target"]), float(p["pred"])
        diff = t - y
        if abs(diff) < 0.05:
            raise Redraw("prediction equals the target")
        value = diff if kind == "simple" else diff ** 2
        simple, _ = EL.simple_loss(t, y)
        assert abs(float(simple) - diff) < 1e-12
        if kind == "simple":
            mis["prediction-minus-target"] = -diff
            mis["squared-instead"] = diff ** 2
            expr = "t - y"
        else:
            mis["forgot-square"] = diff
            expr = "(t - y) ** 2"
        ctx.update(t=fmt(t), y=fmt(y), y_p=paren(y), diff=fmt(diff), diff_p=paren(diff))
        check = {"kind": "expression", "expression": expr, "values": {"t": t, "y": y}}
        pytorch = (f"t, y = {t}, {y}\nprint(t - y)" if kind == "simple"
                   else f"import torch\nimport torch.nn.functional as F\n"
                        f"print(F.mse_loss(torch.tensor([{y}]), torch.tensor([{t}])))")
    elif kind == "mse":
        y, t = np.asarray(p["pred"]), np.asarray(p["target"])
        red = p["reduction"]
        value, _ = EL.mse_loss(y, t, red)
        sq = (y - t) ** 2
        n = len(y)
        if red == "mean":
            mis["forgot-mean"] = float(sq.sum())
        else:
            mis["took-mean"] = float(sq.mean())
        mis["forgot-square"] = float(np.abs(y - t).mean() if red == "mean" else np.abs(y - t).sum())
        mis["took-root"] = math.sqrt(value)
        ctx.update(y_tex=tex_vec(y), t_tex=tex_vec(t), n=n, reduction=red,
                   squares=" + ".join(f"({fmt(a)} - {paren(b)})^2" for a, b in zip(y, t)),
                   square_values=" + ".join(fmt(v) for v in sq), total=fmt(sq.sum()))
        check = {"kind": "loss", "input": p["pred"],
                 "loss": {"type": "MSELoss", "target": p["target"], "reduction": red}}
        pytorch = ("import torch\nfrom torch import nn\n"
                   f"print(nn.MSELoss(reduction='{red}')(torch.tensor({p['pred']}), torch.tensor({p['target']})))")
    else:
        q, y = np.asarray(p["pred"]), np.asarray(p["target"])
        value, _ = EL.bce_loss(q, y, "mean")
        per = -(y * np.log(q) + (1 - y) * np.log(1 - q))
        n = len(q)
        mis["log-base-2"] = value / math.log(2)
        mis["log-base-10"] = value / math.log(10)
        mis["forgot-minus"] = -value
        mis["forgot-mean"] = float(per.sum())
        mis["only-positive-term"] = float(-(y * np.log(q)).mean())
        mis["used-p-for-negatives"] = float(-np.log(q).mean())
        rows = []
        for qi, yi, li in zip(q, y, per):
            rows.append({"p": fmt(qi), "y": fmt(yi), "term": (f"-\\ln {fmt(qi)}" if yi == 1
                                                              else f"-\\ln(1 - {fmt(qi)})"),
                         "loss": fmt(li)})
        ctx.update(rows=rows, n=n, total=fmt(per.sum()))
        check = {"kind": "loss", "input": p["pred"],
                 "loss": {"type": "BCELoss", "target": p["target"], "reduction": "mean"}}
        pytorch = ("import torch\nfrom torch import nn\n"
                   f"print(nn.BCELoss()(torch.tensor({p['pred']}), torch.tensor({p['target']})))")
    return Solution(answer=float(value), decimals=3, context=ctx,
                    misconceptions={k: v for k, v in mis.items() if v is not None},
                    check=check, pytorch=pytorch)


# =========================================================== d CE / d logits (vector)

def sample_grad(rng: np.random.Generator, level: int, p: dict) -> dict:
    if level == 1:
        return {**p, "logits": _logits(rng, 3), "target": int(rng.integers(3))}
    k = 4
    target = [v / 10 for v in _partition(rng, k, 10, 0)]
    return {**p, "logits": _logits(rng, k), "target": target}


def solve_grad(p: dict) -> Solution:
    z = np.asarray(p["logits"], float)
    t = p["target"]
    y = np.eye(len(z))[t] if isinstance(t, int) else np.asarray(t, float)
    acts = network.forward([], z)
    spec = {"type": "CrossEntropyLoss", "target": t, "reduction": "mean"}
    value, grad = network.loss_and_grad(spec, acts[-1])
    probs = softmax(z)
    assert allclose(grad, probs - y)
    if np.max(np.abs(grad)) < 0.05:
        raise Redraw("gradient too small")
    mis = {
        "y-minus-p": (y - probs).tolist(),
        "skipped-softmax": (z - y).tolist(),
        "forgot-target": probs.tolist(),
    }
    if isinstance(t, int):
        only = np.zeros_like(z)
        only[t] = probs[t] - 1
        mis["only-target-component"] = only.tolist()
    e = np.exp(z)
    ctx = {"z_tex": tex_vec(z), "exp_tex": tex_vec(e), "sum": fmt(e.sum()), "p_tex": tex_vec(probs),
           "y_tex": tex_vec(y), "k": len(z), "one_hot": isinstance(t, int),
           "cls": t if isinstance(t, int) else 0, "loss": fmt(value)}
    check = {"kind": "gradient", "input": p["logits"], "layers": [], "loss": spec, "wrt": "input"}
    pytorch = ("import torch\nimport torch.nn.functional as F\n"
               f"z = torch.tensor({p['logits']}, requires_grad=True)\n"
               f"F.cross_entropy(z, torch.tensor({t})).backward()\nprint(z.grad)")
    return Solution(answer=grad.tolist(), decimals=3, context=ctx, misconceptions=mis, check=check,
                    pytorch=pytorch)


register("loss.cross-entropy", solve_ce, sample_ce)
register("loss.mse-bce", solve_mse_bce, sample_mse_bce)
register("loss.softmax-gradient", solve_grad, sample_grad)
