"""Exam files (YAML) and rosters (CSV).

An exam file::

    id: dl-midterm            # letters, digits, - and _
    title: Deep learning basics - midterm   # or {en: ..., ko: ...}
    course: AI & Creativity
    lang: en                  # en or ko
    instructions: Answer every question. ...
    date: 2026-12-01          # optional; written as key.json exam.created
    slots:
      - template: params.dense  # a template id ...
        level: 1
        points: 2
      - topic: output-shape     # ... or a topic: each student gets a template of it
        level: 2
"""
from __future__ import annotations

import csv
import datetime
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .bank import Bank, _line_of, _node_of, load_yaml
from .errors import BankError, ExamError, RosterError, did_you_mean
from .model import LANGS, Student

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# A student id: letters, digits, '-', '_', '.' and single inner spaces ("s 002"); its file
# names come from render.markdown.safe_name, so ids that give the same file name are refused.
_STUDENT_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]| (?! ))*(?<! )$")
EXAM_FIELDS = ("id", "title", "course", "lang", "instructions", "date", "slots")
SLOT_FIELDS = ("slot", "template", "topic", "level", "points")


@dataclass(frozen=True)
class Slot:
    """One numbered position of the exam: a fixed template or a topic to draw from."""

    name: str
    template: str | None
    topic: str | None
    level: int
    points: float | None


@dataclass(frozen=True)
class Exam:
    """An exam file. ``title``, ``course`` and ``instructions`` map a language to its text."""

    id: str
    title: dict
    course: dict
    lang: str
    instructions: dict
    date: str
    slots: tuple[Slot, ...]
    path: str

    def text(self, field: str, lang: str) -> str:
        """A text field in ``lang``, falling back to English, then to any language given."""
        value = getattr(self, field)
        return value.get(lang) or value.get("en") or next(iter(value.values()), "")


