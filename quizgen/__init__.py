"""quizgen: randomized, auto-solved deep-learning exercises (generate, render, export, grade).

``import quizgen`` then ``quizgen.api.generate(...)``: the submodules load on first use.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {"api", "answers", "bank", "build", "engine", "exam", "export", "grading", "model",
               "render", "solvers", "variants", "errors"}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'quizgen' has no attribute {name!r}")
