"""What a Python user imports: everything the CLI does, as plain functions.

>>> from quizgen import api
>>> result = api.generate(out_dir="exam", students=30, secret="s3cret")
>>> result.quiz.papers[0].questions[0].answer_value
"""
from __future__ import annotations

import functools
import importlib
import inspect
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from . import resources
from .bank import Bank, load_bank, locate
from .build import build_quiz_with, build_variants
from .errors import KeyFormatError, OutputError, QuizgenError, TemplateError, did_you_mean
from .exam import Exam, check_languages, load_exam, numbered_students, read_roster
from .grading.keyindex import index_file, index_student
from .instantiate import build_question
from .model import KEY_FORMAT, ExamInfo, Question, Quiz, SlotVariants, StudentPaper
from .output import (CLASS_FILES, ExistingKey, check_key_owner, dumps_key_student, key_pieces,
                     read_key_draws, refuse_to_overwrite, remove_stale_papers, render_folder, student_draws,
                     write_files)
from .render import markdown
from .variants import SECRET_FILE, resolve_secret, variant_code

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
    removed: list[Path] = field(default_factory=list)  # stale files of earlier draws
    incomplete: list[Path] = field(default_factory=list)  # class files covering fewer students

    @cached_property
    def quiz(self) -> Quiz:
        return self.built_quiz if self.built_quiz is not None else read_key(self.key_path)





def format_list(formats: Iterable[str] | str) -> list[str]:
    """``"md,html"`` or ``["md", "HTML"]`` -> ``["md", "html"]``."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    out = [f.strip().lower() for f in items if f.strip()]
    if not out and isinstance(formats, str):  # (an empty --format '' meant the default, silently)
        raise QuizgenError("no format given.", field="--format",
                           hint="Name one or more, e.g. --format md,html, or leave --format out.")
    return out


def renderer(fmt: str, also: Iterable[str] = ()) -> Callable:
    """The renderer of ``fmt``; ``also``: the other formats the caller accepts (for the message)."""
    target = RENDERERS.get(fmt)
    if target is None:
        raise QuizgenError(f"unknown format '{fmt}'.", field="--format",
                           hint="Choose from " + ", ".join([*RENDERERS, *also]) + ".")
    return _function(target)


@contextmanager
def located(bank: Bank, lang: str = "en"):
    """Errors in a template's texts name the template file, field and line (see bank.locate)."""
    try:
        yield
    except TemplateError as e:
        better = locate(e, bank, lang)
        if better is e:
            raise
        raise better from e


