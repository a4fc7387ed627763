"""Concept questions on the course notes: randomized single (`choice`) and multiple
(`choices`) answer questions built from statement tables.

Where the tables live
---------------------
Each template YAML holds its own tables as top-level anchored lists (kept by the loader
in ``Template.extra``) and hands them to the solver through its level's parameter space
as a constant, e.g. ``_pool: {value: *recognition}``. So the text of every statement is
in the bank (and in the bank digest), a bank loaded from another folder works, the
solver never reads files, and ``solve(params)`` is a pure function of ``params``.
The leading underscore keeps the table out of the key's ``params``; what the key
records are the drawn ids (``statement``, ``distractors``, ``case``, ``claims``...).

``choice`` tables (solver ``concepts.choice``): a list of statements::

    - id: lr-too-high                     # unique in the table
      concept: learning-rate              # for variety statistics
      stem: {en: ..., ko: ...}            # the question
      answer: {en: ..., ko: ...}          # the right option
      why: {en: ..., ko: ...}             # the worked explanation
      distractors:                        # >= 3; one misconception id each (distinct)
        - {mis: lr-high-low-swapped, text: {en: ..., ko: ...}}
      cases: [{k: 3, p: 1}, ...]          # optional: one drawn; [[k]] in texts is replaced
      vary: {n: [28, 32]}                 # optional: each drawn independently
      pytorch: 'nn.Conv2d(...)'           # optional snippet ([[...]] replaced too)

The sampler draws a statement, a case, and ``n_wrong`` of its distractors; options are
``[answer] + distractors`` in canonical order (the builder shuffles them); each
misconception's value is the index of its distractor.

``choices`` tables (solver ``concepts.choices``): a list of themes::

    - id: parameters
      stem: {en: ..., ko: ...}
      correct:   [{id, text, why, miss?: id, concept?: tag}, ...]   # miss = not ticking it
      incorrect: [{id, text, why, mis: id, concept?: tag}, ...]     # mis = ticking it

(Not ``true:``/``false:`` — YAML reads those keys as booleans.)

Five claims are drawn, two or three of them true, with distinct misconception ids and
(where claims carry a ``concept``) distinct concepts. The answer is the sorted list of
the true claims' indices; a false claim's misconception is "the answer plus it", a
true claim's ``miss`` is "the answer without it" — the typical wrong selection sets.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from . import Redraw, Solution, register

LANGS = ("en", "ko")
TOKEN = re.compile(r"\[\[(\w+)\]\]")
N_OPTIONS = 5  # options of a `choices` question


# ------------------------------------------------------------------ texts

def _show(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang, value["en"]))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def fill(text: Any, values: dict) -> dict:
    """A text (str or {en, ko}) -> {en, ko} with every ``[[name]]`` replaced from ``values``."""
    if isinstance(text, str):
        text = {"en": text}
    out = {}
    for lang in LANGS:
        source = text.get(lang, text["en"])
        # most texts have no [[name]]: skip the regex (its result would be `source` itself)
        out[lang] = (TOKEN.sub(lambda m: _show(values[m.group(1)], lang), source) if "[[" in source
                     else source).strip()
    return out


# (id(items), key) -> (items, {value: first item with that value}). The tables are constants
# of the bank, looked up several times per question; a linear scan reads up to 40 dicts each.
# The entry holds `items` itself, so its id cannot be reused by another list while cached.
_INDEX: dict = {}


def _by_id(items: list, key: str, value: str, what: str) -> dict:
    """The first item of ``items`` whose ``key`` is ``value``."""
    entry = _INDEX.get((id(items), key))
    if entry is None or entry[0] is not items:
        if len(_INDEX) > 512:                   # tables built on the fly (tests): stay bounded
            _INDEX.clear()
        index: dict = {}
        for item in items:
            index.setdefault(item.get(key), item)
        entry = _INDEX[(id(items), key)] = (items, index)
    item = entry[1].get(value)
    if item is not None and item.get(key) == value:
        return item
    for item in items:                          # a table changed in place since indexed: scan
        if item.get(key) == value:
            return item
    raise ValueError(f"concepts: no {what} with {key} '{value}' in this template's table")


# ------------------------------------------------------------------ single choice

def statement_values(st: dict, p: dict) -> dict:
    """The [[...]] values of a drawn statement: its case merged with the `vary` draws."""
    values = dict(st["cases"][p["case"]]) if st.get("cases") else {}
    values.update(p.get("vary") or {})
    return values


def sample_choice(rng: np.random.Generator, level: int, p: dict) -> dict:
    pool = p["_pool"]
    st = pool[int(rng.integers(len(pool)))]
    out = {**p, "statement": st["id"]}
    if st.get("cases"):
        out["case"] = int(rng.integers(len(st["cases"])))
    vary = st.get("vary") or {}
    if vary:
        out["vary"] = {name: vals[int(rng.integers(len(vals)))] for name, vals in vary.items()}
    n = min(int(p.get("n_wrong", 3)), len(st["distractors"]))
    picked = rng.choice(len(st["distractors"]), size=n, replace=False)
    out["distractors"] = [st["distractors"][int(i)]["mis"] for i in picked]
    return out


def solve_choice(p: dict) -> Solution:
    st = _by_id(p["_pool"], "id", p["statement"], "statement")
    values = statement_values(st, p)
    chosen = [_by_id(st["distractors"], "mis", m, f"distractor of '{st['id']}'")
              for m in p["distractors"]]
    options = [fill(st["answer"], values)] + [fill(d["text"], values) for d in chosen]
    for lang in LANGS:
        texts = [o[lang] for o in options]
        if len(set(texts)) != len(texts):
            raise Redraw(f"two options of '{st['id']}' read the same in {lang}")
    return Solution(
        answer=0,
        context={"stem": fill(st["stem"], values), "why": fill(st["why"], values),
                 "concept": st.get("concept", "")},
        misconceptions={d["mis"]: i + 1 for i, d in enumerate(chosen)},
        check=None,  # purely conceptual: nothing for PyTorch to re-solve
        options=options,
        pytorch=fill(st["pytorch"], values)["en"] if st.get("pytorch") else "",
    )


# ------------------------------------------------------------------ multiple choice

def _claim_ids(claim: dict) -> set:
    return {claim[k] for k in ("mis", "miss") if claim.get(k)}


def _take(rng: np.random.Generator, claims: list, n: int, used_ids: set, used_concepts: set) -> list:
    """Up to ``n`` claims in random order whose misconception ids and concepts are still free."""
    out = []
    for i in rng.permutation(len(claims)).tolist():
        if len(out) == n:
            break
        c = claims[i]
        ids, concept = _claim_ids(c), c.get("concept")
        if ids & used_ids or (concept and concept in used_concepts):
            continue
        out.append(c)
        used_ids |= ids
        if concept:
            used_concepts.add(concept)
    return out


def sample_choices(rng: np.random.Generator, level: int, p: dict) -> dict:
    pool = p["_pool"]
    theme = pool[int(rng.integers(len(pool)))]
    n_true = int(rng.integers(2, 4))  # 2 or 3 true claims among five
    used_ids: set = set()
    used_concepts: set = set()
    # Alternate true / false picks so neither side uses up the shared concepts first.
    trues: list = []
    falses: list = []
    while len(trues) < n_true or len(falses) < N_OPTIONS - n_true:
        before = len(trues) + len(falses)
        if len(trues) < n_true:
            rest = [c for c in theme["correct"] if c not in trues]
            trues += _take(rng, rest, 1, used_ids, used_concepts)
        if len(falses) < N_OPTIONS - n_true:
            rest = [c for c in theme["incorrect"] if c not in falses]
            falses += _take(rng, rest, 1, used_ids, used_concepts)
        if len(trues) + len(falses) == before:
            raise Redraw(f"theme '{theme['id']}' has too few compatible claims")
    return {**p, "theme": theme["id"], "true_claims": [c["id"] for c in trues],
            "false_claims": [c["id"] for c in falses]}


def solve_choices(p: dict) -> Solution:
    theme = _by_id(p["_pool"], "id", p["theme"], "theme")
    trues = [_by_id(theme["correct"], "id", c, "correct claim") for c in p["true_claims"]]
    falses = [_by_id(theme["incorrect"], "id", c, "incorrect claim") for c in p["false_claims"]]
    claims = trues + falses
    options = [fill(c["text"], {}) for c in claims]
    answer = list(range(len(trues)))
    mis = {}
    for i, c in enumerate(claims):
        if i < len(trues) and c.get("miss"):
            mis[c["miss"]] = [j for j in answer if j != i]
        elif i >= len(trues):
            mis[c["mis"]] = sorted(answer + [i])
    # Why each option is true or false, keyed by its text (the solution walks the shuffled options).
    whys = [fill(c["why"], {}) for c in claims]
    notes = {lang: {o[lang]: w[lang] for o, w in zip(options, whys)} for lang in LANGS}
    return Solution(
        answer=answer,
        context={"stem": fill(theme["stem"], {}), "notes": notes, "n_true": len(trues)},
        misconceptions=mis,
        check=None,
        options=options,
    )


register("concepts.choice", solve_choice, sample_choice)
register("concepts.choices", solve_choices, sample_choices)
