"""The practice page in headless Chromium: Check shows right, a known mistake's feedback,
or why the text cannot be read, for every answer type; solutions on request."""
from __future__ import annotations

import json

import pytest

from quizgen import api
from quizgen.answers import REASONS, matches
from quizgen.model import ANSWER_TYPES
from quizgen.render import practice
from render_helpers import answer_text, browser, synthetic_questions  # noqa: F401 (fixture)

GARBAGE = {"integer": "twelve", "real": "1..5", "shape": "16 x fifty", "vector": "1, , 3",
           "matrix": "[[1,2],[3]]", "choice": "?", "choices": "none"}


def _open(browser, path):  # noqa: F811
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return page, errors


def _check(page, n, text):
    page.fill(f"#answer-{n}", text)
    page.click(f"#item-{n} button.check")
    result = page.locator(f"#item-{n} .result")
    return result.get_attribute("data-state"), result.inner_text()


@pytest.fixture(scope="module")
def synthetic(browser, tmp_path_factory):  # noqa: F811
    path = tmp_path_factory.mktemp("practice") / "page.html"
    questions = synthetic_questions()
    path.write_text(practice.page(questions, topics=["test"]), encoding="utf-8")
    page, errors = _open(browser, path)
    yield page, questions
    assert not errors
    page.close()


def test_every_answer_type_is_covered(synthetic):
    _, questions = synthetic
    assert {q.answer_type for q in questions} == set(ANSWER_TYPES)


@pytest.mark.parametrize("k", range(7))
def test_correct_answer_shows_correct(synthetic, k):
    page, questions = synthetic
    q = questions[k]
    state, text = _check(page, k + 1, answer_text(q.answer_type, q.answer_value))
    assert state == "correct", (q.answer_type, text)
    assert "Correct!" in text


@pytest.mark.parametrize("k", range(7))
def test_known_mistake_shows_its_feedback(synthetic, k):
    page, questions = synthetic
    q = questions[k]
    state, text = _check(page, k + 1, answer_text(q.answer_type, q.misconceptions[0].value))
    assert state == "incorrect", (q.answer_type, text)
    assert f"Feedback for the {q.answer_type} slip." in text
    assert page.get_attribute(f"#item-{k + 1} .result", "data-misconception") == "0"


@pytest.mark.parametrize("k", range(7))
def test_garbage_shows_why_it_cannot_be_read(synthetic, k):
    page, questions = synthetic
    q = questions[k]
    state, text = _check(page, k + 1, GARBAGE[q.answer_type])
    assert state == "invalid", (q.answer_type, text)
    assert text.startswith("Cannot read this answer:")
    assert "Feedback for" not in text


def test_partly_right_and_plain_wrong(synthetic):
    page, _ = synthetic
    assert _check(page, 3, "16 x 50 x 49")[0] == "partly"   # shape: 2 of 3 parts
    assert "2 of 3 parts" in _check(page, 3, "16 x 50 x 49")[1]
    assert _check(page, 1, "12345") == ("incorrect", "Not correct.\nRead as: 12345")
    assert _check(page, 2, "0.254")[0] == "correct"          # within the tolerance
    assert _check(page, 1, "")[0] == "invalid"


def test_feedback_can_be_shown_again_after_another_answer(synthetic):
    page, questions = synthetic
    q = questions[0]
    for _ in range(2):
        state, text = _check(page, 1, answer_text(q.answer_type, q.misconceptions[0].value))
        assert "Feedback for the integer slip." in text
        assert _check(page, 1, "990")[0] == "correct"


def test_solution_on_request(synthetic):
    page, _ = synthetic
    sol = page.locator("#item-2 .solution")
    assert not sol.is_visible()
    page.click("#item-2 button.show")
    assert sol.is_visible() and "Because" in sol.inner_text()
    assert page.locator("math", has_text="").count() >= 1
    page.click("#item-2 button.show")
    assert not sol.is_visible()


def test_page_is_self_contained(synthetic):
    _, questions = synthetic
    html = practice.page(questions)
    assert "src=" not in html and "<link" not in html and "http://" not in html.replace(
        "http://www.w3.org/1998/Math/MathML", "")
    data = html.split('<script id="qz-data" type="application/json">')[1].split("</script>")[0]
    assert "<" not in data
    parsed = json.loads(data)
    assert parsed["questions"][0]["value"] == 990 and parsed["reasons"]["number"] == REASONS["number"]["en"]


def test_bank_practice_page_checks_every_question(browser, tmp_path):  # noqa: F811
    out, questions = api.practice(n=1, out=tmp_path / "p.html", seed=11)
    assert out.is_file() and len(questions) == len({q.topic for q in questions})
    page, errors = _open(browser, out)
    for k, q in enumerate(questions, 1):
        state, text = _check(page, k, answer_text(q.answer_type, q.answer_value))
        assert state == "correct", (q.template, text)
        if q.misconceptions:
            m = q.misconceptions[0]
            state, text = _check(page, k, answer_text(q.answer_type, m.value))
            assert state == "incorrect" and page.get_attribute(
                f"#item-{k} .result", "data-misconception") is not None, (q.template, text)
            assert matches(q.answer_type, m.value, m.value, q.tolerance)
        assert _check(page, k, GARBAGE[q.answer_type])[0] == "invalid"
    assert not errors
    page.close()


def test_korean_practice_page(browser, tmp_path):  # noqa: F811
    out, questions = api.practice(["output-shape"], n=1, out=tmp_path / "ko.html", lang="ko", seed=3)
    page, errors = _open(browser, out)
    assert page.get_attribute("html", "lang") == "ko"
    state, text = _check(page, 1, "열여섯")
    assert state == "invalid" and "답을 읽을 수 없습니다" in text
    state, text = _check(page, 1, answer_text("shape", questions[0].answer_value))
    assert state == "correct" and "정답입니다" in text
    assert not errors
    page.close()
