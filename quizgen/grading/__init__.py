"""Grading: key.json + submission CSVs -> grades, gradebook imports, feedback, report.

>>> from quizgen.grading import grade, simulate
>>> simulate("exam/key.json", "subs.csv", seed=1)
>>> result = grade("exam/key.json", ["subs.csv"], "graded")
"""
from __future__ import annotations

from .keyfile import load_key
from .pipeline import GradeResult, grade
from .scoring import Mark, Policy, accepted_interval, score
from .simulate import SimulateResult, simulate

__all__ = ["grade", "GradeResult", "simulate", "SimulateResult", "load_key", "score", "Policy",
           "Mark", "accepted_interval"]
