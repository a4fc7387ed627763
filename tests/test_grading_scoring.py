"""The scoring policy: exact and tolerant types, partial credit, penalties, misconceptions."""
from __future__ import annotations

import dataclasses

import pytest

from grading_helpers import KEY
from quizgen import answers
from quizgen.grading.keyfile import load_key
from quizgen.grading.scoring import Policy, accepted_interval, score

PAPER = load_key(KEY).papers[0]  # s001
Q = {q.slot: q for q in PAPER.questions}


@pytest.mark.parametrize("slot,text,status,points", [
    ("q1", "220", "correct", 2), ("q1", "220.0", "correct", 2), ("q1", "221", "wrong", 0),
    ("q2", "0.5", "correct", 1), ("q2", "0,505", "correct", 1), ("q2", ".51", "correct", 1),
    ("q2", "1/2", "correct", 1), ("q2", "0.52", "wrong", 0),
    ("q3", "16x32x32", "correct", 3), ("q3", "(16, 32, 31)", "partial", 2),
    ("q3", "16x32", "wrong", 0),
    ("q4", "1 2; 3 4", "correct", 2), ("q4", "[[1.005, 2], [3, 4]]", "correct", 2),
    ("q4", "[[1, 2], [3, 5]]", "partial", 1.5),
    ("q5", "a", "correct", 1), ("q5", "B", "wrong", 0),
    ("q6", "A, C", "correct", 2), ("q6", "A", "partial", 1), ("q6", "A B C", "partial", 1),
    ("q6", "A B", "wrong", 0), ("q6", "B D", "wrong", 0),
    ("q1", "", "blank", 0), ("q1", "  ", "blank", 0), ("q1", "two hundred", "invalid", 0),
])
def test_statuses_and_points(slot, text, status, points):
    m = score(Q[slot], text)
    assert (m.status, m.points, m.max_points) == (status, points, Q[slot].points)


def test_all_or_nothing_for_multipart():
    policy = Policy(multipart="all")
    assert score(Q["q3"], "16x32x31", policy).points == 0.0
    assert score(Q["q4"], "[[1, 2], [3, 5]]", policy).status == "wrong"
    assert score(Q["q6"], "A", policy).points == 1  # choices keep right-minus-wrong


def test_negative_marking_only_for_wrong_single_choice():
    policy = Policy(choice_penalty=0.25)
    assert score(Q["q5"], "B", policy).points == -0.25
    assert score(Q["q5"], "", policy).points == 0.0
    assert score(Q["q5"], "Z", policy).status == "invalid"  # no option Z: invalid, not wrong
    assert score(Q["q5"], "Z", policy).points == 0.0
    assert score(Q["q1"], "1", policy).points == 0.0


def test_invalid_answer_keeps_the_reason():
    m = score(Q["q1"], "1..2")
    assert m.status == "invalid" and m.reason.reason == "could not read '1..2' as a number"


def test_misconceptions_are_named():
    assert score(Q["q1"], "200").misconception == "forgot-bias"
    assert score(Q["q2"], "1,0").misconception == "sum-not-mean"
    assert score(Q["q3"], "16 x 30 x 30").misconception == "ignored-padding"
    assert score(Q["q4"], "[[1,3],[2,4]]").misconception == "transposed"
    assert score(Q["q5"], "(c)").misconception == "sigmoid"
    assert score(Q["q6"], "a b").misconception == "more-training"
    assert score(Q["q1"], "201").misconception is None
    assert score(Q["q1"], "220").misconception is None


def test_split_parts():
    assert score(Q["q3"], {(1,): "16", (2,): "32", (3,): "32"}).status == "correct"
    m = score(Q["q3"], {(1,): "16", (2,): "32", (3,): "32", (4,): ""})  # a spare column
    assert m.status == "correct" and m.text == "16 | 32 | 32"
    assert score(Q["q3"], {(1,): "", (2,): ""}).status == "blank"
    m = score(Q["q3"], {(1,): "16", (2,): "-3"})  # two boxes for three sizes
    assert (m.status, m.points, m.reason.code) == ("wrong", 0.0, "positive")
    assert score(Q["q3"], {(1,): "x", (2,): "-3", (3,): ""}).status == "invalid"
    m = score(Q["q4"], {(1, 1): "1", (1, 2): "2", (2, 1): "3", (2, 2): "4"})
    assert m.status == "correct" and m.text == "1 | 2 | 3 | 4"


