"""Benchmark: `quizgen grade` for a simulated class of N students x 20 questions (wide CSV).

Setup (not timed): a 20-slot key for N students (every template and level of the bank,
as in bench_generate.py) and `simulate` of their submissions. Then, each in fresh
processes, median of --runs:

* parse + score: every answer of the CSV through the grader's scoring function
  (:func:`quizgen.grading.scoring.score`), answers/s by wall clock and by CPU time;
* the whole command `quizgen grade KEY subs.csv --out DIR` (streaming the key, reading
  the CSV, scoring, statistics, the report with its histogram, grades/LMS CSVs) without
  and with the per-student feedback files (Markdown + HTML, which stream the key again);
  wall time and the child's peak memory (max RSS).

Not a test: the machine is shared and noisy (the CPU time is the steadier figure).

    python benchmarks/bench_grade.py [--students 10000] [--runs 5] [--workdir DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_generate import exam_with_20_slots  # noqa: E402

SCORE_CHILD = r"""
import gc, json, sys, time
from quizgen.grading.columns import SlotMatcher
from quizgen.grading.grader import slot_order
from quizgen.grading.keyfile import KeyReader
from quizgen.grading.light import light_paper
from quizgen.grading.scoring import score
from quizgen.grading.submissions import IdLookup, read_file
from quizgen.model import Quiz
gc.disable()  # as grade() does
reader = KeyReader(sys.argv[1])
quiz = Quiz(reader.exam, tuple(light_paper(st) for st in reader.students()))
papers = {p.student.student_id: p for p in quiz.papers}
f = read_file(sys.argv[2], SlotMatcher(slot_order(quiz)), IdLookup(papers), {})
work = [(q, a.answers.get(q.slot)) for a in f.attempts if a.student_id in papers
        for q in papers[a.student_id].questions]
t0, c0 = time.perf_counter(), time.process_time()
for q, text in work:
    score(q, text)
print(json.dumps({"answers": len(work), "wall": time.perf_counter() - t0,
                  "cpu": time.process_time() - c0}))
"""

GRADE_CHILD = r"""
import json, resource, sys, time
from quizgen.cli import main
t0, c0 = time.perf_counter(), time.process_time()
try:
    main(sys.argv[1:])
except SystemExit as e:
    assert not e.code, e.code
print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_key(path: Path, students: int) -> None:
    from quizgen import api
    from quizgen.build import build_quiz
    from quizgen.exam import numbered_students
    from quizgen.output import dumps_key
    exam, bank = api.load(exam_with_20_slots(path.parent / "exam.yaml"))
    quiz = build_quiz(exam, bank, numbered_students(students), "bench")
    path.write_text(dumps_key(quiz.to_dict()), encoding="utf-8")


def child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def median(results: list[dict], field: str) -> float:
    return statistics.median(r[field] for r in results)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workdir", help="keep (and reuse) the key and CSV here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.workdir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        key, subs = work / f"key-{args.students}.json", work / f"subs-{args.students}.csv"
        if not (key.exists() and subs.exists()):
            from quizgen.grading import simulate
            t0 = time.perf_counter()
            make_key(key, args.students)
            simulate(key, subs, seed=1)
            print(f"setup: key + simulated class in {time.perf_counter() - t0:.0f} s")
        print(f"key.json {key.stat().st_size / 1e6:.0f} MB, submissions "
              f"{subs.stat().st_size / 1e6:.1f} MB; {os.cpu_count()} CPUs")
        scores = [child(SCORE_CHILD, str(key), str(subs)) for _ in range(args.runs)]
        n = scores[0]["answers"]
        print(f"parse + score: {n} answers; median {n / median(scores, 'wall'):,.0f} answers/s "
              f"wall, {n / median(scores, 'cpu'):,.0f} answers/s CPU")
        for label, extra in (("without feedback", ["--no-feedback"]), ("with feedback", [])):
            runs = [child(GRADE_CHILD, "grade", str(key), str(subs), "--out",
                          str(work / "graded"), *extra) for _ in range(args.runs)]
            walls = ", ".join(f"{r['wall']:.1f}" for r in runs)
            print(f"grade {label}: median {median(runs, 'wall'):.1f} s wall ({walls}), "
                  f"{median(runs, 'cpu'):.1f} s CPU, "
                  f"peak RSS {max(r['rss_mb'] for r in runs):.0f} MB")


if __name__ == "__main__":
    main()
