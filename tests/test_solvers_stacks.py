"""Parameter-count and output-shape solvers: the notes' examples, real forward passes, misconceptions."""
import numpy as np
import pytest

from quizgen.engine import network
from quizgen.instantiate import build_question
from quizgen.solvers import output_shape, param_count
from quizgen.solvers.stacks import size_rule, wrong_shape


def test_notes_example_3x100x100_to_16x50x50():
    layers = [{"type": "Conv2d", "in_channels": 3, "out_channels": 16, "kernel_size": 3, "padding": 1},
              {"type": "MaxPool2d", "kernel_size": 2}]
    sol = output_shape.solve({"input_shape": [3, 100, 100], "layers": layers})
    assert sol.answer == [16, 50, 50]
    assert sol.misconceptions["ignored-padding"] == [16, 49, 49]
    assert sol.misconceptions["kept-channels"] == [3, 50, 50]


def test_notes_example_conv1d_32_to_30_to_15():
    layers = [{"type": "Conv1d", "in_channels": 1, "out_channels": 4, "kernel_size": 3},
              {"type": "MaxPool1d", "kernel_size": 2}]
    sol = output_shape.solve({"input_shape": [1, 32], "layers": layers})
    assert sol.answer == [4, 15]
    assert [s["after"] for s in sol.context["steps"]] == [[4, 30], [4, 15]]


def test_notes_example_ten_neurons_thirty_parameters():
    sol = param_count.solve({"input_shape": None,
                             "layers": [{"type": "Linear", "in_features": 2, "out_features": 10}]})
    assert sol.answer == 30
    assert sol.misconceptions["forgot-bias"] == 20
    assert sol.misconceptions["neurons-only"] == 10


@pytest.mark.parametrize("n,k,s,p,d", [(7, 3, 2, 0, 1), (10, 3, 3, 1, 1), (9, 3, 1, 0, 2), (5, 2, 2, 0, 1)])
def test_size_rule_matches_a_brute_force_count_of_window_positions(n, k, s, p, d):
    span = d * (k - 1) + 1
    positions = [start for start in range(0, n + 2 * p, s) if start + span <= n + 2 * p]
    assert size_rule(n, k, s, p, d) == len(positions)


def test_ceil_mistake_differs_only_when_division_is_not_exact():
    assert size_rule(8, 2, 2, 0, 1, "ceil-not-floor") == size_rule(8, 2, 2, 0, 1)
    assert size_rule(7, 2, 2, 0, 1, "ceil-not-floor") == size_rule(7, 2, 2, 0, 1) + 1


@pytest.mark.parametrize("family, dims", [("shape.conv2d", 2), ("shape.conv1d", 1)])
def test_inferred_shapes_equal_real_forward_passes(bank, family, dims):
    t = bank.templates[family]
    for level in t.level_numbers:
        for seed in range(25):
            q = build_question(t, level, np.random.default_rng(seed))
            layers = network.with_random_weights(q.check["layers"], q.check["input_shape"], seed=seed)
            x = np.random.default_rng(seed).standard_normal(q.check["input_shape"])
            out = network.forward(layers, x)[-1]
            assert list(out.shape) == q.answer_value


@pytest.mark.parametrize("family", ["params.dense", "params.conv"])
def test_param_counts_equal_summed_array_sizes(bank, family):
    t = bank.templates[family]
    for level in t.level_numbers:
        for seed in range(25):
            q = build_question(t, level, np.random.default_rng(seed))
            shape = q.check.get("input_shape") or [q.check["layers"][0]["in_features"]]
            if any(l["type"] == "Conv3d" for l in q.check["layers"]):
                continue  # the engine runs Conv3d for shapes and counts only
            layers = network.with_random_weights(q.check["layers"], shape, seed=seed)
            total = sum(np.asarray(l["weight"]).size + (np.asarray(l["bias"]).size
                        if not isinstance(l.get("bias", False), bool) else 0)
                        for l in layers if "weight" in l)
            assert total == q.answer_value, (family, level, seed)


