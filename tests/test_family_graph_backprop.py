"""backprop.graph: stress over seeds, answers against finite differences and torch, hand examples."""
import json
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


# ---- the fast path against the reference (the engine's graph, full backprop walks) ------------

from quizgen.engine import expression as E
from quizgen.solvers import Redraw, Solution
from quizgen.solvers.graph_backprop import (
    _TORCH,
    MISTAKES,
    _as_tuple,
    _local_tex,
    backprop,
    engine_graph,
    fmt,
    local_grads,
    op_nodes,
    py_text,
    target_name,
    tex_name,
    tex_paren,
    tex_tree,
    variables_of,
)


def reference_check_recipe(structure, values, target, val) -> dict:
    kind, what = target
    if kind == "var":
        return {"kind": "expression", "expression": py_text(structure),
                "values": {k: float(v) for k, v in values.items()}, "wrt": what}
    node = op_nodes(structure)[int(what) - 1]
    vals = {k: float(v) for k, v in values.items()}
    vals[node["name"]] = val[node["name"]]
    text = py_text(structure, keep={node["tree"]: node["name"]})
    used = E.variables(text)
    return {"kind": "expression", "expression": text,
            "values": {k: v for k, v in vals.items() if k in used}, "wrt": node["name"]}


def reference_snippet(structure, values, target) -> str:
    lines = ["import torch", ""]
    for v in variables_of(structure):
        lines.append(f"{v} = torch.tensor({float(values[v])!r}, requires_grad=True)")
    name = target_name(structure, target)
    for node in op_nodes(structure):
        lines.append(f"{node['name']} = " + _TORCH[node["op"]].format(*node["inputs"]))
        if node["name"] == name:
            lines.append(f"{name}.retain_grad()")
    lines += ["f.backward()", f"print({name}.grad)"]
    return "\n".join(lines)


def reference_solve(p: dict) -> Solution:
    """solve as it was before the fast path: the engine's graph, every mistake walked in full."""
    structure = _as_tuple(p["structure"])
    values = p["values"]
    target = p["target"]
    nodes = op_nodes(structure)
    try:
        val, engine_grads = engine_graph(structure, values)
    except (ValueError, OverflowError) as e:
        raise Redraw(str(e)) from e
    for node in nodes:                              # no ties at max, no ReLU exactly at its kink
        ins = [val[i] for i in node["inputs"]]
        if node["op"] == "max" and abs(ins[0] - ins[1]) < 1e-9:
            raise Redraw("tie at a max node")
        if node["op"] == "relu" and abs(ins[0]) < 1e-9:
            raise Redraw("ReLU input exactly 0")
        if node["op"] == "exp" and abs(ins[0]) > 2.5:
            raise Redraw("exp argument too large for a hand calculation")
    name = target_name(structure, target, nodes)
    answer = engine_grads[name]
    variables = variables_of(structure)
    adj, contrib = backprop(structure, val, None, nodes, variables)  # the same walk, written out
    assert abs(adj[name] - answer) < 1e-9
    if abs(answer) < 1e-6 or abs(answer) > 500:
        raise Redraw("zero or huge answer")
    level = p.get("level", 1)
    decimals = 0 if level <= 2 else 3
    if level <= 2 and abs(answer - round(answer)) > 1e-9:
        raise Redraw("level 1-2 answers are integers")

    names = {n["tree"]: n["name"] for n in nodes}
    forward_steps = []
    for n in nodes:
        expr = tex_tree(n["tree"], names)
        forward_steps.append(f"{tex_name(n['name'])} = {expr} = {fmt(val[n['name']])}")
    # the backward walk, node by node from the output
    backward_steps = []
    for node in reversed(nodes):
        up = adj[node["name"]]
        me = tex_name(node["name"])
        lines = []
        for k, (inp, local) in enumerate(zip(node["inputs"], local_grads(node, val))):
            lines.append({
                "input": tex_name(inp),
                "local": f"\\frac{{\\partial {me}}}{{\\partial {tex_name(inp)}}} = {_local_tex(node, k, val)}",
                "down": f"{tex_paren(up)} \\cdot {tex_paren(local)} = {fmt(up * local)}",
            })
        backward_steps.append({"node": me, "upstream": fmt(up), "edges": lines})
    forks = []
    for v in variables:
        parts = contrib.get(v, [])
        if len(parts) > 1:
            forks.append({"var": tex_name(v), "parts": " + ".join(tex_paren(x) for x in parts),
                          "total": fmt(sum(parts))})

    mis = {}
    for m in MISTAKES:
        if m == "wrong-sign":
            mis[m] = -answer
        elif m == "forgot-local-gradient":
            consumers = [n for n in nodes if name in n["inputs"]]
            mis[m] = sum(adj[n["name"]] for n in consumers)
        else:
            wrong, _ = backprop(structure, val, m, nodes, variables)
            if abs(wrong[name] - answer) > 1e-9:
                mis[m] = wrong[name]

    if level <= 2 and any(abs(v - round(v)) > 1e-9 for v in mis.values()):
        decimals = 1                     # a halved gradient (max split in two) must show as x.5
    fork_vars = [tex_name(v) for v in variables if len(contrib.get(v, [])) > 1]
    formula = tex_tree(structure)
    value_text = ", \\; ".join(f"{tex_name(v)} = {fmt(values[v])}" for v in variables)
    return Solution(
        answer=round(answer, 10),
        decimals=decimals,
        context={
            "formula": formula,
            "value_text": value_text,
            "node_defs": [f"{tex_name(n['name'])} = {tex_tree(n['tree'], names)}" for n in nodes],
            "forward_steps": forward_steps,
            "backward_steps": backward_steps,
            "forks": forks,
            "fork_vars": fork_vars,
            "asked": tex_name(name),
            "asked_is_node": target[0] == "node",
            "f_value": fmt(val["f"]),
            "exact": level <= 2,
        },
        misconceptions=mis,
        check=reference_check_recipe(structure, values, target, val),
        pytorch=reference_snippet(structure, values, target),
    )


