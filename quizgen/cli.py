"""The ``quizgen`` command: a thin shell over :mod:`quizgen.api`.

Each command parses options, makes one library call and prints the result. A
:class:`~quizgen.errors.QuizgenError` becomes one paragraph on stderr and exit code 2.
"""
from __future__ import annotations

import functools
import signal
import sys
import threading
import warnings
from pathlib import Path

import click

from . import __version__, api
from .errors import QuizgenError, QuizgenNote, did_you_mean


def _interrupt(signum, frame):
    raise KeyboardInterrupt


_interrupt.quizgen_interrupt = True  # quizgen.output.write_files may take SIGTERM over meanwhile


class ExitOnError(click.Group):
    """Turn QuizgenError into a clear message and exit code 2 for every subcommand; an
    interrupt (Ctrl-C, or SIGTERM, handled alike) into one line and exit code 130; a
    :class:`~quizgen.errors.QuizgenNote` into a note on stderr."""

    def invoke(self, ctx):
        def note(message, category, *args, **kwargs):
            if issubclass(category, QuizgenNote):
                click.echo(f"Note: {message}", err=True)
            else:
                shown(message, category, *args, **kwargs)

        main_thread = threading.current_thread() is threading.main_thread()
        shown, warnings.showwarning = warnings.showwarning, note
        term = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
        try:
            return super().invoke(ctx)
        except QuizgenError as e:
            click.echo(f"Error: {e}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            # (files are moved into place all at once at the end, and put back on an interrupt)
            click.echo("Interrupted: nothing was written; the output folder is as it was.", err=True)
            ctx.exit(130)
        finally:
            if main_thread:
                signal.signal(signal.SIGTERM, term)
            warnings.showwarning = shown


def split_formats(value: str) -> list[str]:
    return [f.strip().lower() for f in value.split(",") if f.strip()]


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def listing(paths, folder, shown: int = 4) -> str:
    """``a, b, c`` or ``a, b, c, d and 5 more`` (paths relative to ``folder``)."""
    names = [str(Path(p).relative_to(folder)) for p in paths]
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def check_templates(templates: str | None, formats) -> None:
    """Refuse a --templates folder nothing would be read from, before any work; print its notes."""
    if templates:
        from .render.usertemplates import check
        for text in check(templates, formats):
            click.echo(f"Note: {text}", err=True)


templates_option = click.option(
    "--templates", type=click.Path(file_okay=False), metavar="DIR",
    help="Your copy of the output templates: DIR/markdown/, DIR/html/, DIR/typst/, DIR/practice/ "
         "with the files you changed (the bundled ones fill in the rest).")


def progress_bar(total: int, label: str):
    """A progress bar on a terminal; silent when stderr is not one."""
    if not sys.stderr.isatty():
        return None, None
    bar = click.progressbar(length=total, label=label, file=sys.stderr)
    return bar, bar.update


def secret_source(secret: str | None, out_dir) -> str:
    """Where this run's secret came from, in the order :func:`~quizgen.variants.resolve_secret`
    tries: ``--secret``, ``$QUIZGEN_SECRET`` or the secret file in ``out_dir``. Click fills
    ``--secret`` from the variable, so its value alone does not tell."""
    import os

    from click.core import ParameterSource

    from .variants import ENV_VAR, SECRET_FILE
    given = click.get_current_context().get_parameter_source("secret")
    if secret and given is not ParameterSource.ENVIRONMENT:
        return "--secret"
    if os.environ.get(ENV_VAR):
        return f"${ENV_VAR}"
    return str(Path(out_dir) / SECRET_FILE)


bank_option = click.option(
    "--bank", "bank_dir", multiple=True, type=click.Path(file_okay=False), metavar="DIR",
    help="Question bank folder (default: the bundled bank). Repeat it to put folders together; "
         "'bundled' is the bundled bank, e.g. --bank bundled --bank my_bank.")


def common_exam_options(f):
    @click.option("--secret", envvar="QUIZGEN_SECRET", default=None,
                  help="Exam secret (else $QUIZGEN_SECRET, else OUT/.quizgen-secret, created once).")
    @click.option("--lang", default=None, metavar="en|ko|en,ko",
                  help="Language of the texts (default: the exam file's lang); "
                       "en,ko writes both (in en/ and ko/), with the same variants.")
    @bank_option
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return f(*args, **kwargs)
    return wrapper


def typeset_options(f):
    @click.option("--duplex", is_flag=True,
                  help="PDF print file: start every student on an odd page (two-sided printing).")
    @click.option("--font-path", "font_paths", multiple=True, type=click.Path(exists=True),
                  help="Folder or file with fonts for the PDFs (e.g. a Korean font); repeatable.")
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        kwargs["font_paths"] = tuple(kwargs.get("font_paths") or ())
        return f(*args, **kwargs)
    return wrapper


@click.group(cls=ExitOnError)
@click.version_option(__version__, prog_name="quizgen")
def main():
    """Randomized, auto-solved deep-learning exercises: generate, render, export, grade."""


@main.command()
@click.argument("exam", required=False, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", default="exam", show_default=True, type=click.Path(file_okay=False),
              help="Output folder.")
@click.option("--roster", type=click.Path(dir_okay=False), help="CSV with a student_id column.")
@click.option("--students", type=click.IntRange(1, 1_000_000), help="Number of numbered students.")
@click.option("--format", "formats", default="md", show_default=True,
              help="Comma-separated: md, html, pdf; and LMS files moodle, qti12, qti21, gift "
                   "(written to OUT/lms/ with --variants draws per slot).")
@click.option("--variants", "n_variants", default=20, show_default=True, type=click.IntRange(1, 100_000),
              help="Variants per slot in the LMS files.")
@templates_option
@click.option("--force", is_flag=True, help="Replace what --out holds: another exam's key.json, or this "
                                          "exam's papers when they would change (other secret, exam "
                                          "file or bank) or students would be dropped.")
@typeset_options
@common_exam_options
def generate(exam, out_dir, roster, students, formats, n_variants, templates, force, duplex, font_paths,
             secret, lang, bank_dir):
    """Write one paper per student, the instructor key and key.json.

    EXAM is an exam YAML file (default: the bundled exam covering the course notes).

    Example: quizgen generate --students 30 --out midterm
    """
    check_templates(templates, split_formats(formats))
    bar, update = progress_bar(students or 30, "Generating") if roster is None else (None, None)
    try:
        if bar:
            bar.__enter__()
        result = api.generate(exam, out_dir, roster=roster, students=students, secret=secret, lang=lang,
                              formats=formats, force=force, templates=templates,
                              bank_dir=bank_dir, progress=update, n_variants=n_variants,
                              render_options={"duplex": duplex, "font_paths": font_paths})
    finally:
        if bar:
            bar.__exit__(None, None, None)
    click.echo(f"Wrote {result.n_papers} papers x {result.n_questions} questions "
               f"({len(result.files)} files) to {out_dir}/ ; key: {Path(out_dir) / 'key.json'}")
    if result.removed:
        click.echo(f"Removed {plural(len(result.removed), 'file')} of the earlier run this run did not rewrite: "
                   f"{listing(result.removed, out_dir)}.")
    if result.incomplete:
        n = len(result.incomplete)
        click.echo(f"Note: {listing(result.incomplete, out_dir)} {'covers' if n == 1 else 'cover'} only the "
                   "earlier students. Generate again with the same --lang and with their formats in "
                   f"--format (or `quizgen render {Path(out_dir) / 'key.json'} --format pdf,html`) to include "
                   "the new ones.")
    click.echo(f"Secret: {secret_source(secret, out_dir)} (keep it to regenerate the same papers).")


@main.command()
@click.argument("exam", required=False, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", default="export", show_default=True, type=click.Path(file_okay=False))
@click.option("--format", "formats", default="moodle,qti12,qti21,gift", show_default=True,
              help="Comma-separated: moodle, qti12 (Canvas), qti21, gift.")
@click.option("--variants", "n_variants", default=20, show_default=True, type=click.IntRange(1, 100_000),
              help="Independent variants per exam slot.")
@click.option("--force", is_flag=True, help="Replace files in --out exported with other draws.")
@common_exam_options
def export(exam, out_dir, formats, n_variants, force, secret, lang, bank_dir):
    """Write LMS import files: N variants of every slot, with tolerances and feedback.

    Example: quizgen export midterm.yaml --format moodle,gift --variants 50 --out lms
    """
    paths = api.export(exam, out_dir, formats=formats, n_variants=n_variants, secret=secret,
                       lang=lang, bank_dir=bank_dir, force=force)
    for p in paths:
        click.echo(f"Wrote {p}")
    click.echo(f"Secret: {secret_source(secret, out_dir)} (keep it to export the same draws again).")


@main.command()
@click.argument("template_id")
@click.option("--seed", default=0, show_default=True, type=int, help="A whole number from 0.")
@click.option("--level", type=int, default=None, help="Difficulty level (default: the lowest).")
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True)
@bank_option
def preview(template_id, seed, level, lang, bank_dir):
    """Print one instance of a template with its answer and worked solution.

    Example: quizgen preview shape.conv2d --seed 3 --level 2
    """
    from .answers import format_answer, letters
    q = api.preview(template_id, seed=seed, level=level, lang=lang, bank_dir=bank_dir)
    words = PREVIEW_WORDS[lang]
    click.echo(f"# {q.title} ({q.template}, {words['level']} {q.level}, seed {seed})\n")
    click.echo(q.prompt + "\n")
    for i, o in enumerate(q.options or ()):
        click.echo(f"{letters(i)}. {o}")
    click.echo(f"\n{words['answer']}: {format_answer(q.answer_type, q.answer_value, q.decimals, q.options)}")
    click.echo(f"\n{words['solution']}:\n{q.solution}\n")
    if q.pytorch:
        click.echo(f"PyTorch:\n{q.pytorch}\n")
    for m in q.misconceptions:
        click.echo(f"{words['misconception']} {m.id} -> "
                   f"{format_answer(q.answer_type, m.value, q.decimals, q.options)}\n  {m.feedback}")


PREVIEW_WORDS = {
    "en": {"level": "level", "answer": "Answer", "solution": "Solution", "misconception": "Misconception"},
    "ko": {"level": "난이도", "answer": "정답", "solution": "풀이", "misconception": "자주 하는 실수"},
}


@main.command("render")
@click.argument("key", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Output folder (default: the folder of KEY; for the top key.json of a "
                   "--lang en,ko folder, its language's folder, as generate wrote it).")
@click.option("--format", "formats", default="pdf", show_default=True,
              help="Comma-separated: pdf, html, md.")
@templates_option
@click.option("--force", is_flag=True, help="Write even when --out holds another exam's key.json, "
                                          "or one with other draws.")
@typeset_options
def render_cmd(key, out_dir, formats, templates, force, duplex, font_paths):
    """Typeset papers and the key again from an existing key.json.

    Example: quizgen render midterm/key.json --format pdf,html --out midterm
    """
    check_templates(templates, split_formats(formats))
    written = api.render(key, out_dir, formats=formats, templates=templates, force=force,
                         render_options={"duplex": duplex, "font_paths": font_paths})
    folder = next(p.parent for p in written if p.name == api.RENDER_RECORD)  # (written at its top)
    click.echo(f"Wrote {len(written)} files to {folder}/")


@main.command("practice")
@click.argument("topics", nargs=-1)
@click.option("--n", "n", default=3, show_default=True, type=click.IntRange(1, 100),
              help="Fresh variants per topic.")
@click.option("--out", "out_path", default="practice.html", show_default=True,
              type=click.Path(dir_okay=False), help="The HTML file to write.")
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True)
@click.option("--seed", type=int, default=None, help="Draw the same variants again (a whole number "
                                                     "from 0; default: new ones).")
@click.option("--level", type=int, default=None, help="Only this difficulty level.")
@bank_option
@templates_option
@click.option("--force", is_flag=True, help="Replace --out even when it is not an earlier practice page "
                                          "(never a key.json).")
def practice_cmd(topics, n, out_path, lang, seed, level, bank_dir, templates, force):
    """Write a self-contained practice page that checks answers in the browser.

    TOPIC is a topic of the bank (see `quizgen bank list`); default: every topic
    (with --level, every topic that has the level).
    The page contains the answers: use it for practice, never for an exam.

    Example: quizgen practice output-shape param-count --n 3 --out practice.html
    """
    path, questions = api.practice(topics, n=n, out=out_path, lang=lang, seed=seed, level=level,
                                   bank_dir=bank_dir, templates=templates, force=force,
                                   note=lambda text: click.echo(f"Note: {text}", err=True))
    click.echo(f"Wrote {plural(len(questions), 'question')} to {path}")


@main.group(cls=ExitOnError)
def bank():
    """Inspect and check the question bank."""


@bank.command("list")
@bank_option
def bank_list(bank_dir):
    """List the templates by topic, with their difficulty levels and languages."""
    b = api.load_bank(bank_dir)
    for topic, templates in sorted(b.topics().items()):
        click.echo(f"{topic}")
        for t in templates:
            levels = ",".join(map(str, t.level_numbers))
            click.echo(f"  {t.id:34s} levels {levels:6s} {t.answer_type:8s} "
                       f"[{','.join(t.languages())}] {t.title['en']}")
    click.echo(f"{plural(len(b.templates), 'template')} in {plural(len(b.topics()), 'topic')} ({b.describe()})")


@bank.command("solvers")
@click.argument("names", nargs=-1)
@bank_option
def bank_solvers(names, bank_dir):
    """What each solver reads and returns, from the templates that use it.

    Solvers are Python functions of quizgen (a bank cannot add one); the templates shown
    are the bundled ones, or with --bank those of the banks given (--bank bundled --bank
    my_bank: both). A template of your own names one of these solvers; copy a bundled
    template's parameters (per level), answer type and misconception ids, then change
    the texts.

    Example: quizgen bank solvers params.dense --bank bundled --bank my_bank
    """
    from .bankcheck import solver_usage
    from .solvers import names as solver_names
    chosen = list(names) or solver_names()
    for name in chosen:
        if name not in solver_names():
            raise QuizgenError(f"unknown solver '{name}'.", field="NAMES",
                               hint=did_you_mean(name, solver_names()) + "Run `quizgen bank solvers` for all.")
    usage = solver_usage(api.load_bank(bank_dir) if bank_dir else None)
    for name in chosen:
        uses = usage.get(name, [])
        click.echo(name)
        if not uses:
            click.echo("  (no template of the bank uses it)" if bank_dir else "  (no bundled template uses it)")
        for t in uses:
            click.echo(f"  used by {t.id} ({t.path})")
            click.echo(f"    answer: {t.answer_type}")
            for lv in t.level_numbers:
                click.echo(f"    level {lv} params: {', '.join(p.name for p in t.levels[lv].space) or '(none: the solver draws them)'}")
            click.echo(f"    misconceptions: {', '.join(m.id for m in t.misconceptions) or '(none)'}")


@bank.command("check")
@bank_option
@click.option("--seeds", default=50, show_default=True, type=click.IntRange(1, 100_000),
              help="Seeds (0 to N-1) built at every level of every template, each in English and "
                   "Korean: 2 x N instances per level. A misconception never produced is looked "
                   "for over 10 x N seeds before it is reported.")
def bank_check(bank_dir, seeds):
    """Load every template and build it over many seeds; exit 2 on any problem.

    Each problem is reported once, with the levels, seeds and languages where it occurs.
    """
    from .bankcheck import check_bank
    b = api.load_bank(bank_dir)
    report = check_bank(b, seeds=seeds, langs=("en", "ko"))
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)
    for p in report.problems[:50]:
        click.echo(f"problem: {p}", err=True)
    if not report.ok:
        raise QuizgenError(f"{plural(len(report.problems), 'problem')} in the bank at {b.describe()}: "
                           f"{plural(report.templates, 'template')}, {report.counted()}.",
                           hint="Each problem above names the file, levels and seeds; "
                                "reproduce one with `quizgen preview ID --level L --seed S`.")
    click.echo(f"OK: {plural(report.templates, 'template')}, {report.counted()}, no problems.")


