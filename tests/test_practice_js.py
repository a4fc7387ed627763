"""The practice page's JavaScript reads and scores answers exactly like the grader.

Every case is run through ``quizgen.answers.parse/compare/matches`` (with and without
decimals asked, whole answers and per entry) and ``quizgen.grading.scoring.score``, and
through the page's ``quizgenAnswers`` in headless Chromium; the two must agree on every one.
The expected results always come from the Python functions, never from this file.
"""
from __future__ import annotations

import math
import random

import pytest

from quizgen import api
from quizgen.answers import compare, format_answer, letters, matches, parse
from quizgen.grading.scoring import Policy, score
from quizgen.model import Misconception, Question, Tolerance
from quizgen.render import practice
from render_helpers import answer_text, browser, synthetic_questions  # noqa: F401 (fixture)

PARSE = {
    "integer": ["990", " 990 ", "1 000", "1,000", "1.000", "1,000,000", "1e3", "2.5e3", "-7", "+7",
                "7.0", "7.5", "3/1", "6/4", "1/0", "abc", "", "   ", "12,5", "１２", "１,０００",
                "1'000", "0x10", "--3", "3-", "1 2", "١٢", "1x10^3", "2*10**2", "1 000 000",
                "10⁴", "2⁹⁷", "297²", "297₂", "①", "9" * 40, "3,424", "-1,396", "0,178", "1,2345"],
    "real": ["0.25", ".25", "0,25", "1/4", " 1 / 4 ", "2.5e-3", "-3.2E+01", "1 000",
             "1 000 000.5", "\u22120.5", "+3", "3.", "-.5", "1,250.5", "1.250,5", "1,000,000",
             "12,5", "0,250", "1,250", "2.5x10^-3", "2.5 × 10^(-3)", "2.5*10**3", "\u00bd", "1½", "0.5²",
             "1\u00a0000", "1\u202f000", "1'000", "\uff13", "1,5e-3", "-1/8", "inf", "nan",
             "1e400", "1x10^500", "1x10^309", "7x10^-320", "abc", "1..2", "0.1.2", "--1", "1/", "/2", "e5", "1e", "0",
             "-0", "00.5", "1,25,0", "x", "1 2", "1,2,3", "1.234.567,89", "3 . 5", "1" * 5000,
             # a lone d,ddd group: a decimal comma only when the question asks for decimals
             "2,617", "-1,396", "18,500", "3,112", "+3,112", "0,178", "-0,178", "1,2345", "12,34",
             "3,112e2", "1,000.5", "2,617 ", "2, 617"],
    "shape": ["16x50x50", "16 × 50 × 50", "16X50X50", "(16, 50, 50)", "[16,50,50]", "16,50,50",
              "16 50 50", " 16 x 50 x 50 ", "torch.Size([16, 50, 50])", "(16, 50, 50,)",
              "16*50*50", "16;50;50", "16 ✕ 50 ✕ 50", "16X50", "(10,)", "3.0 x 4", "[16, 50",
              "16x0", "16x-2", "16x5.5", "16xx50", "16,,50", "()", "16 x fifty", "16 x 50 x",
              "0x5", "1e2 x 3", "torch.Size([])", "[[1,2]]", "16·50", "１６×５０", "1 000 x 3",
              # per entry: an unreadable entry is one wrong entry
              "16 x fifty x 3", "0 x 5 x five", "16 x 5.5 x 0", "a x b", "64x14x14", "3 x -1e30",
              "16, , 50", "16 x 1,5 x 2",
              # a word after a whole shape: unreadable, the word named; where an entry goes: one
              "64 x 6 channels", "16x50x50 pixels", "16x50x50 values", "(16, 50, 50) activations",
              "[16,50,50] maps", "16,50,50 channels", "16×50×50 channels", "64 x 6 채널",
              "16x50x50channels", "16 x 50 x 50 at least", "16 50 50 bits", "64 x 6\nchannels",
              "torch.Size([16, 50, 50]) values", "16x50x50개의 값", "16 x 50 x ab", "16x50xfifty",
              "16 x 50 x 50 x channels", "(16, 50) x", "16 x 0 x 50 ab", "16 x 50 Ⅻ", "16 x 50 aⅫ",
              # "by" and TeX's \times between the sizes
              "32 by 13", "16 BY 50 by 50", "32by13", "$32 \\times 13$", "32 \\times 13", "32\\times13",
              "32 \\cdot 13", "16 by fifty", "by 13", "32 by", "$16 x 50$", "(32 by 13)", "32 by 13 channels",
              "\u0663\u0662 by \u0661\u0663", "\u0663\u0662 x \u0661\u0663"],
    "vector": ["1, 2, 3", "[1, 2, 3]", "1 2 3", "(0.5, -1.5)", "0,5 0,25", "0,5; 0,25", "1;2;3",
               "[1,2,3,]", "tensor([1., 2.])", "np.array([1, 2])", "1, , 3", "[]", "1 2,3",
               "a b", "1/2, 1/4", "1e-3 2e-3", "[1, 2], [3]", "−1, −2",
               # decimal commas and the list rule: spaced commas separate entries when
               # others sit between digits; commas all alike all separate entries
               "0,000; 0,000; 2,300; 3,000", "0,206, 1,076", "0,206,1,076", "1,2,3", "1, 2, 3",
               "2,617, -1,396", "[2,617, -1,396]", "0,5, 1", "1,5,2", "1 2,300", "1, 2,300",
               "2,300 3,000", "1,5 , 2", "1,5,  2,5", "1,\t2", " 0,5, 1 ", "0,5,, 1",
               "1 four 3", "a, 2", "1,,2", "1, ,3, x", "four", "1; x; 3", "(1, x)",
               "1, 2, 3 units", "1, 2, 3 channels", "0.5 0.25 units", "0.5 0.25 bits",
               "[0.5, 0.25] 이상", "0,5; 0,25 nats", "1, 2, four", "0,5; four", "1 2 3\nunits"],
    "matrix": ["1 2; 3 4", "[[1, 2], [3, 4]]", "[1 2; 3 4]", "1, 2; 3, 4", "1 2\n3 4",
               "tensor([[1., 2.], [3., 4.]])", "1 2; 3", "[[1,2],[3]]", "[[1,2] x [3,4]]", "",
               "1", "[[0.5, -1], [1/2, 2]]", "1 2;; 3 4", "[[1, 2]\n [3, 4]]",
               "np.array([[1, 2], [3, 4]])", "[1, 2], [3, 4]", "1,5 2,5; 3,5 4,5", "a b; c d",
               "1 2; 3 four", "0 -0,792 0; 0 4,608 0", "[[1, x], [3, 4]]", "1,5, 2; 3, 4,250",
               "1 2; x 4; 5", "[[2,617, 1], [0, 3,112]]", "x y; 1 z", "1,250 2; 3 4",
               "1 2; 3 4 units", "1 2; 3 4 channels", "[[1, 2], [3, 4]] channels",
               "1 2\n3 4 bits", "1 2; 3 4 채널", "1 2; 3 4 channels wide", "1 2; 3 4; 5 seven",
               "1 2\nthree four", "1 2; 3 4\nchannels", "1 2\r\n3 4 values"],
    "choice": ["A", "a", "B)", "(c)", "2", "D.", "E", "AB", "A, B", "1 and 2", "Z", "0", "", "?",
               "option A", "가", "(B)", " b ", "10", "999999", "B) green", "B. the third one",
               "B)green", "c: blue\nor so", "B )  x"],
    "choices": ["A, C", "AC", "a c", "1 3", "A and C", "A와 C", "B; D", "A/B", "[A, B]", "A, Z",
                "AB, c", "Aa", "A1", "", "none", "1, 2, 3", "A & B", "a+b", "A 및 B", "Band"],
}