@pytest.mark.parametrize("parts,text,blank", [
    ({(1,): "16", (2,): "", (3,): "32"}, "16 | _ | 32", "q3.2"),   # a blank in the middle
    ({(1,): "16", (2,): "32", (3,): ""}, "16 | 32 | _", "q3.3"),   # the last box blank
    ({(1,): "", (2,): "32", (3,): "32", (4,): ""}, "_ | 32 | 32", "q3.1"),
])
def test_blank_box_of_a_split_answer_is_one_wrong_entry(parts, text, blank):
    m = score(Q["q3"], parts)  # 16 x 32 x 32 for 3 points: 2 of 3 boxes right
    assert (m.status, m.points, m.parts, m.text) == ("partial", 2.0, (2, 3), text)
    assert (m.reason.code, m.reason.arg) == ("blank_part", blank)
    m = score(Q["q4"], {(1, 1): "1", (1, 2): "", (2, 1): "3", (2, 2): "4"})
    assert (m.status, m.points, m.text) == ("partial", 1.5, "1 | _ | 3 | 4")


def test_one_unreadable_matrix_entry_keeps_the_others():
    m = score(Q["q4"], "1 2; 3 four")  # 3 of 4 entries right, 2 points
    assert (m.status, m.points, m.parts, m.reason.code) == ("partial", 1.5, (3, 4), "number")
    m = score(Q["q4"], "7 8; 9 four")
    assert (m.status, m.points, m.reason.arg) == ("wrong", 0.0, "four")
    assert score(Q["q4"], "one two; three four").status == "invalid"


def test_unread_entries_are_named_in_the_feedback():
    from quizgen.grading.feedback import _status
    from quizgen.grading.messages import text
    m = score(Q["q3"], {(1,): "16", (2,): "", (3,): "32"})
    assert _status(m, text("en"), "en") == (
        "Partly correct: 2 of 3 parts right. Not every entry could be read (box q3.2 is "
        "blank); such an entry counts as wrong.")
    assert "q3.2번 칸이 비어 있습니다" in _status(m, text("ko"), "ko")


def test_decimal_comma_with_three_decimals_scores():
    from quizgen.grading.light import LightQuestion
    from quizgen.model import Tolerance
    q = LightQuestion("q15", "q15", 2, "real", 3.1117058862424223, Tolerance(0.002, 0.002), (),
                      None, 3)
    assert score(q, "3,112").status == "correct"
    assert score(q._replace(decimals=None), "3,112").status == "invalid"  # ambiguous
    m = LightQuestion("q6", "q6", 2, "matrix", [[0.0, -0.792, 0.0], [0.0, 4.608, 0.0]],
                      Tolerance(0.002, 0.01), (), None, 3)
    assert score(m, "0 -0,792 0; 0 4,608 0").status == "correct"
    assert score(m, {(1,): "0", (2,): "-0,792", (3,): "0", (4,): "0", (5,): "4,608",
                     (6,): "0"}).status == "correct"


def test_accepted_interval_is_the_graders():
    lo, hi = accepted_interval(Q["q2"])
    assert (lo, hi) == pytest.approx((0.49, 0.51))
    assert score(Q["q2"], str(hi)).status == "correct"
    assert score(Q["q2"], str(hi + 1e-4)).status == "wrong"


# ---------------------------------------------------------------- a word after the answer

@pytest.mark.parametrize("slot,text,status,read", [
    ("q1", "220 parameters", "correct", "220"), ("q1", "220 params", "correct", "220"),
    ("q1", "220개", "correct", "220"), ("q1", "220개의 파라미터", "correct", "220"),
    ("q1", "220 trainable parameters", "correct", "220"),
    ("q2", "0.5 nats", "correct", "0.5"), ("q2", "0,5 nats", "correct", "0,5"),
    ("q3", "16x32x32 values", "correct", "16x32x32"),
    ("q3", "16 × 32 × 32 pixels", "correct", "16 × 32 × 32"),
    ("q3", "16x32x32 elements", "correct", "16x32x32"),
    ("q1", "220 Parameters", "correct", "220"), ("q1", "220 PARAMS", "correct", "220"),
    ("q1", "220 개", "correct", "220"), ("q1", "220개 파라미터", "correct", "220"),
    ("q1", "220 매개변수", "correct", "220"), ("q2", "0.5 nat", "correct", "0.5"),
    ("q2", "0.5 나트", "correct", "0.5"), ("q3", "16x32x32개의 값", "correct", "16x32x32"),
    ("q4", "[[1, 2], [3, 4]] entries", "correct", "[[1, 2], [3, 4]]"),
    ("q1", "200 parameters", "wrong", "200"), ("q3", "16x32x31 values", "partial", "16x32x31"),
    ("q1", "220 parameters.", "correct", "220"), ("q1", "220개의파라미터", "correct", "220"),
])
def test_a_word_after_the_answer_is_left_out_and_named(slot, text, status, read):
    m = score(Q[slot], text)
    assert m.status == status and m.text == text  # the student's text is kept as written
    assert m.unit == text[len(read):].strip().rstrip(".") and m.reason is None
    assert m.points == score(Q[slot], read).points


