"""Benchmark: `quizgen grade` for a simulated class of N students x 20 questions (wide CSV).

Setup (not timed): a 20-slot key for N students and `simulate` of their submissions.
Then it prints

* parse + score throughput (answers/s) in a fresh process, every answer of the CSV
  through :func:`quizgen.grading.scoring.score` (the grader's hot path);
* the whole command `quizgen grade KEY subs.csv --out DIR` (reading, scoring, statistics,
  the report with its histogram, grades/LMS CSVs and 2 feedback files per student):
  median wall time of --runs fresh processes, and the peak memory (max RSS) of the child.

Not a test: the machine is shared and noisy.

    python benchmarks/bench_grade.py [--students 10000] [--runs 5]
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_generate import exam_with_20_slots  # noqa: E402

SCORE_CHILD = r"""
import json, sys, time
from quizgen.grading.columns import SlotMatcher
from quizgen.grading.grader import slot_order
from quizgen.grading.keyfile import load_key
from quizgen.grading.scoring import score
from quizgen.grading.submissions import IdLookup, read_file
quiz = load_key(sys.argv[1])
papers = {p.student.student_id: p for p in quiz.papers}
f = read_file(sys.argv[2], SlotMatcher(slot_order(quiz)), IdLookup(papers), {})
work = [(q, a.answers.get(q.slot)) for a in f.attempts if a.student_id in papers
        for q in papers[a.student_id].questions]
t0 = time.perf_counter()
for q, text in work:
    score(q, text)
dt = time.perf_counter() - t0
print(json.dumps({"answers": len(work), "seconds": dt}))
"""


def make_key(path: Path, students: int) -> None:
    from quizgen import api
    from quizgen.build import build_quiz
    from quizgen.exam import numbered_students
    from quizgen.output import dumps_key
    exam, bank = api.load(exam_with_20_slots(path.parent / "exam.yaml"))
    quiz = build_quiz(exam, bank, numbered_students(students), "bench")
    path.write_text(dumps_key(quiz.to_dict()), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from quizgen.grading import simulate
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        key, subs = tmp / "key.json", tmp / "subs.csv"
        t0 = time.perf_counter()
        make_key(key, args.students)
        sim = simulate(key, subs, seed=1)
        print(f"setup: key + simulated class in {time.perf_counter() - t0:.1f} s "
              f"({sim.rows} rows, {subs.stat().st_size / 1e6:.1f} MB CSV)")
        rates = []
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, "-c", SCORE_CHILD, str(key), str(subs)],
                                 check=True, capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            rates.append(r["answers"] / r["seconds"])
        secs = []
        for k in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "quizgen.cli", "grade", str(key), str(subs),
                            "--out", str(tmp / f"graded{k}")], check=True, capture_output=True)
            secs.append(time.perf_counter() - t0)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"grade: {args.students} students x 20 questions = {r['answers']} answers (wide CSV)")
    print(f"  parse + score: median {statistics.median(rates):,.0f} answers/s "
          f"(runs: {', '.join(f'{x:,.0f}' for x in rates)})")
    print(f"  whole command: median {statistics.median(secs):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in secs)})")
    print(f"  peak memory (max RSS of a child): {rss:.0f} MB")


if __name__ == "__main__":
    main()
