"""What a TA reviews after grading: notes in issues.csv (a word left out after an answer,
an id matched without its leading zeros), the report's item table (topic slots that mix
templates, accepted margins), its misconception table (what the papers' feedback texts
share), and the language of the instructor's files under ``--lang ko``."""
from __future__ import annotations

import csv
import io
import json

import pytest

from grading_helpers import ANY, KEY, RIGHT, wide, write_rows
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


@pytest.mark.parametrize("lang,details", [
    ("en", ["'220 parameters.': the word 'parameters' after the answer was not read; scored "
            "as '220' (2 of 2 points)",
            "'1.0 nats.': the word 'nats' after the answer was not read; scored as '1.0' "
            "(1 of 1 point)",
            "'260개.': the word '개' after the answer was not read; scored as '260' "
            "(2 of 2 points)",
            "'16x36x36 Values.': the word 'Values' after the answer was not read; scored as "
            "'16x36x36' (3 of 3 points)"]),
    ("ko", ["'220 parameters.': 답 뒤에 쓴 단어('parameters')는 읽지 않고 '220'으로 "
            "채점했습니다(2점 중 2점)",
            "'1.0 nats.': 답 뒤에 쓴 단어('nats')는 읽지 않고 '1.0'으로 채점했습니다(1점 중 1점)",
            "'260개.': 답 뒤에 쓴 단어('개')는 읽지 않고 '260'으로 채점했습니다(2점 중 2점)",
            "'16x36x36 Values.': 답 뒤에 쓴 단어('Values')는 읽지 않고 '16x36x36'으로 "
            "채점했습니다(3점 중 3점)"]),
], ids=["en", "ko"])
def test_a_note_quotes_exactly_what_was_scored_after_a_full_stop(tmp_path, lang, details):
    path = wide(tmp_path / "w.csv", {
        "s001": ["220 parameters.", *RIGHT["s001"][1:]],
        "s002": [RIGHT["s002"][0], "1.0 nats.", *RIGHT["s002"][2:]],
        "s003": ["260개.", RIGHT["s003"][1], "16x36x36 Values.", *RIGHT["s003"][3:]]})
    out = tmp_path / "out"
    r = grade(KEY, [path], out, feedback_files=False, lang=lang)
    assert [s.total for s in r.graded.students[:3]] == [11, 11, 11]
    issues = read_csv(out / "issues.csv")
    assert [i["kind"] for i in issues] == ["unit-ignored"] * 4
    assert [i["detail"] for i in issues] == details


def test_a_word_left_out_in_a_long_file_names_the_answers_line(tmp_path):
    rows = [["student", "question", "answer"], ["s001", "q1", "220"],
            ["s001", "q2", "0.5"], ["s001", "q3", "16x32x32 values"]]
    out = tmp_path / "out"
    r = grade(KEY, [write_rows(tmp_path / "long.csv", rows)], out, feedback_files=False)
    assert r.graded.students[0].marks[2].status == "correct"
    assert [(i.line, i.kind, i.question) for i in r.issues] == [(4, "unit-ignored", "q3")]


def test_garbage_stays_unreadable_and_no_unit_note(tmp_path):
    path = wide(tmp_path / "w.csv", {"s001": ["220 or 200", "about 0.5", "16k x 32", "", "", ""]})
    r = grade(KEY, [path], tmp_path / "out", feedback_files=False)
    marks = r.graded.students[0].marks[:3]
    assert [m.status for m in marks] == ["invalid", "invalid", "wrong"]  # 16k: an unread entry
    assert [m.unit for m in marks] == ["", "", ""]
    assert [(i.kind, i.question) for i in r.issues] == [("unreadable-answer", "q1"),
                                                        ("unreadable-answer", "q2")]


