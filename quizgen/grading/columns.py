"""Which column of a submission CSV holds what: ids, timestamps, names, questions.

Headers are matched by name (``q1``, ``Q1``, ``Question 1``, ``문항 1``, a slot name,
``q3.1`` for part 1 of q3) and, for the student id, also by how many cells hold ids of
the key. ``--map`` entries (role -> column header) always win.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# role -> header names (compared lower-case without spaces, dots, dashes, underscores)
ROLE_NAMES = {
    "student_id": ("studentid", "id", "sid", "studentnumber", "studentno", "idnumber", "matrikel",
                   "matriculationnumber", "학번", "학생번호", "username", "userid", "login",
                   "sisuserid", "sisloginid"),
    "timestamp": ("timestamp", "time", "submitted", "submittedat", "submissiontime", "date",
                  "datetime", "completed", "completedon", "endtime", "finished", "타임스탬프",
                  "제출시간", "제출일시", "응답시간", "제출시각"),
    "name": ("name", "fullname", "studentname", "student", "이름", "성명"),
    "first_name": ("firstname", "givenname", "first"),
    "last_name": ("lastname", "surname", "familyname", "last"),
    "email": ("email", "emailaddress", "mail", "이메일", "전자우편"),
    "question": ("question", "slot", "item", "problem", "questionid", "q", "문항", "문제", "질문"),
    "answer": ("answer", "response", "value", "studentanswer", "답", "응답", "답안", "정답입력"),
}
_NAME_TO_ROLE = {n: role for role, names in ROLE_NAMES.items() for n in names}
_SQUEEZE = re.compile(r"[\s._\-:#]+")
_NUMBERED = re.compile(
    r"(?:q|question|problem|item|task|ex|exercise|response|answer|문제|문항|질문|과제|응답)?"
    r"\s*[#.:_-]?\s*(\d{1,4})"
    r"(?:[._\-\[(](\d{1,3})(?:[._\-,](\d{1,3}))?[\])]?)?"
    r"(?:\s*(?:[.:)\-]\s+.*|\(.*\)|번))?\s*", re.IGNORECASE | re.DOTALL)
_PART = re.compile(r"[._\-\[(]\s*(\d{1,3})(?:[._\-,](\d{1,3}))?[\])]?\s*")
# A header that looks like a question even though the key has no such slot.
QUESTION_LIKE = re.compile(r"(?:q|question|문항|문제)\s*[#.:_-]?\s*\d", re.IGNORECASE)


# A Canvas "Student Analysis" export: "101: <question text>", then the points (a number)
_CANVAS_ANSWER = re.compile(r"\d+:\s.*", re.DOTALL)
_POINTS = re.compile(r"\d+(?:\.\d+)?")


def canvas_columns(header: list[str]) -> list[tuple[int, int]]:
    """(answer column, points column) pairs of a Canvas "Student Analysis" header (which
    also has ``n correct`` and ``n incorrect`` columns); empty for any other header."""
    if not {"ncorrect", "nincorrect"} <= {squeeze(h) for h in header}:
        return []
    return [(i, i + 1) for i, h in enumerate(header[:-1])
            if _CANVAS_ANSWER.fullmatch(h.strip()) and _POINTS.fullmatch(header[i + 1].strip())]


# Headers the grader knows and leaves out without a note: the mark `simulate` writes.
SIMULATED_MARK = "Simulated by quizgen"


def squeeze(text: str) -> str:
    """Lower-case, without spaces and punctuation: how header names are compared."""
    return _SQUEEZE.sub("", text.strip().lower())


def role_of(header: str) -> str | None:
    """The role a header name suggests, if any (``Student ID`` -> ``student_id``)."""
    return _NAME_TO_ROLE.get(squeeze(header))


@dataclass(frozen=True)
class Target:
    """A question column: its slot and, for a split answer, the part index (1-based)."""

    slot: str
    part: tuple[int, ...] = ()

    def label(self) -> str:
        return self.slot + "".join(f".{p}" for p in self.part)


class SlotMatcher:
    """Map header text (or a long file's question cell) to a slot of the key."""

    def __init__(self, slots: list[str]):
        self.slots = list(slots)
        self._exact = {s.strip().lower(): s for s in slots}
        self._squeezed = {squeeze(s): s for s in slots}
        self._cache: dict[str, Target | None] = {}

    def by_number(self, n: int) -> str | None:
        return self._exact.get(f"q{n}") or (self.slots[n - 1] if 1 <= n <= len(self.slots)
                                            else None)

    def match(self, header: str) -> Target | None:
        """The slot (and part) ``header`` names, or None."""
        if header in self._cache:
            return self._cache[header]
        target = self._match(header.strip())
        self._cache[header] = target
        return target

    def _match(self, h: str) -> Target | None:
        low = h.lower()
        if low in self._exact:
            return Target(self._exact[low])
        if squeeze(h) in self._squeezed and not squeeze(h).isdigit():
            return Target(self._squeezed[squeeze(h)])
        for key, slot in self._exact.items():  # a slot name followed by a part: conv.2
            if low.startswith(key) and len(low) > len(key):
                m = _PART.fullmatch(low[len(key):])
                if m:
                    part = _part(m.group(1), m.group(2))
                    return Target(slot, part) if part is not None else None
        m = _NUMBERED.fullmatch(h)
        if m:
            slot = self.by_number(int(m.group(1)))
            part = _part(m.group(2), m.group(3))
            if slot is not None and part is not None:
                return Target(slot, part)
        return None


def _part(a: str | None, b: str | None) -> tuple[int, ...] | None:
    """The part indices (1-based); None when one is 0 (``1.0``, ``q3.0``: no part of a
    question, but a number such as a points value)."""
    part = tuple(int(x) for x in (a, b) if x is not None)
    return None if 0 in part else part


def parse_map(pairs: dict[str, str] | None) -> dict[str, str]:
    """Normalise a ``--map`` dict: role/slot (lower-case for roles) -> column header."""
    out = {}
    for role, column in (pairs or {}).items():
        key = role.strip()
        if key.lower() in ROLE_NAMES:
            key = key.lower()
        out[key] = str(column).strip()
    return out
