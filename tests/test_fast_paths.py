"""Fast paths beside reference code: each must give exactly what the reference gives.

The solvers compute small integer convolutions and poolings in plain Python, and a few
helpers skip numpy's general machinery for tiny arrays; these tests compare them with the
engine's NumPy ops (or numpy itself) over many random inputs.
"""
import math

import numpy as np
import pytest

from quizgen.engine.layers import conv1d_forward, conv2d_forward
from quizgen.engine._util import pad_hw
from quizgen.engine.shapes import infer_shapes, infer_shapes_and_args, layer_args, output_shape
from quizgen.instantiate import plain
from quizgen.solvers import allclose
from quizgen.solvers import conv_by_hand as C
from quizgen.solvers import pooling as P
from quizgen.texfmt import fmt4, fmt4_row, num, tex_matrix


def test_integer_conv_matches_engine_conv():
    rng = np.random.default_rng(0)
    for _ in range(3000):
        dims = int(rng.integers(1, 3))
        c, n = int(rng.integers(1, 4)), int(rng.integers(2, 8))
        k = int(rng.integers(1, min(n, 4) + 1))
        s, pad = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        shape = (c, n, n) if dims == 2 else (c, n)
        x = rng.integers(-5, 6, size=shape).tolist()
        w = rng.integers(-3, 4, size=(c, k, k) if dims == 2 else (c, k)).tolist()
        bias = None if rng.random() < 0.3 else int(rng.integers(-4, 5))
        b = None if bias is None else np.array([float(bias)])
        fn = conv2d_forward if dims == 2 else conv1d_forward
        ref = fn(np.asarray(x, float), np.asarray([w], float), b, stride=s, padding=pad)[0]
        got = C._forward(C._pad(x, pad, dims), w, bias, s, dims)
        assert np.rint(ref).astype(int).tolist() == got, (x, w, bias, s, pad)


