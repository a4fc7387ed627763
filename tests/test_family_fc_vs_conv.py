"""FC vs convolution (fcconv.params, fcconv.equivariance): stress, formulas, brute force, torch, hand examples."""
import numpy as np
import pytest

from quizgen.bankcheck import question_problems
from quizgen.instantiate import build_question
from quizgen.solvers import get


def test_stress_params(bank):
    t = bank.templates["fcconv.params"]
    for level in t.level_numbers:
        seen = set()
        for seed in range(500):
            q = build_question(t, level, np.random.default_rng(seed))
            assert question_problems(q) == [], (level, seed)
            p = q.params
            assert (p["h2"] is not None) == (level == 2)
            size = p["h2"] or p["h"]
            expected = (p["c"] * size * size * p["n"] + p["n"] if p["ask"] == "fc"
                        else p["c"] * p["k"] ** 2 * p["n"] + p["n"])
            assert q.answer_value == expected
            assert all(m.value != q.answer_value for m in q.misconceptions)
            seen.update(m.id for m in q.misconceptions)
        assert {"forgot-bias", "forgot-channels", "per-position"} <= seen
        assert ({"unchanged", "linear-growth", "grows-with-image"} if level == 2 else {"like-fully-connected"}) <= seen


def test_params_check_in_torch(bank):
    pytest.importorskip("torch")
    import torch_reference as ref
    t = bank.templates["fcconv.params"]
    for level in t.level_numbers:
        for seed in range(25):
            q = build_question(t, level, np.random.default_rng(100 + seed))
            assert ref.solve_check(q.check) == q.answer_value


def brute_conv(img, w, bias):
    n, m = len(img), len(img) - 2
    return [[sum(img[i + a][j + b] * w[a][b] for a in range(3) for b in range(3)) + (bias or 0)
             for j in range(m)] for i in range(m)]


def shift(img, direction):
    n = len(img)
    if direction == "right":
        return [[0] + row[:-1] for row in img]
    return [[0] * n] + [list(r) for r in img[:-1]]


def test_stress_equivariance_brute_force(bank):
    t = bank.templates["fcconv.equivariance"]
    for level in t.level_numbers:
        seen = set()
        for seed in range(500):
            q = build_question(t, level, np.random.default_rng(seed))
            assert question_problems(q) == [], (level, seed)
            p = q.params
            # nothing but zeros leaves the image
            if p["direction"] == "right":
                assert all(row[-1] == 0 for row in p["x"])
            else:
                assert all(v == 0 for v in p["x"][-1])
            shifted = shift(p["x"], p["direction"])
            assert q.answer_value == brute_conv(shifted, p["w"], p["bias"])
            # equivariance: the answer is the original output moved by one, the new edge = bias only
            y = brute_conv(p["x"], p["w"], p["bias"])
            b = p["bias"] or 0
            moved = [[v + b for v in r] for r in shift([[v - b for v in r] for r in y], p["direction"])]
            assert q.answer_value == moved
            mis = {m.id: m.value for m in q.misconceptions}
            assert mis["unchanged"] == y
            seen.update(mis)
            assert (level == 1) == (p["bias"] is None)
        assert {"unchanged", "shifted-wrong-way", "wrapped-around"} <= seen


def test_equivariance_check_in_torch(bank):
    pytest.importorskip("torch")
    import torch_reference as ref
    t = bank.templates["fcconv.equivariance"]
    for level in t.level_numbers:
        for seed in range(25):
            q = build_question(t, level, np.random.default_rng(400 + seed))
            assert np.array_equal(ref.solve_check(q.check), q.answer_value)


def test_hand_worked_notes_example():
    # the notes: a 7x7 image needs 49 weights in a fully connected unit, a 3x3 kernel only 9
    solve = get("fcconv.params").solve
    fc = solve({"c": 1, "h": 7, "n": 1, "k": 3, "ask": "fc", "h2": None})
    conv = solve({"c": 1, "h": 7, "n": 1, "k": 3, "ask": "conv", "h2": None})
    assert fc.answer == 49 + 1 and conv.answer == 9 + 1
    assert fc.misconceptions["forgot-bias"] == 49
    # a 100x100 RGB image into 16 outputs; growing it to 200x200 quadruples the FC weights only
    big = solve({"c": 3, "h": 100, "n": 16, "k": 3, "ask": "fc", "h2": 200})
    assert big.answer == 3 * 200 * 200 * 16 + 16
    assert big.misconceptions["unchanged"] == 3 * 100 * 100 * 16 + 16
    assert solve({"c": 3, "h": 100, "n": 16, "k": 3, "ask": "conv", "h2": 200}).answer == 3 * 9 * 16 + 16


def test_hand_worked_shift():
    x = [[0] * 5 for _ in range(5)]
    x[1][2] = 1
    w = [[1, 2, 0], [0, 0, 0], [0, 0, 3]]
    sol = get("fcconv.equivariance").solve({"x": x, "w": w, "bias": None, "direction": "right"})
    # the single 1 at row 2, column 3 (1-based) meets w[0][1] = 2 at output (2, 2) and w[0][0] = 1 at (2, 3)
    y = [[0, 0, 0], [0, 2, 1], [0, 0, 0]]
    assert sol.misconceptions["unchanged"] == y
    # shifted right: the 1 moves to column 4, the output moves right with it; the 1 leaves the output
    assert sol.answer == [[0, 0, 0], [0, 0, 2], [0, 0, 0]]
    assert sol.misconceptions["wrapped-around"] == [[0, 0, 0], [1, 0, 2], [0, 0, 0]]
