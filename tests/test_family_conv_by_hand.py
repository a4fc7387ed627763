"""Convolution by hand (conv.by-hand, conv.by-hand-1d, conv.entry): stress, brute force, torch, hand examples."""
import numpy as np
import pytest

from quizgen.bankcheck import question_problems
from quizgen.instantiate import build_question
from quizgen.solvers import get
from quizgen.solvers import conv_by_hand as C

IDS = ("conv.by-hand", "conv.by-hand-1d", "conv.entry")


def brute_conv(x, w, bias, stride, padding):
    """Cross-correlation with explicit loops; x [C, H, W] or [C, L], w [C, k, k] or [C, k]."""
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim == 2:                                   # 1-D as a height-1 image
        return brute_conv(x[:, None, :], w[:, None, :], bias, (1, stride), (0, padding))[0]
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    c, h, wd = x.shape
    xp = np.zeros((c, h + 2 * ph, wd + 2 * pw), dtype=int)
    xp[:, ph:ph + h, pw:pw + wd] = x
    kh, kw = w.shape[1:]
    ho, wo = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    out = [[0] * wo for _ in range(ho)]
    for i in range(ho):
        for j in range(wo):
            total = 0 if bias is None else bias
            for ch in range(c):
                for a in range(kh):
                    for b in range(kw):
                        total += int(xp[ch, i * sh + a, j * sw + b]) * int(w[ch, a, b])
            out[i][j] = total
    return out


@pytest.mark.parametrize("tid", IDS)
def test_stress_every_level(bank, tid):
    t = bank.templates[tid]
    for level in t.level_numbers:
        seen = set()
        for seed in range(500):
            q = build_question(t, level, np.random.default_rng(seed))
            assert question_problems(q) == [], (tid, level, seed, question_problems(q))
            p = q.params
            assert all(v >= 0 for v in np.ravel(p["x"]))
            assert p["stride"] >= 1 and p["padding"] >= 0
            if level == 1:
                assert len(p["x"]) == 1
            for m in q.misconceptions:
                assert m.value != q.answer_value
            seen.update(m.id for m in q.misconceptions)
            c = len(p["x"])
            # levels differ in substance
            if tid != "conv.entry":
                assert (c == 2) == (level == 3)
                assert (p["bias"] is not None) == (level >= 2)
                if level == 2:
                    assert p["stride"] > 1 or p["padding"] > 0
            else:
                assert c == (1 if level == 1 else 2)
        assert "flipped-kernel" in seen, (tid, level)
        if level >= 2:
            assert "forgot-bias" in seen or tid == "conv.entry"


@pytest.mark.parametrize("tid", IDS)
def test_answer_matches_brute_force(bank, tid):
    t = bank.templates[tid]
    for level in t.level_numbers:
        for seed in range(100):
            q = build_question(t, level, np.random.default_rng(10_000 + seed))
            p = q.params
            out = brute_conv(p["x"], p["w"], p["bias"], p["stride"], p["padding"])
            if tid == "conv.entry":
                assert q.answer_value == out[p["row"]][p["col"]]
            else:
                assert q.answer_value == out
            # the flipped-kernel mistake really is the textbook convolution
            flip = [np.flip(np.asarray(w)).tolist() for w in p["w"]]
            wrong = brute_conv(p["x"], flip, p["bias"], p["stride"], p["padding"])
            mis = {m.id: m.value for m in q.misconceptions}
            if "flipped-kernel" in mis:
                assert mis["flipped-kernel"] == (wrong[p["row"]][p["col"]] if tid == "conv.entry" else wrong)


@pytest.mark.parametrize("tid", IDS)
def test_check_recipe_reproduces_answer_in_torch(bank, tid):
    pytest.importorskip("torch")
    import torch_reference as ref
    t = bank.templates[tid]
    for level in t.level_numbers:
        for seed in range(25):
            q = build_question(t, level, np.random.default_rng(20_000 + seed))
            got = ref.solve_check(q.check)
            assert np.array_equal(np.asarray(got), np.asarray(q.answer_value)), (tid, level, seed)


