"""Answer types: every accepted spelling, garbage, comparison, display."""
from __future__ import annotations

import random

import pytest

from quizgen.answers import (BLANK, REASONS, Parsed, Score, compare, explain, format_answer,
                             letters, matches, parse)
from quizgen.josa import josa
from quizgen.model import ANSWER_TYPES, Tolerance

EXACT = Tolerance()


def ok(answer_type, text, **kw):
    p = parse(answer_type, text, **kw)
    assert p.ok, (text, p.reason)
    return p.value


def bad(answer_type, text, **kw):
    p = parse(answer_type, text, **kw)
    assert not p.ok and p.value is None, (text, p)
    assert p.reason and p.reason != "blank"
    return p


@pytest.mark.parametrize("text", ["16x50x50", "16 × 50 × 50", "16X50X50", "(16, 50, 50)",
                                  "[16,50,50]", "16,50,50", "16 50 50", " 16 x 50 x 50 ",
                                  "torch.Size([16, 50, 50])", "(16, 50, 50,)", "16*50*50",
                                  "16;50;50", "16 ✕ 50 ✕ 50", "16 by 50 by 50", "16 BY 50 By 50",
                                  "16by50by50", "16 \\times 50 \\times 50", "$16 \\times 50 \\times 50$",
                                  "(16 by 50 by 50)", "$16 x 50 x 50$"])
def test_shape_spellings(text):
    assert ok("shape", text) == [16, 50, 50]


def test_shape_two_dims_and_single():
    assert ok("shape", "16X50") == [16, 50]
    assert ok("shape", "(10,)") == [10]
    assert ok("shape", "3.0 x 4") == [3, 4]
    assert ok("shape", "[16, 50") == [16, 50]  # a forgotten bracket is forgiven


@pytest.mark.parametrize("text", ["16x0", "16x-2", "16x5.5", "16xx50", "16,,50", "()",
                                  "16 x fifty", "16 x 50 x", "16 by", "by 50", "16 by fifty"])
def test_shape_garbage(text):
    bad("shape", text)


def test_shape_reason_names_the_size():
    assert bad("shape", "16x0x4").reason == "shape sizes must be positive whole numbers, not '0'"


@pytest.mark.parametrize("text,value", [
    ("0.25", 0.25), (".25", 0.25), ("0,25", 0.25), ("1/4", 0.25), (" 1 / 4 ", 0.25),
    ("2.5e-3", 0.0025), ("-3.2E+01", -32.0), ("1 000", 1000.0), ("1 000 000.5", 1000000.5),
    ("\u22120.5", -0.5), ("+3", 3.0), ("  7  ", 7.0), ("3.", 3.0), ("-.5", -0.5),
    ("1,250.5", 1250.5), ("1.250,5", 1250.5), ("1,000,000", 1e6), ("12,5", 12.5),
    ("0,250", 0.25), ("2.5x10^-3", 0.0025), ("2.5 × 10^(-3)", 0.0025), ("2.5*10**3", 2500.0),
    ("\u00bd", 0.5), ("1\u00a0000", 1000.0), ("1\u202f000", 1000.0), ("1'000", 1000.0),
    ("\uff13", 3.0), ("1,5e-3", 0.0015), ("-1/8", -0.125),
])
def test_real_spellings(text, value):
    assert ok("real", text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["1..2", "abc", "nan", "inf", "1e999", "1/0", "1 5", "--1",
                                  "1e", "0x10", "1_000", "e5", "1,2,3", "1/2/3", "3 apples"])
def test_real_garbage(text):
    bad("real", text)


def test_number_reasons():
    assert bad("real", "1..2").reason == "could not read '1..2' as a number"
    assert bad("real", "1/0").code == "zero_div"
    assert bad("real", "1e999").code == "finite"
    assert bad("real", "1,250").code == "ambiguous"  # thousands or decimal comma?


@pytest.mark.parametrize("text,value", [("3", 3), ("3.0", 3), ("-7", -7), ("1e3", 1000),
                                        ("1,250", 1250), ("23,587,712", 23587712),
                                        ("1 000", 1000), ("6/2", 3), ("3,0", 3), ("+4", 4),
                                        ("12345678901234567890", 12345678901234567890)])
