"""Scoring on two processes gives exactly the serial result, and survives a failing child."""
from __future__ import annotations

import os

import pytest

from quizgen import api
from quizgen.grading import parallel


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    base = tmp_path_factory.mktemp("par")
    api.generate(None, base / "exam", students=60, secret="par")
    subs = base / "subs.csv"
    # Duplicates, garbage, misconceptions and blanks all come from the simulator.
    api.simulate(base / "exam" / "key.json", subs, seed=11)
    return base, subs


def _outputs(path):
    return {p.relative_to(path): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("keep", ["last", "best"])
def test_parallel_scoring_equals_serial(graded_class, tmp_path, monkeypatch, keep):
    base, subs = graded_class
    calls = []

    class CountingOs:  # the os module as parallel.py sees it, counting its forks
        def __getattr__(self, name):
            return getattr(os, name)

        def fork(self):
            calls.append(1)
            return os.fork()

    monkeypatch.setattr(parallel, "os", CountingOs())
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ANSWERS", 10 ** 9)
    api.grade(base / "exam" / "key.json", [subs], tmp_path / "serial", keep=keep)
    assert not calls
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ANSWERS", 1)
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    api.grade(base / "exam" / "key.json", [subs], tmp_path / "parallel", keep=keep)
    assert calls == [1]
    serial, par = _outputs(tmp_path / "serial"), _outputs(tmp_path / "parallel")
    assert len(serial) > 100 and serial == par


def test_a_failing_child_is_redone_by_the_parent(monkeypatch):
    parent = os.getpid()
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ANSWERS", 1)
    monkeypatch.setattr(parallel, "_cores", lambda: 2)

    def mark(job):
        if os.getpid() != parent:
            raise RuntimeError("child fails")
        return [("mark", job)]

    jobs = list(range(50))
    assert parallel.score_jobs(jobs, mark, lambda j: 1) == [[("mark", j)] for j in jobs]
