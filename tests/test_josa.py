"""Korean particles follow the Korean reading of the word, number or formula before them."""
from __future__ import annotations

import pytest

from quizgen.josa import final_sound, josa
from quizgen.textrender import render_text

# Korean readings of the numbers 0..99, written out independently of the rules in josa.py.
_UNITS = ["영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"]


def reading(n: int) -> str:
    """Sino-Korean reading of 0 <= n < 100000 (e.g. 40000 사만, 17 십칠, 100 백)."""
    if n == 0:
        return "영"
    out = ""
    for value, name in ((10000, "만"), (1000, "천"), (100, "백"), (10, "십")):
        d, n = divmod(n, value)
        if d:
            out += ("" if d == 1 else _UNITS[d]) + name
    return out + (_UNITS[n] if n else "")


def expected(word: str, consonant: str, vowel: str) -> str:
    jong = (ord(word[-1]) - 0xAC00) % 28
    if consonant == "으로":
        return "으로" if jong not in (0, 8) else "로"
    return vowel if jong == 0 else consonant


@pytest.mark.parametrize("n", list(range(0, 130)) + [1000, 2024, 40000, 99999, 10000, 300])
@pytest.mark.parametrize("pair", [("은", "는"), ("이", "가"), ("을", "를"), ("과", "와"), ("으로", "로")])
def test_integers_follow_their_reading(n, pair):
    want = expected(reading(n), *pair)
    assert josa(str(n), pair[0]) == f"{n}{want}"
    assert josa(str(n), pair[1]) == f"{n}{want}"      # either form of the particle may be given
    assert josa(str(-n), pair[0]).endswith(want)       # 마이너스 ... ends the same way


@pytest.mark.parametrize("text, particle, want", [
    ("0.846", "은", "0.846은"),        # 영점팔사육
    ("0.85", "은", "0.85는"),          # 영점팔오
    ("1.000", "는", "1.000은"),        # 일점영영영
    ("32 × 17 × 17", "는", "32 × 17 × 17은"),
    ("$y_{1,2}$", "은", "$y_{1,2}$는"),
    ("$\\hat y = 0.6$", "를", "$\\hat y = 0.6$을"),
    ("$\\eta = 0.05$", "을", "$\\eta = 0.05$를"),
    ("(3, 1)", "는", "(3, 1)은"),
    ("1/4", "는", "1/4은"),            # 사분의 일
    ("3/2", "는", "3/2은"),            # 이분의 삼
    ("$x$", "은", "$x$는"),
    ("$\\ell$", "는", "$\\ell$은"),
    ("$\\sigma$", "은", "$\\sigma$는"),
    ("학습률", "이", "학습률이"),
    ("학습률", "으로", "학습률로"),
    ("가중치", "을", "가중치를"),
    ("값", "로", "값으로"),
    ("$\\epsilon$", "는", "$\\epsilon$은"),    # 엡실론
    ("$x^2$", "는", "$x^2$은"),                # 엑스 제곱
    ("$x^{n}$", "가", "$x^{n}$이"),            # n제곱
    ("$W^T$", "은", "$W^T$는"),                # 전치 (티)
    ("$W^\\top$", "을", "$W^\\top$를"),
    ("$\\frac{1}{4}$", "는", "$\\frac{1}{4}$은"),  # 사분의 일
    ("$\\frac{3}{2}$", "은", "$\\frac{3}{2}$은"),  # 이분의 삼
    ("$\\frac{1}{2}$", "은", "$\\frac{1}{2}$은"),  # 이분의 일
    ("$\\text{입력}$", "는", "$\\text{입력}$은"),
    ("1000000000000", "은", "1000000000000는"),   # 1조
    ("10000000000000000", "는", "10000000000000000은"),  # 1경
])
def test_formulas_words_and_decimals(text, particle, want):
    assert josa(text, particle) == want


def test_unknown_particle_is_an_error_not_a_guess():
    with pytest.raises(ValueError, match="unknown particle"):
        josa("3", "도")
    assert final_sound("") is None


def test_templates_can_use_the_filter():
    out = render_text('{{ wrong|num(3)|josa("는") }} 시그모이드 값입니다.', {"wrong": 0.8462},
                      template_id="t", field="f")
    assert out == "0.846은 시그모이드 값입니다."
