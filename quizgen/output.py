"""Write a set of output files all-or-nothing.

Every target is checked first (no folder where a file goes, no file where a folder goes);
then everything is written into a staging folder inside ``out_dir``; only when every
file is complete are they moved into place (``os.replace``, atomic per file). A failure
while rendering or writing leaves the previous outputs untouched.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from .errors import OutputError, QuizgenError


class _KeyQuestion(msgspec.Struct):
    slot: Any = None
    template: Any = None
    level: Any = None
    answer: Any = None
    params: Any = None


class _KeyStudent(msgspec.Struct):
    student_id: str
    variant: Any = None
    questions: list[_KeyQuestion] = []


class _KeyFile(msgspec.Struct):
    format: Any = None
    exam: dict = {}
    students: list[_KeyStudent] = []


_READ_KEY = msgspec.json.Decoder(_KeyFile)
_READ_STUDENT = msgspec.json.Decoder(_KeyStudent)


def _draws(st: _KeyStudent) -> tuple:
    """What a student's paper was drawn as: variant code, and per question slot, family, level,
    parameters and answer (language and wording aside)."""
    return st.variant, [(q.slot, q.template, q.level, q.params, q.answer) for q in st.questions]


def student_draws(part: bytes) -> tuple[str, tuple]:
    """(student id, draws) of one :func:`dumps_key_student` part."""
    st = _READ_STUDENT.decode(part)
    return st.student_id, _draws(st)


@dataclass(frozen=True)
class ExistingKey:
    """The key.json already in an output folder: its exam id and each student's draws."""

    path: Path
    exam_id: str
    students: dict  # student id -> draws (see _draws)

    def changed(self, new: dict) -> list[str]:
        """Students of both keys whose papers differ (``new``: student id -> draws)."""
        return [sid for sid, d in new.items() if sid in self.students and self.students[sid] != d]

    def dropped(self, new_ids) -> list[str]:
        new_ids = set(new_ids)
        return [sid for sid in self.students if sid not in new_ids]


