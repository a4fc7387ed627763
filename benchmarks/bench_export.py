"""Benchmark: LMS exports of a 20-slot exam with 200 variants per slot (4,000 questions).

Usage: python benchmarks/bench_export.py [--slots 20] [--variants 200] [--repeat 5]

Questions are built directly (every answer type in turn, Markdown + TeX text, a
misconception each, every variant's numbers different), so only the exporters are
timed. Text caches are cleared before every run: each run converts every text afresh.
Prints the median wall and CPU time of each format and of all four one after another, the
wall time of ``export_slots`` writing all four files, and peak memory. CPU time is this
process's own: it stays steady when other work shares the machine, wall time does not.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from quizgen.export import FORMATS, export_slots, gift, render
from quizgen.export import text as export_text
from quizgen.model import ExamInfo, Misconception, Question, SlotVariants, Tolerance

KINDS = ("integer", "real", "shape", "vector", "matrix", "choice", "choices")


def make_question(slot: str, kind: str, v: int) -> Question:
    d = v + 1
    prompt = (f"A `nn.Conv2d(3, {8 + v % 56}, kernel_size={1 + v % 5})` sees an input of "
              f"$3 \\times {32 + v} \\times {32 + v}$. With stride $s = {1 + v % 3}$ and "
              f"padding $p$, compute the quantity asked below (variant {d}).\n\n"
              f"$$\\left\\lfloor \\frac{{H + 2p - k}}{{s}} \\right\\rfloor + 1$$")
    solution = (f"Apply $H_{{out}} = \\lfloor (H + 2p - k)/s \\rfloor + 1$ with $H = {32 + v}$; "
                f"then multiply the channels: ${8 + v % 56} \\cdot {d}$.")
    options = None
    if kind == "integer":
        value, mis = 1000 + d, 999 + d
    elif kind == "real":
        value, mis = 0.001 * d, -0.001 * d
    elif kind == "shape":
        value, mis = [16, 30 + v % 50, 30 + v % 50], [16, 28 + v % 50, 28 + v % 50]
    elif kind == "vector":
        value = [0.5 * d, -1.25, 3.0 + v]
        mis = [x / 2 for x in value]
    elif kind == "matrix":
        value = [[1.0, 2.0 * d], [3.0, 4.0 + v]]
        mis = [[1.0, 3.0], [2.0 * d, 4.0 + v]]
    elif kind == "choice":
        options = [f"ReLU {d}", "$\\tanh$", "sigmoid", "GELU"]
        value, mis = d % 4, (d + 1) % 4
    else:
        options = ["Linear", "ReLU", f"Conv2d ({d})", "MaxPool2d", "BatchNorm2d"]
        value, mis = sorted({0, 2, d % 5}), [0, 1, 2, 3, 4]
    return Question(slot=slot, template=f"bench.{kind}", topic="bench", level=1, points=2.0,
                    title=f"{kind} question", prompt=prompt, answer_type=kind,
                    answer_value=value, tolerance=Tolerance(0.001, 0.01), solution=solution,
                    misconceptions=(Misconception("m1", mis, f"Typical slip #{d}: check $p$."),),
                    options=tuple(options) if options else None, decimals=3)


def build(n_slots: int, n_variants: int) -> tuple[ExamInfo, list[SlotVariants]]:
    slots = []
    for s in range(n_slots):
        kind = KINDS[s % len(KINDS)]
        name = f"q{s + 1}"
        qs = tuple(make_question(name, kind, v) for v in range(n_variants))
        slots.append(SlotVariants(name, f"Slot {s + 1} ({kind})", 2.0, qs))
    return ExamInfo(id="bench", title="Benchmark exam", lang="en"), slots


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slots", type=int, default=20)
    ap.add_argument("--variants", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    exam, slots = build(args.slots, args.variants)
    n = args.slots * args.variants
    times: dict[str, list[float]] = {f: [] for f in FORMATS}
    cpu: dict[str, list[float]] = {f: [] for f in FORMATS}
    totals: list[float] = []
    cpu_totals: list[float] = []
    sizes: dict[str, int] = {}
    for _ in range(args.repeat):
        export_text.to_html.cache_clear()
        export_text.to_plain.cache_clear()
        gift.plain.cache_clear()
        t_all, c_all = time.perf_counter(), time.process_time()
        for fmt in FORMATS:
            t0, c0 = time.perf_counter(), time.process_time()
            sizes[fmt] = len(render(exam, slots, fmt))
            times[fmt].append(time.perf_counter() - t0)
            cpu[fmt].append(time.process_time() - c0)
        totals.append(time.perf_counter() - t_all)
        cpu_totals.append(time.process_time() - c_all)
    print(f"export of {args.slots} slots x {args.variants} variants = {n} questions, "
          f"median of {args.repeat} runs")
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            export_text.to_html.cache_clear()
            export_text.to_plain.cache_clear()
            gift.plain.cache_clear()
            t0 = time.perf_counter()
            export_slots(exam, slots, list(FORMATS), Path(tmp))
            walls.append(time.perf_counter() - t0)
    print(f"  {'format':8s} {'wall':>8s} {'cpu':>8s} {'size':>9s}")
    for fmt in FORMATS:
        print(f"  {fmt:8s} {statistics.median(times[fmt]):7.3f}s {statistics.median(cpu[fmt]):7.3f}s"
              f" {sizes[fmt] / 1e6:6.2f} MB")
    print(f"  {'all four':8s} {statistics.median(totals):7.3f}s {statistics.median(cpu_totals):7.3f}s"
          "   (one after another; cpu = this process's CPU time)")
    print(f"  export_slots writing all four files: {statistics.median(walls):.3f}s wall"
          "   (target < 3 s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
