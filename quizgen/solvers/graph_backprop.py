"""Backpropagation on small scalar computational graphs (family ``backprop.graph``).

A graph is a nested tuple ``(op, child, ...)`` with variable names as leaves; the ops are
``+ * max relu exp sigmoid``.  Operation nodes are named ``h1, h2, ...`` in post-order
(the order :func:`quizgen.engine.expression.graph` evaluates them), the last one is ``f``.
Params: ``structure``, ``values`` (variable -> number as shown), ``target``
(``["var", name]`` or ``["node", k]``).  The answer is d f / d target: an input's gradient,
or the gradient arriving at node ``h_k`` (its upstream gradient).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..engine import expression as E
from ..texfmt import fmt4 as fmt
from . import Redraw, Solution, register
from .stacks import pick

# ---- the graphs of each level -------------------------------------------------------------

LEVEL_GRAPHS = {
    1: [
        ("*", ("+", "x", "y"), "z"),
        ("+", ("*", "x", "y"), "z"),
        ("*", ("+", ("*", "x", "y"), "z"), "w"),
        ("*", ("+", "x", "y"), ("+", "z", "w")),
        ("*", ("*", "x", "y"), "z"),
    ],
    2: [
        ("+", ("*", ("max", "x", "y"), "z"), ("*", "x", "w")),
        ("*", ("relu", ("+", ("*", "x", "y"), "z")), "x"),
        ("*", ("+", ("*", "x", "y"), ("max", "y", "z")), "w"),
        ("+", ("max", ("*", "x", "y"), "z"), ("*", "x", "z")),
        ("*", ("relu", ("+", ("*", "w", "x"), "b")), ("+", "w", "y")),
        ("+", ("*", ("relu", ("+", "x", "y")), ("max", "y", "z")), "x"),
    ],
    3: [
        ("sigmoid", ("+", ("*", "w", "x"), "b")),
        ("sigmoid", ("+", ("+", ("*", "w1", "x1"), ("*", "w2", "x2")), "b")),
        ("+", ("exp", ("*", "a", "b")), "c"),
        ("*", ("exp", ("*", "x", "y")), ("sigmoid", "z")),
        ("*", ("sigmoid", ("*", "w", "x")), ("+", "x", "y")),
        ("+", ("*", ("exp", ("+", "a", "b")), "c"), ("sigmoid", ("*", "b", "c"))),
    ],
}

MISTAKES = ("multiplied-at-fork", "forgot-local-gradient", "forgot-sigmoid-derivative",
            "max-wrong-branch", "max-split", "relu-always-open", "swapped-product-inputs",
            "wrong-sign")


def _as_tuple(node):
    """Params come back from JSON as lists; the structure is a tuple tree."""
    if isinstance(node, str):
        return node
    return tuple(_as_tuple(c) if i else c for i, c in enumerate(node))


def variables_of(node) -> list:
    """Variables in order of first appearance."""
    out = []

    def walk(n):
        if isinstance(n, str):
            if n not in out:
                out.append(n)
        else:
            for c in n[1:]:
                walk(c)
    walk(node)
    return out


def op_nodes(structure) -> list:
    """Operation nodes in post-order: ``[{name, op, inputs, tree}]``, the last named ``f``."""
    nodes = []

    def walk(n):
        if isinstance(n, str):
            return n
        names = [walk(c) for c in n[1:]]
        nodes.append({"name": f"h{len(nodes) + 1}", "op": n[0], "inputs": names, "tree": n})
        return nodes[-1]["name"]
    walk(structure)
    nodes[-1]["name"] = "f"
    return nodes


def py_text(n, keep=None) -> str:
    """Python expression text of a tree (``keep`` maps subtrees to a variable name)."""
    if keep and n in keep:
        return keep[n]
    if isinstance(n, str):
        return n
    args = [py_text(c, keep) for c in n[1:]]
    if n[0] in ("+", "*"):
        return f"({args[0]} {n[0]} {args[1]})"
    return f"{n[0]}({', '.join(args)})"


@lru_cache(maxsize=256)
def tex_name(name: str) -> str:
    """``w1`` -> ``w_1``; ``h3`` -> ``h_3``."""
    head = name.rstrip("0123456789")
    tail = name[len(head):]
    return f"{head}_{tail}" if tail else head


def tex_tree(n, names=None, parent=None) -> str:
    """TeX of a tree; with ``names`` (tree -> node name) only one level is expanded."""
    if isinstance(n, str):
        return tex_name(n)
    if names is not None and parent is not None and n in names:
        return tex_name(names[n])
    a = [tex_tree(c, names, n) for c in n[1:]]
    op = n[0]
    if op == "+":
        text = f"{a[0]} + {a[1]}"
        return f"({text})" if parent is not None and parent[0] == "*" else text
    if op == "*":
        return f"{a[0]} \\cdot {a[1]}"
    if op == "max":
        return f"\\max({a[0]}, {a[1]})"
    if op == "relu":
        return f"\\mathrm{{ReLU}}({a[0]})"
    if op == "sigmoid":
        return f"\\sigma({a[0]})"
    if op == "exp":
        return f"\\exp({a[0]})"
    raise ValueError(op)


def tex_paren(x: float) -> str:
    s = fmt(x)
    return f"({s})" if s.startswith("-") else s


# ---- sampling -----------------------------------------------------------------------------

def _draw_value(rng, level) -> float:
    if level <= 2:
        return int(pick(rng, [-5, -4, -3, -2, -1, 1, 2, 3, 4, 5] if level == 1 else
                        [-4, -3, -2, -1, 1, 2, 3, 4]))
    v = 0.0
    while v == 0.0:
        v = round(float(rng.integers(-15, 16)) / 10, 1)
    return v


def sample(rng: np.random.Generator, level: int, p: dict) -> dict:
    graphs = LEVEL_GRAPHS[level]
    structure = graphs[int(rng.integers(len(graphs)))]
    names = variables_of(structure)
    values = {v: _draw_value(rng, level) for v in names}
    nodes = op_nodes(structure)
    counts = {v: 0 for v in names}
    for n in nodes:
        for i in n["inputs"]:
            if i in counts:
                counts[i] += 1
    forked = [v for v, c in counts.items() if c > 1]
    node_targets = list(range(1, len(nodes)))                 # h1 .. h_{n-1}
    if level == 3:   # ask only for gradients whose path goes back through a sigmoid/exp node
        above = _nonlinear_above(nodes)
        names = [v for v in names if above[v]]
        forked = [v for v in forked if above[v]]
        node_targets = [k for k in node_targets if above[nodes[k - 1]["name"]]]
    r = rng.random()
    if forked and r < 0.6:
        target = ["var", pick(rng, forked)]
    elif node_targets and r < 0.8:
        target = ["node", pick(rng, node_targets)]
    else:
        target = ["var", pick(rng, names)]
    return {**p, "structure": structure, "values": values, "target": target}


def _nonlinear_above(nodes) -> dict:
    """name -> True when some path from it to ``f`` passes through a sigmoid/exp node."""
    consumers: dict = {}
    for n in nodes:
        for i in n["inputs"]:
            consumers.setdefault(i, []).append(n)
    memo: dict = {}

    def walk(name):
        if name not in memo:
            memo[name] = any(c["op"] in ("sigmoid", "exp") or walk(c["name"])
                             for c in consumers.get(name, []))
        return memo[name]
    return {name: walk(name) for name in consumers}


# ---- backpropagation, right and wrong -----------------------------------------------------

def engine_graph(structure, values) -> tuple[dict, dict]:
    """``(values, gradients)`` of every node (variables and h1.., f) from the engine's graph."""
    graph = E.graph(py_text(structure), values)
    ops = [g for g in graph if g.op not in ("var", "const")]
    nodes = op_nodes(structure)
    assert len(ops) == len(nodes)
    val = {g.name: g.value for g in graph if g.op == "var"}
    grad = {g.name: g.upstream_grad for g in graph if g.op == "var"}
    for n, g in zip(nodes, ops):
        val[n["name"]] = g.value
        grad[n["name"]] = g.upstream_grad
    return val, grad


