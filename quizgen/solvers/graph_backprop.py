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
    shape = _shape_of(structure)
    names = shape["variables"]
    values = {v: _draw_value(rng, level) for v in names}
    forked = shape["forked"]
    node_targets = list(range(1, len(shape["nodes"])))     # h1 .. h_{n-1}
    if level == 3:   # ask only for gradients whose path goes back through a sigmoid/exp node
        above = shape["nonlinear_above"]
        names = [v for v in names if above[v]]
        forked = [v for v in forked if above[v]]
        node_targets = [k for k in node_targets if above[shape["nodes"][k - 1]["name"]]]
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


@lru_cache(maxsize=256)
def _shape_of(structure: tuple) -> dict:
    """Everything about a graph that depends only on its structure (a tuple tree), made once
    per structure: the levels have 17 graphs, each drawn again and again. Read-only.

    ``nodes`` (:func:`op_nodes`), ``variables`` (:func:`variables_of`), ``forked`` (variables
    used by more than one node), ``nonlinear_above`` (:func:`_nonlinear_above`), ``defs``
    (``h_k = <TeX of its node>``), ``formula`` (TeX of the whole tree), ``py_text``, ``tex``
    (name -> :func:`tex_name`) and ``local_lhs``.
    """
    nodes = op_nodes(structure)
    variables = variables_of(structure)
    counts = {v: 0 for v in variables}
    for n in nodes:
        for i in n["inputs"]:
            if i in counts:
                counts[i] += 1
    names = {n["tree"]: n["name"] for n in nodes}
    return {
        "nodes": nodes,
        "variables": variables,
        "forked": [v for v, c in counts.items() if c > 1],
        "nonlinear_above": _nonlinear_above(nodes),
        "defs": [f"{tex_name(n['name'])} = {tex_tree(n['tree'], names)}" for n in nodes],
        "formula": tex_tree(structure),
        "py_text": py_text(structure),
        "tex": {name: tex_name(name) for name in [*variables, *(n["name"] for n in nodes)]},
        # node name -> for each input, the start of its local-gradient line
        "local_lhs": {n["name"]: [f"\\frac{{\\partial {tex_name(n['name'])}}}{{\\partial {tex_name(i)}}} = "
                                  for i in n["inputs"]] for n in nodes},
    }


@lru_cache(maxsize=1024)
def _path_above(structure: tuple, name: str) -> tuple[list, frozenset, frozenset]:
    """The nodes on the paths from ``name`` (a variable or node) to ``f``, which are all that
    d f / d name depends on: ``(those nodes in post-order, their names and name, their ops)``."""
    on_path = {name}
    path, ops = [], set()
    for n in _shape_of(structure)["nodes"]:   # post-order: a node comes after its inputs
        if any(i in on_path for i in n["inputs"]):
            on_path.add(n["name"])
            path.append(n)
            ops.add(n["op"])
    return path, frozenset(on_path), frozenset(ops)


def adjoint_fast(structure: tuple, val: dict, name: str, mistake=None) -> float:
    """``backprop(structure, val, mistake)[0][name]``, walking only the nodes between ``name``
    and ``f``: the same pieces, summed (or multiplied) in the same order."""
    path, on_path, _ = _path_above(structure, name)
    multiply = mistake == "multiplied-at-fork"
    contrib: dict = {"f": [1.0]}
    for node in reversed(path):
        parts = contrib[node["name"]]        # its consumer, on the path too, came first
        adj = float(math.prod(parts)) if multiply else float(sum(parts))
        for inp, local in zip(node["inputs"], local_grads(node, val, mistake)):
            if inp in on_path:
                contrib.setdefault(inp, []).append(adj * local)
    parts = contrib.get(name, [])
    return float(math.prod(parts)) if multiply else float(sum(parts))


@lru_cache(maxsize=1024)
def _node_check_text(structure: tuple, k: int) -> tuple[str, frozenset]:
    """The CHECK expression with node ``h_k`` kept as a variable, and the variables it uses."""
    node = _shape_of(structure)["nodes"][k - 1]
    text = py_text(structure, keep={node["tree"]: node["name"]})
    return text, frozenset(E.variables(text))


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
        return {"kind": "expression", "expression": _shape_of(structure)["py_text"],
                "values": {k: float(v) for k, v in values.items()}, "wrt": what}
    name = _shape_of(structure)["nodes"][int(what) - 1]["name"]
    vals = {k: float(v) for k, v in values.items()}
    vals[name] = val[name]
    text, used = _node_check_text(structure, int(what))
    return {"kind": "expression", "expression": text,
            "values": {k: v for k, v in vals.items() if k in used}, "wrt": name}


_TORCH = {"+": "{0} + {1}", "*": "{0} * {1}", "max": "torch.maximum({0}, {1})",
          "relu": "torch.relu({0})", "sigmoid": "torch.sigmoid({0})", "exp": "torch.exp({0})"}


def snippet(structure, values, target) -> str:
    shape = _shape_of(structure)
    lines = ["import torch", ""]
    for v in shape["variables"]:
        lines.append(f"{v} = torch.tensor({float(values[v])!r}, requires_grad=True)")
    name = target_name(structure, target, shape["nodes"])
    for node in shape["nodes"]:
        lines.append(f"{node['name']} = " + _TORCH[node["op"]].format(*node["inputs"]))
        if node["name"] == name:
            lines.append(f"{name}.retain_grad()")
    lines += ["f.backward()", f"print({name}.grad)"]
    return "\n".join(lines)


