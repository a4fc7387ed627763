"""The words of the grading outputs in Korean: particles chosen for the text before them
(no bracketed 을(를), (으)로, 와(과)) and the 합쇼체 register (-십시오, -습니다) of the
papers, in the issues.csv details and the student feedback alike."""
from __future__ import annotations

import re

import pytest

from quizgen.grading.messages import CATALOGUE, msg, say, text

KOREAN = {key: entry["ko"] for key, entry in CATALOGUE.items() if "ko" in entry}


@pytest.mark.parametrize("key", sorted(KOREAN))
def test_no_bracketed_particles(key):
    assert not re.search(r"\((?:을|를|은|는|이|가|과|와|으)\)", KOREAN[key]), KOREAN[key]


@pytest.mark.parametrize("key", sorted(KOREAN))
def test_the_papers_register(key):
    s = KOREAN[key]
    assert "세요" not in s and not re.search(r"(?<!필)요(?=[\s.?!)]|$)", s), s  # no 해요체
    assert "?" not in s, s  # a question to the reader: said as a statement instead


def test_every_korean_string_formats_with_the_english_values():
    """The Korean strings name only values the English ones are given (a particle spec
    too), and format with them."""
    field = re.compile(r"\{(\w+)(?::[^}]*)?\}")
    for key, entry in CATALOGUE.items():
        if "ko" in entry:
            names = set(field.findall(entry["en"]))
            assert set(field.findall(entry["ko"])) <= names, key
            text("ko")(key, **{n: "12" for n in names})


@pytest.mark.parametrize("m,ko", [
    (msg("issue_unknown_student", sid="x9"), "'x9'는 정답지에 없는 학번입니다"),
    (msg("issue_unknown_student", sid="00103"), "'00103'은 정답지에 없는 학번입니다"),
    (msg("issue_unknown_student", sid="김민준"), "'김민준'은 정답지에 없는 학번입니다"),
    (msg("issue_unknown_student", sid="s002"), "'s002'는 정답지에 없는 학번입니다"),
    (msg("issue_id_matched", sid="109", kid="00109"),
     "'109'를 정답지의 '00109'로 연결했습니다. 앞자리 0이 사라진 학번입니다(스프레드시트가 "
     "지웁니다). 맞는 학생인지 확인하십시오"),
    (msg("issue_id_matched", sid="110", kid="00110"),
     "'110'을 정답지의 '00110'으로 연결했습니다. 앞자리 0이 사라진 학번입니다(스프레드시트가 "
     "지웁니다). 맞는 학생인지 확인하십시오"),
    (msg("issue_id_matched_case", sid="S200", kid="s200"),
     "'S200'을 정답지의 's200'으로 연결했습니다. 대소문자만 다른 학번입니다. 맞는 학생인지 "
     "확인하십시오"),
    (msg("issue_id_matched_case", sid="ab-4", kid="AB-4"),
     "'ab-4'를 정답지의 'AB-4'로 연결했습니다. 대소문자만 다른 학번입니다. 맞는 학생인지 "
     "확인하십시오"),
    (msg("issue_ambiguous_id_case", sid="Kim", ids="kim, KIM"),
     "'Kim'은 정답지에 없는 학번입니다. 대소문자를 무시하면 kim, KIM과 모두 일치합니다. "
     "채점하지 않았으니 파일 사본에 정답지와 똑같이 학번을 적고 다시 채점하십시오"),
    (msg("issue_ambiguous_id", sid="111", ids="0111, 00111"),
     "'111'은 정답지에 없는 학번입니다. 앞자리 0을 빼면 0111, 00111과 모두 일치합니다"
     "(스프레드시트에서 앞자리 0이 사라졌을 수 있습니다). 채점하지 않았으니 파일 사본에 학번 "
     "전체를 적고 다시 채점하십시오"),
    (msg("issue_ambiguous_id", sid="7", ids="007, 0007"),
     "'7'은 정답지에 없는 학번입니다. 앞자리 0을 빼면 007, 0007과 모두 일치합니다"
     "(스프레드시트에서 앞자리 0이 사라졌을 수 있습니다). 채점하지 않았으니 파일 사본에 학번 "
     "전체를 적고 다시 채점하십시오"),
    (msg("issue_ambiguous_id", sid="102", ids="0102, 00102"),
     "'102'는 정답지에 없는 학번입니다. 앞자리 0을 빼면 0102, 00102와 모두 일치합니다"
     "(스프레드시트에서 앞자리 0이 사라졌을 수 있습니다). 채점하지 않았으니 파일 사본에 학번 "
     "전체를 적고 다시 채점하십시오"),
    (msg("issue_unit_ignored", text="116 parameters", unit="parameters", read="116",
         points="1", max="1"),
     "'116 parameters': 답 뒤에 쓴 단어('parameters')는 읽지 않고 '116'으로 "
     "채점했습니다(1점 중 1점)"),
    (msg("issue_unit_ignored", text="0.5 nats", unit="nats", read="0.5", points="1", max="1"),
     "'0.5 nats': 답 뒤에 쓴 단어('nats')는 읽지 않고 '0.5'로 채점했습니다(1점 중 1점)"),
    (msg("issue_unit_ignored", text="234 개", unit="개", read="234", points="0", max="2"),
     "'234 개': 답 뒤에 쓴 단어('개')는 읽지 않고 '234'로 채점했습니다(2점 중 0점)"),
    (msg("issue_ignored_column", col=3, header="Q3", label="q3", chosen=2),
     "3번 열 'Q3'도 q3으로 보이지만 --map이 2번 열을 골랐으므로 이 열은 채점하지 "
     "않았습니다"),
    (msg("issue_ignored_column", col=3, header="Q2", label="q2", chosen=2),
     "3번 열 'Q2'도 q2로 보이지만 --map이 2번 열을 골랐으므로 이 열은 채점하지 "
     "않았습니다"),
    (msg("doubt_unreadable_one", items=(msg("doubt_stamp", ts="soon", where=msg(
        "line_of", file="t.csv", line=2)),)),
     "t.csv 2행의 'soon'은 quizgen이 읽을 수 있는 날짜·시각이 아닙니다"),
    (msg("doubt_unreadable_many", items=tuple(msg("doubt_stamp", ts=ts, where=msg(
        "line_of", file="t.csv", line=n)) for ts, n in (("soon", 2), ("later today", 3)))),
     "t.csv 2행의 'soon'; t.csv 3행의 'later today'는 quizgen이 읽을 수 있는 날짜·시각이 "
     "아닙니다"),
    (msg("doubt_ambiguous", ts="02/01/2026 10:00", where=msg("line_of", file="t.csv", line=2),
         month_first="2026-02-01", day_first="2026-01-02"),
     "t.csv 2행의 '02/01/2026 10:00'은 월이 먼저이면 2026-02-01, 일이 먼저이면 2026-01-02로 "
     "읽을 수 있고, 같은 파일의 다른 행으로도 정할 수 없습니다"),
    (msg("doubt_ambiguous", ts="03/01/2026", where=msg("line_of", file="t.csv", line=2),
         month_first="2026-03-01", day_first="2026-01-03"),
     "t.csv 2행의 '03/01/2026'은 월이 먼저이면 2026-03-01, 일이 먼저이면 2026-01-03으로 "
     "읽을 수 있고, 같은 파일의 다른 행으로도 정할 수 없습니다"),
    (msg("issue_row_too_long_student", sid="s001"),
     ". 이 학생의 다른 행을 채점하지 않는 한 s001은 채점하지 않음(읽을 수 없는 행)으로 "
     "표시됩니다. 파일 사본에서 칸을 따옴표로 감싸거나 행을 고친 뒤 다시 채점하십시오"),
])
def test_korean_particles_follow_the_text_before_them(m, ko):
    assert say(m, "ko") == ko


