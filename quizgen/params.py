"""Parameter spaces declared in YAML, and drawing from them.

A space maps a parameter name to one spec:

``{int: [lo, hi]}``                 an integer in [lo, hi] (both included)
``{int: [lo, hi], step: 2}``        lo, lo+2, ... up to hi
``{real: [lo, hi], step: 0.1}``     a multiple of ``step`` in [lo, hi], rounded to step's decimals
``{choice: [a, b, c]}``             one of the listed values (any YAML value)
``{value: x}`` or a bare scalar     a constant

Draws are rounded to what the student will see *before* anything is solved.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import BankError, did_you_mean

# The keys a spec mapping may have, by kind.
SPEC_KEYS = {"value": ("value",), "choice": ("choice",), "int": ("int", "step"), "real": ("real", "step")}


def _decimals_of(step: float) -> int:
    text = repr(float(step))
    if "e" in text:
        return max(0, -int(math.floor(math.log10(abs(step))))) + 1
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


@dataclass(frozen=True)
class ParamSpec:
    """One parameter's distribution. ``kind`` is int, real, choice or value."""

    name: str
    kind: str
    lo: float = 0
    hi: float = 0
    step: float = 1
    values: tuple = ()

    def draw(self, rng: np.random.Generator) -> Any:
        if self.kind == "value":
            return self.values[0]
        if self.kind == "choice":
            return self.values[int(rng.integers(len(self.values)))]
        n = int(math.floor((self.hi - self.lo) / self.step + 1e-9)) + 1
        k = int(rng.integers(n))
        if self.kind == "int":
            return int(self.lo + k * self.step)
        return round(self.lo + k * self.step, _decimals_of(self.step))


def parse_space(space: Any, *, path: str, where: str) -> tuple[ParamSpec, ...]:
    """Validate a YAML parameter space; raise BankError naming ``where`` on a bad entry."""
    if space is None:
        return ()
    if not isinstance(space, dict):
        raise BankError("a parameter space must be a mapping of name -> spec.", path=path, field=where)
    specs = []
    for name, spec in space.items():
        field = f"{where}.{name}"
        if not isinstance(spec, dict):
            specs.append(ParamSpec(str(name), "value", values=(spec,)))
            continue
        kind = next((k for k in SPEC_KEYS if k in spec), None)
        allowed = SPEC_KEYS.get(kind, ())
        for key in spec if kind else ():  # (no kind at all: "unknown parameter spec" below)
            if key not in allowed:
                raise BankError(f"unknown key '{key}' in a parameter spec.", path=path, field=f"{field}.{key}",
                                hint=did_you_mean(key, allowed) + "A spec is {int: [lo, hi], step: s}, "
                                     "{real: [lo, hi], step: s}, {choice: [...]} or {value: x}.")
        if "value" in spec:
            specs.append(ParamSpec(str(name), "value", values=(spec["value"],)))
        elif "choice" in spec:
            values = spec["choice"]
            if not isinstance(values, list) or not values:
                raise BankError("'choice' needs a non-empty list.", path=path, field=field)
            specs.append(ParamSpec(str(name), "choice", values=tuple(values)))
        elif "int" in spec or "real" in spec:
            kind = "int" if "int" in spec else "real"
            rng_ = spec[kind]
            if (not isinstance(rng_, list) or len(rng_) != 2
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rng_)):
                raise BankError(f"'{kind}' needs a range [lo, hi] of numbers.", path=path, field=field)
            lo, hi = rng_
            step = spec.get("step", 1 if kind == "int" else None)
            if step is None:
                raise BankError("a real range needs a 'step' (what the student sees, e.g. 0.1).",
                                path=path, field=field)
            if not isinstance(step, (int, float)) or step <= 0:
                raise BankError("'step' must be a positive number.", path=path, field=field)
            if kind == "int" and (int(lo) != lo or int(hi) != hi or int(step) != step):
                raise BankError("an int range needs integer bounds and step.", path=path, field=field)
            if hi < lo:
                raise BankError(f"impossible range [{lo}, {hi}]: lo is above hi.", path=path, field=field)
            specs.append(ParamSpec(str(name), kind, lo=lo, hi=hi, step=step))
        else:
            raise BankError("unknown parameter spec; use int, real, choice or value.",
                            path=path, field=field)
    return tuple(specs)


def draw_space(specs: tuple[ParamSpec, ...], rng: np.random.Generator) -> dict:
    """Draw every parameter once, in declaration order."""
    return {s.name: s.draw(rng) for s in specs}
