"""Independent PyTorch solver for key ``check`` recipes (../shared/spec/key-format.md).

Deliberately shares no code with ``quizgen.engine``: layers become real ``torch.nn``
modules, gradients come from autograd, SGD from ``torch.optim.SGD``.  Unbatched
tensors are run as a batch of one (``x.unsqueeze(0)``), so every constructor
argument (e.g. ``Flatten(start_dim=1)``, ``Softmax(dim=1)``) means what it means in
torch.  ``MinPool1d``/``MinPool2d`` (not torch classes) are ``-MaxPool(-x)``.

Use: ``solve_check(check) -> int | float | list | dict`` (plain Python).
"""
from __future__ import annotations

import ast

import torch
from torch import nn

DTYPE = torch.float64


def _t(value, dtype=DTYPE, grad=False):
    return torch.tensor(value, dtype=dtype, requires_grad=grad)


def _plain(t):
    return t.detach().tolist() if isinstance(t, torch.Tensor) else t


# ------------------------------------------------------------------ layers

class MinPool(nn.Module):
    """-MaxPool(-x); not in torch."""

    def __init__(self, pool):
        super().__init__()
        self.pool = pool

    def forward(self, x):
        return -self.pool(-x)


def _bias_flag(layer):
    if "bias" in layer:
        return layer["bias"] is not None and layer["bias"] is not False
    return "weight" not in layer


def _pool_kwargs(layer, with_dilation):
    kw = {"kernel_size": layer["kernel_size"], "stride": layer.get("stride"), "padding": layer.get("padding", 0)}
    if with_dilation:
        kw["dilation"] = layer.get("dilation", 1)
    return kw


def build_module(layer, in_shape, receptive=False):
    """An ``nn.Module`` for one layer dict given the batched input shape ``in_shape``.

    With ``receptive`` every weight/bias is positive and every pooling becomes a
    depthwise convolution with a positive box kernel (same geometry).
    """
    kind = layer["type"]
    bias = _bias_flag(layer)
    if kind == "Linear":
        w = layer.get("weight")
        n_in = layer.get("in_features") or (len(w[0]) if w is not None else in_shape[-1])
        n_out = layer.get("out_features") or len(w)
        module = nn.Linear(n_in, n_out, bias=bias, dtype=DTYPE)
    elif kind in ("Conv1d", "Conv2d", "Conv3d"):
        w = layer.get("weight")
        wshape = torch.tensor(w).shape if w is not None else None
        n_in = layer.get("in_channels") or (wshape[1] if wshape is not None else in_shape[1])
        n_out = layer.get("out_channels") or wshape[0]
        kernel = layer.get("kernel_size") or tuple(wshape[2:])
        module = getattr(nn, kind)(n_in, n_out, kernel, stride=layer.get("stride", 1),
                                   padding=layer.get("padding", 0), dilation=layer.get("dilation", 1),
                                   bias=bias, dtype=DTYPE)
    elif kind.startswith(("MaxPool", "AvgPool", "MinPool")):
        nd = int(kind[-2])
        if receptive:
            return _box_conv(layer, in_shape[1], nd)
        if kind.startswith("AvgPool"):
            return getattr(nn, f"AvgPool{nd}d")(**_pool_kwargs(layer, False))
        pool = getattr(nn, f"MaxPool{nd}d")(**_pool_kwargs(layer, True))
        return MinPool(pool) if kind.startswith("MinPool") else pool
    elif kind == "Flatten":
        return nn.Flatten(layer.get("start_dim", 1), layer.get("end_dim", -1))
    elif kind == "Softmax":
        return nn.Softmax(dim=-1 if layer.get("dim") is None else layer["dim"])
    elif kind in ("ReLU", "Sigmoid", "Tanh"):
        return getattr(nn, kind)()
    else:
        raise ValueError(f"unknown layer type {kind!r}")
    with torch.no_grad():
        if receptive:
            module.weight.uniform_(0.5, 1.5)
            if module.bias is not None:
                module.bias.uniform_(0.5, 1.5)
        elif layer.get("weight") is not None:
            module.weight.copy_(_t(layer["weight"]))
            if module.bias is not None:
                b = layer["bias"]
                module.bias.copy_(torch.zeros(module.bias.shape, dtype=DTYPE) if b is True else _t(b))
    return module


