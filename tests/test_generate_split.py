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
