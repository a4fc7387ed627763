"""Concept families (concepts.learning, concepts.cnn: `choice`; concepts.multi: `choices`).

The answers are conceptual, so the independent checks are: (1) the statement tables
are complete and consistent (every distractor's misconception declared with feedback,
every [[placeholder]] filled in both languages); (2) every built question, over 500
seeds per level and both languages, shows the table's right answer at the answer index
and each misconception at the option of its own distractor; (3) every number that a
statement states (padding, chain rule, cross entropy, counts, shapes, receptive field)
is recomputed here by brute force, and with PyTorch where available; (4) hand-worked
examples with literal numbers.
"""
from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pytest

from quizgen.bankcheck import question_problems
from quizgen.instantiate import build_question
from quizgen.solvers import concepts as solver

CHOICE = ("concepts.learning", "concepts.cnn")
MULTI = "concepts.multi"
TOKEN = re.compile(r"\[\[(\w+)\]\]")
SEEDS = 500


def tables(t):
    """level -> the table handed to that level (its constant `_pool` parameter)."""
    out = {}
    for n, level in t.levels.items():
        (spec,) = [s for s in level.space if s.name == "_pool"]
        out[n] = spec.values[0]
    return out


def texts_of(item: dict, keys) -> list:
    return [item[k] for k in keys if k in item]


def subst(text: dict, values: dict, lang: str) -> str:
    """An independent [[name]] filler (str.replace, no regex callback)."""
    s = text.get(lang, text["en"])
    for k, v in values.items():
        shown = v[lang] if isinstance(v, dict) else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        s = s.replace(f"[[{k}]]", shown)
    return s.strip()


# ------------------------------------------------------------------ the tables

@pytest.mark.parametrize("tid", CHOICE)
def test_choice_tables_are_complete(bank, tid):
    t = bank.get(tid)
    declared = {m.id for m in t.misconceptions}
    for m in t.misconceptions:
        assert set(m.feedback) == {"en", "ko"} and all(v.strip() for v in m.feedback.values()), m.id
    used = set()
    for level, pool in tables(t).items():
        ids = [st["id"] for st in pool]
        assert len(ids) == len(set(ids)), f"{tid} level {level}: duplicate statement ids"
        assert len(pool) >= 8, f"{tid} level {level}: too few statements for variety"
        for st in pool:
            mis = [d["mis"] for d in st["distractors"]]
            assert len(mis) >= 4 and len(mis) == len(set(mis)), st["id"]
            assert set(mis) <= declared, (st["id"], set(mis) - declared)
            used |= set(mis)
            cases = st.get("cases") or [{}]
            vary = st.get("vary") or {}
            every = [st["stem"], st["answer"], st["why"]] + [d["text"] for d in st["distractors"]]
            for text in every:
                if isinstance(text, str):
                    text = {"en": text, "ko": text}
                assert set(text) == {"en", "ko"}, (st["id"], text)
                names = {lang: set(TOKEN.findall(text[lang])) for lang in ("en", "ko")}
                assert names["en"] == names["ko"], (st["id"], names)
                for case in cases:
                    assert names["en"] <= set(case) | set(vary), (st["id"], names["en"] - set(case))
    assert used == declared, f"{tid}: declared but unused misconceptions {declared - used}"


def test_choices_tables_are_complete(bank):
    t = bank.get(MULTI)
    declared = {m.id for m in t.misconceptions}
    used = set()
    for level, pool in tables(t).items():
        for theme in pool:
            right, wrong = theme["correct"], theme["incorrect"]
            ids = [c["id"] for c in right + wrong]
            assert len(ids) == len(set(ids)), theme["id"]
            assert len(right) >= 3 and len(wrong) >= 3, theme["id"]
            for c in right + wrong:
                for key in ("text", "why"):
                    assert set(c[key]) == {"en", "ko"} and "[[" not in c[key]["en"], (c["id"], key)
            for c in wrong:
                assert c["mis"] in declared, c["id"]
                used.add(c["mis"])
            for c in right:
                if c.get("miss"):
                    assert c["miss"] in declared, c["id"]
                    used.add(c["miss"])
    assert used == declared, f"declared but unused: {declared - used}"


# ------------------------------------------------------------------ stress: every level, 500 seeds