def _box_conv(layer, channels, nd):
    """A pooling window as a depthwise conv with weights 1/k (zero padding)."""
    k = layer["kernel_size"]
    conv = getattr(nn, f"Conv{nd}d")(channels, channels, k, stride=layer.get("stride") or k,
                                    padding=layer.get("padding", 0), dilation=layer.get("dilation", 1),
                                    groups=channels, bias=False, dtype=DTYPE)
    with torch.no_grad():
        conv.weight.fill_(1.0 / conv.weight[0].numel())
    return conv


def build_model(layers, input_shape=None, receptive=False):
    """``nn.Sequential`` of the layers; shapes are traced on zeros when ``input_shape`` is known."""
    modules, shape = [], None if input_shape is None else (1, *input_shape)
    for layer in layers:
        module = build_module(layer, shape, receptive)
        modules.append(module)
        if shape is not None:
            with torch.no_grad():
                shape = tuple(module(torch.zeros(shape, dtype=DTYPE)).shape)
    return nn.Sequential(*modules)


def run(model, x):
    """Apply the model to an unbatched tensor (as a batch of one)."""
    return model(x.unsqueeze(0)).squeeze(0)


# ------------------------------------------------------------------ losses

def loss_value(spec, output):
    """The (possibly unreduced) loss of ``output`` under a loss spec."""
    kind = spec["type"]
    target = spec.get("target")
    if kind == "CrossEntropyLoss":
        t = _t(target)
        if t.shape != output.shape:
            t = t.long()
        return nn.CrossEntropyLoss(reduction=spec.get("reduction", "mean"))(output, t)
    if kind == "NLLLoss":
        return nn.NLLLoss(reduction=spec.get("reduction", "mean"))(output, _t(target).long())
    if kind == "MSELoss":
        return nn.MSELoss(reduction=spec.get("reduction", "mean"))(output, _t(target))
    if kind == "BCELoss":
        return nn.BCELoss(reduction=spec.get("reduction", "mean"))(output, _t(target))
    if kind == "SimpleLoss":
        return _reduce(_t(target) - output, spec.get("reduction") or "none")
    if kind == "CrossEntropyFromProbs":
        y = _t(target)
        if y.shape != output.shape:
            y = nn.functional.one_hot(y.long(), output.shape[-1]).to(DTYPE)
        safe = torch.where(y > 0, output, torch.ones_like(output))
        rows = -(torch.where(y > 0, y * torch.log(safe), torch.zeros_like(output))).sum(-1)
        return _reduce(rows, spec.get("reduction") or "sum")
    raise ValueError(f"unknown loss type {kind!r}")


def _reduce(values, reduction):
    return {"none": values, "sum": values.sum(), "mean": values.mean()}[reduction]


def _backward_loss(spec, output):
    """Backpropagate the loss spec from ``output``."""
    if spec["type"] == "upstream":
        output.backward(_t(spec["grad"]))
        return
    loss = loss_value(spec, output)
    loss.backward(torch.ones_like(loss))


# ------------------------------------------------------------------ expressions

_FUNCS = {"exp": torch.exp, "log": torch.log, "sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh,
          "max": lambda a, b: torch.where(a >= b, a, b),       # ties -> first argument
          "min": lambda a, b: torch.where(a <= b, a, b)}


def eval_expression(text, env):
    """Evaluate a restricted Python expression over the tensors in ``env`` (no eval)."""
    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return torch.tensor(float(node.value), dtype=DTYPE)
        if isinstance(node, ast.Name) and node.id in env:
            return env[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = walk(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = walk(node.left), walk(node.right)
            ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                   ast.Div: lambda: a / b, ast.Pow: lambda: a ** b}
            if type(node.op) in ops:
                return ops[type(node.op)]()
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCS
                and not node.keywords):
            return _FUNCS[node.func.id](*[walk(a) for a in node.args])
        raise ValueError(f"unsupported expression part: {ast.dump(node)}")
    return walk(ast.parse(text, mode="eval"))


