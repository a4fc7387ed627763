"""Load and validate a key.json (format ``quizgen-key/1``) into a :class:`Quiz`.

The grader reads nothing else, so everything grading relies on is checked here and a
bad key fails with one :class:`KeyFormatError` naming the file and the field.
"""
from __future__ import annotations

import json
import numbers
from pathlib import Path
from typing import Any

from ..errors import KeyFormatError
from ..model import ANSWER_TYPES, KEY_FORMAT, Quiz

_HINT = "Grade with the key.json that `quizgen generate` wrote for this exam."


def load_key(path: str | Path) -> Quiz:
    """Read ``path``; raise KeyFormatError for anything that is not a valid quizgen key."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise KeyFormatError(f"cannot read the key: {e.strerror or e}.", path=str(path)) from e
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise KeyFormatError("is not UTF-8 text, so it is not a quizgen key.", path=str(path),
                             line=line, hint=_HINT) from e
    except json.JSONDecodeError as e:
        raise KeyFormatError(f"is not valid JSON ({e.msg}, column {e.colno}), so it is not a "
                             "quizgen key.", path=str(path), line=e.lineno, hint=_HINT) from e
    check_key(data, str(path))
    return Quiz.from_dict(data)


def check_key(data: Any, path: str = "key.json") -> None:
    """Raise KeyFormatError unless ``data`` follows key-format.md closely enough to grade."""
    if not isinstance(data, dict) or "format" not in data:
        raise KeyFormatError("is not a quizgen key (no \"format\" field).", path=path, hint=_HINT)
    fmt = data["format"]
    if fmt != KEY_FORMAT:
        known = isinstance(fmt, str) and fmt.startswith("quizgen-key/")
        msg = (f"has key format '{fmt}', which this quizgen cannot read (it reads {KEY_FORMAT})."
               if known else f"is not a quizgen key (format '{fmt}', expected {KEY_FORMAT}).")
        raise KeyFormatError(msg, path=path, field="format",
                             hint="Upgrade quizgen to grade it." if known else _HINT)
    students = data.get("students")
    if not isinstance(students, list) or not students:
        raise KeyFormatError("has no students.", path=path, field="students", hint=_HINT)
    seen: set[str] = set()
    for i, st in enumerate(students):
        where = f"students[{i}]"
        if not isinstance(st, dict):
            _bad(path, where, "is not an object")
        sid = st.get("student_id")
        if not isinstance(sid, str) or not sid.strip():
            _bad(path, f"{where}.student_id", "is missing or empty")
        if sid in seen:
            _bad(path, f"{where}.student_id", f"repeats student '{sid}'")
        seen.add(sid)
        qs = st.get("questions")
        if not isinstance(qs, list):
            _bad(path, f"{where}.questions", "is not a list")
        slots: set[str] = set()
        for j, q in enumerate(qs):
            slot = _check_question(q, path, f"{where}.questions[{j}]")
            if slot in slots:
                _bad(path, f"{where}.questions[{j}].slot", f"repeats slot '{slot}'")
            slots.add(slot)


def _bad(path: str, field: str, what: str) -> None:
    raise KeyFormatError(f"{what}.", path=path, field=field, hint=_HINT)


def _check_question(q: Any, path: str, where: str) -> str:
    if not isinstance(q, dict):
        _bad(path, where, "is not an object")
    slot = q.get("slot")
    if not isinstance(slot, str) or not slot:
        _bad(path, f"{where}.slot", "is missing")
    points = q.get("points", 1)
    if not _is_number(points) or points < 0:
        _bad(path, f"{where}.points", "is not a non-negative number")
    answer = q.get("answer")
    if not isinstance(answer, dict) or answer.get("type") not in ANSWER_TYPES:
        _bad(path, f"{where}.answer.type",
             "is not one of " + ", ".join(ANSWER_TYPES))
    kind = answer["type"]
    n_options = None
    if kind in ("choice", "choices"):
        options = q.get("options")
        if not isinstance(options, list) or not options:
            _bad(path, f"{where}.options", f"is required for a '{kind}' answer")
        n_options = len(options)
    if "value" not in answer or not valid_value(kind, answer["value"], n_options):
        _bad(path, f"{where}.answer.value", f"is not a valid '{kind}' value")
    tol = q.get("tolerance", {})
    if not isinstance(tol, dict) or not all(_is_number(tol.get(k, 0)) and tol.get(k, 0) >= 0
                                            for k in ("abs", "rel")):
        _bad(path, f"{where}.tolerance", "needs non-negative numbers 'abs' and 'rel'")
    for k, m in enumerate(q.get("misconceptions") or []):
        if not isinstance(m, dict) or "id" not in m:
            _bad(path, f"{where}.misconceptions[{k}]", "needs an 'id'")
        if not valid_value(kind, m.get("value"), n_options):
            _bad(path, f"{where}.misconceptions[{k}].value", f"is not a valid '{kind}' value")
    return slot


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def valid_value(kind: str, v: Any, n_options: int | None = None) -> bool:
    """True when ``v`` is plain JSON of answer type ``kind``."""
    if kind == "real":
        return _is_number(v)
    if kind == "integer":
        return _is_number(v) and float(v).is_integer()
    if kind == "choice":
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < (n_options or 0)
    if kind == "choices":
        return (isinstance(v, list) and all(isinstance(i, int) and 0 <= i < (n_options or 0)
                                            for i in v))
    if not isinstance(v, list) or not v:
        return False
    if kind == "shape":
        return all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in v)
    if kind == "vector":
        return all(_is_number(x) for x in v)
    if kind == "matrix":
        return (all(isinstance(r, list) and len(r) == len(v[0]) and r for r in v)
                and all(_is_number(x) for r in v for x in r))
    return False
