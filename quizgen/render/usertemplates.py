"""Check a user's ``--templates DIR`` before anything is rendered.

Renderers look a user's file up as ``DIR/<format folder>/<bundled name>`` and quietly fall
back to the bundled file, so a mistyped folder or a file in the wrong place would never be
used and nobody would notice. :func:`check` refuses a folder that holds none of those files
and returns notes for what it holds but no renderer reads.
"""
from __future__ import annotations

import difflib
import os
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from ..errors import RenderError
from ..resources import templates_dir

# The folder each output format reads its templates from.
FOLDERS = {"md": "markdown", "html": "html", "pdf": "typst", "practice": "practice"}
OPTION = "--templates"


@lru_cache(maxsize=1)
def bundled_files() -> dict[str, tuple[str, ...]]:
    """Format folder -> the file names a renderer looks up there (those of the bundled copy)."""
    root = templates_dir()
    return {folder: tuple(sorted(p.name for p in (root / folder).iterdir() if p.is_file()))
            for folder in dict.fromkeys(FOLDERS.values()) if (root / folder).is_dir()}


def _folders_text(folders: Iterable[str]) -> str:
    names = [f"{f}/" for f in folders]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _home(name: str) -> str | None:
    """The format folder a bundled file ``name`` belongs in."""
    return next((folder for folder, names in bundled_files().items() if name in names), None)


def _used(root: Path) -> dict[str, list[str]]:
    """Format folder -> the bundled names ``root`` overrides there."""
    return {folder: [n for n in names if (root / folder / n).is_file()]
            for folder, names in bundled_files().items()}


def _misplaced(root: Path) -> list[str]:
    """Sentences for files at ``root``'s top level or in a format folder that no renderer reads
    but whose name is (close to) a bundled one."""
    out = []
    for p in sorted(root.iterdir()):
        home = _home(p.name) if p.is_file() else None
        if home and not (root / home / p.name).is_file():
            out.append(f"{p.name} is at the top of the folder; it belongs in {home}/ "
                       f"({root / home / p.name}).")
    for folder, names in bundled_files().items():
        if not (root / folder).is_dir():
            continue
        for p in sorted((root / folder).iterdir()):
            if not p.is_file() or p.name in names:
                continue
            close = difflib.get_close_matches(p.name, [n for n in names if not (root / folder / n).is_file()],
                                              n=1, cutoff=0.75)
            home = _home(p.name)
            if folder == "typst" and not (home and home != folder):
                # only the bundled file names are copied for the compile: nothing else is read
                hint = f"did you mean {folder}/{close[0]}?" if close else f"Typst reads only {', '.join(names)}."
                out.append(f"{folder}/{p.name} is not a template name; {hint}")
            elif close:
                out.append(f"{folder}/{p.name} is not a bundled template name (did you mean "
                           f"{folder}/{close[0]}?); it is read only if one of your templates includes it.")
            elif home:
                out.append(f"{folder}/{p.name} belongs in {home}/ ({root / home / p.name}).")
    return out


def check(path: str | Path, formats: Iterable[str] = ()) -> list[str]:
    """Refuse a ``--templates`` folder no renderer would read anything from; return notes.

    ``formats``: the output formats asked for (``md``, ``html``, ``pdf``, ``practice``; LMS
    formats use no templates). A folder that holds files for none of them gets a note.
    Raises :class:`RenderError` when ``path`` is missing, not a folder, or holds none of the
    bundled file names in their format folders (``markdown/paper.md.j2`` ...).
    """
    root = Path(path)
    start = (f"To start, copy the bundled templates into it (cp -r {templates_dir()}{os.sep}. {root}) "
             "and edit the files you want to change.")
    if not root.exists():
        raise RenderError("the templates folder does not exist.", path=str(root), field=OPTION,
                          hint=start + f" Leave {OPTION} out to use the bundled templates.")
    if not root.is_dir():
        raise RenderError("not a folder; give the folder that holds your markdown/, html/, typst/ "
                          "or practice/ templates.", path=str(root), field=OPTION)
    used = _used(root)
    misplaced = _misplaced(root)
    if not any(used.values()):
        present = [f for f in bundled_files() if (root / f).is_dir()]
        if present:
            expected = "; ".join(f"{f}/: {', '.join(bundled_files()[f])}" for f in present)
            message = (f"the folder's {_folders_text(present).replace(' or ', ' and ')} "
                       f"{'subfolders hold' if len(present) > 1 else 'subfolder holds'} none of the "
                       f"template files the renderers read ({expected}), so nothing in it would be used.")
        else:
            message = (f"the folder has no {_folders_text(bundled_files())} subfolder, so nothing in "
                       "it would be used; a template's copy goes in its format's subfolder "
                       "(markdown/paper.md.j2).")
        nested = [p for p in sorted(root.iterdir()) if p.is_dir() and any(_used(p).values())]
        hints = [f"Did you mean {OPTION} {nested[0]}?"] if nested else []
        hints += misplaced
        raise RenderError(message, path=str(root), field=OPTION, hint=" ".join(hints + [start]))
    notes = [f"{OPTION} {root}: {m}" + ("" if m.endswith("includes it.") else " It is not used.")
             for m in misplaced]
    folders = list(dict.fromkeys(FOLDERS[f] for f in formats if f in FOLDERS))
    if folders and not any(used.get(f) for f in folders):
        notes.append(f"{OPTION} {root} has no template for the formats asked (they read "
                     f"{_folders_text(folders)}); the bundled templates are used.")
    return notes
