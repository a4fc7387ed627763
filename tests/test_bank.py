"""Loading and validating the question bank; `quizgen bank list/check`."""
from click.testing import CliRunner
import pytest

from quizgen.bank import load_bank
from quizgen.cli import main
from quizgen.errors import BankError

DENSE = "param-count/dense.yaml"


def test_bundled_bank_loads_with_topics_and_levels(bank):
    assert {"param-count", "output-shape"} <= set(bank.topics())
    for t in bank.templates.values():
        assert len(t.level_numbers) >= 2, t.id
        assert set(t.languages()) == {"en", "ko"}, t.id
    assert bank.digest.startswith("sha256:")


def _break(bank_copy, old, new, rel=DENSE):
    path = bank_copy / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_yaml_syntax_error_names_file_and_line(bank_copy):
    path = _break(bank_copy, "points: 1\n", "points: [1\n")
    with pytest.raises(BankError) as e:
        load_bank(bank_copy)
    msg = str(e.value)
    assert str(path) in msg and "line" in msg and "YAML syntax error" in msg


def test_unknown_solver_names_the_field_and_line(bank_copy):
    path = _break(bank_copy, "solver: params.dense", "solver: params.nope")
    with pytest.raises(BankError) as e:
        load_bank(bank_copy)
    assert f"{path}, line 8" in str(e.value) and "unknown solver 'params.nope'" in str(e.value)


def test_duplicate_template_id(bank_copy):
    _break(bank_copy, "id: params.conv", "id: params.dense", "param-count/conv.yaml")
    with pytest.raises(BankError, match="template id 'params.dense' is also used"):
        load_bank(bank_copy)


def test_impossible_parameter_range_is_reported(bank_copy):
    _break(bank_copy, "    label: {en: one dense layer, ko: 완전 연결 층 하나}\n",
           "    label: {en: one dense layer, ko: 완전 연결 층 하나}\n    params: {n: {int: [9, 3]}}\n")
    with pytest.raises(BankError, match=r"impossible range \[9, 3\]") as e:
        load_bank(bank_copy)
    assert "levels.1.params.n" in str(e.value) and "line 12" in str(e.value)


def test_real_answer_tolerance_must_accept_rounded_work(bank_copy):
    _break(bank_copy, "answer: integer", "answer: {type: real, decimals: 2}\ntolerance: {abs: 0.001}")
    with pytest.raises(BankError, match="needs tolerance.abs >= 0.005"):
        load_bank(bank_copy)


def test_cli_bank_list_shows_topics_levels_and_languages():
    result = CliRunner().invoke(main, ["bank", "list"])
    assert result.exit_code == 0
    assert "params.dense" in result.output and "levels 1,2,3" in result.output
    assert "[en,ko]" in result.output


def test_cli_bank_check_passes_on_bundled_bank():
    result = CliRunner().invoke(main, ["bank", "check", "--seeds", "5"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("OK:")


def test_cli_bank_check_fails_cleanly_on_broken_file(bank_copy):
    _break(bank_copy, "solver: params.dense", "solver: nope")
    result = CliRunner().invoke(main, ["bank", "check", "--bank", str(bank_copy)])
    assert result.exit_code == 2
    assert "unknown solver 'nope'" in result.output
    assert "Traceback" not in result.output


def test_cli_bank_check_reports_a_template_that_cannot_render(bank_copy):
    _break(bank_copy, "How many trainable parameters (weights and biases) does it have?",
           "How many {{ no_such_name }}?")
    result = CliRunner().invoke(main, ["bank", "check", "--bank", str(bank_copy), "--seeds", "2"])
    assert result.exit_code == 2
    assert "no_such_name" in result.output and "problem" in result.output


def test_language_structure_mismatch_is_reported(bank_copy):
    _break(bank_copy, '"{{ wrong }} counts neurons', '"{{ wrong }} {{ total }} counts neurons')
    result = CliRunner().invoke(main, ["bank", "check", "--bank", str(bank_copy), "--seeds", "1"])
    assert result.exit_code == 2
    assert "different placeholders in 'ko'" in result.output and "total" in result.output