def test_pad_matches_np_pad():
    rng = np.random.default_rng(1)
    for _ in range(300):
        x = rng.standard_normal((int(rng.integers(1, 4)), int(rng.integers(1, 6)), int(rng.integers(1, 6))))
        p = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        for value in (0.0, -np.inf):
            ref = np.pad(x, ((0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=value)
            got = pad_hw(x, p, value)
            assert got.dtype == ref.dtype and np.array_equal(got, ref)
            assert got is not x
        # the integer padding of the by-hand solvers
        xi = rng.integers(0, 5, size=x.shape).tolist()
        assert C._pad(xi, p[0], 2) == np.pad(np.asarray(xi), ((0, 0), (p[0], p[0]), (p[0], p[0]))).tolist()


def _np_pool(x, mode, k, s, partial=False):
    """The former NumPy reference: numpy's max/min/mean of every window."""
    x = np.asarray(x, float)
    rows, cols = P._positions(x.shape[0], k, s, partial), P._positions(x.shape[1], k, s, partial)
    f = {"max": np.max, "min": np.min, "avg": np.mean}[mode]
    return [[float(f(x[i:i + k, j:j + k])) for j in cols] for i in rows]


def _np_route(x, g, mode, k, s, *, assign=False, divide=True, to=None):
    """The former NumPy reference of the routing misconceptions."""
    x, g = np.asarray(x, float), np.asarray(g, float)
    grad = np.zeros_like(x)
    rows, cols = P._positions(x.shape[0], k, s), P._positions(x.shape[1], k, s)
    rule = to or mode
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            win = x[i:i + k, j:j + k]
            if rule in ("max", "min"):
                flat = int(win.argmax() if rule == "max" else win.argmin())
                targets = [(i + flat // k, j + flat % k)]
                share = g[a, b]
            else:
                targets = [(i + u, j + v) for u in range(k) for v in range(k)]
                share = g[a, b] / (k * k) if divide else g[a, b]
            for t in targets:
                grad[t] = share if assign else grad[t] + share
    return grad.tolist()


def test_plain_pooling_matches_numpy():
    rng = np.random.default_rng(2)
    for _ in range(1500):
        n, k = int(rng.integers(2, 8)), int(rng.integers(1, 5))
        if k > n:
            continue
        s = int(rng.integers(1, 4))
        x = rng.integers(0, 20, size=(n, n)).tolist()   # ties included
        for mode in ("max", "min", "avg"):
            for partial in (False, True):
                assert P.pool(x, mode, k, s, partial) == _np_pool(x, mode, k, s, partial)
            m = P._out(n, k, s)
            g = (rng.integers(1, 10, size=(m, m)) * rng.choice([-1, 1], size=(m, m))).tolist()
            for kw in ({}, {"to": "avg"}, {"to": "avg", "divide": False}, {"to": "min"}, {"to": "max"},
                       {"divide": False}, {"assign": True}):
                assert P.route(x, g, mode, k, s, **kw) == _np_route(x, g, mode, k, s, **kw), (mode, kw)
        assert P._has_tie(x, "max", k, s) == any(
            np.count_nonzero(np.asarray(x)[i:i + k, j:j + k] == np.asarray(x)[i:i + k, j:j + k].max()) > 1
            for i in P._positions(n, k, s) for j in P._positions(n, k, s))


def test_allclose_matches_numpy():
    rng = np.random.default_rng(3)
    specials = [0.0, -0.0, 1e-9, 1e308, -1e308, np.inf, -np.inf, np.nan]
    for _ in range(5000):
        shape = tuple(int(v) for v in rng.integers(1, 4, size=int(rng.integers(0, 3))))
        a = rng.standard_normal(shape)
        b = a + rng.choice([0.0, 1e-9, 1e-6, 1e-3, 1.0]) * rng.standard_normal(shape)
        if rng.random() < 0.3:
            a = np.where(rng.random(shape) < 0.3, rng.choice(specials), a)
        if rng.random() < 0.3:
            b = np.where(rng.random(shape) < 0.3, rng.choice(specials), b)
        with np.errstate(over="ignore", invalid="ignore"):   # differences that overflow, on both sides
            assert allclose(a, b) == bool(np.allclose(a, b)), (a, b)
        sq = rng.integers(-3, 4, size=(2, 2)) * rng.choice([0.1, 1.0])   # the symmetry test of the solvers
        assert allclose(sq, sq.T) == bool(np.allclose(sq, sq.T))


def _plain_reference(value):
    """The former, fully recursive plain()."""
    if isinstance(value, np.ndarray):
        return _plain_reference(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain_reference(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain_reference(v) for k, v in value.items()}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return 0.0 if f == 0 else f
    return value


def test_plain_matches_recursive_reference():
    rng = np.random.default_rng(4)
    scalars = [0, 3, -2, 0.0, -0.0, 1.5, True, False, None, "s", np.float64(-0.0), np.int64(7),
               np.bool_(True), math.inf, math.nan]
    for _ in range(2000):
        value = [[scalars[int(i)] for i in rng.integers(len(scalars), size=3)] for _ in range(2)]
        value = {"a": value, 1: (scalars[int(rng.integers(len(scalars)))], np.arange(3) * -0.0),
                 "d": {"x": scalars[int(rng.integers(len(scalars)))]}}
        got, ref = plain(value), _plain_reference(value)
        assert repr(got) == repr(ref)       # repr tells 0.0 from -0.0 and keeps nan comparable
        assert [type(v) for v in got["a"][0]] == [type(v) for v in ref["a"][0]]


def _num_reference(x, decimals=None):
    """The former num()."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int) or (decimals is None and float(x).is_integer()):
        return str(int(x))
    text = f"{float(x):.10g}" if decimals is None else f"{float(x):.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def test_number_formatting_fast_paths():
    rng = np.random.default_rng(5)
    values = [0, -3, 12, True, False, 0.0, -0.0, 2.0, -7.0, 1e20, 0.1, -0.00001, 2.5, np.float64(3.0),
              np.int64(-4), np.float64(-0.25)]
    values += list(rng.standard_normal(200) * 10) + list(rng.integers(-50, 50, size=50).tolist())
    for v in values:
        for d in (None, 0, 2, 4):
            assert num(v, d) == _num_reference(v, d), (v, d)
    rows = [[int(v) for v in rng.integers(-9, 9, size=3)], [float(v) for v in rng.standard_normal(3)]]
    for d in (None, 2):
        body = r" \\ ".join(" & ".join(_num_reference(v, d) for v in row) for row in rows)
        assert tex_matrix(rows, d) == rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"
    floats = [float(v) for v in rng.standard_normal(100)] + [0.0, -0.0, 1.0, 0.12345, -2.00004]
    assert fmt4_row(floats) == [fmt4(v) for v in floats]


def test_shapes_and_args_in_one_pass():
    layers = [{"type": "Conv2d", "in_channels": 3, "out_channels": 8, "kernel_size": 3, "padding": 1},
              {"type": "ReLU"}, {"type": "MaxPool2d", "kernel_size": 2},
              {"type": "Conv2d", "in_channels": 8, "out_channels": 4, "kernel_size": 3, "stride": 2,
               "dilation": 2},
              {"type": "Flatten"}, {"type": "Linear", "out_features": 10}]
    shapes, args_list = infer_shapes_and_args([3, 32, 32], layers)
    assert shapes == infer_shapes([3, 32, 32], layers)
    assert args_list == [layer_args(layer, shapes[i], i) for i, layer in enumerate(layers)]
    for i, layer in enumerate(layers):
        assert output_shape(layer, shapes[i], i, args_list[i]) == output_shape(layer, shapes[i], i)


@pytest.mark.parametrize("bad", [{"type": "Conv2d", "in_channels": 3, "out_channels": 1, "kernel_size": 0},
                                 {"type": "MaxPool2d", "kernel_size": 2, "padding": -1}])
def test_layer_args_still_rejects_non_positive_sizes(bad):
    from quizgen.errors import ShapeError
    with pytest.raises(ShapeError):
        layer_args(bad, (3, 8, 8), 0)


def test_template_attribute_lookup_on_dicts_is_jinjas():
    import jinja2

    from quizgen.textrender import Environment

    ours, theirs = Environment(undefined=jinja2.StrictUndefined), jinja2.Environment(undefined=jinja2.StrictUndefined)

    class Sub(dict):
        extra = "attr"

    class Obj:
        name = "o"

    values = [{"name": "n", "items": 1, "keys": 2, "get": 3, "text": "t"}, {}, Sub(name="s", extra=1),
              Obj(), [1, 2], "text", None]
    names = ["name", "text", "items", "keys", "values", "get", "extra", "missing", "__class__", "copy",
             "__len__", "upper"]
    for obj in values:
        for name in names:
            a, b = ours.getattr(obj, name), theirs.getattr(obj, name)
            if isinstance(b, jinja2.Undefined):
                assert isinstance(a, jinja2.Undefined) and a._undefined_name == b._undefined_name
            elif callable(b):
                assert a == b or (a.__self__ is b.__self__ and a.__name__ == b.__name__)
            else:
                assert a == b, (obj, name)


def test_network_backprop_helpers_match_numpy():
    from quizgen.solvers import network_backprop as NB

    def tex_mat_reference(m):
        a = np.asarray(m, dtype=float)
        if a.ndim == 1:
            a = a[:, None]
        body = r" \\ ".join(" & ".join(fmt4(v) for v in row) for row in a)
        return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"

    rng = np.random.default_rng(6)
    for _ in range(500):
        a, b = rng.standard_normal(int(rng.integers(1, 5))), rng.standard_normal(int(rng.integers(1, 5)))
        assert np.array_equal(NB._outer(a, b), np.outer(a, b))
        m = np.round(rng.standard_normal((int(rng.integers(1, 4)), int(rng.integers(1, 4)))), int(rng.integers(1, 6)))
        for value in (a, m, a.tolist(), m.tolist(), (rng.integers(-3, 4, size=3) / 10).tolist()):
            assert NB.tex_mat(value) == tex_mat_reference(value)


def test_short_products_match_numpy():
    # graph_backprop multiplies a node's few downstream pieces with math.prod (was np.prod)
    rng = np.random.default_rng(7)
    for _ in range(20000):
        parts = [float(v) for v in rng.standard_normal(int(rng.integers(0, 5))) * 10.0 ** int(rng.integers(-3, 4))]
        assert float(math.prod(parts)) == float(np.prod(parts))


def test_one_decimal_draws_match_numpy_post_processing():
    from quizgen.solvers import network_backprop as NB

    def reference(rng, lo, hi, shape=None, nonzero=True):
        vals = rng.integers(int(round(lo * 10)), int(round(hi * 10)) + 1, size=shape) / 10.0
        if nonzero:
            vals = np.where(vals == 0, 0.1, vals)
        return vals.tolist()

    for seed in range(500):
        for shape in (None, 3, (2, 3)):
            for nonzero in (True, False):
                got = NB._one_decimal(np.random.default_rng(seed), -0.5, 0.5, shape, nonzero)
                assert repr(got) == repr(reference(np.random.default_rng(seed), -0.5, 0.5, shape, nonzero))
