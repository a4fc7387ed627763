"""key.json loading: the hand-written fixture loads; everything else fails clearly."""
from __future__ import annotations

import json

import pytest

from grading_helpers import KEY
from quizgen.errors import KeyFormatError
from quizgen.grading.keyfile import check_key, load_key


def base():
    return json.loads(KEY.read_text(encoding="utf-8"))


def test_fixture_loads():
    quiz = load_key(KEY)
    assert [p.student.student_id for p in quiz.papers] == ["s001", "s002", "s003", "s004"]
    q3 = quiz.papers[0].questions[2]
    assert (q3.answer_type, q3.answer_value, q3.points) == ("shape", [16, 32, 32], 3)
    assert quiz.papers[1].student.name == "김민준"


def test_not_json_names_the_line(tmp_path):
    p = tmp_path / "key.json"
    p.write_text('{\n "format": "quizgen-key/1",\n "students": [\n', encoding="utf-8")
    with pytest.raises(KeyFormatError) as e:
        load_key(p)
    assert str(e.value).startswith(f"{p}, line 4: ends in the middle of the key: the file "
                                   "was cut off")
    p.write_text('{\n "format": "quizgen-key/1",\n "students": [\n {"student_id" 1}]}\n',
                 encoding="utf-8")
    with pytest.raises(KeyFormatError) as e:
        load_key(p)
    assert str(e.value).startswith(f"{p}, line 4: is not valid JSON (Expecting ':'")


def test_not_a_quizgen_key(tmp_path):
    p = tmp_path / "other.json"
    p.write_text('{"name": "something else"}', encoding="utf-8")
    with pytest.raises(KeyFormatError, match="is not a quizgen key"):
        load_key(p)


def test_unknown_format_version(tmp_path):
    data = base()
    data["format"] = "quizgen-key/9"
    p = tmp_path / "key.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(KeyFormatError) as e:
        load_key(p)
    assert "key format 'quizgen-key/9'" in str(e.value) and "Upgrade quizgen" in str(e.value)


def test_binary_file_is_not_a_key(tmp_path):
    p = tmp_path / "key.json"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(KeyFormatError, match="not UTF-8"):
        load_key(p)


def test_missing_file(tmp_path):
    with pytest.raises(KeyFormatError, match="cannot read the key"):
        load_key(tmp_path / "nope.json")


@pytest.mark.parametrize("edit,field", [
    (lambda d: d["students"][1]["questions"][0]["answer"].update(type="colour"),
     "students[1].questions[0].answer.type"),
    (lambda d: d["students"][0]["questions"][2]["answer"].update(value=[16, 0, 3]),
     "students[0].questions[2].answer.value"),
    (lambda d: d["students"][0]["questions"][4]["answer"].update(value=7),
     "students[0].questions[4].answer.value"),
    (lambda d: d["students"][0]["questions"][3]["answer"].update(value=[[1, 2], [3]]),
     "students[0].questions[3].answer.value"),
    (lambda d: d["students"][2].update(student_id="s001"), "students[2].student_id"),
    (lambda d: d["students"][0]["questions"][1].update(slot="q1"),
     "students[0].questions[1].slot"),
    (lambda d: d["students"][0]["questions"][0]["misconceptions"][0].update(value="x"),
     "students[0].questions[0].misconceptions[0].value"),
    (lambda d: d["students"][0]["questions"][5].pop("options"), "students[0].questions[5].options"),
    (lambda d: d["students"][0]["questions"][1].update(tolerance={"abs": -1}),
     "students[0].questions[1].tolerance"),
    (lambda d: d.update(students=[]), "students"),
])
def test_invalid_keys_name_the_field(edit, field):
    data = base()
    edit(data)
    with pytest.raises(KeyFormatError) as e:
        check_key(data, "k.json")
    assert e.value.field == field
    assert str(e.value).startswith(f"k.json, field '{field}': ")