@pytest.mark.parametrize("lang,q3,q4", [
    ("en", ("- Your answer could not be read: the word 'channels' after the numbers is not "
            "understood. It scores 0."),
     ("- Partly correct: 3 of 4 parts right. Not every entry could be read (could not read "
      "'four' as a number); such an entry counts as wrong.")),
    ("ko", "- 답을 읽을 수 없어 0점 처리했습니다: 숫자 뒤에 쓴 단어('channels')를 이해할 수 없습니다.",
     ("- 부분 정답입니다: 4개 중 3개가 맞았습니다. 읽을 수 없는 항목은 오답으로 "
      "처리했습니다(답('four')을 숫자로 읽을 수 없습니다).")),
], ids=["en", "ko"])
def test_a_word_after_a_shape_is_unreadable_in_the_feedback_not_a_wrong_size(tmp_path, lang,
                                                                              q3, q4):
    path = wide(tmp_path / "w.csv", {"s001": ["220", "0.5", "16 x 32 x 32 channels", "1 2; 3 four",
                                              "A", "A,C"]})
    out = tmp_path / "out"
    r = grade(KEY, [path], out, lang=lang)
    marks = r.graded.students[0].marks
    assert [(m.status, m.points) for m in marks[2:4]] == [("invalid", 0.0), ("partial", 1.5)]
    md = (out / "feedback" / "s001.md").read_text(encoding="utf-8")
    assert q3 in md and q4 in md
    assert "dimension" not in md and "차원" not in md  # no wrong-size message
    # not a word left out (no unit-ignored note): an unreadable answer, for the TA to look at
    assert [(i.kind, i.question) for i in r.issues] == [("unreadable-answer", "q3")]


# ---------------------------------------------------------------- an unreadable answer

@pytest.mark.parametrize("lang,details,kind", [
    ("en", ["'220 or 200': could not read '220 or 200' as a number; scored 0 of 2 points "
            "(regrade it by hand if the student meant a right answer)",
            "'16 x 32 x 32 channels': the word 'channels' after the numbers is not understood; scored "
            "0 of 3 points (regrade it by hand if the student meant a right answer)",
            "'1 2 / 3': the rows of '1 2 / 3' have different lengths; scored 0 of 2 points "
            "(regrade it by hand if the student meant a right answer)",
            "'all': there is no option 'l'; scored 0 of 2 points (regrade it by hand if the "
            "student meant a right answer)"],
     "| unreadable answer (scored 0, for a regrade by hand) | 4 |"),
    ("ko", ["'220 or 200': 답('220 or 200')을 숫자로 읽을 수 없습니다. 2점 중 0점으로 "
            "처리했습니다(학생이 맞는 답을 뜻했다면 직접 다시 채점하십시오)",
            "'16 x 32 x 32 channels': 숫자 뒤에 쓴 단어('channels')를 이해할 수 없습니다. 3점 중 "
            "0점으로 처리했습니다(학생이 맞는 답을 뜻했다면 직접 다시 채점하십시오)",
            "'1 2 / 3': '1 2 / 3'의 행 길이가 서로 다릅니다. 2점 중 0점으로 처리했습니다(학생이 "
            "맞는 답을 뜻했다면 직접 다시 채점하십시오)",
            "'all': 해당하는 보기가 없습니다: 'l'. 2점 중 0점으로 처리했습니다(학생이 맞는 답을 "
            "뜻했다면 직접 다시 채점하십시오)"],
     "| 읽을 수 없는 답 (0점 처리, 직접 다시 채점할 답) | 4 |"),
], ids=["en", "ko"])
def test_an_unreadable_answer_is_a_note_in_issues_csv(tmp_path, lang, details, kind):
    path = wide(tmp_path / "w.csv", {
        "s001": ["220 or 200", *RIGHT["s001"][1:]],
        "s002": [*RIGHT["s002"][:2], "16 x 32 x 32 channels", "1 2\n3", "A", "all"],
        "s003": RIGHT["s003"], "x9": ["idk"] * 6})
    out = tmp_path / "out"
    r = grade(KEY, [path], out, lang=lang)
    by_id = {s.student_id: s for s in r.graded.students}
    assert (by_id["s001"].total, by_id["s002"].total) == (9, 4)  # scored 0, as before
    issues = read_csv(out / "issues.csv")
    assert [(i["line"], i["kind"], i["student_id"], i["question"], i["graded"])
            for i in issues] == [("2", "unreadable-answer", "s001", "q1", "yes"),
                                 ("3", "unreadable-answer", "s002", "q3", "yes"),
                                 ("3", "unreadable-answer", "s002", "q4", "yes"),
                                 ("3", "unreadable-answer", "s002", "q6", "yes"),
                                 ("6", "unknown-student", "x9", "", "no")]  # (a 2-line cell)
    assert [i["detail"] for i in issues[:4]] == details
    report = (out / "report.md").read_text(encoding="utf-8")
    assert kind in report
    # rows: 4 read = 3 graded + 1 not graded; the 4 notes are counted apart
    text = r.describe()
    assert "Rows: 4 read = 3 graded + 1 not graded (each in issues.csv)." in text
    assert "issues.csv also has 4 note(s) on graded rows, columns or files." in text
    assert r.graded.rows_reported == 1 and r.graded.notes_reported == 4
    fb = (out / "feedback" / "s001.md").read_text(encoding="utf-8")  # the feedback is as before
    assert ("could not read '220 or 200' as a number" in fb
            or "답('220 or 200')을 숫자로 읽을 수 없습니다" in fb)


