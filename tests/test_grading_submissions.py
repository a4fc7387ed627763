"""Reading submission CSVs: every input shape and messy spelling of real exports."""
from __future__ import annotations

import time

import pytest

from grading_helpers import ANY, KEY, RIGHT, wide, write_rows, write_text
from quizgen.errors import QuizgenError, SubmissionError
from quizgen.grading.columns import SlotMatcher
from quizgen.grading.csvread import read_rows
from quizgen.grading.grader import grade_files
from quizgen.grading.keyfile import load_key
from quizgen.grading.submissions import IdLookup, parse_map_option, read_file
from quizgen.grading.timestamps import parse_when

SLOTS = ["q1", "q2", "q3", "q4", "q5", "q6"]
QUIZ = load_key(KEY)


def read(path, column_map=None, encoding=None):
    return read_file(path, SlotMatcher(SLOTS), IdLookup(["s001", "s002", "s003", "s004"]),
                     column_map or {}, encoding)


def totals(paths, **kw):
    """Totals per student and the grading. With ``allow_missing`` (a file of a few question
    columns, for a test about something else) the ``missing-column`` notes are left out of
    ``g.issues``: test_question_without_a_column_* test them."""
    g = grade_files(QUIZ, [str(p) for p in paths], **kw)
    if kw.get("allow_missing"):
        g.issues = [i for i in g.issues if i.kind != "missing-column"]
    return {s.student_id: s.total for s in g.students}, g


@pytest.mark.parametrize("header", [
    ["student_id", "q1", "q2", "q3", "q4", "q5", "q6"],
    ["Student ID", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6"],
    ["학번", "Question 1", "Question 2", "Question 3", "Question 4", "Question 5", "Question 6"],
    ["ID", "1", "2", "3", "4", "5", "6"],
    ["id", "Q1. How many parameters?", "Q2: MSE", "Q3 (3 points)", "문항 4", "5번", "q 6"],
    ["ID number", "Response 1", "Response 2", "Response 3", "Response 4", "Response 5",
     "Response 6"],                                   # Moodle's quiz responses report
])
def test_wide_header_spellings(tmp_path, header):
    t, g = totals([wide(tmp_path / "w.csv", RIGHT, header=header)])
    assert t == {"s001": 11, "s002": 11, "s003": 11, "s004": 11}
    assert g.files[0].mapping["q3"] == header[3]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [False, True])
def test_delimiters_and_bom(tmp_path, delimiter, bom):
    f = read(wide(tmp_path / "w.csv", RIGHT, delimiter=delimiter, bom=bom))
    assert f.delimiter == delimiter and f.layout == "wide"
    assert f.mapping["student_id"] == "student_id"  # a BOM does not stick to the first header
    assert [a.student_id for a in f.attempts] == list(RIGHT)


def test_messy_cells_semicolon_file(tmp_path):
    # Decimal commas, stray spaces, unicode minus, empty cells, Excel-ish ';' file with BOM.
    text = ("\ufeffStudent ID;Name;E-mail;Timestamp;Q1;Q2;Q3;Q4;Q5;Q6\r\n"
            " s001 ;Ada;ada@x.org;2026-12-01 10:00:00; 220 ;0,5;16 × 32 × 32;[[1,2],[3,4]];(a);a c\r\n"
            "s002;;;2026-12-01 10:01:00;240;1,0;;;b;\r\n"
            ";;;;;;;;;\r\n")
    t, g = totals([write_text(tmp_path / "m.csv", text)])
    assert t["s001"] == 11
    assert t["s002"] == 3  # q1 + q2 right, the rest blank or wrong
    s2 = g.students[1]
    assert [m.status for m in s2.marks] == ["correct", "correct", "blank", "blank", "wrong", "blank"]
    assert g.students[0].name == "Ada Lovelace"  # the key's roster name wins
    assert g.students[0].email == "ada@x.org"  # the key has none: the form's is kept
    # the all-empty row is read and reported (it is a row of the file), not graded
    assert (g.rows_read, g.rows_graded, g.rows_reported) == (3, 2, 1)
    assert [(i.line, i.kind, i.rejected) for i in g.issues] == [(4, "empty-row", True)]


def test_blank_lines_are_no_rows_but_empty_rows_are_reported(tmp_path):
    """A blank line ends nothing; a row of empty cells (a spreadsheet row left empty) is
    in issues.csv; a column with no use is noted, not silently dropped."""
    text = ("student_id,Zeitstempel,q1,q2\n\ns001,1.12.2026,220,0.5\n , ,,\n\n"
            "s002,1.12.2026,240,1\n,,,\n")
    t, g = totals([write_text(tmp_path / "b.csv", text)], allow_missing=ANY)
    assert t["s001"] == 3 and t["s002"] == 3  # q1 and q2 right (the key differs per student)
    assert (g.rows_read, g.rows_graded, g.rows_reported) == (4, 2, 2)
    kinds = [(i.line, i.kind, i.question, i.rejected) for i in g.issues]
    assert (4, "empty-row", "", True) in kinds and (7, "empty-row", "", True) in kinds
    assert (1, "unused-column", "Zeitstempel", False) in kinds and len(kinds) == 3


