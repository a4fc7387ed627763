"""`quizgen generate --format pdf,html`, `quizgen render KEY` and `quizgen practice`."""
from __future__ import annotations

import json

import pytest

from click.testing import CliRunner

from quizgen.cli import main
from render_helpers import SECRET, write_exam


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def test_generate_pdf_and_html(tmp_path):
    out = tmp_path / "exam"
    code, text = run("generate", write_exam(tmp_path), "--students", 2, "--format", "pdf,html",
                     "--out", out, "--secret", SECRET, "--duplex")
    assert code == 0, text
    for rel in ("papers-all.pdf", "key.pdf", "key.html", "key.json", "papers/s001.pdf",
                "papers/s002.html"):
        assert (out / rel).is_file(), rel


def test_render_from_an_existing_key(tmp_path):
    out = tmp_path / "exam"
    assert run("generate", write_exam(tmp_path), "--students", 2, "--out", out,
               "--secret", SECRET)[0] == 0
    code, text = run("render", out / "key.json", "--format", "pdf,html", "--out", tmp_path / "r")
    assert code == 0, text
    assert (tmp_path / "r" / "papers-all.pdf").is_file() and (tmp_path / "r" / "papers" / "s001.html").is_file()
    assert not (tmp_path / "r" / "key.json").exists()
    assert "Wrote" in text


def test_render_rejects_a_file_that_is_not_a_key(tmp_path):
    bad = tmp_path / "key.json"
    bad.write_text(json.dumps({"hello": 1}), encoding="utf-8")
    code, text = run("render", bad, "--out", tmp_path / "r")
    assert code == 2 and "not a quizgen key" in text and "Traceback" not in text
    bad.write_text("{not json", encoding="utf-8")
    code, text = run("render", bad, "--out", tmp_path / "r")
    assert code == 2 and "not valid JSON" in text


def test_render_unknown_format(tmp_path):
    code, text = run("render", tmp_path / "key.json", "--format", "docx", "--out", tmp_path / "r")
    assert code == 2 and "unknown format 'docx'" in text


def test_practice_command(tmp_path):
    page = tmp_path / "p.html"
    code, text = run("practice", "output-shape", "param-count", "--n", 2, "--out", page, "--seed", 4)
    assert code == 0, text
    html = page.read_text(encoding="utf-8")
    assert html.count('<article class="item"') == 4 and "quizgenAnswers" in html
    again = tmp_path / "q.html"
    assert run("practice", "output-shape", "param-count", "--n", 2, "--out", again, "--seed", 4)[0] == 0
    assert again.read_text(encoding="utf-8") == html  # same seed, same page


def test_practice_level_over_every_topic_leaves_out_the_topics_without_it(tmp_path):
    """No topic named: --level 3 skips the topics that have no level 3 (with a note) and fails
    only when no topic has it; a topic named explicitly still must have the level."""
    from quizgen import api
    from quizgen.bank import load_bank
    lacking = sorted(topic for topic, ts in load_bank().topics().items()
                     if not any(3 in t.levels for t in ts))
    assert "activation" in lacking   # (the bundled bank's activation topic has levels 1 and 2)
    page = tmp_path / "p.html"
    code, text = run("practice", "--level", 3, "--n", 1, "--out", page, "--seed", 2)
    assert code == 0 and "Wrote" in text, text
    assert f"Note: left out {len(lacking)} topics with no template at level 3: {', '.join(lacking)}." in text
    notes = []
    _, questions = api.practice(n=1, level=3, out=tmp_path / "q.html", seed=2, note=notes.append)
    assert {q.level for q in questions} == {3} and not {q.topic for q in questions} & set(lacking)
    assert len(notes) == 1 and "activation" in notes[0]
    code, text = run("practice", "activation", "--level", 3, "--out", tmp_path / "a.html")
    assert code == 2 and "topic 'activation' has no template with level 3. Its levels: 1, 2." in text
    code, text = run("practice", "--level", 7, "--out", tmp_path / "b.html")
    assert code == 2 and "no topic has a template with level 7. The bank's levels: 1, 2, 3." in text
    assert not (tmp_path / "a.html").exists() and not (tmp_path / "b.html").exists()


