"""`quizgen generate` end to end through the CLI."""
import json

import pytest
from click.testing import CliRunner

from quizgen.cli import main


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env or {"QUIZGEN_SECRET": ""})


def test_generate_30_distinct_papers_key_and_json(tmp_path):
    out = tmp_path / "exam"
    result = run("generate", "--students", "30", "--out", str(out), "--secret", "k")
    assert result.exit_code == 0, result.output
    papers = sorted((out / "papers").glob("*.md"))
    assert len(papers) == 30
    texts = [p.read_text(encoding="utf-8") for p in papers]
    assert len(set(texts)) == 30
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    assert key["format"] == "quizgen-key/1" and key["exam"]["id"] == "dl-basics"
    assert [s["student_id"] for s in key["students"]] == [p.stem for p in papers]
    # every student gets the same slots; the questions differ between students
    slots = [q["slot"] for q in key["students"][0]["questions"]]
    assert all([q["slot"] for q in s["questions"]] == slots for s in key["students"])
    prompts = {s["questions"][5]["prompt"] for s in key["students"]}
    assert len(prompts) > 20
    for s in key["students"]:
        for q in s["questions"]:
            assert q.get("check") is not None or q["answer"]["type"] in ("choice", "choices")
            assert q["solution"]
    keymd = (out / "key.md").read_text(encoding="utf-8")
    assert keymd.count("**Answer:**") == 30 * len(slots)


def test_papers_carry_no_answers_solutions_or_secret(tmp_path):
    out = tmp_path / "exam"
    assert run("generate", "--students", "8", "--out", str(out), "--secret", "TOPSECRET-123").exit_code == 0
    key = json.loads((out / "key.json").read_text(encoding="utf-8"))
    for s in key["students"]:
        paper = (out / "papers" / f"{s['student_id']}.md").read_text(encoding="utf-8")
        assert "TOPSECRET" not in paper
        assert s["variant"] in paper
        for q in s["questions"]:
            assert q["solution"] not in paper
            assert not q["pytorch"] or q["pytorch"] not in paper
            for m in q["misconceptions"]:
                assert m["feedback"] not in paper


def test_same_inputs_give_byte_identical_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert run("generate", "--students", "5", "--out", str(out), "--secret", "same").exit_code == 0
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_secret_file_is_created_and_reused(tmp_path):
    out = tmp_path / "exam"
    assert run("generate", "--students", "2", "--out", str(out)).exit_code == 0
    first = (out / "key.json").read_bytes()
    assert (out / ".quizgen-secret").exists()
    assert run("generate", "--students", "2", "--out", str(out)).exit_code == 0
    assert (out / "key.json").read_bytes() == first


