"""backprop.graph: stress over seeds, answers against finite differences and torch, hand examples."""
import math
import os
import sys

import numpy as np
import pytest

from quizgen.bank import load_bank
from quizgen.bankcheck import question_problems
from quizgen.instantiate import build_question
from quizgen.solvers import graph_backprop as G

sys.path.insert(0, os.path.dirname(__file__))

SEEDS = 500
TID = "backprop.graph"

_FUNCS = {"max": max, "exp": math.exp, "relu": lambda a: max(a, 0.0),
          "sigmoid": lambda a: 1.0 / (1.0 + math.exp(-a))}


def f_value(text, values):
    """Plain Python evaluation of a generated expression (test-only; the text is ours)."""
    return eval(text, {"__builtins__": {}}, {**_FUNCS, **values})


def finite_difference(check):
    text, values, wrt = check["expression"], dict(check["values"]), check["wrt"]
    h = 1e-6
    up, down = dict(values), dict(values)
    up[wrt] += h
    down[wrt] -= h
    return (f_value(text, up) - f_value(text, down)) / (2 * h)


@pytest.fixture(scope="module")
def questions():
    t = load_bank().templates[TID]
    return {lv: [build_question(t, lv, np.random.default_rng(s)) for s in range(SEEDS)] for lv in t.level_numbers}


def test_stress_every_level(questions):
    t = load_bank().templates[TID]
    produced = set()
    for lv, qs in questions.items():
        for seed, q in enumerate(qs):
            assert question_problems(q) == [], (lv, seed)
            p = q.params
            vals = p["values"]
            if lv <= 2:
                assert all(isinstance(v, int) and v != 0 and abs(v) <= 5 for v in vals.values())
                assert q.answer_value == int(q.answer_value) and q.decimals in (0, 1)
            else:
                assert all(round(v, 1) == v and 0 < abs(v) <= 1.5 for v in vals.values())
                assert q.decimals == 3
            assert math.isfinite(q.answer_value) and q.answer_value != 0
            for m in q.misconceptions:
                assert abs(m.value - q.answer_value) > 0.002 + 0.002 * abs(q.answer_value)
            produced.update(m.id for m in q.misconceptions)
            ops = {n["op"] for n in G.op_nodes(G._as_tuple(p["structure"]))}
            if lv == 1:
                assert ops <= {"+", "*"} and len(G.op_nodes(G._as_tuple(p["structure"]))) <= 3
            elif lv == 2:
                assert ops & {"max", "relu"}
            else:
                assert ops & {"sigmoid", "exp"}
    assert produced == {m.id for m in t.misconceptions}


def test_answers_match_finite_differences(questions):
    for lv, qs in questions.items():
        for q in qs[:300]:
            assert q.answer_value == pytest.approx(finite_difference(q.check), abs=1e-5), (lv, q.params)


def test_answers_match_torch(questions):
    pytest.importorskip("torch")
    import torch_reference as ref
    for lv, qs in questions.items():
        for q in qs[:150]:
            assert ref.solve_check(q.check) == pytest.approx(q.answer_value, abs=1e-9), (lv, q.params)


def test_node_targets_are_upstream_gradients():
    # f = (x*y + z) * w at x=2, y=-3, z=4, w=-2: h1 = -6, h2 = -2, f = 4
    structure = ("*", ("+", ("*", "x", "y"), "z"), "w")
    values = {"x": 2, "y": -3, "z": 4, "w": -2}
    for target, expected in [(["node", 2], -2.0), (["node", 1], -2.0), (["var", "x"], 6.0),
                             (["var", "y"], -4.0), (["var", "w"], -2.0), (["var", "z"], -2.0)]:
        sol = G.solve({"structure": structure, "values": values, "target": target, "level": 1})
        assert sol.answer == expected, target


def test_hand_worked_examples():
    # the classic f = (x + y) z at x=-2, y=5, z=-4: df/dx = z = -4, df/dz = x + y = 3
    s = ("*", ("+", "x", "y"), "z")
    v = {"x": -2, "y": 5, "z": -4}
    sol = G.solve({"structure": s, "values": v, "target": ["var", "x"], "level": 1})
    assert sol.answer == -4.0
    assert sol.misconceptions["wrong-sign"] == 4.0
    sol_z = G.solve({"structure": s, "values": v, "target": ["var", "z"], "level": 1})
    assert sol_z.answer == 3.0
    assert sol_z.misconceptions["forgot-local-gradient"] == 1.0        # df/df passed through unchanged
    assert sol_z.misconceptions["swapped-product-inputs"] == -4.0     # z's own value instead of x + y
    # fork: f = max(x, y) * z + x * w, x=3, y=1, z=2, w=-1: df/dx = z*1 + w = 2 - 1 = 1
    s2 = ("+", ("*", ("max", "x", "y"), "z"), ("*", "x", "w"))
    v2 = {"x": 3, "y": 1, "z": 2, "w": -1}
    sol = G.solve({"structure": s2, "values": v2, "target": ["var", "x"], "level": 2})
    assert sol.answer == 1.0
    assert sol.misconceptions["multiplied-at-fork"] == -2.0          # 2 * (-1)
    assert sol.misconceptions["max-wrong-branch"] == -1.0            # only the x*w path
    assert sol.misconceptions["max-split"] == 0.0                    # 0.5*2 - 1
    # sigmoid: f = sigmoid(w x + b), w=1, x=2, b=-2 -> s = 0.5, df/dw = 0.25 * 2 = 0.5
    s3 = ("sigmoid", ("+", ("*", "w", "x"), "b"))
    sol = G.solve({"structure": s3, "values": {"w": 1.0, "x": 2.0, "b": -2.0}, "target": ["var", "w"], "level": 3})
    assert sol.answer == pytest.approx(0.5)
    assert sol.misconceptions["forgot-sigmoid-derivative"] == pytest.approx(1.0)   # sigma instead of sigma'


def test_ties_and_kinks_are_redrawn():
    from quizgen.solvers import Redraw
    s = ("+", ("*", ("max", "x", "y"), "z"), ("*", "x", "w"))
    with pytest.raises(Redraw):
        G.solve({"structure": s, "values": {"x": 2, "y": 2, "z": 1, "w": 1}, "target": ["var", "x"], "level": 2})
    s = ("*", ("relu", ("+", ("*", "x", "y"), "z")), "x")
    with pytest.raises(Redraw):
        G.solve({"structure": s, "values": {"x": 2, "y": 1, "z": -2}, "target": ["var", "x"], "level": 2})
