"""Write a set of output files all-or-nothing.

Every target is checked first (no folder where a file goes, no file where a folder goes);
then everything is written into a staging folder inside ``out_dir``; only when every
file is complete are they moved into place (``os.replace``, atomic per file), key.json and
the other records last, each replaced file kept aside until the last one is in place. A
failure or an interrupt at any point leaves the previous outputs as they were (see
:func:`write_files`; what a kill -9 leaves, the next run undoes: :func:`recover`).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import tempfile
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from .errors import OutputError, QuizgenError, QuizgenNote


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


# Files that say what a folder holds (the key, its index, the records of render, export and
# grade): moved into place last, so a move cut short never shows a record of files it lacks.
RECORD_NAMES = ("key.index.msgpack", ".quizgen-render.json", ".quizgen-export.json", "grading.json",
                "key.json")
STAGING_PREFIX = ".quizgen-staging-"
_PLAN = "plan.json"


def _move_order(files) -> list[str]:
    """The relative paths of ``files`` in the order they are moved: the records last, key.json
    the very last (deepest first, so a language's key before the top one)."""
    rank = {name: i for i, name in enumerate(RECORD_NAMES)}
    rels = list(files)
    last = sorted((r for r in rels if Path(r).name in rank),
                  key=lambda r: (rank[Path(r).name], -r.count("/")))
    return [r for r in rels if Path(r).name not in rank] + last


def _ours(handler) -> bool:
    """Whether a signal handler is Python's default or quizgen's own (the CLI's)."""
    return handler in (signal.default_int_handler, signal.SIG_DFL) or getattr(handler, "quizgen_interrupt", False)


@contextmanager
def _signals(handler, *, only_defaults: bool = False):
    """Within the block, SIGINT and SIGTERM go to ``handler`` (main thread only; elsewhere a
    no-op). With ``only_defaults``, a signal whose handler a program using quizgen set (or
    ignores) keeps it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            if only_defaults and not _ours(signal.getsignal(sig)):
                continue
            saved[sig] = signal.signal(sig, handler)
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)


def _raise_interrupt(signum, frame):
    # the first signal interrupts the move; any further one is ignored until the files are
    # back in place (a second Ctrl-C, or Ctrl-C and SIGTERM together, must not cut the undo short)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    raise KeyboardInterrupt


def _undo(out_dir: Path, staging: Path, plan: dict) -> None:
    """Put ``out_dir`` back as it was before the move ``plan`` began (see :func:`write_files`),
    however far the move got: every file it replaced comes back from ``staging/old/``, every
    file it added is removed, and so are the folders it made (when empty). A file is touched
    only while it is still the one this move put there (the same inode): a file a later run
    wrote, or one already put back by an undo cut short, stays as it is."""
    existed, inodes = set(plan.get("existed", ())), plan.get("inodes", {})
    for rel in plan["files"]:
        new, old, dest = staging / "new" / rel, staging / "old" / rel, out_dir / rel
        if new.exists():  # not moved in: at most moved aside
            if old.exists() and not dest.exists():
                os.replace(old, dest)
            continue
        try:
            ours = os.stat(dest).st_ino == inodes.get(rel)
        except OSError:
            ours = False
        if not ours:
            continue
        if old.exists():
            os.replace(old, dest)
        elif rel not in existed:
            dest.unlink()  # it was added by the move
    for rel in reversed(plan.get("dirs", [])):
        try:
            (out_dir / rel).rmdir()
        except OSError:
            pass


def _lock(folder: Path) -> int | None:
    """An exclusive lock on ``folder`` (flock on the folder itself: no lock file), waited for;
    None where the system has none (Windows) or the folder cannot be opened."""
    try:
        import fcntl
    except ImportError:
        return None
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)


def _committed(staging: Path, plan: dict) -> bool:
    return not any((staging / "new" / rel).exists() for rel in plan["files"])


def _alive(owner: str) -> bool:
    """Whether the run that made a staging folder (``owner``: "host pid") may still be running."""
    if os.name == "nt":
        return True  # (os.kill would end the process there, not test it)
    try:
        host, pid = owner.split()
        if host != socket.gethostname():
            return True  # another computer's run: leave it alone
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except OSError:
        return True  # (PermissionError: it exists)
    return True


def recover(out_dir: Path) -> list[str]:
    """Finish what a killed run left in ``out_dir`` (``.quizgen-staging-*`` folders: a kill -9
    or a power cut cannot be caught): a move that did not finish is undone, so the folder is
    again as it was before that run; a move that finished only loses its leftovers. A staging
    folder of a run still going is left alone. Returns one note per folder handled."""
    notes = []
    for staging in sorted(Path(out_dir).glob(STAGING_PREFIX + "*")):
        if not staging.is_dir():
            continue
        try:
            owner = (staging / "owner").read_text(encoding="utf-8")
        except OSError:
            owner = ""
        if owner and _alive(owner):
            continue
        try:
            plan = json.loads((staging / _PLAN).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            plan = None
        try:
            if plan is None:
                what = "its files had not been moved into place yet; removed them"
            elif _committed(staging, plan):
                what = "it had finished; removed its leftovers"
            else:
                _undo(Path(out_dir), staging, plan)
                what = (f"it was stopped while moving its {len(plan['files'])} files into place; "
                        "put back the files it had replaced and removed those it had added")
            shutil.rmtree(staging)
        except OSError as e:
            raise OutputError(f"an earlier run that was killed left {staging.name} here and it cannot be "
                              f"cleaned up: {e.strerror or e}.", path=str(out_dir),
                              hint="Check the folder's permissions, or remove that folder by hand "
                                   "(the files inside 'old/' are the ones that run replaced).") from e
        notes.append(f"{staging}: an earlier run was killed ({what}).")
    return notes


def write_files(out_dir: Path, files: dict[str, bytes | str | list[str]]) -> list[Path]:
    """Write ``{relative path: content}`` under ``out_dir`` all-or-nothing; return final paths.

    A content may also be a list of strings or byte strings, written one after the other (so
    that a large file such as key.json never has to exist as one string). Every target is
    checked before anything is written, and again before the first file is moved into place.
    Everything is first written into a staging folder in ``out_dir``; then the files are moved
    into place, the records (key.json, its index, the render/export/grade records) last, each
    file it replaces kept aside in the staging folder. An error or an interrupt (Ctrl-C, and
    SIGTERM, which is handled as one meanwhile) puts every file back: ``out_dir`` is then as it
    was (a folder this call made is removed again). What a killed run left is undone by the
    next call (:func:`recover`); its notes go out as :class:`QuizgenNote` warnings.
    """
    out_dir = Path(out_dir)
    _check_targets(out_dir, files)
    fresh = not out_dir.exists()
    made = [p for p in [out_dir, *out_dir.parents] if not p.exists()]  # inner first
    with _signals(_raise_interrupt, only_defaults=True):
        lock = None
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            lock = _lock(out_dir)  # one run at a time writes into a folder (the others wait)
            for note in (recover(out_dir) if not fresh else []):
                warnings.warn(note, QuizgenNote, stacklevel=2)
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
            (staging / "owner").write_text(f"{socket.gethostname()} {os.getpid()}", encoding="utf-8")
        except BaseException as e:
            _unlock(lock)
            for folder in made:
                try:
                    folder.rmdir()
                except OSError:
                    break
            if isinstance(e, OSError):
                raise OutputError(f"cannot create the output folder: {e}.", path=str(out_dir)) from e
            raise
        plan, keep = None, False
        try:
            for rel, content in files.items():
                target = staging / "new" / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, list):
                    with open(target, "wb") as fh:
                        fh.writelines(c.encode("utf-8") if isinstance(c, str) else c for c in content)
                else:
                    target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
            _check_targets(out_dir, files)  # again: the folder may have changed while the files were made
            order = _move_order(files)
            dirs: list[str] = []  # the folders the move makes, outer first
            for rel in order:
                for sub in reversed(Path(rel).parents[:-1]):
                    if str(sub) not in dirs and not (out_dir / sub).exists():
                        dirs.append(str(sub))
            plan = {"files": order, "dirs": dirs,
                    "existed": [rel for rel in order if (out_dir / rel).exists()],
                    "inodes": {rel: os.stat(staging / "new" / rel).st_ino for rel in order}}
            (staging / _PLAN).write_text(json.dumps(plan), encoding="utf-8")
            for rel in dirs:
                (out_dir / rel).mkdir(exist_ok=True)
            for rel in order:
                dest = out_dir / rel
                if dest.exists():
                    kept = staging / "old" / rel
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(dest, kept)
                os.replace(staging / "new" / rel, dest)
            plan = None  # done: nothing to undo
            return [out_dir / rel for rel in files]
        except BaseException as e:
            if plan is not None:
                with _signals(signal.SIG_IGN):  # a second Ctrl-C must not cut the undo short
                    try:
                        _undo(out_dir, staging, plan)
                    except OSError as undo_error:
                        keep = True  # the next run puts them back (recover)
                        raise OutputError(
                            f"cannot write the outputs ({e}), and the files already moved could not all be "
                            f"put back ({undo_error}).", path=str(out_dir),
                            hint=f"The replaced files are in {staging / 'old'}; the next run into this "
                                 "folder puts them back.") from e
            if isinstance(e, OSError):
                raise OutputError(f"cannot write the outputs: {e}; nothing was changed.",
                                  path=str(out_dir)) from e
            raise
        finally:
            try:
                if not keep:
                    with _signals(signal.SIG_IGN):
                        shutil.rmtree(staging, ignore_errors=True)
                        if fresh:
                            for folder in made:  # (only when empty: on failure)
                                try:
                                    folder.rmdir()
                                except OSError:
                                    break
            finally:
                _unlock(lock)  # (a killed process's lock goes with it)


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
