"""Benchmark: `generate` for N students x 20 questions (Markdown papers + key + key.json).

Prints question instances per second (median of --runs fresh processes), peak memory
(max RSS of the main process, and of the largest forked build worker) and the CPU seconds
spent (main process, workers): on a shared, loaded machine the wall time is noisy, the
CPU time much less so. Not a test.

The exam (--exam):
  default  the bundled default exam (20 slots over the course notes' topics): what
           `quizgen generate` runs;
  spread   20 template-levels spread evenly over all of the bank's template-levels;
  first20  the first 20 template-levels in id order (12 of them backprop: the heaviest
           mix; the exam of the figures recorded before the third session).

    python benchmarks/bench_generate.py [--students 1000] [--runs 5] [--exam default]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from quizgen import api
exam, out, n, fmt = sys.argv[1] or None, sys.argv[2], int(sys.argv[3]), sys.argv[4]
t0 = time.perf_counter()
res = api.generate(exam, out, students=n, secret="bench", formats=fmt.split(","), force=True)
dt = time.perf_counter() - t0
q = (res.n_papers * res.n_questions if hasattr(res, "n_papers")  # (older quizgen: count the papers)
     else sum(len(p.questions) for p in res.quiz.papers))
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": dt, "questions": q, "max_rss_mb": me.ru_maxrss / 1024,
                  "worker_rss_mb": kids.ru_maxrss / 1024, "cpu_main": me.ru_utime + me.ru_stime,
                  "cpu_workers": kids.ru_utime + kids.ru_stime}))
"""


def exam_with_20_slots(path: Path, kind: str = "first20") -> Path | None:
    """A 20-slot exam file of the bank's template-levels (None for the bundled default exam)."""
    if kind == "default":
        return None
    from quizgen.bank import load_bank
    bank = load_bank()
    pairs = [(t.id, lv) for t in sorted(bank.templates.values(), key=lambda t: t.id) for lv in t.level_numbers]
    if kind == "spread":
        chosen = [pairs[i * len(pairs) // 20] for i in range(20)]
    elif kind == "first20":
        chosen = [pairs[i % len(pairs)] for i in range(20)]
    else:
        raise SystemExit(f"unknown --exam {kind!r}: default, spread or first20")
    slots = [{"template": tid, "level": lv} for tid, lv in chosen]
    path.write_text(json.dumps({"id": "bench", "title": "Benchmark", "slots": slots}), encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--format", default="md")
    ap.add_argument("--exam", default="default", help="default, spread or first20 (see the docstring)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        exam = exam_with_20_slots(Path(tmp) / "exam.yaml", args.exam)
        results = []
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, "-c", CHILD, str(exam or ""), str(Path(tmp) / "out"),
                                  str(args.students), args.format],
                                 check=True, capture_output=True, text=True).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))
    secs = [r["seconds"] for r in results]
    q = results[0]["questions"]
    med = statistics.median(secs)
    print(f"generate --format {args.format}, exam {args.exam}: {args.students} students x 20 questions"
          f" = {q} instances")
    print(f"  wall time: median {med:.2f} s (runs: {', '.join(f'{s:.2f}' for s in secs)})")
    print(f"  throughput: {q / med:,.0f} question instances/s (median)")
    print(f"  peak memory (max RSS): {max(r['max_rss_mb'] for r in results):.0f} MB"
          f" (largest build worker: {max(r.get('worker_rss_mb', 0) for r in results):.0f} MB)")
    if "cpu_main" in results[0]:
        cpu_main = statistics.median(r["cpu_main"] for r in results)
        cpu_workers = statistics.median(r["cpu_workers"] for r in results)
        print(f"  CPU: main process {cpu_main:.2f} s, build workers {cpu_workers:.2f} s (medians;"
              f" {q / (cpu_main + cpu_workers):,.0f} instances per CPU-second)")


if __name__ == "__main__":
    main()
