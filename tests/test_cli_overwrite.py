"""What `generate`, `render`, `practice` and `export` do with what --out already holds:
never silently replace papers that may be handed out, another exam's key, a key.json or
LMS files of other draws; never leave half-written output or stale papers of another run."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.errors import OutputError
from quizgen.output import write_files

EXAM = """id: small
title: Small
slots:
  - {template: params.dense, level: 1}
  - {template: concepts.learning, level: 1}
"""
OTHER = EXAM.replace("id: small", "id: other")


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], env={"QUIZGEN_SECRET": ""})
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def exam(tmp_path):
    p = tmp_path / "exam.yaml"
    p.write_text(EXAM, encoding="utf-8")
    return p


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def generated(tmp_path, exam, *extra, students=4, secret="S1", out="out"):
    code, text = run("generate", exam, "--students", students, "--out", tmp_path / out, "--secret", secret, *extra)
    return code, text


# F3 (a): another secret would change every paper already handed out
def test_new_secret_for_same_exam_is_refused_without_force(tmp_path, exam):
    assert generated(tmp_path, exam)[0] == 0
    before = snapshot(tmp_path / "out")
    code, text = generated(tmp_path, exam, secret="DIFFERENT")
    assert code == 2 and "another secret" in text and "--force" in text and "variant code of 's001'" in text
    assert snapshot(tmp_path / "out") == before
    # the same secret again (a bigger class too) is fine and leaves the earlier papers as they were
    code, text = generated(tmp_path, exam, students=5)
    assert code == 0, text
    after = snapshot(tmp_path / "out")
    assert all(after[f"papers/s00{i}.md"] == before[f"papers/s00{i}.md"] for i in range(1, 5))
    assert generated(tmp_path, exam, "--force", students=5, secret="DIFFERENT")[0] == 0
    assert snapshot(tmp_path / "out")["papers/s001.md"] != before["papers/s001.md"]


def test_no_secret_over_an_existing_key_is_refused_and_creates_no_secret_file(tmp_path, exam):
    assert generated(tmp_path, exam)[0] == 0
    code, text = run("generate", exam, "--students", 4, "--out", tmp_path / "out")
    assert code == 2 and "no secret was given" in text
    assert not (tmp_path / "out" / ".quizgen-secret").exists()


def test_changed_exam_file_with_same_id_is_refused(tmp_path, exam):
    assert generated(tmp_path, exam)[0] == 0
    exam.write_text(EXAM.replace("params.dense, level: 1", "params.dense, level: 2"), encoding="utf-8")
    code, text = generated(tmp_path, exam)
    assert code == 2 and "would change" in text and "exam file or the question bank changed" in text


# F3 (b) and F4: dropped students; --force removes their papers (and only those files)
def test_smaller_class_is_refused_and_force_removes_the_dropped_papers(tmp_path, exam):
    assert generated(tmp_path, exam)[0] == 0
    out = tmp_path / "out"
    (out / "papers" / "notes.txt").write_text("mine", encoding="utf-8")
    before = snapshot(out)
    code, text = generated(tmp_path, exam, students=2)
    assert code == 2 and "2 student(s) this run would drop (s003, s004)" in text
    assert snapshot(out) == before
    assert generated(tmp_path, exam, "--force", students=2)[0] == 0
    assert sorted(p.name for p in (out / "papers").iterdir()) == ["notes.txt", "s001.md", "s002.md"]
    assert snapshot(out)["papers/s001.md"] == before["papers/s001.md"]  # same draws: same paper


def test_force_over_another_exam_removes_its_papers(tmp_path, exam):
    assert generated(tmp_path, exam, "--format", "md,html")[0] == 0
    other = tmp_path / "other.yaml"
    other.write_text(OTHER, encoding="utf-8")
    code, text = generated(tmp_path, other, students=2)
    assert code == 2 and "key.json of exam 'small', not 'other'" in text
    assert generated(tmp_path, other, "--force", students=2)[0] == 0
    out = tmp_path / "out"
    # s001/s002.html were the other exam's papers: not rewritten in html, so removed too
    assert sorted(p.name for p in (out / "papers").iterdir()) == ["s001.md", "s002.md"]
    assert json.loads((out / "key.json").read_text())["exam"]["id"] == "other"


def test_force_with_new_draws_removes_class_files_of_formats_not_rewritten(tmp_path, exam):
    # key.html (and key.md) of the old draws would otherwise sit beside the new key.json
    assert generated(tmp_path, exam, "--format", "md,html")[0] == 0
    out = tmp_path / "out"
    (out / "key-notes.html").write_text("mine", encoding="utf-8")
    code, text = generated(tmp_path, exam, "--force", secret="DIFFERENT")
    assert code == 0, text
    assert not (out / "key.html").exists() and (out / "key-notes.html").exists()
    assert "Removed 5 files of the earlier run" in text and "key.html" in text
    assert sorted(p.name for p in (out / "papers").iterdir()) == [f"s00{i}.md" for i in range(1, 5)]
    # the same draws again in md only (a bigger class): the html files stay, they are still right
    assert generated(tmp_path, exam, "--format", "md,html", secret="DIFFERENT")[0] == 0
    code, text = generated(tmp_path, exam, students=5, secret="DIFFERENT")
    assert code == 0 and "Removed" not in text and (out / "key.html").exists()
    assert "Note: key.html covers only the earlier students" in text


def test_force_with_new_draws_and_fewer_languages_removes_the_other_languages_key(tmp_path, exam):
    # ko/key.json of the discarded draws would otherwise be graded against papers that are gone
    assert generated(tmp_path, exam, "--lang", "en,ko")[0] == 0
    out = tmp_path / "out"
    assert (out / "ko" / "key.json").is_file()
    code, text = generated(tmp_path, exam, "--lang", "en", "--force", secret="DIFFERENT")
    assert code == 0, text
    assert not (out / "ko").exists() or not any((out / "ko").rglob("*.*"))
    # en/ held the English papers and key of the old draws (its key.json was the top one)
    assert not any((out / "en").rglob("*.*")), sorted((out / "en").rglob("*.*"))
    assert (out / "key.json").is_file() and " more." in text


@pytest.mark.parametrize("first,second,formats", [
    ("en,ko", "ko", ("md,html", "md")), ("en,ko", "en,ko", ("md,html", "md")),
    ("en", "en,ko", ("md,html", "md"))])
def test_force_with_new_draws_leaves_no_file_of_the_old_draws_in_any_language(tmp_path, exam, first,
                                                                             second, formats):
    assert generated(tmp_path, exam, "--lang", first, "--format", formats[0])[0] == 0
    out = tmp_path / "out"
    (out / "en").mkdir(exist_ok=True)
    (out / "en" / "notes.txt").write_text("mine", encoding="utf-8")    # not quizgen's: stays
    before = snapshot(out)
    code, text = generated(tmp_path, exam, "--lang", second, "--format", formats[1], "--force",
                           secret="DIFFERENT")
    assert code == 0, text
    after = snapshot(out)
    old_variants = {v for name, data in before.items() if name.endswith("key.json")
                    for st in json.loads(data)["students"] for v in [st["variant"]]}
    for name, data in after.items():   # no paper or key file carries an old variant code
        if name.endswith((".md", ".html")):
            assert not any(v.encode() in data for v in old_variants), name
    assert after["en/notes.txt"] == b"mine"


def test_render_force_over_a_key_of_other_draws_removes_what_it_does_not_rewrite(tmp_path, exam):
    assert generated(tmp_path, exam, students=3, out="a")[0] == 0
    assert generated(tmp_path, exam, students=2, secret="S2", out="b")[0] == 0
    a = tmp_path / "a"
    key_before = (a / "key.json").read_bytes()
    code, text = run("render", tmp_path / "b" / "key.json", "--format", "html", "--out", a)
    assert code == 2 and "--force" in text
    code, text = run("render", tmp_path / "b" / "key.json", "--format", "html", "--out", a, "--force")
    assert code == 0, text
    names = sorted(p.name for p in (a / "papers").iterdir())
    # s001/s002 now have b's html papers only (their md of a's draws is gone); s003 is untouched
    assert names == ["s001.html", "s002.html", "s003.md"], names
    assert (a / "key.json").read_bytes() == key_before


# F5: a target in the way is found before anything is replaced
def test_folder_in_the_way_leaves_everything_untouched(tmp_path, exam):
    assert generated(tmp_path, exam)[0] == 0
    out = tmp_path / "out"
    (out / "papers" / "s005.md").mkdir()
    before = snapshot(out)
    code, text = generated(tmp_path, exam, students=5)
    assert code == 2 and "'papers/s005.md' is a folder" in text and "nothing was written" in text
    assert snapshot(out) == before
    assert not list(out.glob(".quizgen-staging-*"))


def test_write_files_checks_every_target_first(tmp_path):
    (tmp_path / "a.txt").write_text("old")
    (tmp_path / "sub").write_text("a file where a folder must go")
    with pytest.raises(OutputError, match="'sub' is a file"):
        write_files(tmp_path, {"a.txt": "new", "sub/b.txt": "x"})
    assert (tmp_path / "a.txt").read_text() == "old"


# F11: a damaged key.json or a folder named key.json is named as such
@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_text('{"format":"quizgen-key/1","exam":{"id":"a'), "it is truncated"),
    (lambda p: p.mkdir(), "folder named key.json"),
    (lambda p: p.write_text('{"hello": 1}'), "not a quizgen key"),
])
def test_unreadable_key_in_out_says_what_is_wrong(tmp_path, exam, make, message):
    out = tmp_path / "out"
    out.mkdir()
    make(out / "key.json")
    code, text = generated(tmp_path, exam)
    assert code == 2 and message in text and "'None'" not in text
    assert not (out / "papers").exists()


# F8: render checks whose key.json --out holds
def test_render_refuses_a_folder_of_another_exam_or_other_draws(tmp_path, exam):
    assert generated(tmp_path, exam, out="a")[0] == 0
    other = tmp_path / "other.yaml"
    other.write_text(OTHER, encoding="utf-8")
    assert generated(tmp_path, other, out="b")[0] == 0
    assert generated(tmp_path, exam, out="c", secret="S2")[0] == 0
    b_before, c_before = snapshot(tmp_path / "b"), snapshot(tmp_path / "c")
    code, text = run("render", tmp_path / "a" / "key.json", "--format", "md", "--out", tmp_path / "b")
    assert code == 2 and "exam 'other', not 'small'" in text and "--force" in text
    code, text = run("render", tmp_path / "a" / "key.json", "--format", "md", "--out", tmp_path / "c")
    assert code == 2 and "another key.json of exam 'small'" in text
    assert snapshot(tmp_path / "b") == b_before and snapshot(tmp_path / "c") == c_before
    # into its own folder, or with --force: fine
    assert run("render", tmp_path / "a" / "key.json", "--format", "md", "--out", tmp_path / "a")[0] == 0
    assert run("render", tmp_path / "a" / "key.json", "--format", "md", "--out", tmp_path / "b", "--force")[0] == 0
    assert (tmp_path / "b" / "key.md").read_bytes() == (tmp_path / "a" / "key.md").read_bytes()


# F2: practice never replaces a key.json, and other files only with --force
def test_practice_does_not_overwrite_a_key_or_a_foreign_file(tmp_path, exam):
    assert generated(tmp_path, exam)[0] == 0
    key = tmp_path / "out" / "key.json"
    before = key.read_bytes()
    for extra in ((), ("--force",)):
        code, text = run("practice", "param-count", "--n", 1, "--seed", 1, "--out", key, *extra)
        assert code == 2 and "exam key" in text
        assert key.read_bytes() == before
    notes = tmp_path / "notes.html"
    notes.write_text("<p>my notes</p>", encoding="utf-8")
    code, text = run("practice", "param-count", "--n", 1, "--seed", 1, "--out", notes)
    assert code == 2 and "not a practice page" in text and "--force" in text
    assert notes.read_text(encoding="utf-8") == "<p>my notes</p>"
    assert run("practice", "param-count", "--n", 1, "--seed", 1, "--out", notes, "--force")[0] == 0
    # an earlier practice page is replaced without --force
    assert run("practice", "param-count", "--n", 1, "--seed", 2, "--out", notes)[0] == 0
    assert "<!-- quizgen practice page -->" in notes.read_text(encoding="utf-8")[:200]


def test_refuse_to_overwrite_helper(tmp_path):
    from quizgen.output import refuse_to_overwrite
    p = tmp_path / "subs.csv"
    refuse_to_overwrite(p, False, "submissions file")  # nothing there: fine
    p.write_text("student_id\ns1\n")
    with pytest.raises(OutputError, match="not a submissions file that quizgen wrote"):
        refuse_to_overwrite(p, False, "submissions file", b"# quizgen")
    refuse_to_overwrite(p, True, "submissions file")
    p.write_text("# quizgen simulate\nstudent_id\n")
    refuse_to_overwrite(p, False, "submissions file", b"# quizgen")
    k = tmp_path / "anything.json"
    k.write_text('{\n "format":"quizgen-key/1",\n "exam":{}}')
    with pytest.raises(OutputError, match="exam key"):
        refuse_to_overwrite(k, True, "submissions file")


# F27: export keeps a record of the draws beside its files
def test_export_with_another_secret_is_refused(tmp_path, exam):
    out = tmp_path / "lms"
    assert run("export", exam, "--variants", 1, "--out", out, "--secret", "S", "--format", "gift")[0] == 0
    before = snapshot(out)
    assert ".quizgen-export.json" in before
    assert run("export", exam, "--variants", 1, "--out", out, "--secret", "S", "--format", "gift")[0] == 0
    code, text = run("export", exam, "--variants", 1, "--out", out, "--secret", "OTHER", "--format", "gift")
    assert code == 2 and "other draws" in text and "--force" in text
    assert snapshot(out) == before
    assert run("export", exam, "--variants", 1, "--out", out, "--secret", "OTHER", "--format", "gift",
               "--force")[0] == 0
    assert snapshot(out)["small.gift.txt"] != before["small.gift.txt"]


def test_generate_checks_its_lms_files_like_export(tmp_path, exam):
    out = tmp_path / "out"
    args = ["generate", exam, "--students", 2, "--out", out, "--secret", "S", "--format", "md,gift"]
    assert run(*args, "--variants", 2)[0] == 0
    assert (out / "lms" / ".quizgen-export.json").is_file()
    before = snapshot(out)
    assert run(*args, "--variants", 2)[0] == 0  # the same draws again
    code, text = run(*args, "--variants", 3)
    assert code == 2 and "other draws" in text and "--force" in text, text
    assert snapshot(out) == before
    assert run(*args, "--variants", 3, "--force")[0] == 0
    assert snapshot(out)["lms/small.gift.txt"] != before["lms/small.gift.txt"]


def test_export_without_a_secret_over_earlier_exports_creates_no_secret_file(tmp_path, exam):
    out = tmp_path / "lms"
    assert run("export", exam, "--variants", 1, "--out", out, "--secret", "A", "--format", "gift")[0] == 0
    before = snapshot(out)
    code, text = run("export", exam, "--variants", 1, "--out", out, "--format", "gift")
    assert code == 2 and "no secret was given" in text, text
    assert snapshot(out) == before and not (out / ".quizgen-secret").exists()


def test_force_leaves_a_language_folder_of_another_exam_alone(tmp_path, exam):
    # a Korean section's own exam generated into out/ko is not "the earlier draws" of out/
    assert generated(tmp_path, exam)[0] == 0
    other = tmp_path / "other.yaml"
    other.write_text(OTHER, encoding="utf-8")
    assert generated(tmp_path, other, students=2, out="out/ko")[0] == 0
    ko_before = snapshot(tmp_path / "out" / "ko")
    code, text = generated(tmp_path, exam, "--force", secret="DIFFERENT")
    assert code == 0, text
    assert snapshot(tmp_path / "out" / "ko") == ko_before


def test_render_never_removes_a_key_json_and_refuses_a_smaller_class(tmp_path, exam):
    assert generated(tmp_path, exam, "--lang", "en,ko", students=3, out="a")[0] == 0
    assert generated(tmp_path, exam, "--lang", "en,ko", students=2, secret="S2", out="b")[0] == 0
    a = tmp_path / "a"
    keys = {p: p.read_bytes() for p in a.rglob("key.json")}
    assert len(keys) == 2
    code, text = run("render", tmp_path / "b" / "key.json", "--format", "html", "--out", a)
    assert code == 2   # other draws (and a student the folder's key has, s003, left out)
    assert generated(tmp_path, exam, students=2, out="c")[0] == 0          # same draws, fewer students
    code, text = run("render", tmp_path / "c" / "key.json", "--format", "html", "--out", a)
    assert code == 2 and "1 student(s) this key does not have (first: 's003')" in text
    assert run("render", tmp_path / "b" / "key.json", "--format", "html", "--out", a, "--force")[0] == 0
    assert {p: p.read_bytes() for p in a.rglob("key.json")} == keys


@pytest.mark.parametrize("first", ["ko", "ko,en", "en"])
def test_a_second_language_added_leaves_no_file_of_the_earlier_layout(tmp_path, exam, first):
    """--lang ko (papers at the top), then --lang en,ko (papers under en/ and ko/), same draws:
    the top's Korean papers and key files go, as does a key.json of another first language
    under en/; every file left belongs to the new layout."""
    assert generated(tmp_path, exam, "--lang", first, "--format", "md,html")[0] == 0
    code, text = generated(tmp_path, exam, "--lang", "en,ko", "--format", "md")
    assert code == 0, text
    out = tmp_path / "out"
    left = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert [f for f in left if f.startswith("papers/") or f in ("key.md", "key.html", "en/key.json")] == [], left
    assert (out / "en" / "papers" / "s001.md").is_file() and (out / "ko" / "papers" / "s001.md").is_file()