def test_practice_refuses_a_templates_folder_it_would_not_read(tmp_path):
    from quizgen import api
    from quizgen.errors import RenderError
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "practice.css").write_text("body {}", encoding="utf-8")
    code, text = run("practice", "pooling", "--out", tmp_path / "p.html", "--templates", tmp_path / "tpl")
    assert code == 2 and "practice.css is at the top of the folder; it belongs in practice/" in text
    assert not (tmp_path / "p.html").exists()
    with pytest.raises(RenderError, match="the templates folder does not exist"):
        api.practice(["pooling"], out=tmp_path / "p.html", templates=tmp_path / "nope")
    (tmp_path / "tpl" / "practice").mkdir()
    (tmp_path / "tpl" / "practice" / "practice.css").write_text("body { color: rebeccapurple }", encoding="utf-8")
    code, text = run("practice", "pooling", "--n", 1, "--out", tmp_path / "p.html", "--templates", tmp_path / "tpl")
    assert code == 0 and "rebeccapurple" in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_practice_unknown_topic(tmp_path):
    code, text = run("practice", "no-such-topic", "--out", tmp_path / "p.html")
    assert code == 2 and "unknown topic 'no-such-topic'" in text and "output-shape" in text


def test_bad_user_template_is_a_clear_error(tmp_path):
    (tmp_path / "tpl" / "typst").mkdir(parents=True)
    (tmp_path / "tpl" / "typst" / "paper.typ").write_text("#let x = (", encoding="utf-8")
    code, text = run("generate", write_exam(tmp_path), "--students", 1, "--format", "pdf",
                     "--out", tmp_path / "o", "--secret", SECRET, "--templates", tmp_path / "tpl")
    assert code == 2 and "Typst could not typeset paper.typ" in text and "Traceback" not in text


def test_render_into_a_folder_of_another_renders_exam_or_draws_needs_force(tmp_path):
    """A folder `render` wrote (no key.json in it) is not silently mixed with another exam's
    papers or other draws; the same key again is fine."""
    exam = write_exam(tmp_path)
    for name, secret in (("a", SECRET), ("b", SECRET + "-other")):
        assert run("generate", exam, "--students", 2, "--out", tmp_path / name, "--secret", secret)[0] == 0
    out = tmp_path / "r"
    assert run("render", tmp_path / "a" / "key.json", "--format", "md", "--out", out)[0] == 0
    before = (out / "papers" / "s001.md").read_bytes()
    assert run("render", tmp_path / "a" / "key.json", "--format", "md", "--out", out)[0] == 0  # same key
    code, text = run("render", tmp_path / "b" / "key.json", "--format", "md", "--out", out)
    assert code == 2 and "other draws" in text and "--force" in text, text
    assert (out / "papers" / "s001.md").read_bytes() == before  # nothing written
    code, text = run("render", tmp_path / "b" / "key.json", "--format", "md", "--out", out, "--force")
    assert code == 0, text
    assert (out / "papers" / "s001.md").read_bytes() != before


