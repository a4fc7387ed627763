"""grade(): duplicates, unknown and missing students, outputs, determinism, re-grading."""
from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest

from grading_helpers import ANY, KEY, RIGHT, wide, write_rows
from quizgen.grading import grade

# every misconception of s001; partial credit: q3 1 of 3 parts (1 point), q4 the diagonal (1)
WRONG = ["200", "1", "16x30x30", "[[1,3],[2,4]]", "C", "A,B"]


def read_csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def class_csv(tmp_path):
    rows = [["Timestamp", "Student ID", "Name", "q1", "q2", "q3", "q4", "q5", "q6"],
            ["2026-12-01 10:05", "s001", "Ada", *WRONG],
            ["2026-12-01 10:09", "s001", "Ada", *RIGHT["s001"]],       # later: counts
            ["2026-12-01 10:01", "s002", "=HYPERLINK(\"x\")", *RIGHT["s002"][:3], "", "", ""],
            ["2026-12-01 10:02", "x999", "Guest", *RIGHT["s003"]],     # unknown id
            ["2026-12-01 10:03", "s003", "", "", "", "", "", "", ""]]  # all blank
    return write_rows(tmp_path / "answers.csv", rows)


def test_every_row_ends_somewhere(tmp_path, class_csv):
    before = class_csv.read_bytes()
    r = grade(KEY, [class_csv], tmp_path / "out")
    g = r.graded
    assert class_csv.read_bytes() == before  # inputs are never modified
    assert (g.rows_read, g.rows_graded, g.rows_reported) == (5, 3, 2)
    kinds = [(i.kind, i.line, i.student_id) for i in g.issues]
    assert kinds == [("duplicate-submission", 2, "s001"), ("unknown-student", 5, "x999")]
    by_id = {s.student_id: s for s in g.students}
    assert by_id["s001"].total == 11 and by_id["s001"].attempts == 2
    assert by_id["s002"].total == 6
    assert by_id["s003"].submitted and by_id["s003"].total == 0
    assert not by_id["s004"].submitted
    assert [m.status for m in by_id["s004"].marks] == ["missing"] * 6


@pytest.mark.parametrize("keep,total", [("last", 11), ("first", 2), ("best", 11)])
def test_keep_rules(tmp_path, class_csv, keep, total):
    r = grade(KEY, [class_csv], tmp_path / keep, keep=keep)
    assert r.graded.students[0].total == total


def test_keep_last_across_files_without_timestamps(tmp_path):
    a = wide(tmp_path / "a.csv", {"s001": WRONG})
    b = wide(tmp_path / "b.csv", {"s001": RIGHT["s001"]})
    assert grade(KEY, [a, b], tmp_path / "o1").graded.students[0].total == 11
    assert grade(KEY, [b, a], tmp_path / "o2").graded.students[0].total == 2
    issue = grade(KEY, [a, b], tmp_path / "o3").issues[0]
    assert (issue.file, issue.line, issue.kind) == (str(a), 2, "duplicate-submission")


def test_outputs(tmp_path, class_csv):
    out = tmp_path / "out"
    grade(KEY, [class_csv], out)
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"grades.csv", "moodle-grades.csv", "canvas-grades.csv", "issues.csv",
            "column-mapping.yaml", "report.md", "report.html", "score-histogram.png",
            "feedback/s001.md", "feedback/s004.html"} <= names
    assert not [n for n in names if "staging" in n]
    grades = read_csv(out / "grades.csv")
    assert list(grades[0]) == ["student_id", "name", "email", "variant", "status", "submitted",
                               "q1", "q2", "q3", "q4", "q5", "q6", "total", "max", "percent"]
    assert grades[0]["name"] == "Ada Lovelace" and grades[0]["percent"] == "100.0"
    assert grades[1]["name"] == "김민준"
    assert grades[3]["status"] == "missing" and grades[3]["total"] == "0"
    moodle = read_csv(out / "moodle-grades.csv")
    assert list(moodle[0])[:4] == ["ID number", "Full name", "Email address", "Deep learning quiz"]
    canvas = (out / "canvas-grades.csv").read_text(encoding="utf-8").splitlines()
    assert canvas[0] == "Student,ID,SIS User ID,SIS Login ID,Section,Deep learning quiz"
    assert canvas[1] == "Points Possible,,,,,11"
    assert canvas[2] == "Ada Lovelace,,s001,,,11"
    issues = read_csv(out / "issues.csv")
    assert [(i["file"], i["line"], i["kind"]) for i in issues] == [
        ("answers.csv", "2", "duplicate-submission"), ("answers.csv", "5", "unknown-student")]
    png = (out / "score-histogram.png").read_bytes()
    assert png.startswith(b"\x89PNG") and b"Software" not in png
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in html


