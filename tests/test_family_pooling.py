"""Pooling forward/backward (pool.forward, pool.backward): stress, brute force, finite differences, torch."""
import numpy as np
import pytest

from quizgen import answers
from quizgen.bankcheck import question_problems
from quizgen.instantiate import build_question
from quizgen.solvers import get


def brute_pool(x, mode, k, s):
    n = len(x)
    m = (n - k) // s + 1
    out = []
    for a in range(m):
        row = []
        for b in range(m):
            vals = [x[a * s + u][b * s + v] for u in range(k) for v in range(k)]
            row.append(max(vals) if mode == "max" else min(vals) if mode == "min" else sum(vals) / len(vals))
        out.append(row)
    return out


def finite_difference_grad(x, g, mode, k, s, eps=1e-3):
    """d/dx of sum(g * pool(x)) by central differences (distinct integer inputs: no kinks nearby)."""
    x = np.asarray(x, float)
    g = np.asarray(g, float)
    grad = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        hi, lo = x.copy(), x.copy()
        hi[idx] += eps
        lo[idx] -= eps
        grad[idx] = (np.sum(g * brute_pool(hi.tolist(), mode, k, s))
                     - np.sum(g * brute_pool(lo.tolist(), mode, k, s))) / (2 * eps)
    return grad


@pytest.mark.parametrize("tid", ["pool.forward", "pool.backward"])
def test_stress_every_level(bank, tid):
    t = bank.templates[tid]
    for level in t.level_numbers:
        seen, modes = set(), set()
        for seed in range(500):
            q = build_question(t, level, np.random.default_rng(seed))
            assert question_problems(q) == [], (tid, level, seed, question_problems(q))
            p = q.params
            modes.add(p["mode"])
            if level == 3:
                assert p["s"] < p["k"]          # overlapping windows
            elif tid == "pool.forward":
                assert p["s"] == p["k"]
            if p["mode"] != "avg":               # no ties in the asked max/min windows
                n = len(p["x"])
                for i in range(0, n - p["k"] + 1, p["s"]):
                    for j in range(0, n - p["k"] + 1, p["s"]):
                        win = [v for r in p["x"][i:i + p["k"]] for v in r[j:j + p["k"]]]
                        best = max(win) if p["mode"] in ("max",) else min(win)
                        assert win.count(best) == 1
            for m in q.misconceptions:
                assert not answers.matches("matrix", m.value, q.answer_value, q.tolerance)
            seen.update(m.id for m in q.misconceptions)
        if tid == "pool.forward":
            assert modes == ({"max", "avg"} if level == 1 else {"max", "avg", "min"})
            assert {"average-instead", "min-max-swapped"} <= seen
        else:
            assert modes == {"max"} if level == 1 else {"avg"} if level == 2 else {"max", "avg"}
            if level == 3:
                assert "overwrote-overlaps" in seen


def test_forward_matches_brute_force(bank):
    t = bank.templates["pool.forward"]
    for level in t.level_numbers:
        for seed in range(150):
            q = build_question(t, level, np.random.default_rng(5000 + seed))
            p = q.params
            assert np.allclose(q.answer_value, brute_pool(p["x"], p["mode"], p["k"], p["s"]))


def test_backward_matches_finite_differences(bank):
    t = bank.templates["pool.backward"]
    for level in t.level_numbers:
        for seed in range(60):
            q = build_question(t, level, np.random.default_rng(7000 + seed))
            p = q.params
            fd = finite_difference_grad(p["x"], p["g"], p["mode"], p["k"], p["s"])
            assert np.allclose(q.answer_value, fd, atol=1e-6), (level, seed)


@pytest.mark.parametrize("tid", ["pool.forward", "pool.backward"])
def test_check_recipe_reproduces_answer_in_torch(bank, tid):
    pytest.importorskip("torch")
    import torch_reference as ref
    t = bank.templates[tid]
    for level in t.level_numbers:
        for seed in range(25):
            q = build_question(t, level, np.random.default_rng(9000 + seed))
            got = np.asarray(ref.solve_check(q.check))
            assert got.shape == np.asarray(q.answer_value).shape   # exactly the answer, no channel axis
            assert np.allclose(got, q.answer_value, atol=1e-12), (tid, level, seed)
            for layer in q.check["layers"]:  # only torch.nn classes (min pooling via -I convs)
                assert layer["type"] in ("MaxPool2d", "AvgPool2d", "Conv2d", "Flatten")