COMPARE = [  # (type, typed text, correct value, tolerance)
    ("real", "0.26", 0.25, Tolerance(abs=0.01)), ("real", "0.2601", 0.25, Tolerance(abs=0.01)),
    ("real", "101", 100.0, Tolerance(rel=0.01)), ("real", "0,3", 0.1 + 0.2, Tolerance()),
    ("real", "1/3", 0.333, Tolerance(abs=0.0005)), ("integer", "4", 3, Tolerance(abs=5)),
    ("integer", "1 000", 1000, Tolerance()), ("shape", "16x50x49", [16, 50, 50], Tolerance()),
    ("shape", "16x50", [16, 50, 50], Tolerance()), ("vector", "1, 2.05", [1.0, 2.0], Tolerance(abs=0.1)),
    ("vector", "1, 2.5", [1.0, 2.0], Tolerance(abs=0.1)),
    ("matrix", "1 2; 3 5", [[1, 2], [3, 4]], Tolerance()),
    ("matrix", "1 2 3 4", [[1, 2], [3, 4]], Tolerance()),
    ("matrix", "[[0.5, -1], [1/2, 2]]", [[0.5, -1.0], [0.5, 2.0]], Tolerance(abs=1e-6)),
    ("choice", "C", 2, Tolerance()), ("choice", "b", 2, Tolerance()),
    ("choices", "A, C", [0, 2], Tolerance()), ("choices", "A", [0, 2], Tolerance()),
    ("choices", "A B", [0, 2], Tolerance()), ("choices", "A B D", [0, 2], Tolerance()),
]