def load_exam(path: str | Path, bank: Bank) -> Exam:
    """Read and validate an exam file against ``bank``; ExamError names the field and line."""
    path = Path(path)
    if not path.is_file():
        raise ExamError("the exam file does not exist.", path=str(path))
    try:
        text, d = load_yaml(path, "exam file")
    except BankError as e:
        raise ExamError(e.message, path=e.path, line=e.line, field=e.field, hint=e.hint) from e

    def fail(msg: str, field: str, hint: str | None = None):
        raise ExamError(msg, path=str(path), field=field, line=_line_of(text, field), hint=hint)

    if not isinstance(d, dict):
        fail("an exam file holds one mapping (id, title, slots, ...).", "id")

    def check_fields(mapping: dict, known: tuple[str, ...], where: str, tables: bool = False) -> None:
        for key in mapping:
            if key in known:
                continue
            # At the top level a mapping or list under a name of its own is a block of YAML
            # anchors (e.g. `defaults: &d {level: 2}` merged into slots with `<<: *d`).
            if tables and isinstance(mapping[key], (dict, list)) and not did_you_mean(key, known):
                continue
            fail(f"unknown field '{key}'.", f"{where}.{key}" if where else str(key),
                 hint=did_you_mean(key, known) + "Fields here: " + ", ".join(known) + ".")

    check_fields(d, EXAM_FIELDS, "", tables=True)
    exam_id = str(d.get("id", path.stem))
    if not _ID.match(exam_id):
        fail("the exam id may use letters, digits, '-', '_' and '.'.", "id")
    lang = d.get("lang", "en")
    if lang not in LANGS:
        fail(f"lang must be one of {', '.join(LANGS)}.", "lang")
    raw_slots = d.get("slots")
    if not isinstance(raw_slots, list) or not raw_slots:
        fail("an exam needs a non-empty list of slots.", "slots")
    slots = []
    names = set()
    for i, s in enumerate(raw_slots):
        field = f"slots.{i}"
        if isinstance(s, str):
            s = {"template": s}
        if not isinstance(s, dict):
            fail("a slot is a mapping with a template or a topic.", field)
        check_fields(s, SLOT_FIELDS, field)
        name = s.get("slot", f"q{i + 1}")
        if isinstance(name, (int, float)) and not isinstance(name, bool):
            name = str(name)  # `slot: 5` is the name '5' (as it always was: the name is part of the draws)
        if not isinstance(name, str) or not name.strip() or any(ord(c) < 32 for c in name):
            fail(f"a slot's name is a word or number that names the question (got "
                 f"{_source(text, f'{field}.slot', name)}).", f"{field}.slot",
                 hint="It names the question's column when grading; leave 'slot:' out to get "
                      f"q{i + 1} (only for a new exam: a slot's name is part of its draws).")
        if name in names:
            fail(f"slot name '{name}' is used twice.", f"{field}.slot")
        names.add(name)
        level = s.get("level", 1)
        if not isinstance(level, int) or isinstance(level, bool) or level < 1:
            fail("level must be a whole number from 1.", f"{field}.level")
        points = s.get("points")
        if points is not None and not _is_points(points):
            got = _source(text, f"{field}.points", points)
            if isinstance(points, str) and _is_points(_float(points)):
                fail(f"points must be a number, but {got} is read as text: YAML reads an exponent as a "
                     "number only with a dot and a sign.", f"{field}.points",
                     hint=f"Write {_float(points):.1e}".replace("e+0", "e+").replace("e-0", "e-")
                          + " or a plain number, e.g. 2 or 0.5.")
            fail(f"points must be a finite number above 0 (got {got}).", f"{field}.points")
        template, topic = s.get("template"), s.get("topic")
        if bool(template) == bool(topic):
            fail("give exactly one of 'template' or 'topic'.", field)
        if template:
            if template not in bank.templates:
                close = [t for t in sorted(bank.templates) if t.split(".")[0] == str(template).split(".")[0]]
                fail(f"unknown template '{template}'.", f"{field}.template",
                     hint=did_you_mean(template, bank.templates) + "Run `quizgen bank list` to see the ids" +
                          (f"; similar: {', '.join(close[:5])}." if close else "."))
            if level not in bank.templates[template].levels:
                fail(f"template '{template}' has no level {level} (it has "
                     f"{', '.join(map(str, bank.templates[template].level_numbers))}).", f"{field}.level")
        else:
            if not bank.with_topic(topic, level):
                topics = sorted(bank.topics())
                if topic in topics:
                    levels = sorted({lv for t in bank.with_topic(topic) for lv in t.levels})
                    fail(f"no template of topic '{topic}' has level {level}.", f"{field}.level",
                         hint=f"Its templates have levels {', '.join(map(str, levels))}.")
                fail(f"unknown topic '{topic}'.", f"{field}.topic",
                     hint=did_you_mean(str(topic), topics) + "Topics: " + ", ".join(topics) + ".")
        if points is None and topic:
            # Every student's slot is worth the same: the most any template of the pool is worth.
            points = max(t.points for t in bank.with_topic(topic, level))
        slots.append(Slot(name, template, topic, level, points))
    def texts(field: str, default: str = "") -> dict:
        value = d.get(field, default)
        if value is None:  # `course:` left empty
            value = default
        if isinstance(value, dict):
            if not value or not all(k in LANGS and isinstance(v, str) for k, v in value.items()):
                fail(f"'{field}' is a string or a mapping of {', '.join(LANGS)} to strings.", field)
            return dict(value)
        return {"en": str(value)}

    return Exam(id=exam_id, title=texts("title", exam_id), course=texts("course"), lang=lang,
                instructions=texts("instructions"), date=_date(d.get("date"), lambda msg: fail(msg, "date")),
                slots=tuple(slots), path=str(path))


def _is_points(points) -> bool:
    return (isinstance(points, (int, float)) and not isinstance(points, bool) and math.isfinite(points)
            and points > 0)


def _float(text: str):
    try:
        return float(text)
    except ValueError:
        return None


def _source(text: str, field: str, value) -> str:
    """How ``field`` is written in the YAML ``text`` (``.nan``, ``true``, ``''``), else repr(value)."""
    node = _node_of(text, field)[1]
    if isinstance(node, yaml.ScalarNode):
        return f"'{node.value}'" if node.style in ("'", '"') or node.value == "" else node.value
    return repr(value)