def _choice_expectations(t, q):
    """The right/wrong option texts of the built question, recomputed from the table."""
    pool = tables(t)[q.level]
    st = next(s for s in pool if s["id"] == q.params["statement"])
    values = dict(st["cases"][q.params["case"]]) if st.get("cases") else {}
    values.update(q.params.get("vary") or {})
    right = subst(st["answer"] if isinstance(st["answer"], dict) else {"en": st["answer"]}, values, q.lang)
    wrong = {}
    for d in st["distractors"]:
        text = d["text"] if isinstance(d["text"], dict) else {"en": d["text"]}
        wrong[d["mis"]] = subst(text, values, q.lang)
    return st, right, wrong


@pytest.mark.parametrize("tid", CHOICE)
def test_choice_stress_and_variety(bank, tid):
    t = bank.get(tid)
    assert t.answer_type == "choice" and len(t.level_numbers) >= 2
    for level in t.level_numbers:
        pool = tables(t)[level]
        statements, variants, option_sets = Counter(), set(), set()
        positions = Counter()
        for seed in range(SEEDS):
            for lang in ("en", "ko"):
                q = build_question(t, level, np.random.default_rng(seed), lang=lang)
                assert question_problems(q) == [], (level, seed, lang, question_problems(q))
                assert q.check is None and q.options is not None
                n = len(q.options)
                assert n in (4, 5) and len(set(q.options)) == n
                assert isinstance(q.answer_value, int) and 0 <= q.answer_value < n
                st, right, wrong = _choice_expectations(t, q)
                assert q.options[q.answer_value] == right, (level, seed, lang)
                assert len(q.misconceptions) == n - 1  # every distractor carries its misconception
                seen = set()
                for m in q.misconceptions:
                    assert isinstance(m.value, int) and 0 <= m.value < n and m.value != q.answer_value
                    assert m.value not in seen
                    seen.add(m.value)
                    assert q.options[m.value] == wrong[m.id], (level, seed, lang, m.id)
                    assert m.feedback.strip() and "[[" not in m.feedback
                assert "[[" not in q.prompt + q.solution + "".join(q.options)
                assert right in q.solution
            statements[st["id"]] += 1
            variants.add((st["id"], q.params.get("case"), str(q.params.get("vary")),
                          frozenset(q.params["distractors"])))
            option_sets.add(q.options)
            positions[q.answer_value] += 1
        # Variety: every statement is drawn, and the option sets and orders vary a lot.
        assert set(statements) == {s["id"] for s in pool}, (level, set(s["id"] for s in pool) - set(statements))
        # distinct (statement, case, distractor set) draws: at least 60% of what the number of
        # draws of each statement could possibly reach
        possible = {s["id"]: len(s.get("cases") or [0]) * math.prod(len(v) for v in (s.get("vary") or {}).values())
                    * sum(math.comb(len(s["distractors"]), k) for k in (3, 4)) for s in pool}
        reachable = sum(min(possible[sid], statements[sid]) for sid in possible)
        assert len(variants) >= 0.6 * reachable, (tid, level, len(variants), reachable)
        assert len(option_sets) >= 300, (tid, level, len(option_sets))
        assert min(positions[i] for i in range(4)) >= SEEDS // 10  # the right answer is not always "A"


def test_choices_stress_and_variety(bank):
    t = bank.get(MULTI)
    assert t.answer_type == "choices" and len(t.level_numbers) >= 2
    for level in t.level_numbers:
        pool = tables(t)[level]
        themes, claim_sets, sizes = Counter(), set(), Counter()
        for seed in range(SEEDS):
            for lang in ("en", "ko"):
                q = build_question(t, level, np.random.default_rng(seed), lang=lang)
                assert question_problems(q) == [], (level, seed, lang, question_problems(q))
                assert q.check is None and len(q.options) == 5 and len(set(q.options)) == 5
                ans = q.answer_value
                assert ans == sorted(set(ans)) and 2 <= len(ans) <= 3 and all(0 <= i < 5 for i in ans)
                theme = next(th for th in pool if th["id"] == q.params["theme"])
                by_text = {c["text"][lang]: c for c in theme["correct"] + theme["incorrect"]}
                truth = [by_text[o] in theme["correct"] for o in q.options]
                assert [i for i, ok in enumerate(truth) if ok] == ans
                concepts_ = [by_text[o].get("concept") for o in q.options]
                if all(concepts_):
                    assert len(set(concepts_)) == 5, concepts_  # one claim per concept
                values = []
                for m in q.misconceptions:
                    assert sorted(m.value) != ans and m.value == sorted(set(m.value))
                    diff = set(m.value) ^ set(ans)
                    assert len(diff) == 1  # one claim ticked or missed
                    (i,) = diff
                    claim = by_text[q.options[i]]
                    assert m.id == (claim.get("miss") if i in ans else claim["mis"])
                    values.append(tuple(m.value))
                assert len(values) == len(set(values))
                # Every false claim gives a misconception.
                assert sum(1 for m in q.misconceptions if len(m.value) > len(ans)) == 5 - len(ans)
            themes[theme["id"]] += 1
            claim_sets.add((theme["id"], frozenset(q.params["true_claims"] + q.params["false_claims"])))
            sizes[len(ans)] += 1
        assert set(themes) == {th["id"] for th in pool}
        assert sizes[2] > SEEDS // 5 and sizes[3] > SEEDS // 5
        assert len(claim_sets) >= 300, (level, len(claim_sets))