def test_an_unreadable_answer_in_a_long_file_names_its_line_and_a_long_text_is_cut(tmp_path):
    rows = [["student", "question", "answer"], ["s001", "q1", "220"],
            ["s001", "q2", "zero point " * 20], ["s001", "q3", "16x32x32"]]
    r = grade(KEY, [write_rows(tmp_path / "long.csv", rows)], tmp_path / "out",
              feedback_files=False)
    (issue,) = r.issues
    assert (issue.line, issue.kind, issue.question, issue.rejected) == (
        3, "unreadable-answer", "q2", False)
    shown = issue.detail.split("':")[0][1:]
    assert len(shown) == 60 and shown.endswith("...")


def test_only_the_kept_submissions_unreadable_answers_are_noted(tmp_path):
    path = write_rows(tmp_path / "w.csv", [["student_id", "q1", "q2", "q3", "q4", "q5", "q6"],
                                           ["s001", "idk", *RIGHT["s001"][1:]],
                                           ["s001", *RIGHT["s001"]]])
    r = grade(KEY, [path], tmp_path / "out", feedback_files=False)  # --keep last: line 3
    assert [i.kind for i in r.issues] == ["duplicate-submission"]
    r = grade(KEY, [path], tmp_path / "o2", feedback_files=False, keep="first")
    assert [(i.line, i.kind) for i in r.issues] == [(2, "unreadable-answer"),
                                                    (3, "duplicate-submission")]


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
    assert ("| student id matched though written differently (leading zeros lost, or "
            "upper/lower case) | 1 |") in (out / "report.md").read_text(encoding="utf-8")


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
    path = wide(tmp_path / "w.csv", {"00109": RIGHT["s003"], " s004 ": RIGHT["s004"]})
    r = grade(key, [path], tmp_path / "out", feedback_files=False)
    assert r.issues == [] and r.graded.students[3].total == 11


# ---------------------------------------------------------------- ids in another case

@pytest.mark.parametrize("lang,detail,kind", [
    ("en", "'S200' was matched to the key's 's200': the two differ only in upper/lower case; "
           "check that this is the right student",
     "| student id matched though written differently (leading zeros lost, or upper/lower "
     "case) | 2 |"),
    ("ko", "'S200'을 정답지의 's200'으로 연결했습니다. 대소문자만 다른 학번입니다. 맞는 학생인지 "
           "확인하십시오",
     "| 앞자리 0이 없거나 대소문자만 달라 정답지 학번과 연결한 학번 | 2 |"),
], ids=["en", "ko"])
def test_an_id_matched_in_another_case_is_a_note(tmp_path, lang, detail, kind):
    key = key_with(tmp_path, numeric_ids("s200", "00102", "00109", "AB-4"))
    path = wide(tmp_path / "w.csv", {"S200": RIGHT["s001"], "ab-4": RIGHT["s004"],
                                     "00102": RIGHT["s002"]})
    out = tmp_path / "out"
    r = grade(key, [path], out, feedback_files=False, lang=lang)
    assert [s.total for s in r.graded.students] == [11, 11, 0, 11]  # matched, as before
    issues = read_csv(out / "issues.csv")
    assert [(i["line"], i["kind"], i["student_id"], i["graded"]) for i in issues] == [
        ("2", "id-matched", "S200", "yes"), ("3", "id-matched", "ab-4", "yes")]
    assert issues[0]["detail"] == detail
    assert ("'AB-4'" in issues[1]["detail"]) and "'ab-4'" in issues[1]["detail"]
    assert kind in (out / "report.md").read_text(encoding="utf-8")
    assert "issues.csv also has 2 note(s)" in r.describe()


