"""simulate(): a deterministic synthetic class that grades without surprises."""
from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from grading_helpers import KEY
from quizgen.errors import QuizgenError
from quizgen.grading import grade, simulate
from quizgen.grading.keyfile import load_key
from quizgen.grading.scoring import score
from quizgen.grading.simulate import spell, typo


def test_same_seed_same_file(tmp_path):
    a = simulate(KEY, tmp_path / "a.csv", seed=5)
    b = simulate(KEY, tmp_path / "b.csv", seed=5)
    simulate(KEY, tmp_path / "c.csv", seed=6)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()
    assert a.rows == b.rows


@pytest.mark.parametrize("layout,delimiter", [("wide", ","), ("wide", ";"), ("long", "\t")])
def test_simulated_class_grades_cleanly(tmp_path, layout, delimiter):
    path = tmp_path / "subs.csv"
    simulate(KEY, path, seed=1, layout=layout, delimiter=delimiter, duplicates=0.5, absent=0.0,
             strangers=1, bom=True)
    g = grade(KEY, [path], tmp_path / "out", feedback_files=False).graded
    kinds = Counter(i.kind for i in g.issues)
    assert set(kinds) <= {"duplicate-submission", "unknown-student", "unreadable-answer"}
    assert kinds["unknown-student"] >= 1
    assert g.rows_read == g.rows_graded + g.rows_reported
    # each garbage answer kept is a note (its row is graded), not a row not graded
    invalid = sum(1 for s in g.students for m in s.marks if m.status == "invalid")
    assert kinds["unreadable-answer"] == invalid == g.notes_reported > 0
    assert all(s.submitted for s in g.students)


def test_every_spelling_of_the_right_answer_grades_correct():
    rng = random.Random(0)
    for paper in load_key(KEY).papers:
        for q in paper.questions:
            for _ in range(30):
                text = spell(q, q.answer_value, rng)
                assert score(q, text).status == "correct", (q.slot, text)
                assert score(q, spell(q, typo(q, rng), rng)).status != "correct"


def test_rates_are_plausible(tmp_path):
    big = tmp_path / "key.json"
    data = json.loads(KEY.read_text(encoding="utf-8"))
    data["students"] = [dict(s, student_id=f"{s['student_id']}-{k}") for k in range(60)
                        for s in data["students"]]
    big.write_text(json.dumps(data), encoding="utf-8")
    simulate(big, tmp_path / "s.csv", seed=2, absent=0.1)
    g = grade(big, [tmp_path / "s.csv"], tmp_path / "out", feedback_files=False).graded
    statuses = Counter(m.status for s in g.students for m in s.marks)
    n = sum(statuses.values())
    assert 0.05 < statuses["missing"] / n < 0.16
    assert 0.35 < statuses["correct"] / n < 0.85
    assert 0 < statuses["invalid"] / n < 0.05 and 0 < statuses["blank"] / n < 0.1
    assert sum(1 for s in g.students for m in s.marks if m.misconception) > 0


def test_unknown_layout(tmp_path):
    with pytest.raises(QuizgenError, match="unknown layout"):
        simulate(KEY, tmp_path / "s.csv", layout="diagonal")


def test_existing_files_are_kept_unless_forced_and_a_key_always(tmp_path):
    import shutil

    from quizgen.errors import OutputError
    out = tmp_path / "real.csv"
    out.write_text("student_id,q1\ns001,42\n", encoding="utf-8")  # e.g. real submissions
    with pytest.raises(OutputError, match="--force"):
        simulate(KEY, out, seed=1)
    assert out.read_text(encoding="utf-8") == "student_id,q1\ns001,42\n"
    simulate(KEY, out, seed=1, force=True)
    assert out.read_text(encoding="utf-8").count("\n") > 5
    key = tmp_path / "key.json"
    shutil.copyfile(KEY, key)
    before = key.read_bytes()
    with pytest.raises(OutputError, match="key"):
        simulate(key, key, seed=1, force=True)
    assert key.read_bytes() == before


@pytest.mark.parametrize("layout,delimiter,bom", [("wide", ",", False), ("wide", ";", True),
                                                  ("long", "\t", False)])