def test_english_is_unchanged_by_the_particle_specs():
    assert say(msg("issue_id_matched", sid="109", kid="00109")) == (
        "'109' was matched to the key's '00109': its leading zeros were lost (a spreadsheet "
        "drops them); check that this is the right student")
    assert say(msg("doubt_ambiguous", ts="02/01/2026", where=msg("line_of", file="t.csv",
                                                                  line=2),
                   month_first="2026-02-01", day_first="2026-01-02")) == (
        "'02/01/2026' (t.csv line 2) can be 2026-02-01 (month first) or 2026-01-02 (day "
        "first) and no other row of its file decides")


@pytest.mark.parametrize("unit", ["parameters", "parameter", "number", "unit", "개의 파라미터",
                                  "픽셀"])
def test_student_feedback_on_a_word_left_out(unit):
    # the particle follows 단어 (the word before the parenthesis), whatever the unit
    assert text("ko")("unit_ignored", unit=unit) == (
        f"답 뒤에 쓴 단어('{unit}')는 읽지 않고 숫자만 채점했습니다.")


def test_choice_hints_in_the_papers_register():
    t = text("ko")
    assert t("choices_as_letters") == "고른 보기의 기호를 쓰십시오(예: A C)"
    assert t("choice_as_letter") == "고른 보기의 기호 하나를 쓰십시오(예: B)"


def test_the_fast_formatting_agrees_with_the_particle_formatter():
    """Strings without a particle spec are worded by str.format: same text, every string."""
    from quizgen.grading.messages import _FORMAT, _PARTICLE, _formatter
    field = re.compile(r"\{(\w+)(?::[^}]*)?\}")
    with_particles = 0
    for key, entry in CATALOGUE.items():
        for lang, s in entry.items():
            values = {n: v for n, v in zip(sorted(set(field.findall(s))),
                                           ["s002", "00110", "'x'", "12", "q3", "A"] * 3)}
            assert _formatter(s)(**values) == _FORMAT(s, **values), (key, lang)
            assert lang != "en" or not _PARTICLE.search(s), key
            with_particles += bool(_PARTICLE.search(s))
    assert with_particles >= 10
