"""Micro-benchmark: instances/s of ``build_question`` for every template and level.

Each (template, level) is built ``--n`` times from ``np.random.default_rng(i)``; the
figure is the best of ``--repeat`` passes (the machine is shared and noisy). The
last line is the overall rate over all pairs (same number of instances per pair).

    python benchmarks/bench_templates.py [--n 200] [--repeat 3] [--lang en] [--only ID]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from quizgen.bank import load_bank
from quizgen.instantiate import build_question


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lang", default="en")
    ap.add_argument("--only", default=None, help="substring of template ids to keep")
    args = ap.parse_args()
    bank = load_bank()
    total_time, total_n = 0.0, 0
    for t in sorted(bank.templates.values(), key=lambda t: t.id):
        if args.only and args.only not in t.id:
            continue
        for lv in t.level_numbers:
            build_question(t, lv, np.random.default_rng(0), lang=args.lang)  # warm caches
            best = float("inf")
            for _ in range(args.repeat):
                t0 = time.process_time()
                for i in range(args.n):
                    build_question(t, lv, np.random.default_rng(i), lang=args.lang)
                best = min(best, time.process_time() - t0)
            total_time += best
            total_n += args.n
            print(f"{t.id:28s} L{lv}  {args.n / best:9,.0f} /s  {best / args.n * 1e6:8.0f} us")
    print(f"{'ALL':28s}     {total_n / total_time:9,.0f} /s  {total_time / total_n * 1e6:8.0f} us")


if __name__ == "__main__":
    main()
