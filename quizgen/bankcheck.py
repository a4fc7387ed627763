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
    instances: int = 0          # instances built without an error
    levels: int = 0             # template levels (a template with levels 1-3 counts 3)
    seeds: int = 0              # seeds per level
    langs: tuple[str, ...] = ()  # every seed is built in each of these languages
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def attempted(self) -> int:
        """Instances tried: every level of every template x seeds x languages."""
        return self.levels * self.seeds * len(self.langs)

    def counted(self) -> str:
        """What the instance count counts: ``6 instances (3 levels x 1 seed x 2 languages: en, ko)``;
        ``4 of 6 instances built (...)`` when some failed."""
        def n(k, word):
            return f"{k} {word}" + ("" if k == 1 else "s")
        how = (f"{n(self.levels, 'template level' if self.templates > 1 else 'level')} x "
               f"{n(self.seeds, 'seed')} x {n(len(self.langs), 'language')}: {', '.join(self.langs)}")
        if self.instances == self.attempted:
            return f"{n(self.instances, 'instance')} ({how})"
        return f"{self.instances} of {n(self.attempted, 'instance')} built ({how})"


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
        why = parsed.reason or (f"it reads as {parsed.value!r}, which is not within the tolerance of {v!r}"
                                if parsed.ok else "it cannot be read")
        out.append(f"the displayed answer '{text}' does not grade as correct ({why})")
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


def _seeds_text(seeds: list[int], total: int) -> str:
    """``seed 4`` / ``seeds 0, 3, 9 (3 of 50)`` / ``every seed (50)``."""
    if len(seeds) == 1:
        return f"seed {seeds[0]}"
    if len(seeds) == total:
        return f"every seed (0-{total - 1})"
    shown = ", ".join(map(str, seeds[:5])) + (", ..." if len(seeds) > 5 else "")
    return f"seeds {shown} ({len(seeds)} of {total})"


def _levels_text(by_level: dict[int, list[int]], total: int) -> str:
    """``level 2, seed 4`` / ``levels 1, 2, 3, every seed (0-49)`` / ``level 1, seed 3;
    level 2, seeds 0, 7 (2 of 50)``: the levels, each with the seeds where a problem occurs."""
    groups: dict[tuple, list[int]] = {}
    for level, seeds in sorted(by_level.items()):
        groups.setdefault(tuple(seeds), []).append(level)
    return "; ".join(("level " if len(levels) == 1 else "levels ") + ", ".join(map(str, levels))
                     + ", " + _seeds_text(list(seeds), total) for seeds, levels in groups.items())


def _note(found: dict, key: tuple, level: int, seed: int, lang: str) -> None:
    by_level, langs = found.setdefault(key, ({}, []))
    seeds = by_level.setdefault(level, [])
    if seed not in seeds:
        seeds.append(seed)
    if lang not in langs:
        langs.append(lang)


def _crash_text(t: Template, level: int, e: Exception) -> str:
    """What a solver's exception most likely means for the template's author."""
    if isinstance(e, KeyError) and e.args and isinstance(e.args[0], str):
        drawn = ", ".join(p.name for p in t.levels[level].space) or "none"
        return (f"solver '{t.solver}' needs the parameter '{e.args[0]}', which level {level} does not draw "
                f"(it draws: {drawn}); add it under levels.{level}.params "
                f"(`quizgen bank solvers` shows what each solver reads).")
    return (f"solver '{t.solver}' crashed: {type(e).__name__}: {e}. Check that the parameters and the "
            f"answer type are the ones this solver expects (`quizgen bank solvers`).")


def usage_problems(t: Template, reference: dict) -> tuple[list[str], list[str]]:
    """(problems, warnings) of ``t`` against how the bundled bank uses the same solver.

    ``reference``: solver name -> the bundled templates using it (:func:`solver_usage`).
    """
    uses = reference.get(t.solver)
    if not uses or any(u.path == t.path for u in uses):
        return [], []
    problems, warnings = [], []
    types = sorted({u.answer_type for u in uses})
    if t.answer_type not in types:
        problems.append(f"{t.path}: field 'answer': solver '{t.solver}' answers with type "
                        f"{' or '.join(types)}, not '{t.answer_type}'.")
    levels = sorted({lv for u in uses for lv in u.levels})
    odd = [lv for lv in t.level_numbers if lv not in levels]
    if odd:
        warnings.append(f"{t.path}: solver '{t.solver}' knows levels {', '.join(map(str, levels))}; "
                        f"level(s) {', '.join(map(str, odd))} here get that solver's nearest behaviour.")
    for lv in t.level_numbers:
        known = {p.name for u in uses for level in u.levels.values() for p in level.space}
        extra = sorted({p.name for p in t.levels[lv].space} - known)
        if extra:
            warnings.append(f"{t.path}: levels.{lv}.params: solver '{t.solver}' never reads "
                            f"{', '.join(extra)} in the bundled bank; check that it is used.")
    return problems, warnings


