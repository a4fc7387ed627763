"""Benchmark: where one question of `generate` spends its CPU time, in one process.

`generate` (bench_generate.py) makes a question in five steps. This script times each of
them alone over the same papers (the default exam, --students of them), as microseconds of
CPU per question instance (median of --runs), so that the parts that any faster sampling or
solving would leave in place can be told from those it would remove:

  generator   the (student, slot) generator: HMAC-SHA256 of the secret, then NumPy's PCG64
              seeded from it (issue #2 asks for exactly this generator per question);
  draw+solve  sampling the parameters and solving (instantiate._draw);
  jinja       the question's Jinja texts (prompt, worked solution, misconception feedback,
              PyTorch snippet: instantiate.render_text);
  record      the rest of build_question: misconceptions told apart from the answer and
              from each other, options shuffled, parameters made plain, the Question;
  key.json    the paper's key.json part and its grading-index part (api.generate's per_paper);
  markdown    the paper's Markdown file and its section of key.md (render.markdown.paper_parts).

It also prints what those figures allow: the question instances per second of two cores
that do nothing else (2 / total CPU seconds per question), against issue #2's 20,000/s.
Not a test.

    python benchmarks/bench_floor.py [--students 300] [--runs 5]
"""
from __future__ import annotations

import argparse
import statistics
import time

from quizgen import api
from quizgen import instantiate
from quizgen.build import exam_info, question_for
from quizgen.grading.keyindex import index_student
from quizgen.model import Student, StudentPaper
from quizgen.output import dumps_key_student
from quizgen.render import markdown
from quizgen.variants import slot_rng, variant_code

SECRET = "bench"


def _cpu() -> float:
    return time.process_time()


def one_run(exam, bank, students) -> dict[str, float]:
    """CPU seconds of each step over every (student, slot) of ``students``."""
    slots = exam.slots
    out = {}
    t = _cpu()
    for s in students:
        for slot in slots:
            slot_rng(SECRET, exam.id, s.student_id, slot.name)
    out["generator"] = _cpu() - t

    templates = {slot.name: bank.templates[slot.template] for slot in slots}
    drawn = {}
    t = _cpu()
    for s in students:
        for slot in slots:
            rng = slot_rng(SECRET, exam.id, s.student_id, slot.name)
            drawn[s.student_id, slot.name] = instantiate._draw(templates[slot.name], slot.level, rng)
    out["draw+solve"] = _cpu() - t - out["generator"]

    # build_question again, with each draw served from the run above: what remains is the texts
    real_draw, real_render = instantiate._draw, instantiate.render_text
    papers = []
    jinja = [0.0]

    def timed_render(*a, **k):
        t0 = _cpu()
        try:
            return real_render(*a, **k)
        finally:
            jinja[0] += _cpu() - t0
    instantiate.render_text = timed_render
    try:
        for s in students:
            def served(template, level, rng, _s=s):
                return drawn[_s.student_id, served.slot]
            instantiate._draw = served
            qs = []
            t = _cpu()
            for slot in slots:
                served.slot = slot.name
                qs.append(question_for(exam, bank, slot, SECRET, s.student_id, exam.lang))
            out["record"] = out.get("record", 0.0) + _cpu() - t
            papers.append(StudentPaper(s, variant_code(SECRET, exam.id, s.student_id), tuple(qs)))
    finally:
        instantiate._draw, instantiate.render_text = real_draw, real_render
    out["jinja"] = jinja[0]
    out["record"] -= out["generator"] + jinja[0]  # question_for made the generators again

    info = exam_info(exam, bank, exam.lang)
    t = _cpu()
    for p in papers:
        d = p.to_dict()
        dumps_key_student(d), index_student(d)
    out["key.json"] = _cpu() - t
    t = _cpu()
    for p in papers:
        markdown.paper_parts(info, p)
    out["markdown"] = _cpu() - t
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=300)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    exam, bank = api.load(None)
    students = [Student(f"s{i:04d}") for i in range(1, args.students + 1)]
    one_run(exam, bank, students[:20])  # warm: compiled templates, imports
    runs = [one_run(exam, bank, students) for _ in range(args.runs)]
    n = len(students) * len(exam.slots)
    print(f"default exam, {args.students} students x {len(exam.slots)} questions = {n} instances, "
          f"median of {args.runs} runs, one process")
    total = 0.0
    for step in runs[0]:
        us = statistics.median(r[step] for r in runs) / n * 1e6
        total += us
        print(f"  {step:11s} {us:7.1f} us CPU per question")
    rest = total - statistics.median(r["draw+solve"] for r in runs) / n * 1e6
    print(f"  {'all':11s} {total:7.1f} us  -> at most {2e6 / total:,.0f} instances/s on two idle cores")
    print(f"  without draw+solve {rest:.1f} us -> at most {2e6 / rest:,.0f} instances/s even if sampling "
          f"and solving cost nothing (target 20,000/s needs <= 100 us for all)")


if __name__ == "__main__":
    main()