def test_integer_spellings(text, value):
    v = ok("integer", text)
    assert v == value and isinstance(v, int)


def test_integer_rejects_fractions():
    assert bad("integer", "3.5").reason == "'3.5' is not a whole number"
    bad("integer", "1/3")
    bad("integer", "0,125")


@pytest.mark.parametrize("text,value", [
    ("0.5, 0.25", [0.5, 0.25]), ("0,5 0,25", [0.5, 0.25]), ("0,5; 0,25", [0.5, 0.25]),
    ("[1, -2.5, 3]", [1.0, -2.5, 3.0]), ("(1 2 3)", [1.0, 2.0, 3.0]), ("1x2", [1.0, 2.0]),
    ("tensor([0.1, 0.2])", [0.1, 0.2]), ("1/2 1/4", [0.5, 0.25]), ("\u22121, 2", [-1.0, 2.0]),
    ("array([1., 2.])", [1.0, 2.0]), ("0.7", [0.7]),
])
def test_vector_spellings(text, value):
    assert ok("vector", text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["[1, , 2]", "1, x", "[]", "1,000 2,000"])
def test_vector_garbage(text):
    bad("vector", text)


@pytest.mark.parametrize("text", ["[[1,2],[3,4]]", "[[1, 2], [3, 4]]", "1 2; 3 4", "1,2;3,4",
                                  "1 2\n3 4", "1, 2\r\n3, 4\n", "[1 2; 3 4]",
                                  "[[1. 2.]\n [3. 4.]]", "tensor([[1, 2], [3, 4]])",
                                  "[[1,2],\n [3,4]]"])
def test_matrix_spellings(text):
    assert ok("matrix", text) == [[1.0, 2.0], [3.0, 4.0]]


def test_matrix_decimal_commas_and_shapes():
    assert ok("matrix", "0,5 0,25; 1 2") == [[0.5, 0.25], [1.0, 2.0]]
    assert ok("matrix", "1 2 3") == [[1.0, 2.0, 3.0]]
    assert ok("matrix", "1;2;3") == [[1.0], [2.0], [3.0]]


# ---------------------------------------------------------------- decimal commas

@pytest.mark.parametrize("answer_type,text,decimals,value", [
    ("real", "3,112", 3, 3.112), ("real", "-3,112", 3, -3.112), ("real", "1,250", 2, 1.25),
    ("real", "0,250", None, 0.25), ("real", "1,234,567", 3, 1234567.0),
    ("real", "1,234.5", 3, 1234.5), ("real", "1.234,567", 3, 1234.567),
    ("integer", "3,424", None, 3424), ("integer", "3,424", 3, 3424),
    ("matrix", "0 -0,792 0; 0 4,608 0", 3, [[0.0, -0.792, 0.0], [0.0, 4.608, 0.0]]),
    ("matrix", "0 0,206 1,076; 0 -0,097 -0,508", 3,
     [[0.0, 0.206, 1.076], [0.0, -0.097, -0.508]]),
    ("matrix", "[[0,206, 1,076], [2,5, 3]]", 3, [[0.206, 1.076], [2.5, 3.0]]),
    ("vector", "0,206, 1,076", 3, [0.206, 1.076]), ("vector", "[0,5, 0,25]", None, [0.5, 0.25]),
    ("vector", "1,000 2,000", 3, [1.0, 2.0]),
    # commas that are all alike separate entries, with or without decimals asked
    ("vector", "1, 2, 3", 3, [1.0, 2.0, 3.0]), ("vector", "1,2,3", 3, [1.0, 2.0, 3.0]),
    ("vector", "1, 2, 3", None, [1.0, 2.0, 3.0]),
    ("matrix", "1,2;3,4", 3, [[1.0, 2.0], [3.0, 4.0]]),
])
def test_decimal_comma_when_decimals_are_asked(answer_type, text, decimals, value):
    got = ok(answer_type, text, decimals=decimals)
    if answer_type == "matrix":
        assert [len(r) for r in got] == [len(r) for r in value]
        got, value = [x for r in got for x in r], [x for r in value for x in r]
    assert got == pytest.approx(value)


