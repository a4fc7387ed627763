"""gd.sgd and gd.learning-rate: stress, SGD by hand-written loops, torch.optim.SGD, and
an independent reading of the loss traces."""
import os
import sys

import numpy as np
import pytest

from quizgen.bank import load_bank
from quizgen.bankcheck import question_problems
from quizgen.engine import expression as E
from quizgen.instantiate import build_question
from quizgen.solvers import gradient_descent as S

sys.path.insert(0, os.path.dirname(__file__))

SEEDS = 500
IDS = ("gd.sgd", "gd.learning-rate")


@pytest.fixture(scope="module")
def questions():
    bank = load_bank()
    return {tid: {lv: [build_question(bank.templates[tid], lv, np.random.default_rng(s)) for s in range(SEEDS)]
                  for lv in bank.templates[tid].level_numbers} for tid in IDS}


def sgd_by_hand(p):
    """Plain loops, the update rule of torch.optim.SGD (velocity = gradient on the first step)."""
    params = {k: float(v) for k, v in p["init"].items()}
    velocity = {}
    for _ in range(p["steps"]):
        if p["form"] == "square":
            g = {"w": 2 * (params["w"] - p["a"])}
        else:
            r = params["w"] * p["x"] + params["b"] - p["y"]
            g = {"w": 2 * r * p["x"], "b": 2 * r}
        for k in params:
            velocity[k] = g[k] if k not in velocity or not p["momentum"] else p["momentum"] * velocity[k] + g[k]
            params[k] -= p["lr"] * velocity[k]
    return params[p["ask"]]


def test_stress_every_level(questions):
    bank = load_bank()
    for tid, levels in questions.items():
        produced = set()
        for lv, qs in levels.items():
            for seed, q in enumerate(qs):
                assert question_problems(q) == [], (tid, lv, seed)
                p = q.params
                if tid == "gd.sgd":
                    assert p["steps"] == {1: 1, 2: 2, 3: 3}[lv]
                    assert bool(p["momentum"]) == (lv == 3)
                    assert set(p["init"]) == ({"w", "b"} if lv == 2 else {"w"})
                else:
                    assert q.check is None and len(q.options) == 6 and len(set(q.options)) == 6
                    assert sorted(p["order"]) == ["good", "large", "small"]
                produced.update(m.id for m in q.misconceptions)
        declared = {m.id for m in bank.templates[tid].misconceptions}
        assert produced == declared, (tid, declared - produced)


def test_sgd_answers_match_loops_and_engine(questions):
    for lv, qs in questions["gd.sgd"].items():
        for q in qs:
            p = q.params
            assert q.answer_value == pytest.approx(sgd_by_hand(p), abs=1e-12)
            # the closed-form gradient agrees with the engine's graph on the same loss text
            params = {k: float(v) for k, v in p["init"].items()}
            assert S.gradient(p, params) == pytest.approx(E.gradients(q.check["expression"], params))


def test_sgd_answers_match_torch(questions):
    pytest.importorskip("torch")
    import torch_reference as ref
    for lv, qs in questions["gd.sgd"].items():
        for q in qs[:60]:
            assert ref.solve_check(q.check) == pytest.approx(q.answer_value, abs=1e-9)


def _read_traces(p):
    """Classify the runs from the numbers only: diverging or sign-flipping -> large; of the rest
    the lower final loss -> good."""
    a, c, w0, steps = p["a"], p["c"], p["w0"], p["steps"]
    runs = {}
    for kind in ("large", "good", "small"):
        w, ws = float(w0), [float(w0)]
        for _ in range(steps):
            w -= p["rates"][kind] * 2 * a * (w - c)
            ws.append(w)
        runs[kind] = ws
    labels = {}
    calm = []
    for kind, ws in runs.items():
        d = [x - c for x in ws]
        flips = all(d[i] * d[i + 1] < 0 for i in range(len(d) - 1))
        if flips or abs(d[-1]) > abs(d[0]):
            labels[kind] = "large"
        else:
            calm.append((a * d[-1] ** 2, kind))
    calm.sort()
    labels[calm[0][1]], labels[calm[1][1]] = "good", "small"
    return labels


def test_learning_rate_answer_reads_from_the_traces(questions):
    names = {"large": "too large", "good": "good", "small": "too small"}
    for lv, qs in questions["gd.learning-rate"].items():
        for q in qs:
            p = q.params
            labels = _read_traces(p)
            assert all(labels[k] == k for k in labels)
            expected = "; ".join(f"run {run}: {names[kind]}" for run, kind in zip("123", p["order"]))
            assert q.options[q.answer_value] == expected
            for m in q.misconceptions:
                assert q.options[m.value] != expected
            if lv == 1:   # the too-large run diverges: its loss grows
                sol = S.solve_lr(p)
                large = [r for r in sol.context["rows"] if r["kind"] == "large"][0]
                assert float(large["loss"][-1]) > float(large["loss"][0])


