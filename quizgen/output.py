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


def write_files(out_dir: Path, files: dict[str, bytes | str]) -> list[Path]:
    """Write ``{relative path: content}`` under ``out_dir`` atomically; return final paths."""
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
            data = content.encode("utf-8") if isinstance(content, str) else content
            target.write_bytes(data)
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


def dumps_key(data: dict) -> str:
    """key.json text: valid JSON with one question per line (fast, diff-friendly, UTF-8)."""
    enc = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(", ", ": ")).encode
    lines = ["{", f' "format": {enc(data["format"])},', f' "exam": {enc(data["exam"])},', ' "students": [']
    students = data["students"]
    for i, st in enumerate(students):
        head = {k: v for k, v in st.items() if k != "questions"}
        lines.append("  " + enc(head)[:-1] + ', "questions": [')
        qs = st["questions"]
        for j, q in enumerate(qs):
            lines.append("   " + enc(q) + ("," if j < len(qs) - 1 else ""))
        lines.append("  ]}" + ("," if i < len(students) - 1 else ""))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"