@pytest.mark.parametrize("lang,detail", [
    ("en", "'Ab1' is not a student of the key: ignoring upper/lower case it matches ab1, AB1, "
           "so it is not graded; write the id exactly as the key has it in a copy of the file "
           "and grade again"),
    ("ko", "'Ab1'은 정답지에 없는 학번입니다. 대소문자를 무시하면 ab1, AB1과 모두 일치합니다. "
           "채점하지 않았으니 파일 사본에 정답지와 똑같이 학번을 적고 다시 채점하십시오"),
], ids=["en", "ko"])
def test_ids_of_the_key_differing_only_in_case_match_only_as_written(tmp_path, lang, detail):
    key = key_with(tmp_path, numeric_ids("ab1", "AB1", "s200", "S200"))
    path = wide(tmp_path / "w.csv", {"ab1": RIGHT["s001"], "S200": RIGHT["s004"],
                                     "s200": RIGHT["s003"], "Ab1": RIGHT["s002"]})
    out = tmp_path / "out"
    r = grade(key, [path], out, feedback_files=False, lang=lang)
    # the exact id wins, without a note; one that fits two ids is refused as ambiguous
    assert [(s.student_id, s.total) for s in r.graded.students] == [
        ("ab1", 11), ("AB1", 0), ("s200", 11), ("S200", 11)]
    assert not r.graded.students[1].submitted
    issues = read_csv(out / "issues.csv")
    assert [(i["line"], i["kind"], i["student_id"], i["graded"]) for i in issues] == [
        ("5", "unknown-student", "Ab1", "no")]
    assert issues[0]["detail"] == detail


# ---------------------------------------------------------------- the report's item table

def mixed_q3(data):
    """s003 and s004 drew a 1-D convolution for the topic slot q3, the others a 2-D one."""
    for st in data["students"][2:]:
        q = st["questions"][2]
        q["template"], q["title"] = "shape.conv1d", "Output shape of a 1-D convolution"
        q["answer"]["value"] = q["answer"]["value"][:2]
        q["misconceptions"] = []


def test_a_topic_slot_that_mixes_templates_is_titled_by_its_topic(tmp_path):
    key = key_with(tmp_path, mixed_q3)
    # s001, s002 right on q3 (2-D); s003 right (1-D: 2 numbers), s004 wrong
    path = wide(tmp_path / "w.csv", {"s001": RIGHT["s001"], "s002": RIGHT["s002"],
                                     "s003": [*RIGHT["s003"][:2], "16x36", *RIGHT["s003"][3:]],
                                     "s004": [*RIGHT["s004"][:2], "1x1", *RIGHT["s004"][3:]]})
    out = tmp_path / "out"
    r = grade(key, [path], out, feedback_files=False)
    q3 = r.summary.slots[2]
    assert q3.mixed and [(f.template, f.topic, f.students, f.facility) for f in q3.families] == [
        ("shape.conv1d", "output-shape", 2, 0.5), ("shape.conv2d", "output-shape", 2, 1.0)]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| q3 | output-shape (2 templates) | 3 | exact | 0.75 |" in report
    assert "Output shape of a convolution |" not in report  # not one family's title
    assert ("**q3** mixes 2 templates (students drew different questions for it); the row "
            "above pools them:\n\n"
            "- `shape.conv1d` Output shape of a 1-D convolution: 2 students with a "
            "submission, facility 0.50\n"
            "- `shape.conv2d` Output shape of a convolution: 2 students with a submission, "
            "facility 1.00") in report
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "output-shape (2 templates)" in html and "<code>shape.conv1d</code>" in html
    assert "| q1 | Parameters of a dense layer | 2 |" in report  # one template: its title


