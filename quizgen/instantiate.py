"""Template + difficulty level + generator -> one solved :class:`Question`.

Draw the level's parameters (rounded as displayed), let the family's sampler add
structured draws, check the constraints, solve, shuffle choice options, render the
texts in the requested language. The generator is the only source of randomness.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import answers, solvers
from .errors import TemplateError
from .i18n import localize_code
from .model import Misconception, Question
from .params import draw_space
from .solvers import Redraw, Solution
from .template import Template
from .textrender import holds, render_text, text_scope

MAX_DRAWS = 500


_KEEP = frozenset((int, str, bool, type(None)))


def plain(value: Any) -> Any:
    """numpy scalars/arrays and tuples -> plain JSON values (ints stay ints)."""
    # Fast paths for the exact builtin types (the bulk of every answer and params dict).
    kind = type(value)
    if kind is float:
        return value if value else 0.0
    if kind in _KEEP:
        return value
    # Lists of numbers (vectors, matrix rows) and dicts inline the scalar cases instead of recursing.
    if kind is list:
        return [(v if v else 0.0) if type(v) is float else v if type(v) in _KEEP else plain(v)
                for v in value]
    if kind is dict:
        return {str(k): (v if v else 0.0) if type(v) is float else v if type(v) in _KEEP else plain(v)
                for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return 0.0 if f == 0 else f
    return value


def _finite(value: Any) -> bool:
    """No NaN or infinity anywhere in a plain value (nested lists of numbers)."""
    if type(value) is list:
        for v in value:
            kind = type(v)
            if kind is int:
                continue
            if kind is float:
                if not math.isfinite(v):
                    return False
            elif not _finite(v):
                return False
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return True


def draw_params(template: Template, level: int, rng: np.random.Generator) -> tuple[dict, Solution]:
    """Draw until the constraints hold and the solver accepts; return (params, solution)."""
    params, solution, _ = _draw(template, level, rng)
    return params, solution


def _draw(template: Template, level: int, rng: np.random.Generator) -> tuple[dict, Solution, Any]:
    """:func:`draw_params` plus the plain answer (computed once, checked for finiteness)."""
    entry = solvers.get(template.solver)
    if entry is None:
        raise TemplateError(f"unknown solver '{template.solver}'.", path=template.path, field="solver")
    if level not in template.levels:
        raise TemplateError(f"template '{template.id}' has no level {level} "
                            f"(it has {', '.join(map(str, template.level_numbers))}).",
                            path=template.path, field="levels")
    space = template.levels[level].space
    last = "no draw satisfied the constraints"
    for _ in range(MAX_DRAWS):
        params = draw_space(space, rng)
        params["level"] = level
        try:
            if entry.sample is not None:
                params = entry.sample(rng, level, params)
                params.setdefault("level", level)
            if not all(holds(c, params, template_id=template.id) for c in template.constraints):
                continue
            solution = entry.solve(params)
        except Redraw as e:
            last = str(e) or last
            continue
        answer = plain(solution.answer)
        if not _finite(answer):
            last = "the answer was not finite"
            continue
        return params, solution, answer
    raise TemplateError(f"no valid parameters after {MAX_DRAWS} draws at level {level} ({last}).",
                        path=template.path, field=f"levels.{level}.params",
                        hint="The parameter ranges are impossible or too narrow; widen them.")


def _pick(text: dict, lang: str) -> str:
    return text.get(lang) or text["en"]


def _shuffle_options(options: list, answer: Any, mis: dict, answer_type: str,
                     rng: np.random.Generator) -> tuple[list, Any, dict]:
    order = [int(i) for i in rng.permutation(len(options))]  # new position -> old index
    where = {old: new for new, old in enumerate(order)}

    def remap(v: Any) -> Any:
        return sorted(where[i] for i in v) if answer_type == "choices" else where[v]

    return [options[i] for i in order], remap(answer), {k: remap(v) for k, v in mis.items()}


def build_question(template: Template, level: int, rng: np.random.Generator, *,
                   slot: str = "q1", points: float | None = None, lang: str = "en") -> Question:
    """Sample, solve and render one question of ``template`` at ``level``."""
    params, sol, answer = _draw(template, level, rng)
    mis_values = {k: plain(v) for k, v in sol.misconceptions.items()}
    known = {m.id for m in template.misconceptions}
    unknown = set(mis_values) - known
    if unknown:
        raise TemplateError(f"solver returned misconceptions not declared in the YAML: "
                            f"{', '.join(sorted(unknown))}.", path=template.path, field="misconceptions",
                            hint=f"Declare each with an id and feedback; `quizgen bank solvers {template.solver}` "
                                 "lists the ids this solver returns.")
    options = None
    if template.answer_type in ("choice", "choices"):
        if not sol.options:
            raise TemplateError("a choice question needs options.", path=template.path, field="options")
        opts, answer, mis_values = _shuffle_options(list(sol.options), answer, mis_values,
                                                    template.answer_type, rng)
        options = tuple(o if isinstance(o, str) else _pick(o, lang) for o in opts)
    decimals = sol.decimals if sol.decimals is not None else template.decimals
    ctx = {**params, **sol.context, "answer": answer, "decimals": decimals, "lang": lang,
           "options": options}
    tid = template.id
    trusted = template.trusted
    scope = text_scope(ctx, trusted)  # variables + Jinja globals, merged once for every field
    misconceptions = []
    seen_values: list = []
    for spec in template.misconceptions:
        if spec.id not in mis_values or mis_values[spec.id] is None:
            continue
        value = mis_values[spec.id]
        if not _finite(value):  # no student types an infinity; and key.json holds finite numbers only
            continue
        # A mistake that gives the right answer (or repeats an earlier mistake) cannot be told apart.
        if answers.matches(template.answer_type, value, answer, template.tolerance):
            continue
        if any(answers.matches(template.answer_type, value, v, template.tolerance) for v in seen_values):
            continue
        seen_values.append(value)
        feedback = render_text(_pick(spec.feedback, lang), scope, template_id=tid,
                               field=f"misconceptions.{spec.id}.feedback", trusted=trusted, scope=True,
                               extra={"wrong": value})
        misconceptions.append(Misconception(spec.id, value, feedback))
    pytorch = sol.pytorch
    if template.pytorch:
        pytorch = render_text(template.pytorch, scope, template_id=tid, field="pytorch", trusted=trusted,
                              scope=True)
    if pytorch and lang != "en":
        pytorch = localize_code(pytorch, lang)
    return Question(
        slot=slot,
        template=tid,
        topic=template.topic,
        level=level,
        points=points if points is not None else template.points,
        title=_pick(template.title, lang),
        prompt=render_text(_pick(template.prompt, lang), scope, template_id=tid, field="prompt",
                           trusted=trusted, scope=True),
        answer_type=template.answer_type,
        answer_value=answer,
        tolerance=template.tolerance,
        solution=render_text(_pick(template.solution, lang), scope, template_id=tid, field="solution",
                             trusted=trusted, scope=True),
        misconceptions=tuple(misconceptions),
        options=options,
        check=plain(sol.check) if sol.check is not None else None,
        pytorch=pytorch,
        decimals=decimals,
        lang=lang,
        params=plain({k: v for k, v in params.items() if not k.startswith("_")}),
    )
