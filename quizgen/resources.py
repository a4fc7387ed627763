"""Where the bundled question bank, output templates and default exam live.

In a source checkout (or an editable install) they are the top-level folders
``question_bank/`` and ``templates/``; a regular install copies them into the package
as ``quizgen/question_bank`` and ``quizgen/templates`` (see pyproject.toml).
"""
from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PKG / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    return _PKG.parent / name


def bank_dir() -> Path:
    """The bundled question bank folder."""
    return _find("question_bank")


def templates_dir() -> Path:
    """The bundled output templates folder (one subfolder per format)."""
    return _find("templates")


def default_exam() -> Path:
    """The bundled default exam file."""
    return _PKG / "data" / "default_exam.yaml"
