"""Backpropagation through tiny networks (families ``backprop.network``,
``backprop.network-matrix``) and the weight gradient of a tiny Conv2d (``backprop.conv-weight``).

Network params: ``x`` (input), ``W1``/``b1`` (first Linear, torch layout ``[out, in]``),
``act`` (Sigmoid, ReLU or Tanh), ``W2``/``b2``, ``loss`` ("mse": MSELoss(mean) to ``target``;
"ce": CrossEntropyLoss to class index ``target``), ``wrt`` ("0.weight", "0.bias",
"2.weight", "2.bias") and ``index`` (``[row, col]``, ``[row]`` or None for the whole matrix).
All given numbers have one decimal.  The engine (``quizgen.engine.network``) gives the
answer; a hand-written backward pass with switchable mistakes gives the misconceptions.
solve_network and solve_conv compute the same numbers on Python floats (the fast paths below);
the engine and the numpy hand computations stay here as their reference.
"""
from __future__ import annotations

import numpy as np

from ..engine import network
from ..engine.activations import sigmoid, softmax
from ..texfmt import fmt4 as fmt, fmt4_row
from . import Redraw, Solution, register
from .stacks import pick

ACT_TORCH = {"Sigmoid": "nn.Sigmoid()", "ReLU": "nn.ReLU()", "Tanh": "nn.Tanh()"}


def tex_mat(m) -> str:
    """A 2-D array (or a 1-D one as a column) as a bmatrix with :func:`fmt` numbers.

    ``m``: nested lists (a matrix ``[rows][cols]`` or a vector) or an ndarray.
    """
    if type(m) is list:                   # lists (the common case) without a round trip through numpy
        if m and type(m[0]) is list:
            return _tex_rows([[float(v) for v in row] for row in m])
        return _tex_col([float(v) for v in m])
    a = np.asarray(m, dtype=float)
    return _tex_col(a.tolist()) if a.ndim == 1 else _tex_rows(a.tolist())


def _tex_col(values: list) -> str:
    """A vector of Python floats as a one-column bmatrix."""
    return r"\begin{bmatrix} " + r" \\ ".join(fmt4_row(values)) + r" \end{bmatrix}"


def _tex_rows(rows: list) -> str:
    """A matrix of Python floats (a list of rows) as a bmatrix."""
    return (r"\begin{bmatrix} " + r" \\ ".join(" & ".join(fmt4_row(row)) for row in rows)
            + r" \end{bmatrix}")


def _outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.outer(a, b)`` of two 1-D arrays, ``[len(a), len(b)]``: the same products ``a[i] * b[j]``
    without ``np.outer``'s conversions (this runs a dozen times per question)."""
    return a[:, None] * b[None, :]