_DATE = re.compile(r"(\d{4})(?:[-/.]|년\s*)(\d{1,2})(?:[-/.]|월\s*)(\d{1,2})일?"
                   r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def _date(value, fail) -> str:
    """key.json's exam.created: '' when not given, else the date as YYYY-MM-DD (a date and
    time as YYYY-MM-DD HH:MM:SS). Also read: 2026-3-2, 2026/03/02, 2026.3.2, 2026년 3월 2일,
    2026-03-02 09:00."""
    if value is None or value == "":
        return ""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return str(value)
    m = _DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    if m:
        y, mo, d, h, mi, sec = (int(x) if x else None for x in m.groups())
        try:
            if h is None:
                return datetime.date(y, mo, d).isoformat()
            return str(datetime.datetime(y, mo, d, h, mi, sec or 0))
        except ValueError:
            pass
    fail(f"{value} is not a date (YYYY-MM-DD, optionally with a time HH:MM; it is key.json's "
         "exam.created).")


def _roster_delimiter(text: str, id_names: tuple[str, ...]) -> str:
    """The delimiter (``,``, ``;`` or tab) that splits the header into cells naming the id column.

    Decided by the header line alone, so a stray delimiter in a later row is reported as
    that row's error instead of confusing the guess. Falls back to csv.Sniffer, then ``,``.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    found = []
    for delimiter in (",", ";", "\t"):
        cells = [c.strip().lower().replace(" ", "_") for c in next(csv.reader([first], delimiter=delimiter), [])]
        if any(c in id_names for c in cells):
            found.append((len(cells), delimiter))
    if found:
        return max(found)[1]
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


MAX_ID_LENGTH = 100  # ids become file names (papers/<id>.html, feedback/<id>.html)
_STRONG_IDS = ("student_id", "studentid", "학번")  # headers that can only mean the student id


def _decode_roster(raw: bytes, path: Path) -> str:
    """The roster's text: UTF-8 (with or without BOM), or UTF-16 with a BOM (Excel's
    "Unicode text"); RosterError otherwise."""
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return raw.decode("utf-16")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise RosterError("the roster is not UTF-8 text.", path=str(path),
                          hint="Save it as 'CSV UTF-8' from your spreadsheet.") from e


def _roster_rows(text: str, delimiter: str, path: Path) -> list[tuple[int, list[str]]]:
    """``[(line where the row starts, cells), ...]``. Line ends may be LF, CRLF or CR alone.

    A quoted cell may hold a line break (a two-line name), but a quote that is never closed
    would make the rest of the file one cell: RosterError naming the line where it opens
    when a line it swallowed looks like a row of its own (it holds the delimiter), or when
    the quote runs over a line break to the end of the file."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, start = [], 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as e:  # (not expected with newline="": kept as a clear error)
        raise RosterError(f"this is not a readable CSV file ({e}).", path=str(path), line=start,
                          hint="Save it again as 'CSV UTF-8' from your spreadsheet.") from e
    last_line = reader.line_num
    try:
        unclosed = False
        list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as e:
        unclosed = "unexpected end of data" in str(e)
    for i, (line, row) in enumerate(rows):
        end = rows[i + 1][0] - 1 if i + 1 < len(rows) else last_line
        if end == line:
            continue
        for j, cell in enumerate(row):
            lines = cell.splitlines()
            if len(lines) < 2 and not (unclosed and i == len(rows) - 1 and cell[-1:] in "\r\n" and cell):
                continue
            if (unclosed and i == len(rows) - 1) or any(_looks_like_row(part, row, delimiter) for part in lines[1:]):
                column = (f"'{rows[0][1][j].strip()}'" if i > 0 and j < len(rows[0][1])
                          else f"column {j + 1}")
                first = lines[0] if lines else ""
                span = f"line {end}" if end == line + 1 else f"lines {line + 1}-{end}"
                raise RosterError(f"the quote before '{first[:30]}' (the {column} cell) opens here and is never "
                                  f"closed, so {span} would become part of this cell and their "
                                  "students would be lost.", path=str(path), line=line,
                                  hint="Remove the stray quote, or close it right after the text it starts.")
    return rows


def _shape(text: str) -> str:
    """``s001`` -> ``a999``, ``20231001`` -> ``99999999``, ``Kim`` -> ``a``: the form of an id
    (its digits counted: the ids of a class have as many)."""
    return re.sub(r"\d", "9", re.sub(r"[^\W\d_]+", "a", text.strip()))


def _looks_like_row(line: str, row: list[str], delimiter: str) -> bool:
    """Whether a line inside a quoted cell looks like a row of its own: it holds the delimiter
    and starts with a value of the same form as the row's own first cell (``s002,B`` in the
    name of ``s001``), not like a note or a name on two lines (``Ji, Jr.``)."""
    if delimiter not in line or not row:
        return False
    first = line.split(delimiter, 1)[0]
    return bool(first.strip()) and _shape(first) == _shape(row[0])


def _id_column(header: list[str], raw_header: list[str], aliases: tuple[str, ...], path: Path) -> int | None:
    """The index of the student id column; RosterError when two columns could both be it."""
    strong = [i for i, h in enumerate(header) if h in _STRONG_IDS]
    if not strong:
        name = next((a for a in aliases if a in header), None)
        strong = [i for i, h in enumerate(header) if h == name]
    if len(strong) > 1:
        a, b = strong[:2]
        raise RosterError(f"columns {a + 1} and {b + 1} ('{raw_header[a].strip()}' and "
                          f"'{raw_header[b].strip()}') both name the student id.", path=str(path), line=1,
                          hint="Keep one of them: rename or delete the other.")
    return strong[0] if strong else None