def test_roster_names_appear_on_papers(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n2026001,Kim Minji\n2026002,Park Jisoo\n", encoding="utf-8")
    out = tmp_path / "exam"
    assert run("generate", "--roster", str(roster), "--out", str(out), "--secret", "x").exit_code == 0
    assert "Kim Minji" in (out / "papers" / "2026001.md").read_text(encoding="utf-8")


def test_other_exams_key_is_not_overwritten_without_force(tmp_path):
    out = tmp_path / "exam"
    out.mkdir()
    other = '{"format": "quizgen-key/1", "exam": {"id": "final-2025"}, "students": []}'
    (out / "key.json").write_text(other)
    result = run("generate", "--students", "2", "--out", str(out), "--secret", "x")
    assert result.exit_code == 2
    assert "final-2025" in result.output and "--force" in result.output
    assert (out / "key.json").read_text() == other
    assert not (out / "papers").exists()
    assert run("generate", "--students", "2", "--out", str(out), "--secret", "x", "--force").exit_code == 0
    assert json.loads((out / "key.json").read_text())["exam"]["id"] == "dl-basics"


def test_bad_roster_exits_2_without_traceback_or_output(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("student_id\na\na\n")
    out = tmp_path / "exam"
    result = run("generate", "--roster", str(roster), "--out", str(out), "--secret", "x")
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "appears twice" in result.output
    assert not (out / "key.json").exists()


def test_failure_while_rendering_leaves_previous_outputs_intact(tmp_path):
    out = tmp_path / "exam"
    assert run("generate", "--students", "3", "--out", str(out), "--secret", "x").exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    broken = tmp_path / "tpl" / "markdown"
    broken.mkdir(parents=True)
    (broken / "key.md.j2").write_text("{% for x in %}")
    result = run("generate", "--students", "5", "--out", str(out), "--secret", "x",
                 "--templates", str(tmp_path / "tpl"))
    assert result.exit_code == 2 and "syntax error" in result.output
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_library_generate_and_render_refuse_an_unused_templates_folder(tmp_path):
    """`import quizgen` does what the CLI does: the same refusal, before anything is written."""
    from quizgen import api
    from quizgen.errors import RenderError
    out = tmp_path / "exam"
    with pytest.raises(RenderError, match="the templates folder does not exist"):
        api.generate(None, out, students=2, secret="x", templates=tmp_path / "nope")
    assert not out.exists()
    api.generate(None, out, students=2, secret="x")
    before = sorted(p.name for p in out.rglob("*"))
    with pytest.raises(RenderError, match="the templates folder does not exist"):
        api.render(out / "key.json", out, formats="html", templates=tmp_path / "nope")
    assert sorted(p.name for p in out.rglob("*")) == before


def test_templates_folder_that_is_missing_or_unused_is_an_error(tmp_path):
    """--templates used to fall back to the bundled templates without a word: a missing folder,
    or one whose files are not where the renderers look (DIR/markdown/paper.md.j2 ...)."""
    out = tmp_path / "exam"
    result = run("generate", "--students", "2", "--out", str(out), "--secret", "x",
                 "--templates", str(tmp_path / "nope"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{tmp_path / 'nope'}, field '--templates': the templates folder does not exist." in result.output
    flat = tmp_path / "flat"   # the files copied without their format folders
    flat.mkdir()
    (flat / "paper.md.j2").write_text("{{ exam.title }}", encoding="utf-8")
    (flat / "style.css").write_text("body {}", encoding="utf-8")
    result = run("generate", "--students", "2", "--out", str(out), "--secret", "x", "--templates", str(flat))
    assert result.exit_code == 2 and "has no markdown/, html/, typst/ or practice/ subfolder" in result.output
    assert f"paper.md.j2 is at the top of the folder; it belongs in markdown/ ({flat / 'markdown' / 'paper.md.j2'})" \
        in result.output and "style.css is at the top of the folder; it belongs in html/" in result.output
    assert "copy the bundled templates into it (cp -r " in result.output
    (flat / "markdown").mkdir()
    (flat / "markdown" / "paper.md").write_text("x", encoding="utf-8")
    result = run("render", str(tmp_path / "none" / "key.json"), "--format", "md", "--templates", str(flat))
    assert result.exit_code == 2 and "markdown/ subfolder holds none of the template files" in result.output
    assert "did you mean markdown/paper.md.j2?" in result.output
    nested = tmp_path / "outer"   # `cp -r templates outer` when outer already exists
    (nested / "templates" / "html").mkdir(parents=True)
    (nested / "templates" / "html" / "style.css").write_text("body {}", encoding="utf-8")
    result = run("generate", "--students", "2", "--out", str(out), "--secret", "x", "--templates", str(nested))
    assert result.exit_code == 2 and f"Did you mean --templates {nested / 'templates'}?" in result.output
    assert not out.exists()   # nothing written


def test_a_partial_templates_folder_is_used_and_stray_files_are_noted(tmp_path):
    from quizgen.resources import templates_dir
    mine = tmp_path / "tpl"
    (mine / "markdown").mkdir(parents=True)
    source = (templates_dir() / "markdown" / "paper.md.j2").read_text(encoding="utf-8")
    (mine / "markdown" / "paper.md.j2").write_text("MY PAPER\n" + source, encoding="utf-8")
    (mine / "key.md.j2").write_text("x", encoding="utf-8")   # in the wrong place
    out = tmp_path / "exam"
    result = run("generate", "--students", "2", "--out", str(out), "--secret", "x", "--templates", str(mine))
    assert result.exit_code == 0, result.output
    assert (out / "papers" / "s001.md").read_text(encoding="utf-8").startswith("MY PAPER")
    assert f"Note: --templates {mine}: key.md.j2 is at the top of the folder; it belongs in markdown/" \
        in result.output
    result = run("render", str(out / "key.json"), "--format", "html", "--out", str(tmp_path / "h"),
                 "--templates", str(mine))
    assert result.exit_code == 0, result.output
    assert "has no template for the formats asked (they read html/); the bundled templates are used" \
        in result.output


def test_unknown_format_fails_before_any_work(tmp_path):
    result = run("generate", "--students", "2", "--out", str(tmp_path / "o"), "--format", "docx",
                 "--secret", "x")
    assert result.exit_code == 2 and "unknown format 'docx'" in result.output
    assert not (tmp_path / "o").exists()


def test_preview_prints_answer_and_solution():
    result = run("preview", "shape.conv1d", "--seed", "4", "--level", "1")
    assert result.exit_code == 0
    assert "Answer:" in result.output and "Solution:" in result.output
    result = run("preview", "nope.nope")
    assert result.exit_code == 2 and "unknown template" in result.output


def test_default_exam_draws_from_every_topic_of_the_bank(bank):
    from quizgen.exam import load_exam
    from quizgen.resources import default_exam
    exam = load_exam(default_exam(), bank)
    topics = {bank.templates[s.template].topic if s.template else s.topic for s in exam.slots}
    assert topics == set(bank.topics())


def test_generate_can_also_write_lms_files_identical_to_export(tmp_path):
    out = tmp_path / "exam"
    result = run("generate", "--students", "2", "--out", str(out), "--secret", "s",
                 "--format", "md,moodle,gift", "--variants", "3")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "lms").iterdir()) == [".quizgen-export.json", "dl-basics.gift.txt",
                                                               "dl-basics.moodle.xml"]
    exp = tmp_path / "exp"
    assert run("export", "--out", str(exp), "--secret", "s", "--format", "moodle,gift",
               "--variants", "3").exit_code == 0
    for name in ("dl-basics.gift.txt", "dl-basics.moodle.xml", ".quizgen-export.json"):
        assert (out / "lms" / name).read_bytes() == (exp / name).read_bytes()


def test_secret_line_names_where_the_secret_came_from(tmp_path):
    cases = [  # (extra args, $QUIZGEN_SECRET, expected source)
        ([], "envs", "$QUIZGEN_SECRET"),
        (["--secret", "cli"], "envs", "--secret"),
        (["--secret", "cli"], "", "--secret"),
        ([], "", "{out}/.quizgen-secret"),
    ]
    for k, (extra, env, source) in enumerate(cases):
        out = tmp_path / f"exam{k}"
        r = run("generate", "--students", "2", "--out", str(out), *extra, env={"QUIZGEN_SECRET": env})
        assert r.exit_code == 0, r.output
        line = r.output.strip().splitlines()[-1]
        assert line == f"Secret: {source.format(out=out)} (keep it to regenerate the same papers).", (k, line)
        exp = tmp_path / f"lms{k}"
        r = run("export", "--out", str(exp), "--format", "gift", "--variants", "1", *extra,
                env={"QUIZGEN_SECRET": env})
        assert r.exit_code == 0, r.output
        line = r.output.strip().splitlines()[-1]
        assert line == f"Secret: {source.format(out=exp)} (keep it to export the same draws again).", (k, line)


def test_a_partial_of_your_own_is_not_called_unused(tmp_path):
    """A file your paper template includes (html/_answers.html.j2) may be close to a bundled
    name; the note says it is read if included, not that it is unused."""
    from quizgen.resources import templates_dir
    t = tmp_path / "t" / "html"
    t.mkdir(parents=True)
    paper = (templates_dir() / "html" / "paper.html.j2").read_text(encoding="utf-8")
    (t / "paper.html.j2").write_text(paper.replace('{% include "html/_answer.html.j2" %}',
                                                   '{% include "html/_answers.html.j2" %}'),
                                     encoding="utf-8")
    (t / "_answers.html.j2").write_text("<p>MY-PARTIAL</p>", encoding="utf-8")
    out = tmp_path / "exam"
    result = CliRunner().invoke(main, ["generate", "--students", "1", "--out", str(out),
                                                       "--secret", "x", "--format", "html",
                                                       "--templates", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    assert "MY-PARTIAL" in (out / "papers" / "s001.html").read_text(encoding="utf-8")
    assert "html/_answers.html.j2 is not a bundled template name" in result.stderr
    assert "It is not used" not in result.stderr


def test_a_typst_file_of_another_name_is_not_used(tmp_path):
    """Typst reads only the bundled file names (they are copied for the compile), so a
    typst/lib2.typ is 'not used', unlike a Jinja partial that a template may include."""
    from quizgen.render.usertemplates import check
    from quizgen.resources import templates_dir
    t = tmp_path / "t" / "typst"
    t.mkdir(parents=True)
    (t / "paper.typ").write_text((templates_dir() / "typst" / "paper.typ").read_text(encoding="utf-8"),
                                 encoding="utf-8")
    (t / "lib2.typ").write_text("// mine", encoding="utf-8")
    (t / "helpers.typ").write_text("// mine", encoding="utf-8")
    notes = check(tmp_path / "t", ["pdf"])
    assert any("typst/lib2.typ is not a template name; did you mean typst/lib.typ? It is not used." in n
               for n in notes), notes
    assert any("typst/helpers.typ is not a template name; Typst reads only " in n and
               n.endswith("It is not used.") for n in notes), notes
