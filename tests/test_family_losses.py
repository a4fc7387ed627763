"""loss.cross-entropy, loss.mse-bce, loss.softmax-gradient: stress, independent formulas,
torch, and the notes' examples."""
import math
import os
import sys

import numpy as np
import pytest

from quizgen.bank import load_bank
from quizgen.bankcheck import question_problems
from quizgen.instantiate import build_question
from quizgen.solvers import losses as S

sys.path.insert(0, os.path.dirname(__file__))

SEEDS = 500
IDS = ("loss.cross-entropy", "loss.mse-bce", "loss.softmax-gradient")


@pytest.fixture(scope="module")
def questions():
    bank = load_bank()
    return {tid: {lv: [build_question(bank.templates[tid], lv, np.random.default_rng(s)) for s in range(SEEDS)]
                  for lv in bank.templates[tid].level_numbers} for tid in IDS}


def softmax(z):
    e = [math.exp(v) for v in z]
    return [v / sum(e) for v in e]


def independent(tid, p):
    """Each answer from the textbook formula, written out with plain Python."""
    if tid == "loss.cross-entropy":
        if p["mode"] == "probs":
            return -sum(q * math.log(pr) for q, pr in zip(p["q"], p["probs"]) if q)
        rows = p["logits"] if p["mode"] == "batch" else [p["logits"]]
        targets = p["target"] if p["mode"] == "batch" else [p["target"]]
        losses = [-math.log(softmax(z)[c]) for z, c in zip(rows, targets)]
        return sum(losses) / len(losses) if p["reduction"] == "mean" else sum(losses)
    if tid == "loss.mse-bce":
        if p["kind"] == "simple":
            return p["target"] - p["pred"]
        if p["kind"] == "squared":
            return (p["target"] - p["pred"]) ** 2
        if p["kind"] == "mse":
            sq = [(a - b) ** 2 for a, b in zip(p["pred"], p["target"])]
            return sum(sq) / len(sq) if p["reduction"] == "mean" else sum(sq)
        terms = [-(y * math.log(q) + (1 - y) * math.log(1 - q)) for q, y in zip(p["pred"], p["target"])]
        return sum(terms) / len(terms)
    probs = softmax(p["logits"])
    y = p["target"] if isinstance(p["target"], list) else [float(i == p["target"]) for i in range(len(probs))]
    return [a - b for a, b in zip(probs, y)]


def test_stress_every_level(questions):
    bank = load_bank()
    for tid, levels in questions.items():
        produced = set()
        for lv, qs in levels.items():
            for seed, q in enumerate(qs):
                assert question_problems(q) == [], (tid, lv, seed)
                p = q.params
                assert np.all(np.isfinite(np.asarray(q.answer_value, float)))
                if tid == "loss.cross-entropy":
                    assert p["mode"] == {1: "probs", 2: "logits", 3: "batch"}[lv]
                    if lv == 1:
                        assert abs(sum(p["probs"]) - 1) < 1e-9 and abs(sum(p["q"]) - 1) < 1e-9
                        assert min(p["probs"]) >= 0.05
                    assert q.answer_value > 0
                elif tid == "loss.mse-bce":
                    assert p["kind"] in ({1: ("simple", "squared"), 2: ("mse",), 3: ("bce",)}[lv])
                    if lv == 3:
                        assert all(0 < v < 1 for v in p["pred"]) and set(p["target"]) == {0.0, 1.0}
                else:
                    assert abs(sum(q.answer_value)) < 1e-9                     # p - y sums to 0
                    assert isinstance(p["target"], int) == (lv == 1)
                produced.update(m.id for m in q.misconceptions)
        declared = {m.id for m in bank.templates[tid].misconceptions}
        assert produced == declared, (tid, declared - produced)


def test_answers_match_formulas(questions):
    for tid, levels in questions.items():
        for lv, qs in levels.items():
            for q in qs:
                np.testing.assert_allclose(q.answer_value, independent(tid, q.params), atol=1e-12,
                                           err_msg=f"{tid} {lv} {q.params}")


