"""Scalar computational graphs: parse, evaluate and differentiate (reverse mode).

The language is Python syntax restricted to ``+ - * /``, ``**`` with a constant
exponent, unary minus, numbers, variable names and the calls ``max(a, b)``,
``min(a, b)``, ``exp(a)``, ``log(a)`` (natural), ``sigmoid(a)``, ``relu(a)``,
``tanh(a)``.  Parsing walks Python's ``ast``; nothing is ever ``eval``-ed.

Conventions at kinks: ``max``/``min`` send the whole gradient to the *first*
argument on ties (torch.maximum would split it), ``relu'(0) = 0`` (torch).
"""
from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["parse_expression", "evaluate", "gradients", "graph", "variables", "Node", "FUNCTIONS"]

FUNCTIONS = {"max": 2, "min": 2, "exp": 1, "log": 1, "sigmoid": 1, "relu": 1, "tanh": 1}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


@dataclass
class Node:
    """One vertex of the graph: ``value`` = op(inputs); ``local_grads[i]`` = d value / d inputs[i];
    ``upstream_grad`` = d output / d value (filled by backprop)."""

    name: str
    op: str                                   # 'var', 'const', '+', '-', '*', '/', '**', 'neg', or a function name
    inputs: list = field(default_factory=list)
    value: float = 0.0
    local_grads: list = field(default_factory=list)
    upstream_grad: float = 0.0
    text: str = ""                            # the sub-expression this node computes
    exponent: float | None = None             # for '**'


def parse_expression(text: str) -> ast.expr:
    """Parse and validate ``text``; return the checked ``ast`` expression.

    Raises ValueError naming the first unsupported construct.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ValueError(f"cannot parse expression {text!r}: {err.msg}") from None
    _check(tree.body, text)
    return tree.body


def _constant(node) -> float | None:
    """The value of a numeric literal or a negated one, else None."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _constant(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    return None


def _check(node, text):
    if isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise ValueError(f"only numbers are allowed as constants, got {node.value!r} in {text!r}")
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ValueError(f"{node.id!r} is a function, not a variable, in {text!r}")
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        if isinstance(node.op, ast.Pow) and _constant(node.right) is None:
            raise ValueError(f"the exponent of ** must be a number, got {ast.unparse(node.right)!r}")
        _check(node.left, text)
        _check(node.right, text)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _check(node.operand, text)
    elif isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise ValueError(f"unsupported function {ast.unparse(node.func)!r}; "
                             f"allowed: {', '.join(FUNCTIONS)}")
        if node.keywords or len(node.args) != FUNCTIONS[name]:
            raise ValueError(f"{name}() takes {FUNCTIONS[name]} positional argument(s)")
        for arg in node.args:
            _check(arg, text)
    else:
        raise ValueError(f"unsupported syntax {ast.unparse(node)!r} in {text!r}; allowed: numbers, "
                         "variables, + - * / **, unary -, and " + ", ".join(FUNCTIONS))


def variables(expr) -> list:
    """Sorted variable names of an expression (text or parsed)."""
    tree = parse_expression(expr) if isinstance(expr, str) else expr
    return sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS})


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _apply(op, args, exponent=None):
    """``(value, local_grads)`` of one operation."""
    if op == "+":
        a, b = args
        return a + b, [1.0, 1.0]
    if op == "-":
        a, b = args
        return a - b, [1.0, -1.0]
    if op == "*":
        a, b = args
        return a * b, [b, a]
    if op == "/":
        a, b = args
        if b == 0:
            raise ValueError("division by zero")
        return a / b, [1.0 / b, -a / b ** 2]
    if op == "**":
        (a,) = args
        if exponent == 0:
            return 1.0, [0.0]
        if a == 0 and exponent < 1:
            raise ValueError(f"0 ** {exponent} has no derivative")
        value = a ** exponent
        if isinstance(value, complex):
            raise ValueError(f"negative base {a} with non-integer exponent {exponent}")
        return value, [exponent * a ** (exponent - 1)]
    if op == "neg":
        return -args[0], [-1.0]
    if op == "max":
        a, b = args
        return (a, [1.0, 0.0]) if a >= b else (b, [0.0, 1.0])
    if op == "min":
        a, b = args
        return (a, [1.0, 0.0]) if a <= b else (b, [0.0, 1.0])
    (a,) = args
    if op == "exp":
        return math.exp(a), [math.exp(a)]
    if op == "log":
        if a <= 0:
            raise ValueError(f"log of non-positive value {a}")
        return math.log(a), [1.0 / a]
    if op == "sigmoid":
        s = _sigmoid(a)
        return s, [s * (1.0 - s)]
    if op == "relu":
        return max(a, 0.0), [1.0 if a > 0 else 0.0]
    if op == "tanh":
        t = math.tanh(a)
        return t, [1.0 - t * t]
    raise ValueError(f"unknown operation {op!r}")


