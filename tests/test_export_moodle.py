"""Moodle XML export, checked with the rules of Moodle's own importer (tests/moodle_rules.py)."""
import pytest
from lxml import etree

from export_fixtures import KOREAN, NASTY, exam, real, slots
from export_fixtures import q as fq
from moodle_rules import FRACTION_OPTIONS_FULL, check_moodle_xml, match_grade_options
from quizgen.export import render
from quizgen.export.cloze import WIDTH_PAD
from quizgen.export.values import choices_fractions, is_moodle_grade
from quizgen.model import SlotVariants


@pytest.fixture(scope="module")
def imported():
    questions, errors = check_moodle_xml(render(exam(), slots(3), "moodle"))
    assert errors == []
    return questions


def test_one_category_per_slot_holding_its_variants(imported):
    cats = [q.category for q in imported if q.qtype == "category"]
    assert cats == [f"$course$/top/fixture-exam/q{k}" for k in range(1, 8)]
    kinds = [q.qtype for q in imported if q.qtype != "category"]
    assert kinds == [t for t in ("numerical", "numerical", "shortanswer", "cloze", "cloze",
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
    q4 = next(q for q in imported if q.name.startswith("q4 v001"))
    assert [a.feedback for a in q4.cloze[1].alternatives] == ["Correct.", "You halved it.", ""]
    assert (q4.cloze[1].alternatives[-1].fraction, q4.cloze[1].alternatives[-1].answer) == (0.0, WIDTH_PAD)


def test_cloze_feedback_with_every_special_character():
    base = slots(1)
    q = base[3].variants[0]
    nasty = "a}b#c~d{e} <f> & \\g"
    from dataclasses import replace
    from quizgen.model import Misconception, SlotVariants
    q = replace(q, misconceptions=(Misconception("x", [9.0, 9.0, 9.0], nasty),))
    data = render(exam(), [SlotVariants("q4", "t", 2.0, (q,))], "moodle")
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
    # a wrong tick takes back one right tick's share: the allowed grade nearest to 100/n
    if n_wrong:
        grades = [100 * f for f in FRACTION_OPTIONS_FULL if f > 0]
        assert abs(-neg - 100 / n_correct) <= min(abs(g - 100 / n_correct) for g in grades) + 1e-6


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


# ------------------------------------------------------------------ multiple answers


def choices_questions() -> list:
    """A multiple-answer question for every count of right and wrong options 1..10."""
    out = []
    for n_right in range(1, 11):
        for n_wrong in range(1, 11):
            n = n_right + n_wrong
            right = list(range(0, n, 2))[:n_right]  # spread over the options
            right += [i for i in range(n) if i not in right][:n_right - len(right)]
            out.append(fq("c", "choices", sorted(right), options=[f"option {i}" for i in range(n)],
                          prompt="Pick all.", points=1.0))
    return out


def policy_percent(q, ticks: list[int]) -> float:
    """The key's score (quizgen.grading.scoring) of ticking ``ticks``, in percent."""
    from quizgen.answers import letters
    from quizgen.grading.scoring import score
    mark = score(q, " ".join(letters(i) for i in ticks))
    return 100 * mark.points / q.points


def moodle_percent(fractions: list[float], ticks: list[int]) -> float:
    """Moodle's qtype_multichoice_multi: sum of the ticked fractions, in [0, 1]."""
    return 100 * min(1.0, max(0.0, sum(fractions[i] for i in ticks)))


def assert_moodle_scores_like_the_key(q, fractions: list[float]) -> None:
    right = set(q.answer_value)
    rights = sorted(right)
    wrongs = [i for i in range(len(q.options)) if i not in right]
    for r in range(len(rights) + 1):
        for w in range(len(wrongs) + 1):
            ticks = rights[:r] + wrongs[:w]
            got, want = moodle_percent(fractions, ticks), policy_percent(q, ticks)
            assert abs(got - want) <= 0.01, (len(rights), len(wrongs), r, w, got, want)


def test_moodle_multiple_answer_scoring_is_the_keys_policy():
    """3, 6, 7, 9 right options: a wrong tick costs -33.33333 etc., not the next grade up."""
    qs = choices_questions()
    data = render(exam(), [SlotVariants("c", "choices", 1.0, tuple(qs))], "moodle")
    imported, errors = check_moodle_xml(data)
    assert errors == []
    got = [q for q in imported if q.qtype == "multichoice"]
    assert len(got) == len(qs)
    for q, imp in zip(qs, got):
        assert_moodle_scores_like_the_key(q, imp.fractions)


def test_gift_multiple_answer_scoring_is_the_keys_policy():
    from moodle_rules import check_gift
    qs = choices_questions()
    imported, errors = check_gift(render(exam(), [SlotVariants("c", "choices", 1.0, tuple(qs))],
                                         "gift"))
    assert errors == []
    got = [q for q in imported if q.qtype == "multichoice"]
    assert len(got) == len(qs)
    for q, imp in zip(qs, got):
        assert_moodle_scores_like_the_key(q, [a[0] for a in imp.answers])


def misconception_cases():
    """(question, {option: feedback texts expected on it}) computed from the sets."""
    opts = ["Linear", "ReLU", "Conv2d", "MaxPool2d", "Dropout"]
    q = fq("m", "choices", [0, 2], options=opts, prompt="Trainable?", mis=[
        ("all", [0, 1, 2, 3], "Pooling has no weights."),
        ("relu-too", [0, 1, 2], "ReLU has no weights."),   # shares option 1 with 'all'
        ("only-linear", [0], "Conv2d has a kernel."),       # leaves a right one out only
        ("key", [2, 0], "identical to the key"),            # the key itself
        ("bad", [0, 9], "out of range")])
    expected = {1: ["Pooling has no weights.", "ReLU has no weights."],
                3: ["Pooling has no weights."]}
    return q, expected


def test_moodle_multiple_answer_misconceptions_on_their_options(imported):
    q7 = [q for q in imported if q.name.startswith("q7 ")]
    base = {s.slot: s for s in slots(3)}["q7"].variants
    for imp, q in zip(q7, base):
        wrong_in_mis = set(q.misconceptions[0].value) - set(q.answer_value)
        fbs = [a.findtext("feedback/text") for a in imp.element.findall("answer")]
        assert [i for i, fb in enumerate(fbs) if "Pooling has no weights." in fb] == sorted(wrong_in_mis)
    q, expected = misconception_cases()
    (_, imp), errors = check_moodle_xml(render(exam(), [SlotVariants("m", "t", 1.0, (q,))], "moodle"))
    assert errors == []
    fbs = [a.findtext("feedback/text") for a in imp.element.findall("answer")]
    for i, fb in enumerate(fbs):
        want = expected.get(i, [])
        assert [t for t in ("Pooling has no weights.", "ReLU has no weights.", "Conv2d has a kernel.",
                            "identical to the key", "out of range") if t in fb] == want, (i, fb)


def test_every_cloze_box_of_the_bank_is_as_wide_as_any_other(bank):
    """Moodle sizes a Cloze box by its longest alternative (qtype_multianswer_textfield_renderer):
    with the padding alternative that is the same for every box of every variant, whatever
    the answer's sign, digits or misconceptions."""
    from quizgen.build import build_variants
    from quizgen.exam import Exam, Slot
    arrays = [t for t in bank.templates.values() if t.answer_type in ("vector", "matrix")]
    assert len(arrays) >= 5
    slots = tuple(Slot(f"s{i}-{lv}", t.id, None, lv, None) for i, t in enumerate(arrays) for lv in t.level_numbers)
    ex = Exam("w", {"en": "w"}, {"en": ""}, "en", {"en": ""}, "", slots, "")
    info, variants = build_variants(ex, bank, 12, "width")
    questions, errors = check_moodle_xml(render(info, variants, "moodle"))
    assert errors == []
    sizes, right = set(), []
    for q in questions:
        for sub in q.cloze or ():
            sizes.add(max(len(a.answer.strip()) for a in sub.alternatives))
            right.append(len(sub.alternatives[0].answer))
            assert sub.alternatives[0].fraction == 1.0
    assert sizes == {len(WIDTH_PAD)}, sizes
    assert abs(int(WIDTH_PAD)) < 2 ** 63  # PHP reads it as an integer and writes it back unchanged
    assert len(right) > 500 and max(right) < len(WIDTH_PAD) and len(set(right)) > 3  # answers do differ
