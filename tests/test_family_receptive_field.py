"""Receptive-field families (rf.size, rf.influence): stress, formula, perturbation probe, torch, hand examples."""
import numpy as np
import pytest

from quizgen.bankcheck import question_problems
from quizgen.instantiate import build_question
from quizgen.solvers import get


def textbook_size(layers):
    """r = 1 + sum (k - 1) * prod(earlier strides), pooling windows included."""
    r, jump = 1, 1
    for layer in layers:
        if layer["type"].startswith(("Conv", "MaxPool", "AvgPool")):
            k = layer["kernel_size"]
            s = layer.get("stride", 1 if layer["type"].startswith("Conv") else k)
            r += (k - 1) * jump
            jump *= s
    return r


def test_stress_size(bank):
    t = bank.templates["rf.size"]
    for level in t.level_numbers:
        seen = set()
        for seed in range(500):
            q = build_question(t, level, np.random.default_rng(seed))
            assert question_problems(q) == [], (level, seed, question_problems(q))
            layers = q.params["layers"]
            pools = [l for l in layers if "Pool" in l["type"]]
            strided = [l for l in layers if l.get("stride", l["kernel_size"] if "Pool" in l["type"] else 1) > 1]
            if level == 1:
                assert not pools and not strided and len(layers) >= 2
            elif level == 2:
                assert len(pools) == 1
            else:
                assert strided and len(layers) >= 3
            assert q.answer_value == [textbook_size(layers)] * (len(q.params["input_shape"]) - 1)
            seen.update(m.id for m in q.misconceptions)
        assert {"no-minus-one", "last-layer-only"} <= seen
        if level >= 2:
            assert {"ignored-strides", "wrong-strides"} <= seen
        if level == 2:
            assert "ignored-pooling" in seen


def test_size_check_in_torch(bank):
    pytest.importorskip("torch")
    import torch_reference as ref
    t = bank.templates["rf.size"]
    for level in t.level_numbers:
        for seed in range(8):
            q = build_question(t, level, np.random.default_rng(3000 + seed))
            assert ref.solve_check(q.check) == q.answer_value


def perturbation_changes_output(q) -> bool:
    """Positive weights, positive input, pools averaged: does bumping the pixel move the output?"""
    torch = pytest.importorskip("torch")
    import torch_reference as ref
    layers = [dict(l, type="AvgPool2d") if l["type"] == "MaxPool2d" else l for l in q.params["layers"]]
    torch.manual_seed(0)
    net = ref.build_model(layers, q.params["input_shape"], receptive=True)
    x = torch.rand(q.params["input_shape"], dtype=torch.float64) + 0.5
    i, j = q.params["out_pos"]
    r, c = q.params["pixel"]
    with torch.no_grad():
        before = ref.run(net, x)[0, i, j].item()
        x[0, r, c] += 10.0
        after = ref.run(net, x)[0, i, j].item()
    return abs(after - before) > 1e-9


def test_stress_influence_and_probe(bank):
    t = bank.templates["rf.influence"]
    for level in t.level_numbers:
        yes = 0
        seen = set()
        for seed in range(500):
            q = build_question(t, level, np.random.default_rng(seed))
            assert question_problems(q) == [], (level, seed)
            assert q.check is None and sorted(q.options) == ["No", "Yes"]
            assert len(q.misconceptions) >= 1
            yes += q.options[q.answer_value] == "Yes"
            seen.update(m.id for m in q.misconceptions)
            if seed < 80:
                assert (q.options[q.answer_value] == "Yes") == perturbation_changes_output(q), (level, seed)
        assert 150 < yes < 350                      # both answers are common
        assert "every-pixel-counts" in seen and "ignored-padding" in seen
        if level == 2:
            assert {"ignored-pooling", "ignored-strides"} <= seen