def forward_values(structure, values) -> dict:
    return engine_graph(structure, values)[0]


def local_grads(node, val, mistake=None) -> list:
    """d node / d each input, optionally with a typical mistake."""
    op, ins = node["op"], [val[i] for i in node["inputs"]]
    if op == "+":
        return [1.0, 1.0]
    if op == "*":
        return [ins[0], ins[1]] if mistake == "swapped-product-inputs" else [ins[1], ins[0]]
    if op == "max":
        if mistake == "max-split":
            return [0.5, 0.5]
        first = ins[0] > ins[1]
        if mistake == "max-wrong-branch":
            first = not first
        return [1.0, 0.0] if first else [0.0, 1.0]
    if op == "relu":
        return [1.0 if (ins[0] > 0 or mistake == "relu-always-open") else 0.0]
    if op == "exp":
        return [math.exp(ins[0])]
    if op == "sigmoid":
        s = val[node["name"]]
        return [s if mistake == "forgot-sigmoid-derivative" else s * (1.0 - s)]
    raise ValueError(op)


def backprop(structure, val, mistake=None, nodes=None, variables=None) -> tuple[dict, dict]:
    """``(adjoints, contributions)``: d f / d every node, and the downstream pieces per node,
    written out node by node (``val``: every node's value) with one mistake switched on.

    ``nodes`` / ``variables``: ``op_nodes(structure)`` / ``variables_of(structure)`` when the
    caller has them already.
    """
    if nodes is None:
        nodes = op_nodes(structure)
    contrib: dict = {"f": [1.0]}
    adj = {}
    for node in reversed(nodes):
        parts = contrib.get(node["name"], [])
        adj[node["name"]] = float(math.prod(parts)) if mistake == "multiplied-at-fork" else float(sum(parts))
        for name, local in zip(node["inputs"], local_grads(node, val, mistake)):
            contrib.setdefault(name, []).append(adj[node["name"]] * local)
    for v in variables if variables is not None else variables_of(structure):
        parts = contrib.get(v, [])
        adj[v] = float(math.prod(parts)) if mistake == "multiplied-at-fork" else float(sum(parts))
    return adj, contrib


