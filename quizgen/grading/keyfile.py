"""Load and validate a key.json (format ``quizgen-key/1``).

A key holds every student's full questions (prompts, solutions, checks): tens of KB per
student, hundreds of MB for a large class. :class:`KeyReader` therefore streams it one
student at a time; :func:`load_key` builds the whole :class:`Quiz` for small keys and
API users. Anything grading relies on is checked, and a bad key fails with one
:class:`KeyFormatError` naming the file, the line or the field (also a file cut off
before its end, or with text after it).
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Iterator

from ..errors import KeyFormatError
from ..model import ANSWER_TYPES, KEY_FORMAT, ExamInfo, Quiz, StudentPaper

_HINT = "Use the key.json that `quizgen generate` wrote for this exam."
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_CHUNK = 1 << 22


class _JsonStream:
    """Decode one JSON value after another from a text file, a buffer at a time."""

    def __init__(self, path: str):
        self.path = path
        try:
            self.f = open(path, encoding="utf-8-sig")
        except OSError as e:
            raise KeyFormatError(f"cannot read the key: {e.strerror or e}.", path=path) from e
        self.buf, self.pos, self.lines, self.eof = "", 0, 0, False

    def close(self) -> None:
        self.f.close()

    def _more(self) -> bool:
        if self.eof:
            return False
        try:
            chunk = self.f.read(_CHUNK)
        except UnicodeDecodeError as e:
            raise KeyFormatError("is not UTF-8 text, so it is not a quizgen key.",
                                 path=self.path, line=self.lines + 1, hint=_HINT) from e
        if not chunk:
            self.eof = True
            return False
        self.lines += self.buf.count("\n", 0, self.pos)
        self.buf, self.pos = self.buf[self.pos:] + chunk, 0
        return True

    def peek(self) -> str:
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or not self._more():
                return self.buf[self.pos:self.pos + 1]

    def expect(self, chars: str) -> str:
        c = self.peek()
        if not c:
            self.cut_off(self.pos)
        if c not in chars:
            self.fail(f"expected {' or '.join(repr(x) for x in chars)}", self.pos)
        self.pos += 1
        return c

    def end(self) -> None:
        """Fail unless only whitespace is left (no text after the key's closing brace)."""
        if self.peek():
            line = self.lines + self.buf.count("\n", 0, self.pos) + 1
            extra = " ".join(self.buf[self.pos:self.pos + 40].split())[:20]
            raise KeyFormatError(
                f"has text after the end of the key ('{extra}...'), so the file is damaged.",
                path=self.path, line=line, hint=_HINT)

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                v, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                truncated = e.pos >= len(self.buf) - 6 or e.msg.startswith("Unterminated")
                if truncated and self._more():
                    continue
                if not self.buf.strip() and self.lines == 0:
                    raise KeyFormatError("is empty, so it is not a quizgen key.",
                                         path=self.path, hint=_HINT) from None
                if truncated and not self.buf[self.pos:].rstrip().endswith(("}", "]")):
                    self.cut_off(e.pos)
                self.fail(e.msg, e.pos)
            if end == len(self.buf) and self._more():
                continue  # a number may go on in the next chunk
            self.pos = end
            return v

    def cut_off(self, pos: int):
        line = self.lines + self.buf.count("\n", 0, pos) + 1
        raise KeyFormatError("ends in the middle of the key: the file was cut off (truncated), "
                             "so it cannot be read.", path=self.path, line=line, hint=_HINT)

    def fail(self, msg: str, pos: int):
        line = self.lines + self.buf.count("\n", 0, pos) + 1
        raise KeyFormatError(f"is not valid JSON ({msg}), so it is not a quizgen key.",
                             path=self.path, line=line, hint=_HINT)


class KeyReader:
    """A key.json read lazily: ``exam`` at once, ``students()`` one validated dict at a time."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._all: list | None = None  # set when the key cannot be streamed
        self._complete = False  # the header pass read the whole object
        s = _JsonStream(self.path)
        try:
            self.header = self._header(s)
            if self._complete:
                s.end()
        finally:
            s.close()
        check_header(self.header, self.path)
        if self._complete and self._all is None:
            raise KeyFormatError("has no \"students\" field: it holds the exam but no students "
                                 "and their questions.", path=self.path, field="students",
                                 hint=_HINT)
        self.exam = ExamInfo.from_dict(self.header.get("exam") or {})

    def _header(self, s: _JsonStream) -> dict:
        """Top-level fields before "students" (all of them when "format" comes later)."""
        if s.peek() != "{":
            s.value()  # text that is no JSON at all fails here, with its line
            raise KeyFormatError("is not a quizgen key (no \"format\" field).", path=self.path,
                                 hint=_HINT)
        s.pos += 1
        header: dict = {}
        if s.peek() == "}":
            s.pos += 1  # "{}"
        else:
            while True:
                if s.peek() != '"':
                    s.fail("expected a field name in double quotes", s.pos)
                key = s.value()
                s.expect(":")
                if key == "students" and "format" in header:
                    return header
                header[key] = s.value()
                if s.expect(",}") == "}":
                    break
        self._complete = True
        if "students" in header:
            students = header.pop("students")
            if not isinstance(students, list):
                raise KeyFormatError("is not a list.", path=self.path, field="students",
                                     hint=_HINT)
            self._all = students
        return header

    def students(self, validate: bool = True) -> Iterator[dict]:
        """Each student object in key order, validated unless a pass already did."""
        seen: set[str] = set()
        n = 0
        for n, st in enumerate(self._raw_students(), 1):
            if validate:
                check_student(st, n - 1, self.path, seen)
            yield st
        if n == 0:
            raise KeyFormatError("has no students.", path=self.path, field="students", hint=_HINT)

    def _raw_students(self) -> Iterator[Any]:
        if self._all is not None:
            yield from self._all
            return
        s = _JsonStream(self.path)
        try:
            s.expect("{")
            while s.value() != "students":
                s.expect(":")
                s.value()
                s.expect(",")
            s.expect(":")
            if s.peek() != "[":
                raise KeyFormatError("is not a list.", path=self.path, field="students",
                                     hint=_HINT)
            s.pos += 1
            if s.peek() != "]":
                while True:
                    yield s.value()
                    if s.expect(",]") == "]":
                        break
            else:
                s.pos += 1
            while s.expect(",}") == ",":  # fields after "students", then nothing
                s.value()
                s.expect(":")
                s.value()
            s.end()
        finally:
            s.close()

    def students_offset(self) -> int | None:
        """Byte offset of the first student when the key starts exactly as generate writes it.

        That is: an optional BOM, then ``format``, ``exam`` and ``students`` in
        :func:`quizgen.output.key_pieces`'s layout. None otherwise (or for an empty list).
        """
        from ..output import key_head
        if self._all is not None or set(self.header) != {"format", "exam"}:
            return None
        fmt, exam = self.header["format"], self.header["exam"]
        heads = (key_head(fmt, exam),
                 # the layout of earlier quizgen versions (spaces after the separators)
                 ('{\n "format": %s,\n "exam": %s,\n "students": [\n'
                  % (json.dumps(fmt, ensure_ascii=False), json.dumps(exam, ensure_ascii=False))).encode("utf-8"))
        with open(self.path, "rb") as f:
            start = f.read(max(map(len, heads)) + 3)
        bom = 3 if start.startswith(b"\xef\xbb\xbf") else 0
        head = next((h for h in heads if start[bom:bom + len(h)] == h), None)
        if head is None:
            return None
        return bom + len(head)

    def papers(self) -> Iterator[StudentPaper]:
        for st in self.students():
            yield StudentPaper.from_dict(st)


def load_key(path: str | Path) -> Quiz:
    """The whole key as a :class:`Quiz` (KeyFormatError for anything not a valid key)."""
    reader = KeyReader(path)
    return Quiz(reader.exam, tuple(reader.papers()))


def check_key(data: Any, path: str = "key.json") -> None:
    """Raise KeyFormatError unless ``data`` follows key-format.md closely enough to grade."""
    check_header(data, path)
    students = data.get("students")
    if not isinstance(students, list) or not students:
        raise KeyFormatError("has no students.", path=path, field="students", hint=_HINT)
    seen: set[str] = set()
    for i, st in enumerate(students):
        check_student(st, i, path, seen)


def check_header(data: Any, path: str) -> None:
    if not isinstance(data, dict) or "format" not in data:
        raise KeyFormatError("is not a quizgen key (no \"format\" field).", path=path, hint=_HINT)
    fmt = data["format"]
    if fmt != KEY_FORMAT:
        known = isinstance(fmt, str) and fmt.startswith("quizgen-key/")
        msg = (f"has key format '{fmt}', which this quizgen cannot read (it reads {KEY_FORMAT})."
               if known else f"is not a quizgen key (format '{fmt}', expected {KEY_FORMAT}).")
        raise KeyFormatError(msg, path=path, field="format",
                             hint="Upgrade quizgen to read it." if known else _HINT)
    if not isinstance(data.get("exam", {}), dict):
        _bad(path, "exam", "is not an object")


def check_student(st: Any, i: int, path: str, seen: set[str]) -> None:
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
        slot = _check_question(q, path, f"{where}.questions[{j}]", sid)
        if slot in slots:
            _bad(path, f"{where}.questions[{j}].slot", f"repeats slot '{slot}'")
        slots.add(slot)


def _bad(path: str, field: str, what: str) -> None:
    raise KeyFormatError(f"{what}.", path=path, field=field, hint=_HINT)


_MISSING = object()


def valid_points(points: Any) -> bool:
    """A question's points as key-format.md has them: a JSON number, 0 or more (finite)."""
    if type(points) is float:
        return points >= 0 and math.isfinite(points)
    return type(points) is int and points >= 0


def _bad_points(path: str, where: str, sid: str, slot: str, points: Any) -> None:
    """A question without usable points: grading must not guess them (a default of 1, or
    0, would silently change every total of the class)."""
    if points is _MISSING:
        what = "has no \"points\""
    else:
        shown = json.dumps(points, ensure_ascii=False)
        shown = shown if len(shown) <= 20 else shown[:20] + "..."
        kind = ("true/false, not a number" if isinstance(points, bool)
                else "not a finite number" if type(points) is float and not math.isfinite(points)
                else "a negative number" if _is_number(points)
                else "empty (null), not a number" if points is None
                else "text, not a number" if isinstance(points, str) else "not a number")
        what = f"has \"points\": {shown}, which is {kind}"
    raise KeyFormatError(
        f"question '{slot}' of student '{sid}' {what}; every question of the key needs its "
        "points (a number, 0 or more), and grading does not guess them.", path=path,
        field=f"{where}.points",
        hint="Write the question's points into the key (as generate writes them), or use "
             "the key.json that `quizgen generate` wrote for this exam.")


def _check_question(q: Any, path: str, where: str, sid: str = "") -> str:
    if not isinstance(q, dict):
        _bad(path, where, "is not an object")
    slot = q.get("slot")
    if not isinstance(slot, str) or not slot:
        _bad(path, f"{where}.slot", "is missing")
    if "points" not in q or not valid_points(q["points"]):
        _bad_points(path, where, sid, slot, q.get("points", _MISSING))
    answer = q.get("answer")
    if not isinstance(answer, dict) or answer.get("type") not in ANSWER_TYPES:
        _bad(path, f"{where}.answer.type", "is not one of " + ", ".join(ANSWER_TYPES))
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


_NUMBER_TYPES = (int, float)


def _is_number(x: Any) -> bool:
    return type(x) in _NUMBER_TYPES  # JSON numbers; bool is excluded by design


def valid_value(kind: str, v: Any, n_options: int | None = None) -> bool:
    """True when ``v`` is plain JSON of answer type ``kind``."""
    if kind == "real":
        return _is_number(v)
    if kind == "integer":
        return _is_number(v) and float(v).is_integer()
    if kind == "choice":
        return type(v) is int and 0 <= v < (n_options or 0)
    if kind == "choices":
        return type(v) is list and all(type(i) is int and 0 <= i < (n_options or 0) for i in v)
    if type(v) is not list or not v:
        return False
    if kind == "shape":
        return all(type(i) is int and i > 0 for i in v)
    if kind == "vector":
        return all(_is_number(x) for x in v)
    if kind == "matrix":
        return (all(type(r) is list and len(r) == len(v[0]) and r for r in v)
                and all(type(x) in _NUMBER_TYPES for r in v for x in r))
    return False
