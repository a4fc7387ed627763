"""What a TA reviews after grading: the notes in issues.csv and the report, and the language
of the instructor's files under ``--lang ko``."""
from __future__ import annotations

import csv
import io
import json

from grading_helpers import KEY, RIGHT, wide, write_rows
from quizgen.grading import grade


def read_csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def key_with(tmp_path, change, name="key.json"):
    """The fixture key after ``change(data)``."""
    data = json.loads(KEY.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def numeric_ids(*ids):
    def change(data):
        for st, sid in zip(data["students"], ids):
            st["student_id"] = sid
    return change


# ---------------------------------------------------------------- a word after the answer

def test_a_word_left_out_is_a_note_in_issues_csv(tmp_path):
    path = wide(tmp_path / "w.csv", {"s001": ["220 parameters", *RIGHT["s001"][1:]],
                                     "s002": ["220 params", "1.0 nats", *RIGHT["s002"][2:]]})
    out = tmp_path / "out"
    r = grade(KEY, [path], out)
    by_id = {s.student_id: s for s in r.graded.students}
    assert by_id["s001"].total == 11  # full credit for a right number with a unit
    assert by_id["s002"].marks[0].misconception == "forgot-bias"
    issues = read_csv(out / "issues.csv")
    assert [(i["line"], i["kind"], i["student_id"], i["question"], i["graded"])
            for i in issues] == [("2", "unit-ignored", "s001", "q1", "yes"),
                                 ("3", "unit-ignored", "s002", "q1", "yes"),
                                 ("3", "unit-ignored", "s002", "q2", "yes")]
    assert issues[0]["detail"] == ("'220 parameters': the word 'parameters' after the answer "
                                   "was not read; scored as '220' (2 of 2 points)")
    assert issues[1]["detail"].endswith("scored as '220' (0 of 2 points)")
    assert "issues.csv also has 3 note(s)" in r.describe()
    md = (out / "feedback" / "s001.md").read_text(encoding="utf-8")
    assert "- Correct. The word 'parameters' after your answer was not read; the number was " \
           "scored." in md
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| word after a number not read (the number was scored) | 3 |" in report


def test_a_word_left_out_in_a_long_file_names_the_answers_line(tmp_path):
    rows = [["student", "question", "answer"], ["s001", "q1", "220"],
            ["s001", "q2", "0.5"], ["s001", "q3", "16x32x32 values"]]
    out = tmp_path / "out"
    r = grade(KEY, [write_rows(tmp_path / "long.csv", rows)], out, feedback_files=False)
    assert r.graded.students[0].marks[2].status == "correct"
    assert [(i.line, i.kind, i.question) for i in r.issues] == [(4, "unit-ignored", "q3")]


def test_garbage_stays_unreadable_and_no_note(tmp_path):
    path = wide(tmp_path / "w.csv", {"s001": ["220 or 200", "about 0.5", "16k x 32", "", "", ""]})
    r = grade(KEY, [path], tmp_path / "out", feedback_files=False)
    marks = r.graded.students[0].marks[:3]
    assert [m.status for m in marks] == ["invalid", "invalid", "wrong"]  # 16k: an unread entry
    assert [m.unit for m in marks] == ["", "", ""] and r.issues == []


# ---------------------------------------------------------------- ids without leading zeros

def test_an_id_matched_without_its_leading_zeros_is_a_note(tmp_path):
    key = key_with(tmp_path, numeric_ids("00101", "00102", "00109", "s004"))
    path = wide(tmp_path / "w.csv", {"109": RIGHT["s003"], "00101": RIGHT["s001"]})
    out = tmp_path / "out"
    r = grade(key, [path], out, feedback_files=False)
    assert r.graded.students[2].total == 11  # graded as 00109
    issues = read_csv(out / "issues.csv")
    assert [(i["line"], i["kind"], i["student_id"], i["graded"]) for i in issues] == [
        ("2", "id-matched", "109", "yes")]
    assert issues[0]["detail"] == ("'109' was matched to the key's '00109': its leading zeros "
                                   "were lost (a spreadsheet drops them); check that this is "
                                   "the right student")
    assert "| student id matched without its leading zeros | 1 |" in \
        (out / "report.md").read_text(encoding="utf-8")


def test_an_id_that_fits_two_ids_is_refused_naming_lost_zeros(tmp_path):
    key = key_with(tmp_path, numeric_ids("0109", "00109", "00101", "s004"))
    path = wide(tmp_path / "w.csv", {"109": RIGHT["s001"], "5": RIGHT["s001"]})
    r = grade(key, [path], tmp_path / "out", feedback_files=False)
    assert not any(s.submitted for s in r.graded.students)
    first, second = r.issues
    assert (first.kind, first.student_id, first.rejected) == ("unknown-student", "109", True)
    assert first.detail == ("'109' is not a student of the key: without leading zeros it matches "
                            "0109, 00109 (leading zeros lost in a spreadsheet?), so it is not "
                            "graded; write the full id in a copy of the file and grade again")
    assert second.detail == "'5' is not a student of the key"


def test_ids_written_in_full_give_no_note(tmp_path):
    key = key_with(tmp_path, numeric_ids("00101", "00102", "00109", "s004"))
    path = wide(tmp_path / "w.csv", {"00109": RIGHT["s003"], "S004": RIGHT["s004"]})
    r = grade(key, [path], tmp_path / "out", feedback_files=False)
    assert r.issues == [] and r.graded.students[3].total == 11


# ---------------------------------------------------------------- --lang ko for the instructor

def test_korean_instructor_files(tmp_path):
    key = key_with(tmp_path, numeric_ids("00101", "00102", "00109", "s004"))
    rows = [["student_id", "q1", "q2"], ["109", "260 parameters", "2.5"], ["x9", "1", ""],
            ["00101", "220", "0.5", "extra"]]
    out = tmp_path / "out"
    grade(key, [write_rows(tmp_path / "w.csv", rows)], out, lang="ko")
    issues = read_csv(out / "issues.csv")
    assert [i["kind"] for i in issues] == ["id-matched", "unit-ignored", "unknown-student",
                                           "unreadable"]  # kind codes stay English
    details = [i["detail"] for i in issues]
    assert details[0] == ("'109'을(를) 정답지의 '00109'(으)로 맞췄습니다. 앞자리 0이 사라진 "
                          "학번입니다(스프레드시트가 지웁니다). 맞는 학생인지 확인하세요")
    assert details[1] == ("'260 parameters': 답 뒤의 'parameters'은(는) 읽지 않고 '260'(으)로 "
                          "채점했습니다(2점 중 2점)")
    assert details[2] == "'x9'은(는) 정답지에 없는 학번입니다"
    assert details[3].startswith("행의 칸이 4개인데 머리글은 3개입니다")
    assert all(not any("a" <= c <= "z" for c in d.replace("parameters", "").replace("x9", ""))
               for d in details)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "`w.csv` (가로형, 쉼표)" in report and "(wide, comma)" not in report
    assert "![점수 분포 히스토그램](score-histogram.png)" in report
    assert "정답지의 학생 수" in report and "정답 키" not in report
    assert "| 앞자리 0 없이 맞춘 학번 | 1 |" in report
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'alt="점수 분포 히스토그램"' in html and 'alt="histogram"' not in html
    md = (out / "feedback" / "00109.md").read_text(encoding="utf-8")
    assert "답 뒤의 'parameters'은(는) 읽지 않고 숫자만 채점했습니다." in md


def test_korean_details_of_duplicates_and_timestamps(tmp_path):
    rows = [["Timestamp", "student_id", "q1"], ["soon", "s001", "200"],
            ["2026-12-01 10:00", "s001", "220"]]
    out = tmp_path / "out"
    grade(KEY, [write_rows(tmp_path / "t.csv", rows)], out, lang="ko", feedback_files=False)
    issues = read_csv(out / "issues.csv")
    assert [i["kind"] for i in issues] == ["duplicate-submission", "kept-by-file-order"]
    assert issues[0]["detail"] == (
        "제출 2건 중 t.csv 3행의 제출을 채점했습니다. 파일 순서로 골랐습니다(파일에서 마지막 "
        "제출). 이유: 'soon'(t.csv 2행)은(는) quizgen이 읽을 수 있는 날짜·시각이 아닙니다")
    grade(KEY, [write_rows(tmp_path / "t.csv", rows)], tmp_path / "en", feedback_files=False)
    english = read_csv(tmp_path / "en" / "issues.csv")
    assert english[0]["detail"] == (
        "2 submissions; graded the one in t.csv line 3, by file order (the last one in file "
        "order), because 'soon' (t.csv line 2) is not a date and time quizgen can read")


def test_korean_moodle_feedback_column(tmp_path):
    text = "student_id,q1,q2\ns001,220,0,5\ns002,240,1\n"  # s001's row has a stray comma
    path = tmp_path / "w.csv"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    grade(KEY, [path], out, lang="ko", feedback_files=False)
    moodle = read_csv(out / "moodle-grades.csv")
    assert moodle[0]["Feedback"] == "채점하지 않음: 제출한 답안을 읽을 수 없음(w.csv 2행, issues.csv 참고)"
    assert moodle[2]["Feedback"] == "제출 없음"