def test_mixed_slot_in_korean(tmp_path):
    key = key_with(tmp_path, mixed_q3)
    path = wide(tmp_path / "w.csv", {"s001": RIGHT["s001"]})
    out = tmp_path / "out"
    grade(key, [path], out, lang="ko", feedback_files=False)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| q3 | output-shape (템플릿 2종) |" in report
    assert "**q3** 문항에는 템플릿 2종이 섞여 있습니다" in report
    assert "- `shape.conv1d` Output shape of a 1-D convolution: 제출한 학생 0명, 정답률 –" in report


def test_the_report_shows_each_questions_accepted_margin(tmp_path):
    def tolerances(data):
        for st in data["students"]:
            st["questions"][1]["tolerance"] = {"abs": 0.002, "rel": 0.002}
            st["questions"][1]["answer"]["decimals"] = 3
    key = key_with(tmp_path, tolerances)
    out = tmp_path / "out"
    grade(key, [wide(tmp_path / "w.csv", {"s001": RIGHT["s001"]})], out, feedback_files=False)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| q2 | Mean squared error | 1 | ± (0.002 + 0.2 % of the answer), 3 decimals " \
           "asked |" in report
    assert "| q4 | A matrix product | 2 | ± 0.01 |" in report
    assert "| q1 | Parameters of a dense layer | 2 | exact |" in report
    assert "| Question | Title | Points | Accepted margin | Facility |" in report
    assert "Accepted margin: how far a real answer" in report


def mixed_q2(data):
    """s003 and s004 drew binary cross-entropy for q2 (another margin, another text for the
    same misconception id, naming each paper's value), s001 and s002 the MSE."""
    for st in data["students"][2:]:
        q = st["questions"][1]
        q["template"], q["title"] = "loss.bce", "Binary cross-entropy"
        q["tolerance"] = {"abs": 0.002, "rel": 0.002}
        q["answer"]["decimals"] = 3
        m = q["misconceptions"][0]
        m["feedback"] = f"{m['value']} adds the losses; BCE averages them over the batch."


def test_a_mixed_slots_margins_name_their_templates(tmp_path):
    key = key_with(tmp_path, mixed_q2)
    out = tmp_path / "out"
    grade(key, [wide(tmp_path / "w.csv", {"s001": RIGHT["s001"]})], out, feedback_files=False)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert ("| q2 | loss (2 templates) | 1 | `loss.bce`: ± (0.002 + 0.2 % of the answer), 3 "
            "decimals asked; `loss.mse`: ± 0.01, 2 decimals asked |") in report
    grade(key, [wide(tmp_path / "w.csv", {"s001": RIGHT["s001"]})], tmp_path / "ko",
          lang="ko", feedback_files=False)
    report = (tmp_path / "ko" / "report.md").read_text(encoding="utf-8")
    assert ("| q2 | loss (템플릿 2종) | 1 | `loss.bce`: ± (0.002 + 정답의 0.2 %), 소수점 아래 "
            "3자리 요구; `loss.mse`: ± 0.01, 소수점 아래 2자리 요구 |") in report


def test_a_mixed_slot_whose_templates_share_a_margin_shows_it_once(tmp_path):
    key = key_with(tmp_path, mixed_q3)
    out = tmp_path / "out"
    grade(key, [wide(tmp_path / "w.csv", {"s001": RIGHT["s001"]})], out, feedback_files=False)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| q3 | output-shape (2 templates) | 3 | exact |" in report


@pytest.mark.parametrize("margin,en,ko", [
    (("integer", 0.0, 0.0, None), "exact", "정확히 일치"),
    (("real", 0.005, 0.0, 1), "± 0.005, 1 decimal asked", "± 0.005, 소수점 아래 1자리 요구"),
    (("shape", 0.5, 0.0, None), "exact", "정확히 일치"),  # shapes are never tolerant
    (("real", 0.0, 0.0, 2), "exact, 2 decimals asked", "정확히 일치, 소수점 아래 2자리 요구"),
    (("real", 0.005, 0.0, 2), "± 0.005, 2 decimals asked", "± 0.005, 소수점 아래 2자리 요구"),
    (("vector", 0.0, 0.01, None), "± 1 % of the answer", "± 정답의 1 %"),
    (("matrix", 0.005, 0.0, 0), "± 0.005, whole numbers asked", "± 0.005, 정수 요구"),
])
def test_margin_in_words(margin, en, ko):
    from quizgen.grading.messages import text
    from quizgen.grading.report import margin_text
    assert margin_text(margin, text("en")) == en
    assert margin_text(margin, text("ko")) == ko


