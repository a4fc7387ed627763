"""Fast path for reading a key.json as `quizgen generate` lays it out.

`generate` writes ``students`` with one student object per block (``"  {...  ]}"``), blocks
separated by ``,\\n``. Each block is decoded on its own by msgspec straight into typed
records that hold only what grading needs (the long prompts, solutions and snippets are
skipped, not built as Python strings): about four times faster than decoding the whole
JSON. The result is the same compact :class:`~.keyindex.IndexQuestion` records the
grading index gives (misconception values kept encoded until scoring needs them). Anything unexpected (another layout, a field of another type, a value that is not
valid for its answer type) makes this path give up with :class:`NotFast`; the caller
then reads the key with the general validating reader of :mod:`.keyfile`, which is the
authority and names the file, line and field of a real error. This path is only ever
stricter than that reader, never more lenient.

Why the blocks are the students: inside a JSON string a line break is always escaped, so
the separator ``]},\\n  {`` can only occur between values. If every block decodes as one
complete JSON value, the blocks are exactly the elements of the array, in order (a JSON
object ends at its matching brace, so the decoder of the whole array would stop at the
same places).
"""
from __future__ import annotations

import sys
from typing import Annotated, Any, Iterator, Literal, Optional, Union

import msgspec

from ..model import Student, StudentPaper
from .keyfile import KeyReader, valid_value
from .keyindex import IndexQuestion, Points, encode_misconceptions, tolerance
from .light import SAMPLES, KeyNotes, LightMisconception

_NonNegative = Union[Annotated[int, msgspec.Meta(ge=0)], Annotated[float, msgspec.Meta(ge=0)]]
_CHUNK = 1 << 24
_SEPARATOR = b"]},\n  {"   # end of one student block, start of the next
_TAIL = b"\n ]\n}\n"       # what follows the last student block


class NotFast(Exception):
    """This key is not in generate's exact layout or types: use the general reader."""


class _Misconception(msgspec.Struct, kw_only=True):
    id: str
    value: Any = None
    feedback: msgspec.Raw = msgspec.Raw(b'""')  # decoded only for the texts KeyNotes keeps


class _Answer(msgspec.Struct, kw_only=True):
    type: Literal["integer", "real", "shape", "vector", "matrix", "choice", "choices"]
    value: Any = None
    decimals: Optional[int] = None


class _Tolerance(msgspec.Struct, kw_only=True, frozen=True):
    abs: _NonNegative = 0.0
    rel: _NonNegative = 0.0


_NO_TOLERANCE = _Tolerance()


class _Question(msgspec.Struct, kw_only=True):
    slot: str
    template: Optional[str] = None
    topic: Optional[str] = None
    title: Optional[str] = None
    points: Points  # required (key-format.md), finite: no default is guessed
    answer: _Answer
    tolerance: _Tolerance = _NO_TOLERANCE
    misconceptions: list[_Misconception] = []
    options: Optional[list[str]] = None


class _Student(msgspec.Struct, kw_only=True):
    student_id: str
    variant: str = ""
    name: str = ""
    email: str = ""
    questions: list[_Question]


_DECODE = msgspec.json.Decoder(_Student).decode
_TEXT = msgspec.json.Decoder(str).decode
_DECODE_PLAIN = msgspec.json.Decoder().decode


def light_papers(reader: KeyReader, notes: KeyNotes | None = None) -> list[StudentPaper]:
    """Every student of ``reader``'s key as a light paper; NotFast when not in generate's layout.

    ``notes`` collects feedback texts and families as :func:`~.light.light_paper` does.
    """
    seen: set[str] = set()
    out = []
    raws: dict = {}  # (slot, title, id) -> the encoded feedback texts kept in notes
    for block in _blocks(reader):
        try:
            st = _DECODE(block)
        except (msgspec.DecodeError, msgspec.ValidationError) as e:
            raise NotFast(str(e)) from None
        out.append(_paper(st, seen, notes, raws))
    if not out:
        raise NotFast("no students")
    return out


def raw_students(reader: KeyReader) -> Iterator[dict]:
    """Each student object of the key as plain JSON (dicts), not validated.

    For a second pass over a key already validated (or matched by its index). NotFast,
    possibly after some students, when the key is not in generate's layout.
    """
    for block in _blocks(reader):
        try:
            yield _DECODE_PLAIN(block)
        except msgspec.DecodeError as e:
            raise NotFast(str(e)) from None


def _blocks(reader: KeyReader) -> Iterator[bytes]:
    """The byte blocks of the ``students`` array, one per student (NotFast if the layout differs)."""
    start = reader.students_offset()
    if start is None:
        raise NotFast("the header is not in generate's layout")
    with open(reader.path, "rb") as f:
        f.seek(start)
        buf, pos = b"", 0
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            buf = buf[pos:] + chunk
            pos = 0
            while True:
                j = buf.find(_SEPARATOR, pos)
                if j < 0:
                    break
                yield buf[pos:j + 2]
                pos = j + 4  # past "]}," and the line break: the next block starts at "  {"
        rest = buf[pos:]
        if not rest.endswith(_TAIL):
            raise NotFast("the key does not end as generate writes it")
        yield rest[:-len(_TAIL)]


def _paper(st: _Student, seen: set[str], notes: KeyNotes | None, raws: dict) -> StudentPaper:
    sid = st.student_id
    if not sid.strip() or sid in seen:
        raise NotFast("empty or repeated student id")
    seen.add(sid)
    intern = sys.intern
    slots: set[str] = set()
    qs = []
    for q in st.questions:
        slot = intern(q.slot)
        if not slot or slot in slots:
            raise NotFast("empty or repeated slot")
        slots.add(slot)
        title = intern(q.title or slot)
        if notes is not None:
            notes.add_family(slot, title, q.template, q.topic)
        answer = q.answer
        kind = answer.type
        options = q.options
        n_options = None
        if kind == "choice" or kind == "choices":
            if not options:
                raise NotFast("a choice question without options")
            n_options = len(options)
        if not valid_value(kind, answer.value, n_options):
            raise NotFast("an answer value of the wrong type")
        mis = []
        for m in q.misconceptions:
            if not valid_value(kind, m.value, n_options):
                raise NotFast("a misconception value of the wrong type")
            mid = intern(m.id)
            mis.append(LightMisconception(mid, m.value))
            if notes is not None:  # as KeyNotes.add_feedback, decoding only the texts kept
                key = (slot, title, mid)
                kept = raws.get(key)
                if kept is None:  # (a copy: a Raw holds on to the whole student block)
                    raws[key] = [msgspec.Raw(bytes(m.feedback))]
                    notes.add_feedback(slot, title, mid, _feedback_text(m.feedback))
                elif len(kept) < SAMPLES and m.feedback not in kept:
                    text = _feedback_text(m.feedback)
                    before = len(notes[key])
                    notes.add_feedback(slot, title, mid, text)
                    if len(notes[key]) > before:
                        kept.append(msgspec.Raw(bytes(m.feedback)))
        tol = q.tolerance
        qs.append(IndexQuestion(
            slot, title, q.points, intern(kind), answer.value,
            tolerance(tol.abs, tol.rel), encode_misconceptions(mis),
            tuple(intern(o) for o in options) if options is not None else None, answer.decimals))
    return StudentPaper(Student(sid, st.name, st.email), st.variant, tuple(qs))


def _feedback_text(raw: msgspec.Raw) -> str:
    try:
        text = _TEXT(raw)
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        raise NotFast("a misconception feedback that is not text") from e
    return text
