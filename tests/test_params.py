import numpy as np
import pytest

from quizgen.errors import BankError
from quizgen.params import draw_space, parse_space


def test_draws_stay_in_range_and_on_the_step_grid():
    specs = parse_space({"n": {"int": [2, 10], "step": 2}, "lr": {"real": [0.1, 0.9], "step": 0.1},
                         "act": {"choice": ["relu", "tanh"]}, "k": 3}, path="p", where="params")
    rng = np.random.default_rng(0)
    seen = {"n": set(), "lr": set(), "act": set()}
    for _ in range(500):
        d = draw_space(specs, rng)
        assert d["k"] == 3
        for key in seen:
            seen[key].add(d[key])
    assert seen["n"] == {2, 4, 6, 8, 10}
    assert seen["lr"] == {round(0.1 * i, 1) for i in range(1, 10)}  # rounded: what students see
    assert seen["act"] == {"relu", "tanh"}


def test_same_generator_state_gives_same_draws():
    specs = parse_space({"x": {"real": [-1, 1], "step": 0.01}}, path="p", where="params")
    a = [draw_space(specs, np.random.default_rng(7)) for _ in range(3)]
    b = [draw_space(specs, np.random.default_rng(7)) for _ in range(3)]
    assert a == b


@pytest.mark.parametrize("spec, message", [
    ({"int": [5, 2]}, "impossible range"),
    ({"real": [0, 1]}, "needs a 'step'"),
    ({"int": [0.5, 2]}, "integer bounds"),
    ({"choice": []}, "non-empty list"),
    ({"gauss": 1}, "unknown parameter spec"),
])
def test_bad_specs_name_the_field(spec, message):
    with pytest.raises(BankError) as e:
        parse_space({"x": spec}, path="f.yaml", where="levels.1.params")
    assert message in str(e.value)
    assert "levels.1.params.x" in str(e.value) and "f.yaml" in str(e.value)