def _free_prefix(candidates, names):
    """First prefix p such that no variable is named p<digits>."""
    for prefix in candidates:
        if not any(n.startswith(prefix) and n[len(prefix):].isdigit() for n in names):
            return prefix
    return "_" + candidates[0]


@lru_cache(maxsize=1024)
def _parsed_with_texts(text: str) -> tuple[ast.expr, dict, list]:
    """Parsed expression, ``{id(subtree): its source text}`` and the variable names; cached
    per expression text.

    ``ast.unparse`` costs about as much as the whole evaluation, so the texts are made once.
    The cached tree is never modified (and it keeps the ids valid).
    """
    tree = parse_expression(text)
    return tree, _texts(tree), variables(tree)


def _texts(tree) -> dict:
    return {id(t): ast.unparse(t) for t in ast.walk(tree)}


def graph(expr, values: dict) -> list:
    """All nodes in topological order (inputs before users), values and gradients filled.

    Variables are single shared nodes (named after themselves); constants are 'const'
    nodes ``c1, c2, ...``; every operation gets a name ``z1, z2, ...`` in evaluation
    order (another letter if a variable is already called like that).  The last
    node is the output; ``upstream_grad`` holds d output / d node.
    """
    tree, texts, names = (_parsed_with_texts(expr) if isinstance(expr, str)
                          else (expr, _texts(expr), variables(expr)))
    missing = [v for v in names if v not in values]
    if missing:
        raise ValueError(f"no value given for variable(s) {', '.join(missing)}")
    op_prefix = _free_prefix(("z", "u", "v", "t", "node"), names)
    const_prefix = _free_prefix(("c", "k", "const"), names)
    nodes: list[Node] = []
    by_var: dict[str, Node] = {}
    counts = {"op": 0, "const": 0}

    def add(op, inputs, text, exponent=None):
        value, local = _apply(op, [n.value for n in inputs], exponent)
        counts["op"] += 1
        node = Node(f"{op_prefix}{counts['op']}", op, [n.name for n in inputs], float(value),
                    [float(g) for g in local], 0.0, text, exponent)
        nodes.append(node)
        return node

    def build(t) -> Node:
        text = texts[id(t)]
        if isinstance(t, ast.Name):
            if t.id not in by_var:
                by_var[t.id] = Node(t.id, "var", [], float(values[t.id]), [], 0.0, t.id)
                nodes.append(by_var[t.id])
            return by_var[t.id]
        if isinstance(t, ast.Constant):
            counts["const"] += 1
            node = Node(f"{const_prefix}{counts['const']}", "const", [], float(t.value), [], 0.0, text)
            nodes.append(node)
            return node
        if isinstance(t, ast.UnaryOp):
            inner = build(t.operand)
            return add("neg", [inner], text) if isinstance(t.op, ast.USub) else inner
        if isinstance(t, ast.BinOp):
            if isinstance(t.op, ast.Pow):
                return add("**", [build(t.left)], text, _constant(t.right))
            return add(_BINARY[type(t.op)], [build(t.left), build(t.right)], text)
        return add(t.func.id, [build(a) for a in t.args], text)    # a validated call

    output = build(tree)
    by_name = {n.name: n for n in nodes}
    output.upstream_grad = 1.0
    for node in reversed(nodes):                   # reverse topological order
        for name, local in zip(node.inputs, node.local_grads):
            by_name[name].upstream_grad += node.upstream_grad * local   # forks sum
    return nodes


def evaluate(expr, values: dict) -> float:
    """Value of the expression at ``values`` (a dict name -> number)."""
    return graph(expr, values)[-1].value


def gradients(expr, values: dict) -> dict:
    """d expression / d variable for every variable in the expression (reverse mode)."""
    return {n.name: n.upstream_grad for n in graph(expr, values) if n.op == "var"}