def test_excel_formulas_from_students_are_neutralised(tmp_path):
    rows = [["student_id", "name", "q1"], ["s001", "=cmd|' /C calc'!A0", "220"],
            ["@SUM(1)", "x", "1"]]
    out = tmp_path / "out"
    grade(KEY, [write_rows(tmp_path / "w.csv", rows)], out, allow_missing=ANY)
    text = (out / "issues.csv").read_text(encoding="utf-8-sig")
    assert "'@SUM(1)" in text and ",@SUM" not in text
    grades = read_csv(out / "grades.csv")
    assert grades[0]["name"] == "Ada Lovelace"  # the key's name, not the form's
    assert grades[0]["total"] == "2"  # our own numbers are left alone


def test_student_names_from_the_form_are_neutralised(tmp_path):
    rows = [["student_id", "name", "q1"], ["s003", "+1 555", "260"]]
    out = tmp_path / "out"
    grade(KEY, [write_rows(tmp_path / "w.csv", rows)], out, allow_missing=ANY)
    assert read_csv(out / "grades.csv")[2]["name"] == "'+1 555"


def test_feedback_names_the_misconception_and_shows_the_solution(tmp_path):
    path = wide(tmp_path / "w.csv", {"s001": WRONG, "s002": ["oops", *RIGHT["s002"][1:]]})
    out = tmp_path / "out"
    grade(KEY, [path], out)
    md = (out / "feedback/s001.md").read_text(encoding="utf-8")
    assert "- Typical mistake: The bias adds one parameter per output." in md
    assert "forgot-bias" not in md  # our id for the mistake is not the student's business
    assert "- Your answer: `200`" in md and "- Correct answer: 220" in md
    assert "- Correct answer: 16 × 32 × 32" in md and "- Correct answer: A, C" in md
    assert "$(10 + 1) \\times 20 = 220$" in md  # the worked solution
    md2 = (out / "feedback/s002.md").read_text(encoding="utf-8")
    assert "Your answer could not be read: could not read 'oops' as a number. It scores 0." in md2
    html = (out / "feedback/s001.html").read_text(encoding="utf-8")
    assert "The bias adds one parameter per output." in html and "<code>200</code>" in html
    assert "forgot-bias" not in html
    missing = (out / "feedback/s004.md").read_text(encoding="utf-8")
    assert "No submission was received from you" in missing
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| q1 | **forgot-bias**: The bias adds one parameter per output. | 1 | 50.0 % |" \
        in report


def test_feedback_tells_a_wrong_size_and_a_word_written_for_letters(tmp_path):
    path = wide(tmp_path / "w.csv", {"s001": ["220", "0.5", "[16, 32]", "1 2 3 4", "A", "all"]})
    grade(KEY, [path], tmp_path / "en")
    md = (tmp_path / "en/feedback/s001.md").read_text(encoding="utf-8")
    assert "- Not correct. Your shape has 2 dimensions; the answer has 3." in md
    assert "- Not correct. Your answer has 1 row of 4 numbers; the answer is 2 × 2." in md
    assert ("- Your answer could not be read: write the letters of your choices, e.g. A C. It "
            "scores 0.") in md and "there is no option 'l'" not in md
    grade(KEY, [path], tmp_path / "ko", lang="ko")
    md = (tmp_path / "ko/feedback/s001.md").read_text(encoding="utf-8")
    assert "- 틀렸습니다. 제출한 형태는 2차원이지만 정답은 3차원입니다." in md
    assert "- 틀렸습니다. 제출한 답은 1 × 4 행렬이지만 정답은 2 × 2 행렬입니다." in md
    assert "- 답을 읽을 수 없어 0점 처리했습니다: 고른 보기의 기호를 쓰십시오(예: A C)." in md


