"""quizgen.output.write_files: all-or-nothing, also when the move into place is cut short."""
from __future__ import annotations

import hashlib
import json
import os
import signal
from pathlib import Path

import pytest

from quizgen import output
from quizgen.errors import OutputError, QuizgenNote
from quizgen.output import STAGING_PREFIX, recover, write_files


def snapshot(folder: Path) -> dict:
    """Every file and folder under ``folder`` (relative path -> sha256, or 'dir')."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), folder)] = "dir"
        for f in filenames:
            p = os.path.join(dirpath, f)
            out[os.path.relpath(p, folder)] = hashlib.sha256(Path(p).read_bytes()).hexdigest()
    return out


def files(tag: str, n: int = 6) -> dict:
    out = {f"papers/s{i:03d}.md": f"{tag} paper {i}\n" for i in range(n)}
    out.update({"key.md": f"{tag} key\n", "key.json": f'{{"tag": "{tag}"}}\n',
                "key.index.msgpack": tag.encode(), "lms/.quizgen-export.json": "{}"})
    return out


def fail_after(monkeypatch, k: int, exc: BaseException):
    """os.replace raises ``exc`` at its k-th call (0-based), once; the other calls go through."""
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append((str(src), str(dst)))
        if len(calls) == k + 1:
            raise exc
        return real(src, dst)
    monkeypatch.setattr(output.os, "replace", replace)
    return calls


@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), KeyboardInterrupt()])
@pytest.mark.parametrize("k", [0, 3, 7, 12, 15])
def test_a_move_cut_short_puts_every_file_back(tmp_path, monkeypatch, exc, k):
    out = tmp_path / "out"
    write_files(out, files("OLD", n=5))  # papers s000-s004; this run adds s005 and lms/
    (out / "notes.txt").write_text("mine")
    before = snapshot(out)
    calls = fail_after(monkeypatch, k, exc)
    with pytest.raises(OutputError if isinstance(exc, OSError) else KeyboardInterrupt):
        write_files(out, files("NEW"))
    assert len(calls) > k  # the fault did happen in the move
    assert snapshot(out) == before  # byte-identical, no staging folder left, no new folder
    assert not list(out.glob(STAGING_PREFIX + "*"))


@pytest.mark.parametrize("k", [0, 4, 9])
def test_a_fresh_folder_gets_nothing_when_the_move_is_cut_short(tmp_path, monkeypatch, k):
    fail_after(monkeypatch, k, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write_files(tmp_path / "a" / "out", files("NEW"))
    assert list(tmp_path.iterdir()) == []


def test_the_records_move_last_key_json_the_very_last(tmp_path, monkeypatch):
    calls = fail_after(monkeypatch, 10 ** 6, OSError())
    write_files(tmp_path, {"key.json": "{}", "en/key.json": "{}", "key.index.msgpack": b"",
                           "papers/a.md": "a", ".quizgen-render.json": "{}", "key.md": "k"})
    moved = [Path(dst).relative_to(tmp_path).as_posix() for _, dst in calls]
    assert moved[:2] == ["papers/a.md", "key.md"]
    assert moved[-2:] == ["en/key.json", "key.json"]


def test_sigterm_during_the_write_is_an_interrupt_and_undone(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_files(out, files("OLD"))
    before = snapshot(out)
    real, n = os.replace, []

    def replace(src, dst):
        n.append(1)
        if len(n) == 5:
            os.kill(os.getpid(), signal.SIGTERM)  # the handler raises in this thread at once
        return real(src, dst)
    monkeypatch.setattr(output.os, "replace", replace)
    handler = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        write_files(out, files("NEW"))
    assert snapshot(out) == before
    assert signal.getsignal(signal.SIGTERM) is handler  # restored


def killed_run(out: Path, k: int) -> None:
    """What a kill -9 after k moves leaves: the staging folder as it was at that moment
    (after all 10 moves: just before the staging folder is removed)."""
    class Killed(BaseException):
        pass
    real, n = os.replace, []

    def replace(src, dst):
        if "new" in Path(src).parts:
            n.append(1)
            if len(n) > k:
                raise Killed
        return real(src, dst)
    undo, real_rmtree = output._undo, output.shutil.rmtree
    output._undo = lambda *a: None                   # no chance to clean up
    def rmtree(*a, **kw):
        raise Killed
    output.shutil.rmtree = rmtree
    output.os.replace = replace
    try:
        with pytest.raises(Killed):
            write_files(out, files("NEW"))
    finally:
        output._undo, output.shutil.rmtree, output.os.replace = undo, real_rmtree, real
    for owner in out.glob(STAGING_PREFIX + "*/owner"):
        owner.write_text(owner.read_text().split()[0] + " 999999999")  # a process that is gone


@pytest.mark.parametrize("k,restored", [(0, True), (3, True), (8, True), (10, False)])
def test_the_next_run_undoes_what_a_killed_run_left(tmp_path, k, restored):
    out = tmp_path / "out"
    write_files(out, files("OLD"))
    before = snapshot(out)
    killed_run(out, k)
    assert list(out.glob(STAGING_PREFIX + "*"))
    notes = recover(out)
    assert len(notes) == 1 and "killed" in notes[0]
    assert not list(out.glob(STAGING_PREFIX + "*"))
    if restored:  # the move had not finished: as before it
        assert snapshot(out) == before
    else:  # key.json was in place: the new files stay
        assert json.loads((out / "key.json").read_text()) == {"tag": "NEW"}
        assert (out / "papers/s005.md").read_text() == "NEW paper 5\n"


def test_write_files_cleans_up_first_and_says_so(tmp_path):
    out = tmp_path / "out"
    write_files(out, files("OLD"))
    killed_run(out, 3)
    with pytest.warns(QuizgenNote, match="earlier run was killed"):
        write_files(out, {"other.txt": "x"})
    assert (out / "key.json").read_text() == '{"tag": "OLD"}\n'
    assert (out / "papers/s003.md").read_text() == "OLD paper 3\n"
    assert not list(out.glob(STAGING_PREFIX + "*"))


def test_a_staging_folder_of_a_live_run_is_left_alone(tmp_path):
    staging = tmp_path / (STAGING_PREFIX + "live")
    (staging / "new").mkdir(parents=True)
    (staging / "owner").write_text(f"{__import__('socket').gethostname()} {os.getpid()}")
    assert recover(tmp_path) == []
    assert staging.is_dir()


def test_an_interrupted_first_generate_leaves_no_secret_file_behind(tmp_path, monkeypatch):
    """The secret file is made before the draws; a first run that writes nothing removes it
    again (and the folder it made), so 'nothing was written' is true. A secret file that was
    there before stays."""
    from quizgen import api

    def interrupted(*a, **kw):
        raise KeyboardInterrupt
    monkeypatch.delenv("QUIZGEN_SECRET", raising=False)
    monkeypatch.setattr(api, "write_files", interrupted)
    out = tmp_path / "exam"
    with pytest.raises(KeyboardInterrupt):
        api.generate(None, out, students=2)
    assert not out.exists()
    out.mkdir()
    (out / ".quizgen-secret").write_text("kept\n")
    with pytest.raises(KeyboardInterrupt):
        api.generate(None, out, students=2)
    assert (out / ".quizgen-secret").read_text() == "kept\n"