def test_split_columns(tmp_path):
    rows = [["student_id", "q3.1", "q3.2", "q3.3", "q4_1", "q4_2", "q4_3", "q4_4"],
            ["s001", "16", "32", "32", "1", "2", "3", "4"],
            ["s002", "16", "34", "33", "1", "3", "3", ""]]
    t, g = totals([write_rows(tmp_path / "s.csv", rows)], allow_missing=ANY)
    assert t["s001"] == 5
    m3, m4 = g.students[1].marks[2], g.students[1].marks[3]
    assert m3.status == "partial" and m3.points == 2.0  # 2 of 3 components, 3 points
    # [[1, 3], [3, blank]] for [[1, 3], [3, 4]]: the blank box is one wrong entry of four
    assert (m4.status, m4.points, m4.text) == ("partial", 1.5, "1 | 3 | 3 | _")
    assert g.files[0].mapping["q3.2"] == "q3.2"


def test_split_matrix_row_column(tmp_path):
    rows = [["student_id", "q4.1.1", "q4.1.2", "q4.2.1", "q4.2.2"], ["s001", "1", "2", "3", "4"]]
    t, _ = totals([write_rows(tmp_path / "s.csv", rows)], allow_missing=ANY)
    assert t["s001"] == 2


def test_long_layout(tmp_path):
    rows = [["student", "question", "answer", "submitted"]]
    for sid, cells in RIGHT.items():
        rows += [[sid, f"Q{i}", c, "2026-12-01 10:00"] for i, c in enumerate(cells, 1)]
    rows.append(["s001", "q9", "1", "2026-12-01 10:00"])
    path = write_rows(tmp_path / "long.csv", rows)
    f = read(path)
    assert f.layout == "long" and f.mapping["question"] == "question"
    t, g = totals([path], allow_missing=ANY)
    assert t == {sid: 11 for sid in RIGHT}
    assert [(i.kind, i.line) for i in g.issues] == [("unknown-question", 26)]
    assert g.rows_read == 25 == g.rows_graded + g.rows_reported


def test_long_duplicate_answer_keeps_the_later_row(tmp_path):
    rows = [["id", "item", "response"], ["s001", "q1", "200"], ["s001", "q1", "220"]]
    t, g = totals([write_rows(tmp_path / "long.csv", rows)])
    assert t["s001"] == 2
    assert [(i.kind, i.line) for i in g.issues] == [("duplicate-answer", 2)]
    assert g.rows_read == g.rows_graded + g.rows_reported


def test_id_column_found_from_the_data(tmp_path):
    # "ID" is a form's response number; the real ids sit in "Matrikel".
    rows = [["ID", "Matrikel", "q1"], ["1", "s001", "220"], ["2", "S002", "240"]]
    f = read(write_rows(tmp_path / "w.csv", rows))
    assert f.mapping["student_id"] == "Matrikel"


def test_leading_zeros_lost_by_a_spreadsheet(tmp_path):
    ids = IdLookup(["001234", "s9"])
    assert ids.find("1234") == "001234" and ids.find(" S9 ".strip()) == "s9"
    assert ids.find("x") is None


def test_map_option(tmp_path):
    rows = [["Kennung", "Antwort A", "Zeit"], ["s001", "220", "2026-12-01 10:00"]]
    path = write_rows(tmp_path / "w.csv", rows)
    with pytest.raises(SubmissionError, match="has no question columns"):
        read(path)
    cmap = parse_map_option(["student_id=Kennung, q1='Antwort A'", "timestamp=Zeit"])
    assert cmap == {"student_id": "Kennung", "q1": "Antwort A", "timestamp": "Zeit"}
    f = read(path, cmap)
    assert f.mapping == {"student_id": "Kennung", "timestamp": "Zeit", "q1": "Antwort A"}
    assert f.attempts[0].when == (2026, 12, 1, 10, 0, 0)


@pytest.mark.parametrize("text,line", [
    ("student_id: Matrikel\nq1 Answer 1\n", 2),
    ("q1: [unclosed\n", 1),
    ("student_id: Matrikel\nq1: \"a\"b\"\n", 2),
])
def test_malformed_map_file_is_one_paragraph(tmp_path, text, line):
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SubmissionError) as e:
        parse_map_option([str(path)])
    msg = str(e.value)
    assert msg.startswith(f"{path}, line {line}, field '--map': is not a readable column mapping")
    assert "\n" not in msg and "<unicode string>" not in msg and "role: Column" in msg