# ---------------------------------------------------------------- the misconception table

def feedback_naming_values(data):
    """Each paper's forgot-bias text names its own wrong value, as generated keys do."""
    for st in data["students"]:
        m = st["questions"][0]["misconceptions"][0]
        m["feedback"] = f"{m['value']} counts only the weights; add one bias per output."


def test_the_misconception_table_quotes_no_students_numbers(tmp_path):
    key = key_with(tmp_path, feedback_naming_values)
    # s003 makes the mistake (240); s001's paper (200) is the first in the key
    path = wide(tmp_path / "w.csv", {"s001": RIGHT["s001"], "s003": ["240", *RIGHT["s003"][1:]]})
    out = tmp_path / "out"
    grade(key, [path], out)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert ("| q1 | **forgot-bias**: … counts only the weights; add one bias per output. | 1 | "
            "50.0 % |") in report
    assert "200 counts" not in report and "240 counts" not in report
    assert "… stands for what differs between papers" in report
    # the student's own feedback keeps their value
    md = (out / "feedback" / "s003.md").read_text(encoding="utf-8")
    assert "- Typical mistake: 240 counts only the weights; add one bias per output." in md


def test_a_mixed_slots_misconceptions_are_merged_per_template(tmp_path):
    key = key_with(tmp_path, mixed_q2)
    # sum-not-mean: s001 (MSE, 1), s003 and s004 (BCE, 5 and 10); s002 right
    path = wide(tmp_path / "w.csv", {
        "s001": ["220", "1", *RIGHT["s001"][2:]], "s002": RIGHT["s002"],
        "s003": ["260", "5", *RIGHT["s003"][2:]], "s004": ["280", "10", *RIGHT["s004"][2:]]})
    out = tmp_path / "out"
    grade(key, [path], out, feedback_files=False)
    report = (out / "report.md").read_text(encoding="utf-8")
    rows = [line for line in report.splitlines() if line.startswith("| q2 ")]
    assert rows[1:] == [
        "| q2 (`loss.bce`) | **sum-not-mean**: … adds the losses; BCE averages them over the "
        "batch. | 2 | 100.0 % |",
        "| q2 (`loss.mse`) | **sum-not-mean**: MSE divides the sum by the number of elements. "
        "| 1 | 50.0 % |"]
    assert "in a question that mixes templates, of the answers to that template" in report
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<td>q2 (<code>loss.bce</code>)</td>" in html
    # a slot of one template keeps its plain rows
    assert "| q1 | **forgot-bias**:" not in report  # nobody made it
    path = wide(tmp_path / "w2.csv", {"s001": ["200", *RIGHT["s001"][1:]]})
    grade(key, [path], tmp_path / "o2", feedback_files=False)
    report = (tmp_path / "o2" / "report.md").read_text(encoding="utf-8")
    assert "| q1 | **forgot-bias**: The bias adds one parameter per output. | 1 | 100.0 % |" \
        in report


def test_a_mixed_slots_misconceptions_without_template_ids_name_the_title(tmp_path):
    def no_ids(data):
        mixed_q2(data)
        for st in data["students"]:
            del st["questions"][1]["template"]
    key = key_with(tmp_path, no_ids)
    path = wide(tmp_path / "w.csv", {"s003": ["260", "5", *RIGHT["s003"][2:]]})
    out = tmp_path / "out"
    grade(key, [path], out, feedback_files=False)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert ("| q2 (Binary cross-entropy) | **sum-not-mean**: … adds the losses; BCE "
            "averages them over the batch. | 1 | 100.0 % |") in report
    assert ("| q2 | loss (2 templates) | 1 | Binary cross-entropy: ± (0.002 + 0.2 % of the "
            "answer), 3 decimals asked; Mean squared error: ± 0.01, 2 decimals asked |") in report


