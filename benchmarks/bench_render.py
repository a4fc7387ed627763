"""Benchmark: typeset papers of 200 students x 20 questions (PDF via Typst, HTML).

Usage: python benchmarks/bench_render.py [--students 200] [--repeat 5] [--key]

The exam has 20 slots over every question family of the bundled bank (matrices, code,
formulas, choices), so pages are as dense as real exams. The quiz is built once and saved;
each measured run is a fresh Python process (no warm caches: every text is converted,
every formula goes through pandoc, Typst starts cold), timing

* ``pdf``: the combined print file -- question texts to Typst markup, one Typst compile of
  all students' pages (data + compile),
* ``split``: cutting the per-student PDFs out of it (pypdf),
* ``html``: every student's HTML page (Markdown + MathML),
* with ``--key``: the instructor key as PDF and as HTML,
* ``files``: what ``generate --format pdf`` does (``pdf.files``): classes larger than one part
  (25 students) are typeset part by part in short-lived processes, two at a time, and
  joined; papers, print file, and the key with ``--key``.

Prints the median wall and CPU time of each (CPU: this process and its children, e.g.
pandoc and the Typst part processes), the page count and peak memory (of this process,
and of the largest child process; at most two part processes run at once). Wall time depends on other work on the machine;
CPU time does not.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def exam_yaml(bank) -> str:
    """20 slots cycling through every template of the bank at its middle level."""
    templates = sorted(bank.templates.values(), key=lambda t: t.id)
    lines = ["id: bench-render", "title: Deep learning basics - benchmark exam",
             "course: AI & Creativity", "lang: en",
             "instructions: Answer every question in the box below it.", "slots:"]
    for i in range(20):
        t = templates[i % len(templates)]
        levels = t.level_numbers
        lines.append(f"  - {{template: {t.id}, level: {levels[min(1, len(levels) - 1)]}, points: 1}}")
    return "\n".join(lines) + "\n"


def build(students: int, folder: Path) -> Path:
    from quizgen.bank import load_bank
    from quizgen.build import build_quiz
    from quizgen.exam import load_exam, numbered_students
    from quizgen.output import dumps_key
    bank = load_bank()
    exam_path = folder / "exam.yaml"
    exam_path.write_text(exam_yaml(bank), encoding="utf-8")
    quiz = build_quiz(load_exam(exam_path, bank), bank, numbered_students(students), "bench-secret")
    key = folder / "key.json"
    key.write_text(dumps_key(quiz.to_dict()), encoding="utf-8")
    return key


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def one_run(key_path: str, with_key: bool) -> dict:
    """Inside a fresh process: time each stage once."""
    from quizgen.model import Quiz
    from quizgen.render import html, pdf
    quiz = Quiz.from_dict(json.loads(Path(key_path).read_text(encoding="utf-8")))
    out: dict = {}

    def timed(name, fn):
        w, c = time.perf_counter(), _cpu()
        result = fn()
        out[name] = {"wall": time.perf_counter() - w, "cpu": _cpu() - c}
        return result

    font_set = pdf._font_set(quiz, ())

    def combined():
        root = pdf._template_root(None)
        data = pdf.build_data(quiz, key=False, font_set=font_set)
        return pdf.compile_pdf(root, "paper.typ", data, font_set, True)

    blob, ranges = timed("pdf", combined)
    out["pages"] = ranges[-1][1] if ranges else 0
    timed("split", lambda: pdf.split_pdf(blob, ranges))
    timed("html", lambda: [html.student_page(quiz, p) for p in quiz.papers])
    if with_key:
        def key_pdf():
            data = pdf.build_data(quiz, key=True, font_set=font_set)
            return pdf.compile_pdf(pdf._template_root(None), "key.typ", data, font_set)
        kb, _ = timed("key_pdf", key_pdf)
        timed("key_html", lambda: html.key_page(quiz))
    timed("files", lambda: pdf.files(quiz, key=with_key))
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["child_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--key", action="store_true", help="also the instructor key (PDF, HTML)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_run(args.one, args.key)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        key = build(args.students, Path(tmp))
        runs = []
        for _ in range(args.repeat):
            cmd = [sys.executable, __file__, "--one", str(key)] + (["--key"] if args.key else [])
            runs.append(json.loads(subprocess.run(cmd, check=True, capture_output=True,
                                                  text=True, env=os.environ).stdout))
    print(f"{args.students} students x 20 questions, {runs[0]['pages']} pages in the print file, "
          f"median of {args.repeat} fresh processes ({os.cpu_count()} cores)")
    for name in ("pdf", "split", "html", "key_pdf", "key_html", "files"):
        if name in runs[0]:
            walls = [r[name]["wall"] for r in runs]
            cpu = statistics.median(r[name]["cpu"] for r in runs)
            print(f"  {name:9s} wall {statistics.median(walls):6.2f} s "
                  f"(min {min(walls):.2f}, max {max(walls):.2f})   cpu {cpu:6.2f} s")
    print(f"  peak memory {max(r['peak_mib'] for r in runs):.0f} MiB in this process, "
          f"{max(r.get('child_peak_mib', 0) for r in runs):.0f} MiB in the largest child")


if __name__ == "__main__":
    main()
