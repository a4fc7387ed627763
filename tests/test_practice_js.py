"""The practice page's JavaScript reads and scores answers exactly like quizgen.answers.

Every case is run through ``quizgen.answers.parse/compare/matches`` and through the page's
``quizgenAnswers`` in headless Chromium; the two must agree on every one.
"""
from __future__ import annotations

import math
import random

import pytest

from quizgen.answers import compare, matches, parse
from quizgen.model import Tolerance
from quizgen.render import practice
from render_helpers import browser, synthetic_questions  # noqa: F401 (fixture)

PARSE = {
    "integer": ["990", " 990 ", "1 000", "1,000", "1.000", "1,000,000", "1e3", "2.5e3", "-7", "+7",
                "7.0", "7.5", "3/1", "6/4", "1/0", "abc", "", "   ", "12,5", "１２", "１,０００",
                "1'000", "0x10", "--3", "3-", "1 2", "١٢", "1x10^3", "2*10**2", "1 000 000",
                "10⁴", "9" * 40],
    "real": ["0.25", ".25", "0,25", "1/4", " 1 / 4 ", "2.5e-3", "-3.2E+01", "1 000",
             "1 000 000.5", "\u22120.5", "+3", "3.", "-.5", "1,250.5", "1.250,5", "1,000,000",
             "12,5", "0,250", "1,250", "2.5x10^-3", "2.5 × 10^(-3)", "2.5*10**3", "\u00bd",
             "1\u00a0000", "1\u202f000", "1'000", "\uff13", "1,5e-3", "-1/8", "inf", "nan",
             "1e400", "1x10^500", "1x10^309", "7x10^-320", "abc", "1..2", "0.1.2", "--1", "1/", "/2", "e5", "1e", "0",
             "-0", "00.5", "1,25,0", "x", "1 2", "1,2,3", "1.234.567,89", "3 . 5", "1" * 5000],
    "shape": ["16x50x50", "16 × 50 × 50", "16X50X50", "(16, 50, 50)", "[16,50,50]", "16,50,50",
              "16 50 50", " 16 x 50 x 50 ", "torch.Size([16, 50, 50])", "(16, 50, 50,)",
              "16*50*50", "16;50;50", "16 ✕ 50 ✕ 50", "16X50", "(10,)", "3.0 x 4", "[16, 50",
              "16x0", "16x-2", "16x5.5", "16xx50", "16,,50", "()", "16 x fifty", "16 x 50 x",
              "0x5", "1e2 x 3", "torch.Size([])", "[[1,2]]", "16·50", "１６×５０", "1 000 x 3"],
    "vector": ["1, 2, 3", "[1, 2, 3]", "1 2 3", "(0.5, -1.5)", "0,5 0,25", "0,5; 0,25", "1;2;3",
               "[1,2,3,]", "tensor([1., 2.])", "np.array([1, 2])", "1, , 3", "[]", "1 2,3",
               "a b", "1/2, 1/4", "1e-3 2e-3", "[1, 2], [3]", "−1, −2"],
    "matrix": ["1 2; 3 4", "[[1, 2], [3, 4]]", "[1 2; 3 4]", "1, 2; 3, 4", "1 2\n3 4",
               "tensor([[1., 2.], [3., 4.]])", "1 2; 3", "[[1,2],[3]]", "[[1,2] x [3,4]]", "",
               "1", "[[0.5, -1], [1/2, 2]]", "1 2;; 3 4", "[[1, 2]\n [3, 4]]",
               "np.array([[1, 2], [3, 4]])", "[1, 2], [3, 4]", "1,5 2,5; 3,5 4,5", "a b; c d"],
    "choice": ["A", "a", "B)", "(c)", "2", "D.", "E", "AB", "A, B", "1 and 2", "Z", "0", "", "?",
               "option A", "가", "(B)", " b ", "10", "999999"],
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
    cases = _cases()
    js = page.evaluate("""cases => cases.map(([t, s, n]) => {
        try { return quizgenAnswers.parse(t, s, n); } catch (e) { return {error: String(e)}; } })""",
                       [[t, s, 4 if t.startswith("choice") else None] for t, s in cases])
    bad = []
    for (t, s), j in zip(cases, js):
        p = parse(t, s, n_options=4 if t.startswith("choice") else None)
        ok = ("error" not in j and j["ok"] == p.ok and j["code"] == p.code and j["arg"] == p.arg
              and _same(p.value, j["value"]))
        if not ok:
            bad.append((t, s[:40], (p.ok, p.value, p.code, p.arg), j))
    assert not bad, bad[:10]
    assert len(cases) > 700


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
    for row, (score, match) in zip(rows, js):
        assert _same(row[4], score) and row[5] == match, (row, score, match)


def test_page_carries_pythons_digit_table(page):
    zeros = page.evaluate("window.QUIZGEN_DIGIT_ZEROS")
    assert zeros == practice.digit_zeros() and 48 in zeros and 0x0660 in zeros
