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
    m = len(img) - 2
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


# ------------------------------------------------------------------ fast paths vs references

def _shift_numpy(img, direction):
    """The former numpy shift (zeros enter)."""
    img = np.asarray(img)
    out = np.zeros_like(img)
    if direction == "right":
        out[:, 1:] = img[:, :-1]
    elif direction == "left":
        out[:, :-1] = img[:, 1:]
    elif direction == "down":
        out[1:, :] = img[:-1, :]
    else:
        out[:-1, :] = img[1:, :]
    return out


def _sample_numpy(rng, level, p):
    """The former numpy sampler of fcconv.equivariance."""
    from quizgen.solvers import Redraw
    from quizgen.solvers.stacks import pick
    n = 6 if level == 1 else 5
    direction = "right" if level == 1 else pick(rng, ["right", "down"])
    ph, pw = pick(rng, [(2, 2), (2, 3), (3, 2)] if level == 1 else [(2, 2), (1, 2), (2, 1)])
    img = np.zeros((n, n), dtype=int)
    if direction == "right":
        r0 = int(rng.integers(0, n - ph + 1))
        c0 = int(rng.integers(2, n - pw))
    else:
        r0 = int(rng.integers(2, n - ph))
        c0 = int(rng.integers(0, n - pw + 1))
    if (direction == "right" and c0 + pw > n - 1) or (direction == "down" and r0 + ph > n - 1):
        raise Redraw("pattern touches the border it moves to")
    img[r0:r0 + ph, c0:c0 + pw] = rng.integers(1, 4, size=(ph, pw))
    w = rng.integers(-1, 3, size=(3, 3))
    if np.count_nonzero(w) < 5:
        raise Redraw("kernel too sparse")
    bias = int(pick(rng, [-2, -1, 1, 2])) if level >= 2 else None
    return {**p, "x": img.tolist(), "w": w.tolist(), "bias": bias, "direction": direction}


def test_list_shift_and_roll_match_numpy():
    from quizgen.solvers import fc_vs_conv as F
    rng = np.random.default_rng(31)
    for _ in range(300):
        img = rng.integers(-3, 4, size=(int(rng.integers(1, 6)), int(rng.integers(1, 6)))).tolist()
        for d in ("right", "left", "down", "up"):
            assert F._shift(img, d) == _shift_numpy(img, d).tolist(), (img, d)
            b = int(rng.integers(-2, 3))
            assert F._shift(img, d, b) == (_shift_numpy(np.asarray(img) - b, d) + b).tolist()
        for d in ("right", "down"):
            assert F._roll(img, d) == np.roll(img, 1, axis=1 if d == "right" else 0).tolist()


def test_sampler_matches_numpy_sampler():
    from quizgen.solvers import Redraw
    from quizgen.solvers import fc_vs_conv as F
    for level in (1, 2):
        for seed in range(300):
            a, b = np.random.default_rng(seed), np.random.default_rng(seed)
            try:
                want = _sample_numpy(a, level, {"level": level})
            except Redraw as e:
                with pytest.raises(Redraw, match=str(e)):
                    F.sample_equivariance(b, level, {"level": level})
            else:
                assert F.sample_equivariance(b, level, {"level": level}) == want
            assert a.integers(1 << 30) == b.integers(1 << 30)     # the same draws were consumed


def test_conv_shifted_matches_full_convolution():
    """Equivariance as the solver uses it, on images whose content does reach the borders."""
    from quizgen.solvers import fc_vs_conv as F
    rng = np.random.default_rng(32)
    for _ in range(400):
        n = int(rng.integers(3, 8))
        x = (rng.integers(0, 4, size=(n, n)) * (rng.random((n, n)) < 0.5)).tolist()
        w = rng.integers(-2, 3, size=(3, 3)).tolist()
        bias = None if rng.random() < 0.3 else int(rng.integers(-3, 4))
        y = F._conv(x, w, bias)
        for d in ("right", "left", "down", "up"):
            assert F._conv_shifted(x, y, w, bias, d) == brute_conv(shift_any(x, d), w, bias), (x, w, bias, d)


def shift_any(img, direction):
    """``img`` moved one pixel (zeros enter) in any of the four directions."""
    n = len(img[0])
    if direction == "right":
        return [[0] + row[:-1] for row in img]
    if direction == "left":
        return [row[1:] + [0] for row in img]
    if direction == "down":
        return [[0] * n] + [list(r) for r in img[:-1]]
    return [list(r) for r in img[1:]] + [[0] * n]


def test_growing_image_does_not_print_the_answer(bank):
    """Level 2 asks for one layer's count on the larger images: the prompt must not state
    that number (the convolution's count, the same for any image size, was printed)."""
    import re
    t = bank.templates["fcconv.params"]
    asked = set()
    for seed in range(300):
        q = build_question(t, 2, np.random.default_rng(seed))
        stated = re.findall(r"it has (\d+) parameters", q.prompt)
        assert stated and str(q.answer_value) not in stated, q.prompt
        ko = build_question(t, 2, np.random.default_rng(seed), lang="ko")
        assert str(q.answer_value) not in re.findall(r"파라미터 (\d+)개", ko.prompt), ko.prompt
        asked.add(q.params["ask"])
    assert asked == {"fc", "conv"}