# ------------------------------------------------------------------ the numbers the statements state

def statement(bank, tid, sid):
    for pool in tables(bank.get(tid)).values():
        for st in pool:
            if st["id"] == sid:
                return st
    raise KeyError(sid)


def _num(x) -> float:
    return float(x)


def test_chain_rule_cases(bank):
    for c in statement(bank, "concepts.learning", "chain-numbers")["cases"]:
        up, loc = c["up"], c["loc"]
        assert math.isclose(c["down"], up * loc) and math.isclose(c["sum"], up + loc)
        assert math.isclose(c["ratio"], up / loc)
        # and the product is what d/dx of L(y(x)) gives: L = up * y, y = loc * x
        h = 1e-6
        assert math.isclose(((up * loc * (1 + h)) - (up * loc * 1)) / h, c["down"], rel_tol=1e-5, abs_tol=1e-6)


def test_step_direction_cases(bank):
    for c in statement(bank, "concepts.learning", "step-direction")["cases"]:
        w, eta = 1.0, 0.1
        new = w - eta * c["g"]
        assert c["abs"] == abs(c["g"])
        assert c["right"]["en"] == ("decreases" if new < w else "increases")
        assert c["wrong"]["en"] != c["right"]["en"] and c["wrong"]["ko"] != c["right"]["ko"]


def test_search_count_cases(bank):
    for c in statement(bank, "concepts.learning", "search-count")["cases"]:
        assert c["prod"] == c["v"] * c["n"] and c["v"] != c["n"]
        # brute-force count for a tiny version: v values for each of 3 parameters
        import itertools
        assert sum(1 for _ in itertools.product(range(c["v"]), repeat=3)) == c["v"] ** 3


def test_cross_entropy_cases(bank):
    for c in statement(bank, "concepts.learning", "cross-entropy")["cases"]:
        p = c["p"]
        assert f"{-math.log(p):.2f}" == c["ce"]
        assert math.isclose(_num(c["sl"]), 1 - p)
        assert -math.log(p) > 1 - p


def conv_out(n, k, p, s=1):
    return (n + 2 * p - k) // s + 1


def test_same_padding_cases(bank):
    st = statement(bank, "concepts.cnn", "same-padding")
    for c in st["cases"]:
        for n in st["vary"]["n"]:
            assert conv_out(n, c["k"], c["p"]) == n
            for wrong in (0, c["km1"], c["k"]):
                assert conv_out(n, c["k"], wrong) != n


def test_pooling_signal_cases(bank):
    for c in statement(bank, "concepts.cnn", "pooling-keeps-signal")["cases"]:
        window = np.array([[0, c["hi"]], [0, 0]], dtype=float)
        assert window.max() == c["hi"] and math.isclose(window.mean(), c["mean"]) and window.min() == 0


def test_bigger_image_cases(bank):
    for c in statement(bank, "concepts.cnn", "bigger-image")["cases"]:
        assert c["kk"] == c["k"] ** 2 and c["bigsq"] == c["big"] ** 2 and c["smallsq"] == c["small"] ** 2
        assert len({c["kk"], c["bigsq"], c["smallsq"]}) == 3