def test_hand_worked_2d():
    sol = get("conv.by-hand").solve({"x": [[[1, 2, 0], [0, 1, 3], [2, 1, 0]]], "w": [[[1, 0], [-1, 2]]],
                                     "bias": None, "stride": 1, "padding": 0, "level": 1})
    # y11 = 1*1 + 2*0 + 0*(-1) + 1*2 = 3 ; y12 = 2*1 + 0*0 + 1*(-1) + 3*2 = 7
    assert sol.answer == [[3, 7], [0, 0]]
    # flipped kernel [[2, -1], [0, 1]]: y11 = 1*2 + 2*(-1) + 0*0 + 1*1 = 1
    assert sol.misconceptions["flipped-kernel"][0][0] == 1
    assert sol.context["entry_lines"].splitlines()[0] == "- $y_{1,1} = 1\\cdot 1 + 2\\cdot 0 + 0\\cdot (-1) + 1\\cdot 2 = 3$"


def test_hand_worked_padding_stride_bias_and_entry():
    p = {"x": [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]], "w": [[[0, 1, 0], [2, -1, 0], [0, 0, 1]]],
         "bias": 2, "stride": 2, "padding": 1, "level": 2}
    sol = get("conv.by-hand").solve(p)
    # padded corner window [[0,0,0],[0,1,2],[0,4,5]]: 1*(-1) + 5*1 = 4, plus bias 2 = 6
    # window at padded (2, 2): [[5,6,0],[8,9,0],[0,0,0]]: 6*1 + 8*2 + 9*(-1) = 13, plus 2 = 15
    assert sol.answer == [[6, 3], [-1, 15]]
    assert sol.misconceptions["forgot-bias"] == [[4, 1], [-3, 13]]
    assert sol.misconceptions["ignored-padding"] == [[2 + 8 - 5 + 9 + 2]]   # the one unpadded window
    e = get("conv.entry").solve({**p, "row": 1, "col": 1})
    assert e.answer == 15 and e.check["index"] == [0, 1, 1]
    assert e.misconceptions["forgot-bias"] == 13


def test_hand_worked_1d_two_channels():
    p = {"x": [[1, 0, 2, 1], [3, 1, 0, 2]], "w": [[1, -1], [2, 0]], "bias": -1, "stride": 1, "padding": 0,
         "level": 3}
    sol = get("conv.by-hand-1d").solve(p)
    # y1 = (1*1 + 0*(-1)) + (3*2 + 1*0) - 1 = 6
    assert sol.answer == [6, -1, 0]
    assert sol.misconceptions["first-channel-only"] == [0, -3, 0]
    assert len(sol.check["layers"]) == 1 and sol.check["index"] == [0]  # out[0]: the single channel


# ------------------------------------------------------------------ fast paths vs references

def _random_case(rng):
    dims = int(rng.integers(1, 3))
    c, n = int(rng.integers(1, 4)), int(rng.integers(2, 8))
    k = int(rng.integers(1, min(n, 4) + 1))
    s, pad = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    shape = (c, n, n) if dims == 2 else (c, n)
    p = {"x": rng.integers(-3, 6, size=shape).tolist(),
         "w": rng.integers(-3, 4, size=(c, k, k) if dims == 2 else (c, k)).tolist(),
         "bias": None if rng.random() < 0.3 else int(rng.integers(-4, 5)), "stride": s, "padding": pad}
    return p, dims, C._pad(p["x"], pad, dims)


def test_outputs_match_one_convolution_per_mistake():
    rng = np.random.default_rng(11)
    for _ in range(1500):
        p, dims, xp = _random_case(rng)
        out, wrong = C._outputs(p, dims, xp)
        assert out == C._forward(xp, p["w"], p["bias"], p["stride"], dims), p
        assert wrong == C._wrong_outputs(p, dims, xp), p