X = [[1, 3, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]


def test_hand_worked_forward():
    fwd = get("pool.forward").solve
    assert fwd({"x": X, "mode": "max", "k": 2, "s": 2}).answer == [[6, 8], [3, 4]]
    avg = fwd({"x": X, "mode": "avg", "k": 2, "s": 2})
    assert avg.answer == [[3.75, 5.25], [2.0, 2.0]] and avg.decimals == 2
    mn = fwd({"x": X, "mode": "min", "k": 2, "s": 2})
    assert mn.answer == [[1, 2], [1, 0]]
    assert mn.misconceptions["min-max-swapped"] == [[6, 8], [3, 4]]
    # overlapping 3x3 windows, stride 1: the top-left window of X has maximum 7
    ov = fwd({"x": X, "mode": "max", "k": 3, "s": 1})
    assert ov.answer == [[7, 8], [7, 8]] and ov.misconceptions["non-overlapping"] == [[7]]


def test_hand_worked_backward():
    bwd = get("pool.backward").solve
    g = [[1, 2], [3, 4]]
    mx = bwd({"x": X, "g": g, "mode": "max", "k": 2, "s": 2})
    assert mx.answer == [[0, 0, 0, 0], [0, 1, 0, 2], [3, 0, 0, 0], [0, 0, 0, 4]]
    assert mx.misconceptions["routed-to-min"][0][0] == 1           # 1 is the smallest of window 1
    av = bwd({"x": X, "g": g, "mode": "avg", "k": 2, "s": 2})
    assert av.answer[0] == [0.25, 0.25, 0.5, 0.5]
    assert av.misconceptions["forgot-divide"][0] == [1, 1, 2, 2]


# ------------------------------------------------------------------ fast paths vs references

def test_backward_matches_engine_bit_for_bit():
    """The plain-float answer equals the engine's (the reference), also for 3x3 averages (k*k = 9)."""
    from quizgen.solvers import pooling as P
    rng = np.random.default_rng(21)
    for _ in range(600):
        n, k = int(rng.integers(2, 8)), int(rng.integers(1, 5))
        if k > n:
            continue
        s = int(rng.integers(1, 4))
        m = P._out(n, k, s)
        x = rng.integers(0, 12, size=(n, n)).tolist()          # ties included: first arg-max wins
        g = (rng.integers(1, 10, size=(m, m)) * rng.choice([-1, 1], size=(m, m))).tolist()
        for mode in ("max", "avg", "min"):
            ref = P._BWD[mode](np.asarray([x], float), np.asarray([g], float), k, s)[0]
            ref = ref.tolist() if mode == "avg" else np.rint(ref).astype(int).tolist()
            got = P._backward(x, g, mode, k, s)
            assert got == ref and [type(v) for r in got for v in r] == [type(v) for r in ref for v in r]


def test_pooled_windows_match_pool():
    from quizgen.solvers import pooling as P
    rng = np.random.default_rng(22)
    for _ in range(600):
        n, k = int(rng.integers(2, 8)), int(rng.integers(1, 5))
        if k > n:
            continue
        x = rng.integers(0, 20, size=(n, n)).tolist()
        wins = P._windows(x, k)
        for s in (1, 2, 3, k):
            for mode, f in P._REDUCE.items():
                assert P._pooled(wins, f, s) == P.pool(x, mode, k, s)


def test_shown_matches_numpy_conversion():
    from quizgen.solvers import pooling as P
    rng = np.random.default_rng(23)
    for _ in range(300):
        m = (rng.integers(-40, 40, size=(3, 4)) / int(rng.integers(1, 10))).tolist()
        m[0][0] = int(rng.integers(-5, 5))                        # ints and floats mixed
        m[1][1] = 2 + 1e-12                                       # within 1e-9 of an integer
        want = [[r if abs(v - (r := round(v))) < 1e-9 else round(v, 2) for v in row]
                for row in np.asarray(m, float).tolist()]
        got = P._shown(m)
        assert got == want and [type(v) for r in got for v in r] == [type(v) for r in want for v in r]


def test_forward_prompt_says_partial_windows_are_dropped(bank):
    """When the windows do not tile the image, the prompt says the leftover rows and columns
    are dropped (as PyTorch's floor mode does); min pooling shows no torch layer that would
    settle it. The number it states is what brute force leaves over."""
    t = bank.templates["pool.forward"]
    said = 0
    for level in t.level_numbers:
        for seed in range(200):
            q = build_question(t, level, np.random.default_rng(seed))
            p = q.params
            n, k, s = len(p["x"]), p["k"], p["s"]
            left = n - ((n - k) // s * s + k)
            if left:
                rows = "row and column" if left == 1 else f"{left} rows and columns"
                assert f"the last {rows}, which do not fill a whole window, are dropped" in q.prompt
                said += 1
            else:
                assert "dropped" not in q.prompt
    assert said > 20