def test_render_of_another_class_in_between_does_not_unlock_a_redraw(tmp_path):
    """Rendering class A, then class B of the same exam, then A with another secret: the
    second render is refused (A's papers would stay beside B's key files), so the third
    can never silently replace A's printed papers."""
    exam = write_exam(tmp_path)
    for name, n, secret in (("a", 3, SECRET), ("b", 2, SECRET), ("a2", 3, SECRET + "-x")):
        assert run("generate", exam, "--students", n, "--out", tmp_path / name, "--secret", secret)[0] == 0
    (tmp_path / "b" / "key.json").write_text(
        (tmp_path / "b" / "key.json").read_text(encoding="utf-8").replace('"s001"', '"t001"').replace(
            '"s002"', '"t002"'), encoding="utf-8")
    out = tmp_path / "r"
    assert run("render", tmp_path / "a" / "key.json", "--format", "md", "--out", out)[0] == 0
    code, text = run("render", tmp_path / "b" / "key.json", "--format", "md", "--out", out)
    assert code == 2 and "3 student(s) this key does not have (first: 's001')" in text, text
    code, text = run("render", tmp_path / "a2" / "key.json", "--format", "md", "--out", out)
    assert code == 2 and "other draws" in text
    # --force replaces the class: the papers of students left out, and key.md, are rewritten or removed
    code, text = run("render", tmp_path / "b" / "key.json", "--format", "html", "--out", out, "--force")
    assert code == 0, text
    assert sorted(p.name for p in (out / "papers").iterdir()) == ["t001.html", "t002.html"]
    assert not (out / "key.md").exists() and (out / "key.html").exists()


def test_render_writes_beside_the_key_by_default(tmp_path):
    out = tmp_path / "exam"
    assert run("generate", write_exam(tmp_path), "--students", 2, "--out", out, "--secret", SECRET)[0] == 0
    code, text = run("render", out / "key.json", "--format", "html")
    assert code == 0, text
    assert (out / "papers" / "s001.html").is_file() and (out / "key.html").is_file()


def test_render_of_a_bilingual_folder_writes_where_generate_did(tmp_path):
    """The top key.json of `--lang en,ko` is the English key; its papers live in en/."""
    out = tmp_path / "exam"
    assert run("generate", "--students", 2, "--lang", "en,ko", "--out", out, "--secret", SECRET)[0] == 0
    code, text = run("render", out / "key.json", "--format", "md,html")
    assert code == 0 and "exam/en/" in text, text
    assert (out / "en" / "papers" / "s001.html").is_file() and (out / "en" / "key.html").is_file()
    assert not (out / "papers").exists() and not (out / "key.html").exists()
    english = (out / "en" / "papers" / "s001.md").read_text(encoding="utf-8")
    assert run("render", out / "ko" / "key.json", "--format", "html")[0] == 0
    assert (out / "ko" / "papers" / "s001.html").is_file() and not (out / "ko" / "ko").exists()
    # the English Markdown paper re-rendered from the top key equals generate's own
    assert run("generate", "--students", 2, "--lang", "en,ko", "--out", tmp_path / "again",
               "--secret", SECRET)[0] == 0
    assert (tmp_path / "again" / "en" / "papers" / "s001.md").read_text(encoding="utf-8") == english


def test_bilingual_render_after_new_draws_and_of_a_copied_key(tmp_path):
    """After generate --force with new draws, the top key renders into en/ again (en/'s record
    of its papers is generate's, not an earlier render's); a key under another name renders
    beside itself and is checked against the folder's own key.json, as before."""
    out = tmp_path / "bi"
    assert run("generate", "--students", 2, "--lang", "en,ko", "--out", out, "--secret", "a")[0] == 0
    assert run("render", out / "key.json", "--format", "html")[0] == 0
    assert run("generate", "--students", 2, "--lang", "en,ko", "--out", out, "--secret", "c",
               "--force")[0] == 0
    code, text = run("render", out / "key.json", "--format", "html")
    assert code == 0 and "bi/en/" in text, text
    other = tmp_path / "other"
    assert run("generate", write_exam(tmp_path), "--students", 3, "--out", other, "--secret", SECRET)[0] == 0
    (out / "makeup.json").write_bytes((other / "key.json").read_bytes())
    before = {p: p.read_bytes() for p in (out / "en").rglob("*") if p.is_file()}
    code, text = run("render", out / "makeup.json", "--format", "md")
    assert code == 2 and "it already holds key.json of exam" in text, text
    assert {p: p.read_bytes() for p in (out / "en").rglob("*") if p.is_file()} == before