def test_hand_worked_steps():
    sol = S.solve_sgd({"form": "square", "a": 4, "init": {"w": -3}, "lr": 0.1, "steps": 1, "momentum": 0.0,
                       "ask": "w"})
    assert sol.answer == pytest.approx(-1.6)                     # -3 - 0.1 * 2 * (-7)
    assert sol.misconceptions["ascent"] == pytest.approx(-4.4)
    assert sol.misconceptions["forgot-lr"] == pytest.approx(11.0)
    assert sol.misconceptions["forgot-factor-two"] == pytest.approx(-2.3)
    sol = S.solve_sgd({"form": "square", "a": 4, "init": {"w": -3}, "lr": 0.05, "steps": 3, "momentum": 0.5,
                       "ask": "w"})
    # v = -14 -> w = -2.3; g = -12.6, v = -19.6 -> w = -1.32; g = -10.64, v = -20.44 -> w = -0.298
    assert sol.answer == pytest.approx(-0.298)
    sol = S.solve_sgd({"form": "linear", "x": 2, "y": 1, "init": {"w": 0.0, "b": 0.0}, "lr": 0.1, "steps": 2,
                       "momentum": 0.0, "ask": "w"})
    # r = -1: gw = -4, gb = -2 -> w = 0.4, b = 0.2; r = 0: stays
    assert sol.answer == pytest.approx(0.4)
    assert sol.misconceptions["reused-first-gradient"] == pytest.approx(0.8)


# ------------------------------------------------------------------ fast paths vs the engine
# run() and _trace() are torch.optim.SGD's loop on Python floats; they must give the engine's
# trajectories (engine.optim.sgd, through run_reference) bit for bit.

from quizgen.engine.optim import sgd as engine_sgd          # noqa: E402


def _random_sgd_params(rng):
    steps = int(rng.integers(1, 5))
    momentum = [0.0, 0.5, 0.9, 0.37][int(rng.integers(4))]
    lr = float(rng.integers(1, 60)) / 100
    if rng.random() < 0.5:
        return {"form": "square", "a": int(rng.integers(-5, 6)), "init": {"w": int(rng.integers(-5, 6))},
                "lr": lr, "steps": steps, "momentum": momentum, "ask": "w"}
    return {"form": "linear", "x": float(rng.integers(-20, 21)) / 10, "y": int(rng.integers(-3, 4)),
            "init": {"w": float(rng.integers(-10, 11)) / 10, "b": float(rng.integers(-10, 11)) / 10},
            "lr": lr, "steps": steps, "momentum": momentum, "ask": "w" if rng.random() < 0.5 else "b"}


def test_run_matches_engine_sgd():
    rng = np.random.default_rng(0)
    for _ in range(500):
        p = _random_sgd_params(rng)
        for mistake in (None, *S.SGD_MISTAKES):
            assert S.run(p, mistake) == S.run_reference(p, mistake), (p, mistake)


def test_learning_rate_traces_match_engine_sgd():
    rng = np.random.default_rng(1)
    for _ in range(500):
        a = [0.5, 1.0, 2.0, float(rng.integers(1, 40)) / 10][int(rng.integers(4))]   # not only powers of 2
        c = int(rng.integers(-3, 4))
        w0 = c + int(rng.integers(-4, 5))
        lr = round(float(rng.integers(1, 140)) / 100 / a, 4)
        ref = engine_sgd(lambda q: {"w": 2.0 * a * (q["w"] - c)}, {"w": float(w0)}, lr, 6)
        ws = S._trace(a, c, w0, lr, 6)
        assert ws == [t["w"] for t in ref]
        losses = [a * (w - c) ** 2 for w in ws]
        assert S._cells(ws) == [S._cell(v) for v in ws]
        assert S._cells(losses) == [S._cell(v) for v in losses]
    assert S._cells([-0.0004, -0.00049, 123.456, -123.44, -0.04]) == ["0.000", "0.000", "123.5", "−123.4", "−0.040"]


def test_learning_rate_table_lines():
    p = {"a": 1.0, "c": 0, "w0": 2, "rates": {"large": 0.95, "good": 0.3, "small": 0.05},
         "order": ["good", "large", "small"], "steps": 6, "level": 2}
    rows = S.solve_lr(p).context["rows"]
    assert rows[0]["loss_line"] == "| 1: $L$ | " + "".join(f"{v} | " for v in rows[0]["loss"])
    assert rows[1]["w_line"] == "| 2: $w$ | " + "".join(f"{v} | " for v in rows[1]["w"])
    assert rows[1]["w"][:2] == ["2.000", "−1.800"]   # a true minus, as in the formulas


def test_expressions_show_no_zero_terms_or_unit_factors(questions):
    """L(w) = (w - 0)^2, ``+ b - 0`` or ``1 \\cdot w`` never show: a zero is left out, a factor 1 or
    -1 is written as w or -w (in 8-15 % of the draws before)."""
    import re
    bad = re.compile(r"[-+] 0(?![.\d])|(?<![\d.])1 \\cdot w|\(-1\) \\cdot w|(?<!L)\(w\)")
    seen = 0
    for lv, qs in questions["gd.sgd"].items():
        for q in qs:
            formulas = q.solution.split("**Step")[0]   # the steps substitute numbers: "+ 0 - 3" is right there
            for text in (q.prompt, formulas):
                assert not bad.search(text), text
            seen += "w^2" in q.prompt or "w + b)" in q.prompt or "-w + b" in q.prompt
    for lv, qs in questions["gd.learning-rate"].items():
        for q in qs:
            assert not bad.search(q.prompt), q.prompt
    assert seen > 0         # the cases without a zero term or a unit factor were drawn too