@pytest.mark.parametrize("answer_type,text,decimals", [
    ("real", "3,112", None), ("real", "3,112", 0), ("matrix", "0 4,608 0", 0),
    ("vector", "0,206, 1,076", None), ("real", "1,23,4", 3),
])
def test_thousands_or_decimal_stays_ambiguous_without_decimals(answer_type, text, decimals):
    assert bad(answer_type, text, decimals=decimals).code in ("ambiguous", "number")


def test_decimal_comma_reading_scores_a_right_answer():
    tol = Tolerance(abs=0.002, rel=0.002)
    p = parse("real", "3,112", decimals=3)
    assert compare("real", p.value, 3.1117058862424223, tol).fraction == 1.0
    m = parse("matrix", "0 -0,792 0; 0 4,608 0", decimals=3)
    right = [[0.0, -0.7920000000000004, 0.0], [0.0, 4.6080000000000005, 0.0]]
    assert compare("matrix", m.value, right, Tolerance(abs=0.002, rel=0.01)).fraction == 1.0


# ---------------------------------------------------------------- one unreadable entry

def test_per_entry_reading_keeps_the_readable_entries():
    tol = Tolerance(abs=0.01)
    p = parse("matrix", "1 2; 3 abc", per_entry=True)
    assert p.ok and p.value == [[1.0, 2.0], [3.0, None]] and p.code == "number"
    assert p.arg == "abc" and "abc" in p.reason
    s = compare("matrix", p.value, [[1, 2], [3, 4]], tol)
    assert (s.fraction, s.parts_correct, s.parts_total) == (0.75, 3, 4)
    assert not matches("matrix", p.value, [[1, 2], [3, 4]], tol)
    v = parse("vector", "1, , 3", per_entry=True)
    assert v.value == [1.0, None, 3.0] and v.code == "empty_part"
    assert compare("vector", v.value, [1.0, 2.0, 3.0], tol).parts_correct == 2
    sh = parse("shape", "16 x 0 x 32", per_entry=True)
    assert sh.value == [16, None, 32] and sh.code == "positive"
    assert compare("shape", sh.value, [16, 32, 32], EXACT).parts_correct == 2
    assert not parse("matrix", "1 2; 3 abc").ok  # without per_entry (the practice page)
    assert not parse("matrix", "a b; c d", per_entry=True).ok  # nothing readable
    assert parse("matrix", "1 2; 3", per_entry=True).code == "ragged"  # no structure


# ---------------------------------------------------------------- a word after a list

@pytest.mark.parametrize("kind,text,word", [
    ("shape", "64 x 6 channels", "channels"), ("shape", "16x50x50 pixels", "pixels"),
    ("shape", "16 x 50 x 50 channels", "channels"), ("shape", "16×50×50 channels", "channels"),
    ("shape", "(16, 50, 50) activations", "activations"), ("shape", "[16,50,50] maps", "maps"),
    ("shape", "16,50,50 channels", "channels"), ("shape", "64 x 6 채널", "채널"),
    ("shape", "16x50x50channels", "channels"), ("shape", "16 x 50 x 50 at least", "at least"),
    ("shape", "torch.Size([16, 50, 50]) values", "values"), ("shape", "16 50 50 bits", "bits"),
    ("shape", "16x50x50개의 값", "개의 값"), ("shape", "64 x 6\nchannels", "channels"),
    ("vector", "1, 2, 3 units", "units"), ("vector", "1, 2, 3 channels", "channels"),
    ("vector", "0.5 0.25 units", "units"), ("vector", "0.5 0.25 bits", "bits"),
    ("vector", "[0.5, 0.25] 이상", "이상"), ("vector", "0,5; 0,25 nats", "nats"),
    ("matrix", "1 2; 3 4 units", "units"), ("matrix", "1 2; 3 4 channels", "channels"),
    ("matrix", "[[1, 2], [3, 4]] channels", "channels"), ("matrix", "1 2\n3 4 bits", "bits"),
    ("matrix", "1 2; 3 4 채널", "채널"), ("matrix", "1 2; 3 4 channels wide", "channels wide"),
])
def test_a_word_after_a_whole_list_makes_it_unreadable_and_is_named(kind, text, word):
    """Set apart from the last number by spaces only, after text that is a whole answer by
    itself: the word is no entry, and the reason names it (the grader leaves out a word of
    its list, "16x50x50 values", and reads the rest)."""
    for per_entry in (True, False):
        p = parse(kind, text, per_entry=per_entry)
        assert (p.ok, p.value, p.code, p.arg) == (False, None, "word", word), (per_entry, p)
    assert p.reason == f"the word '{word}' after the numbers is not understood"
    assert explain(p, "ko") == f"숫자 뒤에 쓴 단어('{word}')를 이해할 수 없습니다"


