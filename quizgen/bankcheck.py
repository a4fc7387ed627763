"""Stress-test a question bank: every template, every level, many seeds.

A problem names the template file, the level and the seed, so an author can reproduce
it with ``quizgen preview TEMPLATE --level L --seed S``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import jinja2.meta
import numpy as np

from . import answers
from .bank import Bank, locate, locate_in
from .errors import QuizgenError
from .instantiate import build_question
from .model import Question
from .template import Template
from .textrender import ENV, text_error


@dataclass
class CheckReport:
    templates: int = 0
    instances: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _names(source: str) -> set[str]:
    return set(jinja2.meta.find_undeclared_variables(ENV.parse(source)))


def language_problems(t: Template) -> list[str]:
    """Texts whose languages use different placeholders, or misconceptions missing a language."""
    out = []
    fields = {"title": t.title, "prompt": t.prompt, "solution": t.solution}
    fields.update({f"misconceptions.{m.id}.feedback": m.feedback for m in t.misconceptions})
    langs = set().union(*(f.keys() for f in fields.values()))
    for name, texts in fields.items():
        missing = langs - set(texts)
        if missing:
            out.append(f"{t.path}: field '{name}' has no {', '.join(sorted(missing))} version "
                       f"while other fields do.")
            continue
        names = {}
        for lang, text in texts.items():
            try:
                names[lang] = _names(text)
            except jinja2.TemplateSyntaxError as e:  # named with file and line
                out.append(str(locate_in(text_error(e, t.id, name), t, lang)))
        if len(names) < len(texts):
            continue
        base = names["en"]
        for lang, text in texts.items():
            if lang != "en" and names[lang] != base:
                diff = sorted(base ^ names[lang])
                out.append(f"{t.path}: field '{name}' uses different placeholders in '{lang}' "
                           f"and 'en': {', '.join(diff)}.")
    return out


def question_problems(q: Question) -> list[str]:
    """What is wrong with one built question (empty when it is fine)."""
    out = []
    v = q.answer_value

    def finite(x):
        return all(finite(y) for y in x) if isinstance(x, list) else (
            isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x))

    if not finite(v):
        out.append(f"answer {v!r} is not a finite number/list")
    text = answers.format_answer(q.answer_type, v, q.decimals, q.options)
    parsed = answers.parse(q.answer_type, text, n_options=len(q.options) if q.options else None)
    if not parsed.ok or not answers.matches(q.answer_type, parsed.value, v, q.tolerance):
        out.append(f"the displayed answer '{text}' does not grade as correct ({parsed.reason})")
    if q.options is not None:
        if len(set(q.options)) != len(q.options):
            out.append("two options have the same text")
        if len(q.options) < 2:
            out.append("fewer than two options")
    if q.answer_type not in ("choice", "choices") and q.check is None:
        out.append("a computed answer without a check recipe")
    for m in q.misconceptions:
        if answers.matches(q.answer_type, m.value, v, q.tolerance):
            out.append(f"misconception '{m.id}' equals the answer")
    if not q.prompt.strip() or not q.solution.strip():
        out.append("empty prompt or solution")
    return out


def check_bank(bank: Bank, seeds: int = 50, langs: tuple[str, ...] = ("en",)) -> CheckReport:
    """Build every template at every level for ``seeds`` seeds; collect problems."""
    report = CheckReport()
    for t in sorted(bank.templates.values(), key=lambda t: t.id):
        report.templates += 1
        report.problems.extend(language_problems(t))
        produced: set[str] = set()
        for level in t.level_numbers:
            for seed in range(seeds):
                for lang in langs:
                    where = f"{t.path}: level {level}, seed {seed}, lang {lang}"
                    try:
                        q = build_question(t, level, np.random.default_rng(seed), lang=lang)
                    except QuizgenError as e:
                        e = locate(e, bank, lang)
                        if e.path == t.path:  # name the file once, with the line
                            e.path, where = None, where.replace(t.path, t.path + (f", line {e.line}" if e.line else ""), 1)
                            e.args = (e.format(),)
                        report.problems.append(f"{where}: {e}")
                        break
                    except Exception as e:  # a solver bug: report it with the seed
                        report.problems.append(f"{where}: solver crashed: {type(e).__name__}: {e}")
                        break
                    report.instances += 1
                    produced.update(m.id for m in q.misconceptions)
                    report.problems.extend(f"{where}: {p}" for p in question_problems(q))
        never = [m.id for m in t.misconceptions if m.id not in produced]
        if never:
            report.warnings.append(f"{t.path}: misconception(s) never produced in {seeds} seeds: "
                                   f"{', '.join(never)}")
    return report
