"""Grading: key.json + submission CSVs -> grades, gradebook imports, feedback, report.

>>> from quizgen.grading import grade, simulate
>>> simulate("exam/key.json", "subs.csv", seed=1)
>>> result = grade("exam/key.json", ["subs.csv"], "graded")
"""
from __future__ import annotations

import importlib
from typing import Any

# Imported on first use (PEP 562), so that `generate`, which needs only the grading index
# writer, does not load the report, statistics and feedback renderers.
_WHERE = {"load_key": ".keyfile", "grade": ".pipeline", "GradeResult": ".pipeline",
          "score": ".scoring", "Policy": ".scoring", "Mark": ".scoring",
          "accepted_interval": ".scoring", "simulate": ".simulate", "SimulateResult": ".simulate"}

__all__ = ["grade", "GradeResult", "simulate", "SimulateResult", "load_key", "score", "Policy",
           "Mark", "accepted_interval"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