@pytest.mark.parametrize("kind,text,value,arg", [
    ("matrix", "1 2; 3 four", [[1.0, 2.0], [3.0, None]], "four"),    # the rows need it
    ("matrix", "1 2; 3 4; 5 seven", [[1.0, 2.0], [3.0, 4.0], [5.0, None]], "seven"),
    ("matrix", "1 2\nthree four", [[1.0, 2.0], [None, None]], "three"),  # a row of its own
    ("vector", "1, 2, four", [1.0, 2.0, None], "four"),               # after a separator
    ("vector", "0,5; four", [0.5, None], "four"),
    ("vector", "1 four 3", [1.0, None, 3.0], "four"),                 # not at the end
    ("shape", "16 x 32 x ab", [16, 32, None], "ab"),
    ("shape", "16x32xfifty", [16, 32, None], "fifty"),
    ("shape", "16 x 32 x 32 x channels", [16, 32, 32, None], "channels"),
])
def test_a_word_where_an_entry_goes_stays_one_unreadable_entry(kind, text, value, arg):
    p = parse(kind, text, per_entry=True)
    assert (p.ok, p.value, p.code, p.arg) == (True, value, "number", arg)
    assert parse(kind, text).code == "number"  # read whole: the entry is the reason


@pytest.mark.parametrize("text", ["16 x 50 x", "16 x 50 x 50 x", "(16, 50) x", "16 x 0 x 50 ab"])
def test_a_separator_or_an_unreadable_list_before_a_word_is_not_a_word_after_it(text):
    assert parse("shape", text, per_entry=True).code != "word"


def test_the_word_reasons_particle_is_the_one_for_the_word_before_the_parenthesis():
    # "단어('{arg}')를": the particle belongs to 단어, whatever the student wrote
    assert REASONS["word"]["ko"].startswith("숫자 뒤에 쓴 단어('{arg}')" + josa("단어", "을")[2:])
    for word in ("channels", "채널", "at least", "bits", "값"):
        assert f"단어('{word}')를 " in explain(parse("shape", f"16 x 50 {word}"), "ko")


@pytest.mark.parametrize("text", ["[[1,2],[3]]", "1 2; 3", "[[1,2]x[3,4]]", "[[1,a],[3,4]]",
                                  "[[]]", "1 2; x y"])
def test_matrix_garbage(text):
    bad("matrix", text)


def test_matrix_ragged_reason():
    assert bad("matrix", "1 2; 3").code == "ragged"


@pytest.mark.parametrize("text,value", [("B", 1), ("b", 1), ("(b)", 1), ("b)", 1), ("B.", 1),
                                        ("B) tanh x", 1), ("b: tanh", 1), ("(2) tanh", 1),
                                        ("2", 1), (" 2 ", 1), ("(2)", 1), ("a", 0), ("D", 3)])
def test_choice_spellings(text, value):
    assert ok("choice", text, n_options=4) == value


def test_choice_garbage_and_range():
    assert bad("choice", "E", n_options=4).reason == "there is no option 'E'"
    assert bad("choice", "5", n_options=4).code == "no_option"
    assert bad("choice", "0", n_options=4).code == "no_option"
    assert bad("choice", "A, C", n_options=4).code == "one_option"
    assert bad("choice", "AB", n_options=4).code == "one_option"
    assert bad("choice", "the second", n_options=4).code == "option"
    assert ok("choice", "Z") == 25  # without n_options any letter is an index


@pytest.mark.parametrize("text", ["A,C", "AC", "a c", "1,3", "C,A", "A, C, A", "(a) (c)",
                                  "A;C", "a/c", "A and C", "[1, 3]", "ca", "A와 C"])
