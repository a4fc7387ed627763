"""What an instructor meets when writing templates and exam files: banks put together,
`bank solvers`, `bank check`'s messages, language checks, roster delimiters, the API."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

import quizgen
from quizgen.bank import load_bank
from quizgen.cli import main
from quizgen.errors import BankError

DENSE = "param-count/dense.yaml"


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], env={"QUIZGEN_SECRET": ""})
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def own_bank(tmp_path, text_change=None, lang_ko=True):
    """A bank folder with one template of our own (a copy of params.dense under a new id)."""
    from quizgen.resources import bank_dir
    folder = tmp_path / "mine" / "my-topic"
    folder.mkdir(parents=True)
    text = (bank_dir() / DENSE).read_text(encoding="utf-8").replace("id: params.dense", "id: my.dense")
    if not lang_ko:   # drop every Korean line: an English-only template
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("ko:"))
    if text_change:
        text = text_change(text)
    (folder / "dense.yaml").write_text(text, encoding="utf-8")
    return tmp_path / "mine"


def test_bank_folders_put_together_with_the_bundled_one(tmp_path):
    mine = own_bank(tmp_path)
    both = load_bank(["bundled", mine])
    assert "my.dense" in both.templates and "params.dense" in both.templates
    assert both.digest != load_bank().digest and load_bank(mine).templates.keys() == {"my.dense"}
    assert load_bank().digest == load_bank(None).digest == load_bank([]).digest  # one folder: as before
    with pytest.raises(BankError, match="template id 'params.dense' is also used"):
        load_bank(["bundled", own_bank(tmp_path / "x", lambda t: t.replace("id: my.dense", "id: params.dense"))])
    exam = tmp_path / "exam.yaml"
    exam.write_text("id: e\ntitle: E\nslots:\n  - {template: my.dense}\n  - {template: params.conv}\n")
    code, text = run("generate", exam, "--students", 2, "--out", tmp_path / "out", "--secret", "s",
                     "--bank", "bundled", "--bank", mine)
    assert code == 0, text


def test_bank_solvers_lists_params_answer_and_misconceptions():
    code, text = run("bank", "solvers", "shape.conv2d")
    assert code == 0
    assert "answer: shape" in text and "level 1 params: size" in text and "ignored-padding" in text
    code, text = run("bank", "solvers", "shape.conv2")
    assert code == 2 and "Did you mean 'shape.conv2d'" in text


def test_bank_solvers_takes_bank_folders_like_the_other_bank_commands(tmp_path):
    """`bank solvers` lists the templates that use a solver: with --bank, those of the banks given."""
    mine = own_bank(tmp_path)
    code, text = run("bank", "solvers", "params.dense", "params.conv", "--bank", mine)
    assert code == 0, text
    assert "used by my.dense" in text and "used by params.dense" not in text
    assert "params.conv\n  (no template of the bank uses it)" in text
    code, text = run("bank", "solvers", "params.dense", "--bank", "bundled", "--bank", mine)
    assert code == 0 and "used by my.dense" in text and "used by params.dense" in text, text
    code, text = run("bank", "solvers", "params.dense", "--bank", tmp_path / "nope")
    assert code == 2 and "the question bank folder does not exist" in text


def test_bank_check_reports_a_problem_once_with_its_seeds_and_explains_the_solver(tmp_path):
    mine = own_bank(tmp_path, lambda t: t.replace("answer: integer", "answer: shape"))
    code, text = run("bank", "check", "--bank", mine, "--seeds", 20)
    assert code == 2
    assert "solver 'params.dense' answers with type integer, not 'shape'" in text
    crash = [line for line in text.splitlines() if "crashed" in line]
    assert len(crash) == 1   # once, not once per level, seed and language (120 lines)
    assert "levels 1, 2, 3, every seed (0-19), lang en, ko: solver 'params.dense' crashed" in crash[0]


def test_bank_check_reports_a_text_that_does_not_compile_once(tmp_path):
    """An unknown filter is found when the text compiles: one problem, not one more per level."""
    mine = own_bank(tmp_path, lambda t: t.replace("prompt:\n  en: |\n", "prompt:\n  en: |\n    {{ x|nosuchfilter }}\n", 1))
    code, text = run("bank", "check", "--bank", mine, "--seeds", 2)
    assert code == 2 and "Error: 1 problem in the bank" in text, text
    problems = [line for line in text.splitlines() if line.startswith("problem:")]
    assert len(problems) == 1 and "field 'prompt.en'" in problems[0] and "No filter named 'nosuchfilter'." in text
    assert "'nosuchfilter'.." not in text and "tex_shape" in problems[0]   # the filters there are
    assert "Close every {{" not in text   # not a brace problem


def test_bank_check_lists_the_levels_and_seeds_of_a_problem(tmp_path):
    """A problem at some levels and seeds only: one line naming each level with its seeds."""
    from quizgen.bankcheck import _levels_text
    assert _levels_text({1: [0, 1], 2: [0, 1], 3: [0, 1]}, 2) == "levels 1, 2, 3, every seed (0-1)"
    assert _levels_text({1: [3], 3: [0, 4]}, 5) == "level 1, seed 3; level 3, seeds 0, 4 (2 of 5)"
    mine = own_bank(tmp_path, lambda t: t.replace("{% if input_shape %}", "{% if input_shape %}{{ input_shape|no_filter }}", 1))
    code, text = run("bank", "check", "--bank", mine, "--seeds", 2)
    problems = [line for line in text.splitlines() if line.startswith("problem:")]
    assert code == 2 and len(problems) == 1, text
    assert "level 3, every seed (0-1), lang en: field 'prompt.en'" in problems[0]


def test_bank_check_says_what_its_numbers_count(tmp_path):
    code, text = run("bank", "check", "--bank", own_bank(tmp_path), "--seeds", 1)
    assert code == 0, text
    assert "OK: 1 template, 6 instances (3 levels x 1 seed x 2 languages: en, ko), no problems." in text
    code, text = run("bank", "check", "--help")
    assert "2 x N instances per level" in " ".join(text.split()) and "10 x N seeds" in " ".join(text.split())
    broken = own_bank(tmp_path / "b", lambda t: t.replace("prompt:\n  en: |\n", "prompt:\n  en: |\n    {{ x|nosuchfilter }}\n", 1))
    code, text = run("bank", "check", "--bank", broken, "--seeds", 2)
    assert "1 template, 6 of 12 instances built (3 levels x 2 seeds x 2 languages: en, ko)." in text


def test_coverage_warning_says_over_how_many_seeds_it_was_confirmed(bank):
    from quizgen.bank import Bank
    from quizgen.bankcheck import check_bank
    multi = bank.templates["concepts.multi"]
    report = check_bank(Bank(bank.root, {"concepts.multi": multi}, "x"), seeds=2)
    assert report.warnings and "confirmed over 20 seeds per level (10 x --seeds)" in report.warnings[0]


def test_bank_check_names_a_missing_parameter(tmp_path):
    from quizgen.resources import bank_dir
    folder = tmp_path / "b" / "t"
    folder.mkdir(parents=True)
    text = (bank_dir() / "output-shape/conv2d.yaml").read_text(encoding="utf-8")
    text = text.replace("id: shape.conv2d", "id: my.conv").replace("      size: ", "      sise: ")
    (folder / "c.yaml").write_text(text, encoding="utf-8")
    code, out = run("bank", "check", "--bank", tmp_path / "b", "--seeds", 3)
    assert code == 2 and "needs the parameter 'size', which level 1 does not draw (it draws: sise)" in out
    assert "never reads sise" in out   # and the comparison with the bundled use warns about it


def test_coverage_warning_is_confirmed_before_it_is_given(bank):
    from quizgen.bankcheck import check_bank
    from quizgen.bank import Bank
    multi = bank.templates["concepts.multi"]   # 60 misconceptions: 20 seeds cannot show them all
    report = check_bank(Bank(bank.root, {"concepts.multi": multi}, "x"), seeds=20)
    assert report.ok and report.warnings == []


def test_exam_in_a_language_its_template_lacks_is_refused(tmp_path):
    mine = own_bank(tmp_path, lang_ko=False)
    exam = tmp_path / "exam.yaml"
    exam.write_text("id: e\ntitle: E\nlang: ko\nslots:\n  - {template: my.dense}\n", encoding="utf-8")
    code, text = run("generate", exam, "--students", 1, "--out", tmp_path / "out", "--secret", "s", "--bank", mine)
    assert code == 2 and "can draw template 'my.dense', which has no 'ko' texts" in text
    assert not (tmp_path / "out").exists()
    code, text = run("generate", exam, "--students", 1, "--out", tmp_path / "out", "--secret", "s",
                     "--bank", mine, "--lang", "en")
    assert code == 0, text
    code, text = run("preview", "my.dense", "--lang", "ko", "--bank", mine)
    assert code == 2 and "has no 'ko' texts" in text


def test_practice_in_korean_leaves_out_english_only_templates(tmp_path):
    mine = own_bank(tmp_path, lang_ko=False)
    both = tmp_path / "both"
    shutil.copytree(mine, both / "mine")
    from quizgen.resources import bank_dir
    shutil.copytree(bank_dir() / "param-count", both / "param-count")
    page, questions = quizgen.api.practice(["param-count"], n=20, out=tmp_path / "p.html", lang="ko",
                                           seed=1, bank_dir=both)
    assert {q.template for q in questions} == {"params.dense", "params.conv"}
    with pytest.raises(quizgen.errors.QuizgenError, match="Did you mean 'param-count'"):
        quizgen.api.practice(["param-cont"], out=tmp_path / "p.html", bank_dir=both)
    # every topic: one without Korean texts is left out with a note, a named one is an error
    shutil.copytree(own_bank(tmp_path / "t", lambda t: t.replace("topic: param-count", "topic: my-topic").replace("id: my.dense", "id: my.other"),
                             lang_ko=False), both / "topic")
    code, text = run("practice", "--lang", "ko", "--n", 1, "--out", tmp_path / "all.html", "--bank", both)
    assert code == 0 and "Note: left out 1 topic with no 'ko' texts: my-topic." in text, text
    code, text = run("practice", "my-topic", "--lang", "ko", "--out", tmp_path / "x.html", "--bank", both)
    assert code == 2 and "no template of topic 'my-topic' has 'ko' texts" in text


@pytest.mark.parametrize("text", [
    "student_id;name\n00123;Lee; Ann\n",            # a stray ';' in a name: that row's error
    "student_id,name\n00123,Lee, Ann\n",
])
def test_roster_delimiter_comes_from_the_header(tmp_path, text):
    roster = tmp_path / "r.csv"
    roster.write_text(text, encoding="utf-8")
    code, out = run("generate", "--roster", roster, "--out", tmp_path / "o", "--secret", "s")
    assert code == 2 and "line 2" in out and "has 3 cells but the header has 2" in out


def test_roster_with_quoted_delimiters_and_tabs(tmp_path):
    from quizgen.exam import read_roster
    (tmp_path / "a.csv").write_text('student_id;name\n001;"Park; Ji"\n002;Kim\n', encoding="utf-8")
    (tmp_path / "b.csv").write_text("name\tstudent_id\nLee, Ann\t007\n", encoding="utf-8")
    assert [(s.student_id, s.name) for s in read_roster(tmp_path / "a.csv")] == [("001", "Park; Ji"),
                                                                                 ("002", "Kim")]
    assert [(s.student_id, s.name) for s in read_roster(tmp_path / "b.csv")] == [("007", "Lee, Ann")]


def test_api_takes_formats_as_a_comma_string_and_import_quizgen_reaches_it(tmp_path):
    result = quizgen.api.generate(None, tmp_path / "o", students=1, secret="s", formats="md, HTML")
    names = {p.name for p in result.files}
    assert {"key.md", "key.html", "s001.md", "s001.html"} <= names


def test_unknown_topic_in_an_exam_suggests_one(tmp_path):
    exam = tmp_path / "exam.yaml"
    exam.write_text("id: e\ntitle: E\nslots:\n  - {topic: outputshape}\n", encoding="utf-8")
    code, text = run("generate", exam, "--out", tmp_path / "o", "--secret", "s")
    assert code == 2 and "Did you mean 'output-shape'?" in text and "line 4" in text
