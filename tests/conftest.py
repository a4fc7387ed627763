"""Shared fixtures: the bundled bank, a temporary copy of it, and the shared/ folder."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def bank():
    from quizgen.bank import load_bank
    return load_bank()


@pytest.fixture
def bank_copy(tmp_path):
    """A writable copy of the bundled question bank."""
    from quizgen.resources import bank_dir
    dest = tmp_path / "bank"
    shutil.copytree(bank_dir(), dest)
    return dest


def shared_dir(sub: str = "") -> Path:
    """``../shared/<sub>``; skip when absent, except under CI where absence is a failure."""
    path = SHARED / sub
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing; CI must have ../shared beside the repository")
        pytest.skip(f"{path} not found (the shared/ folder beside the repository is absent)")
    return path
