"""Write a set of output files all-or-nothing.

Everything is first written into a staging folder inside ``out_dir``; only when every
file is complete are they moved into place (``os.replace``, atomic per file). A failure
while rendering or writing leaves the previous outputs untouched.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import msgspec

from .errors import OutputError


def check_key_owner(out_dir: Path, exam_id: str, force: bool) -> None:
    """Refuse to overwrite another exam's key.json unless ``force``."""
    key = out_dir / "key.json"
    if force or not key.exists():
        return
    try:
        other = json.loads(key.read_text(encoding="utf-8")).get("exam", {}).get("id")
    except (OSError, ValueError, AttributeError):
        other = None
    if other != exam_id:
        raise OutputError(f"it already holds key.json of exam '{other}', not '{exam_id}'.",
                          path=str(out_dir),
                          hint="Choose another --out folder, or pass --force to replace that exam.")


def write_files(out_dir: Path, files: dict[str, bytes | str | list[str]]) -> list[Path]:
    """Write ``{relative path: content}`` under ``out_dir`` atomically; return final paths.

    A content may also be a list of strings or byte strings, written one after the other (so that a large
    file such as key.json never has to exist as one string).
    """
    out_dir = Path(out_dir)
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
        final = []
        for rel in files:
            dest = out_dir / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, dest)
            final.append(dest)
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