@pytest.mark.parametrize("text,status,read", [
    ("220 parameters.", "correct", "220"), ("220 parameters. ", "correct", "220"),
    ("220 Parameters.", "correct", "220"), ("220개.", "correct", "220"),
    ("220 개.", "correct", "220"), ("220개의 파라미터.", "correct", "220"),
    ("220 trainable params.", "correct", "220"), ("220\tparameters.", "correct", "220"),
    ("220parameters.", "correct", "220"), ("220 parameters", "correct", "220"),
    # other punctuation or a full stop apart from the word: not left out (nor is it
    # after the bare number: '220!' and '220 .' are unreadable too)
    ("220 parameters!", "invalid", None), ("220  Parameters .", "invalid", None),
    ("220 개 .", "invalid", None), ("220 parameters?", "invalid", None),
    ("220 parameters..", "invalid", None),
])
def test_the_text_scored_is_the_answer_without_the_word_and_full_stop(text, status, read):
    from quizgen.grading.scoring import scored_text
    m = score(Q["q1"], text)
    assert m.status == status
    if read is None:
        assert m.unit == "" and scored_text(m) == text.strip()
    else:
        assert scored_text(m) == read and m.points == score(Q["q1"], read).points
    for bare in ("220!", "220 ."):
        assert score(Q["q1"], bare).status == "invalid"


def test_a_word_left_out_still_names_the_misconception():
    m = score(Q["q1"], "200 parameters")
    assert (m.status, m.misconception, m.unit) == ("wrong", "forgot-bias", "parameters")


@pytest.mark.parametrize("slot,text", [
    ("q1", "220k"), ("q1", "220 k"), ("q1", "220 thousand"), ("q1", "2.2 million"),
    ("q1", "22만"), ("q1", "22만 개"), ("q1", "220 or more"), ("q1", "about 220"),
    ("q1", "220 and 200"), ("q1", "two hundred"), ("q1", "220 x"), ("q1", "2e"),
    ("q1", "220 parameters and 20 biases"), ("q3", "16 x 32 x"), ("q1", "see q1"),
    ("q1", "220 is my answer"), ("q1", "220, I think"), ("q1", "220 is wrong"),
    ("q1", "220 maybe"), ("q1", "220 정도"), ("q1", "220 trainable weight parameters"),
    ("q3", "(16, 32, 32) activations"), ("q1", "220 weights"), ("q2", "0.5 bits"),
])
def test_words_that_change_or_hedge_the_answer_are_not_left_out(slot, text):
    m = score(Q[slot], text)
    assert m.unit == ""
    assert m.status == "invalid" or (m.status != "correct" and m.reason is not None)


# The audit's examples: words that multiply, operate on or hedge the number, or that
# name another quantity; only the allowlisted nouns and units are left out.
REFUSED_WORDS = [
    "hundred", "hundreds", "trillion", "dozen", "half", "thousandths", "percent", "pi",
    "squared", "cubed", "at least", "at most", "approximately", "ish", "max", "min",
    "이상", "미만", "이하", "초과", "약", "개 이상", "개 미만", "weights", "biases",
    "channels", "bits", "activations", "decimals", "parameters approximately",
    "approximately parameters", "weights parameters", "개의 이상",
]


@pytest.mark.parametrize("word", REFUSED_WORDS)
@pytest.mark.parametrize("slot,read", [("q1", "220"), ("q2", "0.5"), ("q3", "16x32x32"),
                                       ("q3", "16 x 32 x 32"), ("q4", "[[1, 2], [3, 4]]")])
def test_only_allowed_words_are_left_out(word, slot, read):
    m = score(Q[slot], f"{read} {word}")
    assert m.unit == "" and m.status != "correct" and m.points == 0
    if not word.startswith("개"):
        m = score(Q[slot], f"{read}{word}")  # written without a space
        assert m.unit == "" and m.status != "correct"