def target_name(structure, target, nodes=None) -> str:
    kind, what = target
    if kind == "var":
        return what
    return (nodes if nodes is not None else op_nodes(structure))[int(what) - 1]["name"]


def check_recipe(structure, values, target, val) -> dict:
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


_TORCH = {"+": "{0} + {1}", "*": "{0} * {1}", "max": "torch.maximum({0}, {1})",
          "relu": "torch.relu({0})", "sigmoid": "torch.sigmoid({0})", "exp": "torch.exp({0})"}


def snippet(structure, values, target) -> str:
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


# ---- solving ------------------------------------------------------------------------------

def _local_tex(node, k, val, names) -> str:
    """TeX justification of one local gradient."""
    op, ins = node["op"], node["inputs"]
    other = ins[1 - k] if len(ins) == 2 else None
    if op == "+":
        return "1"
    if op == "*":
        return f"{tex_name(other)} = {fmt(val[other])}"
    if op == "max":
        mine, theirs = val[ins[k]], val[other]
        rel = ">" if mine > theirs else "<"
        return f"{1 if mine > theirs else 0} \\quad ({tex_name(ins[k])} = {fmt(mine)} {rel} {tex_name(other)} = {fmt(theirs)})"
    if op == "relu":
        a = val[ins[0]]
        return f"{1 if a > 0 else 0} \\quad ({tex_name(ins[0])} = {fmt(a)} {'>' if a > 0 else '<'} 0)"
    if op == "exp":
        return f"e^{{{tex_paren(val[ins[0]])}}} = {fmt(val[node['name']])}"
    if op == "sigmoid":
        s = val[node["name"]]
        return f"\\sigma(1-\\sigma) = {fmt(s)} \\cdot (1 - {fmt(s)}) = {fmt(s * (1 - s))}"
    raise ValueError(op)


def solve(p: dict) -> Solution:
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
                "local": f"\\frac{{\\partial {me}}}{{\\partial {tex_name(inp)}}} = {_local_tex(node, k, val, names)}",
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
        check=check_recipe(structure, values, target, val),
        pytorch=snippet(structure, values, target),
    )


register("backprop.graph", solve, sample)