def test_choices_spellings(text):
    assert ok("choices", text, n_options=4) == [0, 2]


@pytest.mark.parametrize("text", ["A, 2", "Option A", "A,E", "1,9", "?", "0"])
def test_choices_garbage(text):
    bad("choices", text, n_options=4)


@pytest.mark.parametrize("answer_type", ANSWER_TYPES)
@pytest.mark.parametrize("text", ["", "   ", "\t\n", None, "\u00a0"])
def test_blank_is_distinguishable(answer_type, text):
    p = parse(answer_type, text, n_options=4)
    assert p == BLANK and p.reason == "blank" and not p.ok and p.value is None


def test_non_string_input_is_read_as_text():
    assert ok("integer", 3) == 3
    assert ok("real", 0.5) == 0.5


def test_too_long_is_refused():
    assert bad("integer", "9" * 5000).code == "too_long"


def test_unknown_type_is_a_programming_error():
    with pytest.raises(ValueError):
        parse("colour", "red")


def test_parsed_is_frozen_and_cached():
    p = parse("real", "0.25")
    assert isinstance(p, Parsed)
    with pytest.raises(AttributeError):
        p.ok = False  # type: ignore[misc]
    assert parse("real", "0.25") is p


def test_explain_in_korean():
    p = parse("real", "1..2")
    assert explain(p) == p.reason
    assert explain(p, "ko") == "답('1..2')을 숫자로 읽을 수 없습니다"
    assert all(set(v) == {"en", "ko"} for v in REASONS.values())


# ---------------------------------------------------------------- compare

def test_real_tolerance_is_abs_plus_rel():
    tol = Tolerance(abs=0.01, rel=0.0)
    assert compare("real", 0.26, 0.25, tol) == Score(1.0, 1, 1)  # 0.26-0.25 > 0.01 in binary
    assert compare("real", 0.2601, 0.25, tol).fraction == 0.0
    tol = Tolerance(abs=0.0, rel=0.01)
    assert compare("real", 101.0, 100.0, tol).fraction == 1.0
    assert compare("real", 101.5, 100.0, tol).fraction == 0.0
    assert compare("real", -99.0, -100.0, tol).fraction == 1.0
    assert compare("real", 0.1 + 0.2, 0.3, EXACT).fraction == 1.0


def test_exact_types():
    assert compare("integer", 3, 3, EXACT).fraction == 1.0
    assert compare("integer", 4, 3, Tolerance(abs=5)).fraction == 0.0  # integers are exact
    assert compare("choice", 1, 1, EXACT) == Score(1.0, 1, 1)
    assert compare("choice", 2, 1, EXACT) == Score(0.0, 0, 1)


def test_per_component_credit():
    assert compare("shape", [16, 50, 49], [16, 50, 50], EXACT) == Score(2 / 3, 2, 3)
    assert compare("shape", [16, 50], [16, 50, 50], EXACT) == Score(0.0, 0, 3)
    assert compare("vector", [1.0, 2.05], [1.0, 2.0], Tolerance(abs=0.1)) == Score(1.0, 2, 2)
    assert compare("matrix", [[1, 2], [3, 5]], [[1, 2], [3, 4]], EXACT) == Score(0.75, 3, 4)
    assert compare("matrix", [[1, 2, 3, 4]], [[1, 2], [3, 4]], EXACT) == Score(0.0, 0, 4)
    assert compare("matrix", [[1, 2], [3, 4]], [[1, 2, 3, 4]], EXACT) == Score(0.0, 0, 4)


def test_choices_right_minus_wrong():
    assert compare("choices", [0, 2], [0, 2], EXACT) == Score(1.0, 2, 2)
    assert compare("choices", [0], [0, 2], EXACT) == Score(0.5, 1, 2)
    assert compare("choices", [0, 1], [0, 2], EXACT) == Score(0.0, 1, 2)
    assert compare("choices", [0, 1, 3], [0, 2], EXACT).fraction == 0.0  # floored at 0
    assert compare("choices", [0, 1, 2], [0, 2, 3], EXACT).fraction == pytest.approx(1 / 3)