def test_student_html_cannot_inject_markup(tmp_path):
    path = wide(tmp_path / "w.csv", {"s001": ["<script>alert(1)</script>", "", "", "", "", ""]})
    out = tmp_path / "out"
    grade(KEY, [path], out)
    html = (out / "feedback/s001.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_korean_outputs(tmp_path):
    path = wide(tmp_path / "w.csv", {"s001": WRONG})
    out = tmp_path / "out"
    grade(KEY, [path], out, lang="ko")
    md = (out / "feedback/s001.md").read_text(encoding="utf-8")
    assert "# 채점 결과: Deep learning quiz" in md and "자주 하는 실수: " in md
    assert "forgot-bias" not in md
    assert "제출한 답" in md and "정답" in md
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## 문항 분석" in report and "크론바흐 알파" in report


def test_grading_twice_is_byte_identical(tmp_path, class_csv):
    grade(KEY, [class_csv], tmp_path / "a")
    grade(KEY, [class_csv], tmp_path / "b")
    grade(KEY, [class_csv], tmp_path / "a")  # and over the previous outputs
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_regrading_after_a_key_correction(tmp_path, class_csv):
    before = grade(KEY, [class_csv], tmp_path / "a").graded
    data = json.loads(KEY.read_text(encoding="utf-8"))
    for st in data["students"]:  # the key had q5 wrong: the right option is C
        st["questions"][4]["answer"]["value"] = 2
    fixed = tmp_path / "key-fixed.json"
    fixed.write_text(json.dumps(data), encoding="utf-8")
    after = grade(fixed, [class_csv], tmp_path / "b").graded
    for s0, s1 in zip(before.students, after.students):
        for m0, m1 in zip(s0.marks, s1.marks):
            if m0.slot != "q5":
                assert m0 == m1
    assert before.students[0].marks[4].points == 1 and after.students[0].marks[4].points == 0
    assert before.students[0].total - 1 == after.students[0].total


def test_options_are_checked(tmp_path, class_csv):
    from quizgen.errors import QuizgenError
    with pytest.raises(QuizgenError, match="unknown --keep rule"):
        grade(KEY, [class_csv], tmp_path / "o", keep="newest")
    with pytest.raises(QuizgenError, match="partial-credit rule"):
        grade(KEY, [class_csv], tmp_path / "o", multipart="some")
    with pytest.raises(QuizgenError, match="between 0 and 1"):
        grade(KEY, [class_csv], tmp_path / "o", choice_penalty=2)


def test_negative_marking_is_announced_in_feedback(tmp_path):
    path = wide(tmp_path / "w.csv", {"s001": ["220", "0.5", "", "", "B", ""]})
    out = tmp_path / "out"
    r = grade(KEY, [path], out, choice_penalty=0.25)
    assert r.graded.students[0].total == 2.75
    assert "A wrong choice costs 25% of the points." in \
        (out / "feedback/s001.md").read_text(encoding="utf-8")


def test_feedback_math_is_offline_mathml_by_default(tmp_path):
    path = wide(tmp_path / "w.csv", {"s001": WRONG})
    grade(KEY, [path], tmp_path / "tex", mathml=False)  # --mathjax
    grade(KEY, [path], tmp_path / "mml")
    tex = (tmp_path / "tex/feedback/s001.html").read_text(encoding="utf-8")
    mml = (tmp_path / "mml/feedback/s001.html").read_text(encoding="utf-8")
    assert "mathjax" in tex and '\\((10 + 1) \\times 20 = 220\\)' in tex
    assert "mathjax" not in mml and "<math" in mml and "Typical mistake" in mml


def test_report_statistics_by_hand(tmp_path):
    # s001 and s002 all right (2+1+3+2+1+2 = 11), s003 all blank (0), s004 no submission.
    blank = ["", "", "", "", "", ""]
    path = wide(tmp_path / "w.csv", {"s001": RIGHT["s001"], "s002": RIGHT["s002"],
                                     "s003": blank})
    r = grade(KEY, [path], tmp_path / "out", feedback_files=False)
    st = r.summary.stats
    assert st.n == 3                             # s004 (missing) is left out of the statistics
    assert st.mean == pytest.approx(22 / 3)      # (11 + 11 + 0) / 3 = 7.3333
    assert st.median == 11
    # deviations 3.667, 3.667, -7.333: squares 13.444 + 13.444 + 53.778 = 80.667; / 2; sqrt
    assert st.sd == pytest.approx(6.350853, abs=1e-6)
    # item variances 2m^2/9 summed over m = 2,1,3,2,1,2: 2/9 * 23 = 46/9; total 242/9
    # alpha = 6/5 * (1 - 46/242) = 0.971901
    assert st.alpha == pytest.approx(0.971901, abs=1e-6)
    for item in st.items:
        assert item.facility == pytest.approx(2 / 3) and item.r_corrected == pytest.approx(1)
        assert item.upper_lower == 1.0           # 27 % of 3 rounds to 1 student per group
    q1 = r.summary.slots[0]
    assert (q1.answered, q1.blank, q1.invalid) == (3, 1, 0)
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert ("| q1 | Parameters of a dense layer | 2 | exact | 0.67 | 1.00 | 1.00 | 0.0 % | "
            "33.3 % |") in report


def test_penalty_never_takes_the_total_below_zero(tmp_path):
    # s001: q5 wrong single choice (-1 point with --penalty 1), every other question blank
    path = wide(tmp_path / "w.csv", {"s001": ["", "", "", "", "B", ""],
                                     "s002": ["240", "", "", "", "B", ""]})
    out = tmp_path / "out"
    r = grade(KEY, [path], out, choice_penalty=1.0, feedback_files=False)
    s1, s2 = r.graded.students[:2]
    assert s1.marks[4].points == -1.0 and s1.total == 0.0  # the item keeps -1, the total 0
    assert s2.total == 1.0  # 2 - 1: a penalty still counts against other points
    grades = read_csv(out / "grades.csv")
    assert (grades[0]["q5"], grades[0]["total"], grades[0]["percent"]) == ("-1", "0", "0.0")
    moodle = read_csv(out / "moodle-grades.csv")
    assert moodle[0]["Deep learning quiz"] == "0" and moodle[1]["Deep learning quiz"] == "1"
    canvas = (out / "canvas-grades.csv").read_text(encoding="utf-8").splitlines()
    assert canvas[2].endswith(",0") and canvas[3].endswith(",1")
    assert r.summary.stats.minimum == 0.0 and r.summary.stats.mean == 0.5


def test_unreadable_row_marks_the_student_not_graded(tmp_path):
    text = "student_id,q1,q2\ns001,220,0,5\ns002,240,1\n"  # s001's row has a stray comma
    path = tmp_path / "w.csv"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    r = grade(KEY, [path], out, allow_missing=ANY)
    grades = read_csv(out / "grades.csv")
    assert (grades[0]["status"], grades[0]["q1"], grades[0]["total"]) == ("unreadable", "", "")
    assert grades[3]["status"] == "missing" and grades[3]["total"] == "0"
    issues = [i for i in read_csv(out / "issues.csv") if i["kind"] != "missing-column"]
    assert [(i["line"], i["kind"], i["student_id"], i["graded"]) for i in issues] == [
        ("2", "unreadable", "s001", "no")]
    moodle = read_csv(out / "moodle-grades.csv")
    assert moodle[0]["Deep learning quiz"] == "" and "w.csv line 2" in moodle[0]["Feedback"]
    md = (out / "feedback/s001.md").read_text(encoding="utf-8")
    assert "Your submission (w.csv line 2) could not be read" in md
    assert "No submission was received" not in md and "Not submitted." not in md
    assert "**Score:** – / 11 (Not graded.)" in md and "(– of 2 points)" in md
    assert r.summary.stats.n == 1  # only s002 is in the statistics
    assert "1 not graded: only unreadable rows" in r.describe()
    assert any("s001" in w for w in r.warnings)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "- **Only unreadable rows (not graded, see issues.csv):** 1" in report
    assert "- **No submission (graded 0):** 2" in report


def test_rows_and_notes_are_counted_apart(tmp_path):
    rows = [["student_id", "q1", "q9"], ["s001", "220", "5"], ["x9", "1", ""]]
    r = grade(KEY, [write_rows(tmp_path / "w.csv", rows)], tmp_path / "out",
              feedback_files=False, allow_missing=ANY)
    # notes: q9 is no question of the key; q2-q6 have no column (--allow-missing)
    assert "Rows: 2 read = 1 graded + 1 not graded (each in issues.csv). issues.csv also " \
           "has 6 note(s) on graded rows, columns or files." in r.describe()
    assert len(read_csv(tmp_path / "out" / "issues.csv")) == 7


# ---------------------------------------------------------------- the output folder

def test_a_folder_in_the_way_stops_before_anything_is_written(tmp_path, class_csv):
    out = tmp_path / "out"
    (out / "grades.csv").mkdir(parents=True)
    from quizgen.errors import OutputError
    with pytest.raises(OutputError) as e:
        grade(KEY, [class_csv], out)
    assert "'grades.csv' is a folder" in str(e.value) and "nothing was written" in str(e.value)
    assert sorted(p.name for p in out.iterdir()) == ["grades.csv"]  # no feedback/, no staging
    (out / "grades.csv").rmdir()
    (out / "feedback").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="'feedback' is a file"):
        grade(KEY, [class_csv], out)
    assert sorted(p.name for p in out.iterdir()) == ["feedback"]