def test_softmax_gradient_matches_finite_differences(questions):
    for q in [q for qs in questions["loss.softmax-gradient"].values() for q in qs[:200]]:
        p = q.params
        y = p["target"] if isinstance(p["target"], list) else [float(i == p["target"]) for i in range(len(p["logits"]))]

        def loss(z):
            return -sum(t * math.log(s) for t, s in zip(y, softmax(z)))
        fd = []
        for i in range(len(p["logits"])):
            up, down = list(p["logits"]), list(p["logits"])
            up[i] += 1e-6
            down[i] -= 1e-6
            fd.append((loss(up) - loss(down)) / 2e-6)
        np.testing.assert_allclose(q.answer_value, fd, atol=1e-6)


def test_answers_match_torch(questions):
    pytest.importorskip("torch")
    import torch_reference as ref
    for tid, levels in questions.items():
        for lv, qs in levels.items():
            for q in qs[:60]:
                np.testing.assert_allclose(ref.solve_check(q.check), q.answer_value, atol=1e-9,
                                           err_msg=f"{tid} {lv} {q.params}")


def test_notes_examples():
    # the notes' simple loss: target 1, prediction 0.8 -> 0.2
    sol = S.solve_mse_bce({"kind": "simple", "target": 1.0, "pred": 0.8})
    assert sol.answer == pytest.approx(0.2)
    assert sol.misconceptions["prediction-minus-target"] == pytest.approx(-0.2)
    assert sol.check == {"kind": "expression", "expression": "t - y", "values": {"t": 1.0, "y": 0.8}}
    # H = -sum q log p with a one-hot target: -ln 0.7
    sol = S.solve_ce({"mode": "probs", "probs": [0.2, 0.7, 0.1], "q": [0.0, 1.0, 0.0]})
    assert sol.answer == pytest.approx(-math.log(0.7))
    assert sol.misconceptions["log-base-2"] == pytest.approx(-math.log2(0.7))
    assert sol.misconceptions["log-base-10"] == pytest.approx(-math.log10(0.7))
    assert sol.misconceptions["summed-all-classes"] == pytest.approx(-math.log(0.2 * 0.7 * 0.1))
    assert "wrong-class" not in sol.misconceptions          # the most likely class is the correct one here
    # logits [2, 1, 0], class 0: softmax = [0.6652, 0.2447, 0.0900], loss 0.4076
    sol = S.solve_ce({"mode": "logits", "logits": [2.0, 1.0, 0.0], "target": 0, "reduction": "mean"})
    assert sol.answer == pytest.approx(0.40760596)
    assert sol.misconceptions["skipped-softmax"] == pytest.approx(-math.log(2.0))
    # batch, reduction mean vs sum
    sol = S.solve_ce({"mode": "batch", "logits": [[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]], "target": [0, 2],
                      "reduction": "mean"})
    assert sol.answer == pytest.approx((0.40760596 + math.log(3)) / 2)
    assert sol.misconceptions["forgot-mean"] == pytest.approx(0.40760596 + math.log(3))
    # MSE and BCE
    sol = S.solve_mse_bce({"kind": "mse", "pred": [1.0, 2.0, 3.0], "target": [1.0, 1.0, 1.0], "reduction": "mean"})
    assert sol.answer == pytest.approx(5 / 3)
    assert sol.misconceptions["forgot-mean"] == pytest.approx(5.0)
    assert sol.misconceptions["took-root"] == pytest.approx(math.sqrt(5 / 3))
    sol = S.solve_mse_bce({"kind": "bce", "pred": [0.9, 0.2], "target": [1.0, 0.0], "reduction": "mean"})
    assert sol.answer == pytest.approx(-(math.log(0.9) + math.log(0.8)) / 2)
    assert sol.misconceptions["used-p-for-negatives"] == pytest.approx(-(math.log(0.9) + math.log(0.2)) / 2)
    # gradient p - y: logits [0, 0, 0], class 1 -> [1/3, -2/3, 1/3]
    sol = S.solve_grad({"logits": [0.0, 0.0, 0.0], "target": 1})
    np.testing.assert_allclose(sol.answer, [1 / 3, -2 / 3, 1 / 3])
    np.testing.assert_allclose(sol.misconceptions["y-minus-p"], [-1 / 3, 2 / 3, -1 / 3])