def test_map_file_value_read_as_a_comment(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("q1: #3\n", encoding="utf-8")
    with pytest.raises(SubmissionError, match="'q1' has no column name"):
        parse_map_option([str(path)])
    path.write_text('q1: "#3"\n', encoding="utf-8")
    assert parse_map_option([str(path)]) == {"q1": "#3"}


def test_map_file_and_saved_mapping(tmp_path):
    (tmp_path / "m.yaml").write_text("student_id: Kennung\nq1: Antwort A\n", encoding="utf-8")
    assert parse_map_option([str(tmp_path / "m.yaml")]) == {"student_id": "Kennung",
                                                            "q1": "Antwort A"}
    (tmp_path / "saved.yaml").write_text(
        "w.csv:\n  layout: wide\n  columns:\n    student_id: Kennung\n", encoding="utf-8")
    assert parse_map_option([str(tmp_path / "saved.yaml")]) == {"student_id": "Kennung"}
    with pytest.raises(SubmissionError, match="role=Column"):
        parse_map_option(["nonsense"])


def test_map_names_a_missing_column(tmp_path):
    path = wide(tmp_path / "w.csv", RIGHT)
    with pytest.raises(SubmissionError) as e:
        read(path, {"student_id": "Matrikel"})
    assert "has no column 'Matrikel'" in str(e.value) and "'q1'" in str(e.value)


def test_question_column_the_key_lacks_is_reported(tmp_path):
    rows = [["student_id", "q1", "q9"], ["s001", "220", "5"]]
    _, g = totals([write_rows(tmp_path / "w.csv", rows)], allow_missing=ANY)
    (issue,) = g.issues
    assert (issue.kind, issue.line, issue.question, issue.rejected) == \
        ("unknown-question", 1, "q9", False)


def test_row_wider_than_header_is_unreadable(tmp_path):
    text = "student_id,q1,q2\ns001,220,0,5\ns002,240,1\n"  # unquoted decimal comma
    t, g = totals([write_text(tmp_path / "w.csv", text)], allow_missing=ANY)
    assert [(i.kind, i.line, i.student_id) for i in g.issues] == [("unreadable", 2, "s001")]
    assert t["s002"] == 3 and not g.students[0].submitted
    assert g.students[0].status == "unreadable" and g.students[3].status == "missing"
    assert g.students[0].unreadable == (g.issues[0],)


def test_unreadable_row_does_not_hide_a_readable_one(tmp_path):
    text = "student_id,q1,q2\ns001,220,0,5\ns001,220,0.5\n"
    t, g = totals([write_text(tmp_path / "w.csv", text)], allow_missing=ANY)
    assert t["s001"] == 3 and g.students[0].status == "graded"
    assert [(i.kind, i.line, i.student_id) for i in g.issues] == [("unreadable", 2, "s001")]


def test_unreadable_long_row_names_student_and_question(tmp_path):
    text = "student,question,answer\ns001,q2,0,5\n"
    _, g = totals([write_text(tmp_path / "l.csv", text)])
    (i,) = g.issues
    assert (i.kind, i.line, i.student_id, i.question) == ("unreadable", 2, "s001", "q2")
    assert g.students[0].status == "unreadable"


def test_quoted_multiline_cells_keep_line_numbers(tmp_path):
    text = 'student_id,q4\ns001,"1 2\n3 4"\nzz,1\n'
    _, g = totals([write_text(tmp_path / "w.csv", text)], allow_missing=ANY)
    assert g.students[0].total == 2
    assert [(i.kind, i.line) for i in g.issues] == [("unknown-student", 4)]


def test_utf16_with_bom(tmp_path):
    text = "\ufeffstudent_id\tq1\r\ns001\t220\r\n"
    f = read(write_text(tmp_path / "u.csv", text, "utf-16-le"))
    assert f.delimiter == "\t" and f.attempts[0].answers["q1"] == "220"


def test_cp949_needs_its_encoding(tmp_path):
    path = write_text(tmp_path / "k.csv", "학번,이름,q1\ns001,김민준,220\n", "cp949")
    with pytest.raises(SubmissionError) as e:
        read(path)
    assert str(e.value).startswith(f"{path}, line 1: is not utf-8 text")
    assert "--encoding" in str(e.value)
    f = read(path, encoding="cp949")
    assert f.attempts[0].name == "김민준"
    with pytest.raises(SubmissionError, match="unknown encoding 'klingon'"):
        read(path, encoding="klingon")


@pytest.mark.parametrize("content,message", [
    (b"PK\x03\x04rest-of-a-zip", "is a spreadsheet workbook"),
    (b"student_id,q1\ns001,2\x0020\n", "line 2: holds binary data"),
    (b"", "is empty"),
    (b"just one line of prose without any delimiter\n", "has no question columns"),
])
def test_not_a_csv(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(SubmissionError, match=message):
        read(path)


def test_missing_student_id_column(tmp_path):
    path = write_rows(tmp_path / "w.csv", [["name", "q1"], ["Ada", "220"]])
    with pytest.raises(SubmissionError) as e:
        read(path)
    assert str(e.value).startswith(f"{path}, line 1: has no student-id column")
    assert "--map student_id=" in str(e.value)


def test_two_columns_for_one_question(tmp_path):
    path = write_rows(tmp_path / "w.csv", [["student_id", "q1", "Question 1"], ["s001", "1", "2"]])
    with pytest.raises(SubmissionError, match="both hold q1"):
        read(path)
    f = read(path, parse_map_option(["q1=Question 1"]))  # the advice given works
    assert f.attempts[0].answers == {"q1": "2"}
    assert [(i.kind, i.question, i.rejected) for i in f.issues] == [("ignored-column", "q1", False)]


def test_identical_question_headers_are_told_apart_by_number(tmp_path):
    rows = [["student_id", "q1", "q2", "q3", "q4", "q5", "q6", "q1"],
            ["s001", "200", "0.5", "", "", "", "", "220"]]
    path = write_rows(tmp_path / "w.csv", rows)
    with pytest.raises(SubmissionError) as e:
        read(path)
    msg = str(e.value)
    assert msg.startswith(f"{path}, line 1: columns 2 and 8 ('q1' and 'q1') both hold q1.")
    assert "--map q1=#2 or --map q1=#8" in msg
    with pytest.raises(SubmissionError) as e:  # a header name cannot tell them apart
        read(path, {"q1": "q1"})
    assert "columns 2 and 8 are both named 'q1'" in str(e.value) and "--map q1=#2" in str(e.value)
    t, g = totals([path], column_map=parse_map_option(["q1=#8"]))
    assert t["s001"] == 3  # q1 from column 8 (220, right) + q2
    assert g.files[0].mapping["q1"] == "#8"  # reusable: the saved mapping names the number
    assert [(i.kind, i.question) for i in g.issues] == [("ignored-column", "q1")]
    assert "column 2 'q1'" in g.issues[0].detail and "column 8" in g.issues[0].detail
    with pytest.raises(SubmissionError, match="#1 to #8"):
        read(path, {"q1": "#9"})


@pytest.mark.parametrize("text,when", [
    ("2026-12-01 10:03:12", (2026, 12, 1, 10, 3, 12)),
    ("2026-12-01T10:03:12Z", (2026, 12, 1, 10, 3, 12)),
    ("2026/12/01 9:03", (2026, 12, 1, 9, 3, 0)),
    ("12/1/2026 10:03:12", (2026, 12, 1, 10, 3, 12)),
    ("12/1/2026 1:03:12 PM", (2026, 12, 1, 13, 3, 12)),
    ("2026. 12. 1 오후 3:04:05", (2026, 12, 1, 15, 4, 5)),
    ("2026. 12. 1 오전 12:04:05", (2026, 12, 1, 0, 4, 5)),
    ("2026-12-01", (2026, 12, 1, 0, 0, 0)),
    ("yesterday", None),
])
def test_timestamps(text, when):
    assert parse_when(text) == when


def test_day_first_is_decided_per_column(tmp_path):
    rows = [["Timestamp", "student_id", "q1"], ["13/12/2026 10:00", "s001", "200"],
            ["02/12/2026 10:00", "s001", "220"]]
    f = read(write_rows(tmp_path / "w.csv", rows))
    assert [a.when[:3] for a in f.attempts] == [(2026, 12, 13), (2026, 12, 2)]


# ---------------------------------------------------------------- header-only files

def test_header_only_file_is_an_error(tmp_path):
    path = write_rows(tmp_path / "h.csv", [["student_id", "q1", "q2"]])
    with pytest.raises(SubmissionError) as e:
        totals([path])
    assert str(e.value).startswith(f"{path}, line 1: has no rows")


def test_a_file_of_only_empty_rows_is_an_error_too(tmp_path):
    """Three rows of empty cells are no submissions: not a class graded as all zeros."""
    path = write_text(tmp_path / "e.csv", "student_id,q1,q2\n,,\n , ,\n,,\n")
    with pytest.raises(SubmissionError) as e:
        totals([path])
    assert str(e.value).startswith(f"{path}, line 1: has no rows: only a header and 3 row(s) of "
                                   "empty cells, no submissions")
    full = wide(tmp_path / "w.csv", {"s001": RIGHT["s001"]})   # beside a real file: a note
    t, g = totals([path, full])
    assert t["s001"] == 11
    assert [(i.kind, i.line) for i in g.issues] == [("no-rows", 1), ("empty-row", 2),
                                                   ("empty-row", 3), ("empty-row", 4)]


def test_every_column_not_read_is_noted_with_its_reason(tmp_path):
    """A second e-mail column, a 'Response' column of a wide file, a column with no header
    but text, an unknown name: each noted once, saying why; an empty unnamed column is not."""
    text = ("Zeitstempel,student_id,Email,Email Address,Response,,,q1,q2,Started on,Grade/10.00\n"
            "x,s001,a@b,c@d,foo,hello,,220,0.5,1 Dec,3\n")
    _, g = totals([write_text(tmp_path / "c.csv", text)], allow_missing=ANY)
    notes = {i.question: i.detail for i in g.issues}
    assert set(notes) == {"Zeitstempel", "Email Address", "Response", "#6", "Started on", "Grade/10.00"}
    assert "--map qN='Started on' for the answers to question N, or --map ROLE='Started on'" \
        in notes["Started on"]                                         # quoted for the shell
    assert "--map ROLE=Grade/10.00 with ROLE student_id, name, email or timestamp" in notes["Grade/10.00"]
    assert "looks like an e-mail column too, but column 3 is read for that" in notes["Email Address"]
    assert "answers are read from the question columns" in notes["Response"]
    assert notes["#6"].startswith("column 6 has no header but holds text")
    assert "--map ROLE=Zeitstempel" in notes["Zeitstempel"]
    assert all(i.kind == "unused-column" and not i.rejected for i in g.issues)


def test_header_only_file_beside_others_is_reported(tmp_path):
    empty = write_rows(tmp_path / "h.csv", [["student_id", "q1", "q2"]])
    full = wide(tmp_path / "w.csv", {"s001": RIGHT["s001"]})
    t, g = totals([empty, full])
    assert t["s001"] == 11
    assert [(i.file, i.line, i.kind, i.rejected) for i in g.issues] == [
        (str(empty), 1, "no-rows", False)]
    assert g.rows_reported == 0 and g.notes_reported == 1


# ---------------------------------------------------------------- timestamps and --keep

@pytest.mark.parametrize("text,when", [
    ("2 December 2026  9:00 AM", (2026, 12, 2, 9, 0, 0)),
    ("1 December 2026  10:00 PM", (2026, 12, 1, 22, 0, 0)),
    ("Saturday, 28 November 2026, 9:05 AM", (2026, 11, 28, 9, 5, 0)),
    ("1 Dec 2026 10:00", (2026, 12, 1, 10, 0, 0)),
    ("30 Nov 2026 10:00", (2026, 11, 30, 10, 0, 0)),
    ("30 Sept 2026 12:30 AM", (2026, 9, 30, 0, 30, 0)),
    ("Dec 1, 2026 10:00 AM", (2026, 12, 1, 10, 0, 0)),
    ("December 1, 2026 at 1:05:09 PM", (2026, 12, 1, 13, 5, 9)),
    ("13/25/2026 99:99", None), ("1 Foo 2026 10:00", None), ("Funday, 1 Dec 2026", None),
    ("2 December 2026 13:00 PM", None),
])
def test_lms_timestamps(text, when):
    assert parse_when(text) == when


def _keep_last(tmp_path, stamps, answers=None):
    """s001 submits len(stamps) times (WRONG... then RIGHT last in the file)."""
    wrong = ["200", "1", "16x30x30", "[[1,3],[2,4]]", "C", "A,B"]
    rows = [["Timestamp", "student_id", "q1", "q2", "q3", "q4", "q5", "q6"]]
    for k, ts in enumerate(stamps):
        sid, cells = ("s001", RIGHT["s001"] if k == len(stamps) - 1 else wrong)
        if isinstance(ts, tuple):
            sid, ts = ts
        rows.append([ts, sid, *cells])
    return totals([write_rows(tmp_path / "t.csv", rows)])


def test_keep_last_reads_moodle_timestamps(tmp_path):
    # the later submission (2 December) comes first in the file
    t, g = _keep_last(tmp_path, ["1 December 2026  10:00 AM", "2 December 2026  9:00 AM"][::-1])
    assert t["s001"] == 2  # the right answers are in the earlier (1 December) row
    assert [(i.kind, i.line) for i in g.issues] == [("duplicate-submission", 3)]
    assert "by the rule: the latest submission" in g.issues[0].detail


@pytest.mark.parametrize("first", ["yesterday", "13/25/2026 99:99", ""])
def test_unreadable_timestamp_falls_back_to_file_order_and_says_so(tmp_path, first):
    t, g = _keep_last(tmp_path, [first, "2026-12-01 09:00"])
    assert t["s001"] == 11  # the last row in the file
    kinds = [(i.kind, i.line, i.rejected) for i in g.issues]
    assert kinds == [("duplicate-submission", 2, True), ("kept-by-file-order", 3, False)]
    for i in g.issues:
        assert "by file order" in i.detail and "line 2" in i.detail
        assert (f"'{first}'" in i.detail) if first else ("has no timestamp" in i.detail)
    assert "graded the one in t.csv line 3" in g.issues[0].detail


def test_ambiguous_dates_fall_back_to_file_order(tmp_path):
    t, g = _keep_last(tmp_path, ["02/01/2026 10:00", "01/02/2026 09:00"])
    assert t["s001"] == 11
    assert [i.kind for i in g.issues] == ["duplicate-submission", "kept-by-file-order"]
    assert "2026-02-01 (month first) or 2026-01-02 (day first)" in g.issues[0].detail


def test_ambiguous_dates_decided_by_another_row(tmp_path):
    # 13/01/2026 can only be day first, so 02/01 is 2 January, later than 01/02 (1 February)?
    # no: day first, 02/01/2026 = 2 January and 01/02/2026 = 1 February: the second is later.
    t, g = _keep_last(tmp_path, ["01/02/2026 10:00", "02/01/2026 09:00",
                                 ("s002", "13/01/2026 08:00")])
    assert t["s001"] == 2  # the WRONG row (1 February) is the latest
    assert [(i.kind, i.line) for i in g.issues] == [("duplicate-submission", 3)]


def test_ambiguous_dates_that_order_alike_are_used(tmp_path):
    t, g = _keep_last(tmp_path, ["01/02/2026 11:00", "01/02/2026 10:00"])
    assert t["s001"] == 2  # either reading: the 11:00 row is the latest
    assert [i.kind for i in g.issues] == ["duplicate-submission"]


def test_garbage_date_does_not_flip_the_column(tmp_path):
    # 13/25/2026 is no date; it must not make the column day first
    t, g = _keep_last(tmp_path, ["02/01/2026 10:00", "01/02/2026 09:00",
                                 ("s002", "13/25/2026 99:99")])
    assert [i.kind for i in g.issues] == ["duplicate-submission", "kept-by-file-order"]


# ---------------------------------------------------------------- a question without a column

def test_question_without_a_column_stops_the_grading(tmp_path):
    """A wide file with no column for q3-q6 would give everyone 0 on them: an error naming
    the questions and both ways on (map the column, or --allow-missing)."""
    path = write_rows(tmp_path / "w.csv", [["student_id", "q1", "q2"], ["s001", "220", "0.5"]])
    with pytest.raises(SubmissionError) as e:
        totals([path])
    text = str(e.value)
    assert "w.csv, line 1: has no column for q3 ('Output shape of a convolution'), q4 " in text
    assert "--map q3='Column header'" in text and "--map q3=#N" in text
    assert "#1 'student_id', #2 'q1', #3 'q2'" in text
    assert text.endswith("pass --allow-missing q3,q4,q5,q6.")


def test_question_without_a_column_allowed_is_noted_and_scored_unanswered(tmp_path):
    path = write_rows(tmp_path / "w.csv", [["student_id", "q1", "q2"], ["s001", "220", "0.5"]])
    g = grade_files(QUIZ, [str(path)], allow_missing=["q3,q4", "Q5", "q6"])
    s1 = g.students[0]
    assert s1.total == 3 and [m.status for m in s1.marks][2:] == ["blank"] * 4
    assert [(i.kind, i.line, i.question, i.rejected) for i in g.issues] == [
        ("missing-column", 1, q, False) for q in ("q3", "q4", "q5", "q6")]
    with pytest.raises(QuizgenError, match="'q9' is not a question of the key"):
        grade_files(QUIZ, [str(path)], allow_missing=["q9"])


def test_a_class_split_over_files_needs_each_file_complete(tmp_path):
    """Two sections in two files, each with every column: graded; a file from which no
    student of the key is graded (unknown ids only) is not held to the key's questions."""
    a = wide(tmp_path / "a.csv", {"s001": RIGHT["s001"], "s002": RIGHT["s002"]})
    b = wide(tmp_path / "b.csv", {"s003": RIGHT["s003"], "s004": RIGHT["s004"]})
    c = write_rows(tmp_path / "c.csv", [["student_id", "q1"], ["x999", "1"]])
    t, g = totals([a, b, c])
    assert t == {"s001": 11, "s002": 11, "s003": 11, "s004": 11}
    short = write_rows(tmp_path / "d.csv", [["student_id", "q1"], ["s004", "280"]])
    with pytest.raises(SubmissionError, match="d.csv, line 1: has no column for q2"):
        totals([a, short])


# ---------------------------------------------------------------- Canvas "Student Analysis"

CANVAS_HEAD = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted",
               "attempt"]


def canvas(path, points, answers=RIGHT, texts=None):
    """A Canvas Student Analysis export: each answer column followed by its points column."""
    texts = texts or [f"{101 + k}: Question text {k + 1}" for k in range(len(points))]
    head = list(CANVAS_HEAD)
    for t, p in zip(texts, points):
        head += [t, p]
    rows = [head + ["n correct", "n incorrect", "score"]]
    for n, (sid, cells) in enumerate(answers.items()):
        row = [f"Student {n}", str(4700 + n), sid, "Sec 1", "11", "", "2026-12-01 09:40:00 UTC", "1"]
        for cell, p in zip(cells, points):
            row += [cell, p]
        rows.append(row + ["6", "0", "11.0"])
    return write_rows(path, rows)


def test_bare_numbers_with_part_0_are_no_question():
    m = SlotMatcher(SLOTS)
    assert m.match("1.0") is None and m.match("2.0") is None and m.match("q1.0") is None
    assert m.match("q3.0.1") is None and m.match("3_0") is None
    assert m.match("1").label() == "q1" and m.match("q3.1").label() == "q3.1"


@pytest.mark.parametrize("points", [
    ["2.0", "1.0", "3.0", "2.0", "1.0", "2.0"],      # repeated values (once: "both hold q1.0")
    ["1.0", "2.0", "3.0", "4.0", "5.0", "6.0"],      # distinct (once: read as q1.0 ... q6.0)
])
def test_canvas_student_analysis_answers_by_order(tmp_path, points):
    t, g = totals([canvas(tmp_path / "c.csv", points)])
    assert t == {"s001": 11, "s002": 11, "s003": 11, "s004": 11}
    f = g.files[0]
    assert f.mapping["q1"] == "101: Question text 1" and f.mapping["q6"] == "106: Question text 6"
    assert f.mapping["student_id"] == "sis_id"
    kinds = [(i.kind, i.question) for i in g.issues]
    assert kinds[0] == ("columns-by-order", "")
    assert "#9 '101: Question text 1' = q1" in g.issues[0].detail
    points_notes = [i for i in g.issues if "holds the points Canvas gave" in i.detail]
    assert len(points_notes) == 6  # every points column is noted, none is read


def test_canvas_student_analysis_of_another_size_says_how_to_map(tmp_path):
    path = canvas(tmp_path / "c.csv", ["2.0"] * 5, {s: c[:5] for s, c in RIGHT.items()})
    with pytest.raises(SubmissionError) as e:
        totals([path])
    text = str(e.value)
    assert "looks like a Canvas 'Student Analysis' export with 5 answer column(s)" in text
    assert "the key has 6 question(s) (q1, q2, q3, q4, q5, q6)" in text
    assert "--map q1=#9 --map q2=#11 --map q3=#13 --map q4=#15 --map q5=#17 ..." in text
    # following it (with --allow-missing for the question Canvas has no column for) grades
    t, _ = totals([path], column_map={f"q{k + 1}": f"#{9 + 2 * k}" for k in range(5)},
                  allow_missing=("q6",))
    assert t == {"s001": 9, "s002": 9, "s003": 9, "s004": 9}


def test_map_of_a_part_0_names_the_key_questions(tmp_path):
    path = canvas(tmp_path / "c.csv", ["1.0"] * 6)
    with pytest.raises(SubmissionError) as e:
        totals([path], column_map={"q1.0": "#10"})
    assert "--map names 'q1.0', which is neither a column role" in str(e.value)
    assert "nor a question of the key (q1, q2, q3, q4, q5, q6;" in str(e.value)


# ---------------------------------------------------------------- a stray quote

@pytest.mark.parametrize("text,line,says", [
    # the quote runs to the end of the file: s003's row would be part of s002's answer
    ('student_id,q1,q2\ns001,220,0.5\ns002,"240,1\ns003,260,2.5\n', 3,
     "never closed, so line 4 ('s003,260,2.5'...)"),
    # closed by another stray quote two rows on: the rows between would vanish
    ('student_id,q1,q2\ns002,"240,1\ns003,260,2.5\ns004,"280",5\n', 2,
     "closed only on line 4, so lines 3-4 ('s003,260,2.5'...)"),
])
def test_a_stray_quote_that_swallows_rows_is_an_error(tmp_path, text, line, says):
    with pytest.raises(SubmissionError) as e:
        read(write_text(tmp_path / "w.csv", text))
    assert f"w.csv, line {line}: a quote (\") opened in this row is {says}" in str(e.value)
    assert "Remove the stray quote or close it" in str(e.value)



def test_a_stray_quote_closed_by_the_next_students_own_quoted_cell_is_an_error(tmp_path):
    """s001's last answer opens a stray quote; s002's row, whose matrix is typed on two
    quoted lines, closes it: s002's row would vanish into s001's cell (graded "missing")."""
    text = ('student_id,q1,q2,q3\ns001,220,0.5,"B\ns002,240,1,"1 2\n3 4"\n'
            's003,260,2.5,C\n')
    with pytest.raises(SubmissionError) as e:
        read(write_text(tmp_path / "w.csv", text))
    assert ("w.csv, line 2: a quote (\") opened in this row is closed only on line 3, so "
            "line 3 ('s002,240,1,1 2'...)") in str(e.value)


@pytest.mark.parametrize("ids,rows", [
    # university numbers; a matrix typed one row per line with commas (as wide as the file)
    (["20231001", "20231002"],
     '20231001,q4,"3,-9,3,-9\n11,-5,2,-7\n11,1,5,-9"\n20231002,q4,"7,19,16\n10,6,14"\n'),
    # small numbers that are also matrix entries: a matrix line is all numbers
    (["1", "2", "11"], '1,q4,"1,0,0\n2,1,0\n11,-5,2"\n2,q4,"2, 0\n1, 2.5"\n'),
    # a choice answer on several lines under an id like a name
    (["kim", "lee"], 'kim,q3,"B, C,\nD"\nlee,q3,"A,\nB, C, D"\n'),
])
def test_a_long_file_with_quoted_multi_line_answers_reads(tmp_path, ids, rows):
    path = write_text(tmp_path / "l.csv", "student,question,answer\n" + rows)
    f = read_file(path, SlotMatcher(SLOTS), IdLookup(ids), {})
    assert [a.student_id for a in f.attempts] == ids[:2]
    assert "\n" in f.attempts[0].answers[f"q{rows.split(',q')[1][0]}"]


def test_a_short_numeric_id_swallowed_with_its_answers_is_an_error(tmp_path):
    text = 'student,question,answer\n1,q1,"220\n2,q1,240\n3,q1,"260"\n'
    with pytest.raises(SubmissionError, match="l.csv, line 2: a quote"):
        read_file(write_text(tmp_path / "l.csv", text), SlotMatcher(SLOTS),
                  IdLookup(["1", "2", "3"]), {})

def test_answers_on_several_quoted_lines_still_read(tmp_path):
    """A matrix typed over lines in a quoted cell, with commas, also the file's last row."""
    text = ('student_id,q4,q5\ns001,"1,2\n3,4",A\ns002,"1 3\n3 4",A\n'
            's003,A,"1,4\n3,4"\ns004,"[[1,5],\n[3,4]]",A')
    t, g = totals([write_text(tmp_path / "w.csv", text)], allow_missing=ANY)
    assert t["s001"] == 3 and t["s002"] == 3 and t["s004"] == 3  # q4 (2) + q5 (1) right
    # s003 swapped the two answers: each unreadable for its type, not a quote error
    assert [(i.kind, i.line) for i in g.issues] == [("unreadable-answer", 6)] * 2


# ---------------------------------------------------------------- encodings, sep=, large cells

def test_a_bom_wins_over_encoding(tmp_path):
    """An Excel 'CSV UTF-8' file (BOM) and a cp949 file grade in one run with --encoding."""
    a = write_text(tmp_path / "a.csv", "\ufeff학번,이름,q1\ns001,김민준,220\n")
    b = write_text(tmp_path / "b.csv", "학번,이름,q1\ns002,이서연,240\n", "cp949")
    t, g = totals([a, b], encoding="cp949", allow_missing=ANY)
    assert t["s001"] == 2 and t["s002"] == 2
    assert g.files[0].mapping["student_id"] == "학번"
    c = write_text(tmp_path / "c.csv", "학번,이름,q1\ns002,이서연,240\n")  # UTF-8, no BOM
    with pytest.raises(SubmissionError, match="It is UTF-8 text: grade it in a run without "
                                              "--encoding"):
        read(c, encoding="cp949")


def test_excel_sep_line_names_the_delimiter(tmp_path):
    f = read(write_text(tmp_path / "s.csv", "sep=;\r\nstudent_id;q1;q2\r\ns001;220;0,5\r\n"))
    assert f.delimiter == ";" and f.header_line == 2
    assert f.attempts[0].answers == {"q1": "220", "q2": "0,5"} and f.attempts[0].lines == [3]


def test_a_large_answer_cell_is_read(tmp_path):
    big = "1 " * 300_000  # 600 KB: above csv's default field limit of 128 KB
    f = read(write_text(tmp_path / "b.csv", f'student_id,q1\ns001,"{big}"\ns002,240\n'))
    assert len(f.attempts[0].answers["q1"]) == len(big) and f.attempts[1].answers["q1"] == "240"


def test_many_rows_with_multi_line_cells_read_in_linear_time(tmp_path):
    """5,000 rows, each with matrices typed on several lines (1.5 MB): the line count of the
    file is taken once, not once per such row (which took 6 s here, 126 s for 30,000 rows)."""
    row = "s{:04d}," + ",".join(['"1 2 3 4\n5 6 7 8\n9 10 11 12"'] * 6) + "," + "x" * 120 + "\n"
    text = "student_id," + ",".join(f"q{i}" for i in range(1, 8)) + "\n" \
        + "".join(row.format(i) for i in range(5000))
    path = write_text(tmp_path / "big.csv", text)
    t = time.perf_counter()
    rows, _ = read_rows(path)
    assert time.perf_counter() - t < 2.0
    assert len(rows) == 5001 and rows[-1].line == 2 + 4999 * 13