def _other_key(tmp_path, exam_id="other-quiz"):
    data = json.loads(KEY.read_text(encoding="utf-8"))
    data["exam"]["id"] = exam_id
    data["students"] = data["students"][:2]
    for st in data["students"]:
        st["student_id"] = "n" + st["student_id"]
    other = tmp_path / "other-key.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    return other


def test_grading_of_another_key_is_not_replaced_without_force(tmp_path, class_csv):
    from quizgen.errors import OutputError
    out = tmp_path / "out"
    grade(KEY, [class_csv], out)
    before = digest(out)
    other = _other_key(tmp_path)
    subs = write_rows(tmp_path / "n.csv", [["student_id", "q1"], ["ns001", "220"]])
    with pytest.raises(OutputError) as e:
        grade(other, [subs], out, allow_missing=ANY)
    assert "holds the grading of another exam" in str(e.value) and "--force" in str(e.value)
    assert digest(out) == before  # untouched
    r = grade(other, [subs], out, force=True, allow_missing=ANY)
    names = sorted(p.name for p in (out / "feedback").iterdir())
    assert names == ["ns001.html", "ns001.md", "ns002.html", "ns002.md"]  # s00x removed
    assert len(r.removed) == 8 and "Removed 8 file(s)" in r.describe()
    assert [row["student_id"] for row in read_csv(out / "grades.csv")] == ["ns001", "ns002"]
    manifest = json.loads((out / "grading.json").read_text(encoding="utf-8"))
    assert manifest["exam"] == "other-quiz"
    assert manifest["key_sha256"] == hashlib.sha256(other.read_bytes()).hexdigest()
    assert "feedback/ns002.md" in manifest["files"] and "feedback/s001.md" not in manifest["files"]
    grade(other, [subs], out, allow_missing=ANY)  # the same key again: no --force needed