@main.command()
@click.argument("key", type=click.Path(dir_okay=False))
@click.argument("submissions", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", default="graded", show_default=True,
              type=click.Path(file_okay=False), help="Output folder.")
@click.option("--keep", type=click.Choice(["last", "first", "best"]), default="last",
              show_default=True, help="Which of several submissions of a student counts.")
@click.option("--partial", type=click.Choice(["proportional", "all"]), default="proportional",
              show_default=True, help="Credit per component of shapes, vectors, matrices, "
                                      "or all-or-nothing.")
@click.option("--penalty", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of the points a wrong single-choice answer loses.")
@click.option("--map", "maps", multiple=True, metavar="ROLE=COLUMN|FILE",
              help="Column mapping: student_id=..., timestamp=..., name=..., q1=..., "
                   "question=..., answer=... (repeatable), or a YAML file of such lines.")
@click.option("--allow-missing", "allow_missing", multiple=True, metavar="Q",
              help="Grade a CSV that has no column for question Q (e.g. answered on paper), "
                   "scoring Q as unanswered; without it that is an error (repeatable, or q3,q4).")
@click.option("--encoding", default=None, help="Encoding of the CSV files without a BOM "
                                                "(default: UTF-8); a file with a BOM is read "
                                                "as its BOM says.")
@click.option("--lang", type=click.Choice(["en", "ko"]), default=None,
              help="Language of feedback and report (default: the key's).")
@click.option("--no-feedback", is_flag=True, help="Skip the per-student feedback files.")
@click.option("--mathjax", is_flag=True, help="Math in HTML feedback as TeX for MathJax loaded from "
                                              "a CDN (much faster for huge classes, needs a network) "
                                              "instead of the default offline MathML.")
@click.option("--force", is_flag=True, help="Replace the grading of another key in --out "
                                            "(its feedback files this run does not write are removed).")
def grade(key, submissions, out_dir, keep, partial, penalty, maps, allow_missing, encoding, lang,
          no_feedback, mathjax, force):
    """Grade submission CSVs (wide or long) against KEY (key.json).

    Writes grades.csv, Moodle and Canvas gradebook imports, per-student feedback,
    report.html/report.md and issues.csv into --out. Input files are never modified.

    Example: quizgen grade exam/key.json answers.csv --out graded
    """
    from .grading import grade as grade_files
    from .grading.submissions import parse_map_option
    result = grade_files(key, list(submissions), out_dir, keep=keep, multipart=partial,
                         choice_penalty=penalty, column_map=parse_map_option(maps),
                         encoding=encoding, lang=lang, feedback_files=not no_feedback,
                         mathml=not mathjax, force=force, allow_missing=allow_missing)
    click.echo(result.describe())
    for w in result.warnings:
        click.echo(f"Warning: {w}", err=True)


@main.command()
@click.argument("key", type=click.Path(dir_okay=False))
@click.option("--out", "out_path", default="submissions.csv", show_default=True,
              type=click.Path(dir_okay=False), help="CSV file to write.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--layout", type=click.Choice(["wide", "long"]), default="wide", show_default=True,
              help="One row per student (wide) or one row per answer (long).")
@click.option("--delimiter", type=click.Choice([",", ";", "tab"]), default=",",
              show_default=True)
@click.option("--absent", type=click.FloatRange(0, 1), default=0.05, show_default=True,
              help="Share of students who submit nothing.")
@click.option("--duplicates", type=click.FloatRange(0, 1), default=0.03, show_default=True,
              help="Share of students who submit twice.")
@click.option("--strangers", type=click.IntRange(0), default=2, show_default=True,
              help="Rows from ids the key does not know.")
@click.option("--bom", is_flag=True, help="Start the file with a UTF-8 BOM (as Excel does).")
@click.option("--force", is_flag=True, help="Replace an existing --out file (never a key).")
def simulate(key, out_path, seed, layout, delimiter, absent, duplicates, strangers, bom, force):
    """Write a synthetic class's submissions for KEY, for demos, tests and benchmarks.

    Example: quizgen simulate exam/key.json --out subs.csv
    """
    from .grading import simulate as simulate_class
    result = simulate_class(key, out_path, seed=seed, layout=layout,
                            delimiter="\t" if delimiter == "tab" else delimiter, absent=absent,
                            duplicates=duplicates, strangers=strangers, bom=bom, force=force)
    click.echo(result.describe())


if __name__ == "__main__":  # pragma: no cover
    main()
