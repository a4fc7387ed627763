"""LMS exports: many variants per exam slot, with tolerances and feedback.

>>> export_slots(exam, slots, ["moodle", "qti12", "qti21", "gift"], Path("out"))

writes, for exam id ``E``:

============  ======================  ==================================================
format        file                    what imports it
============  ======================  ==================================================
``moodle``    ``E.moodle.xml``        Moodle question bank (Moodle XML format)
``qti12``     ``E.canvas-qti12.zip``  Canvas Classic Quizzes (QTI 1.2 content package)
``qti21``     ``E.qti21.zip``         OpenOLAT, Inspera, ONYX, TAO... (QTI 2.1 package)
``gift``      ``E.gift.txt``          Moodle (GIFT format)
============  ======================  ==================================================

Every file is written to a temporary name and renamed into place; the same inputs give
byte-identical files. Exporters read only the :class:`~quizgen.model.Question` records.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..errors import ExportError, OutputError
from ..model import ExamInfo, SlotVariants
from . import gift, moodle, qti12, qti21
from .common import check_slots, file_stem
from ..output import write_files

Writer = Callable[[ExamInfo, list, str], bytes]

# format name -> (file suffix, writer)
FORMATS: dict[str, tuple[str, Writer]] = {
    "moodle": ("moodle.xml", moodle.export),
    "qti12": ("canvas-qti12.zip", qti12.export),
    "qti21": ("qti21.zip", qti21.export),
    "gift": ("gift.txt", gift.export),
}
ALIASES = {"canvas": "qti12", "xml": "moodle", "moodle-xml": "moodle", "qti": "qti21"}


def normalize_formats(formats: list[str] | str) -> list[str]:
    """``"moodle, canvas"`` or a list -> known format names, in order, without repeats."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    out: list[str] = []
    for raw in items:
        name = ALIASES.get(raw.strip().lower(), raw.strip().lower())
        if not name:
            continue
        if name not in FORMATS:
            raise ExportError(f"unknown export format '{raw.strip()}'.", field="--format",
                              hint=f"Use a comma-separated list of: {', '.join(FORMATS)}.")
        if name not in out:
            out.append(name)
    if not out:
        raise ExportError("no export format given.", field="--format",
                          hint=f"Use a comma-separated list of: {', '.join(FORMATS)}.")
    return out


def output_name(exam: ExamInfo, fmt: str) -> str:
    """The file name ``export_slots`` writes for ``fmt``."""
    return f"{file_stem(exam)}.{FORMATS[fmt][0]}"


def render(exam: ExamInfo, slots: list[SlotVariants], fmt: str, lang: str | None = None) -> bytes:
    """The bytes of one export, without writing anything."""
    check_slots(slots)
    return FORMATS[normalize_formats([fmt])[0]][1](exam, slots, lang or exam.lang or "en")


def export_slots(exam: ExamInfo, slots: list[SlotVariants], formats: list[str] | str,
                 out_dir: Path, lang: str | None = None) -> list[Path]:
    """Write one file per format into ``out_dir`` and return their paths (in format order).

    ``lang`` picks the fixed words the exports add ("Correct.", "Enter entry 2 ...");
    by default the exam's language. The questions themselves are exported as they are.
    """
    names = normalize_formats(formats)
    check_slots(slots)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError("this path exists and is not a folder.", path=str(out_dir))
    files = {output_name(exam, name): FORMATS[name][1](exam, slots, lang or exam.lang or "en") for name in names}
    try:
        return write_files(out_dir, files)  # all or nothing
    except OutputError as e:
        raise ExportError(e.message, path=e.path, line=e.line, field=e.field, hint=e.hint) from e


__all__ = ["export_slots", "render", "normalize_formats", "output_name", "FORMATS"]