def test_a_changed_key_of_the_same_exam_regrades_into_the_same_folder(tmp_path, class_csv):
    """A corrected key or late students: the same exam's grading is replaced whole, without
    --force, and the feedback of students no longer graded is removed."""
    out = tmp_path / "out"
    grade(KEY, [class_csv], out)
    same_exam = _other_key(tmp_path, exam_id=json.loads(KEY.read_text(encoding="utf-8"))["exam"]["id"])
    subs = write_rows(tmp_path / "n.csv", [["student_id", "q1"], ["ns001", "220"]])
    r = grade(same_exam, [subs], out, allow_missing=ANY)
    names = sorted(p.name for p in (out / "feedback").iterdir())
    assert names == ["ns001.html", "ns001.md", "ns002.html", "ns002.md"]
    assert len(r.removed) == 8


def test_an_earlier_grading_without_manifest_needs_force(tmp_path, class_csv):
    from quizgen.errors import OutputError
    out = tmp_path / "out"
    grade(KEY, [class_csv], out)
    (out / "grading.json").unlink()  # as an older quizgen left it
    with pytest.raises(OutputError, match="without grading.json"):
        grade(KEY, [class_csv], out)
    (out / "feedback" / "zz.md").write_text("stale", encoding="utf-8")
    grade(KEY, [class_csv], out, force=True)
    assert not (out / "feedback" / "zz.md").exists() and (out / "feedback" / "s001.md").exists()