def test_simulating_twice_to_the_same_file_replaces_it(tmp_path, layout, delimiter, bom):
    out, fresh = tmp_path / "subs.csv", tmp_path / "fresh.csv"
    simulate(KEY, out, seed=1, layout=layout, delimiter=delimiter, bom=bom)
    simulate(KEY, out, seed=2, layout=layout, delimiter=delimiter, bom=bom)  # no --force needed
    simulate(KEY, fresh, seed=2, layout=layout, delimiter=delimiter, bom=bom)
    assert out.read_bytes() == fresh.read_bytes()
    head = out.read_text(encoding="utf-8-sig").splitlines()[0].split(delimiter)
    assert head[0] == "Timestamp" and "Simulated by quizgen" in head


def test_the_mark_is_in_the_first_4_kb_however_many_questions(tmp_path):
    big = tmp_path / "key.json"
    data = json.loads(KEY.read_text(encoding="utf-8"))
    for s in data["students"]:
        s["questions"] = [dict(q, slot=f"q{k * len(s['questions']) + i + 1}")
                          for k in range(150) for i, q in enumerate(s["questions"])]
    big.write_text(json.dumps(data), encoding="utf-8")
    simulate(big, tmp_path / "s.csv", seed=1, strangers=0)
    assert len((tmp_path / "s.csv").read_text(encoding="utf-8").splitlines()[0]) > 4096
    simulate(big, tmp_path / "s.csv", seed=1, strangers=0)


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_the_mark_column_is_ignored_and_the_timestamp_column_found(tmp_path, layout):
    path = tmp_path / "subs.csv"
    simulate(KEY, path, seed=2, layout=layout)
    simulate(KEY, path, seed=3, layout=layout, duplicates=0.5, absent=0.0)
    assert "Simulated by quizgen" in path.read_text(encoding="utf-8").splitlines()[0]
    g = grade(KEY, [path], tmp_path / "out", feedback_files=False).graded
    (f,) = g.files
    assert f.layout == layout and f.mapping["timestamp"] == "Timestamp"
    assert f.mapping["student_id"] == "Student ID"
    assert "Simulated by quizgen" not in f.mapping.values()
    assert {i.kind for i in g.issues} <= {"duplicate-submission", "unknown-student",
                                          "unreadable-answer"}
    assert all(s.submitted for s in g.students)


def test_the_summary_line_says_what_the_rows_and_students_are_in_both_layouts(tmp_path):
    import csv
    key_ids = {p.student.student_id for p in load_key(KEY).papers}
    said = {}
    for layout in ("wide", "long"):
        path = tmp_path / f"{layout}.csv"
        r = simulate(KEY, path, seed=4, layout=layout, duplicates=0.5, absent=0.3, strangers=2)
        rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
        ids = [row["Student ID"] for row in rows]
        assert r.rows == len(rows)
        assert r.key_students == len(key_ids) == 4
        assert r.submitted == len(set(ids) & key_ids) and r.strangers == len(set(ids) - key_ids)
        assert r.students == len(set(ids)) == r.submitted + r.strangers
        if layout == "wide":
            assert r.twice == sum(1 for i in key_ids if ids.count(i) == 2)
            assert r.rows == r.submitted + r.twice + r.strangers
        said[layout] = r
    wide, long = said["wide"], said["long"]
    assert (wide.submitted, wide.twice, wide.strangers) == (long.submitted, long.twice,
                                                           long.strangers)
    assert 0 < wide.submitted < 4 and wide.twice >= 1
    assert wide.describe() == (
        f"Wrote {wide.rows} rows to {tmp_path / 'wide.csv'} (wide layout: a row per "
        f"submission): {wide.submitted} of the key's 4 students ({wide.twice} of them twice) "
        "and 2 ids not in the key.")
    assert long.describe() == (
        f"Wrote {long.rows} rows to {tmp_path / 'long.csv'} (long layout: a row per answer): "
        f"{long.submitted} of the key's 4 students ({long.twice} of them twice) and 2 ids "
        "not in the key.")
    one = simulate(KEY, tmp_path / "one.csv", seed=1, absent=0.0, duplicates=0.0, strangers=1)
    assert one.describe().endswith(": 4 of the key's 4 students and 1 id not in the key.")
