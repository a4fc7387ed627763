"""Bad input gives one clear paragraph and exit code 2 (never a traceback, never a silent
default): seeds, levels, YAML mistakes, roster rows, formats, template texts, keys."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen import api
from quizgen.bank import load_bank
from quizgen.cli import main
from quizgen.errors import BankError, ExamError, QuizgenError, RosterError
from quizgen.exam import load_exam, read_roster


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], env={"QUIZGEN_SECRET": ""})
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


# F1
@pytest.mark.parametrize("args", [("preview", "params.dense", "--seed", -5),
                                  ("practice", "param-count", "--seed", -1, "--out", "p.html")])
def test_negative_seed_is_a_clear_error(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    code, text = run(*args)
    assert code == 2 and "--seed" in text and "whole number from 0" in text
    assert not (tmp_path / "p.html").exists()


# F16
def test_preview_level_the_template_does_not_have():
    code, text = run("preview", "params.dense", "--level", 0)
    assert code == 2 and "has no level 0" in text and "Its levels: 1, 2, 3" in text


# F15
def test_roster_and_students_together_are_refused(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("student_id\na\nb\n")
    code, text = run("generate", "--roster", roster, "--students", 2, "--out", tmp_path / "o", "--secret", "x")
    assert code == 2 and "not both" in text
    assert not (tmp_path / "o").exists()


# F20
def test_unknown_format_lists_every_format_generate_takes(tmp_path):
    code, text = run("generate", "--students", 1, "--format", "md,docx", "--out", tmp_path / "o", "--secret", "x")
    assert code == 2 and "unknown format 'docx'" in text
    assert "md, html, pdf, moodle, qti12, qti21, gift" in text


# F12: duplicate keys and unknown fields in exam files
def _exam(tmp_path, text):
    p = tmp_path / "exam.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_duplicate_key_in_exam_file_names_both_lines(tmp_path, bank):
    p = _exam(tmp_path, "id: t\nslots:\n  - {template: params.dense}\nslots:\n  - {template: params.conv}\n")
    with pytest.raises(ExamError) as e:
        load_exam(p, bank)
    assert "the key 'slots' appears twice" in str(e.value) and "line 4" in str(e.value) and "line 2" in str(e.value)


@pytest.mark.parametrize("text, field, suggestion", [
    ("id: t\nslots:\n  - {template: params.dense, levle: 3}\n", "slots.0.levle", "Did you mean 'level'?"),
    ("id: t\nslot:\n  - {template: params.dense}\n", "slot", "Did you mean 'slots'?"),
    ("id: t\ntitel: T\nslots: [params.dense]\n", "titel", "Did you mean 'title'?"),
])
def test_unknown_exam_fields_are_refused_with_a_suggestion(tmp_path, bank, text, field, suggestion):
    with pytest.raises(ExamError) as e:
        load_exam(_exam(tmp_path, text), bank)
    assert f"unknown field '{field.split('.')[-1]}'" in str(e.value) and f"field '{field}'" in str(e.value)
    assert suggestion in str(e.value)


# F12: bank templates (copy of one file only, to keep this fast)
DENSE = "param-count/dense.yaml"


@pytest.fixture
def one_template(tmp_path):
    from quizgen.resources import bank_dir
    dest = tmp_path / "bank" / "param-count"
    dest.mkdir(parents=True)
    shutil.copy(bank_dir() / DENSE, dest / "dense.yaml")
    return dest / "dense.yaml"


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("old, new, message", [
    ("points: 1\n", "points: 1\ntolerence: {abs: 1}\n", "unknown field 'tolerence'. Did you mean 'tolerance'?"),
    ("points: 1\n", "points: 1\ntolerance: {abs: 1, rell: 0}\n", "unknown field 'rell'. Did you mean 'rel'?"),
    ("points: 1\n", "points: 1\nnote: hello\n", "unknown field 'note'"),
    ("answer: integer", "answer: {type: integer, decimal: 2}", "unknown field 'decimal'. Did you mean 'decimals'?"),
    ("  1:\n", "  1:\n    lable: x\n", "unknown field 'lable'. Did you mean 'label'?"),
    ("    label: {en: one", "    params: {n: {stpe: 2, int: [1, 5]}}\n    label: {en: one",
     "unknown key 'stpe' in a parameter spec. Did you mean 'step'?"),
    ("  - id: forgot-bias\n", "  - id: forgot-bias\n    feedbak: x\n", "unknown field 'feedbak'"),
    ("points: 1\n", "points: 1\npoints: 2\n", "the key 'points' appears twice"),
])
def test_template_mistakes_are_refused(one_template, old, new, message):
    _edit(one_template, old, new)
    with pytest.raises(BankError) as e:
        load_bank(one_template.parent.parent)
    assert message in str(e.value) and str(one_template) in str(e.value) and "line" in str(e.value)


def test_template_tables_stay_allowed(one_template):
    # concepts.* keep their statement tables as extra top-level lists (anchors)
    _edit(one_template, "points: 1\n", "points: 1\nmy_table: &t [1, 2]\n")
    bank = load_bank(one_template.parent.parent)
    assert bank.templates["params.dense"].extra == {"my_table": [1, 2]}


def test_yaml_merge_keys_are_not_duplicates():
    from quizgen.bank import safe_load
    assert safe_load("a: &a {x: 1, y: 2}\nb:\n  <<: *a\n  x: 3\n") == {"a": {"x": 1, "y": 2}, "b": {"x": 3, "y": 2}}


# F25
def test_yml_templates_are_read(one_template):
    one_template.rename(one_template.with_suffix(".yml"))
    assert "params.dense" in load_bank(one_template.parent.parent).templates


# F17: a template text error names the file, the field, the line and a fitting hint
@pytest.mark.parametrize("new, message, hint", [
    ("How many {{ trainable parameters", "Jinja syntax error on line", "Close every {{ ... }}"),
    ("How many {{ no_such_name }}", "'no_such_name' is undefined", "names the solver provides: "),
])
def test_template_text_errors_name_file_field_and_line(one_template, new, message, hint):
    _edit(one_template, "How many trainable parameters", new)
    lineno = next(i for i, line in enumerate(one_template.read_text(encoding="utf-8").splitlines(), 1)
                  if new in line)
    with pytest.raises(QuizgenError) as e:
        api.preview("params.dense", bank_dir=one_template.parent.parent)
    text = str(e.value)
    assert str(one_template) in text and "field 'prompt.en'" in text and message in text and hint in text
    assert "Use only names" not in text or "undefined" in message
    if "syntax" in message:
        assert f"line {lineno}," in text  # the line within the file, from Jinja's line in the text


# F13, F14
def test_row_with_more_cells_than_the_header(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("student_id,name\ns001,Park, Ji\ns002,Kim\n", encoding="utf-8")
    with pytest.raises(RosterError) as e:
        read_roster(p)
    assert "line 2" in str(e.value) and "'Ji'" in str(e.value) and "quoted" in str(e.value)
    p.write_text("student_id,name\ns001,Kim,\n", encoding="utf-8")  # a trailing empty cell loses nothing
    assert [s.name for s in read_roster(p)] == ["Kim"]


def test_ids_with_a_space_are_accepted_and_case_collisions_refused(tmp_path):
    p = tmp_path / "r.csv"
    p.write_bytes('\ufeffstudent_id,name\r\ns001,Kim\r\n"s 002","Park, Ji"\r\n'.encode())
    assert [s.student_id for s in read_roster(p)] == ["s001", "s 002"]
    for text in ("student_id\ns001\nS001\n", "student_id\ns 002\ns_002\n"):
        p.write_text(text)
        with pytest.raises(RosterError) as e:
            read_roster(p)
        assert "line 3" in str(e.value) and "(line 2)" in str(e.value) and "same paper file name" in str(e.value)


def test_generate_with_a_spaced_id_writes_a_safe_file_name(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text('student_id\n"s 002"\n')
    code, text = run("generate", "--roster", roster, "--out", tmp_path / "o", "--secret", "x")
    assert code == 0, text
    assert (tmp_path / "o" / "papers" / "s_002.md").is_file()
    assert json.loads((tmp_path / "o" / "key.json").read_text())["students"][0]["student_id"] == "s 002"


# F22
def test_render_refuses_a_key_question_without_prompt(tmp_path):
    out = tmp_path / "o"
    assert run("generate", "--students", 2, "--out", out, "--secret", "x")[0] == 0
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    del key["students"][1]["questions"][2]["prompt"]
    bad = tmp_path / "key.json"
    bad.write_text(json.dumps(key), encoding="utf-8")
    code, text = run("render", bad, "--format", "md", "--out", tmp_path / "r")
    assert code == 2 and "student 's002', question 'q3' has no prompt" in text
    assert "students[1].questions[2].prompt" in text
    assert not (tmp_path / "r").exists()


def test_bank_check_reports_a_jinja_syntax_error_with_its_line(one_template):
    _edit(one_template, "How many trainable parameters", "How many {{ trainable parameters")
    code, text = run("bank", "check", "--bank", one_template.parent.parent, "--seeds", 1)
    assert code == 2 and "Jinja syntax error" in text and f"{one_template}, line" in text


@pytest.mark.parametrize("fmt", ["", " , "])
def test_an_empty_format_is_refused(tmp_path, fmt):
    from click.testing import CliRunner

    from quizgen.cli import main
    r = CliRunner().invoke(main, ["generate", "--students", "1", "--out", str(tmp_path / "out"),
                                  "--secret", "s", "--format", fmt])
    assert r.exit_code == 2 and "field '--format': no format given." in r.output
    assert not (tmp_path / "out").exists()


def _user_templates(tmp_path, rel, data: bytes):
    t = tmp_path / "t"
    (t / rel).parent.mkdir(parents=True)
    (t / rel).write_bytes(data)
    return t


@pytest.mark.parametrize("rel, fmt", [("markdown/key.md.j2", "md"), ("html/style.css", "html")])
def test_a_user_template_that_is_not_utf8(tmp_path, rel, fmt):
    from click.testing import CliRunner

    from quizgen.cli import main
    t = _user_templates(tmp_path, rel, b"/* ok */\n/* caf\xe9 */\n")
    r = CliRunner().invoke(main, ["generate", "--students", "1", "--out", str(tmp_path / "out"),
                                  "--secret", "s", "--format", fmt, "--templates", str(t)])
    assert r.exit_code == 2, r.output
    assert f"Error: {t / rel}, line 2: this output template is not UTF-8 text. Save it as UTF-8" in r.output
    assert not (tmp_path / "out").exists()


def test_a_sandboxed_template_error_is_in_plain_words(tmp_path):
    from click.testing import CliRunner

    from quizgen.cli import main
    t = _user_templates(tmp_path, "markdown/paper.md.j2", b"# Paper\n{{ ''.__class__ }}\n")
    r = CliRunner().invoke(main, ["generate", "--students", "1", "--out", str(tmp_path / "out"),
                                  "--secret", "s", "--templates", str(t)])
    assert r.exit_code == 2, r.output
    assert f"{t / 'markdown/paper.md.j2'}, line 2: it uses '__class__', which an output template may not use" in r.output
    assert ".." not in r.output.replace(str(tmp_path), "")


@pytest.mark.parametrize("data, message", [
    ("<!-- 시험지 -->\n".encode("cp949"), "line 1: this output template is not UTF-8 text"),
    (b"{{ exam.__class__ }}\n", "line 1: it uses '__class__', which an output template may not use")])
def test_an_error_in_an_extended_template_names_that_template(tmp_path, data, message):
    """html/paper.html.j2 (bundled) extends the user's html/base.html.j2: the error names the
    user's file and its line, not the bundled template."""
    from click.testing import CliRunner

    from quizgen.cli import main
    from quizgen.resources import templates_dir
    base = (Path(templates_dir()) / "html" / "base.html.j2").read_bytes()
    t = _user_templates(tmp_path, "html/base.html.j2", data + base)
    r = CliRunner().invoke(main, ["generate", "--students", "1", "--out", str(tmp_path / "out"),
                                  "--secret", "s", "--format", "html", "--templates", str(t)])
    assert r.exit_code == 2, r.output
    assert f"Error: {t / 'html/base.html.j2'}, {message}" in r.output
