"""Moodle XML export, checked with the rules of Moodle's own importer (tests/moodle_rules.py)."""
import pytest
from lxml import etree

from export_fixtures import KOREAN, NASTY, exam, real, slots
from moodle_rules import check_moodle_xml, match_grade_options
from quizgen.export import render
from quizgen.export.values import choices_fractions, is_moodle_grade


@pytest.fixture(scope="module")
def imported():
    questions, errors = check_moodle_xml(render(exam(), slots(3), "moodle"))
    assert errors == []
    return questions


def test_one_category_per_slot_holding_its_variants(imported):
    cats = [q.category for q in imported if q.qtype == "category"]
    assert cats == [f"$course$/top/fixture-exam/q{k}" for k in range(1, 8)]
    kinds = [q.qtype for q in imported if q.qtype != "category"]
    assert kinds == [t for t in ("numerical", "numerical", "cloze", "cloze", "cloze",
                                 "multichoice", "multichoice") for _ in range(3)]
    assert all(q.name for q in imported if q.qtype != "category")


def test_numerical_answer_tolerance_and_misconceptions(imported):
    q2 = next(q for q in imported if q.name.startswith("q2 v001"))
    answers = q2.element.findall("answer")
    # 0.125 with abs 0.001 + rel 0.01 * 0.125
    assert [(a.get("fraction"), a.findtext("text"), a.findtext("tolerance")) for a in answers] == \
        [("100", "0.125", "0.00225"), ("0", "-0.125", "0.00225")]
    assert "Sign error" in answers[1].findtext("feedback/text")
    q1 = next(q for q in imported if q.name.startswith("q1 v001"))
    assert len(q1.element.findall("answer")) == 2  # the misconception equal to the answer is dropped


def test_cloze_blanks_follow_the_answer_layout(imported):
    q5 = next(q for q in imported if q.name.startswith("q5 v002"))
    assert len(q5.cloze) == 4
    assert [s.alternatives[0].answer for s in q5.cloze] == ["1", "4", "3", "0.00001"]
    assert q5.cloze[1].alternatives[1].feedback == "Transposed: rows ~ columns."
    assert "<table" in q5.element.findtext("questiontext/text")
    q3 = next(q for q in imported if q.name.startswith("q3 v001"))
    assert [a.feedback for a in q3.cloze[1].alternatives] == ["Correct.", r"Padding adds \(2p\) {x}."]


def test_cloze_feedback_with_every_special_character():
    base = slots(1)
    q = base[2].variants[0]
    nasty = "a}b#c~d{e} <f> & \\g"
    from dataclasses import replace
    from quizgen.model import Misconception, SlotVariants
    q = replace(q, misconceptions=(Misconception("x", [16, 1, 1], nasty),))
    data = render(exam(), [SlotVariants("q3", "t", 2.0, (q,))], "moodle")
    (cat, cz), errors = check_moodle_xml(data)
    assert errors == []
    fb = cz.cloze[1].alternatives[1].feedback
    assert etree.fromstring(f"<p>{fb}</p>").text == "a}b#c~d{e} <f> & \\g"


def test_choice_grades_are_moodle_grades(imported):
    for q in imported:
        assert all(match_grade_options(f) for f in q.fractions)
    q7 = next(q for q in imported if q.name.startswith("q7 v001"))
    assert q7.element.findtext("single") == "false"
    assert sorted(q7.fractions) == [-0.5, -0.5, 0.5, 0.5]
    q6 = next(q for q in imported if q.name.startswith("q6 v001"))
    assert q6.element.findtext("single") == "true" and max(q6.fractions) == 1


@pytest.mark.parametrize("n_correct,n_wrong", [(k, w) for k in range(1, 21) for w in range(0, 12)])
def test_choices_fractions_always_import(n_correct, n_wrong):
    pos, neg = choices_fractions(n_correct, n_wrong)
    assert round(sum(pos) / 100, 2) == 1
    assert all(is_moodle_grade(p) and match_grade_options(p / 100) for p in pos + [neg])
    # the grader's policy: a wrong tick takes back one right tick's share
    assert n_wrong == 0 or -neg >= 100 / n_correct - 1e-4


def test_text_survives_as_html():
    data = render(exam(), slots(1), "moodle")
    root = etree.fromstring(data)
    text = root.find("question[@type='numerical']/questiontext/text").text
    assert KOREAN in text
    assert "a&lt;b &amp; c&gt;d, {braces}, #hash, ~tilde, costs $5 or $10, key=value" in text
    assert r"\(32 \times 32\)" in text
    assert NASTY.split(":")[0] in text


def test_korean_fixed_strings():
    data = render(exam("ko"), slots(1), "moodle", lang="ko")
    assert "정답입니다." in data.decode("utf-8")


def test_real_generated_questions_import():
    got = real(3)
    if got is None:
        pytest.skip("quizgen.api.variants is not available yet")
    questions, errors = check_moodle_xml(render(*got, "moodle"))
    assert errors == []
    assert sum(q.qtype != "category" for q in questions) == 3 * len(got[1])
