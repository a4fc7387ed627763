"""The grading index: what grading reads of a key.json, pre-decoded, tied to the key's bytes.

`generate` writes ``key.index.msgpack`` beside every ``key.json``: for each student the
compact records grading needs (:class:`~.light.LightQuestion`: slot, title, points,
answer, tolerance, misconception ids and values, options, decimals) in MessagePack, plus
what the report quotes (:class:`~.light.KeyNotes`: the first feedback texts of each
misconception, the template and topic of each slot's titles), the key's size and its
SHA-256. Reading it takes a fraction of a second where decoding a 600 MB key takes seconds.

The key stays the authority. The index is used only when its size and SHA-256 match the
key.json being graded; the hash is computed by a forked process (a thread where fork is
not available) while the submissions are read and scored, and :func:`load`'s ``verify``
says whether the index may be trusted. An edited key (a corrected answer), a
missing or damaged index: grading reads the key itself, as it always could.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import struct
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Callable, Optional, Union

import msgspec

from ..model import Student, StudentPaper
from .light import KeyNotes, LightMisconception, LightQuestion, light_paper

# /2: several feedback texts per misconception, families; /3: feedback texts per slot's title
INDEX_FORMAT = "quizgen-key-index/3"
_HASH_CHUNK = 1 << 22


def index_path(key_path: str | Path) -> Path:
    """``exam/key.json`` -> ``exam/key.index.msgpack``."""
    key_path = Path(key_path)
    return key_path.with_name(key_path.stem + ".index.msgpack")


class _Tolerance(msgspec.Struct, frozen=True):
    """:class:`~quizgen.model.Tolerance` as scoring reads it (written as its dataclass map)."""

    abs: float = 0.0
    rel: float = 0.0


# A question's points as the key's reader accepts them (keyfile.valid_points): a number, 0
# or more, finite. An index holding other points is not used (grading reads the key, whose
# reader names the question); the fast key reader steps aside for them.
Points = Union[Annotated[int, msgspec.Meta(ge=0)],
               Annotated[float, msgspec.Meta(ge=0, le=sys.float_info.max)]]


class IndexMisconception(msgspec.Struct, array_like=True, frozen=True, gc=False):
    """A :class:`~.light.LightMisconception` read back (same fields; twice as fast to decode)."""

    id: str
    value: Any
    feedback: str = ""


_MISCONCEPTIONS = msgspec.msgpack.Decoder(tuple[IndexMisconception, ...]).decode


class IndexQuestion(msgspec.Struct, array_like=True, frozen=True):
    """A :class:`~.light.LightQuestion` read back from the index (same attributes).

    The misconception values (often several matrices per question, most of the numbers
    in a key) stay encoded until scoring a wrong answer asks for them: a class of 10^4
    students would otherwise hold hundreds of MB of float objects.
    """

    slot: str
    title: str
    points: Points
    answer_type: str
    answer_value: Any
    tolerance: _Tolerance
    encoded_misconceptions: msgspec.Raw
    options: Optional[tuple[str, ...]]
    decimals: Optional[int]

    @property
    def misconceptions(self) -> tuple[IndexMisconception, ...]:
        return _MISCONCEPTIONS(self.encoded_misconceptions)


_TOLERANCES: dict[tuple, _Tolerance] = {}


def tolerance(abs_: float, rel: float) -> _Tolerance:
    """A shared :class:`_Tolerance` (a class has a handful of distinct ones)."""
    key = (abs_, rel)
    tol = _TOLERANCES.get(key)
    if tol is None:
        tol = _TOLERANCES[key] = _Tolerance(float(abs_), float(rel))
    return tol


def encode_misconceptions(items: list[LightMisconception]) -> msgspec.Raw:
    """Misconceptions as :attr:`IndexQuestion.encoded_misconceptions` holds them."""
    return msgspec.Raw(_ENCODE(items))


class _Student(msgspec.Struct, array_like=True):
    student_id: str
    name: str
    email: str
    variant: str
    questions: list[IndexQuestion]


class _StudentOut(msgspec.Struct, array_like=True):
    """What :func:`index_student` writes (a :class:`_Student` once read back)."""

    student_id: str
    name: str
    email: str
    variant: str
    questions: list[LightQuestion]


class _Index(msgspec.Struct, array_like=True):
    format: str
    key_sha256: str
    key_bytes: int
    notes: list[tuple[str, str, str, str]]  # (slot, title, misconception id, feedback)
    families: list[tuple[str, str, str, str]]  # (slot, title, template, topic), first seen
    students: list[_Student]


_ENCODE = msgspec.msgpack.Encoder().encode
_DECODE = msgspec.msgpack.Decoder(_Index).decode


# ---------------------------------------------------------------- writing (generate)

def index_student(student: dict) -> tuple[bytes, tuple[list, list]]:
    """One key.json student object -> its encoded index record and its notes (feedback
    texts and families, as lists for :meth:`~.light.KeyNotes.merge`).

    Made where the paper's part of key.json is made (in the build workers).
    """
    notes = KeyNotes()
    paper = light_paper(student, notes)
    s = paper.student
    record = _ENCODE(_StudentOut(s.student_id, s.name, s.email, paper.variant, list(paper.questions)))
    return record, ([(slot, title, mid, text) for (slot, title, mid), texts in notes.items()
                     for text in texts],
                    [(slot, title, *family) for (slot, title), family in notes.families.items()])


def index_file(key_parts: list[bytes | str], students: list[tuple[bytes, list]]) -> bytes:
    """The index file for the key.json written from ``key_parts`` (its UTF-8 pieces, in order)."""
    digest = hashlib.sha256()
    size = 0
    for part in key_parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(data)
        size += len(data)
    notes = KeyNotes()
    for _, (own, families) in students:
        notes.merge(own, families)
    head = b"\x96" + b"".join(_ENCODE(x) for x in (
        INDEX_FORMAT, digest.hexdigest(), size,
        [[s, title, m, t] for (s, title, m), texts in notes.items() for t in texts],
        [[s, title, *family] for (s, title), family in notes.families.items()]))
    return head + _array_header(len(students)) + b"".join(record for record, _ in students)


def _array_header(n: int) -> bytes:
    """MessagePack array header for ``n`` elements."""
    if n < 16:
        return bytes([0x90 | n])
    if n < 1 << 16:
        return b"\xdc" + struct.pack(">H", n)
    return b"\xdd" + struct.pack(">I", n)


# ---------------------------------------------------------------- reading (grade)

def stored_format(path: str | Path) -> str | None:
    """The format name an index file starts with (None when it cannot be told)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        return None
    if len(head) < 2 or head[0] & 0xF0 != 0x90:
        return None
    if 0xA0 <= head[1] <= 0xBF:
        start, size = 2, head[1] & 0x1F
    elif head[1] == 0xD9 and len(head) > 2:
        start, size = 3, head[2]
    else:
        return None
    try:
        return head[start:start + size].decode("utf-8") if start + size <= len(head) else None
    except UnicodeDecodeError:
        return None


