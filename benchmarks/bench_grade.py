"""Benchmark: `quizgen grade` for a simulated class of N students x 20 questions (wide CSV).

Setup (not timed): a 20-slot key for N students (every template and level of the bank,
as in bench_generate.py) with the grading index `generate` writes beside it
(`key-N.index.msgpack`), and `simulate` of their submissions. Then, each in fresh
processes, median of --runs:

* parse + score, two figures: every answer through the scoring function in one process
  (:func:`quizgen.grading.scoring.score`), and the grader's whole read-and-score stage
  (:func:`quizgen.grading.grader.grade_files`: reading the CSV, matching students,
  parsing and scoring every answer); answers/s;
* the whole command `quizgen grade KEY subs.csv --out DIR --no-feedback` (key, CSV,
  scoring, statistics, the report with its histogram, grades/LMS CSVs): with the index,
  and with the key alone (a hard link to key.json in a folder without the index);
  wall time, CPU time of the process and its children, peak memory (max RSS);
* with ``--feedback-runs K``: the same with the per-student feedback files too.

Not a test: the machine is shared and noisy.

    python benchmarks/bench_grade.py [--students 10000] [--runs 5] [--workdir DIR] [--exam default]
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
from quizgen import answers
from quizgen.grading.columns import SlotMatcher
from quizgen.grading.grader import grade_files, slot_order
from quizgen.grading.keyfile import KeyReader
from quizgen.grading.pipeline import light_papers
from quizgen.grading.scoring import score
from quizgen.grading.submissions import IdLookup, read_file
from quizgen.model import Quiz
gc.disable()  # as grade() does
reader = KeyReader(sys.argv[1])
papers, notes = light_papers(reader)
quiz = Quiz(reader.exam, tuple(papers))
by_id = {p.student.student_id: p for p in quiz.papers}
t0, c0 = time.perf_counter(), time.process_time()
g = grade_files(quiz, [sys.argv[2]], notes=notes)
stage = time.perf_counter() - t0
n_stage = sum(len(s.marks) for s in g.students if s.attempt)
f = read_file(sys.argv[2], SlotMatcher(slot_order(quiz)), IdLookup(by_id), {})
work = [(q, a.answers.get(q.slot)) for a in f.attempts if a.student_id in by_id
        for q in by_id[a.student_id].questions]
answers._CACHE.clear()  # grade_files filled the parse cache with these very texts
t0, c0 = time.perf_counter(), time.process_time()
for q, text in work:
    score(q, text)
print(json.dumps({"answers": len(work), "wall": time.perf_counter() - t0,
                  "cpu": time.process_time() - c0, "stage_answers": n_stage,
                  "stage_wall": stage}))
"""

GRADE_CHILD = r"""
import json, os, resource, sys, time
from quizgen.cli import main
t0 = time.perf_counter()
try:
    main(sys.argv[1:])
except SystemExit as e:
    assert not e.code, e.code
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": time.perf_counter() - t0,
                  "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
                  "rss_mb": me.ru_maxrss / 1024, "child_rss_mb": kids.ru_maxrss / 1024}))
"""


def make_key(path: Path, students: int, which: str = "bench") -> None:
    """key.json and its grading index, written as `generate` writes them.

    ``which``: ``bench`` (20 slots cycling through every template and level: a
    matrix-heavy mix) or ``default`` (the bundled default exam: a typical mix).
    """
    from quizgen import api
    from quizgen.build import build_quiz
    from quizgen.exam import numbered_students
    from quizgen.grading.keyindex import index_file, index_path, index_student
    from quizgen.model import KEY_FORMAT
    from quizgen.output import dumps_key_student, key_pieces
    exam, bank = api.load(None if which == "default" else exam_with_20_slots(path.parent / "exam.yaml"))
    quiz = build_quiz(exam, bank, numbered_students(students), "bench")
    dicts = [p.to_dict() for p in quiz.papers]
    text = key_pieces(KEY_FORMAT, quiz.exam.to_dict(), [dumps_key_student(d) for d in dicts])
    with open(path, "wb") as f:  # key_pieces: UTF-8 bytes pieces
        f.writelines(text)
    index_path(path).write_bytes(index_file(text, [index_student(d) for d in dicts]))


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
    ap.add_argument("--feedback-runs", type=int, default=0)
    ap.add_argument("--workdir", help="keep (and reuse) the key and CSV here")
    ap.add_argument("--exam", choices=("bench", "default"), default="bench",
                    help="bench: every template and level in turn (matrix-heavy); "
                         "default: the bundled default exam")
    args = ap.parse_args()
    from quizgen.grading.keyindex import index_path
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.workdir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        tag = f"{args.students}" if args.exam == "bench" else f"{args.exam}-{args.students}"
        key, subs = work / f"key-{tag}.json", work / f"subs-{tag}.csv"
        if not (key.exists() and subs.exists() and index_path(key).exists()):
            # In a child process: Linux keeps a process's peak RSS across fork + exec, so a
            # large setup here would inflate every measured child's figure.
            t0 = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--setup", str(key), str(subs),
                            str(args.students), args.exam], check=True)
            print(f"setup: key + index + simulated class in {time.perf_counter() - t0:.0f} s")
        bare = work / "key-only" / key.name  # the same key without its index beside it
        bare.parent.mkdir(exist_ok=True)
        if not bare.exists():
            os.link(key, bare)
        print(f"key.json {key.stat().st_size / 1e6:.0f} MB, index "
              f"{index_path(key).stat().st_size / 1e6:.0f} MB, submissions "
              f"{subs.stat().st_size / 1e6:.1f} MB; {os.cpu_count()} CPUs")
        scores = [child(SCORE_CHILD, str(key), str(subs)) for _ in range(args.runs)]
        n, n_stage = scores[0]["answers"], scores[0]["stage_answers"]
        print(f"parse + score, one process: {n} answers; median {n / median(scores, 'wall'):,.0f} "
              f"answers/s wall, {n / median(scores, 'cpu'):,.0f} answers/s CPU")
        print(f"read CSV + parse + score (grade_files): {n_stage} answers in "
              f"{median(scores, 'stage_wall'):.2f} s; {n_stage / median(scores, 'stage_wall'):,.0f} "
              "answers/s wall")
        cases = [("with index, without feedback", key, ["--no-feedback"], args.runs),
                 ("key only, without feedback", bare, ["--no-feedback"], args.runs),
                 ("with index, with feedback", key, [], args.feedback_runs)]
        for label, k, extra, runs in cases:
            if not runs:
                continue
            res = [child(GRADE_CHILD, "grade", str(k), str(subs), "--out", str(work / "graded"),
                         "--force", *extra) for _ in range(runs)]  # --force: replace the last case's
            walls = ", ".join(f"{r['wall']:.1f}" for r in res)
            print(f"grade {label}: median {median(res, 'wall'):.2f} s wall ({walls}), "
                  f"{median(res, 'cpu'):.1f} s CPU (with children), peak RSS "
                  f"{max(r['rss_mb'] for r in res):.0f} MB (key-hashing child "
                  f"{max(r['child_rss_mb'] for r in res):.0f} MB)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--setup"]:
        from quizgen.grading import simulate
        make_key(Path(sys.argv[2]), int(sys.argv[4]), sys.argv[5])
        simulate(sys.argv[2], sys.argv[3], seed=1)
    else:
        main()
