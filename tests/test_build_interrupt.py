"""Ctrl-C or SIGTERM while the forked workers draw: no traceback from the workers (D12)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# A pool of 2 workers drawing a small class; the first paper a worker makes sends the
# signal (SIGINT to the whole process group, as Ctrl-C does; SIGTERM to the parent, as
# `kill` does), the parent turns it into KeyboardInterrupt and says so.
SCRIPT = textwrap.dedent("""
    import os, signal, sys, time
    from quizgen import build
    from quizgen.bank import load_bank
    from quizgen.exam import load_exam, numbered_students
    from quizgen.resources import default_exam
    build.PARALLEL_MIN_QUESTIONS = 1
    build._workers = lambda n: 2
    bank = load_bank()
    exam = load_exam(default_exam(), bank)
    sig = getattr(signal, sys.argv[1])
    parent = os.getpid()
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))

    def per_paper(info, paper):
        if os.getpid() != parent:
            if sig == signal.SIGINT:
                os.killpg(0, sig)
            else:
                os.kill(parent, sig)
            time.sleep(0.5)
        return None

    try:
        build.build_quiz_with(exam, bank, numbered_students(40), "s", per_paper, keep_papers=False)
        print("finished")
    except KeyboardInterrupt:
        print("interrupted")
""")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_workers_leave_the_interrupt_to_the_parent(sig):
    r = subprocess.run([sys.executable, "-c", SCRIPT, sig], capture_output=True, text=True, timeout=60,
                       cwd=REPO, start_new_session=True,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.stdout.strip() == "interrupted", r.stderr
    assert "Traceback" not in r.stderr and "Error" not in r.stderr, r.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_the_cli_says_interrupted_in_one_line_and_exits_130(tmp_path, monkeypatch, how):
    from click.testing import CliRunner

    from quizgen import api
    from quizgen.cli import main

    def generate(*args, **kwargs):
        if how == "ctrl-c":
            raise KeyboardInterrupt
        os.kill(os.getpid(), signal.SIGTERM)  # handled as an interrupt while a command runs
        time.sleep(5)
    monkeypatch.setattr(api, "generate", generate)
    handler = signal.getsignal(signal.SIGTERM)
    r = CliRunner().invoke(main, ["generate", "--students", "2", "--out", str(tmp_path / "out"),
                                  "--secret", "s"])
    assert r.exit_code == 130, r.output
    assert r.output.strip() == "Interrupted: nothing was written; the output folder is as it was."
    assert r.exc_info[0] is SystemExit
    assert signal.getsignal(signal.SIGTERM) is handler