@pytest.mark.parametrize("lang,texts", [
    ("en", ["- Partly correct: you ticked 2 of the 2 right options, and 1 option that is not right; "
            "each such tick takes away one right one.",
            "- Partly correct: you ticked 1 of the 2 right options.",
            "- Not correct: you ticked 1 of the 2 right options, but also 1 option that is not right, "
            "which cancels it (each takes away one right one)."]),
    ("ko", ["- 부분 정답입니다: 맞는 보기 2개 중 2개를 골랐지만 틀린 보기도 1개 골랐습니다. 틀린 보기 "
            "하나가 맞는 보기 하나를 상쇄합니다.",
            "- 부분 정답입니다: 맞는 보기 2개 중 1개를 골랐습니다.",
            "- 틀렸습니다: 맞는 보기 2개 중 1개를 골랐지만 틀린 보기도 1개 골랐습니다. 틀린 보기 "
            "하나가 맞는 보기 하나를 상쇄합니다."]),
])
def test_multiple_answer_feedback_says_what_the_wrong_ticks_cost(tmp_path, lang, texts):
    """q6 is A, C for 2 points: 'A B C' earns 1 point, not the '2 of 2 parts right' it
    was once told; 'A' earns 1; 'A B' earns 0."""
    rows = {"s001": ["", "", "", "", "", "A B C"], "s002": ["", "", "", "", "", "A"],
            "s003": ["", "", "", "", "", "A B"]}
    path = wide(tmp_path / "w.csv", rows)
    grade(KEY, [path], tmp_path / "out", lang=lang)
    for sid, want in zip(rows, texts):
        md = (tmp_path / "out" / "feedback" / f"{sid}.md").read_text(encoding="utf-8")
        assert want in md, (sid, md)
    grades = (tmp_path / "out" / "grades.csv").read_text(encoding="utf-8")
    assert "2 of 2 parts" not in grades


def test_multiple_answer_ticks_in_columns_of_their_own_say_what_they_cost(tmp_path):
    """An answer split over q6.1, q6.2, q6.3 (shown "A | B | C") gets the same words."""
    path = write_rows(tmp_path / "s.csv", [["student_id", "q6.1", "q6.2", "q6.3"], ["s001", "A", "B", "C"]])
    r = grade(KEY, [path], tmp_path / "out", allow_missing=ANY)
    assert [(m.status, m.points) for m in r.graded.students[0].marks][5] == ("partial", 1.0)
    md = (tmp_path / "out" / "feedback" / "s001.md").read_text(encoding="utf-8")
    assert ("- Partly correct: you ticked 2 of the 2 right options, and 1 option that is not right; "
            "each such tick takes away one right one.") in md, md


# ---------------------------------------------------------------- another exam's key

def test_no_submitted_id_in_the_key_stops_before_writing(tmp_path):
    from quizgen.errors import SubmissionError
    path = wide(tmp_path / "w.csv", {"z001": RIGHT["s001"], "z002": RIGHT["s002"],
                                     "z003": RIGHT["s003"], "z004": RIGHT["s004"]})
    with pytest.raises(SubmissionError) as e:
        grade(KEY, [path], tmp_path / "out")
    text = str(e.value)
    assert text.startswith("none of the 4 student id(s) in w.csv ('z001', 'z002', 'z003', ...) "
                           "is a student of the key (exam 'dl-quiz', 4 students: 's001', ")
    assert "is this the right key for these submissions? Nothing was graded." in text
    assert "--map student_id='Column'" in text and not (tmp_path / "out").exists()


def test_answers_unreadable_for_their_types_warn_of_the_wrong_key(tmp_path):
    """The same students, another exam: every answer is of another type."""
    other = ["16x32x32", "A, C", "A", "A", "0.5", "0.5"]
    path = wide(tmp_path / "w.csv", {sid: other for sid in RIGHT})
    r = grade(KEY, [path], tmp_path / "out", feedback_files=False)
    (w,) = [w for w in r.warnings if "right key" in w]
    assert w.startswith("24 of the 24 answers given (100 %) cannot be read as their "
                        "question's answer (e.g. q1: '16x32x32'): is this the right key "
                        "(exam 'dl-quiz')")
    ok = grade(KEY, [wide(tmp_path / "v.csv", RIGHT)], tmp_path / "ok", feedback_files=False)
    assert not [w for w in ok.warnings if "right key" in w]


def test_moodle_dashes_for_questions_not_answered_do_not_warn_of_the_wrong_key(tmp_path):
    """A Moodle export of a quiz most students left after q1: "-" for each question not
    answered is not an answer given, so the right key is not questioned."""
    rows = {"s001": RIGHT["s001"], "s002": [RIGHT["s002"][0]] + ["-"] * 5,
            "s003": [RIGHT["s003"][0]] + ["-"] * 5, "s004": [RIGHT["s004"][0]] + ["\u2013"] * 5}
    r = grade(KEY, [wide(tmp_path / "w.csv", rows)], tmp_path / "out", feedback_files=False)
    assert not [w for w in r.warnings if "right key" in w]
    # the dashes are still noted and scored 0, as before
    assert sum(1 for i in r.graded.issues if i.kind == "unreadable-answer") == 15