def _seed(seed) -> int | None:
    """``--seed`` as numpy takes it: None or a whole number from 0."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise QuizgenError(f"the seed must be a whole number from 0 (got {seed}).", field="--seed",
                           hint="Use e.g. --seed 0, --seed 7 or --seed 2026.")
    return int(seed)


def _check_templates(templates: str | Path | None, formats: list[str]) -> None:
    """A ``templates`` folder nothing would be read from is an error before any work (its
    notes are the CLI's to print)."""
    if templates:
        from .render.usertemplates import check
        check(templates, formats)


def _function(target: str) -> Callable:
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def load(exam_path: str | Path | None = None, bank_dir: str | Path | None = None) -> tuple[Exam, Bank]:
    """Load the bank and an exam file (the bundled default exam when ``exam_path`` is None)."""
    bank = load_bank(bank_dir)
    return load_exam(exam_path or resources.default_exam(), bank), bank


def _leave_no_secret(run):
    """``run`` (generate), and when it fails before writing anything, no secret file it made
    behind it (nor the folder it made for it): an interrupted first run leaves nothing."""
    @functools.wraps(run)
    def generate(*args, **kwargs):
        bound = inspect.signature(run).bind(*args, **kwargs)
        bound.apply_defaults()
        out = Path(bound.arguments["out_dir"])
        made_dir = not out.exists()
        made_secret = not (bound.arguments["secret"] or _env_secret()) and not (out / SECRET_FILE).exists()
        try:
            return run(*args, **kwargs)
        except BaseException:
            if made_secret and out.is_dir() and [p.name for p in out.iterdir()] == [SECRET_FILE]:
                (out / SECRET_FILE).unlink()
                if made_dir:
                    out.rmdir()
            raise
    return generate


@_leave_no_secret
def generate(exam_path: str | Path | None = None, out_dir: str | Path = "exam", *,
             roster: str | Path | None = None, students: int | None = None,
             secret: str | None = None, lang: str | None = None,
             formats: Iterable[str] | str = ("md",), force: bool = False,
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
    formats = list(dict.fromkeys(format_list(formats))) or ["md"]
    lms = [LMS_ALIASES.get(f, f) for f in formats if LMS_ALIASES.get(f, f) in LMS_FORMATS]
    formats = [f for f in formats if LMS_ALIASES.get(f, f) not in LMS_FORMATS]
    writers = [renderer(f, also=LMS_FORMATS) for f in formats]  # unknown formats fail before any work
    _check_templates(templates, formats)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError("this path exists and is not a folder.", path=str(out_dir))
    old = check_key_owner(out_dir, exam.id, force)
    langs = parse_langs(lang) or [exam.lang]
    check_languages(exam, bank, langs)
    source = "--secret" if secret else ("$QUIZGEN_SECRET" if _env_secret() else str(out_dir / SECRET_FILE))
    if old is not None and not force and not secret and not _env_secret() and not (out_dir / SECRET_FILE).exists():
        raise OutputError(f"it holds key.json of exam '{old.exam_id}' ({len(old.students)} students), but no "
                          f"secret was given (no --secret, $QUIZGEN_SECRET or {SECRET_FILE}), so its papers "
                          "cannot be made again.", path=str(out_dir),
                          hint="Pass the secret it was made with, choose another --out folder, or pass "
                               "--force to replace that exam with new draws.")
    secret_value = resolve_secret(secret, out_dir)
    replaced = _check_replaced(old, exam, people, secret_value, force)
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
        with located(bank, one):
            quiz, parts = build_quiz_with(exam, bank, people, secret_value, per_paper, lang=one,
                                          progress=progress if i == 0 else None, keep_papers=keep_papers)
        quizzes.append(quiz)
        if i == 0 and old is not None and old.exam_id == exam.id:
            replaced |= _check_redrawn(old, [key for (key, _), _ in parts], force)
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
        if i == 0 and prefix and any(k.startswith(prefix + "papers/") for k in files):
            # en/ has no key.json of its own: say whose papers it holds, as render does
            files[prefix + RENDER_RECORD] = _render_record(
                exam.id, {p.student_id: variant_code(secret_value, exam.id, p.student_id) for p in people})
        del parts
        if lms:
            with located(bank, one):
                info, slots = build_variants(exam, bank, n_variants, secret_value, lang=one)
            target, digest = out_dir / "lms" / prefix, _draws_digest(slots)
            record = _export_record(target)
            for fmt in lms:
                name = output_name(info, fmt)
                files[f"lms/{prefix}{name}"] = content = lms_render(info, slots, fmt, one)
                _check_lms_file(target / name, record, digest, content, force)
                record[name] = digest
            files[f"lms/{prefix}{EXPORT_RECORD}"] = json.dumps({"files": dict(sorted(record.items()))},
                                                               indent=1) + "\n"
    written = write_files(out_dir, files)
    stale = set(replaced)
    if len(langs) > 1 and old is not None and old.exam_id == exam.id:
        # the papers of an earlier run in one language sit at the top (or a key of another first
        # language under en/, ko/): the language folders hold them now, so they go too
        stale |= set(old.students)
    removed = remove_stale_papers(out_dir, stale, files, old.exam_id if old is not None else None)
    incomplete = []
    if old is not None and not replaced and any(p.student_id not in old.students for p in people):
        # a larger class, the same draws: the earlier key and print files of other formats stay
        incomplete = [out_dir / rel for rel in [prefix + name for prefix in ("", "en/", "ko/")
                                                for name in CLASS_FILES] + ["en/key.json", "ko/key.json"]
                      if rel not in files and (out_dir / rel).is_file()]
    return GenerateResult(written, source, len(people), len(exam.slots), out_dir / "key.json",
                          quizzes[0] if keep_papers else None, removed, incomplete)


def _check_replaced(old: ExistingKey | None, exam: Exam, people: list, secret: str, force: bool) -> set[str]:
    """Students of the key.json already in --out whose papers this run drops or changes.

    Without ``force``, OutputError when there is any: their papers may have been handed out.
    (Papers that change although the variant codes stay are found after the build, by
    :func:`_check_redrawn`.)
    """
    if old is None:
        return set()
    if old.exam_id != exam.id:  # only with --force
        return set(old.students)
    dropped = old.dropped(p.student_id for p in people)
    if dropped and not force:
        shown = ", ".join(dropped[:5]) + (", ..." if len(dropped) > 5 else "")
        raise OutputError(f"its key.json of exam '{exam.id}' has {len(dropped)} student(s) this run would "
                          f"drop ({shown}); their papers would then match no key.", path=str(old.path.parent),
                          hint="Generate for the same roster (or --students N) as before, choose another "
                               "--out folder, or pass --force to replace the exam (their papers are removed).")
    new_codes = {p.student_id: variant_code(secret, exam.id, p.student_id) for p in people
                 if p.student_id in old.students}
    changed = [sid for sid, code in new_codes.items() if old.students[sid][0] != code]
    if changed and not force:
        sid = changed[0]
        raise OutputError(f"its key.json of exam '{exam.id}' was made with another secret: the papers of "
                          f"{len(changed)} student(s) would change (the variant code of '{sid}' from "
                          f"{old.students[sid][0]} to {new_codes[sid]}).", path=str(old.path.parent),
                          hint="Pass the secret it was made with, choose another --out folder, or pass "
                               "--force if no paper has been handed out yet.")
    return set(dropped) | set(changed)


def _check_redrawn(old: ExistingKey, key_parts: list[bytes], force: bool) -> set[str]:
    """Students of ``old`` whose questions differ in the new key (new exam file or bank)."""
    changed = old.changed(dict(student_draws(part) for part in key_parts))
    if changed and not force:
        raise OutputError(f"its key.json of exam '{old.exam_id}' holds other questions: the papers of "
                          f"{len(changed)} student(s) would change (first: '{changed[0]}'), because the exam "
                          "file or the question bank changed since it was written.", path=str(old.path.parent),
                          hint="Write the new version into another --out folder, or pass --force if no "
                               "paper has been handed out yet.")
    return set(changed)


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


def render(key_path: str | Path, out_dir: str | Path | None = None, *,
           formats: Iterable[str] | str = ("pdf",),
           templates: str | Path | None = None, render_options: dict | None = None,
           force: bool = False) -> list[Path]:
    """Typeset papers and key from an existing key.json (e.g. ``formats=("pdf", "html")``).

    ``out_dir`` defaults to the key's folder (for the top key.json of a ``--lang en,ko``
    folder, its language's folder: :func:`quizgen.output.render_folder`). Unless ``force``,
    refuses an ``out_dir`` whose key.json is another exam's or has other draws for a student
    of this key (the papers there would then disagree with it).
    """
    formats = list(dict.fromkeys(format_list(formats))) or ["pdf"]
    writers = [renderer(f) for f in formats]
    _check_templates(templates, formats)
    quiz = read_key(key_path)
    _check_printable(quiz, key_path)
    out_dir = Path(out_dir) if out_dir is not None else render_folder(key_path, quiz.exam.lang)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError("this path exists and is not a folder.", path=str(out_dir))
    there = out_dir / "key.json"
    old = check_key_owner(out_dir, quiz.exam.id, force)
    replaced: set[str] = set()
    if old is not None and not _same_file(there, Path(key_path)):
        changed = (old.changed(read_key_draws(Path(key_path)).students) if old.exam_id == quiz.exam.id
                   else sorted(old.students))
        if changed and not force:
            raise OutputError(f"it holds another key.json of exam '{old.exam_id}': the papers of {len(changed)} "
                              f"student(s) (first: '{changed[0]}') would not match it.", path=str(out_dir),
                              hint="Choose another --out folder, or pass --force to write them anyway (the "
                                   "papers of theirs this render does not rewrite are removed; key.json stays).")
        left = old.dropped(p.student.student_id for p in quiz.papers)
        if left and not force:
            raise OutputError(f"its key.json has {len(left)} student(s) this key does not have (first: "
                              f"'{left[0]}'): the key and print files written here would leave them out.",
                              path=str(out_dir),
                              hint="Render the folder's own key.json, choose another --out folder, or pass "
                                   "--force to write them anyway.")
        replaced = set(changed)
    codes = {p.student.student_id: p.variant for p in quiz.papers}
    if old is None:
        replaced = _check_rendered(out_dir, quiz.exam.id, codes, force)
    files: dict[str, str | bytes] = {}
    for write in writers:
        files.update(write(quiz, user_dir=templates, **_options_for(write, render_options)))
    files[RENDER_RECORD] = _render_record(quiz.exam.id, codes)
    written = write_files(out_dir, files)
    # (render never removes a key.json, not even a language's own)
    remove_stale_papers(out_dir, replaced, files, old.exam_id if old is not None else quiz.exam.id, keys=False)
    return written


RENDER_RECORD = ".quizgen-render.json"  # what `render` last wrote into a folder without key.json


def _render_record(exam_id: str, codes: dict) -> str:
    """The record of the papers a folder without key.json holds: exam id, variant per student
    (written by `render`, and by `generate` into the first language's folder of en,ko)."""
    return json.dumps({"exam": exam_id, "variants": codes}, ensure_ascii=False, sort_keys=True) + "\n"


def _check_rendered(out_dir: Path, exam_id: str, codes: dict, force: bool) -> set[str]:
    """Students whose papers `render` typeset earlier into ``out_dir`` and this render replaces
    with other draws or leaves out (another exam, another secret, another class).

    Without ``force`` that is an OutputError: the folder would hold a mix, and its key
    files would describe only some of its papers. (A folder without key.json has only the
    record of the last render to tell its papers apart; a larger class of the same draws
    is fine.)
    """
    record = out_dir / RENDER_RECORD
    if not record.is_file():
        return set()
    try:
        earlier = json.loads(record.read_text(encoding="utf-8"))
        other, old_codes = earlier["exam"], dict(earlier["variants"])
    except (OSError, ValueError, KeyError, TypeError):
        return set()  # an unreadable record protects nothing; the files are replaced as before
    if other != exam_id:
        replaced = set(old_codes)
        what = f"the papers of exam '{other}'"
    else:
        changed = [sid for sid, code in codes.items() if sid in old_codes and old_codes[sid] != code]
        left = sorted(sid for sid in old_codes if sid not in codes)
        replaced = set(changed) | set(left)
        what = (f"papers of other draws (first: '{changed[0]}', variant {old_codes[changed[0]]})" if changed else
                f"papers of {len(left)} student(s) this key does not have (first: '{left[0]}')" if left else "")
    if replaced and not force:
        raise OutputError(f"it holds {what}, typeset earlier by `quizgen render`; writing this key's papers "
                          "there would leave a mix.", path=str(out_dir),
                          hint="Choose another --out folder, or pass --force to replace them (the earlier "
                               "papers this render does not rewrite are removed).")
    return replaced


def _same_file(a: Path, b: Path) -> bool:
    import filecmp
    try:
        return a.samefile(b) or filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def _check_printable(quiz: Quiz, path: str | Path) -> None:
    """KeyFormatError for a question without the text a paper prints (grading does not need it)."""
    for i, paper in enumerate(quiz.papers):
        for j, q in enumerate(paper.questions):
            if not isinstance(q.prompt, str) or not q.prompt.strip():
                raise KeyFormatError(f"student '{paper.student.student_id}', question '{q.slot}' has no "
                                     "prompt, so its paper would show no question.", path=str(path),
                                     field=f"students[{i}].questions[{j}].prompt",
                                     hint="Render the key.json that `quizgen generate` wrote, unchanged, "
                                          "or generate the exam again.")


# The first line of every practice page after its doctype: lets `practice` replace its own
# earlier pages, and only those, without --force.
PRACTICE_MARK = "<!-- quizgen practice page -->"


def practice(topics: Iterable[str] = (), *, n: int = 3, out: str | Path = "practice.html",
             lang: str = "en", seed: int | None = None, level: int | None = None,
             bank_dir: str | Path | None = None, templates: str | Path | None = None,
             force: bool = False, note: Callable[[str], None] | None = None) -> tuple[Path, list[Question]]:
    """A practice page with ``n`` fresh variants per topic (all topics when none are given).

    The variants come from ``seed`` (a random one when None), so every run differs unless
    a seed is given. The page holds the answers: it is for practice, not for exams.
    An existing ``out`` is replaced only when it is an earlier practice page, or with
    ``force``; a key.json never.

    A topic named in ``topics`` that has no template with ``level`` or with texts in
    ``lang`` is an error; with no topics given such topics are left out, and ``note``
    (when given) is called with a sentence naming them. It is an error only when no topic
    is left. A ``templates`` folder with no ``practice/`` file of the bundled names is an
    error (:func:`quizgen.render.usertemplates.check`).
    """
    import secrets

    from .render import practice as practice_page
    from .render.usertemplates import check as check_templates
    for text in check_templates(templates, ["practice"]) if templates else ():
        if note:
            note(text)
    seed = _seed(seed)
    out = Path(out)
    refuse_to_overwrite(out, force, "practice page", PRACTICE_MARK.encode())
    bank = load_bank(bank_dir)
    known = bank.topics()
    named = list(dict.fromkeys(topics))
    chosen = named or list(known)
    for topic in chosen:
        if topic not in known:
            raise QuizgenError(f"unknown topic '{topic}'.", field="TOPIC",
                               hint=did_you_mean(topic, known) + "Known topics: " + ", ".join(sorted(known)) + ".")
    lang = (parse_langs(lang) or ["en"])[0]
    rng = np.random.default_rng(secrets.randbits(64) if seed is None else seed)

    def levels_of(templates) -> str:
        return ", ".join(map(str, sorted({lv for t in templates for lv in t.levels})))

    pools: dict[str, list] = {}
    no_lang, no_level = [], []   # topics left out (only when no topic is named)
    for topic in chosen:
        # only templates with texts in the page's language (no English question on a Korean page)
        in_lang = [t for t in known[topic] if lang in t.languages()]
        if not in_lang and named:
            raise QuizgenError(f"no template of topic '{topic}' has '{lang}' texts.", field="--lang",
                               hint="Choose another topic or language, or add the texts to its templates.")
        pool = [t for t in in_lang if level is None or level in t.levels]
        if not pool and named:
            raise QuizgenError(f"topic '{topic}' has no template with level {level}.", field="--level",
                               hint=f"Its levels: {levels_of(known[topic])}.")
        if pool:
            pools[topic] = pool
        else:
            (no_level if in_lang else no_lang).append(topic)
    if not pools:
        if no_level:
            raise QuizgenError(f"no topic has a template with level {level}" +
                               (f" and '{lang}' texts." if no_lang else "."), field="--level",
                               hint=f"The bank's levels: {levels_of(t for ts in known.values() for t in ts)}.")
        raise QuizgenError(f"no template of the bank has '{lang}' texts.", field="--lang",
                           hint="Choose another language, or add the texts to the templates.")
    if note and no_level:
        note(f"left out {_plural_topics(no_level)} with no template at level {level}: {', '.join(no_level)}.")
    if note and no_lang:
        note(f"left out {_plural_topics(no_lang)} with no '{lang}' texts: {', '.join(no_lang)}.")
    chosen = list(pools)
    questions = []
    for topic, pool in pools.items():
        for i in range(n):
            t = pool[int(rng.integers(len(pool)))]
            lv = level if level is not None else t.level_numbers[i % len(t.level_numbers)]
            with located(bank, lang):
                questions.append(build_question(t, lv, rng, slot=f"p{len(questions) + 1}", lang=lang))
    html = practice_page.page(questions, lang=lang, topics=chosen, user_dir=templates)
    doctype, newline, rest = html.partition("\n")
    html = (f"{doctype}\n{PRACTICE_MARK}\n{rest}" if newline and doctype.lower().startswith("<!doctype")
            else f"{PRACTICE_MARK}\n{html}")
    write_files(out.parent if str(out.parent) else Path("."), {out.name: html})
    return out, questions


def _plural_topics(topics: list) -> str:
    return "1 topic" if len(topics) == 1 else f"{len(topics)} topics"


def _env_secret() -> bool:
    import os
    return bool(os.environ.get("QUIZGEN_SECRET"))


def variants(exam_path: str | Path | None, n_variants: int, secret: str, *, lang: str | None = None,
             bank_dir: str | Path | None = None) -> tuple[ExamInfo, list[SlotVariants]]:
    """``n_variants`` independent draws per slot of an exam (for LMS exports)."""
    exam, bank = load(exam_path, bank_dir)
    return build_variants(exam, bank, n_variants, secret, lang=lang)


EXPORT_RECORD = ".quizgen-export.json"  # beside exported files: {"files": {name: digest of its draws}}


def export(exam_path: str | Path | None = None, out_dir: str | Path = "export", *,
           formats: Iterable[str] | str = ("moodle", "qti12", "qti21", "gift"), n_variants: int = 20,
           secret: str | None = None, lang: str | None = None,
           bank_dir: str | Path | None = None, force: bool = False) -> list[Path]:
    """Write LMS import files with ``n_variants`` draws of every slot into ``out_dir``.

    The secret seeds the draws (as for `generate`) and never appears in the files. A digest
    of each file's draws is recorded in ``.quizgen-export.json`` beside it; unless ``force``,
    an existing file made with other draws (another secret, exam, bank or --variants) is
    not replaced.
    """
    from .export import normalize_formats, output_name, render as lms_render
    names = normalize_formats(list(formats) if not isinstance(formats, str) else formats)
    if n_variants < 1:
        raise QuizgenError("--variants must be at least 1.", field="--variants")
    exam, bank = load(exam_path, bank_dir)
    langs = parse_langs(lang) or [exam.lang]
    check_languages(exam, bank, langs)
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise OutputError("this path exists and is not a folder.", path=str(out_dir))
    earlier = [Path(out_dir) / EXPORT_RECORD] + [Path(out_dir) / one / EXPORT_RECORD for one in langs]
    if not secret and not _env_secret() and not (Path(out_dir) / SECRET_FILE).exists() \
            and any(r.is_file() for r in earlier) and not force:
        raise OutputError("it holds LMS files exported earlier, but no secret was given (no --secret, "
                          f"$QUIZGEN_SECRET or {SECRET_FILE}), so the same draws cannot be made again.",
                          path=str(out_dir),
                          hint="Pass the secret they were made with, choose another --out folder, or pass "
                               "--force to replace them with new draws.")
    secret_value = resolve_secret(secret, Path(out_dir))
    jobs = []
    for one in langs:  # every target is checked before anything is written
        with located(bank, one):
            info, slots = build_variants(exam, bank, n_variants, secret_value, lang=one)
        target = Path(out_dir) / one if len(langs) > 1 else Path(out_dir)
        record, digest = _export_record(target), _draws_digest(slots)
        for fmt in names:
            name = output_name(info, fmt)
            path = target / name
            if path.is_dir():
                raise OutputError("this is a folder, where the export must write a file.", path=str(path),
                                  hint="Move or remove that folder and run again.")
            _check_lms_file(path, record, digest, lambda: lms_render(info, slots, fmt, one), force)
        jobs.append((one, info, slots, target, record, digest))
    files: dict[str, bytes | str] = {}  # every language's files and records: one all-or-nothing write
    for one, info, slots, target, record, digest in jobs:
        prefix = f"{one}/" if len(langs) > 1 else ""
        for fmt in names:
            files[prefix + output_name(info, fmt)] = lms_render(info, slots, fmt, one)
        record.update({output_name(info, fmt): digest for fmt in names})
        files[prefix + EXPORT_RECORD] = json.dumps({"files": dict(sorted(record.items()))}, indent=1) + "\n"
    write_files(Path(out_dir), files)
    return [Path(out_dir) / rel for rel in files if not rel.endswith(EXPORT_RECORD)]


def _check_lms_file(path: Path, record: dict, digest: str, content, force: bool) -> None:
    """OutputError when ``path`` holds an LMS file of other draws than this run's, by its
    record in ``.quizgen-export.json`` (``content``: this run's file, or a function making it)."""
    if force or not path.is_file() or record.get(path.name) == digest:
        return
    if path.name not in record:
        mine = content() if callable(content) else content
        if path.read_bytes() == (mine.encode("utf-8") if isinstance(mine, str) else mine):
            return  # no record of it, but it is exactly what this run writes
    raise OutputError("it was exported with other draws (another --secret, exam file, question bank or "
                      "--variants) than this run would write.", path=str(path),
                      hint="Choose another --out folder, or pass --force to replace it.")


def _export_record(target: Path) -> dict:
    try:
        data = json.loads((target / EXPORT_RECORD).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _draws_digest(slots: list[SlotVariants]) -> str:
    """SHA-256 of what the variants were drawn as (family, level, parameters, answer; not the wording)."""
    import hashlib
    draws = [[sv.slot, [[q.template, q.level, q.params, q.answer_type, q.answer_value] for q in sv.variants]]
             for sv in slots]
    return "sha256:" + hashlib.sha256(json.dumps(draws, sort_keys=True).encode("utf-8")).hexdigest()


def preview(template_id: str, *, seed: int = 0, level: int | None = None, lang: str = "en",
            bank_dir: str | Path | None = None) -> Question:
    """One instance of a template from a plain integer seed (for authors, not for exams)."""
    bank = load_bank(bank_dir)
    if template_id not in bank.templates:
        raise QuizgenError(f"unknown template '{template_id}'.", field="TEMPLATE_ID",
                           hint=did_you_mean(template_id, bank.templates) + "Run `quizgen bank list` to see the ids.")
    t = bank.templates[template_id]
    if lang not in t.languages():
        raise QuizgenError(f"template '{template_id}' has no '{lang}' texts (it has: "
                           f"{', '.join(t.languages()) or 'none complete'}).", field="--lang",
                           hint=f"Preview it with --lang {t.languages()[0] if t.languages() else 'en'}, or add "
                                f"'{lang}:' texts to {t.path}.")
    lv = t.level_numbers[0] if level is None else level
    if lv not in t.levels:
        raise QuizgenError(f"template '{template_id}' has no level {lv}.", field="--level",
                           hint=f"Its levels: {', '.join(map(str, t.level_numbers))}.")
    with located(bank, lang):
        return build_question(t, lv, np.random.default_rng(_seed(seed)), lang=lang)


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