# ---- solving ------------------------------------------------------------------------------

def _local_tex(node, k, val) -> str:
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


# A mistake that switches the local gradients of one operation changes nothing when no node
# with that operation lies on a path from the target to f: backprop would return the right
# gradient, which solve drops anyway, so it is not run.
_MISTAKE_OPS = {"forgot-sigmoid-derivative": "sigmoid", "max-wrong-branch": "max", "max-split": "max",
                "relu-always-open": "relu", "swapped-product-inputs": "*"}


def forward_fast(shape: dict, values: dict) -> dict:
    """Every node's value (variables as floats, then h1, ..., f) with the operations of the
    engine's graph (:func:`quizgen.engine.expression.graph`, which :func:`engine_graph` runs),
    without parsing the expression text; the tests compare the two."""
    val = {v: float(values[v]) for v in shape["variables"]}
    for node in shape["nodes"]:
        op, ins = node["op"], [val[i] for i in node["inputs"]]
        if op == "+":
            v = ins[0] + ins[1]
        elif op == "*":
            v = ins[0] * ins[1]
        elif op == "max":
            v = ins[0] if ins[0] >= ins[1] else ins[1]      # the engine's test, word for word
        elif op == "relu":
            v = max(ins[0], 0.0)
        elif op == "exp":
            v = math.exp(ins[0])
        elif op == "sigmoid":
            v = E._sigmoid(ins[0])
        else:
            raise ValueError(f"unknown operation {op!r}")
        val[node["name"]] = v
    return val


def solve(p: dict) -> Solution:
    structure = p["structure"]
    if type(structure) is not tuple:                # params read back from JSON hold lists
        structure = _as_tuple(structure)
    shape = _shape_of(structure)
    nodes, variables, tex = shape["nodes"], shape["variables"], shape["tex"]
    values = p["values"]
    target = p["target"]
    try:
        val = forward_fast(shape, values)
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
    # the walk written out; its sums are the engine graph's, in the same order (tests compare)
    adj, contrib = backprop(structure, val, None, nodes, variables)
    answer = adj[name]
    if abs(answer) < 1e-6 or abs(answer) > 500:
        raise Redraw("zero or huge answer")
    level = p.get("level", 1)
    decimals = 0 if level <= 2 else 3
    if level <= 2 and abs(answer - round(answer)) > 1e-9:
        raise Redraw("level 1-2 answers are integers")

    forward_steps = [f"{d} = {fmt(val[n['name']])}" for d, n in zip(shape["defs"], nodes)]
    # the backward walk, node by node from the output
    backward_steps = []
    for node in reversed(nodes):
        up = adj[node["name"]]
        up_tex = tex_paren(up)
        lhs = shape["local_lhs"][node["name"]]
        lines = []
        for k, (inp, local) in enumerate(zip(node["inputs"], local_grads(node, val))):
            lines.append({
                "input": tex[inp],
                "local": lhs[k] + _local_tex(node, k, val),
                "down": f"{up_tex} \\cdot {tex_paren(local)} = {fmt(up * local)}",
            })
        backward_steps.append({"node": tex[node["name"]], "upstream": fmt(up), "edges": lines})
    forks = []
    for v in variables:
        parts = contrib.get(v, [])
        if len(parts) > 1:
            forks.append({"var": tex[v], "parts": " + ".join(tex_paren(x) for x in parts),
                          "total": fmt(sum(parts))})

    mis = {}
    for m in MISTAKES:
        if m == "wrong-sign":
            mis[m] = -answer
        elif m == "forgot-local-gradient":
            consumers = [n for n in nodes if name in n["inputs"]]
            mis[m] = sum(adj[n["name"]] for n in consumers)
        elif m == "multiplied-at-fork" and name not in shape["forked"]:
            continue                     # one downstream piece at every node on the way: product = sum
        elif m in _MISTAKE_OPS and _MISTAKE_OPS[m] not in _path_above(structure, name)[2]:
            continue
        else:
            wrong = adjoint_fast(structure, val, name, m)
            if abs(wrong - answer) > 1e-9:
                mis[m] = wrong

    if level <= 2 and any(abs(v - round(v)) > 1e-9 for v in mis.values()):
        decimals = 1                     # a halved gradient (max split in two) must show as x.5
    fork_vars = [tex[v] for v in variables if len(contrib.get(v, [])) > 1]
    value_text = ", \\; ".join(f"{tex[v]} = {fmt(values[v])}" for v in variables)
    return Solution(
        answer=round(answer, 10),
        decimals=decimals,
        context={
            "formula": shape["formula"],
            "value_text": value_text,
            "node_defs": list(shape["defs"]),
            "forward_steps": forward_steps,
            "backward_steps": backward_steps,
            "forks": forks,
            "fork_vars": fork_vars,
            "asked": tex[name],
            "asked_is_node": target[0] == "node",
            "f_value": fmt(val["f"]),
            "exact": level <= 2,
        },
        misconceptions=mis,
        check=check_recipe(structure, values, target, val),
        pytorch=snippet(structure, values, target),
    )


register("backprop.graph", solve, sample)