def test_invalid_answer_scores_zero():
    assert compare("matrix", None, [[1, 2], [3, 4]], EXACT) == Score(0.0, 0, 4)
    assert compare("real", None, 1.0, EXACT) == Score(0.0, 0, 1)


def test_matches_recognises_misconceptions():
    tol = Tolerance(abs=0.01)
    assert matches("shape", [16, 49, 49], [16, 49, 49], tol)
    assert not matches("shape", [16, 49, 50], [16, 49, 49], tol)
    assert matches("real", 0.505, 0.5, tol)
    assert matches("choices", [2, 0], [0, 2], tol)
    assert not matches("choices", [0], [0, 2], tol)
    assert not matches("real", None, 0.5, tol)


# ---------------------------------------------------------------- display

def test_format_answer():
    assert format_answer("shape", [16, 50, 50]) == "16 × 50 × 50"
    assert format_answer("matrix", [[1, 2], [3, 4]]) == "[[1, 2], [3, 4]]"
    assert format_answer("matrix", [[1, 2.5]], decimals=2) == "[[1.00, 2.50]]"
    assert format_answer("real", 0.25, decimals=3) == "0.250"
    assert format_answer("real", 2.0, decimals=2) == "2.00"
    assert format_answer("real", -0.0001, decimals=2) == "0.00"
    assert format_answer("real", 0.1) == "0.1"
    assert format_answer("vector", [0.5, 1], decimals=1) == "[0.5, 1.0]"
    assert format_answer("integer", 1234567) == "1234567"
    assert format_answer("choice", 1) == "B"
    assert format_answer("choices", [0, 2]) == "A, C"
    assert format_answer("choice", 1, options=["x", "y"]) == "B"
    assert format_answer("real", None) == ""


def test_format_then_parse_round_trips():
    for answer_type, value, decimals in [("shape", [16, 50, 50], None),
                                         ("matrix", [[1.5, -2.0], [3.0, 4.25]], 2),
                                         ("vector", [0.125, -1.0], 3), ("real", -3.75, 2),
                                         ("choice", 3, None), ("choices", [1, 3], None),
                                         ("integer", -12, None)]:
        text = format_answer(answer_type, value, decimals)
        assert matches(answer_type, parse(answer_type, text).value, value, EXACT), text


def test_letters():
    assert [letters(i) for i in (0, 1, 25, 26, 27, 701, 702)] == \
        ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]


# ---------------------------------------------------------------- no input raises

_ALPHABET = "0123456789 .,;:/+-−eExX×*()[]{}\n\tabcABC_'\"%^\\\u00a0½１ⅷ"


def test_random_strings_never_raise():
    rng = random.Random(1234)
    for _ in range(3000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 25)))
        for answer_type in ANSWER_TYPES:
            p = parse(answer_type, text, n_options=rng.choice([None, 2, 5]))
            assert isinstance(p, Parsed) and (p.ok or p.value is None)
            if p.ok:
                compare(answer_type, p.value, p.value, EXACT)


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # hypothesis is in the test extra; the seeded fuzz above still runs
    given = None

if given is not None:
    @settings(max_examples=300, deadline=None)
    @given(st.sampled_from(ANSWER_TYPES), st.text(max_size=40),
           st.sampled_from([None, 1, 4, 30]))
    def test_hypothesis_parse_never_raises(answer_type, text, n_options):
        p = parse(answer_type, text, n_options=n_options)
        assert p.ok or (p.value is None and p.reason)
        if p.ok:
            assert compare(answer_type, p.value, p.value, EXACT).fraction == 1.0


def test_huge_powers_of_ten_are_invalid_not_an_exception():
    from quizgen.answers import parse
    for text in ("1x10^309", "9 × 10^400", "1*10**308"):
        p = parse("real", text)
        assert p.ok == (text == "1*10**308"), (text, p)
    assert parse("real", "2.5x10^-3").value == 0.0025



def _general_floats(s):
    from quizgen.answers import _Bad, _number, _tokens
    try:
        tokens = _tokens(s)
        if not all(tokens):
            return None
        return [_number(t, False) for t in tokens]
    except _Bad:
        return None