@pytest.mark.parametrize("text", ["28 hundred", "372 percent", "360 pi", "561 squared",
                                  "84 dozen", "92 at least", "217 approximately", "494 이상",
                                  "837 미만", "54개 이상", "713 half", "528 ish"])
def test_the_audits_answers_are_unreadable(text):
    number = text.split()[0].rstrip("개")
    q = dataclasses.replace(Q["q1"], answer_value=int(number))  # the number is right
    assert score(q, number).status == "correct"
    m = score(q, text)
    assert (m.status, m.points, m.unit) == ("invalid", 0.0, "")


# ---------------------------------------------------------------- a word after a shape, vector, matrix

def _light(atype, value, tol=(0.0, 0.0)):
    from quizgen.grading.light import LightQuestion
    from quizgen.model import Tolerance
    return LightQuestion("q7", "q7", 2, atype, value, Tolerance(*tol), (), None, None)


LISTS = {"q3": Q["q3"], "q4": Q["q4"], "v3": _light("vector", [1.0, 2.0, 3.0], (0.002, 0.0)),
         "v2": _light("vector", [0.5, 0.25], (0.002, 0.0)), "s2": _light("shape", [64, 6])}


@pytest.mark.parametrize("slot,text,points,word", [
    ("q3", "16 32 fifty", 2.0, "fifty"),        # was unreadable: 0 points
    ("q3", "16 32 sixteen", 2.0, "sixteen"),    # (an x inside the word splits nothing)
    ("q3", "16 32 Thirtytwo", 2.0, "Thirtytwo"),
    ("q3", "16 32 넷", 2.0, "넷"), ("q3", "16 32 열둘", 2.0, "열둘"),
    ("q3", "16 32 fifty four", 2.0, "fifty four"), ("q3", "16\n32\nfifty", 2.0, "fifty"),
    ("q3", "16; 32 fifty", 2.0, "fifty"), ("q3", "16x32 fifty", 2.0, "fifty"),
    ("q3", "16，32 fifty", 2.0, "fifty"),
    ("v3", "1 2 four", None, "four"), ("v3", "1,5 2 four", None, "four"),
])
def test_a_number_word_in_place_of_the_keys_last_entry_is_an_unreadable_entry(slot, text, points,
                                                                             word):
    """A number written as a word where the key's last entry goes is that entry, unreadable;
    the others earn their credit (as before words after an answer were refused)."""
    q = LISTS.get(slot) or Q[slot]
    m = score(q, text)
    assert m.status == "partial" and (m.reason.ok, m.reason.code, m.reason.arg) == (True, "number", word)
    assert points is None or m.points == points
    assert m.reason.reason == f"could not read '{word}' as a number"


@pytest.mark.parametrize("slot,text", [
    ("q3", "16 32 channels"),       # any other word: after the answer, even one entry short
    ("q3", "16; 32; 32 channels"), ("q3", "16x32 channels"),
    ("q3", "16 32 32 fifty"),       # a whole answer, then a number word: still after it
    ("q3", "64 fifty"),             # two short of the key's size
])
def test_other_words_after_a_list_stay_unreadable(slot, text):
    q = LISTS.get(slot) or Q[slot]
    m = score(q, text)
    assert (m.status, m.points, m.reason.code) == ("invalid", 0.0, "word"), m


@pytest.mark.parametrize("slot,text,word", [
    ("s2", "64 x 6 channels", "channels"), ("q3", "64 channels", "channels"),
    ("q3", "16x32x32 channels", "channels"), ("q3", "16 x 32 x 32 channels", "channels"),
    ("q3", "(16, 32, 32) channels", "channels"), ("q3", "[16,32,32] channels", "channels"),
    ("q3", "16,32,32 channels", "channels"), ("q3", "16×32×32 channels", "channels"),
    ("s2", "64 x 6 채널", "채널"), ("q3", "16 x 32 x 32 이상", "이상"),
    ("q3", "16x32x32 at least", "at least"), ("q3", "(16, 32, 32) activations", "activations"),
    ("v3", "1, 2, 3 channels", "channels"), ("v2", "0.5 0.25 bits", "bits"),
    ("v3", "[1, 2, 3] 채널", "채널"),
    ("q4", "1 2; 3 4 channels", "channels"), ("q4", "[[1, 2], [3, 4]] channels", "channels"),
    ("q4", "1 2; 3 4 채널", "채널"),
])
def test_a_word_not_on_the_list_after_a_list_is_unreadable_and_named(slot, text, word):
    """As "28 hundred" for a number: unreadable (no wrong size, no unread entry), 0 points
    under every policy, and the reason names the word in English and Korean."""
    from quizgen.grading.feedback import _status
    from quizgen.grading.messages import text as words
    q = LISTS[slot]
    for policy in (Policy(), Policy(multipart="all", choice_penalty=0.25)):
        m = score(q, text, policy)
        assert (m.status, m.points, m.unit, m.size, m.parts) == ("invalid", 0.0, "", None, None)
        assert (m.status, m.points) == score(Q["q1"], "28 hundred", policy)[1:3]
    assert (m.reason.ok, m.reason.code, m.reason.arg, m.text) == (False, "word", word, text)
    assert _status(m, words("en"), "en", q) == (
        f"Your answer could not be read: the word '{word}' after the numbers is not "
        f"understood. It scores 0.")
    assert _status(m, words("ko"), "ko", q) == (
        f"답을 읽을 수 없어 0점 처리했습니다: 숫자 뒤에 쓴 단어('{word}')를 이해할 수 없습니다.")