# ------------------------------------------------------------------ checks

def _pick(t, index):
    if index is None:
        return _plain(t)
    idx = (index,) if isinstance(index, int) else tuple(index)
    picked = t[idx]  # a full index gives an element, a shorter one a sub-array (out[0])
    return picked.item() if picked.ndim == 0 else _plain(picked)


def solve_check(check: dict):
    """Re-solve one ``check`` recipe with torch and return the answer as plain Python."""
    kind = check["kind"]
    if kind == "output_shape":
        model = build_model(check["layers"], check["input_shape"])
        with torch.no_grad():
            return list(run(model, torch.zeros(check["input_shape"], dtype=DTYPE)).shape)
    if kind == "param_count":
        model = build_model(check["layers"], check.get("input_shape"))
        return int(sum(p.numel() for p in model.parameters()))
    if kind == "forward":
        x = _t(check["input"])
        with torch.no_grad():
            out = run(build_model(check["layers"], list(x.shape)), x)
        return _pick(out, check.get("index"))
    if kind == "gradient":
        x = _t(check["input"], grad=True)
        model = build_model(check["layers"], list(x.shape))
        _backward_loss(check["loss"], run(model, x))
        wrt = check["wrt"]
        grad = x.grad if wrt == "input" else dict(model.named_parameters())[wrt].grad
        return _pick(grad, check.get("index"))
    if kind == "loss":
        with torch.no_grad():
            return _plain(loss_value(check["loss"], _t(check["input"])))
    if kind == "expression":
        env = {k: _t(float(v), grad=True) for k, v in check["values"].items()}
        value = eval_expression(check["expression"], env)
        if not check.get("wrt"):
            return value.item()
        (grad,) = torch.autograd.grad(value, env[check["wrt"]], allow_unused=True)
        return 0.0 if grad is None else grad.item()
    if kind == "sgd":
        params = {k: _t(v, grad=True) for k, v in check["init"].items()}
        opt = torch.optim.SGD(list(params.values()), lr=check["lr"], momentum=check.get("momentum", 0.0))
        for _ in range(check["steps"]):
            opt.zero_grad()
            eval_expression(check["expression"], params).backward()
            opt.step()
        answer = {k: _plain(v) for k, v in params.items()}
        return answer[check["ask"]] if check.get("ask") else answer
    if kind == "receptive_field":
        return receptive_field(check["input_shape"], check["layers"], check.get("output_index"))
    raise ValueError(f"unknown check kind {kind!r}")


def receptive_field(input_shape, layers, output_index=None):
    """Extent of the non-zero input gradient of one output (positive weights, pools as boxes)."""
    torch.manual_seed(0)
    model = build_model(layers, input_shape, receptive=True)
    x = torch.ones(input_shape, dtype=DTYPE, requires_grad=True)
    out = run(model, x)
    if output_index is None:
        spatial = [(n - 1) // 2 for n in out.shape[1:]] if out.dim() > 1 else [(out.shape[0] - 1) // 2]
        position = ([0] + spatial) if out.dim() > 1 else spatial
    else:
        position = [output_index] if isinstance(output_index, int) else list(output_index)
        if len(position) == out.dim() - 1:
            position = [0] + position
    out[tuple(position)].backward()
    mask = x.grad != 0
    if not mask.any():                                  # the output sees only padding
        return [0] * (x.dim() - 1 if x.dim() > 1 else 1)
    spatial_mask = mask.any(dim=0) if x.dim() > 1 else mask
    extent = []
    for axis in range(spatial_mask.dim()):
        other = tuple(a for a in range(spatial_mask.dim()) if a != axis)
        hits = spatial_mask.to(torch.int64).amax(dim=other) if other else spatial_mask
        idx = torch.nonzero(hits).flatten()
        extent.append(int(idx.max() - idx.min() + 1))
    return extent


__all__ = ["solve_check", "build_model", "build_module", "loss_value", "eval_expression", "receptive_field",
           "MinPool"]
