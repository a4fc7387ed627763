"""What a Python user imports: everything the CLI does, as plain functions.

>>> from quizgen import api
>>> result = api.generate(out_dir="exam", students=30, secret="s3cret")
>>> result.quiz.papers[0].questions[0].answer_value
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from . import resources
from .bank import Bank, load_bank
from .build import build_quiz_with, build_variants
from .errors import OutputError, QuizgenError
from .exam import Exam, load_exam, numbered_students, read_roster
from .grading.keyindex import index_file, index_student
from .instantiate import build_question
from .model import KEY_FORMAT, ExamInfo, Question, Quiz, SlotVariants, StudentPaper
from .output import check_key_owner, dumps_key_student, key_pieces, write_files
from .render import markdown
from .variants import resolve_secret

# format name -> "module:function" returning {relative path: content} for a Quiz.
RENDERERS = {
    "md": "quizgen.render.markdown:files",
    "html": "quizgen.render.html:files",
    "pdf": "quizgen.render.pdf:files",
}

# Formats rendered in two steps, the per-paper one as soon as each paper is built (so, for large
# classes, in the build worker processes, in parallel): format -> ("module:paper_parts",
# "module:assemble") with RENDERERS[format](quiz) ==
# assemble(quiz, [paper_parts(quiz.exam, p) for p in quiz.papers]); generate passes
# ``joined=False`` to assemble, which may then give a file as a list of strings to write in turn.
SPLIT_RENDERERS = {
    "md": ("quizgen.render.markdown:paper_parts", "quizgen.render.markdown:assemble"),
}


@dataclass(frozen=True)
class GenerateResult:
    """What :func:`generate` wrote: the files, where the secret came from, how many papers.

    ``quiz`` is every paper (of the first language). When the outputs did not need the
    papers in memory (Markdown only, as in the default run) they were not kept, and
    ``quiz`` reads them back from key.json on first use: the same questions.
    """

    files: list[Path]
    secret_source: str
    n_papers: int
    n_questions: int           # per paper
    key_path: Path
    built_quiz: Quiz | None = field(default=None, repr=False)

    @cached_property
    def quiz(self) -> Quiz:
        return self.built_quiz if self.built_quiz is not None else read_key(self.key_path)





def renderer(fmt: str) -> Callable:
    target = RENDERERS.get(fmt)
    if target is None:
        raise QuizgenError(f"unknown format '{fmt}'.", field="--format",
                           hint="Choose from " + ", ".join(RENDERERS) + ".")
    return _function(target)


def _function(target: str) -> Callable:
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def load(exam_path: str | Path | None = None, bank_dir: str | Path | None = None) -> tuple[Exam, Bank]:
    """Load the bank and an exam file (the bundled default exam when ``exam_path`` is None)."""
    bank = load_bank(bank_dir)
    return load_exam(exam_path or resources.default_exam(), bank), bank


def generate(exam_path: str | Path | None = None, out_dir: str | Path = "exam", *,
             roster: str | Path | None = None, students: int | None = None,
             secret: str | None = None, lang: str | None = None,
             formats: Iterable[str] = ("md",), force: bool = False,
             templates: str | Path | None = None, bank_dir: str | Path | None = None,
             progress: Callable[[int], None] | None = None,
             render_options: dict | None = None, n_variants: int = 20) -> GenerateResult:
    """Write papers, the instructor key and key.json for every student into ``out_dir``.

    Students come from ``roster`` (CSV) or ``students`` (N numbered ids; 30 by default).
    ``render_options`` go to the renderers that take them (pdf: ``duplex``, ``font_paths``).
    LMS formats among ``formats`` (moodle, qti12, qti21, gift) are written to ``out_dir/lms/``
    with ``n_variants`` draws per slot, as `export` does.
    """
    out_dir = Path(out_dir)
    exam, bank = load(exam_path, bank_dir)
    if roster is not None and students is not None:
        raise QuizgenError("give either a roster or a number of students, not both.",
                           field="--roster/--students")
    people = read_roster(roster) if roster is not None else numbered_students(students or 30)
    from .export import ALIASES as LMS_ALIASES, FORMATS as LMS_FORMATS, output_name, render as lms_render
    formats = list(dict.fromkeys(formats)) or ["md"]
    lms = [LMS_ALIASES.get(f, f) for f in formats if LMS_ALIASES.get(f, f) in LMS_FORMATS]
    formats = [f for f in formats if LMS_ALIASES.get(f, f) not in LMS_FORMATS]
    writers = [renderer(f) for f in formats]  # unknown formats fail before any work
    check_key_owner(out_dir, exam.id, force)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError("this path exists and is not a folder.", path=str(out_dir))
    langs = parse_langs(lang) or [exam.lang]
    source = "--secret" if secret else ("QUIZGEN_SECRET" if _env_secret() else str(out_dir / ".quizgen-secret"))
    secret_value = resolve_secret(secret, out_dir)
    split = {}  # format -> (paper_parts, its options, assemble, its options)
    for f in formats:
        if f in SPLIT_RENDERERS:
            own, whole = (_function(t) for t in SPLIT_RENDERERS[f])
            split[f] = (own, _options_for(own, render_options), whole, _options_for(whole, render_options))

    def per_paper(info: ExamInfo, paper: StudentPaper) -> tuple[str, dict]:
        # The paper's part of key.json, of its grading index and of every split format,
        # made where the paper is built.
        own_parts = {f: own(info, paper, user_dir=templates, **opts) for f, (own, opts, _, _) in split.items()}
        key_dict = paper.to_dict()
        return (dumps_key_student(key_dict), index_student(key_dict)), own_parts

    files: dict[str, str | bytes | list[str]] = {}
    quizzes = []
    # Only the renderers that take the whole quiz (html, pdf, a user's key template) need
    # the papers back in this process; the Markdown papers and key.json are made per paper.
    keep_papers = bool(templates) or any(f not in split for f in formats)
    for i, one in enumerate(langs):
        # Same secret, same generators: every language gets the same numbers and answers.
        quiz, parts = build_quiz_with(exam, bank, people, secret_value, per_paper, lang=one,
                                      progress=progress if i == 0 else None, keep_papers=keep_papers)
        quizzes.append(quiz)
        prefix = f"{one}/" if len(langs) > 1 else ""
        key_text = key_pieces(KEY_FORMAT, quiz.exam.to_dict(), [key for (key, _), _ in parts])
        key_name = "key" if i == 0 else f"{prefix}key"  # the first language's key at the top
        files[f"{key_name}.json"] = key_text
        files[f"{key_name}.index.msgpack"] = index_file(key_text, [index for (_, index), _ in parts])
        del key_text
        for fmt, write in zip(formats, writers):
            if fmt in split:
                _, _, whole, opts = split[fmt]
                out = whole(quiz, [own_parts[fmt] for _, own_parts in parts], user_dir=templates,
                            joined=False, **opts)
            else:
                out = write(quiz, user_dir=templates, **_options_for(write, render_options))
            files.update({prefix + rel: content for rel, content in out.items()})
        del parts
        if lms:
            info, slots = build_variants(exam, bank, n_variants, secret_value, lang=one)
            for fmt in lms:
                files[f"lms/{prefix}{output_name(info, fmt)}"] = lms_render(info, slots, fmt, one)
    written = write_files(out_dir, files)
    return GenerateResult(written, source, len(people), len(exam.slots), out_dir / "key.json",
                          quizzes[0] if keep_papers else None)


def parse_langs(lang: str | Iterable[str] | None) -> list[str]:
    """``"en,ko"`` / ``["ko"]`` / None -> validated language codes (empty for None)."""
    from .model import LANGS
    if lang is None:
        return []
    items = lang.split(",") if isinstance(lang, str) else list(lang)
    out = [x.strip().lower() for x in items if x.strip()]
    bad = [x for x in out if x not in LANGS]
    if bad:
        raise QuizgenError(f"unknown language '{bad[0]}'.", field="--lang",
                           hint=f"Use {', '.join(LANGS)} or both, e.g. --lang en,ko.")
    return list(dict.fromkeys(out))


def _options_for(write: Callable, options: dict | None) -> dict:
    """The subset of ``options`` that renderer ``write`` accepts."""
    if not options:
        return {}
    import inspect
    params = inspect.signature(write).parameters
    return {k: v for k, v in options.items() if k in params and v is not None}


def render(key_path: str | Path, out_dir: str | Path, *, formats: Iterable[str] = ("pdf",),
           templates: str | Path | None = None, render_options: dict | None = None) -> list[Path]:
    """Typeset papers and key from an existing key.json (e.g. ``formats=("pdf", "html")``)."""
    formats = list(dict.fromkeys(formats)) or ["pdf"]
    writers = [renderer(f) for f in formats]
    quiz = read_key(key_path)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError("this path exists and is not a folder.", path=str(out_dir))
    files: dict[str, str | bytes] = {}
    for write in writers:
        files.update(write(quiz, user_dir=templates, **_options_for(write, render_options)))
    return write_files(out_dir, files)


def practice(topics: Iterable[str] = (), *, n: int = 3, out: str | Path = "practice.html",
             lang: str = "en", seed: int | None = None, level: int | None = None,
             bank_dir: str | Path | None = None, templates: str | Path | None = None) -> tuple[Path, list[Question]]:
    """A practice page with ``n`` fresh variants per topic (all topics when none are given).

    The variants come from ``seed`` (a random one when None), so every run differs unless
    a seed is given. The page holds the answers: it is for practice, not for exams.
    """
    import secrets

    from .render import practice as practice_page
    bank = load_bank(bank_dir)
    known = bank.topics()
    chosen = list(dict.fromkeys(topics)) or list(known)
    for topic in chosen:
        if topic not in known:
            raise QuizgenError(f"unknown topic '{topic}'.", field="TOPIC",
                               hint="Known topics: " + ", ".join(known) + ".")
    lang = (parse_langs(lang) or ["en"])[0]
    rng = np.random.default_rng(secrets.randbits(64) if seed is None else seed)
    questions = []
    for topic in chosen:
        pool = [t for t in known[topic] if level is None or level in t.levels]
        if not pool:
            raise QuizgenError(f"topic '{topic}' has no template with level {level}.", field="--level")
        for i in range(n):
            t = pool[int(rng.integers(len(pool)))]
            lv = level if level is not None else t.level_numbers[i % len(t.level_numbers)]
            questions.append(build_question(t, lv, rng, slot=f"p{len(questions) + 1}", lang=lang))
    html = practice_page.page(questions, lang=lang, topics=chosen, user_dir=templates)
    out = Path(out)
    if out.is_dir():
        raise OutputError("this is a folder; give a file name such as practice.html.", path=str(out))
    write_files(out.parent if str(out.parent) else Path("."), {out.name: html})
    return out, questions


def _env_secret() -> bool:
    import os
    return bool(os.environ.get("QUIZGEN_SECRET"))


def variants(exam_path: str | Path | None, n_variants: int, secret: str, *, lang: str | None = None,
             bank_dir: str | Path | None = None) -> tuple[ExamInfo, list[SlotVariants]]:
    """``n_variants`` independent draws per slot of an exam (for LMS exports)."""
    exam, bank = load(exam_path, bank_dir)
    return build_variants(exam, bank, n_variants, secret, lang=lang)


def export(exam_path: str | Path | None = None, out_dir: str | Path = "export", *,
           formats: Iterable[str] | str = ("moodle", "qti12", "qti21", "gift"), n_variants: int = 20,
           secret: str | None = None, lang: str | None = None,
           bank_dir: str | Path | None = None) -> list[Path]:
    """Write LMS import files with ``n_variants`` draws of every slot into ``out_dir``.

    The secret seeds the draws (as for `generate`) and never appears in the files.
    """
    from .export import export_slots, normalize_formats
    names = normalize_formats(list(formats) if not isinstance(formats, str) else formats)
    if n_variants < 1:
        raise QuizgenError("--variants must be at least 1.", field="--variants")
    exam, bank = load(exam_path, bank_dir)
    langs = parse_langs(lang) or [exam.lang]
    secret_value = resolve_secret(secret, Path(out_dir))
    paths = []
    for one in langs:
        info, slots = build_variants(exam, bank, n_variants, secret_value, lang=one)
        target = Path(out_dir) / one if len(langs) > 1 else Path(out_dir)
        paths += export_slots(info, slots, names, target, lang=one)
    return paths


def preview(template_id: str, *, seed: int = 0, level: int | None = None, lang: str = "en",
            bank_dir: str | Path | None = None) -> Question:
    """One instance of a template from a plain integer seed (for authors, not for exams)."""
    bank = load_bank(bank_dir)
    if template_id not in bank.templates:
        raise QuizgenError(f"unknown template '{template_id}'.", field="TEMPLATE_ID",
                           hint="Run `quizgen bank list` to see the ids.")
    t = bank.templates[template_id]
    lv = level or t.level_numbers[0]
    if lv not in t.levels:
        raise QuizgenError(f"template '{template_id}' has no level {lv}.", field="--level")
    return build_question(t, lv, np.random.default_rng(seed), lang=lang)


def grade(key_path: str | Path, csv_paths: list, out_dir: str | Path, **options):
    """Grade submission CSVs against a key.json; see :func:`quizgen.grading.grade`."""
    from .grading import grade as grade_files
    return grade_files(key_path, list(csv_paths), out_dir, **options)


def simulate(key_path: str | Path, out_path: str | Path, **options):
    """Write a synthetic class's submissions; see :func:`quizgen.grading.simulate`."""
    from .grading import simulate as simulate_class
    return simulate_class(key_path, out_path, **options)


def read_key(path: str | Path) -> Quiz:
    """Load a key.json written by `generate` (validated)."""
    from .grading.keyfile import load_key
    return load_key(path)


__all__ = ["generate", "render", "practice", "export", "variants", "preview", "load", "load_bank", "read_key", "markdown",
           "GenerateResult"]