@dataclass
class IndexedKey:
    """Light papers and notes from the index; ``verify()`` is True when they match the key."""

    papers: list[StudentPaper]
    notes: KeyNotes
    verify: Callable[[], bool]
    key_sha256: str = ""  # the SHA-256 of the key the index was made for


def load(key_path: str | Path) -> IndexedKey | None:
    """The index of ``key_path`` when there is one that is readable and of the key's size.

    Never raises for a bad index: it is only a shortcut (None means: read the key).
    """
    key_path = Path(key_path)
    path = index_path(key_path)
    try:
        key_size = os.stat(key_path).st_size
        if not path.is_file():
            return None
        data = path.read_bytes()
        index = _DECODE(data)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    if index.format != INDEX_FORMAT or index.key_bytes != key_size:
        return None
    papers = []
    seen: set[str] = set()
    for st in index.students:
        if st.student_id in seen:
            return None
        seen.add(st.student_id)
        papers.append(StudentPaper(Student(st.student_id, st.name, st.email), st.variant,
                                   tuple(st.questions)))
    if not papers:
        return None
    notes = KeyNotes()
    notes.merge(index.notes, index.families)
    return IndexedKey(papers, notes, _hash_in_background(key_path, index.key_sha256),
                      index.key_sha256)


def sha256_in_background(path: str | Path) -> Callable[[], str | None]:
    """Start hashing ``path`` in a thread (hashlib releases the GIL on large blocks); the
    returned function waits and gives the SHA-256 (hex), or None when it cannot be read."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(_sha256(Path(path))),
                              name="quizgen-key-digest", daemon=True)
    thread.start()

    def digest() -> str | None:
        thread.join()
        return result[0] if result else None

    return digest


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(_HASH_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _hash_in_background(path: Path, expected: str) -> Callable[[], bool]:
    """Start hashing ``path``; the returned function waits and says whether it matched.

    The hash runs in a forked process (no thread, so that the process stays safe to fork
    for anyone who forks it later); without fork, in a thread.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return _hash_in_thread(path, expected)
    pid = os.fork()
    if pid == 0:  # the exit code is the answer: 0 when the hash matches
        code = 1
        try:
            code = 0 if _sha256(path) == expected else 3
        finally:
            os._exit(code)
    status: list[int] = []

    def verify() -> bool:
        if not status:
            status.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        return status[0] == 0

    return verify


def _hash_in_thread(path: Path, expected: str) -> Callable[[], bool]:
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(_sha256(path) == expected),
                              name="quizgen-key-hash", daemon=True)
    thread.start()

    def verify() -> bool:
        thread.join()
        return bool(result and result[0])

    return verify
