"""Hand-built questions for the export tests: every answer type, misconceptions, and
text that tries every format's special characters (``< & { } # ~ $ : =``, Korean)."""
from __future__ import annotations

from quizgen.model import ExamInfo, Misconception, Question, SlotVariants, Tolerance

NASTY = "Watch out: a<b & c>d, {braces}, #hash, ~tilde, costs $5 or $10, key=value"
KOREAN = "합성곱 출력의 크기는?"


def q(slot, answer_type, value, *, prompt="", solution="", tol=(0.0, 0.0), mis=(),
      options=None, decimals=None, points=2.0, title="T", lang="en"):
    return Question(slot=slot, template=f"t.{slot}", topic="topic", level=1, points=points,
                    title=title, prompt=prompt, answer_type=answer_type, answer_value=value,
                    tolerance=Tolerance(*tol), solution=solution,
                    misconceptions=tuple(Misconception(*m) for m in mis),
                    options=tuple(options) if options is not None else None,
                    decimals=decimals, lang=lang, params={"seed_hint": "not-a-secret"})


def slots(n_variants: int = 2) -> list[SlotVariants]:
    """Seven slots, one per answer type, ``n_variants`` variants each."""
    out = []
    for k in range(n_variants):
        d = k + 1
        rows = [
            q("q1", "integer", 32 + d,
              prompt=f"{KOREAN} Input $32 \\times 32$, kernel ${d}$. {NASTY}",
              solution=f"$$\\left\\lfloor \\frac{{32 - {d}}}{{1}} \\right\\rfloor + 1 = {32 + d}$$",
              mis=[("no-plus-one", 31 + d, "You forgot the $+1$ {again} #1 ~ <oops> & more."),
                   ("same", 32 + d, "identical to the answer: must be dropped")],
              title="Conv size"),
            q("q2", "real", 0.125 * d, prompt="Compute $\\sigma(z)$ for $z=0$ then scale.",
              solution="$\\sigma(0) = 0.5$; multiply.", tol=(0.001, 0.01),
              mis=[("sign", -0.125 * d, "Sign error: $-x$ vs $x$.")], decimals=3,
              title="Sigmoid"),
            q("q3", "shape", [16, 50 + d, 50 + d],
              prompt=f"Output shape of `nn.Conv2d(3, 16, 3, padding=1)` on $3 \\times {50 + d}$?",
              solution="Padding keeps the size.",
              mis=[("ignored-padding", [16, 48 + d, 48 + d], "Padding adds $2p$ {x}."),
                   ("wrong-form", [16, 50], "a misconception with another shape")],
              title="Shape"),
            q("q4", "vector", [0.5 * d, -1.25, 3.0], prompt="Gradient $\\nabla_x L$?",
              solution="Chain rule.", tol=(0.01, 0.0),
              mis=[("half", [0.25 * d, -0.625, 1.5], "You halved it.")], decimals=2,
              title="Vector"),
            q("q5", "matrix", [[1.0, 2.0 * d], [3.0, 0.00001]],
              prompt="$W = \\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}$; find $W'$.",
              solution="$$W' = \\begin{bmatrix} 1 & 2 \\\\ 3 & 0 \\end{bmatrix}$$",
              tol=(0.000001, 0.0), mis=[("transposed", [[1.0, 3.0], [2.0 * d, 0.00001]],
                                         "Transposed: rows ~ columns.")], title="Matrix"),
            q("q6", "choice", d % 3, prompt="Which activation is **zero-centred**? {pick #1}",
              options=["ReLU", "tanh: $\\tanh(x)$", "sigmoid <σ> & co"][:3], solution="tanh.",
              mis=[("relu", (d + 1) % 3, "ReLU is not zero-centred ~ ever.")], title="Choice"),
            q("q7", "choices", sorted({0, d % 4}) if d % 4 else [0, 2],
              prompt="Select all **trainable** layers.",
              options=["Linear", "ReLU", "Conv2d", "MaxPool2d"], solution="Linear and Conv2d.",
              mis=[("all", [0, 1, 2, 3], "Pooling has no weights.")], title="Choices"),
        ]
        out.append(rows)
    by_slot = {}
    for rows in out:
        for r in rows:
            by_slot.setdefault(r.slot, []).append(r)
    titles = {"q1": "합성곱 크기", "q2": "Sigmoid & co", "q3": "Shape/size", "q4": "Vector",
              "q5": "Matrix", "q6": "Choice", "q7": "Choices"}
    return [SlotVariants(slot=s, title=titles[s], points=2.0, variants=tuple(v))
            for s, v in by_slot.items()]


def exam(lang: str = "en") -> ExamInfo:
    return ExamInfo(id="fixture-exam", title="Fixture exam <1> & {2}", course="DL 101",
                    instructions="Answer *everything*.", lang=lang)


SECRET = "s3cr3t-do-not-leak-7f2a"


def real(n_variants: int = 3):
    """(exam, slots) drawn from the bundled default exam, or None while that is unavailable."""
    try:
        from quizgen import api
        return api.variants(None, n_variants, SECRET)
    except Exception:  # the generator is another engineer's moving target
        return None
