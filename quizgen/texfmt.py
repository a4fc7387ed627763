"""Formatting helpers exposed to question templates as Jinja2 filters.

Templates only display; these turn solved values into TeX or PyTorch text.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable

from .josa import josa

# Positional constructor arguments of the torch.nn classes we print; the rest are keywords.
_POSITIONAL = {
    "Linear": ("in_features", "out_features"),
    "LazyLinear": ("out_features",),
    "Conv1d": ("in_channels", "out_channels"),
    "Conv2d": ("in_channels", "out_channels"),
    "Conv3d": ("in_channels", "out_channels"),
}
_KEYWORDS = ("kernel_size", "stride", "padding", "dilation", "bias", "dim",
             "start_dim", "end_dim")
_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1, "bias": True}
_POOLS = ("MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "MinPool1d", "MinPool2d")


def num(x: Any, decimals: int | None = None) -> str:
    """A number as a student sees it: ints plainly, reals with ``decimals`` (no ``-0``)."""
    kind = type(x)
    if kind is int:                      # the common cases first (the same steps as below)
        return str(x)
    if kind is float:
        if decimals is None:
            if x.is_integer():
                return str(int(x))
            text = f"{x:.10g}"
        else:
            text = f"{x:.{decimals}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int) or (decimals is None and float(x).is_integer()):
        return str(int(x))
    if decimals is None:
        text = f"{float(x):.10g}"
    else:
        text = f"{float(x):.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def fmt4(x: Any) -> str:
    """A worked-solution number: exact when it has at most 4 decimals, else 4 decimals."""
    return _fmt4(float(x))


def fmt4_row(values: Iterable[float]) -> list[str]:
    """:func:`fmt4` of each of ``values`` (Python floats, e.g. a row of ``ndarray.tolist()``)."""
    return [_fmt4(v) for v in values]


@lru_cache(maxsize=16384)
def _fmt4(x: float) -> str:
    # Solvers print the same few numbers many times; cached by value (only 0.0 == -0.0
    # collide, and both print "0").
    if abs(x - round(x, 4)) < 1e-12:
        return num(round(x, 4))
    return num(x, 4)


def tex_num(x: Any, decimals: int | None = None) -> str:
    """Like :func:`num` but with a TeX minus sign-safe form (plain ``-`` works in TeX)."""
    return num(x, decimals)


def tex_matrix(m: Iterable, decimals: int | None = None, env: str = "bmatrix") -> str:
    """Nested list (row-major) -> ``\\begin{bmatrix} a & b \\\\ c & d \\end{bmatrix}``.

    A flat list is shown as a row vector.
    """
    rows = list(m)
    if rows and not isinstance(rows[0], (list, tuple)):
        rows = [rows]
    # ints inline num's first case (matrices are mostly small ints: one call fewer per entry)
    body = r" \\ ".join(" & ".join([str(v) if type(v) is int else num(v, decimals) for v in row])
                         for row in rows)
    return rf"\begin{{{env}}} {body} \end{{{env}}}"


def tex_shape(shape: Iterable[int]) -> str:
    """``[16, 50, 50]`` -> ``16 \\times 50 \\times 50``."""
    return r" \times ".join(str(int(s)) for s in shape)


def shape_text(shape: Iterable[int]) -> str:
    """``[16, 50, 50]`` -> ``16 × 50 × 50`` (plain text)."""
    return " × ".join(str(int(s)) for s in shape)


def _arg(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_arg(v) for v in value) + ")"
    return repr(value) if isinstance(value, str) else str(value)


def torch_layer(layer: dict, prefix: str = "nn.") -> str:
    """A layer dict in key-format vocabulary -> ``nn.Conv2d(3, 16, kernel_size=3, padding=1)``.

    Arguments equal to torch's defaults are left out; weights are never printed.
    """
    kind = layer["type"]
    parts = [_arg(layer[k]) for k in _POSITIONAL.get(kind, ()) if k in layer]
    for key in _KEYWORDS:
        if key not in layer or key in _POSITIONAL.get(kind, ()):
            continue
        value = layer[key]
        if key == "bias" and not isinstance(value, bool):
            continue  # bias values, not the constructor flag
        if kind in _POOLS and key == "stride" and value in (None, layer.get("kernel_size")):
            continue
        if _DEFAULTS.get(key, object()) == value:
            continue
        parts.append(f"{key}={_arg(value)}")
    return f"{prefix}{kind}({', '.join(parts)})"


def torch_sequential(layers: list[dict], indent: str = "    ") -> str:
    """``nn.Sequential(...)`` code for a stack, one layer a line."""
    lines = [f"{indent}{torch_layer(l)}," for l in layers]
    return "nn.Sequential(\n" + "\n".join(lines) + "\n)"


_KO_ORDINALS = ("첫", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉", "열")


def ko_ordinal(n: int) -> str:
    """The Korean ordinal of ``n`` counted from 1: ``첫 번째``, ``두 번째``, ..., ``11번째``."""
    n = int(n)
    return f"{_KO_ORDINALS[n - 1]} 번째" if 1 <= n <= len(_KO_ORDINALS) else f"{n}번째"


FILTERS = {
    "josa": josa,
    "ko_ordinal": ko_ordinal,
    "num": num,
    "tex_num": tex_num,
    "tex_matrix": tex_matrix,
    "tex_shape": tex_shape,
    "shape_text": shape_text,
    "torch_layer": torch_layer,
    "torch_sequential": torch_sequential,
}