def solver_usage(bank: Bank | None = None) -> dict[str, list[Template]]:
    """Solver name -> the templates of ``bank`` (default: the bundled bank) that use it."""
    from .bank import load_bank
    bank = bank or load_bank()
    out: dict[str, list[Template]] = {}
    for t in sorted(bank.templates.values(), key=lambda t: t.id):
        out.setdefault(t.solver, []).append(t)
    return out


def check_bank(bank: Bank, seeds: int = 50, langs: tuple[str, ...] = ("en",)) -> CheckReport:
    """Build every template at every level for ``seeds`` seeds; collect problems.

    Every seed is built in each language of ``langs``. The same problem (same file, field
    and message) at several levels, seeds or languages is reported once, with where it
    occurs; a text that does not compile is reported once, by the language check, not again
    for every build. A misconception never produced is looked for over ten times more seeds
    before it is reported.
    """
    report = CheckReport(seeds=seeds, langs=tuple(langs))
    from .resources import bank_dir
    bundled = [r.resolve() for r in (bank.roots or (bank.root,))] == [bank_dir().resolve()]
    reference = solver_usage(bank if bundled else None)   # (the bundled bank is not loaded twice)
    for t in sorted(bank.templates.values(), key=lambda t: t.id):
        report.templates += 1
        report.levels += len(t.level_numbers)
        static = language_problems(t)   # texts that do not compile: every build repeats them
        report.problems.extend(static)
        extra_problems, extra_warnings = usage_problems(t, reference)
        report.problems.extend(extra_problems)
        report.warnings.extend(extra_warnings)
        found: dict[tuple, tuple[dict, list]] = {}   # (where, message) -> ({level: seeds}, langs)
        produced: set[str] = set()
        for level in t.level_numbers:
            for seed in range(seeds):
                for lang in langs:
                    where = f"{t.path}"
                    try:
                        q = build_question(t, level, np.random.default_rng(seed), lang=lang)
                    except QuizgenError as e:
                        e = locate(e, bank, lang)
                        if e.format() in static:  # reported above, once
                            continue
                        if e.path == t.path:  # name the file once, with the line
                            e.path, where = None, t.path + (f", line {e.line}" if e.line else "")
                            e.args = (e.format(),)
                        _note(found, (where, str(e)), level, seed, lang)
                        continue
                    except Exception as e:  # a solver bug or a template the solver cannot serve
                        _note(found, (where, _crash_text(t, level, e)), level, seed, lang)
                        continue
                    report.instances += 1
                    produced.update(m.id for m in q.misconceptions)
                    for p in question_problems(q):
                        _note(found, (where, p), level, seed, lang)
        for (where, message), (by_level, where_langs) in found.items():
            report.problems.append(f"{where}: {_levels_text(by_level, seeds)}, "
                                   f"lang {', '.join(where_langs)}: {message}")
        if found or static:
            continue  # what was never produced says nothing while instances fail
        never = [m.id for m in t.misconceptions if m.id not in produced]
        for level in t.level_numbers:
            for seed in range(seeds, 10 * seeds):
                if not never:
                    break
                try:
                    q = build_question(t, level, np.random.default_rng(seed), lang=langs[0])
                except Exception:  # noqa: BLE001, S112 - only looking for misconceptions past --seeds
                    continue
                never = [m for m in never if m not in {x.id for x in q.misconceptions}]
        if never:
            report.warnings.append(f"{t.path}: misconception(s) never produced at any level, confirmed over "
                                   f"{10 * seeds} seeds per level (10 x --seeds): {', '.join(never)} (the "
                                   "solver never returns them: remove them, or check their ids against "
                                   "`quizgen bank solvers`).")
    return report
