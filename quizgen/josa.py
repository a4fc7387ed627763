"""Korean particles (조사) after numbers, formulas and words: 은/는, 이/가, 을/를, 과/와, (으)로.

Which form a particle takes depends on how the word before it *sounds*: after a final
consonant (받침) 은/이/을/과/으로, after a vowel 는/가/를/와/로, and 로 also after ㄹ.
For a number that is its Korean reading: 3 (삼) takes 은, 2 (이) takes 는, 10 (십) and
every round number (백, 천, 만, 억) take 은, a decimal is read digit by digit (0.85:
영점팔오, so 는), a fraction ``a/b`` is read "b분의 a". A Latin letter is read by its
English name (x 엑스, l 엘), a TeX command by its Greek name (\\eta 에타).

Templates use it as a Jinja filter: ``{{ wrong|num(3)|josa("은") }}`` gives ``0.846은``
(or ``0.85는``); the filter appends the particle in the form the text needs.
"""
from __future__ import annotations

import re

# particle (either form) -> (after a final consonant, after a vowel); 으로 is special-cased.
_PAIRS = {}
for _c, _v in (("은", "는"), ("이", "가"), ("을", "를"), ("과", "와"), ("으로", "로"),
               ("이다", "다"), ("이에요", "예요"), ("이라고", "라고"), ("이나", "나")):
    _PAIRS[_c] = _PAIRS[_v] = (_c, _v)

# Final sound of each digit read alone: None = vowel, "ㄹ", or another consonant ("C").
_DIGIT = {"0": "C", "1": "ㄹ", "2": None, "3": "C", "4": None, "5": None,
          "6": "C", "7": "ㄹ", "8": "ㄹ", "9": None}
# Latin letters read by their English names in Korean: l 엘, m 엠, n 엔, r 알 end in consonants.
_LETTER = {"l": "ㄹ", "m": "C", "n": "C", "r": "ㄹ"}
# TeX commands whose Korean reading ends in a consonant (엡실론, 입실론, 엘); the other Greek
# letters (알파, 베타, 감마, 델타, 에타, 세타, 람다, 뮤, 시그마, 파이, ...), \infty (무한대) and the
# rest are read with a final vowel.
_COMMAND = {"\\epsilon": "C", "\\varepsilon": "C", "\\upsilon": "C", "\\ell": "ㄹ"}
_TRAILING = re.compile(r"(?:\s|\$|\\[,;!]|[)\]>*`'\".,:]|\\right[)\]]|\\[)\]])+$")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(?:/(\d+))?$")
_COMMAND_END = re.compile(r"\\([A-Za-z]+)$")
# x^2 (엑스 제곱), x^{n} (n제곱): read ending in 제곱; but x^T, x^\top (전치, 티) in a vowel.
_POWER = re.compile(r"\^(?:\{\s*([^{}]*?)\s*\}|(\\?[A-Za-z]+|\d))$")
# \frac{a}{b} is read "b분의 a": it ends the way a does.
_FRACTION = re.compile(r"\\[dt]?frac\{([^{}]*)\}\{[^{}]*\}$")


def final_sound(text: str) -> str | None:
    """How ``text`` ends when read aloud in Korean: ``None`` (a vowel), ``"ㄹ"`` or ``"C"``.

    Unreadable endings (an empty string, punctuation only) count as a vowel.
    """
    text = _TRAILING.sub("", str(text))
    m = _FRACTION.search(text)
    if m:
        return final_sound(m.group(1))
    m = _POWER.search(text)
    if m:
        exponent = (m.group(1) or m.group(2) or "").strip()
        return None if exponent in ("T", "\\top", "\\intercal") else "C"
    text = text.rstrip("}")
    if not text:
        return None
    last = text[-1]
    if "가" <= last <= "힣":
        jong = (ord(last) - 0xAC00) % 28
        return None if jong == 0 else ("ㄹ" if jong == 8 else "C")
    m = _NUMBER.search(text)
    if m:
        whole = m.group(1)         # of "a/b" (read "b분의 a") the numerator a is read last
        if "." in whole:           # decimals are read digit by digit
            return _DIGIT[whole[-1]]
        stripped = whole.rstrip("0")
        if not stripped or stripped == whole:   # 0 (영), or a last digit that is not 0
            return _DIGIT[whole[-1]]
        zeros = len(whole) - len(stripped)
        return None if 12 <= zeros < 16 else "C"   # 십 백 천 만 억 (C), 조 (V), 경 (C)
    m = _COMMAND_END.search(text)
    if m:
        return _COMMAND.get("\\" + m.group(1))
    if last.isascii() and last.isalpha():
        return _LETTER.get(last.lower())
    return None


def josa(text, particle: str) -> str:
    """``text`` followed by ``particle`` in the form its final sound takes (no space between)."""
    text = str(text)
    try:
        after_consonant, after_vowel = _PAIRS[particle]
    except KeyError:
        raise ValueError(f"josa: unknown particle {particle!r} (use one of {', '.join(sorted(_PAIRS))})") from None
    sound = final_sound(text)
    if after_consonant == "으로":
        return text + ("으로" if sound == "C" else "로")
    return text + (after_vowel if sound is None else after_consonant)
