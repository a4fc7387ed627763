"""api.generate renders each paper's Markdown and key.json part where the paper is built;
the assembled files must equal the whole-quiz renderers byte for byte."""
import json

from quizgen import api
from quizgen.build import build_quiz
from quizgen.exam import numbered_students
from quizgen.output import dumps_key, dumps_key_student, join_key
from quizgen.render import markdown


def _quiz(n=3, lang="en"):
    exam, bank = api.load()
    return build_quiz(exam, bank, numbered_students(n), "split-test", lang=lang)


def test_key_md_is_head_plus_paper_sections():
    for lang in ("en", "ko"):
        quiz = _quiz(lang=lang)
        parts = [markdown.paper_parts(quiz.exam, p) for p in quiz.papers]
        assert all(section is not None for _, _, section in parts)
        files = markdown.assemble(quiz, parts)
        assert files["key.md"] == markdown.instructor_key(quiz)
        assert "".join(markdown.assemble(quiz, parts, joined=False)["key.md"]) == files["key.md"]
        for p in quiz.papers:
            name = f"papers/{markdown.safe_name(p.student.student_id)}.md"
            assert files[name] == markdown.student_paper(quiz, p)


def test_key_json_from_parts_equals_dumps_key():
    quiz = _quiz()
    d = quiz.to_dict()
    parts = [dumps_key_student(p.to_dict()) for p in quiz.papers]
    assert join_key(d["format"], d["exam"], parts).decode("utf-8") == dumps_key(d)
    assert join_key(d["format"], d["exam"], []).decode("utf-8") == dumps_key({**d, "students": []})
    assert json.loads(dumps_key(d)) == d  # the same data whatever the encoder
    assert json.loads(dumps_key({**d, "students": []})) == {**d, "students": []}


def test_generate_reads_the_quiz_back_when_it_did_not_keep_it(tmp_path):
    """Markdown-only generate does not keep the papers in memory; ``result.quiz`` is read
    back from key.json and equals the quiz built directly."""
    exam, bank = api.load()
    built = build_quiz(exam, bank, numbered_students(4), "lazy").to_dict()
    result = api.generate(None, tmp_path / "md", students=4, secret="lazy")
    assert result.built_quiz is None
    assert (result.n_papers, result.n_questions) == (4, len(exam.slots))
    assert result.quiz.to_dict() == built
    kept = api.generate(None, tmp_path / "html", students=4, secret="lazy", formats=["md", "html"])
    assert kept.built_quiz is not None and kept.quiz.to_dict() == built


def test_forked_workers_write_the_same_files_as_one_process(tmp_path, monkeypatch):
    import multiprocessing

    import pytest

    from quizgen import build
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform: generate always builds in one process")
    monkeypatch.setattr(build, "_workers", lambda n_questions: 1)
    api.generate(None, tmp_path / "one", students=9, secret="par", lang="en,ko")
    monkeypatch.setattr(build, "_workers", lambda n_questions: 2)
    par = api.generate(None, tmp_path / "two", students=9, secret="par", lang="en,ko")
    one_files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*") if p.is_file())
    assert one_files == sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*") if p.is_file())
    assert len(one_files) > 20
    for rel in one_files:
        if rel.name != ".quizgen-secret":
            assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes(), rel
    assert len(par.quiz.papers) == 9