def read_key_draws(path: Path) -> ExistingKey:
    """Read just what tells papers apart from a key.json (OutputError saying what is wrong with it)."""
    path = Path(path)
    hint = ("It may be the key of papers already handed out: restore it, move it away, "
            "or pass --force to replace it.")
    if path.is_dir():
        raise OutputError("this is a folder named key.json, where quizgen keeps the exam's key.",
                          path=str(path), hint="Rename or remove that folder and run again.")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise OutputError(f"cannot read it: {e.strerror or e}.", path=str(path), hint=hint) from e
    try:
        key = _READ_KEY.decode(data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
    except (msgspec.DecodeError, msgspec.ValidationError) as e:
        what = "truncated" if "truncated" in str(e) else "damaged or not a quizgen key"
        raise OutputError(f"this key.json cannot be read: it is {what} ({e}).", path=str(path),
                          hint=hint) from e
    exam_id = key.exam.get("id")
    if not (isinstance(key.format, str) and key.format.startswith("quizgen-key/")) or not isinstance(exam_id, str):
        raise OutputError("this key.json is not a quizgen key (no format 'quizgen-key/...' or no exam id).",
                          path=str(path), hint=hint)
    return ExistingKey(path, exam_id, {st.student_id: _draws(st) for st in key.students})


def render_folder(key_path: str | Path, lang: str | None) -> Path:
    """Where `render` writes when no folder is given: the folder of ``key_path``; but for
    the top ``key.json`` of a `generate --lang en,ko` folder (that file name, not a copy),
    the folder of that key's language ``lang`` (``DIR/en/``), where generate put its papers
    and key files."""
    parent = Path(key_path).parent
    mine = parent / lang if Path(key_path).name == "key.json" and lang in ("en", "ko") else None
    if (mine is not None and (mine / "papers").is_dir() and not (mine / "key.json").exists()
            and not (parent / "papers").exists()):
        return mine
    return parent


def check_key_owner(out_dir: Path, exam_id: str, force: bool) -> ExistingKey | None:
    """The key.json already in ``out_dir`` (None when there is none, or with ``force`` when it
    cannot be read). Unless ``force``, OutputError when it is unreadable or another exam's."""
    key = Path(out_dir) / "key.json"
    if not key.exists():
        return None
    try:
        old = read_key_draws(key)
    except OutputError:
        if force:
            return None
        raise
    if old.exam_id != exam_id and not force:
        raise OutputError(f"it already holds key.json of exam '{old.exam_id}', not '{exam_id}'.",
                          path=str(out_dir),
                          hint="Choose another --out folder, or pass --force to replace that exam.")
    return old


PAPER_SUFFIXES = (".md", ".html", ".pdf")


# Files holding every student's questions (the keys, the print files), per language folder.
CLASS_FILES = ("key.md", "key.html", "key.pdf", "papers-all.pdf")
# under en/, ko/: a second language's key; the first language's record of its papers
LANG_KEY_FILES = ("key.json", "key.index.msgpack", ".quizgen-render.json")


def remove_stale_papers(out_dir: Path, student_ids, written, exam_id: str | None = None,
                        keys: bool = True) -> list[Path]:
    """Remove the paper files of ``student_ids`` (earlier students whose papers are replaced
    or dropped) that this run did not write (``written``: relative paths), and, when there
    is any such student, the class files (``key.md|html|pdf``, ``papers-all.pdf``, and with
    ``keys`` a second language's ``en|ko/key.json`` with its index) this run did not write:
    they hold those students' old questions. Only ``papers/<id>.md|html|pdf`` and those class
    files (and the same under ``en/``, ``ko/``) are ever removed; the top ``key.json`` never.

    A language folder (``en/``, ``ko/``) is touched only when it holds this exam
    (``exam_id``, the earlier key's): its ``key.json``, or the record `render` left there,
    names it; or it has neither but holds papers or key files, as the first language's folder
    of a `generate --lang en,ko` of the earlier key has (its key.json is the top one). A
    folder of another exam (or of none known) stays as it is.
    """
    from .render.markdown import safe_name
    written = set(written)
    prefixes = [""] + [f"{lang}/" for lang in ("en", "ko") if _holds_exam(Path(out_dir) / lang, exam_id)]
    stale = [f"{prefix}papers/{safe_name(sid)}{suffix}" for sid in sorted(student_ids)
             for prefix in prefixes for suffix in PAPER_SUFFIXES]
    if stale:
        # (the top key.json is always rewritten; a language's own key of the earlier draws is not)
        stale = ([prefix + name for prefix in prefixes for name in CLASS_FILES]
                 + [prefix + name for prefix in prefixes[1:] for name in LANG_KEY_FILES if keys] + stale)
    removed = []
    for rel in stale:
        path = Path(out_dir) / rel
        if rel not in written and path.is_file():
            try:
                path.unlink()
            except OSError as e:
                raise OutputError(f"the new papers are written, but the stale {rel} of the earlier "
                                  f"draws could not be removed: {e.strerror or e}.",
                                  path=str(out_dir), hint="Remove it by hand.") from e
            removed.append(path)
    return removed


def _holds_exam(folder: Path, exam_id: str | None) -> bool:
    """Whether ``folder``'s key.json (or, without one, its render record) is of ``exam_id``;
    without either, whether it holds what generate writes into the first language's folder
    of a bilingual run (papers/, key.md|html|pdf: that language's key.json is the top one)."""
    if exam_id is None or not folder.is_dir():
        return False
    key = folder / "key.json"
    try:
        if key.exists():
            return read_key_draws(key).exam_id == exam_id
        record = folder / ".quizgen-render.json"
        if record.exists():
            return json.loads(record.read_text(encoding="utf-8")).get("exam") == exam_id
        return (folder / "papers").is_dir() or any((folder / name).is_file() for name in CLASS_FILES)
    except (QuizgenError, OSError, ValueError, AttributeError):
        return False


def refuse_to_overwrite(path: Path, force: bool, what: str, marker: bytes | None = None) -> None:
    """Refuse to replace the file ``path`` with ``what`` (e.g. "practice page").

    A quizgen key (key.json, its grading index) is never replaced, not even with ``force``.
    Any other existing file is replaced only with ``force`` or when its first 4 KB hold
    ``marker`` (the mark quizgen writes into its own files of that kind). Raises OutputError.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"this is a folder; give a file name for the {what}.", path=str(path))
    if not path.exists():
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as e:
        raise OutputError(f"cannot read the existing file: {e.strerror or e}.", path=str(path)) from e
    if path.name in ("key.json", "key.index.msgpack") or b'"quizgen-key/' in head[:200]:
        raise OutputError(f"this is an exam key; writing the {what} here would destroy it.", path=str(path),
                          hint="Give another file name with --out.")
    if force or (marker is not None and marker in head):
        return
    raise OutputError(f"this file exists and is not a {what} that quizgen wrote.", path=str(path),
                      hint="Give another file name with --out, or pass --force to replace it.")


def _check_targets(out_dir: Path, files) -> None:
    """OutputError, before anything is written, when a target path cannot take its file."""
    checked: set[Path] = {out_dir}
    for rel in files:
        dest = out_dir / rel
        if dest.is_dir():
            raise OutputError(f"'{rel}' is a folder, where this run must write a file; nothing was written.",
                              path=str(out_dir), hint="Move or remove that folder and run again.")
        for parent in dest.parents:
            if parent in checked:
                break
            checked.add(parent)
            if parent.exists() and not parent.is_dir():
                raise OutputError(f"'{parent.relative_to(out_dir)}' is a file, where this run needs a "
                                  "folder; nothing was written.", path=str(out_dir),
                                  hint="Move or remove that file and run again.")


def write_files(out_dir: Path, files: dict[str, bytes | str | list[str]]) -> list[Path]:
    """Write ``{relative path: content}`` under ``out_dir`` atomically; return final paths.

    A content may also be a list of strings or byte strings, written one after the other (so that a large
    file such as key.json never has to exist as one string). Every target is checked before
    anything is written, and again before the first file is moved into place.
    """
    out_dir = Path(out_dir)
    _check_targets(out_dir, files)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".quizgen-staging-", dir=out_dir))
    except OSError as e:
        raise OutputError(f"cannot create the output folder: {e}.", path=str(out_dir)) from e
    try:
        for rel, content in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, list):
                with open(target, "wb") as fh:
                    fh.writelines(c.encode("utf-8") if isinstance(c, str) else c for c in content)
            else:
                target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        _check_targets(out_dir, files)  # again: the folder may have changed while the files were made
        final = [out_dir / rel for rel in files]
        for parent in dict.fromkeys(dest.parent for dest in final):
            parent.mkdir(parents=True, exist_ok=True)
        for rel, dest in zip(files, final):
            os.replace(staging / rel, dest)
        return final
    except OSError as e:
        raise OutputError(f"cannot write the outputs: {e}.", path=str(out_dir)) from e
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# key.json is encoded with msgspec (about six times faster than the json module for these
# dicts; the numbers are spelled the same, shortest round-trip form). msgspec would write a
# NaN or an infinity as null: build_question only lets finite answers and mistakes through.
_ENCODE = msgspec.json.Encoder().encode


def dumps_key(data: dict) -> str:
    """key.json text: valid JSON with one question per line (fast, diff-friendly, UTF-8)."""
    return join_key(data["format"], data["exam"],
                    [dumps_key_student(st) for st in data["students"]]).decode("utf-8")


def dumps_key_student(student: dict) -> bytes:
    """One entry of key.json's ``students`` list (UTF-8), as :func:`dumps_key` writes it (no final comma).

    Lets each paper's part of the key be encoded where the paper is built (see :func:`join_key`).
    """
    enc = _ENCODE
    head = {k: v for k, v in student.items() if k != "questions"}
    lines = [b"  " + enc(head)[:-1] + b',"questions":[']
    lines += [b"   " + enc(q) + b"," for q in student["questions"]]
    if len(lines) > 1:
        lines[-1] = lines[-1][:-1]
    lines.append(b"  ]}")
    return b"\n".join(lines)


def join_key(key_format: str, exam: dict, students: list[bytes]) -> bytes:
    """The whole key.json (UTF-8) from the :func:`dumps_key_student` parts, in order."""
    return b"".join(key_pieces(key_format, exam, students))


def key_head(key_format: str, exam: dict) -> bytes:
    """What key.json holds before its first student."""
    enc = _ENCODE
    return b'{\n "format":' + enc(key_format) + b',\n "exam":' + enc(exam) + b',\n "students":[\n'


def key_pieces(key_format: str, exam: dict, students: list[bytes]) -> list[bytes]:
    """:func:`join_key` as a list of byte strings to write one after the other (no big copy)."""
    out = [key_head(key_format, exam)]
    for i, part in enumerate(students):
        out.append(part)
        out.append(b",\n" if i < len(students) - 1 else b"\n")
    out.append(b" ]\n}\n")
    return out