def _fuzz() -> list:
    rng = random.Random(5)
    alphabet = list("0123456789 .,;x×/-+eE()[]'\u2212\u00a0ab")
    return [[t, "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))]
            for t in PARSE for _ in range(80)]


def _cases() -> list:
    return [[t, s] for t, texts in PARSE.items() for s in texts] + _fuzz()


# (decimals, per_entry): decimals None or 0 refuse "3,112" as ambiguous, > 0 read it as 3.112
READINGS = [(None, False), (3, False), (0, True), (2, True)]


def _same(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (math.isfinite(a) and abs(a - b) <= 1e-12 * max(1.0, abs(a)))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):  # noqa: F811
    path = tmp_path_factory.mktemp("js") / "practice.html"
    path.write_text(practice.page(synthetic_questions()), encoding="utf-8")
    p = browser.new_page()
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.goto(path.as_uri())
    yield p
    assert not errors
    p.close()


def test_parse_agrees_with_the_grader(page):
    cases = [[t, s, 4 if t.startswith("choice") else None, d, e]
             for t, s in _cases() for d, e in READINGS]
    js = page.evaluate("""cases => cases.map(([t, s, n, d, e]) => {
        try { return quizgenAnswers.parse(t, s, n, d, e); } catch (e) { return {error: String(e)}; } })""",
                       cases)
    bad = []
    for (t, s, n, d, e), j in zip(cases, js):
        p = parse(t, s, n_options=n, decimals=d, per_entry=e)
        ok = ("error" not in j and j["ok"] == p.ok and j["code"] == p.code and j["arg"] == p.arg
              and _same(p.value, j["value"]))
        if not ok:
            bad.append((t, s[:40], d, e, (p.ok, p.value, p.code, p.arg), j))
    assert not bad, bad[:10]
    assert len(cases) > 2800


def test_the_cases_exercise_the_new_rules():
    """The table holds what decimals and per-entry reading change (else the test above
    could pass without the page knowing these rules)."""
    cases = _cases()
    by_dc = [(t, s) for t, s in cases
             if parse(t, s, decimals=3).ok and not parse(t, s).ok]
    per_entry = [(t, s) for t, s in cases if t in ("shape", "vector", "matrix")
                 and parse(t, s, per_entry=True).ok and not parse(t, s).ok]
    mixed = parse("vector", "0,206, 1,076", decimals=3)
    assert len(by_dc) >= 8 and len(per_entry) >= 8, (by_dc, per_entry)
    # a word after a whole shape, vector or matrix, and one where an entry goes
    words = {t for t, s in cases if parse(t, s, per_entry=True).code == "word"}
    entries = {t for t, s in cases if parse(t, s, per_entry=True).ok
               and parse(t, s, per_entry=True).code == "number" and s[-1].isalpha()}
    assert words == entries == {"shape", "vector", "matrix"}, (words, entries)
    assert mixed.ok and _same(mixed.value, [0.206, 1.076])


def test_compare_and_matches_agree_with_the_grader(page):
    rows = []
    for t, text, correct, tol in COMPARE:
        p = parse(t, text, n_options=4 if t.startswith("choice") else None)
        s = compare(t, p.value, correct, tol)
        rows.append([t, text, correct, tol.to_dict(),
                     [s.fraction, s.parts_correct, s.parts_total], matches(t, p.value, correct, tol)])
    js = page.evaluate("""rows => rows.map(([t, text, correct, tol]) => {
        const p = quizgenAnswers.parse(t, text, t.startsWith('choice') ? 4 : null);
        const s = quizgenAnswers.compare(t, p.value, correct, tol);
        return [[s.fraction, s.parts_correct, s.parts_total], quizgenAnswers.matches(t, p.value, correct, tol)];
    })""", rows)
    for row, (credit, match) in zip(rows, js):
        assert _same(row[4], credit) and row[5] == match, (row, credit, match)


def test_page_carries_pythons_digit_table(page):
    zeros = page.evaluate("window.QUIZGEN_DIGIT_ZEROS")
    assert zeros == practice.digit_zeros() and 48 in zeros and 0x0660 in zeros


# ---------------------------------------------------------------- the verdict: scoring.score

EXACT = Tolerance()


def _q(slot, atype, value, mis, decimals=None, tol=EXACT, options=None) -> Question:
    return Question(slot=slot, template=f"test.{atype}", topic="test", level=1, points=2,
                    title=slot, prompt="?", answer_type=atype, answer_value=value,
                    tolerance=tol, decimals=decimals, solution="",
                    misconceptions=tuple(Misconception(f"{slot}-m{k}", v, f"slip {k}")
                                         for k, v in enumerate(mis)),
                    options=tuple(options) if options else None)


T3 = Tolerance(abs=0.0005)


def decimal_questions() -> list[Question]:
    """Questions like the bank's that ask for decimals, with mistakes that are partly right."""
    return [
        _q("r1", "real", 2.617, [2.6, -2.617], 3, T3),
        _q("r2", "real", -1.396, [1.396], 3, T3),
        _q("r3", "real", 18.5, [18.0], 3, T3),
        _q("r4", "real", 3.112, [3.0], None, Tolerance(rel=0.01)),   # no decimals asked
        _q("i1", "integer", 3424, [3420]),
        _q("v1", "vector", [0.0, 0.0, 2.3, 3.0], [[0.0, 0.0, 3.0, 2.3]], 3, T3),
        _q("v2", "vector", [0.206, 1.076], [[0.206, -1.076]], 3, T3),
        _q("m1", "matrix", [[0.0, -0.792, 0.0], [0.0, 4.608, 0.0]],
           [[[0.0, 0.792, 0.0], [0.0, 4.608, 0.0]]], 3, T3),
        _q("m2", "matrix", [[1, 2], [3, 4]], [[[1, 3], [2, 4]], [[4, 3], [2, 1]]]),
        _q("s1", "shape", [64, 16, 16], [[64, 14, 14], [16, 16, 64]]),
        _q("c1", "choice", 1, [3], options=["w", "x", "y", "z"]),
        _q("c2", "choices", [1, 3], [[1], [0, 1, 3]], options=["w", "x", "y", "z"]),
    ]


def _entries(q: Question, v) -> list[str]:
    """The numbers of value ``v`` as the grader shows them (its decimals)."""
    if q.answer_type == "matrix":
        return [format_answer("real", x, q.decimals) for row in v for x in row]
    return [format_answer("real" if q.answer_type == "vector" else "integer", x, q.decimals)
            for x in v]


def _rows_text(q: Question, entries: list[str], comma: bool) -> str:
    if comma:
        entries = [e.replace(".", ",") for e in entries]
    if q.answer_type != "matrix":
        return "; ".join(entries)
    cols = len(q.answer_value[0])
    return "; ".join(" ".join(entries[i:i + cols]) for i in range(0, len(entries), cols))


def typed_answers(q: Question) -> list[str]:
    """What students type for ``q``, all derived from its answer and mistakes: the grader's
    display of each, with decimal commas, one entry off, one entry unreadable, garbage."""
    kind = q.answer_type
    out = ["", "???", "1,2"]
    for v in [q.answer_value] + [m.value for m in q.misconceptions]:
        shown = format_answer(kind, v, q.decimals)
        out += [shown, answer_text(kind, v)]
        # a word after the answer: left out when the grader's list has it, else unreadable
        out += [f"{shown} parameters", f"{shown} Values.", f"{shown}개의 값", f"{shown} hundred",
                f"{shown} 이상", f"{shown} weights", f"{shown} channels", f"{shown} 채널",
                # punctuation and spacing after the word (as the audit wrote them)
                f"{shown} parameters.", f"{shown} parameters!", f"{shown}  Parameters .",
                f"{shown}개.", f"{shown} 개 .", f"{shown} parameters. "]
        if kind in ("real", "integer"):
            out += [shown.replace(".", ","), f"{v:,}", answer_text(kind, v + 7)]
        elif kind in ("shape", "vector", "matrix"):
            entries = _entries(q, v)
            out += [shown.replace(".", ","), shown.replace(".", ",").replace(", ", ","),
                    _rows_text(q, entries, True), _rows_text(q, entries, False)]
            for k in range(len(entries)):       # one entry off, one entry unreadable
                off = list(entries)
                off[k] = str(int(float(off[k])) + 3)
                out.append(_rows_text(q, off, True))
                off[k] = "four"
                out.append(_rows_text(q, off, k % 2 == 0))
            out.append(_rows_text(q, ["x"] * len(entries), False))
            # a word where the last entry goes, after spaces: one unread entry, not a word after
            out.append(" ".join(entries[:-1] + ["four"]))
            out.append(" ".join(entries[:-1] + ["channels"]))   # not a number word: after it
            out.append("; ".join(entries[:-1]) + " four")         # any separators
            # one per line (a one-line answer box drops the line breaks, and so keeps the spaces)
            out.append(" \n ".join(entries[:-1] + ["fifty"]))
            out.append(" ".join(entries[:-1]) + " fifty four")     # two number words
            out.append(" ".join(entries[:-1]) + " 열둘")             # a native Korean number
            out.append(" ".join(entries) + " four")                # a whole answer, then a word
            if len(entries) > 2:
                out.append(" ".join(entries[:-2] + ["four"]))   # two short: a word after
        else:
            picks = [v] if kind == "choice" else list(v)
            out += [" ".join(letters(i) for i in picks[:1]), " ".join(letters(i) for i in picks)
                    + " " + letters(len(q.options or ()) - 1)]
    if kind == "choice" and q.options:   # an option written out, as printed and loosely
        out += [o for o in q.options] + [f" {o.upper()}. " for o in q.options] + [q.options[0] + " maybe"]
    return list(dict.fromkeys(out))


def _grader_verdict(q: Question, text: str, policy: Policy) -> list:
    m = score(q, text, policy)
    mis = [k for k, mc in enumerate(q.misconceptions) if mc.id == m.misconception]
    note = [m.reason.code, m.reason.arg] if m.reason is not None and m.reason.ok else None
    why = [m.reason.code, m.reason.arg] if m.status == "invalid" else None  # unreadable: why
    return [m.status, m.fraction, list(m.parts) if m.parts else None, mis[0] if mis else -1, note,
            why, m.unit]


POLICIES = [Policy(), Policy(multipart="all", choice_penalty=0.25)]


@pytest.fixture(scope="module")
def bank_questions(tmp_path_factory):
    _, questions = api.practice(n=2, out=tmp_path_factory.mktemp("bank") / "p.html", seed=23)
    return questions


def test_score_agrees_with_the_grader(page, bank_questions):
    questions = decimal_questions() + synthetic_questions() + bank_questions
    cases = [(q, text, pol) for q in questions for text in typed_answers(q) for pol in POLICIES]
    js = page.evaluate("""cases => cases.map(([q, text, pol]) => {
        const m = quizgenAnswers.score(q, text, pol);
        return [m.status, m.fraction, m.parts, m.misconception,
                m.note ? [m.note.code, m.note.arg] : null,
                m.status === "invalid" ? [m.parsed.code, m.parsed.arg] : null, m.unit];
    })""", [[practice._check_data(q), text, {"multipart": pol.multipart,
                                             "choice_penalty": pol.choice_penalty}]
            for q, text, pol in cases])
    bad = []
    for (q, text, pol), j in zip(cases, js):
        want = _grader_verdict(q, text, pol)
        if not (want[0] == j[0] and abs(want[1] - j[1]) <= 1e-6 and want[2:] == j[2:]):
            bad.append((q.slot, q.answer_type, text, pol, want, j))
    assert not bad, bad[:10]
    # the table reaches every verdict, including a known mistake that is partly right
    plain = [(q, text) for q, text, pol in cases if pol is POLICIES[0]]
    verdicts = [_grader_verdict(q, text, POLICIES[0]) for q, text in plain]
    assert {v[0] for v in verdicts} == {"correct", "partial", "wrong", "invalid", "blank"}
    assert sum(1 for v in verdicts if v[0] == "partial" and v[3] >= 0) >= 10
    assert sum(1 for v in verdicts if v[0] == "partial" and v[4]) >= 10
    # a word after a whole shape, vector or matrix: unreadable, named, on every list type
    assert {q.answer_type for (q, _), v in zip(plain, verdicts)
            if v[5] == ["word", "channels"]} == {"shape", "vector", "matrix"}
    assert sum(1 for v in verdicts if v[6]) >= 20  # a word of the list left out
    # a word in place of the key's last entry ("1 2 four" for three numbers): one unread entry
    last_word = [(q.answer_type, v[0]) for (q, text), v in zip(plain, verdicts)
                 if q.answer_type in ("shape", "vector", "matrix") and text.endswith(" four")
                 and v[4] == ["number", "four"]]
    assert {kind for kind, _ in last_word} >= {"vector", "matrix"} and len(last_word) >= 10
    assert len(cases) > 1500
