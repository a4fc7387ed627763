"""`quizgen grade` and `quizgen simulate` through the CLI: results, messages, exit codes."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from grading_helpers import KEY, RIGHT, wide, write_rows
from quizgen.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_simulate_then_grade(tmp_path):
    subs = tmp_path / "subs.csv"
    r = run("simulate", KEY, "--out", subs, "--seed", "3", "--layout", "long",
            "--delimiter", ";")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("Wrote ") and subs.exists()
    assert " rows to " in r.output and "(long layout: a row per answer): " in r.output
    assert " of the key's 4 students" in r.output and " not in the key." in r.output
    r = run("grade", KEY, subs, "--out", tmp_path / "graded")
    assert r.exit_code == 0, r.output
    assert "Rows: " in r.output and "Columns of subs.csv (long)" in r.output
    assert (tmp_path / "graded" / "report.html").exists()


def test_grade_options_reach_the_library(tmp_path):
    rows = [["Kennung", "A1", "A5"], ["s001", "220", "B"]]
    path = write_rows(tmp_path / "w.csv", rows)
    out = tmp_path / "out"
    r = run("grade", KEY, path, "--out", out, "--map", "student_id=Kennung", "--map",
            "q1=A1,q5=A5", "--penalty", "0.5", "--partial", "all", "--lang", "ko",
            "--no-feedback", "--allow-missing", "q2,q3", "--allow-missing", "q4,q6")
    assert r.exit_code == 0, r.output
    assert "student_id='Kennung'" in r.output
    grades = (out / "grades.csv").read_text(encoding="utf-8-sig").splitlines()
    assert grades[1].startswith("s001,Ada Lovelace,,V1X,graded,,2,0,0,0,-0.5,0,1.5,11,")
    assert not (out / "feedback").exists()
    assert "채점 보고서" in (out / "report.md").read_text(encoding="utf-8")
    assert "q1: A1" in (out / "column-mapping.yaml").read_text(encoding="utf-8")


def test_saved_mapping_can_be_reused(tmp_path):
    rows = [["Kennung", "A1"], ["s001", "220"]]
    path = write_rows(tmp_path / "w.csv", rows)
    assert run("grade", KEY, path, "--out", tmp_path / "a", "--map", "student_id=Kennung",
               "--map", "q1=A1", "--allow-missing", "q2,q3,q4,q5,q6").exit_code == 0
    r = run("grade", KEY, path, "--out", tmp_path / "b", "--map",
            tmp_path / "a" / "column-mapping.yaml", "--allow-missing", "q2,q3,q4,q5,q6")
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("make,needle", [
    (lambda p: p.write_bytes(b"PK\x03\x04zip"), "is a spreadsheet workbook"),
    (lambda p: p.write_bytes("학번,q1\ns001,1\n".encode("cp949")),
     "line 1: is not utf-8 text"),
    (lambda p: p.write_text("name,q1\nAda,220\n", encoding="utf-8"),
     "line 1: has no student-id column"),
])
def test_bad_submissions_exit_2(tmp_path, make, needle):
    path = tmp_path / "bad.csv"
    make(path)
    r = run("grade", KEY, path, "--out", tmp_path / "out")
    assert r.exit_code == 2
    assert r.output.startswith(f"Error: {path}") and needle in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("content,needle", [
    ("not json at all", "line 1: is not valid JSON"),
    ('{"format": "quizgen-key/2", "students": []}', "key format 'quizgen-key/2'"),
    ('{"students": []}', "is not a quizgen key"),
])
def test_bad_key_exit_2(tmp_path, content, needle):
    key = tmp_path / "key.json"
    key.write_text(content, encoding="utf-8")
    subs = wide(tmp_path / "w.csv", RIGHT)
    r = run("grade", key, subs, "--out", tmp_path / "out")
    assert r.exit_code == 2 and needle in r.output and str(key) in r.output


def test_simulate_bad_key_exit_2(tmp_path):
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"format": "x"}), encoding="utf-8")
    r = run("simulate", key, "--out", tmp_path / "s.csv")
    assert r.exit_code == 2 and "is not a quizgen key" in r.output


def test_grade_needs_a_submission(tmp_path):
    r = run("grade", KEY)
    assert r.exit_code == 2 and "Missing argument" in r.output


def test_generate_simulate_grade_end_to_end(tmp_path):
    exam, subs, graded = tmp_path / "exam", tmp_path / "subs.csv", tmp_path / "graded"
    r = CliRunner().invoke(main, ["generate", "--students", "12", "--out", str(exam),
                                  "--secret", "e2e"], env={"QUIZGEN_SECRET": ""})
    assert r.exit_code == 0, r.output
    assert run("simulate", exam / "key.json", "--out", subs, "--seed", "2").exit_code == 0
    r = run("grade", exam / "key.json", subs, "--out", graded)
    assert r.exit_code == 0, r.output
    report = (graded / "report.md").read_text(encoding="utf-8")
    assert "Cronbach's alpha" in report or "KR-20" in report
    assert "| q1 |" in report and "## Misconceptions" in report
    assert len(list((graded / "feedback").glob("*.html"))) == 12
    first = run("grade", exam / "key.json", subs, "--out", tmp_path / "again")
    assert first.exit_code == 0
    for name in ("grades.csv", "report.html", "score-histogram.png", "issues.csv"):
        assert (graded / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def test_header_only_submissions_exit_2(tmp_path):
    empty = write_rows(tmp_path / "h.csv", [["student_id", "q1", "q2"]])
    r = run("grade", KEY, empty, "--out", tmp_path / "out")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert r.output == (f"Error: {empty}, line 1: has no rows: only a header, no submissions. "
                        "Export the responses again (with their rows), or check that this is "
                        "the right file.\n")
    assert not (tmp_path / "out").exists()
    full = wide(tmp_path / "w.csv", {"s001": RIGHT["s001"]})
    r = run("grade", KEY, empty, full, "--out", tmp_path / "out")
    assert r.exit_code == 0
    assert ("Warning: h.csv has no rows with answers (only a header, or rows of empty cells): "
            "no submission came from it.") in r.stderr
    issues = (tmp_path / "out" / "issues.csv").read_text(encoding="utf-8-sig")
    assert "h.csv,1,no-rows,,,yes," in issues


def test_unknown_question_column_is_counted(tmp_path):
    rows = [["student_id", "q1", "q2", "q3", "q4", "q5", "q6", "q9"],
            ["s001", "220", "0.5", "", "", "", "", "5"]]
    r = run("grade", KEY, write_rows(tmp_path / "w.csv", rows), "--out", tmp_path / "out")
    assert r.exit_code == 0
    assert ("Rows: 1 read = 1 graded + 0 not graded (each in issues.csv). issues.csv also has "
            "1 note(s) on graded rows, columns or files.") in r.output
    issues = (tmp_path / "out" / "issues.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(issues) == 2 and ",unknown-question,,q9,yes," in issues[1]


def test_malformed_map_file_exit_2(tmp_path):
    m = tmp_path / "map.yaml"
    m.write_text("student_id: Matrikel\nq1 Answer 1\n", encoding="utf-8")
    r = run("grade", KEY, wide(tmp_path / "w.csv", RIGHT), "--map", m, "--out", tmp_path / "o")
    assert r.exit_code == 2 and r.output.count("\n") == 1
    assert r.output.startswith(f"Error: {m}, line 2, field '--map': is not a readable column "
                               "mapping (YAML: could not find expected ':').")


def test_duplicate_column_advice_works(tmp_path):
    rows = [["student_id", "q1", "q2", "q1", "q3", "q4", "q5", "q6"],
            ["s001", "200", "0.5", "220", "", "", "", ""]]
    path = write_rows(tmp_path / "w.csv", rows)
    r = run("grade", KEY, path, "--out", tmp_path / "o")
    assert r.exit_code == 2 and "columns 2 and 4 ('q1' and 'q1') both hold q1" in r.output
    r = run("grade", KEY, path, "--out", tmp_path / "o", "--map", "q1=#4")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "o" / "grades.csv").read_text(encoding="utf-8-sig").splitlines()[1] \
        .startswith("s001,Ada Lovelace,,V1X,graded,,2,1,")


def test_other_key_in_out_needs_force(tmp_path):
    data = json.loads(KEY.read_text(encoding="utf-8"))
    data["exam"]["id"] = "another-exam"
    data["students"] = data["students"][:1]
    data["students"][0]["student_id"] = "t001"
    other = tmp_path / "k2.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out"
    assert run("grade", KEY, wide(tmp_path / "w.csv", RIGHT), "--out", out).exit_code == 0
    subs = write_rows(tmp_path / "t.csv", [["student_id", "q1"], ["t001", "220"]])
    r = run("grade", other, subs, "--out", out, "--allow-missing", "q2,q3,q4,q5,q6")
    assert r.exit_code == 2 and "holds the grading of another exam" in r.output
    assert (out / "feedback" / "s001.md").exists()
    r = run("grade", other, subs, "--out", out, "--force", "--allow-missing", "q2,q3,q4,q5,q6")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["t001.html", "t001.md"]


@pytest.mark.parametrize("command", ["grade", "simulate"])
def test_damaged_key_message_fits_the_command(tmp_path, command):
    key = tmp_path / "key.json"
    key.write_text(KEY.read_text(encoding="utf-8") + "GARBAGE{}", encoding="utf-8")
    args = ([wide(tmp_path / "w.csv", RIGHT), "--out", tmp_path / "o"] if command == "grade"
            else ["--out", tmp_path / "s.csv"])
    r = run(command, key, *args)
    assert r.exit_code == 2 and "has text after the end of the key" in r.output
    assert "Grade with" not in r.output and "Traceback" not in r.output
    nostudents = tmp_path / "n.json"
    nostudents.write_text(json.dumps({"format": "quizgen-key/1", "exam": {"id": "x"}}),
                          encoding="utf-8")
    r = run(command, nostudents, *args)
    assert r.exit_code == 2 and 'has no "students" field' in r.output


def test_question_without_a_column_exits_2_and_writes_nothing(tmp_path):
    path = write_rows(tmp_path / "w.csv", [["student_id", "q1", "q2", "q3", "q4", "q5"],
                                          ["s001", "220", "0.5", "", "", "A"]])
    r = run("grade", KEY, path, "--out", tmp_path / "out")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "has no column for q6 ('Regularisation'), a question of the key" in r.output
    assert "pass --allow-missing q6." in r.output and not (tmp_path / "out").exists()
    r = run("grade", KEY, path, "--out", tmp_path / "out", "--allow-missing", "q6")
    assert r.exit_code == 0, r.output
    assert "Warning: w.csv has no column for q6: scored as unanswered (0)" in r.output
    issues = (tmp_path / "out" / "issues.csv").read_text(encoding="utf-8-sig")
    assert "w.csv,1,missing-column,,q6,yes," in issues