def test_hand_worked_notes_example():
    # the notes: a 7x7 image, two 3x3 convolutions -> a 5x5 receptive field
    layers = [{"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 3},
              {"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": 3}]
    sol = get("rf.size").solve({"dims": 2, "input_shape": [1, 7, 7], "layers": layers})
    assert sol.answer == [5, 5]
    assert sol.misconceptions["no-minus-one"] == [6, 6] and sol.misconceptions["last-layer-only"] == [3, 3]
    # output (0, 0) of that 3x3 output sees rows/cols 1-5 (1-based): pixel (7, 7) cannot change it
    inf = get("rf.influence").solve({"input_shape": [1, 7, 7], "layers": layers, "out_pos": [0, 0],
                                     "pixel": [6, 6]})
    assert inf.options[inf.answer]["en"] == "No" and inf.context["rows"] == "1–5"
    inf = get("rf.influence").solve({"input_shape": [1, 7, 7], "layers": layers, "out_pos": [0, 0],
                                     "pixel": [4, 4]})
    assert inf.options[inf.answer]["en"] == "Yes"


def test_hand_worked_strides_and_pooling():
    # conv3 -> maxpool2 -> conv3: 1 + 2*1 + 1*1 + 2*2 = 8
    layers = [{"type": "Conv2d", "in_channels": 1, "out_channels": 8, "kernel_size": 3},
              {"type": "MaxPool2d", "kernel_size": 2},
              {"type": "Conv2d", "in_channels": 8, "out_channels": 8, "kernel_size": 3}]
    sol = get("rf.size").solve({"dims": 2, "input_shape": [1, 64, 64], "layers": layers})
    assert sol.answer == [8, 8]
    assert sol.misconceptions["ignored-strides"] == [6, 6]       # 1 + 2 + 1 + 2
    assert sol.misconceptions["ignored-pooling"] == [7, 7]       # 1 + 2 + 2*2
    assert sol.misconceptions["wrong-strides"] == [9, 9]         # own strides too: 1 + 2*1 + 1*2 + 2*2


def test_influence_snippet_prints_the_answer_when_run_in_torch():
    """The key's PyTorch snippet for rf.influence, executed, says Yes exactly when the key does."""
    pytest.importorskip("torch")
    import contextlib
    import io

    import numpy as np

    from quizgen.bank import load_bank
    from quizgen.instantiate import build_question
    t = load_bank().templates["rf.influence"]
    for level in t.level_numbers:
        for seed in range(12):
            q = build_question(t, level, np.random.default_rng(seed))
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(q.pytorch, {})  # our own generated code
            yes = q.options[q.answer_value] == "Yes"
            assert out.getvalue().strip() == str(yes), (level, seed)


def test_size_snippet_prints_the_answer_when_run_in_torch():
    """The key's PyTorch snippet for rf.size, executed, prints the key's field size, also for
    stacks with max pooling (where a plain backward pass reaches only the arg-max)."""
    pytest.importorskip("torch")
    import contextlib
    import io

    import numpy as np

    from quizgen.bank import load_bank
    from quizgen.instantiate import build_question
    t = load_bank().templates["rf.size"]
    pooled = 0
    for level in t.level_numbers:
        for seed in range(15):
            q = build_question(t, level, np.random.default_rng(seed))
            pooled += "MaxPool" in q.pytorch
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(q.pytorch, {})  # our own generated code
            assert [int(v) for v in out.getvalue().split()] == q.answer_value, (level, seed, q.pytorch)
    assert pooled >= 5  # the case that printed a smaller field before


def _random_rf_stack(rng):
    """A 1-D or 2-D conv/pool stack (sometimes dilated, strided past its window, or with Flatten)."""
    dims = int(rng.integers(1, 3))
    shape = [int(rng.integers(1, 3))] + [int(rng.integers(5, 30)) for _ in range(dims)]
    layers, ch = [], shape[0]
    for _ in range(int(rng.integers(1, 5))):
        k = int(rng.integers(1, 6))
        if rng.random() < 0.6:
            layer = {"type": f"Conv{dims}d", "in_channels": ch, "out_channels": 2, "kernel_size": k,
                     "stride": int(rng.integers(1, 4)), "padding": int(rng.integers(0, 3))}
            if rng.random() < 0.15:
                layer["dilation"] = 2
            ch = 2
        else:
            layer = {"type": f"{rng.choice(['Max', 'Avg'])}Pool{dims}d", "kernel_size": k,
                     "stride": int(rng.integers(1, 4)), "padding": int(rng.integers(0, k // 2 + 1))}
        layers.append(layer)
        if rng.random() < 0.2:
            layers.append({"type": "ReLU"})
    if rng.random() < 0.05:
        layers.append({"type": "Flatten"})
    return shape, layers


def test_interval_field_equals_the_engines_position_sets():
    """The solvers' two-ends walk (``_field``, ``_field_size``) gives the engine's receptive field exactly."""
    from quizgen.engine.receptive import receptive_field, receptive_field_size
    from quizgen.engine.shapes import infer_shapes_and_args
    from quizgen.errors import ShapeError
    from quizgen.solvers import receptive_field as R
    rng = np.random.default_rng(21)
    checked = empty = 0
    while checked < 800:
        shape, layers = _random_rf_stack(rng)
        try:
            shapes, args_list = infer_shapes_and_args(shape, layers)
        except ShapeError:
            continue
        checked += 1
        out = shapes[-1]
        index = None if rng.random() < 0.3 else [int(rng.integers(n)) for n in out[1:]]
        assert R._field(shape, layers, shapes, args_list, index) == receptive_field(shape, layers, index), \
            (shape, layers, index)
        empty += R._field(shape, layers, shapes, args_list, index)[1][0] is None
        try:
            ref = receptive_field_size(layers)
        except ShapeError as e:
            with pytest.raises(ShapeError, match=str(e)[:20]):
                R._field_size(layers, args_list)
        else:
            assert R._field_size(layers, args_list) == ref
    assert empty > 5            # outputs that read only padding are covered


def test_border_pixels_equal_the_plain_double_loop():
    from quizgen.solvers.receptive_field import _border_pixels

    def reference(n, ranges, inside):
        (r_lo, r_hi), (c_lo, c_hi) = ranges
        r_in = [r_lo <= r <= r_hi for r in range(n)]
        c_in = [c_lo <= c <= c_hi for c in range(n)]
        r_dist = [min(abs(r - r_lo), abs(r - r_hi)) for r in range(n)]
        c_dist = [min(abs(c - c_lo), abs(c - c_hi)) for c in range(n)]
        return [[r, c] for r in range(n) for c in range(n)
                if (r_in[r] and c_in[c]) == inside and min(r_dist[r], c_dist[c]) <= 1]

    checked = 0
    for n in range(1, 11):
        spans = [(lo, hi) for lo in range(n) for hi in range(lo, n)]
        for rows in spans:
            for cols in spans[::3]:
                for inside in (True, False):
                    assert _border_pixels(n, (rows, cols), inside) == reference(n, (rows, cols), inside)
                    checked += 1
    assert checked > 1000