if given is not None:
    @settings(max_examples=3000, deadline=None)
    @given(st.text(alphabet="0123456789.-+,; \t\nex_", max_size=14))
    def test_plain_floats_fast_path_agrees_with_the_general_reader(s):
        """The hot path for rows of reals gives the general path's numbers, or steps aside."""
        from quizgen.answers import _plain_floats
        fast = _plain_floats(s)
        if fast is not None:
            assert fast == _general_floats(s) and all(type(x) is float for x in fast)


def test_plain_floats_fast_path_is_taken_for_the_common_spellings():
    from quizgen.answers import _plain_floats
    for text, want in (("1.5 -2 3e2", [1.5, -2.0, 300.0]), ("1.5, -2,  3", [1.5, -2.0, 3.0]),
                       ("-0.141 -0.030 0.000", [-0.141, -0.03, 0.0])):
        assert _plain_floats(text) == want == _general_floats(text)
    for other in ("0,5 0,25", "1;2", "1_0 2", "inf 1", "1,2", "", " 1 2"):
        assert _plain_floats(other) is None


if given is not None:
    @settings(max_examples=4000, deadline=None)
    @given(st.text(alphabet="0123456789.-, ;\n\r[]()x", min_size=1, max_size=18))
    def test_matrix_common_rows_agree_with_the_general_rule(s):
        """The cheap row split gives the general rule's rows (or the same error), or steps aside."""
        from quizgen.answers import _Bad, _common_rows, _rows_of
        s = s.strip()
        if not s:
            return
        try:
            fast = _common_rows(s)
        except _Bad as bad:
            with pytest.raises(_Bad) as e:
                _rows_of(s)
            assert e.value.code == bad.code
            return
        if fast is not None:
            general = [r.strip().rstrip(",") for r in _rows_of(s)]
            assert [r.strip().rstrip(",") for r in fast] == general


def test_matrix_common_rows_are_taken():
    from quizgen.answers import _common_rows
    assert _common_rows("[[1, 2], [3, 4]]") == ["1, 2", "3, 4"]
    assert _common_rows("1 2; 3 4") == ["1 2", "3 4"]
    assert _common_rows("1 2\n3 4;") == ["1 2", "3 4"]
    assert _common_rows("(1 2; 3 4)") is None and _common_rows("[[1,2]x[3,4]]") is None


def test_matches_and_compare_agree_with_counting_every_part():
    """``matches`` stops at the first difference and ``compare`` takes equal lists at once:
    both must say what counting every component says."""
    import random
    from quizgen.answers import _hits, _rows
    rnd = random.Random(7)
    tol = Tolerance(0.01, 0.0)
    for _ in range(3000):
        kind = rnd.choice(["shape", "vector", "matrix"])
        n, m = rnd.randint(1, 4), rnd.randint(1, 4)
        pick = (lambda: rnd.randint(1, 3)) if kind == "shape" else (lambda: rnd.choice([0.5, 1.0, 1.005, 2.0]))
        make = ((lambda: [[pick() for _ in range(m)] for _ in range(n)]) if kind == "matrix"
                else (lambda: [pick() for _ in range(n)]))
        a, b = make(), make()
        if rnd.random() < 0.3:
            b = a
        t = None if kind == "shape" else tol
        fa, fb = _rows(a, b) if kind == "matrix" else (a, b)
        hits = _hits(fa, fb, t)
        assert matches(kind, a, b, tol) == (hits == len(fb))
        assert compare(kind, a, b, tol).parts_correct == hits
        assert compare(kind, a, b, tol).fraction == hits / len(fb)


@pytest.mark.parametrize("text, kind", [("2⁹⁷", "integer"), ("297²", "real"), ("1½", "real"), ("297₂", "integer"),
                                        ("16 x 5²", "shape"), ("①", "choice"), ("0.3⁰⁵", "real")])
def test_superscripts_subscripts_and_fraction_signs_are_unreadable_not_other_digits(text, kind):
    # NFKC would read 2⁹⁷ as 297 and 1½ as 11/2: a different number, marked as if typed
    p = parse(kind, text, n_options=4 if kind == "choice" else None, decimals=3)
    assert not p.ok and p.code == "script" and "plain digits" in p.reason
    assert parse("integer", "１２").value == 12   # full-width digits are still just digits
