"""activation.point and activation.points: stress, closed forms, finite differences, torch."""
import math
import os
import sys

import numpy as np
import pytest

from quizgen.bank import load_bank
from quizgen.bankcheck import question_problems
from quizgen.instantiate import build_question
from quizgen.solvers import activations as S

sys.path.insert(0, os.path.dirname(__file__))

SEEDS = 500
IDS = ("activation.point", "activation.points")
F = {"Sigmoid": lambda x: 1 / (1 + math.exp(-x)), "Tanh": math.tanh, "ReLU": lambda x: max(x, 0.0)}


@pytest.fixture(scope="module")
def questions():
    bank = load_bank()
    return {tid: {lv: [build_question(bank.templates[tid], lv, np.random.default_rng(s)) for s in range(SEEDS)]
                  for lv in bank.templates[tid].level_numbers} for tid in IDS}


def expected(p):
    f = F[p["act"]]
    xs = p["x"] if isinstance(p["x"], list) else [p["x"]]
    if p["what"] == "value":
        out = [f(x) for x in xs]
    elif p["act"] == "ReLU":
        out = [1.0 if x > 0 else 0.0 for x in xs]             # torch: 0 at exactly 0
    else:
        out = [(f(x + 1e-6) - f(x - 1e-6)) / 2e-6 for x in xs]
    return out if isinstance(p["x"], list) else out[0]


def test_stress_every_level(questions):
    bank = load_bank()
    for tid, levels in questions.items():
        produced = set()
        for lv, qs in levels.items():
            for seed, q in enumerate(qs):
                assert question_problems(q) == [], (tid, lv, seed)
                p = q.params
                assert p["what"] == ("value" if lv == 1 else "derivative")
                xs = p["x"] if isinstance(p["x"], list) else [p["x"]]
                assert all(round(x, 1) == x and abs(x) <= 3 for x in xs)
                if p["act"] == "ReLU" and tid == "activation.point":
                    assert lv == 2                                  # ReLU values are not asked alone
                if isinstance(p["x"], list):
                    assert len(set(xs)) == len(xs) and 0.0 not in xs
                produced.update(m.id for m in q.misconceptions)
        declared = {m.id for m in bank.templates[tid].misconceptions}
        assert produced == declared, (tid, declared - produced)


def test_answers_match_closed_forms(questions):
    for tid, levels in questions.items():
        for lv, qs in levels.items():
            for q in qs:
                np.testing.assert_allclose(q.answer_value, expected(q.params), atol=1e-8, err_msg=str(q.params))


def test_answers_match_torch(questions):
    pytest.importorskip("torch")
    import torch_reference as ref
    for tid, levels in questions.items():
        for lv, qs in levels.items():
            for q in qs[:60]:
                np.testing.assert_allclose(ref.solve_check(q.check), q.answer_value, atol=1e-12)


def test_hand_worked_values():
    sol = S.solve_point({"act": "Sigmoid", "what": "derivative", "x": 2.0})
    assert sol.answer == pytest.approx(0.104993585)
    assert sol.misconceptions["derivative-is-value"] == pytest.approx(0.880797078)
    sol = S.solve_point({"act": "Tanh", "what": "derivative", "x": 1.0})
    assert sol.answer == pytest.approx(0.419974342)
    assert sol.misconceptions["tanh-not-squared"] == pytest.approx(1 - 0.761594156)
    sol = S.solve_point({"act": "ReLU", "what": "derivative", "x": 0.0})
    assert sol.answer == 0.0 and sol.misconceptions["relu-derivative-one"] == 1.0
    sol = S.solve_point({"act": "Sigmoid", "what": "value", "x": -1.0})
    assert sol.answer == pytest.approx(0.268941421)
    assert sol.misconceptions["sigmoid-wrong-sign"] == pytest.approx(0.731058579)
    sol = S.solve_points({"act": "ReLU", "what": "value", "x": [-1.0, 0.5, 2.0]})
    assert sol.answer == [0.0, 0.5, 2.0]
    assert sol.misconceptions["relu-kept-negative"] == [-1.0, 0.5, 2.0]
    sol = S.solve_points({"act": "Tanh", "what": "value", "x": [-1.0, 0.5]})
    np.testing.assert_allclose(sol.misconceptions["tanh-as-sigmoid"], [0.268941421, 0.622459331])


