"""Turn a submission file's bytes into rows: encoding, BOM, delimiter sniffing.

Spreadsheet and online-form exports: UTF-8 with or without BOM, UTF-16 with BOM (Excel
"Unicode text"), other encodings when named; ``,`` ``;`` tab or ``|`` delimiters.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import SubmissionError

DELIMITERS = (",", ";", "\t", "|")
_SEP_LINE = re.compile(r"sep=([,;\t|])[ \t]*\r?\n", re.IGNORECASE)
# A cell may be as large as a long typed answer or a pasted matrix (csv's default is 128 KB)
FIELD_LIMIT = 64 * 2**20
csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
_ENC_HINT = ("Save it from the spreadsheet as 'CSV UTF-8', or name its encoding with "
             "--encoding (cp949 for Korean Excel, cp1252 for Western Excel).")


@dataclass(frozen=True)
class Row:
    """One non-empty record of the file and the physical line it starts on (1-based)."""

    line: int
    cells: list[str]


def decode(raw: bytes, path: str, encoding: str | None = None) -> str:
    """Bytes -> text; SubmissionError naming the line of the first undecodable byte."""
    if raw.startswith(b"PK\x03\x04"):
        raise SubmissionError("is a spreadsheet workbook (xlsx/ods), not a CSV file.", path=path,
                              hint="Export it as CSV (File > Save as > CSV UTF-8) and grade that.")
    # A BOM says what the file is, whatever --encoding says (which then serves the files
    # without one: an Excel "CSV UTF-8" file and a cp949 file grade in one run).
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif raw.startswith(codecs.BOM_UTF8) or encoding is None:
        encoding = "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except LookupError as e:
        raise SubmissionError(f"unknown encoding '{encoding}'.", path=path, field="--encoding",
                              hint="Use a Python codec name such as utf-8, cp949 or cp1252.") from e
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        hint = _ENC_HINT
        if encoding != "utf-8-sig" and _is_utf8(raw):
            hint = ("It is UTF-8 text: grade it in a run without --encoding (a file saved as "
                    "'CSV UTF-8' starts with a BOM and is then read as UTF-8 whatever --encoding "
                    "says).")
        raise SubmissionError(f"is not {encoding.replace('-sig', '')} text (byte 0x{raw[e.start]:02x} "
                              f"cannot be read).", path=path, line=line, hint=hint) from e
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise SubmissionError("holds binary data (a NUL byte), so it is not a CSV file.",
                              path=path, line=line, hint=_ENC_HINT)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff(text: str) -> str:
    """The delimiter that splits the first lines most consistently into several cells."""
    sample = text[:64_000].splitlines()[:50]
    best, best_score = ",", -1.0
    for d in DELIMITERS:
        try:
            rows = [r for r in csv.reader(sample, delimiter=d) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(1 for r in rows if len(r) == width)
        score = consistent / len(rows) * 1000 + width
        if score > best_score:
            best, best_score = d, score
    return best


_NUMBER = re.compile(r"[\s(\[]*[-+\u2212]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?[\s)\]]*")


def _starts_a_row(line: str, delimiter: str, known_id: Callable[[str], bool]) -> bool:
    """Whether ``line`` (inside a quoted cell) begins like a student's row: its first field,
    before the delimiter and without a quote, is a student id of the key. A short number
    (``1``, ``12``: a matrix entry too) counts only when some later field is not a number
    (``2,q7,...``, ``2,A,75,...``), so a matrix typed one row per line with commas passes."""
    first, sep, rest = line.partition(delimiter)
    first = first.strip()
    if not sep or not first or '"' in first or not known_id(first):
        return False
    if first.isdigit() and len(first) <= 3:
        return any(f.strip() and not _NUMBER.fullmatch(f) for f in rest.split(delimiter))
    return True


def _check_quote(text: str, path: Path, delimiter: str, start: int, end: int,
                 cells: list[str], width: int, last_line: int,
                 known_id: Callable[[str], bool] | None) -> None:
    """SubmissionError when a quoted cell spanning lines ``start``-``end`` is a stray quote
    (the next students' rows swallowed): it runs to the end of the file unclosed, or a line
    inside the cell begins with a student id of the key and the delimiter (see
    ``_starts_a_row``: that student's row, closed by a quote of its own), or the row is
    short of the header's cells and a line inside the cell splits into a whole row. A quoted
    answer on several lines (a matrix, with commas or not) passes."""
    k = next(i for i, c in enumerate(cells) if "\n" in c)
    opens = start + sum(c.count("\n") for c in cells[:k])
    inner = cells[k].split("\n")[1:]
    looks_like_rows = [x for x in inner if width >= 2 and x.strip()
                       and len(next(csv.reader([x], delimiter=delimiter), [])) >= width]
    unclosed = False
    if end >= last_line:  # the last record: is its quote closed at all?
        tail = "\n".join(text.split("\n")[start - 1:])
        try:
            list(csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, strict=True))
        except csv.Error as e:
            unclosed = "end of data" in str(e)
    row_like = [x for x in inner if known_id and _starts_a_row(x, delimiter, known_id)]
    if unclosed or (looks_like_rows and len(cells) < width) or row_like:
        shown = (row_like or looks_like_rows or inner)[0].strip()
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        lines = f"line {end}" if end == opens + 1 else f"lines {opens + 1}-{end}"
        raise SubmissionError(
            f"a quote (\") opened in this row is "
            f"{'never closed' if unclosed else 'closed only on line ' + str(end)}, so {lines} "
            f"('{shown}'...) would become part of one cell of this row, and any students "
            "on them would be lost.", path=str(path), line=opens,
            hint="Remove the stray quote or close it where the answer ends, in a copy of the "
                 "file, and grade that. (An answer on several lines, such as a matrix, is "
                 "read when its cell is quoted and the quote is closed.)")


def read_rows(path: str | Path, encoding: str | None = None, empty: list[int] | None = None,
              known_id: Callable[[str], bool] | None = None) -> tuple[list[Row], str]:
    """All non-empty rows of a CSV file (header first) and the delimiter used.

    ``empty``: gets the line of every row of only empty cells (``,,`` or `` ; ; ``: a
    spreadsheet row left empty), which is left out like a blank line but is a row the
    caller reports. Blank lines are not rows. ``known_id``: whether a text is a student id
    of the key, to tell a stray quote that swallows students' rows from a quoted answer on
    several lines."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SubmissionError(f"cannot read the file: {e.strerror or e}.", path=str(path)) from e
    text = decode(raw, str(path), encoding)
    sep = _SEP_LINE.match(text)  # Excel's "sep=;" first line names the delimiter
    if sep:
        delimiter, text = sep.group(1), "\n" + text[sep.end():]  # line numbers stay
    else:
        delimiter = sniff(text)
    rows: list[Row] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    last_line = text.count("\n")  # once: not per row with a multi-line cell (quadratic)
    try:
        for cells in reader:
            if reader.line_num > start and any("\n" in c for c in cells):
                _check_quote(text, path, delimiter, start, reader.line_num, cells,
                             len(rows[0].cells) if rows else 0, last_line, known_id)
            if any(c.strip() for c in cells):
                rows.append(Row(start, cells))
            elif len(cells) > 1 and empty is not None and rows:  # (before the header: nothing)
                empty.append(start)
            start = reader.line_num + 1
    except csv.Error as e:
        if "field limit" in str(e):
            raise SubmissionError(
                f"a cell of the row starting here is larger than {FIELD_LIMIT // 2**20} MB, more "
                "than any answer: most likely a quote opened and never closed, or the "
                "wrong file.", path=str(path), line=start,
                hint="Check that row (and the quotes in it) in a copy of the file.") from e
        raise SubmissionError(f"is not a readable CSV file ({e}).", path=str(path),
                              line=reader.line_num or start) from e
    if not rows:
        raise SubmissionError("is empty.", path=str(path))
    return rows, delimiter
