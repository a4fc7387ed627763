"""The :class:`Template` record: one question family as declared in ``question_bank/``.

YAML fields (see README "Writing a template"):

id, title, topic, points, answer (type or {type, decimals}), tolerance {abs, rel},
solver (a registered name), levels {1: {label, params}, 2: ...}, constraints (Jinja
expressions over the params that must hold), prompt / solution (Jinja Markdown with TeX),
misconceptions [{id, feedback}], pytorch (optional Jinja code snippet).
Every text field is either a string (English) or a mapping ``{en: ..., ko: ...}``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import BankError, did_you_mean
from .model import ANSWER_TYPES, LANGS, Tolerance
from .params import ParamSpec, parse_space

ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")

# The fields of a template file. Any other top-level key must hold a table (a list or a
# mapping, e.g. the anchored statement tables of the concepts.* families) and must not look
# like a misspelt field.
FIELDS = ("id", "title", "topic", "points", "answer", "tolerance", "solver", "levels",
          "constraints", "prompt", "solution", "misconceptions", "pytorch", "options")


def check_fields(d: dict, known: tuple[str, ...], *, path: str, where: str) -> None:
    """BankError for the first key of mapping ``d`` (at field ``where``) that is not in ``known``."""
    for key in d:
        if key not in known:
            field = f"{where}.{key}" if where else str(key)
            raise BankError(f"unknown field '{key}'.", path=path, field=field,
                            hint=did_you_mean(key, known) + "Fields here: " + ", ".join(known) + ".")


@dataclass(frozen=True)
class Level:
    """One difficulty level: its label and parameter space."""

    number: int
    label: dict
    space: tuple[ParamSpec, ...]


@dataclass(frozen=True)
class MisconceptionSpec:
    id: str
    feedback: dict


@dataclass(frozen=True)
class Template:
    id: str
    title: dict
    topic: str
    points: float
    answer_type: str
    decimals: int | None
    tolerance: Tolerance
    solver: str
    levels: dict
    constraints: tuple[str, ...]
    prompt: dict
    solution: dict
    misconceptions: tuple[MisconceptionSpec, ...]
    pytorch: str = ""
    path: str = ""
    options: tuple = ()
    extra: dict = field(default_factory=dict)
    trusted: bool = False  # from the bundled bank: texts render without the sandbox

    @property
    def level_numbers(self) -> list[int]:
        return sorted(self.levels)

    def languages(self) -> list[str]:
        """Languages in which every text field of this template exists."""
        fields = [self.title, self.prompt, self.solution] + [m.feedback for m in self.misconceptions]
        return [lang for lang in LANGS if all(lang in f for f in fields)]


def localized(value: Any, *, path: str, field: str, required: bool = True) -> dict:
    """A text field -> ``{lang: text}``; a bare string is English."""
    if value is None:
        if required:
            raise BankError("this text field is missing.", path=path, field=field,
                            hint="Give a string or a mapping {en: ..., ko: ...}.")
        return {}
    if isinstance(value, str):
        return {"en": value}
    if isinstance(value, dict) and value and all(k in LANGS and isinstance(v, str)
                                                 for k, v in value.items()):
        if "en" not in value:
            raise BankError("every text needs an English ('en') version.", path=path, field=field)
        return dict(value)
    raise BankError(f"a text field must be a string or a mapping of {', '.join(LANGS)} to strings.",
                    path=path, field=field)


def template_from_dict(d: Any, path: str, trusted: bool = False) -> Template:
    """Validate a loaded YAML mapping and build the Template (BankError on any problem)."""
    if not isinstance(d, dict):
        raise BankError("a template file must hold one mapping (id, title, topic, ...).", path=path)
    for key, value in d.items():
        if key in FIELDS:
            continue
        close = did_you_mean(key, FIELDS, cutoff=0.75)
        if close or not isinstance(value, (list, dict)):
            raise BankError(f"unknown field '{key}'.", path=path, field=str(key),
                            hint=(close or did_you_mean(key, FIELDS)) + "A template's fields are "
                                 + ", ".join(FIELDS) + "; any other top-level key may only hold a "
                                 "table (a list or mapping) for the solver.")
    for key in ("id", "topic", "answer", "solver", "levels", "prompt", "solution"):
        if key not in d:
            raise BankError(f"the required field '{key}' is missing.", path=path, field=key)
    tid = d["id"]
    if not isinstance(tid, str) or not tid or not set(tid) <= ID_CHARS:
        raise BankError("an id is lower-case letters, digits, '-', '_' and '.'.", path=path, field="id")
    answer = d["answer"]
    if isinstance(answer, str):
        answer = {"type": answer}
    if isinstance(answer, dict):
        check_fields(answer, ("type", "decimals"), path=path, where="answer")
    if not isinstance(answer, dict) or answer.get("type") not in ANSWER_TYPES:
        raise BankError(f"answer type must be one of {', '.join(ANSWER_TYPES)}.", path=path,
                        field="answer")
    decimals = answer.get("decimals")
    if decimals is not None and (not isinstance(decimals, int) or decimals < 0):
        raise BankError("answer.decimals must be a non-negative integer.", path=path, field="answer.decimals")
    tol = d.get("tolerance") or {}
    if isinstance(tol, dict):
        check_fields(tol, ("abs", "rel"), path=path, where="tolerance")
    if not isinstance(tol, dict) or any(k not in ("abs", "rel") for k in tol) or any(
            not isinstance(v, (int, float)) or v < 0 for v in tol.values()):
        raise BankError("tolerance is {abs: number >= 0, rel: number >= 0}.", path=path, field="tolerance")
    tolerance = Tolerance.from_dict(tol)
    if answer["type"] == "real" and decimals is not None and tolerance.abs + 1e-12 < 0.5 * 10 ** -decimals:
        raise BankError(f"a real answer shown with {decimals} decimals needs tolerance.abs >= "
                        f"{0.5 * 10 ** -decimals:g}, or correctly rounded work is marked wrong.",
                        path=path, field="tolerance.abs")
    points = d.get("points", 1)
    if not isinstance(points, (int, float)) or points <= 0:
        raise BankError("points must be a positive number.", path=path, field="points")
    levels_raw = d["levels"]
    if not isinstance(levels_raw, dict) or not levels_raw:
        raise BankError("levels is a mapping {1: {params: ...}, 2: ...}.", path=path, field="levels")
    levels = {}
    for key, lv in levels_raw.items():
        if type(key) is not int or key < 1:
            raise BankError("level numbers are integers from 1.", path=path, field=f"levels.{key}")
        lv = lv or {}
        if not isinstance(lv, dict):
            raise BankError("a level is a mapping {label, params}.", path=path, field=f"levels.{key}")
        check_fields(lv, ("label", "params"), path=path, where=f"levels.{key}")
        levels[key] = Level(key, localized(lv.get("label"), path=path, field=f"levels.{key}.label",
                                           required=False),
                            parse_space(lv.get("params"), path=path, where=f"levels.{key}.params"))
    constraints = d.get("constraints") or []
    if not isinstance(constraints, list) or not all(isinstance(c, str) for c in constraints):
        raise BankError("constraints is a list of expressions (strings).", path=path, field="constraints")
    mis = []
    seen = set()
    for i, m in enumerate(d.get("misconceptions") or []):
        if not isinstance(m, dict) or not isinstance(m.get("id"), str):
            raise BankError("each misconception needs an id and a feedback.", path=path,
                            field=f"misconceptions[{i}]")
        check_fields(m, ("id", "feedback"), path=path, where=f"misconceptions[{i}]")
        if m["id"] in seen:
            raise BankError(f"misconception id '{m['id']}' appears twice.", path=path,
                            field=f"misconceptions[{i}].id")
        seen.add(m["id"])
        mis.append(MisconceptionSpec(m["id"], localized(m.get("feedback"), path=path,
                                                        field=f"misconceptions[{i}].feedback")))
    topic = d["topic"]
    if not isinstance(topic, str) or not topic:
        raise BankError("topic must be a non-empty string.", path=path, field="topic")
    options = d.get("options") or []
    if not isinstance(options, list):
        raise BankError("options is a list.", path=path, field="options")
    return Template(
        id=tid,
        title=localized(d.get("title", tid), path=path, field="title"),
        topic=topic,
        points=points,
        answer_type=answer["type"],
        decimals=decimals,
        tolerance=tolerance,
        solver=str(d["solver"]),
        levels=levels,
        constraints=tuple(constraints),
        prompt=localized(d["prompt"], path=path, field="prompt"),
        solution=localized(d["solution"], path=path, field="solution"),
        misconceptions=tuple(mis),
        pytorch=str(d.get("pytorch") or ""),
        path=path,
        options=tuple(options),
        extra={k: v for k, v in d.items() if k not in FIELDS},
        trusted=trusted,
    )