def test_wrong_shape_returns_none_when_the_mistake_breaks_the_stack():
    layers = [{"type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 5, "padding": 2}]
    assert wrong_shape([1, 4, 4], layers, "ignored-padding") is None


def _random_valid_stack(rng):
    """A shape-valid stack: a sampled exam stack, or a random one with odd kernels, dilation, Flatten, Linear."""
    from quizgen.engine.shapes import infer_shapes
    from quizgen.errors import ShapeError
    while True:
        if rng.random() < 0.5:
            dims, level = int(rng.integers(1, 3)), int(rng.integers(1, 4))
            p = output_shape.sample_stack(rng, level, {"size": int(rng.integers(8, 100))}, dims)
            shape, layers = p["input_shape"], p["layers"]
        else:
            dims = int(rng.integers(1, 3))
            shape = [int(rng.integers(1, 4))] + [int(rng.integers(3, 40)) for _ in range(dims)]
            layers, ch = [], shape[0]
            for _ in range(int(rng.integers(1, 6))):
                k = int(rng.integers(1, 6))
                if rng.random() < 0.6:
                    out = int(rng.integers(1, 9))
                    layers.append({"type": f"Conv{dims}d", "in_channels": ch, "out_channels": out, "kernel_size": k,
                                   "stride": int(rng.integers(1, 4)), "padding": int(rng.integers(0, 3)),
                                   "dilation": int(rng.integers(1, 3))})
                    ch = out
                else:
                    layers.append({"type": f"{rng.choice(['Max', 'Avg'])}Pool{dims}d", "kernel_size": k,
                                   "stride": int(rng.integers(1, 4)), "padding": int(rng.integers(0, k // 2 + 1))})
                if rng.random() < 0.3:
                    layers.append({"type": "ReLU"})
                if rng.random() < 0.1:   # Linear on the last axis, then more windows
                    layers.append({"type": "Linear", "out_features": int(rng.integers(3, 30))})
            if rng.random() < 0.4:
                layers += [{"type": "Flatten"}, {"type": "Linear", "out_features": int(rng.integers(1, 20))}]
        try:
            infer_shapes(shape, layers)
        except ShapeError:
            continue
        return shape, layers


def test_wrong_shapes_equals_wrong_shape_for_every_mistake(monkeypatch):
    """The one-pass ``wrong_shapes`` gives exactly the reference ``wrong_shape`` for all mistakes."""
    from quizgen.solvers.stacks import MISTAKES, layer_arguments, wrong_shapes
    from quizgen.solvers import stacks
    calls = {"general": 0}
    general = stacks._apply_rule

    def counted(*args):
        calls["general"] += 1
        return general(*args)

    rng = np.random.default_rng(5)
    broken = 0
    monkeypatch.setattr(stacks, "_apply_rule", counted)
    for _ in range(600):
        shape, layers = _random_valid_stack(rng)
        args_list = layer_arguments(shape, layers)
        got = wrong_shapes(shape, args_list)
        assert list(got) == list(MISTAKES)
        for m in MISTAKES:
            assert got[m] == wrong_shape(shape, layers, m, args_list), (shape, layers, m)
            broken += got[m] is None
    assert broken > 10          # the "mistake breaks the stack" case is exercised
    assert calls["general"] > 20  # windows after a Linear: the general walk is exercised too


def test_remembered_layer_code_equals_torch_layer():
    """``layer_code`` caches ``torch_layer`` by value and type: 1, True and 1.0 stay apart."""
    from quizgen.solvers.stacks import layer_code
    from quizgen.texfmt import torch_layer
    rng = np.random.default_rng(9)
    values = [0, 1, 2, 3, True, False, None, 1.0, 2.0, "same", [3, 3], (2, 1)]
    for _ in range(2000):
        layer = {"type": str(rng.choice(["Conv2d", "Conv1d", "MaxPool2d", "AvgPool1d", "Linear", "ReLU"]))}
        for name in ("in_channels", "out_channels", "in_features", "out_features", "kernel_size", "stride",
                     "padding", "dilation", "bias"):
            if rng.random() < 0.4:
                layer[name] = values[int(rng.integers(len(values)))]
        assert layer_code(layer) == torch_layer(layer), layer
        assert layer_code(dict(layer)) == torch_layer(layer), layer


def test_steps_text_is_the_former_jinja_loop():
    """The solution's step list, built in Python, equals what the templates' Jinja loop printed."""
    from quizgen.engine.shapes import infer_shapes
    from quizgen.solvers.stacks import shape_steps_and_text, steps_text
    from quizgen.texfmt import torch_layer
    from quizgen.textrender import render_text
    loop = ("{% for s in steps %}\n"
            "{{ loop.index }}. `{{ s.code }}`: ${{ s.before|tex_shape }} \\to {{ s.after|tex_shape }}$"
            "{% for f in s.formulas %}; ${{ f }}${% endfor %}\n\n{% endfor %}\n")
    rng = np.random.default_rng(6)
    for _ in range(300):
        shape, layers = _random_valid_stack(rng)
        steps, text = shape_steps_and_text(shape, layers)
        assert text == steps_text(steps)
        jinja = render_text("A\n\n" + loop + "\nB", {"steps": steps}, template_id="t", field="f", trusted=True)
        assert jinja == f"A\n\n{text}\n\nB", (shape, layers)
        assert [tuple(s["after"]) for s in steps] == infer_shapes(shape, layers)[1:]
        assert [s["code"] for s in steps] == [torch_layer(layer) for layer in layers]


def test_dense_sum_tex_is_the_former_jinja_expression(bank):
    """params.dense's solution sum, built in the solver, equals the Jinja expression it replaces."""
    from quizgen.instantiate import _draw
    from quizgen.textrender import render_text
    expr = "{{ rows|map(attribute='weights')|join(' + ') }}{% for r in rows if r.biases %} + {{ r.biases }}{% endfor %}"
    t = bank.templates["params.dense"]
    for level in t.level_numbers:
        for seed in range(60):
            params, sol, _ = _draw(t, level, np.random.default_rng(seed))
            jinja = render_text(expr, sol.context, template_id="t", field="f", trusted=True)
            assert sol.context["sum_tex"] == jinja
