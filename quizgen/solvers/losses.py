"""Loss families: cross-entropy (``loss.cross-entropy``), the simple loss / MSE / binary
cross-entropy (``loss.mse-bce``) and the gradient of softmax cross-entropy with respect to
the logits (``loss.softmax-gradient``).

Values follow ``quizgen.engine.losses`` (torch semantics, natural logarithm); the
misconceptions recompute with one typical mistake.  Given numbers have one or two decimals.

Speed: a question holds 2-8 numbers, where every numpy call costs about a microsecond, so
the solvers do the arithmetic on Python floats and call numpy only for the transcendental
functions (``np.exp`` / ``np.log``), once per question on all the inputs at a time.  numpy's
``exp``/``log`` can differ from ``math``'s in the last bit, which is why they stay numpy
(``math.log`` is used exactly where the reference used it).  Sums use :func:`_nsum`, numpy's
order for short arrays.  The engine versions stay as the reference:
``tests/test_family_losses.py`` checks the fast numbers bit for bit against them.
"""
from __future__ import annotations

import math

import numpy as np

from ..texfmt import fmt4 as fmt
from ..texfmt import fmt4_row
from . import Redraw, Solution, register
from .stacks import pick


def paren(x: float) -> str:
    s = fmt(x)
    return f"({s})" if s.startswith("-") else s


def tex_vec(v: list) -> str:
    """A row vector of Python floats in brackets: [0.2, 0.7, 0.1] -> \\begin{bmatrix} 0.2 & 0.7 & 0.1 \\end{bmatrix}."""
    return r"\begin{bmatrix} " + " & ".join(fmt4_row(v)) + r" \end{bmatrix}"


def _nsum(values: list) -> float:
    """``float(np.sum(values))`` for fewer than 8 floats: numpy adds short arrays left to right.

    (From 8 elements on numpy sums pairwise, a different rounding; every list here is shorter.)
    """
    total = values[0]
    for v in values[1:]:
        total += v
    return total


def _partition(rng, k: int, total: int, low: int) -> list:
    """k positive integers >= low summing to total (uniform-ish).

    ``rng.choice(total - 1, ...) + 1`` draws exactly what ``rng.choice(np.arange(1, total), ...)``
    draws (same random stream), without building the array.
    """
    while True:
        cuts = sorted(v + 1 for v in rng.choice(total - 1, size=k - 1, replace=False).tolist())
        bounds = [0, *cuts, total]
        parts = [b - a for a, b in zip(bounds, bounds[1:])]
        if min(parts) >= low:
            return parts


def _logits(rng, k):
    """k logits in [-2, 2] with one decimal (``n / 10.0`` is already what numpy's round(1) gives)."""
    return [v / 10.0 for v in rng.integers(-20, 21, size=k).tolist()]


def _softmax_rows(rows: list) -> list:
    """For each logit row ``[k]``: ``(exp(z), exp(z - max z), S, log S)``, S the sum of the
    shifted exponentials -- the numbers ``engine.activations.softmax`` / ``log_softmax`` use.
    One ``np.exp`` and one ``np.log`` call for all rows."""
    shifted = []
    for r in rows:
        m = max(r)
        shifted.append([x - m for x in r])
    flat = [x for r in rows for x in r] + [x for s in shifted for x in s]
    e = np.exp(flat).tolist()
    n = len(flat) // 2
    out, i = [], 0
    for r in rows:
        k = len(r)
        out.append([e[i:i + k], e[n + i:n + i + k]])
        i += k
    sums = [_nsum(es) for _, es in out]
    logs = np.log(sums).tolist()
    return [(ez, es, s, ls) for (ez, es), s, ls in zip(out, sums, logs)]