@pytest.mark.parametrize("slot,text,status,read", [
    ("q3", "16x32x32 values", "correct", "16x32x32"), ("q3", "16 x 32 x 32 pixels", "correct",
                                                       "16 x 32 x 32"),
    ("q3", "(16, 32, 32) values", "correct", "(16, 32, 32)"), ("q3", "16x32x31 values", "partial",
                                                               "16x32x31"),
    ("s2", "64 x 6 values", "correct", "64 x 6"), ("q3", "64 x 6 values", "wrong", "64 x 6"),
    ("v3", "1, 2, 3 units", "correct", "1, 2, 3"), ("v2", "0.5 0.25 units", "correct", "0.5 0.25"),
    ("q4", "1 2; 3 4 units", "correct", "1 2; 3 4"), ("q4", "1 2; 3 5 entries", "partial", "1 2; 3 5"),
])
def test_a_word_on_the_list_after_a_list_is_still_left_out(slot, text, status, read):
    m = score(LISTS[slot], text)
    assert (m.status, m.unit, m.reason) == (status, text[len(read):].strip(), None)
    assert m.points == score(LISTS[slot], read).points
    assert m.size == score(LISTS[slot], read).size  # a wrong size is still said


@pytest.mark.parametrize("slot,text,points,parts,arg", [
    ("q4", "1 2; 3 four", 1.5, (3, 4), "four"),          # the matrix rows need the entry
    ("q4", "1 2\n3 four", 1.5, (3, 4), "four"), ("q4", "1 2\nthree four", 1.0, (2, 4), "three"),
    ("q3", "16 x 32 x ab", 2.0, (2, 3), "ab"),             # after a separator
    ("v3", "1, 2, four", 4 / 3, (2, 3), "four"), ("v3", "1 four 3", 4 / 3, (2, 3), "four"),
])
def test_a_word_where_an_entry_goes_keeps_the_per_entry_credit(slot, text, points, parts, arg):
    m = score(LISTS[slot], text)
    assert (m.status, m.parts, m.reason.code, m.reason.arg, m.unit) == (
        "partial", parts, "number", arg, "")
    assert m.points == pytest.approx(points)


@pytest.mark.parametrize("text", ["A option", "A is right", "all", "answer A"])
def test_choice_letters_are_never_taken_for_a_unit(text):
    for slot in ("q5", "q6"):
        m = score(Q[slot], text)
        assert m.unit == "" and m.status == "invalid"


# ---------------------------------------------------------------- what a wrong answer lacks

@pytest.mark.parametrize("slot,text,size,en,ko", [
    ("q4", "1 2 3 4", (1, 4), "Your answer has 1 row of 4 numbers; the answer is 2 × 2.",
     "제출한 답은 1 × 4 행렬이지만 정답은 2 × 2 행렬입니다."),
    ("q4", "1 2; 3 4; 5 6", (3, 2), "Your answer has 3 rows of 2 numbers; the answer is 2 × 2.",
     "제출한 답은 3 × 2 행렬이지만 정답은 2 × 2 행렬입니다."),
    ("q3", "[16, 32]", (2,), "Your shape has 2 dimensions; the answer has 3.",
     "제출한 형태는 2차원이지만 정답은 3차원입니다."),
    ("q3", "512", (1,), "Your shape has 1 dimension; the answer has 3.",
     "제출한 형태는 1차원이지만 정답은 3차원입니다."),
])
def test_wrong_size_feedback_says_which_size(slot, text, size, en, ko):
    from quizgen.grading.feedback import _status
    from quizgen.grading.messages import text as words
    m = score(Q[slot], text)
    assert (m.status, m.size) == ("wrong", size)
    assert _status(m, words("en"), "en", Q[slot]) == "Not correct. " + en
    assert _status(m, words("ko"), "ko", Q[slot]) == "틀렸습니다. " + ko
    assert "16 × 32 × 32" not in en and "[[1" not in en  # sizes, never the values