@pytest.mark.parametrize("texts,shared", [
    (("A constant text.",), "A constant text."),
    (("A constant text.", "A constant text."), "A constant text."),
    (("375 counts only the weights.", "48 counts only the weights."),
     "… counts only the weights."),
    (("16 × 18 × 18 comes from leaving out the final $+1$.",
      "64 × 36 × 36 comes from leaving out the final $+1$."),
     "… comes from leaving out the final $+1$."),
    (("$\\begin{bmatrix} 7 & 3 \\\\ 9 & 9 \\end{bmatrix}$ keeps the largest value; stride 2.",
      "$\\begin{bmatrix} 1 & 5 \\end{bmatrix}$ keeps the largest value; stride 3.",
      "$\\begin{bmatrix} 4 \\end{bmatrix}$ keeps the largest value; stride 2."),
     "… keeps the largest value; stride …"),
    (("0.870는 도함수가 아니라 함숫값입니다.", "0.25은 도함수가 아니라 함숫값입니다."),
     "… 도함수가 아니라 함숫값입니다."),
    # a particle after a number, a bracket around a formula: they stay, only the value goes
    (("스트라이드가 2이면 윈도우가 서로 겹칩니다.", "스트라이드가 3이면 윈도우가 서로 겹칩니다."),
     "스트라이드가 …이면 윈도우가 서로 겹칩니다."),
    (("학습률($\\eta = 0.1$)을 곱한 것입니다.", "학습률($\\eta = 0.3$)을 곱한 것입니다."),
     "학습률(…)을 곱한 것입니다."),
])
def test_shared_text(texts, shared):
    from quizgen.grading.report import shared_text
    assert shared_text(texts) == shared


def test_index_and_key_give_the_same_report(tmp_path):
    """generate's index carries the notes the report needs: with it or without it, one report."""
    from quizgen import api
    from quizgen.grading import keyindex, simulate
    exam = tmp_path / "exam.yaml"
    exam.write_text("id: mix\ntitle: Mixed\nslots:\n  - {topic: output-shape, level: 1}\n"
                    "  - {topic: loss, level: 1}\n  - {template: params.dense, level: 1}\n",
                    encoding="utf-8")
    api.generate(exam, tmp_path / "g", students=12, secret="s")
    key = tmp_path / "g" / "key.json"
    subs = tmp_path / "subs.csv"
    simulate(key, subs, seed=2)
    with_index = grade(key, [subs], tmp_path / "a", feedback_files=False)
    keyindex.index_path(key).unlink()
    without = grade(key, [subs], tmp_path / "b", feedback_files=False)
    assert with_index.key_source.startswith("key.index.msgpack")
    assert without.key_source.startswith("key.json")
    a = (tmp_path / "a" / "report.md").read_text(encoding="utf-8")
    assert a == (tmp_path / "b" / "report.md").read_text(encoding="utf-8")
    assert "(2 templates)" in a or "(3 templates)" in a


def test_an_index_of_an_earlier_version_is_named(tmp_path):
    from quizgen import api
    from quizgen.grading import keyindex
    api.generate(None, tmp_path / "g", students=2, secret="s")
    key = tmp_path / "g" / "key.json"
    index = keyindex.index_path(key)
    data = index.read_bytes()
    old = data.replace(keyindex.INDEX_FORMAT.encode(), b"quizgen-key-index/1", 1)
    index.write_bytes(old)
    from quizgen.grading.keyfile import load_key
    slots = [q.slot for q in load_key(key).papers[0].questions]
    r = grade(key, [wide(tmp_path / "w.csv", {"s001": ["1"]})], tmp_path / "o",
              feedback_files=False, allow_missing=slots)
    assert r.key_source == ("key.json itself (key.index.msgpack was written by another quizgen "
                            "version, 'quizgen-key-index/1'; generate writes a current one)")


# ---------------------------------------------------------------- --lang ko for the instructor