def _argmax(v: list) -> int:
    """Index of the first largest element (as ``np.argmax``)."""
    return max(range(len(v)), key=v.__getitem__)


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
        probs, q = [float(v) for v in p["probs"]], [float(v) for v in p["q"]]
        k = len(q)
        lnp = np.log(probs).tolist()                     # numpy's log, as the engine's
        # engine.losses.cross_entropy_from_probs(probs, q, "sum"): terms with q_c = 0 count 0.0
        value = -_nsum([q[i] * lnp[i] if q[i] != 0 else 0.0 for i in range(k)])
        used = [i for i in range(k) if q[i] != 0]
        logs = {i: math.log(probs[i]) for i in used}
        ctx["terms"] = " + ".join(f"{fmt(q[i])} \\ln {fmt(probs[i])}" for i in used)
        ctx["term_values"] = " + ".join(f"{fmt(q[i])} \\cdot ({fmt(logs[i])})" for i in used)
        ctx["p_tex"], ctx["q_tex"] = tex_vec(probs), tex_vec(q)
        ctx["k"] = k
        ctx["one_hot"] = len(used) == 1
        ctx["all_used"] = len(used) == k   # no q_c = 0: every class contributes
        mis["log-base-2"] = value / math.log(2)
        mis["log-base-10"] = value / math.log(10)
        mis["forgot-minus"] = -value
        mis["summed-all-classes"] = -_nsum(lnp)
        top = _argmax(probs)
        if len(used) == 1 and top != used[0]:
            mis["wrong-class"] = -math.log(probs[top])
        expr = "-(" + " + ".join(f"q{i} * log(p{i})" for i in range(k)) + ")"
        values = {**{f"p{i}": probs[i] for i in range(k)}, **{f"q{i}": q[i] for i in range(k)}}
        check = {"kind": "expression", "expression": expr, "values": values}
        pytorch = (f"import torch\np = torch.tensor({p['probs']})\nq = torch.tensor({p['q']})\n"
                   "print(-(q * torch.log(p)).sum())")
    else:
        t = p["target"]
        red = p["reduction"]
        batched = isinstance(p["logits"][0], list)
        rows = [[float(v) for v in r] for r in (p["logits"] if batched else [p["logits"]])]
        targets = list(t) if isinstance(t, list) else [t]
        soft = _softmax_rows(rows)
        # engine.losses.cross_entropy(z, t, red): per row -sum_c onehot_c * (z_c - max - log S)
        nll = []
        for r, c, (_, _, _, log_s) in zip(rows, targets, soft):
            m = max(r)
            nll.append(-_nsum([(1.0 if j == c else 0.0) * ((x - m) - log_s) for j, x in enumerate(r)]))
        value = _nsum(nll) / len(nll) if red == "mean" else _nsum(nll)
        per = []
        losses = []                 # -ln p_c from the displayed softmax (math.log, as shown)
        wl = []                     # the same for the highest-scoring class
        for r, c, (ez, es, s, _) in zip(rows, targets, soft):
            probs = [v / s for v in es]
            losses.append(-math.log(probs[c]))
            wl.append(-math.log(probs[_argmax(r)]))
            per.append({"z_tex": tex_vec(r), "exp_tex": tex_vec(ez), "sum": fmt(_nsum(ez)),
                        "p_tex": tex_vec(probs), "c": c, "c1": c + 1, "pc": fmt(probs[c]),
                        "loss": fmt(losses[-1])})
        n = len(rows)
        ctx["rows"] = per
        ctx["n"] = n
        ctx["k"] = len(rows[0])
        mis["log-base-2"] = value / math.log(2)
        mis["log-base-10"] = value / math.log(10)
        mis["forgot-minus"] = -value
        if all(r[c] > 0 for r, c in zip(rows, targets)):
            raw = [-math.log(r[c]) for r, c in zip(rows, targets)]
            mis["skipped-softmax"] = _nsum(raw) / n if red == "mean" else _nsum(raw)
        if any(_argmax(r) != c for r, c in zip(rows, targets)):
            mis["wrong-class"] = _nsum(wl) / n if red == "mean" else _nsum(wl)
        if mode == "batch":
            mis["forgot-mean" if red == "mean" else "took-mean"] = (
                _nsum(losses) if red == "mean" else _nsum(losses) / n)
        check = {"kind": "loss", "input": p["logits"],
                 "loss": {"type": "CrossEntropyLoss", "target": t, "reduction": red}}
        pytorch = ("import torch\nimport torch.nn.functional as F\n"
                   f"z = torch.tensor({p['logits']})\n"
                   f"print(F.cross_entropy(z, torch.tensor({t}), reduction='{red}'))")
        ctx["reduction"] = red
        ctx["sum_losses"] = " + ".join(fmt(v) for v in losses)
    if not (0.01 < value < 20):
        raise Redraw("loss too small or too large")
    return Solution(answer=value, decimals=3, context=ctx, misconceptions=mis, check=check,
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
        # k / 10 and k / 100 are already what numpy's round(1) / round(2) give (tested)
        return {**p, "kind": "mse", "pred": [v / 10 for v in rng.integers(-20, 21, n).tolist()],
                "target": [v / 10 for v in rng.integers(-20, 21, n).tolist()],
                "reduction": pick(rng, ["mean", "mean", "sum"])}
    n = int(rng.integers(2, 4))
    probs = [v / 100 for v in rng.integers(5, 96, n).tolist()]
    labels = [float(v) for v in rng.integers(0, 2, n).tolist()]
    if len(set(labels)) == 1:
        labels[int(rng.integers(n))] = 1.0 - labels[0]
    return {**p, "kind": "bce", "pred": probs, "target": labels, "reduction": "mean"}


def solve_mse_bce(p: dict) -> Solution:
    kind = p["kind"]
    mis = {}
    ctx: dict = {"kind": kind}
    if kind in ("simple", "squared"):
        t, y = float(p["target"]), float(p["pred"])
        diff = t - y                     # = engine.losses.simple_loss(t, y)
        if abs(diff) < 0.05:
            raise Redraw("prediction equals the target")
        value = diff if kind == "simple" else diff ** 2
        if kind == "simple":
            mis["prediction-minus-target"] = -diff
            mis["squared-instead"] = diff ** 2
            expr = "t - y"
        else:
            mis["forgot-square"] = diff
            expr = "(t - y) ** 2"
        ctx.update(t=fmt(t), y=fmt(y), y_p=paren(y), diff=fmt(diff), diff_p=paren(diff), negative=diff < 0)
        check = {"kind": "expression", "expression": expr, "values": {"t": t, "y": y}}
        pytorch = (f"t, y = {t}, {y}\nprint(t - y)" if kind == "simple"
                   else f"import torch\nimport torch.nn.functional as F\n"
                        f"print(F.mse_loss(torch.tensor([{y}]), torch.tensor([{t}])))")
    elif kind == "mse":
        y, t = [float(v) for v in p["pred"]], [float(v) for v in p["target"]]
        red = p["reduction"]
        n = len(y)
        d = [a - b for a, b in zip(y, t)]
        sq = [v * v for v in d]          # numpy's x ** 2 is x * x
        total = _nsum(sq)
        value = total / n if red == "mean" else total          # engine.losses.mse_loss
        if red == "mean":
            mis["forgot-mean"] = total
        else:
            mis["took-mean"] = total / n
        ad = _nsum([abs(v) for v in d])
        mis["forgot-square"] = ad / n if red == "mean" else ad
        mis["took-root"] = math.sqrt(value)
        ctx.update(y_tex=tex_vec(y), t_tex=tex_vec(t), n=n, reduction=red,
                   squares=" + ".join(f"({fmt(a)} - {paren(b)})^2" for a, b in zip(y, t)),
                   square_values=" + ".join(fmt(v) for v in sq), total=fmt(total))
        check = {"kind": "loss", "input": p["pred"],
                 "loss": {"type": "MSELoss", "target": p["target"], "reduction": red}}
        pytorch = ("import torch\nfrom torch import nn\n"
                   f"print(nn.MSELoss(reduction='{red}')(torch.tensor({p['pred']}), torch.tensor({p['target']})))")
    else:
        q, y = [float(v) for v in p["pred"]], [float(v) for v in p["target"]]
        n = len(q)
        # numpy's logs in one call each: ln q, ln(1 - q) (the worked solution) and log1p(-q)
        # (engine.losses.bce_loss, as torch)
        logs = np.log(q + [1 - v for v in q]).tolist()
        lq, l1q = logs[:n], logs[n:]
        l1p = np.log1p([-v for v in q]).tolist()
        value = _nsum([-(b * max(a, -100.0) + (1.0 - b) * max(c, -100.0))
                       for a, b, c in zip(lq, y, l1p)]) / n
        per = [-(b * a + (1 - b) * c) for a, b, c in zip(lq, y, l1q)]
        mis["log-base-2"] = value / math.log(2)
        mis["log-base-10"] = value / math.log(10)
        mis["forgot-minus"] = -value
        mis["forgot-mean"] = _nsum(per)
        mis["only-positive-term"] = -(_nsum([b * a for a, b in zip(lq, y)]) / n)
        mis["used-p-for-negatives"] = -(_nsum(lq) / n)
        rows = []
        for qi, yi, li in zip(q, y, per):
            rows.append({"p": fmt(qi), "y": fmt(yi), "term": (f"-\\ln {fmt(qi)}" if yi == 1
                                                              else f"-\\ln(1 - {fmt(qi)})"),
                         "loss": fmt(li)})
        ctx.update(rows=rows, n=n, total=fmt(_nsum(per)))
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
    z = [float(v) for v in p["logits"]]
    t = p["target"]
    k = len(z)
    one_hot = isinstance(t, int)
    y = [1.0 if i == t else 0.0 for i in range(k)] if one_hot else [float(v) for v in t]
    spec = {"type": "CrossEntropyLoss", "target": t, "reduction": "mean"}
    # engine network.loss_and_grad(spec, z), reduction 'mean' over one sample (divides by 1):
    # grad = softmax(z) * sum(y) - y, value = -sum(y * log_softmax(z))
    ez, es, s, log_s = _softmax_rows([z])[0]
    probs = [v / s for v in es]
    sum_y = _nsum(y)
    grad = [(pc * sum_y - yc) / 1 for pc, yc in zip(probs, y)]
    m = max(z)
    value = -_nsum([yc * ((x - m) - log_s) for yc, x in zip(y, z)]) / 1
    if max(abs(g) for g in grad) < 0.05:
        raise Redraw("gradient too small")
    mis = {
        "y-minus-p": [yc - pc for yc, pc in zip(y, probs)],
        "skipped-softmax": [x - yc for x, yc in zip(z, y)],
        "forgot-target": probs,
    }
    if one_hot:
        only = [0.0] * k
        only[t] = probs[t] - 1
        mis["only-target-component"] = only
    ctx = {"z_tex": tex_vec(z), "exp_tex": tex_vec(ez), "sum": fmt(_nsum(ez)), "p_tex": tex_vec(probs),
           "y_tex": tex_vec(y), "k": k, "one_hot": one_hot,
           "cls": t if one_hot else 0, "loss": fmt(value)}
    check = {"kind": "gradient", "input": p["logits"], "layers": [], "loss": spec, "wrt": "input"}
    pytorch = ("import torch\nimport torch.nn.functional as F\n"
               f"z = torch.tensor({p['logits']}, requires_grad=True)\n"
               f"F.cross_entropy(z, torch.tensor({t})).backward()\nprint(z.grad)")
    return Solution(answer=grad, decimals=3, context=ctx, misconceptions=mis, check=check,
                    pytorch=pytorch)


register("loss.cross-entropy", solve_ce, sample_ce)
register("loss.mse-bce", solve_mse_bce, sample_mse_bce)
register("loss.softmax-gradient", solve_grad, sample_grad)