# ------------------------------------------------------------------ fast paths vs the engine
# _numbers / _steps compute on Python floats with one batched np.exp / np.tanh call; value,
# derivative and wrong are the engine-based reference. numpy's exp/tanh differ from math's in
# the last bit for a good share of inputs, so equality here is exact and over many points.

from quizgen.engine import activations as A                 # noqa: E402


def test_numbers_match_engine_bit_for_bit():
    rng = np.random.default_rng(0)
    for _ in range(1500):
        n = int(rng.integers(1, 6))
        xs = (rng.integers(-800, 801, n) / 100).tolist()
        if rng.random() < 0.2:
            xs[0] = 0.0
        for act in ("Sigmoid", "Tanh", "ReLU"):
            trans = S._transcendentals(act, xs)
            for what in ("value", "derivative"):
                answers, mis = S._numbers(act, what, xs, trans)
                ref = S.value(act, xs) if what == "value" else S.derivative(act, xs)
                assert answers == ref.tolist(), (act, what, xs)
                expected = {}
                for m in S.MISTAKES[what]:
                    w = S.wrong(act, what, xs, m)
                    if w is not None:
                        expected[m] = np.asarray(w, float).tolist()
                assert mis == expected, (act, what, xs)
            if act != "ReLU":                      # the numbers the worked steps print
                e_neg, e_abs, th = trans
                assert e_neg == [float(np.exp(-np.float64(x))) for x in xs]
                assert [S._sigmoid(x, e) for x, e in zip(xs, e_abs)] == [float(A.sigmoid(x)) for x in xs]
                if act == "Tanh":
                    assert th == [float(np.tanh(np.float64(x))) for x in xs]


def test_point_solver_matches_expression_engine():
    """solve_point's answer is what the expression engine evaluates (the former assertion)."""
    from quizgen.engine import expression as E
    rng = np.random.default_rng(1)
    for _ in range(300):
        x = float(rng.integers(-30, 31)) / 10
        for act in ("Sigmoid", "Tanh", "ReLU"):
            for what in ("value", "derivative"):
                sol = S.solve_point({"act": act, "what": what, "x": x})
                expr = f"{S.FN[act]}(x)"
                eng = E.evaluate(expr, {"x": x}) if what == "value" else E.gradients(expr, {"x": x})["x"]
                assert abs(eng - sol.answer) < 1e-12


def test_relu_derivative_is_asked_on_both_sides_of_the_kink(questions):
    """ReLU'(x) is drawn at x > 0 (answer 1) and x < 0 (answer 0), never at the kink, where the
    prompt would have to state torch's convention, that is the answer (before: always 0)."""
    relu = [q for q in questions["activation.point"][2] if q.params["act"] == "ReLU"]
    assert relu and all(q.params["x"] not in (0, 1) for q in relu)   # ReLU(1) = ReLU'(1)
    assert {q.answer_value for q in relu} == {0.0, 1.0}
    assert all((q.answer_value == 1.0) == (q.params["x"] > 0) for q in relu)


def test_derivatives_accept_four_decimal_intermediates():
    """The prompt asks to keep 4 decimals in between: sigma(x) or tanh(x) rounded to 4, then
    the derivative rounded to 3, is accepted on the whole grid the templates draw from
    (tanh'(1.2) from tanh = 0.834 gave 0.304, outside the margin of 0.305)."""
    from quizgen import answers
    bank = load_bank()
    tol = bank.templates["activation.point"].tolerance
    assert tol == bank.templates["activation.points"].tolerance
    for k in range(-30, 31):
        x = k / 10
        s = round(1 / (1 + math.exp(-x)), 4)
        t = round(math.tanh(x), 4)
        for act, student in (("Sigmoid", s * (1 - s)), ("Tanh", 1 - t * t)):
            key = S.solve_point({"act": act, "what": "derivative", "x": x}).answer
            assert answers.matches("real", round(student, 3), key, tol), (act, x, student, key)
    q = next(q for q in (build_question(bank.templates["activation.point"], 2, np.random.default_rng(s))
                         for s in range(50)) if q.params["act"] != "ReLU")
    assert "at least 4 decimals" in q.prompt
