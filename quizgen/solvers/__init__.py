"""Registry of question solvers.

A family's Python module registers ``solve(params) -> Solution`` and, where the YAML
parameter space cannot express the draw (a random layer stack, a matrix without ties),
``sample(rng, level, drawn) -> params``. ``sample`` must round what it draws to what
the student will see; ``solve`` must be a pure function of ``params``.
A solver raises :class:`Redraw` when the drawn parameters make a bad question; the
builder then draws again.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


class Redraw(Exception):
    """Raised by a sampler or solver when the draw makes a bad question (draw again)."""


@dataclass
class Solution:
    """What a solver returns.

    answer          plain JSON value of the template's answer type
    context         extra names for the prompt / solution / feedback templates
    misconceptions  misconception id -> the wrong value it produces (ids as in the YAML)
    check           the key.json CHECK recipe (None only for purely conceptual choices)
    decimals        display precision of real answers
    options         choice texts in canonical order (str, or {lang: str}); the builder shuffles
    pytorch         a "check it in PyTorch" snippet (language-neutral code)
    """

    answer: Any
    context: dict = field(default_factory=dict)
    misconceptions: dict = field(default_factory=dict)
    check: dict | None = None
    decimals: int | None = None
    options: list | None = None
    pytorch: str = ""


def allclose(a, b) -> bool:
    """``np.allclose(a, b)`` (rtol=1e-05, atol=1e-08), about 5x faster for tiny arrays.

    When every difference is finite (so both values are finite), the answer is numpy's own
    formula ``|a - b| <= atol + rtol * |b|``, either way; anything else (inf and nan, or a
    difference that overflows) is left to ``np.allclose``.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - b)
        if np.isfinite(diff).all():
            return bool((diff <= 1e-08 + 1e-05 * np.abs(b)).all())
    return bool(np.allclose(a, b))


@dataclass(frozen=True)
class SolverEntry:
    name: str
    solve: Callable[[dict], Solution]
    sample: Callable[[np.random.Generator, int, dict], dict] | None = None


_REGISTRY: dict[str, SolverEntry] = {}
_loaded = False


def register(name: str, solve: Callable, sample: Callable | None = None) -> None:
    """Register ``solve`` (and optionally ``sample``) under ``name``."""
    if name in _REGISTRY:
        raise ValueError(f"solver {name!r} registered twice")
    _REGISTRY[name] = SolverEntry(name, solve, sample)


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in pkgutil.iter_modules(__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}")


def get(name: str) -> SolverEntry | None:
    _load_all()
    return _REGISTRY.get(name)


def names() -> list[str]:
    _load_all()
    return sorted(_REGISTRY)
