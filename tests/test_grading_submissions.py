"""Reading submission CSVs: every input shape and messy spelling of real exports."""
from __future__ import annotations

import pytest

from grading_helpers import KEY, RIGHT, wide, write_rows, write_text
from quizgen.errors import SubmissionError
from quizgen.grading.columns import SlotMatcher
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
    g = grade_files(QUIZ, [str(p) for p in paths], **kw)
    return {s.student_id: s.total for s in g.students}, g


@pytest.mark.parametrize("header", [
    ["student_id", "q1", "q2", "q3", "q4", "q5", "q6"],
    ["Student ID", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6"],
    ["학번", "Question 1", "Question 2", "Question 3", "Question 4", "Question 5", "Question 6"],
    ["ID", "1", "2", "3", "4", "5", "6"],
    ["id", "Q1. How many parameters?", "Q2: MSE", "Q3 (3 points)", "문항 4", "5번", "q 6"],
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
    assert g.rows_read == 2  # the all-empty row is no row


def test_split_columns(tmp_path):
    rows = [["student_id", "q3.1", "q3.2", "q3.3", "q4_1", "q4_2", "q4_3", "q4_4"],
            ["s001", "16", "32", "32", "1", "2", "3", "4"],
            ["s002", "16", "34", "33", "1", "3", "3", ""]]
    t, g = totals([write_rows(tmp_path / "s.csv", rows)])
    assert t["s001"] == 5
    m3, m4 = g.students[1].marks[2], g.students[1].marks[3]
    assert m3.status == "partial" and m3.points == 2.0  # 2 of 3 components, 3 points
    assert m4.status == "invalid"  # 3 cells cannot fill a 2x2 matrix
    assert g.files[0].mapping["q3.2"] == "q3.2"


def test_split_matrix_row_column(tmp_path):
    rows = [["student_id", "q4.1.1", "q4.1.2", "q4.2.1", "q4.2.2"], ["s001", "1", "2", "3", "4"]]
    t, _ = totals([write_rows(tmp_path / "s.csv", rows)])
    assert t["s001"] == 2


def test_long_layout(tmp_path):
    rows = [["student", "question", "answer", "submitted"]]
    for sid, cells in RIGHT.items():
        rows += [[sid, f"Q{i}", c, "2026-12-01 10:00"] for i, c in enumerate(cells, 1)]
    rows.append(["s001", "q9", "1", "2026-12-01 10:00"])
    path = write_rows(tmp_path / "long.csv", rows)
    f = read(path)
    assert f.layout == "long" and f.mapping["question"] == "question"
    t, g = totals([path])
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
    _, g = totals([write_rows(tmp_path / "w.csv", rows)])
    (issue,) = g.issues
    assert (issue.kind, issue.line, issue.question, issue.rejected) == \
        ("unknown-question", 1, "q9", False)


def test_row_wider_than_header_is_unreadable(tmp_path):
    text = "student_id,q1,q2\ns001,220,0,5\ns002,240,1\n"  # unquoted decimal comma
    t, g = totals([write_text(tmp_path / "w.csv", text)])
    assert [(i.kind, i.line) for i in g.issues] == [("unreadable", 2)]
    assert t["s002"] == 3 and not g.students[0].submitted


def test_quoted_multiline_cells_keep_line_numbers(tmp_path):
    text = 'student_id,q4\ns001,"1 2\n3 4"\nzz,1\n'
    _, g = totals([write_text(tmp_path / "w.csv", text)])
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