def test_a_wrong_answer_of_the_right_size_has_no_size_note():
    from quizgen.grading.feedback import _status
    from quizgen.grading.messages import text as words
    m = score(Q["q4"], "9 9; 9 9")
    assert (m.status, m.size) == ("wrong", None)
    assert _status(m, words("en"), "en", Q["q4"]) == "Not correct."


def test_a_vector_of_the_wrong_length_says_how_many_numbers():
    from quizgen.grading.feedback import _status
    from quizgen.grading.light import LightQuestion
    from quizgen.grading.messages import text as words
    from quizgen.model import Tolerance
    q = LightQuestion("q7", "q7", 2, "vector", [0.1, 0.2, -0.3], Tolerance(0.002, 0.0), (),
                      None, 3)
    m = score(q, "0.1 0.2 -0.3 0.4")
    assert m.size == (4,)
    assert _status(m, words("en"), "en", q) == (
        "Not correct. Your answer has 4 numbers; the answer has 3.")
    assert _status(m, words("ko"), "ko", q) == (
        "틀렸습니다. 제출한 답에는 수가 4개 있지만 정답에는 3개 있습니다.")


@pytest.mark.parametrize("slot,text,en,ko", [
    ("q6", "all", "write the letters of your choices, e.g. A C", "고른 보기의 기호를 쓰십시오(예: A C)"),
    ("q6", "none", "write the letters of your choices, e.g. A C", "고른 보기의 기호를 쓰십시오(예: A C)"),
    ("q6", "모두", "write the letters of your choices, e.g. A C", "고른 보기의 기호를 쓰십시오(예: A C)"),
    ("q5", "all", "write the letter of your choice, e.g. B", "고른 보기의 기호 하나를 쓰십시오(예: B)"),
])
def test_a_word_where_option_letters_go_gets_a_hint(slot, text, en, ko):
    from quizgen.grading.feedback import _status
    from quizgen.grading.messages import text as words
    m = score(Q[slot], text)
    assert m.status == "invalid"
    assert _status(m, words("en"), "en", Q[slot]) == (
        f"Your answer could not be read: {en}. It scores 0.")
    assert _status(m, words("ko"), "ko", Q[slot]) == f"답을 읽을 수 없어 0점 처리했습니다: {ko}."


def test_a_letter_beyond_the_options_is_still_named():
    from quizgen.grading.feedback import _status
    from quizgen.grading.messages import text as words
    n = len(Q["q6"].options)
    slip = "a" + chr(ord("a") + n)  # "ae" with four options: a slip, not a word
    m = score(Q["q6"], slip)
    assert _status(m, words("en"), "en", Q["q6"]) == (
        f"Your answer could not be read: there is no option '{slip[1]}'. It scores 0.")


@pytest.mark.parametrize("text,status", [
    ("Yes", "correct"), ("yes.", "correct"), ("  YES ", "correct"), ("No", "wrong"),
    ("예", "correct"), ("아니요", "wrong"), ("Yes No", "invalid"), ("Yes, I think", "invalid"),
    ("y", "invalid"), ("Maybe", "invalid"),
])
def test_a_choice_written_out_as_its_option(text, status):
    """A student who writes the option ("Yes", or "예" on a Korean paper) instead of its
    letter chose that option; anything but exactly one option's text stays unreadable."""
    q = dataclasses.replace(Q["q5"], options=("Yes", "No"), answer_value=0, misconceptions=())
    ko = dataclasses.replace(q, options=("예", "아니요"))
    m = score(ko if not text.strip(" .").isascii() else q, text)
    assert m.status == status, (text, m)


def test_an_option_written_out_with_markup_and_ties():
    q = dataclasses.replace(Q["q5"], options=("$y$ does not change at all.", "`ReLU`", "ReLU", "B"),
                            answer_value=0, misconceptions=())
    assert score(q, "y does not change at all").status == "correct"
    assert score(q, "relu").status == "invalid"     # two options read alike: neither is taken
    assert score(q, "B").status == "wrong"           # a letter is a letter (option B), not option "B"