def test_cube_story_cases(bank):
    for c in statement(bank, "concepts.cnn", "cube-story")["cases"]:
        n, ch = c["n"], c["c"]
        after_conv = conv_out(n, 3, 1)
        assert (ch, after_conv // 2) == (c["c"], c["h"]) and after_conv == n
        assert c["n2"] == conv_out(n, 3, 0) and c["h2"] == c["n2"] // 2
        assert c["c3"] == 3 * ch and c["ch"] == ch // 2


def _valid_conv(x, w):
    k = w.shape[0]
    out = np.zeros((x.shape[0] - k + 1, x.shape[1] - k + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + k, j:j + k] * w).sum()
    return out


def test_receptive_field_cases_by_brute_force(bank):
    """A stack of (r-1)/2 unpadded 3x3 convolutions has an r x r receptive field: the centre
    output ignores the corner pixel (times 10) but reacts to any pixel inside the field."""
    rng = np.random.default_rng(0)
    for c in statement(bank, "concepts.cnn", "rf-outside")["cases"]:
        n, r = c["n"], c["r"]
        assert r < n and (n - r) % 2 == 0
        kernels = [rng.uniform(0.5, 1.5, (3, 3)) for _ in range((r - 1) // 2)]

        def centre(x):
            for w in kernels:
                x = _valid_conv(x, w)
            assert x.shape[0] % 2 == 1  # an odd output has a centre unit
            return x[x.shape[0] // 2, x.shape[1] // 2]

        x = rng.uniform(0, 1, (n, n))
        base = centre(x)
        y = x.copy()
        y[0, 0] *= 10
        assert centre(y) == base
        lo = (n - r) // 2
        for i, j in [(lo, lo), (lo + r - 1, lo + r - 1), (n // 2, n // 2)]:
            z = x.copy()
            z[i, j] += 1
            assert centre(z) != base


# ------------------------------------------------------------------ with PyTorch

def test_cnn_numbers_with_torch(bank):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    st = statement(bank, "concepts.cnn", "same-padding")
    for c in st["cases"]:
        for n in st["vary"]["n"]:
            out = nn.Conv2d(1, 1, c["k"], padding=c["p"])(torch.zeros(1, 1, n, n))
            assert tuple(out.shape[-2:]) == (n, n)
            for wrong in (0, c["km1"], c["k"]):
                assert nn.Conv2d(1, 1, c["k"], padding=wrong)(torch.zeros(1, 1, n, n)).shape[-1] != n
    for c in statement(bank, "concepts.cnn", "cube-story")["cases"]:
        net = nn.Sequential(nn.Conv2d(3, c["c"], 3, padding=1), nn.MaxPool2d(2))
        assert tuple(net(torch.zeros(1, 3, c["n"], c["n"])).shape[1:]) == (c["c"], c["h"], c["h"])
    for c in statement(bank, "concepts.cnn", "bigger-image")["cases"]:
        conv = nn.Conv2d(1, 1, c["k"])
        assert conv.weight.numel() == c["kk"]
        conv(torch.zeros(1, 1, c["big"], c["big"]))  # the same layer runs on the larger image
    for c in statement(bank, "concepts.cnn", "pooling-keeps-signal")["cases"]:
        w = torch.tensor([[[[0.0, c["hi"]], [0.0, 0.0]]]])
        assert float(nn.MaxPool2d(2)(w)) == c["hi"] and math.isclose(float(nn.AvgPool2d(2)(w)), c["mean"])
    for c in statement(bank, "concepts.learning", "cross-entropy")["cases"]:
        p = c["p"]
        logits = torch.log(torch.tensor([[p, 1 - p]]))
        ce = float(nn.CrossEntropyLoss()(logits, torch.tensor([0])))
        assert f"{ce:.2f}" == c["ce"]
    for c in statement(bank, "concepts.learning", "chain-numbers")["cases"]:
        x = torch.tensor(1.0, requires_grad=True)
        y = c["loc"] * x
        y.backward(torch.tensor(float(c["up"])))
        assert math.isclose(float(x.grad), c["down"], rel_tol=1e-6, abs_tol=1e-6)


# Claims of concepts.multi that are about layer shapes: re-run each layer in torch.
CODE = re.compile(r"`(nn\.\w+\([^`]*\))`")


def test_layer_claims_with_torch(bank):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    pool = tables(bank.get(MULTI))[2]
    x = torch.zeros(1, 16, 32, 32)
    checks = {
        "channels": lambda out: out.shape[1] != 16,
        "shrink": lambda out: out.shape[-1] < 32,
    }
    for theme in pool:
        if theme["id"] not in checks:
            continue
        for truth, claims in ((True, theme["correct"]), (False, theme["incorrect"])):
            for c in claims:
                code = CODE.search(c["text"]["en"]).group(1)
                out = eval(code, {"nn": nn})(x)  # noqa: S307 - trusted bank text
                assert checks[theme["id"]](out) == truth, (theme["id"], code)
    maxpool = next(th for th in pool if th["id"] == "maxpool")
    out = nn.MaxPool2d(2)(x)
    shapes = {"halves": (16, 16, 16), "keeps-size": (16, 32, 32), "stride-one": (16, 31, 31),
              "halves-channels": (8, 16, 16)}
    for c in maxpool["correct"] + maxpool["incorrect"]:
        if c["id"] in shapes:
            assert (tuple(out.shape[1:]) == shapes[c["id"]]) == (c in maxpool["correct"]), c["id"]
    assert sum(p.numel() for p in nn.MaxPool2d(2).parameters()) == 0
    # concepts.multi level 3 numeric claims
    assert sum(p.numel() for p in nn.Linear(2, 10).parameters()) == 30
    assert nn.Conv2d(1, 1, 5, padding=2)(torch.zeros(1, 1, 20, 20)).shape[-1] == 20
    assert nn.Conv2d(1, 1, 3, padding=2)(torch.zeros(1, 1, 32, 32)).shape[-1] == 34
    assert nn.Conv2d(1, 1, 3, padding=1)(torch.zeros(1, 1, 32, 32)).shape[-1] == 32
    assert (sum(p.numel() for p in nn.Conv2d(3, 8, 3).parameters())
            == sum(p.numel() for p in nn.Conv2d(3, 8, 3).parameters()))


def _input_grad(torch, pool, act, weight):
    """The non-zero pattern of d y / d x for one interior output y of conv3-pool2-conv3 on 10x10."""
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(1, 1, 3, bias=False), *act, pool, nn.Conv2d(1, 1, 3, bias=False))
    with torch.no_grad():
        for m in net:
            if isinstance(m, nn.Conv2d):
                m.weight.copy_(weight(m.weight.shape))
    x = torch.randn(1, 1, 10, 10, generator=torch.Generator().manual_seed(0), requires_grad=True)
    net(x)[0, 0, 1, 1].backward()
    return x.grad[0, 0] != 0


def test_receptive_field_by_gradient_states_its_conditions(bank):
    """The true claim "backpropagating from one unit reveals its receptive field" holds with
    positive weights, average pooling and no activations (the non-zero gradient is exactly
    the 8x8 field here), and not with max pooling, a ReLU or weights of both signs. So the
    claim (concepts.multi) and the question (concepts.cnn: in its stem, so that the answer is
    not the one long option) name those conditions in both languages."""
    torch = pytest.importorskip("torch")
    nn = torch.nn
    positive = lambda shape: torch.rand(shape) + 0.1  # noqa: E731
    field = torch.zeros(10, 10, dtype=torch.bool)
    field[2:10, 2:10] = True          # output (1, 1): pooled rows 1..3 -> conv rows 2..7 -> input rows 2..9
    assert torch.equal(_input_grad(torch, nn.AvgPool2d(2), (), positive), field)
    assert not torch.equal(_input_grad(torch, nn.MaxPool2d(2), (), positive), field)
    assert not torch.equal(_input_grad(torch, nn.AvgPool2d(2), (nn.ReLU(),),
                                       lambda shape: torch.randn(shape, generator=torch.Generator().manual_seed(3))),
                           field)
    claim = next(c for th in tables(bank.get(MULTI))[3] for c in th["correct"] if c["id"] == "rf-by-gradient")
    stem = next(st for st in tables(bank.get("concepts.cnn"))[2]
                if "tools of training" in st["stem"]["en"])["stem"]
    for text in (claim["text"], stem):
        assert all(w in text["en"] for w in ("positive", "average", "activation")), text["en"]
        assert all(w in text["ko"] for w in ("양수", "평균 풀링", "활성화 함수")), text["ko"]


# ------------------------------------------------------------------ hand-worked examples

def _params(bank, tid, level, **kw):
    return {"_pool": tables(bank.get(tid))[level], "level": level, **kw}


def test_hand_worked_chain_rule(bank):
    """Upstream 2, local 0.5: downstream 1 (adding would give 2.5, dividing 4)."""
    sol = solver.solve_choice(_params(bank, "concepts.learning", 2, statement="chain-numbers", case=0,
                                      distractors=["add-gradients", "divide-gradients", "upstream-only"]))
    assert sol.answer == 0 and sol.check is None
    assert [o["en"] for o in sol.options] == ["$1$", "$2.5$", "$4$", "$2$"]
    assert sol.misconceptions == {"add-gradients": 1, "divide-gradients": 2, "upstream-only": 3}
    assert "$2 \\times 0.5 = 1$" in sol.context["why"]["en"]


def test_hand_worked_same_padding(bank):
    """kernel 3 on 32x32: padding 1 keeps 32 (32 + 2 - 3 + 1 = 32)."""
    sol = solver.solve_choice(_params(bank, "concepts.cnn", 2, statement="same-padding", case=0,
                                      vary={"n": 32},
                                      distractors=["no-padding-needed", "padding-per-side-total",
                                                   "padding-equals-kernel"]))
    assert [o["en"] for o in sol.options] == ["`padding=1`", "`padding=0`", "`padding=2`", "`padding=3`"]
    assert "$32 + 2 \\cdot 1 - 3 + 1 = 32$" in sol.context["why"]["en"]
    assert "padding=1" in sol.pytorch and "32, 32" in sol.pytorch


def test_hand_worked_cross_entropy(bank):
    """p = 0.01: simple loss 1 - 0.01 = 0.99, cross entropy -ln 0.01 = 4.61."""
    sol = solver.solve_choice(_params(bank, "concepts.learning", 2, statement="cross-entropy", case=0,
                                      distractors=["log-shrinks", "ce-equals-simple", "forgot-minus-sign"]))
    assert "\\approx 4.61" in sol.options[0]["en"] and "= 0.99" in sol.options[0]["en"]
    assert sol.options[2]["en"] == "They are equal: both give $0.99$."


def test_hand_worked_multi(bank):
    """Two parameters (weights, biases) and three non-parameters."""
    p = _params(bank, MULTI, 2, theme="parameters", true_claims=["linear-weight", "linear-bias"],
                false_claims=["learning-rate", "relu-outputs", "input-pixels"])
    sol = solver.solve_choices(p)
    assert sol.answer == [0, 1]
    assert sol.misconceptions == {"bias-not-parameter": [0], "hyperparameter-as-parameter": [0, 1, 2],
                                  "activation-as-parameter": [0, 1, 3], "input-as-parameter": [0, 1, 4]}
    assert sol.options[2] == {"en": "the learning rate", "ko": "학습률(learning rate)"}
    # the solution explains each option, whatever order the builder shuffles them into
    assert set(sol.context["notes"]["ko"]) == {o["ko"] for o in sol.options}


def test_built_question_reads_right(bank):
    """A built question: shuffled options, the solution names the right letter and option."""
    t = bank.get("concepts.learning")
    q = build_question(t, 1, np.random.default_rng(7), lang="ko")
    letter = "ABCDE"[q.answer_value]
    assert q.solution.startswith(f"**{letter}**: {q.options[q.answer_value]}")
    assert q.prompt.endswith("알맞은 답을 하나 고르십시오.")
    assert "_pool" not in q.params and "statement" in q.params


# ------------------------------------------------------------------ fast paths

def test_by_id_index_is_the_first_match(bank):
    """_by_id answers from a cached index; it must be the linear scan's first match."""
    def scan(items, key, value):
        return next((item for item in items if item.get(key) == value), None)

    for tid in (*CHOICE, MULTI):
        for table in tables(bank.get(tid)).values():
            for item in table:
                assert solver._by_id(table, "id", item["id"], "x") is scan(table, "id", item["id"])
                for group in ("distractors", "correct", "incorrect"):
                    for key in ("mis", "id"):
                        for sub in item.get(group, []):
                            if key in sub:
                                assert solver._by_id(item[group], key, sub[key], "x") is scan(item[group], key, sub[key])
    # duplicates: the first wins; a table changed in place after indexing is still read right
    items = [{"id": "a", "n": 1}, {"id": "b"}, {"id": "a", "n": 2}]
    assert solver._by_id(items, "id", "a", "x")["n"] == 1
    items.insert(0, {"id": "c"})
    assert solver._by_id(items, "id", "c", "x") is items[0]
    items[1]["id"] = "z"
    assert solver._by_id(items, "id", "a", "x")["n"] == 2
    with pytest.raises(ValueError):
        solver._by_id(items, "id", "missing", "x")


def test_fill_without_tokens_is_the_regex_result(bank):
    for tid in (*CHOICE, MULTI):
        for table in tables(bank.get(tid)).values():
            for item in table:
                for text in [item.get("stem"), item.get("why"),
                             *[c.get("text") for c in item.get("correct", []) + item.get("incorrect", [])]]:
                    if isinstance(text, dict) and "[[" not in str(text):
                        assert solver.fill(text, {}) == {lang: solver.TOKEN.sub("", text.get(lang, text["en"])).strip()
                                                         for lang in solver.LANGS}
