"""Score many submissions on two CPU cores: a forked child takes the second half.

Scoring is pure Python and embarrassingly parallel per student. For a large class the
parent forks once: the child inherits the papers and the read submissions (nothing is
copied up front), scores the second half of the jobs and sends its marks back through a
pipe (pickled); the parent scores the first half meanwhile. The result is exactly the
serial one, in the same order. If fork is unavailable, the class is small, or anything
goes wrong in the child, the parent scores everything itself.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
from typing import Callable, Sequence

from .scoring import Mark

PARALLEL_MIN_ANSWERS = 40_000


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def score_jobs(jobs: Sequence, mark: Callable[[object], list[Mark]],
               size: Callable[[object], int],
               meanwhile: Callable[[], object] | None = None) -> list[list[Mark]]:
    """``[mark(job) for job in jobs]``, split over two processes when it is worth it.

    ``size(job)`` is the number of answers a job scores (to split the work evenly).
    ``meanwhile()`` runs once: in the parent after its half, while the child finishes.
    """
    total = sum(size(j) for j in jobs)
    if (total < PARALLEL_MIN_ANSWERS or _cores() < 2
            or "fork" not in multiprocessing.get_all_start_methods()):
        return _serial(jobs, mark, meanwhile)
    done, cut = 0, len(jobs)
    for i, j in enumerate(jobs):
        done += size(j)
        if done * 2 >= total:
            cut = i + 1
            break
    first, second = jobs[:cut], jobs[cut:]
    if not second:
        return _serial(jobs, mark, meanwhile)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: score the second half, send it, leave without any cleanup
        code = 0
        try:
            os.close(read_end)
            # Plain tuples pickle several times faster than named tuples.
            data = pickle.dumps([[tuple(m) for m in mark(j)] for j in second],
                                protocol=pickle.HIGHEST_PROTOCOL)
            view = memoryview(data)
            while view:
                view = view[os.write(write_end, view):]
        except BaseException:  # noqa: BLE001 - the parent redoes this half
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        ours = [mark(j) for j in first]
        if meanwhile is not None:
            meanwhile()
        chunks = []
        with os.fdopen(read_end, "rb") as pipe:
            read_end = -1
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
    finally:
        if read_end != -1:
            os.close(read_end)
        _, status = os.waitpid(pid, 0)
    theirs = None
    if os.waitstatus_to_exitcode(status) == 0:
        try:
            theirs = [[Mark._make(m) for m in marks] for marks in pickle.loads(b"".join(chunks))]
        except Exception:  # noqa: BLE001 - a broken transfer: score it here
            theirs = None
    if theirs is None or len(theirs) != len(second):
        theirs = [mark(j) for j in second]
    return ours + theirs


def _serial(jobs: Sequence, mark: Callable, meanwhile: Callable[[], object] | None) -> list:
    out = [mark(j) for j in jobs]
    if meanwhile is not None:
        meanwhile()
    return out