@pytest.mark.parametrize("chunk", [3, 64, 1 << 20])
@pytest.mark.parametrize("layout", ["indented", "minified", "students-first"])
def test_streamed_reading_matches_json(tmp_path, monkeypatch, chunk, layout):
    from quizgen.grading import keyfile
    from quizgen.model import Quiz
    monkeypatch.setattr(keyfile, "_CHUNK", chunk)
    data = base()
    if layout == "students-first":
        data = {"students": data["students"], "format": data["format"], "exam": data["exam"]}
    p = tmp_path / "key.json"
    p.write_text(json.dumps(data, indent=None if layout != "indented" else 2,
                            ensure_ascii=layout == "minified"), encoding="utf-8")
    assert load_key(p) == Quiz.from_dict(base())


def test_streamed_error_names_the_line(tmp_path, monkeypatch):
    from quizgen.grading import keyfile
    monkeypatch.setattr(keyfile, "_CHUNK", 50)
    lines = json.dumps(base(), indent=1).splitlines()
    lines[200] = lines[200].rstrip(",") + " oops,"
    p = tmp_path / "key.json"
    p.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(KeyFormatError) as e:
        load_key(p)
    assert e.value.line == 201 and "is not valid JSON" in str(e.value)


def test_light_papers_keep_what_scoring_needs():
    from quizgen.grading.keyfile import KeyReader
    from quizgen.grading.light import KeyNotes, light_paper
    notes = KeyNotes()
    st = next(KeyReader(KEY).students())
    paper = light_paper(st, notes)
    q = paper.questions[0]
    assert not hasattr(q, "prompt") and not hasattr(q, "solution")
    assert (q.answer_value, q.points, q.misconceptions[0].id) == (220, 2, "forgot-bias")
    assert paper.questions[1].tolerance is paper.questions[3].tolerance  # shared
    assert notes[("q1", "Parameters of a dense layer", "forgot-bias")] == (
        "The bias adds one parameter per output.",)
    assert notes.families[("q1", "Parameters of a dense layer")] == ("params.dense", "param-count")


def _generated_key(tmp_path):
    """A key.json exactly as generate lays it out (so the fast reader takes it)."""
    from quizgen.output import dumps_key
    p = tmp_path / "key.json"
    p.write_text(dumps_key(base()), encoding="utf-8")
    return p


@pytest.mark.parametrize("tail", ['GARBAGE{"x":1}\n', "garbage\n ]\n}\n", "{}", "]"])
def test_text_after_the_key_is_refused_by_every_reader(tmp_path, tail):
    from quizgen.grading.keyfast import NotFast, light_papers
    from quizgen.grading.keyfile import KeyReader
    p = _generated_key(tmp_path)
    good = p.read_text(encoding="utf-8")
    lines = good.count("\n")
    p.write_text(good + tail, encoding="utf-8")
    with pytest.raises(NotFast):  # the fast reader gives up ...
        light_papers(KeyReader(p))
    with pytest.raises(KeyFormatError) as e:  # ... and the general one names the line
        load_key(p)
    assert str(e.value).startswith(f"{p}, line {lines + 1}: has text after the end of the key")
    assert "\n" not in str(e.value) and "Grade with" not in str(e.value)


def test_text_after_a_key_read_whole_is_refused(tmp_path):
    data = base()  # students before format: the header pass reads the whole object
    p = tmp_path / "key.json"
    p.write_text(json.dumps({"students": data["students"], "format": data["format"],
                             "exam": data["exam"]}) + "\nx", encoding="utf-8")
    with pytest.raises(KeyFormatError, match="line 2: has text after the end of the key"):
        load_key(p)


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.99])
def test_truncated_key_says_it_was_cut_off(tmp_path, cut):
    p = _generated_key(tmp_path)
    data = p.read_bytes()
    p.write_bytes(data[:int(len(data) * cut)])
    with pytest.raises(KeyFormatError) as e:
        load_key(p)
    assert "the file was cut off" in str(e.value) and ", line " in str(e.value)


