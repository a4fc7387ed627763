"""Engine ops: backward vs central finite differences, and torch-known values."""
import numpy as np
import pytest

from quizgen.engine import layers as L
from quizgen.errors import ShapeError

EPS = 1e-6


def numeric_grad(f, x):
    """Central differences of the scalar function f at array x."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + EPS
        up = f(x)
        x[i] = old - EPS
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * EPS)
    return grad


def check_op(fwd, bwd, x, rng, tol=1e-6):
    """Compare bwd(x, g) with the finite-difference gradient of sum(fwd(x) * g)."""
    g = rng.standard_normal(np.shape(fwd(x)))
    expected = numeric_grad(lambda v: float(np.sum(fwd(v) * g)), x)
    np.testing.assert_allclose(bwd(x, g), expected, atol=tol, rtol=tol)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# ------------------------------------------------------------------ Linear / Conv

@pytest.mark.parametrize("x_shape", [(4,), (3, 4)])
def test_linear_gradients(rng, x_shape):
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal((5, 4)), rng.standard_normal(5)
    g = rng.standard_normal(L.linear_forward(x, w, b).shape)
    gx, gw, gb = L.linear_backward(x, w, b, g)
    loss = lambda x_, w_, b_: float(np.sum(L.linear_forward(x_, w_, b_) * g))
    np.testing.assert_allclose(gx, numeric_grad(lambda v: loss(v, w, b), x), atol=1e-6)
    np.testing.assert_allclose(gw, numeric_grad(lambda v: loss(x, v, b), w), atol=1e-6)
    np.testing.assert_allclose(gb, numeric_grad(lambda v: loss(x, w, v), b), atol=1e-6)
    assert L.linear_backward(x, w, None, g)[2] is None


def test_linear_known_value():
    assert L.linear_forward([1.0, 2.0], [[1.0, -1.0], [0.5, 0.5]], [0.1, 0.0]).tolist() == [-0.9, 1.5]


CONV2D_CASES = [  # (C_in, C_out, H, W, kH, kW, stride, padding, dilation)
    (1, 1, 5, 5, 3, 3, 1, 0, 1),
    (2, 3, 6, 5, 3, 2, 2, 1, 1),
    (3, 2, 7, 7, 2, 3, (2, 1), (1, 2), (2, 1)),
    (2, 2, 6, 6, 3, 3, 3, 2, 2),
]


@pytest.mark.parametrize("c_in,c_out,h,w,kh,kw,stride,padding,dilation", CONV2D_CASES)
def test_conv2d_gradients(rng, c_in, c_out, h, w, kh, kw, stride, padding, dilation):
    x = rng.standard_normal((c_in, h, w))
    weight, bias = rng.standard_normal((c_out, c_in, kh, kw)), rng.standard_normal(c_out)
    geo = dict(stride=stride, padding=padding, dilation=dilation)
    g = rng.standard_normal(L.conv2d_forward(x, weight, bias, **geo).shape)
    gx, gw, gb = L.conv2d_backward(x, weight, bias, g, **geo)
    loss = lambda x_, w_, b_: float(np.sum(L.conv2d_forward(x_, w_, b_, **geo) * g))
    np.testing.assert_allclose(gx, numeric_grad(lambda v: loss(v, weight, bias), x), atol=1e-6)
    np.testing.assert_allclose(gw, numeric_grad(lambda v: loss(x, v, bias), weight), atol=1e-6)
    np.testing.assert_allclose(gb, numeric_grad(lambda v: loss(x, weight, v), bias), atol=1e-6)


@pytest.mark.parametrize("stride,padding,dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 1, 2)])
def test_conv1d_gradients(rng, stride, padding, dilation):
    x = rng.standard_normal((2, 9))
    weight, bias = rng.standard_normal((3, 2, 3)), rng.standard_normal(3)
    geo = dict(stride=stride, padding=padding, dilation=dilation)
    g = rng.standard_normal(L.conv1d_forward(x, weight, bias, **geo).shape)
    gx, gw, gb = L.conv1d_backward(x, weight, bias, g, **geo)
    loss = lambda x_, w_, b_: float(np.sum(L.conv1d_forward(x_, w_, b_, **geo) * g))
    np.testing.assert_allclose(gx, numeric_grad(lambda v: loss(v, weight, bias), x), atol=1e-6)
    np.testing.assert_allclose(gw, numeric_grad(lambda v: loss(x, v, bias), weight), atol=1e-6)
    np.testing.assert_allclose(gb, numeric_grad(lambda v: loss(x, weight, v), bias), atol=1e-6)


def test_conv_is_cross_correlation_with_floor_sizes():
    # kernel [1, 2] on [1, 2, 3, 4, 5]: y_i = x_i + 2 x_{i+1} (no flipping)
    out = L.conv1d_forward([[1, 2, 3, 4, 5]], [[[1, 2]]])
    assert out.tolist() == [[5, 8, 11, 14]]
    # length 6, k=2, stride 2, padding 1: floor((6 + 2 - 1 - 1)/2) + 1 = 4
    assert L.conv1d_forward(np.ones((1, 6)), np.ones((1, 1, 2)), stride=2, padding=1).tolist() == [[1, 2, 2, 1]]
    img = np.arange(16.0).reshape(1, 4, 4)
    out = L.conv2d_forward(img, np.ones((1, 1, 2, 2)), stride=2)
    assert out.tolist() == [[[10, 18], [42, 50]]]


def test_conv_rejects_bad_shapes():
    with pytest.raises(ShapeError):
        L.conv2d_forward(np.ones((2, 4, 4)), np.ones((1, 3, 3, 3)))
    with pytest.raises(ShapeError):
        L.conv1d_forward(np.ones((1, 2)), np.ones((1, 1, 3)))


# ------------------------------------------------------------------ pooling

POOLS = ["max", "avg", "min"]
POOL_CASES_2D = [(2, None, 0, 1), (3, 1, 1, 1), ((2, 3), (1, 2), (1, 0), 1), (2, 1, 1, 2), (3, 2, 1, (1, 2))]


@pytest.mark.parametrize("mode", POOLS)
@pytest.mark.parametrize("kernel,stride,padding,dilation", POOL_CASES_2D)
def test_pool2d_gradients(rng, mode, kernel, stride, padding, dilation):
    x = rng.permutation(2 * 5 * 6).reshape(2, 5, 6) / 7.0 - 2.0      # distinct values: no ties
    fwd = getattr(L, f"{mode}_pool2d")
    bwd = getattr(L, f"{mode}_pool2d_backward")
    geo = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)  # avg+dilation: ours only
    check_op(lambda v: fwd(v, **geo), lambda v, g: bwd(v, g, **geo), x, rng)


@pytest.mark.parametrize("mode", POOLS)
@pytest.mark.parametrize("kernel,stride,padding,dilation", [(2, None, 0, 1), (3, 1, 1, 1), (2, 2, 1, 2), (3, 2, 1, 1)])
def test_pool1d_gradients(rng, mode, kernel, stride, padding, dilation):
    x = rng.permutation(3 * 8).reshape(3, 8) / 5.0 - 2.0
    fwd, bwd = getattr(L, f"{mode}_pool1d"), getattr(L, f"{mode}_pool1d_backward")
    geo = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)
    check_op(lambda v: fwd(v, **geo), lambda v, g: bwd(v, g, **geo), x, rng)


def test_pool_known_values():
    x = np.array([[[1, 5, 2, 0], [3, 4, 8, 1], [0, 2, 7, 6], [9, 1, 3, 3]]], dtype=float)
    assert L.max_pool2d(x, 2).tolist() == [[[5, 8], [9, 7]]]
    assert L.min_pool2d(x, 2).tolist() == [[[1, 0], [0, 3]]]
    assert L.avg_pool2d(x, 2).tolist() == [[[3.25, 2.75], [3.0, 4.75]]]
    # max pool pads with -inf: an all-negative row keeps its own maximum at the border
    assert L.max_pool1d([[-3.0, -1.0, -2.0]], 2, stride=1, padding=1).tolist() == [[-3, -1, -1, -2]]
    # avg pool counts the zero padding (count_include_pad=True)
    assert L.avg_pool1d([[4.0, 8.0]], 2, stride=1, padding=1).tolist() == [[2, 6, 4]]


def test_max_pool_ties_go_to_first_in_row_major_order():
    x = np.array([[[1.0, 2.0], [2.0, 0.0]]])
    assert L.max_pool2d_backward(x, np.array([[[1.0]]]), 2).tolist() == [[[0, 1], [0, 0]]]
    x = np.array([[[0.0, 0.0], [0.0, 0.0]]])
    assert L.min_pool2d_backward(x, np.array([[[1.0]]]), 2).tolist() == [[[1, 0], [0, 0]]]
    # overlapping windows accumulate
    assert L.max_pool1d_backward([[0.0, 5.0, 1.0]], [[1.0, 2.0]], 2, stride=1).tolist() == [[0, 3, 0]]


def test_pool_padding_limit_like_torch():
    with pytest.raises(ShapeError):
        L.max_pool1d(np.ones((1, 5)), 3, stride=1, padding=2)


# ------------------------------------------------------------------ flatten / activations

def test_flatten_and_backward(rng):
    x = rng.standard_normal((2, 3, 4))
    assert L.flatten(x).shape == (24,)
    assert L.flatten(x, 1).shape == (2, 12)
    g = rng.standard_normal(24)
    np.testing.assert_array_equal(L.flatten_backward(x, g), g.reshape(2, 3, 4))


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_activation_gradients(rng, name):
    x = rng.standard_normal((3, 4)) * 3 + 0.05        # avoid relu's kink
    check_op(getattr(L, name), getattr(L, f"{name}_backward"), x, rng)


@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_softmax_gradients(rng, dim):
    x = rng.standard_normal((3, 4))
    check_op(lambda v: L.softmax(v, dim), lambda v, g: L.softmax_backward(v, g, dim), x, rng)
    np.testing.assert_allclose(L.softmax(x, dim).sum(axis=dim), 1.0)


def test_activation_known_values():
    assert L.relu_backward([-1.0, 0.0, 2.0], [1.0, 1.0, 1.0]).tolist() == [0, 0, 1]   # relu'(0) = 0
    assert L.sigmoid([0.0]).tolist() == [0.5]
    assert L.sigmoid([-1000.0, 1000.0]).tolist() == [0.0, 1.0]                        # no overflow
    np.testing.assert_allclose(L.softmax([1.0, 2.0, 3.0]), [0.09003057, 0.24472847, 0.66524096], atol=1e-8)
    np.testing.assert_allclose(L.softmax([1000.0, 1000.0]), [0.5, 0.5])


# ------------------------------------------------------------------ losses

def loss_fd(loss_fn, x, *args):
    return numeric_grad(lambda v: float(np.sum(loss_fn(v, *args)[0])), x)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_gradients(rng, reduction):
    logits = rng.standard_normal((4, 3))
    idx = np.array([0, 2, 1, 2])
    soft = L.softmax(rng.standard_normal((4, 3)))
    probs = L.softmax(rng.standard_normal((4, 3)))
    p01 = rng.uniform(0.05, 0.95, (2, 3))
    cases = [
        (L.cross_entropy, logits, idx), (L.cross_entropy, logits, soft),
        (L.cross_entropy, logits[0], 1), (L.cross_entropy_from_probs, probs, soft),
        (L.cross_entropy_from_probs, probs, idx), (L.nll_loss, np.log(probs), idx),
        (L.bce_loss, p01, rng.uniform(0, 1, (2, 3))), (L.mse_loss, logits, soft),
    ]
    for fn, x, target in cases:
        value, grad = fn(x, target, reduction)
        np.testing.assert_allclose(grad, loss_fd(fn, x, target, reduction), atol=1e-6, err_msg=fn.__name__)
        if reduction != "none":
            assert isinstance(value, float)
        else:
            assert np.shape(value) == np.shape(x)[:-1] or np.shape(value) == np.shape(x)
    # simple_loss has the target first
    value, grad = L.simple_loss([1.0, 0.0], [0.8, 0.3], reduction)
    np.testing.assert_allclose(grad, numeric_grad(
        lambda v: float(np.sum(L.simple_loss([1.0, 0.0], v, reduction)[0])), [0.8, 0.3]), atol=1e-6)


def test_loss_known_values():
    value, grad = L.cross_entropy([1.0, 2.0, 3.0], 2)
    assert value == pytest.approx(0.40760596, abs=1e-8)
    np.testing.assert_allclose(grad, [0.09003057, 0.24472847, -0.33475904], atol=1e-8)
    # batch of two, mean over rows; probability targets give the same as one-hot
    v_idx, _ = L.cross_entropy([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]], [2, 0])
    assert v_idx == pytest.approx((0.40760596 + 2.40760596) / 2, abs=1e-8)
    v_prob, _ = L.cross_entropy([1.0, 2.0, 3.0], [0.0, 0.0, 1.0])
    assert v_prob == pytest.approx(0.40760596, abs=1e-8)
    # the notes' H = -sum y log q (natural log), zero-probability terms of y ignored
    value, grad = L.cross_entropy_from_probs([0.7, 0.2, 0.1], [1, 0, 0])
    assert value == pytest.approx(-np.log(0.7))
    np.testing.assert_allclose(grad, [-1 / 0.7, 0, 0])
    assert L.cross_entropy_from_probs([1.0, 0.0], [1.0, 0.0])[0] == 0.0
    assert L.nll_loss([-0.5, -1.5], 1)[0] == 1.5
    assert L.mse_loss([1.0, 2.0], [0.0, 0.0])[0] == 2.5
    assert L.mse_loss([1.0, 2.0], [0.0, 0.0], "sum")[0] == 5.0
    value, _ = L.bce_loss([0.8], [1.0])
    assert value == pytest.approx(-np.log(0.8))
    assert L.bce_loss([0.0], [1.0])[0] == 100.0                       # log clamped at -100
    value, grad = L.simple_loss(1.0, 0.8)
    assert float(value) == pytest.approx(0.2) and float(grad) == -1.0
    values, _ = L.mse_loss([1.0, 3.0], [0.0, 0.0], "none")
    assert values.tolist() == [1.0, 9.0]


def test_loss_rejects_bad_targets():
    with pytest.raises(ValueError):
        L.cross_entropy([1.0, 2.0], 2)
    with pytest.raises(ValueError):
        L.mse_loss([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        L.mse_loss([1.0], [1.0], "average")


# ------------------------------------------------------------------ SGD

def test_sgd_plain_and_momentum():
    grad = lambda p: {"w": 2 * (p["w"] - 3.0)}
    plain = L.sgd(grad, {"w": 0.0}, lr=0.1, steps=2)
    assert [p["w"] for p in plain] == pytest.approx([0.0, 0.6, 1.08])
    mom = L.sgd(grad, {"w": 0.0}, lr=0.1, steps=3, momentum=0.9)
    # b1 = -6, w1 = 0.6; g2 = -4.8, b2 = -10.2, w2 = 1.62; g3 = -2.76, b3 = -11.94, w3 = 2.814
    assert [p["w"] for p in mom] == pytest.approx([0.0, 0.6, 1.62, 2.814])
    traj = L.sgd(lambda p: {"v": 2 * p["v"]}, {"v": np.array([1.0, -2.0])}, lr=0.25, steps=1)
    assert traj[0]["v"].tolist() == [1.0, -2.0] and traj[1]["v"].tolist() == [0.5, -1.0]