def _graph_params(n):
    out = []
    for seed in range(n):
        rng = np.random.default_rng(30_000 + seed)
        lv = seed % 3 + 1
        out.append(G.sample(rng, lv, {"level": lv}))
    return out


def test_fast_forward_and_adjoints_match_engine_and_backprop():
    for p in _graph_params(900):
        structure = p["structure"]
        shape = G._shape_of(structure)
        try:
            val, grads = engine_graph(structure, p["values"])
        except (ValueError, OverflowError):
            continue
        assert G.forward_fast(shape, p["values"]) == val
        if any((n["op"] == "max" and val[n["inputs"][0]] == val[n["inputs"][1]])
               or (n["op"] == "relu" and val[n["inputs"][0]] == 0) for n in shape["nodes"]):
            continue                          # a kink: solve redraws (the conventions differ there)
        adj, _ = backprop(structure, val)
        for name in grads:
            assert adj[name] == grads[name]
        for m in (None, *MISTAKES):
            wrong, _ = backprop(structure, val, m)
            for name in grads:
                assert G.adjoint_fast(structure, val, name, m) == wrong[name], (m, name, structure)
                skipped = (m == "multiplied-at-fork" and name not in shape["forked"]) or (
                    m in G._MISTAKE_OPS and G._MISTAKE_OPS[m] not in G._path_above(structure, name)[2])
                if skipped:                   # solve skips a mistake only when it changes nothing
                    assert wrong[name] == adj[name], (m, name, structure)


def test_fast_solver_matches_reference():
    solved = 0
    for p in _graph_params(600) + [{**p, "structure": json.loads(json.dumps(p["structure"]))}
                                   for p in _graph_params(30)]:      # as read back from JSON
        try:
            want = reference_solve({**p, "structure": _as_tuple(p["structure"])})
        except Redraw:
            with pytest.raises(Redraw):
                G.solve(p)
            continue
        got = G.solve(p)
        solved += 1
        assert got.answer == want.answer and got.decimals == want.decimals
        assert got.misconceptions == want.misconceptions
        assert got.context == want.context
        assert got.check == want.check and got.pytorch == want.pytorch
    assert solved > 400