def test_entry_texts_match_entry_text():
    rng = np.random.default_rng(12)
    for _ in range(800):
        p, dims, xp = _random_case(rng)
        if rng.random() < 0.5:     # sparse inputs: windows of zeros
            p["x"] = (np.asarray(p["x"]) * (rng.random(np.shape(p["x"])) < 0.2)).tolist()
            xp = C._pad(p["x"], p["padding"], dims)
        out = C._forward(xp, p["w"], p["bias"], p["stride"], dims)
        idx = ([(i, j) for i in range(len(out)) for j in range(len(out[0]))] if dims == 2
               else [(i,) for i in range(len(out))])
        want = [C._entry_text(xp, p["w"], p["bias"], p["stride"], ij, dims) for ij in idx]
        assert C._entry_texts(xp, p["w"], p["bias"], p["stride"], out, dims) == want, p
        # zero windows written as given
        patches = [[C._patch(xc, ij, p["stride"], len(p["w"][0]), dims) for xc in xp] for ij in idx]
        zero = [not np.any(np.asarray(patch)) for patch in patches]
        want = ["ZERO" if z else t for z, t in zip(zero, want)]
        assert C._entry_texts(xp, p["w"], p["bias"], p["stride"], out, dims, zeros="ZERO") == want, p


def test_wrong_entries_match_whole_wrong_outputs():
    rng = np.random.default_rng(13)
    done = 0
    while done < 800:
        p, dims, xp = _random_case(rng)
        if dims == 1:
            continue
        done += 1
        out = C._forward(xp, p["w"], p["bias"], p["stride"], 2)
        wrong = C._wrong_outputs(p, 2, xp)
        for i in range(len(out)):
            for j in range(len(out[0])):
                assert C._at(xp, p["w"], p["bias"], p["stride"], i, j) == out[i][j]
                want = {key: v[i][j] for key, v in wrong.items() if i < len(v) and j < len(v[0])}
                assert C._wrong_entries(p, xp, i, j) == want, (p, i, j)


def _kernel_numpy(rng, shape):
    """The acceptance rule of C._kernel written with numpy (and every channel not all zeros)."""
    while True:
        w = rng.integers(-2, 4, size=shape)
        if (np.count_nonzero(w) >= max(2, w.size // 2) and np.any(w < 0) and np.any(w > 0)
                and w.reshape(shape[0], -1).any(axis=1).all()):
            return w.tolist()


def test_kernel_draw_matches_numpy_rule():
    for seed in range(400):
        shape = [(1, 2, 2), (1, 3, 3), (2, 3, 3), (1, 2), (2, 3), (1, 4), (2, 2, 2)][seed % 7]
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        assert C._kernel(a, shape) == _kernel_numpy(b, shape)
        assert a.integers(1 << 30) == b.integers(1 << 30)     # the same draws were consumed


def test_code_matches_torch_layer():
    rng = np.random.default_rng(14)
    for _ in range(300):
        p, dims, _ = _random_case(rng)
        assert C._code(p, dims) == C._code_reference(p, dims), p


def test_every_channel_contributes(bank):
    """With two input channels, no channel of the input and no channel of the kernel is all
    zeros (that channel would add nothing to the output: 18 of 2000 draws before)."""
    seen = 0
    for tid, level in (("conv.by-hand", 3), ("conv.by-hand-1d", 3), ("conv.entry", 2)):
        for s in range(300):
            p = build_question(bank.templates[tid], level, np.random.default_rng(s)).params
            x, w = np.array(p["x"]), np.array(p["w"])
            assert x.shape[0] == w.shape[0] == 2
            assert x.reshape(2, -1).any(axis=1).all() and w.reshape(2, -1).any(axis=1).all(), (tid, s)
            seen += 1
    assert seen == 900


def test_conv1d_prompt_lists_what_it_gives(bank):
    for level, words in ((1, "The input and the kernel are:"), (2, "The input, the kernel and the bias are:")):
        q = build_question(bank.templates["conv.by-hand-1d"], level, np.random.default_rng(0))
        assert words in q.prompt