def read_roster(path: str | Path) -> list[Student]:
    """Students from a CSV with a ``student_id`` column (optional ``name``, ``email``)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RosterError(f"cannot read the roster: {e}.", path=str(path)) from e
    text = _decode_roster(raw, path)
    aliases = {"student_id": ("student_id", "id", "studentid", "student", "학번")}
    delimiter = _roster_delimiter(text, aliases["student_id"])
    rows = _roster_rows(text, delimiter, path)
    if not rows:
        raise RosterError("the roster is empty.", path=str(path), line=1)
    header = [h.strip().lower().replace(" ", "_") for h in rows[0][1]]
    col = _id_column(header, rows[0][1], aliases["student_id"], path)
    if col is None:
        raise RosterError("the roster has no 'student_id' column.", path=str(path), line=1,
                          hint="Name the first header cell student_id.")
    name_col = next((header.index(a) for a in ("name", "이름") if a in header), None)
    email_col = header.index("email") if "email" in header else None
    from .render.markdown import safe_name
    students: list[Student] = []
    seen: dict[str, int] = {}
    files: dict[str, tuple[str, int]] = {}  # lower-cased file name -> (id, line)
    sep = "tab" if delimiter == "\t" else f"'{delimiter}'"
    for lineno, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
            raise RosterError(f"this row has {len(row)} cells but the header has {len(header)}, so "
                              f"'{row[len(header)].strip()}' belongs to no column.", path=str(path),
                              line=lineno, hint=f"A {sep} inside a name or other field must be quoted, "
                                                f'e.g. "Park{delimiter} Ji"; or add a header for that column.')
        sid = row[col].strip() if col < len(row) else ""
        if not sid:
            raise RosterError("this row has no student_id.", path=str(path), line=lineno)
        if len(sid) > MAX_ID_LENGTH:
            raise RosterError(f"student_id '{sid[:20]}...' is {len(sid)} characters long; at most "
                              f"{MAX_ID_LENGTH} (ids become file names).", path=str(path), line=lineno)
        if not _STUDENT_ID.match(sid):
            raise RosterError(f"student_id '{sid}' may only use letters, digits, '-', '_', '.' and "
                              "single spaces between them.", path=str(path), line=lineno)
        if sid in seen:
            raise RosterError(f"student_id '{sid}' appears twice (also on line {seen[sid]}).",
                              path=str(path), line=lineno, hint="Each student needs one row.")
        seen[sid] = lineno
        stem = safe_name(sid).lower()
        if stem in files:
            other, other_line = files[stem]
            raise RosterError(f"student_id '{sid}' and '{other}' (line {other_line}) would get the same "
                              f"paper file name on Windows and macOS, which ignore case "
                              f"(papers/{safe_name(sid)}.md).", path=str(path), line=lineno,
                              hint="Give each student an id that differs in more than case, spaces "
                                   "or punctuation.")
        files[stem] = (sid, lineno)
        name = row[name_col].strip() if name_col is not None and name_col < len(row) else ""
        email = row[email_col].strip() if email_col is not None and email_col < len(row) else ""
        students.append(Student(sid, name, email))
    if not students:
        raise RosterError("the roster lists no students.", path=str(path), line=2)
    return students


def numbered_students(n: int) -> list[Student]:
    """``--students N``: ids s001, s002, ..."""
    width = max(3, len(str(n)))
    return [Student(f"s{i:0{width}d}") for i in range(1, n + 1)]


def check_languages(exam: Exam, bank: Bank, langs: list[str]) -> None:
    """ExamError when a template an exam slot can draw has no texts in one of ``langs``.

    (Otherwise its English texts would silently appear on a Korean paper.)
    """
    for slot in exam.slots:
        pool = [bank.templates[slot.template]] if slot.template else bank.with_topic(slot.topic, slot.level)
        for t in pool:
            missing = [one for one in langs if one not in t.languages()]
            if missing:
                raise ExamError(f"slot {slot.name} can draw template '{t.id}', which has no "
                                f"'{missing[0]}' texts (it has: {', '.join(t.languages()) or 'none complete'}).",
                                path=exam.path or None, field="lang",
                                hint=f"Add '{missing[0]}:' texts to its title, prompt, solution and every "
                                     f"misconception's feedback ({t.path}), or generate in "
                                     f"{' or '.join(t.languages()) or 'another language'} with --lang.")