def test_korean_instructor_files(tmp_path):
    key = key_with(tmp_path, numeric_ids("00101", "00102", "00109", "s004"))
    rows = [["student_id", "q1", "q2"], ["109", "260 parameters", "2.5"], ["x9", "1", ""],
            ["00101", "220", "0.5", "extra"]]
    out = tmp_path / "out"
    grade(key, [write_rows(tmp_path / "w.csv", rows)], out, lang="ko", allow_missing=ANY)
    issues = read_csv(out / "issues.csv")
    missing = [i for i in issues if i["kind"] == "missing-column"]
    assert [i["question"] for i in missing] == ["q3", "q4", "q5", "q6"]
    assert missing[0]["detail"] == ("파일에 q3 열이 없습니다. --allow-missing에 따라 이 파일의 모든 "
                                    "학생의 q3 문항을 답 없음(0점)으로 채점했습니다")
    issues = [i for i in issues if i["kind"] != "missing-column"]
    assert [i["kind"] for i in issues] == ["id-matched", "unit-ignored", "unknown-student",
                                           "unreadable"]  # kind codes stay English
    details = [i["detail"] for i in issues]
    assert details[0] == ("'109'를 정답지의 '00109'로 연결했습니다. 앞자리 0이 사라진 "
                          "학번입니다(스프레드시트가 지웁니다). 맞는 학생인지 확인하십시오")
    assert details[1] == ("'260 parameters': 답 뒤에 쓴 단어('parameters')는 읽지 않고 '260'으로 "
                          "채점했습니다(2점 중 2점)")
    assert details[2] == "'x9'는 정답지에 없는 학번입니다"
    assert details[3].startswith("행의 칸이 4개인데 머리글은 3개입니다")
    assert all(not any("a" <= c <= "z" for c in d.replace("parameters", "").replace("x9", ""))
               for d in details)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "`w.csv` (가로형, 쉼표)" in report and "(wide, comma)" not in report
    assert "![점수 분포 히스토그램](score-histogram.png)" in report
    assert "정답지의 학생 수" in report and "정답 키" not in report
    assert "| 앞자리 0이 없거나 대소문자만 달라 정답지 학번과 연결한 학번 | 1 |" in report
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'alt="점수 분포 히스토그램"' in html and 'alt="histogram"' not in html
    md = (out / "feedback" / "00109.md").read_text(encoding="utf-8")
    assert "답 뒤에 쓴 단어('parameters')는 읽지 않고 숫자만 채점했습니다." in md


def test_korean_details_of_duplicates_and_timestamps(tmp_path):
    rows = [["Timestamp", "student_id", "q1"], ["soon", "s001", "200"],
            ["2026-12-01 10:00", "s001", "220"]]
    out = tmp_path / "out"
    grade(KEY, [write_rows(tmp_path / "t.csv", rows)], out, lang="ko", feedback_files=False,
          allow_missing=ANY)
    issues = [i for i in read_csv(out / "issues.csv") if i["kind"] != "missing-column"]
    assert [i["kind"] for i in issues] == ["duplicate-submission", "kept-by-file-order"]
    assert issues[0]["detail"] == (
        "제출 2건 중 t.csv 3행의 제출을 채점했습니다. 파일 순서로 골랐습니다(파일에서 마지막 "
        "제출). 이유: t.csv 2행의 'soon'은 quizgen이 읽을 수 있는 날짜·시각이 아닙니다")
    grade(KEY, [write_rows(tmp_path / "t.csv", rows)], tmp_path / "en", feedback_files=False,
          allow_missing=ANY)
    english = [i for i in read_csv(tmp_path / "en" / "issues.csv") if i["kind"] != "missing-column"]
    assert english[0]["detail"] == (
        "2 submissions; graded the one in t.csv line 3, by file order (the last one in file "
        "order), because 'soon' (t.csv line 2) is not a date and time quizgen can read")


def test_korean_moodle_feedback_column(tmp_path):
    text = "student_id,q1,q2\ns001,220,0,5\ns002,240,1\n"  # s001's row has a stray comma
    path = tmp_path / "w.csv"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    grade(KEY, [path], out, lang="ko", feedback_files=False, allow_missing=ANY)
    moodle = read_csv(out / "moodle-grades.csv")
    assert moodle[0]["Feedback"] == "채점하지 않음: 제출한 답안을 읽을 수 없음(w.csv 2행, issues.csv 참고)"
    assert moodle[2]["Feedback"] == "제출 없음"