def test_key_without_students_says_what_is_missing(tmp_path):
    data = base()
    p = tmp_path / "key.json"
    p.write_text(json.dumps({"format": data["format"], "exam": data["exam"]}), encoding="utf-8")
    with pytest.raises(KeyFormatError) as e:
        load_key(p)
    assert e.value.field == "students" and 'has no "students" field' in str(e.value)
    assert "not valid JSON" not in str(e.value)
    p.write_text("", encoding="utf-8")
    with pytest.raises(KeyFormatError, match="is empty"):
        load_key(p)


def test_key_errors_fit_every_command():
    from quizgen.grading import keyfile
    assert "Grade" not in keyfile._HINT and "quizgen generate" in keyfile._HINT


# ---------------------------------------------------------------- a question's points

POINTS = [  # (how the question's points are written, what the message says of them)
    ("missing", 'no "points"'), ("null", '"points": null, which is empty (null)'),
    ('"2"', '"points": "2", which is text'), ("-1", '"points": -1, which is a negative number'),
    ("true", '"points": true, which is true/false'), ("[2]", '"points": [2], which is not a number'),
    ("NaN", '"points": NaN, which is not a finite number'),
    ("1e999", '"points": Infinity, which is not a finite number'),
]


def _points_key(tmp_path, written: str, layout: str = "generate"):
    """The fixture key with s003's q3 (3 points) given ``written`` points, in generate's
    layout (the fast reader's) or indented (the general reader's only)."""
    from quizgen.output import dumps_key
    data = base()
    q = data["students"][2]["questions"][2]
    q["points"] = "@@POINTS@@"
    text = dumps_key(data) if layout == "generate" else json.dumps(data, indent=2)
    text = (text.replace('"points":"@@POINTS@@",', "").replace('"points": "@@POINTS@@",', "")
            if written == "missing" else text.replace('"@@POINTS@@"', written))
    p = tmp_path / "key.json"
    p.write_text(text, encoding="utf-8")
    assert "@@POINTS@@" not in text
    return p


@pytest.mark.parametrize("written,says", POINTS)
@pytest.mark.parametrize("layout", ["generate", "indented"])
def test_a_question_without_usable_points_is_refused_naming_student_and_question(
        tmp_path, written, says, layout):
    from quizgen.grading.keyfast import NotFast, light_papers as fast
    from quizgen.grading.keyfile import KeyReader
    from quizgen.grading.pipeline import light_papers
    p = _points_key(tmp_path, written, layout)
    if layout == "generate":
        with pytest.raises(NotFast):  # the fast reader steps aside ...
            fast(KeyReader(p))
    for read in (lambda: light_papers(KeyReader(p)), lambda: load_key(p)):  # ... every reader
        with pytest.raises(KeyFormatError) as e:
            read()
        text = str(e.value)
        assert text.startswith(f"{p}, field 'students[2].questions[2].points': question 'q3' "
                               f"of student 's003' has {says}")
        assert "grading does not guess them" in text and "\n" not in text


def test_points_of_zero_or_a_fraction_are_kept(tmp_path):
    for written, want in (("0", 0), ("2.5", 2.5)):
        q = load_key(_points_key(tmp_path, written)).papers[2].questions[2]
        assert q.points == want


def test_the_cli_refuses_a_key_without_points_and_writes_nothing(tmp_path):
    from click.testing import CliRunner
    from grading_helpers import RIGHT, wide
    from quizgen.cli import main
    p = _points_key(tmp_path, "missing")
    subs = wide(tmp_path / "w.csv", RIGHT)
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["grade", str(p), str(subs), "--out", str(out)])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert r.output.startswith(f"Error: {p}, field 'students[2].questions[2].points': question "
                               "'q3' of student 's003' has no \"points\"")
    assert r.output.count("\n") == 1 and not out.exists()
