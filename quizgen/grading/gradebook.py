"""CSV outputs: grades.csv, the Moodle and Canvas gradebook imports, issues.csv.

Cells that come from student input and start with ``=``, ``+``, ``-``, ``@`` (or a tab
or carriage return) are prefixed with ``'`` so a spreadsheet shows them as text
instead of running them as formulas.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from .feedback import fmt_points
from .grader import Graded
from .messages import text
from .submissions import Issue

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe(cell: str) -> str:
    """Neutralise a student-supplied cell for spreadsheets."""
    return "'" + cell if cell and cell.startswith(_FORMULA) else cell


def _csv(rows: list[list], bom: bool = True) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerows(rows)
    return (BOM if bom else "") + buf.getvalue()


def grades_csv(g: Graded) -> str:
    """One row per student of the key: id, name, variant, points per question, total, %.

    ``status``: graded, missing (no row) or unreadable (their rows could not be read, see
    issues.csv): an unreadable student's points are left empty, not 0.
    """
    head = ["student_id", "name", "email", "variant", "status", "submitted", *g.slots,
            "total", "max", "percent"]
    rows: list[list] = [head]
    for s in g.students:
        status = s.status
        if status == "unreadable":
            rows.append([safe(s.student_id), safe(s.name), safe(s.email), s.paper.variant,
                         status, "", *("" for _ in g.slots), "", fmt_points(s.max_total), ""])
            continue
        pts = {m.slot: fmt_points(m.points) for m in s.marks}
        rows.append([safe(s.student_id), safe(s.name), safe(s.email), s.paper.variant, status,
                     safe(s.attempt.timestamp) if s.attempt else "",
                     *(pts.get(slot, "") for slot in g.slots),
                     fmt_points(s.total), fmt_points(s.max_total), f"{s.percent:.1f}"])
    return _csv(rows)


def _unreadable_note(s, lang: str = "en") -> str:
    t = text(lang)
    lines = ", ".join(t("line_of", file=Path(i.file).name, line=i.line) for i in s.unreadable)
    return t("lms_unreadable", lines=lines)


def _item_name(g: Graded) -> str:
    return g.quiz.exam.title or g.quiz.exam.id or "quizgen exam"


def moodle_csv(g: Graded, lang: str = "en") -> str:
    """Moodle "Import grades: CSV file": map "ID number" (or email) to the user, the exam
    column to a grade item, "Feedback" to its feedback (in ``lang``: students see it)."""
    rows: list[list] = [["ID number", "Full name", "Email address", _item_name(g), "Feedback"]]
    for s in g.students:
        if s.status == "unreadable":  # no grade: the import leaves the gradebook cell as is
            rows.append([safe(s.student_id), safe(s.name), safe(s.email), "",
                         _unreadable_note(s, lang)])
            continue
        note = "" if s.submitted else text(lang)("lms_no_submission")
        rows.append([safe(s.student_id), safe(s.name), safe(s.email), fmt_points(s.total), note])
    return _csv(rows, bom=False)


def canvas_csv(g: Graded) -> str:
    """Canvas Gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then the
    assignment column; the "Points Possible" row gives its maximum."""
    max_total = max((s.max_total for s in g.students), default=0.0)
    rows: list[list] = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                         _item_name(g)],
                        ["Points Possible", "", "", "", "", fmt_points(max_total)]]
    for s in g.students:
        rows.append([safe(s.name or s.student_id), "", safe(s.student_id), safe(s.email), "",
                     "" if s.status == "unreadable" else fmt_points(s.total)])
    return _csv(rows, bom=False)


def issues_csv(issues: list[Issue], lang: str = "en") -> str:
    """Every row not graded as is, with file and line; the detail in ``lang`` (the header,
    the kind codes and yes/no stay English, for filters and scripts)."""
    rows: list[list] = [["file", "line", "kind", "student_id", "question", "graded", "detail"]]
    for i in issues:
        rows.append([Path(i.file).name, i.line, i.kind, safe(i.student_id), safe(i.question),
                     "no" if i.rejected else "yes", safe(i.detail_in(lang))])
    return _csv(rows)


def mapping_yaml(g: Graded) -> str:
    """The column mapping used per file, reusable as ``--map FILE`` (one file's block)."""
    import yaml

    data = {Path(f.path).name: {"layout": f.layout, "columns": dict(f.mapping)} for f in g.files}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
