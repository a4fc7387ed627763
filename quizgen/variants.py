"""Exam secret -> one generator per (student, slot), and the variant code on each paper.

Each generator is seeded from HMAC-SHA256(secret, exam id | student id | slot): anyone
with the secret can rebuild every paper; without it the draws are unpredictable. The
variant code is a separate HMAC, so printing it reveals nothing about the draws.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np

from .errors import SecretError

SECRET_FILE = ".quizgen-secret"
ENV_VAR = "QUIZGEN_SECRET"
_SEP = "\x1f"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1


def _digest(secret: str, *parts: str) -> bytes:
    msg = _SEP.join(parts).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), msg, hashlib.sha256).digest()


def slot_rng(secret: str, exam_id: str, student_id: str, slot: str) -> np.random.Generator:
    """The generator for one student's question in one slot."""
    seed = int.from_bytes(_digest(secret, "draw", exam_id, student_id, slot), "big")
    return np.random.Generator(np.random.PCG64(seed))


def variant_code(secret: str, exam_id: str, student_id: str, length: int = 6) -> str:
    """A short code for the paper (e.g. ``K7Q2MX``); it does not reveal the seed."""
    d = _digest(secret, "variant", exam_id, student_id)
    n = int.from_bytes(d[:8], "big")
    out = []
    for _ in range(length):
        n, r = divmod(n, len(_CODE_ALPHABET))
        out.append(_CODE_ALPHABET[r])
    return "".join(out)


def resolve_secret(explicit: str | None, out_dir: Path | None, *, create: bool = True) -> str:
    """The secret from ``--secret``, else ``$QUIZGEN_SECRET``, else ``OUT/.quizgen-secret``.

    The file is created on first use (mode 600) when ``create`` is true.
    """
    if explicit:
        return explicit
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    if out_dir is None:
        raise SecretError("no exam secret given.", hint=f"Pass --secret or set {ENV_VAR}.")
    path = Path(out_dir) / SECRET_FILE
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise SecretError(f"cannot read the secret file: {e}.", path=str(path)) from e
        if not text:
            raise SecretError("the secret file is empty.", path=str(path),
                              hint="Delete it to make a new secret (papers will change) or restore it.")
        return text
    if not create:
        raise SecretError("no secret file here.", path=str(path),
                          hint=f"Pass --secret or set {ENV_VAR}.")
    text = secrets.token_urlsafe(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    except OSError as e:
        raise SecretError(f"cannot create the secret file: {e}.", path=str(path)) from e
    return text