def _one_decimal(rng, lo, hi, shape=None, nonzero=True):
    """Numbers k / 10 with k uniform in [10 lo, 10 hi]: a float (``shape`` None), a list
    (``shape`` an int) or a list of rows (``shape`` a pair); with ``nonzero`` every 0 is 0.1.

    k / 10.0 is already the double nearest to k/10 (no rounding needed), and Python's
    int / float is the same division as numpy's on the drawn int64s.
    """
    ks = rng.integers(int(round(lo * 10)), int(round(hi * 10)) + 1, size=shape).tolist()
    zero = 0.1 if nonzero else 0.0
    if type(ks) is int:
        return ks / 10.0 if ks else zero
    if ks and type(ks[0]) is list:
        return [[k / 10.0 if k else zero for k in row] for row in ks]
    return [k / 10.0 if k else zero for k in ks]


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
    w1, w2 = p["W1"], p["W2"]             # [out][in] nested lists
    return [{"type": "Linear", "in_features": len(w1[0]), "out_features": len(w1),
             "weight": p["W1"], "bias": p["b1"]},
            {"type": p["act"]},
            {"type": "Linear", "in_features": len(w2[0]), "out_features": len(w2),
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


# ---- the same numbers on Python floats (the fast path of solve_network) -------------------
#
# The engine (reference answer), hand_grads (the mistakes) and the worked solution each redo
# the same few operations on numpy arrays of 1-9 numbers: about 150 numpy calls per question.
# _Net does them once, on Python floats: + - * / are the same IEEE operations in Python and
# numpy. Only the matrix products and exp/tanh/log stay numpy calls, in exactly the form the
# reference uses (``x @ W.T`` in the engine, ``W @ x`` in hand_grads, ...), because BLAS
# sums with fused multiply-adds in its own order and numpy's SIMD exp/tanh/log can differ
# from :mod:`math` in the last bit. So every number is bit for bit the reference's
# (tests/test_family_network_backprop.py compares the two on random networks).

class _Net:
    """One network's parameters (Python floats, and the weights as arrays for the products)
    and its numpy-computed pieces, each computed once per distinct operand (memoised).

    Memo keys are tuples of floats, which compare with ``==``: 0.0 and -0.0 share an entry, so
    only the sign of a zero could differ from the reference's, and no output shows it (plain()
    and fmt4 write both as 0).
    """

    def __init__(self, p: dict):
        self.act = p["act"]
        self.x = [float(v) for v in p["x"]]
        self.b1 = [float(v) for v in p["b1"]]
        self.b2 = [float(v) for v in p["b2"]]
        self.W1 = np.asarray(p["W1"], dtype=float)          # [hidden, in]
        self.W2 = np.asarray(p["W2"], dtype=float)          # [out, hidden]
        self._memo: dict = {}

    def _get(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    # the two forms of a Linear layer: the engine's ``v @ W.T + b`` and hand_grads' ``W @ v + b``
    def linear_engine(self, v: list, layer: int) -> list:
        W, b = (self.W1, self.b1) if layer == 1 else (self.W2, self.b2)
        return [s + c for s, c in zip((np.asarray(v, dtype=float) @ W.T).tolist(), b)]

    def linear_hand(self, v: list, layer: int) -> list:
        W, b = (self.W1, self.b1) if layer == 1 else (self.W2, self.b2)
        return [s + c for s, c in zip((W @ np.asarray(v, dtype=float)).tolist(), b)]

    def grad_engine(self, g: list) -> list:
        """d L / d h from d L / d y as the engine's Linear backward: ``g @ W2``."""
        return self._back("g@W2", g, lambda a: a @ self.W2)

    def grad_hand(self, d2: list) -> list:
        """d L / d h from d L / d y as hand_grads and the worked solution: ``W2.T @ d2``."""
        return self._back("W2.T@", d2, lambda a: self.W2.T @ a)

    def _back(self, form: str, d: list, product) -> list:
        """``product(d)`` (a numpy product with W2) as floats, memoised per ``(form, d)``.

        Two cases need no numpy call, and give the same floats: a single output (the sum has one
        term, one product per entry), and ``-d`` when ``d`` is done (negating the inputs of
        products and sums negates every rounded result, whatever the order of the terms).
        """
        key = (form, tuple(d))
        if key not in self._memo:
            negated = (form, tuple(-v for v in d))
            if negated in self._memo:
                self._memo[key] = [-v for v in self._memo[negated]]
            elif len(d) == 1:
                self._memo[key] = [w * d[0] for w in self.W2[0].tolist()]
            else:
                self._memo[key] = product(np.asarray(d, dtype=float)).tolist()
        return self._memo[key]

    def act_values(self, z: list) -> list:
        """The activation at ``z`` (``_act`` = the engine's forward)."""
        return self._get(("act", tuple(z)), lambda: _act_list(self.act, z))

    def act_deriv(self, z: list) -> list:
        """``_act_deriv(act, z)``: s(1 - s), 1 - t^2 or the 0/1 ReLU mask."""
        if self.act == "Sigmoid":
            return [s * (1 - s) for s in self.act_values(z)]
        if self.act == "Tanh":
            return [1 - t * t for t in self.act_values(z)]      # numpy's t ** 2 is t * t
        return [1.0 if v > 0 else 0.0 for v in z]

    def act_backward(self, z: list, g: list) -> list:
        """The engine's activation backward at input ``z``: g s (1 - s), g (1 - t^2), or g masked."""
        if self.act == "Sigmoid":
            return [gi * s * (1.0 - s) for gi, s in zip(g, self.act_values(z))]
        if self.act == "Tanh":
            return [gi * (1.0 - t * t) for gi, t in zip(g, self.act_values(z))]
        return [gi if v > 0 else 0.0 for gi, v in zip(g, z)]

    def softmax(self, y: list) -> tuple[list, list, float]:
        """``(softmax(y), y - max(y), sum(exp(y - max(y))))`` as activations.softmax computes them."""
        def compute():
            top = max(y)
            shifted = [v - top for v in y]
            e = np.exp(shifted).tolist()
            total = sum(e)                # numpy sums up to 8 numbers in order, as Python does
            return [v / total for v in e], shifted, total
        return self._get(("softmax", tuple(y)), compute)


def _act_list(name: str, z: list) -> list:
    """:func:`_act` (the engine's sigmoid / tanh / ReLU) of a list of floats."""
    if name == "Sigmoid":                 # activations.sigmoid: e = exp(-|z|), no overflow
        e = np.exp([-abs(v) for v in z]).tolist()
        return [1.0 / (1.0 + ev) if v >= 0 else ev / (1.0 + ev) for v, ev in zip(z, e)]
    if name == "Tanh":
        return np.tanh(z).tolist()
    return [v if v >= 0 else 0.0 for v in z]      # np.maximum(z, 0.0) (keeps z when z >= 0)


def _outer_list(u: list, v: list) -> list:
    """The outer product ``[[u_i v_j]]`` of two lists of floats."""
    return [[a * b for b in v] for a in u]


def _transpose(m: list) -> list:
    return [list(col) for col in zip(*m)]


def _pick(g, index):
    """``_pick_value`` on lists: the whole gradient (index None) or one entry."""
    if index is None:
        return g
    return g[index[0]][index[1]] if len(index) == 2 else g[index[0]]


def _hand_forward_fast(p: dict, net: _Net) -> dict:
    """:func:`_hand_forward` on Python floats: x, z, h, y, deriv and err or probs / onehot."""
    z = net.linear_hand(net.x, 1)
    h = net.act_values(z)
    y = net.linear_hand(h, 2)
    fw = {"x": net.x, "z": z, "h": h, "y": y, "deriv": net.act_deriv(z)}
    if p["loss"] == "mse":
        fw["err"] = [a - float(t) for a, t in zip(y, p["target"])]
    else:
        fw["probs"] = net.softmax(y)[0]
        cls = int(p["target"])
        fw["onehot"] = [1.0 if k == cls else 0.0 for k in range(len(y))]
    return fw


def _hand_grad_fast(p: dict, net: _Net, fw: dict, wrt: str, mistake=None, index=None):
    """``_pick_value(hand_grads(p, mistake, forward, wrt), wrt, index)`` on Python floats: the
    asked gradient (a nested list for a weight, a list for a bias) or, with ``index``, one
    entry of it (only that entry is formed)."""
    x, z, h, y = fw["x"], fw["z"], fw["h"], fw["y"]
    n = len(y)
    if p["loss"] == "mse":
        factor = 1.0 if mistake == "forgot-factor-two" else 2.0
        div = 1 if mistake == "forgot-mean" else n
        d2 = [factor * e / div for e in fw["err"]]
    else:
        logits = y if mistake == "forgot-softmax" else fw["probs"]
        d2 = [a - b for a, b in zip(logits, fw["onehot"])]
    if mistake == "wrong-sign":
        d2 = [-v for v in d2]
    if wrt.startswith("2."):
        delta, inp = d2, (z if mistake == "pre-activation-input" else h)
    else:
        dh = net.grad_hand(d2)
        if mistake == "forgot-activation-derivative":
            d1 = [v * 1.0 for v in dh]
        elif mistake == "derivative-at-output":
            d1 = [a * b for a, b in zip(dh, net.act_deriv(h))]
        else:
            d1 = [a * b for a, b in zip(dh, fw["deriv"])]
        delta, inp = d1, x
    if wrt.endswith("bias"):
        return delta if index is None else delta[index[0]]
    if index is not None:
        r, c = index[::-1] if mistake == "transposed" else index
        return delta[r] * inp[c]
    dW = _outer_list(delta, inp)
    return _transpose(dW) if mistake == "transposed" else dW


def _engine_forward_fast(net: _Net) -> tuple[list, list, list]:
    """The engine's forward pass on Python floats: ``(z, h, y)``."""
    z = net.linear_engine(net.x, 1)
    h = net.act_values(z)
    return z, h, net.linear_engine(h, 2)


def _engine_backward_fast(p: dict, net: _Net, z: list, h: list, y: list, wrt: str):
    """The engine's loss and backward pass on Python floats: ``(loss_value, grads)``.

    ``grads`` holds "2.weight" and "2.bias", and "0.weight" and "0.bias" when ``wrt`` is in
    the first layer (only then are they needed).
    """
    n = len(y)
    if p["loss"] == "mse":                # losses.mse_loss, reduction 'mean'
        d = [a - float(t) for a, t in zip(y, p["target"])]
        value = sum(v * v for v in d) / n
        g = [2.0 * v / n for v in d]
    else:                                 # losses.cross_entropy with a class index
        probs, shifted, total = net.softmax(y)
        cls = int(p["target"])
        value = -(shifted[cls] - float(np.log(total)))
        g = [pr - (1.0 if k == cls else 0.0) for k, pr in enumerate(probs)]
    grads = {"2.weight": _outer_list(g, h), "2.bias": g}
    if wrt.startswith("0."):
        g1 = net.act_backward(z, net.grad_engine(g))
        grads["0.weight"] = _outer_list(g1, net.x)
        grads["0.bias"] = g1
    return value, grads


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
    net = _Net(p)
    wrt, index = p["wrt"], p.get("index")
    z, h, y = _engine_forward_fast(net)
    if any(abs(v) < 0.05 for v in z):
        raise Redraw("a pre-activation is (almost) 0")
    if p["act"] == "ReLU" and not any(v > 0 for v in z):
        raise Redraw("every ReLU is off")
    loss_value, grads = _engine_backward_fast(p, net, z, h, y, wrt)
    answer = _pick(grads[wrt], index)
    if max(abs(v) for v in _flat(answer)) < 0.02:
        raise Redraw("gradient too small to be a good question")
    forward = _hand_forward_fast(p, net)
    hand = _hand_grad_fast(p, net, forward, wrt, index=index)
    assert all(abs(a - b) <= 1e-08 + 1e-05 * abs(b)            # allclose(hand, answer)
               for a, b in zip(_flat(hand), _flat(answer)))
    mis = {}
    mistakes = NET_MISTAKES + (("transposed",) if index is None else ("swapped-indices",))
    for m in mistakes:
        if m == "swapped-indices":
            g = grads[wrt]
            if len(index) == 2 and index[0] != index[1] and index[1] < len(g) and index[0] < len(g[0]):
                mis[m] = g[index[1]][index[0]]
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
        mis[m] = _hand_grad_fast(p, net, forward, wrt, m, index)

    first = wrt.startswith("0.")
    n = len(y)
    x = net.x
    y_tex = _tex_col(y)                   # each matrix below is shown more than once
    if p["loss"] == "mse":
        t = [float(v) for v in p["target"]]
        probs = None
        d2 = [2 * (a - b) / n for a, b in zip(y, t)]
        d2_tex = _tex_col(d2)
        d2_formula = (r"\frac{\partial L}{\partial \hat y} = 2(\hat y - t) = 2\,(" + fmt(y[0]) + " - "
                      + tex_paren(t[0]) + f") = {fmt(d2[0])}") if n == 1 else (
            rf"\frac{{\partial L}}{{\partial \hat y}} = \frac{{2}}{{{n}}}(\hat y - t) = \frac{{2}}{{{n}}}"
            + "\\left(" + y_tex + " - " + _tex_col(t) + "\\right) = " + d2_tex)
        loss_formula = (rf"L = (\hat y - t)^2 = {fmt(loss_value)}" if n == 1 else
                        rf"L = \frac{{1}}{{{n}}}\sum_k (\hat y_k - t_k)^2 = {fmt(loss_value)}")
    else:
        probs = net.softmax(y)[0]
        cls = int(p["target"])
        onehot = [1.0 if k == cls else 0.0 for k in range(n)]
        d2 = [a - b for a, b in zip(probs, onehot)]
        d2_tex = _tex_col(d2)
        d2_formula = (r"\frac{\partial L}{\partial \hat y} = p - y_{\text{one-hot}} = " + _tex_col(probs)
                      + " - " + _tex_col(onehot) + " = " + d2_tex)
        loss_formula = rf"L = -\ln p_{{{cls + 1}}} = {fmt(loss_value)}"
    steps = {
        "z": rf"z = W^{{(1)}} x + b^{{(1)}} = {_tex_col(z)}",
        "h": rf"h = {_ACT_TEX[p['act']]}(z) = {_tex_col(h)}",
        "y": rf"\hat y = W^{{(2)}} h + b^{{(2)}} = {y_tex}",
        "p": (rf"p = \mathrm{{softmax}}(\hat y) = {_tex_col(probs)}" if probs is not None else ""),
        "loss": loss_formula,
        "d2": d2_formula,
    }
    # the backward steps the solution shows: through the activation to the first layer's
    # gradients, or just the second layer's
    if first:
        deriv = net.act_deriv(z)
        dh = net.grad_hand(d2)
        d1 = [a * b for a, b in zip(dh, deriv)]
        d1_tex = _tex_col(d1)
        steps.update({
            "dh": rf"\frac{{\partial L}}{{\partial h}} = W^{{(2)\top}} \frac{{\partial L}}{{\partial \hat y}} = {_tex_col(dh)}",
            "deriv": rf"{_DERIV_TEX[p['act']]}: \quad {_tex_col(deriv)}",
            "d1": rf"\frac{{\partial L}}{{\partial z}} = \frac{{\partial L}}{{\partial h}} \odot {_ACT_TEX[p['act']]}'(z) = {d1_tex}",
            "dW1": rf"\frac{{\partial L}}{{\partial W^{{(1)}}}} = \frac{{\partial L}}{{\partial z}}\, x^\top = {_tex_rows(_outer_list(d1, x))}",
            "db1": rf"\frac{{\partial L}}{{\partial b^{{(1)}}}} = \frac{{\partial L}}{{\partial z}} = {d1_tex}",
        })
    else:
        steps.update({
            "dW2": rf"\frac{{\partial L}}{{\partial W^{{(2)}}}} = \frac{{\partial L}}{{\partial \hat y}}\, h^\top = {_tex_rows(_outer_list(d2, h))}",
            "db2": rf"\frac{{\partial L}}{{\partial b^{{(2)}}}} = \frac{{\partial L}}{{\partial \hat y}} = {d2_tex}",
        })
    if index is not None and wrt.endswith("weight"):
        r, c = index
        delta, inp = (d1, x) if first else (d2, h)
        dname = "z" if first else r"\hat y"
        iname = "x" if first else "h"
        final = (rf"\frac{{\partial L}}{{\partial {_wrt_tex(wrt, index)}}} = \frac{{\partial L}}{{\partial {dname}_{{{r + 1}}}}}"
                 rf"\cdot {iname}_{{{c + 1}}} = {fmt(delta[r])} \cdot {tex_paren(inp[c])} = {fmt(answer)}")
    elif index is not None:
        final = rf"\frac{{\partial L}}{{\partial {_wrt_tex(wrt, index)}}} = {fmt(answer)}"
    else:
        final = ""
    code = (f"model = nn.Sequential(nn.Linear({len(p['W1'][0])}, {len(p['W1'])}), {ACT_TORCH[p['act']]}, "
            f"nn.Linear({len(h)}, {n}))")
    loss_code = "nn.MSELoss()" if p["loss"] == "mse" else "nn.CrossEntropyLoss()"
    layers = layers_of(p)
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
    asked = grads[wrt]
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
            "n_out": n, "act_name": p["act"],
            "asked_shape": [len(asked), len(asked[0])] if wrt.endswith("weight") else [len(asked)],
            "grad_step": steps[("dW" if wrt.endswith("weight") else "db") + ("1" if first else "2")],
        },
        misconceptions=mis,
        check=check,
        pytorch=pytorch,
    )


def _flat(v) -> list:
    """A number, or a vector / matrix as nested lists, as a flat list of numbers."""
    if not isinstance(v, list):
        return [v]
    return [u for row in v for u in row] if v and isinstance(v[0], list) else v


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


# The fast path of solve_conv: the same sums of products on Python floats (nested lists).
# The reference is _conv_forward / conv_weight_grad above (numpy) and the engine's Conv2d;
# tests/test_family_network_backprop.py compares them on random draws.

def _conv_forward_list(x: list, w: list, b: float, s: int) -> list:
    """:func:`_conv_forward` on lists: ``x`` ``[H][W]``, kernel ``w`` ``[2][2]`` -> ``[n][n]``.

    Each window's four products are added row by row, the order of ``np.sum`` over the
    window and of the engine's Conv2d (one kernel tap at a time), then the bias.
    """
    n = (len(x) - 2) // s + 1
    (w00, w01), (w10, w11) = w
    out = []
    for i in range(n):
        r0, r1 = x[s * i], x[s * i + 1]
        out.append([r0[s * j] * w00 + r0[s * j + 1] * w01 + r1[s * j] * w10 + r1[s * j + 1] * w11 + b
                    for j in range(n)])
    return out


def _conv_weight_grad_list(p: dict, x: list, out: list, mistake=None) -> tuple[list, list]:
    """:func:`conv_weight_grad` on lists: ``(dW [2][2], dL/dY [n][n])``.

    ``x``: the input as floats; ``out``: the layer's output before any ReLU (only read for
    MSE or a ReLU).
    """
    s = p["stride"]
    n = (len(x) - 2) // s + 1
    if p["mode"] == "upstream":
        g = [[float(v) for v in row] for row in p["grad"]]
    else:
        factor = 1.0 if mistake == "forgot-factor-two" else 2.0
        div = 1 if mistake == "forgot-mean" else n * n
        g = [[factor * (y - t) / div for y, t in zip(yr, tr)] for yr, tr in zip(out, p["target"])]
    if p["relu"] and mistake != "forgot-relu-mask":
        g = [[gv * (1.0 if v > 0 else 0.0) for gv, v in zip(gr, orow)] for gr, orow in zip(g, out)]
    if mistake == "wrong-sign":
        g = [[-v for v in row] for row in g]
    if mistake == "ignored-stride":
        s = 1
    d00 = d01 = d10 = d11 = 0.0
    for i in range(n):
        r0, r1 = x[s * i], x[s * i + 1]
        for j in range(n):
            gij, c = g[i][j], s * j
            d00 += gij * r0[c]
            d01 += gij * r0[c + 1]
            d10 += gij * r1[c]
            d11 += gij * r1[c + 1]
    if mistake == "transposed":
        return [[d00, d10], [d01, d11]], g
    if mistake == "rotated-kernel":
        return [[d11, d10], [d01, d00]], g
    return [[d00, d01], [d10, d11]], g


def _close(a: float, b: float) -> bool:
    """``np.allclose`` of two finite numbers: ``|a - b| <= 1e-8 + 1e-5 |b|``."""
    return abs(a - b) <= 1e-08 + 1e-05 * abs(b)


def solve_conv(p: dict) -> Solution:
    x = [[float(v) for v in row] for row in p["x"]]
    s = p["stride"]
    n = (len(x) - 2) // s + 1
    weight = p["weight"] if p["weight"] is not None else [[0.0, 0.0], [0.0, 0.0]]
    # the convolution's output (before the ReLU), as the engine's forward and _conv_forward give it
    pre = _conv_forward_list(x, [[float(v) for v in row] for row in weight], float(p["bias"] or 0.0), s)
    answer, g = _conv_weight_grad_list(p, x, pre)
    flat = answer[0] + answer[1]
    if max(abs(v) for v in flat) < 0.05 or sum(abs(v) < 1e-9 for v in flat) > 1:
        raise Redraw("degenerate gradient")
    if _close(answer[0][1], answer[1][0]) and _close(answer[1][0], answer[0][1]):
        raise Redraw("symmetric gradient: transposing would not show")
    if p["relu"]:
        if any(abs(v) < 0.05 for row in pre for v in row):
            raise Redraw("a ReLU input is (almost) 0")
        if sum(v > 0 for row in pre for v in row) < 2:
            raise Redraw("too few ReLUs on")
    mis = {}
    for m in CONV_MISTAKES:
        if m in ("forgot-factor-two", "forgot-mean") and p["mode"] != "mse":
            continue
        if m == "forgot-relu-mask" and not p["relu"]:
            continue
        if m == "ignored-stride" and s == 1:
            continue
        mis[m] = _conv_weight_grad_list(p, x, pre, m)[0]
    g_tex = [[tex_paren(v) for v in row] for row in g]      # each is used four times
    terms = []                            # window (i, j) of the input starts at (s i, s j)
    for a in range(2):
        for b in range(2):
            parts = [f"{g_tex[i][j]} \\cdot {tex_paren(x[s * i + a][s * j + b])}"
                     for i in range(n) for j in range(n)]
            terms.append(rf"\frac{{\partial L}}{{\partial w_{{{a}{b}}}}} = " + " + ".join(parts)
                         + f" = {fmt(answer[a][b])}")
    pre_tex = _tex_rows(pre)
    exact = all(_close(v, round(v)) for v in flat)
    ctx = {
        "x_tex": _tex_rows(x), "grad_tex": tex_mat(p["grad"]) if p["grad"] is not None else "",
        "w_tex": tex_mat(p["weight"]) if p["weight"] is not None else "",
        "bias": p["bias"] if p["bias"] is not None else 0,
        "t_tex": tex_mat(p["target"]) if p["target"] is not None else "",
        "y_tex": pre_tex if p["mode"] == "mse" or p["relu"] else "",
        "pre_tex": pre_tex, "g_tex": _tex_rows(g), "terms": terms, "out_size": n,
        "terms_md": "\n".join(f"- ${t}$" for t in terms),
        "mask_tex": _tex_rows([[1.0 if v > 0 else 0.0 for v in row] for row in pre]) if p["relu"] else "",
        "exact": exact,
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
    return Solution(answer=answer, decimals=0 if exact else 3, context=ctx,
                    misconceptions=mis, check=conv_check(p), pytorch="\n".join(lines))


def tex_paren(x: float) -> str:
    s = fmt(x)
    return f"({s})" if s.startswith("-") else s


register("backprop.network", solve_network, sample_scalar)
register("backprop.network-matrix", solve_network, sample_matrix)
register("backprop.conv-weight", solve_conv, sample_conv)
