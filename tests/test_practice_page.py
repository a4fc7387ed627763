"""The practice page in headless Chromium: Check gives the grader's verdict (right, partly
right, wrong; a known mistake's feedback, also when the answer is partly right; entries that
could not be read) or why the text cannot be read, for every answer type; solutions on
request."""
from __future__ import annotations

import json

import pytest

from quizgen import api
from quizgen.answers import REASONS, explain, matches
from quizgen.grading.scoring import score
from quizgen.model import ANSWER_TYPES
from quizgen.render import practice
from render_helpers import answer_text, browser, synthetic_questions, check_answer, open_page  # noqa: F401 (fixture)
from test_practice_js import decimal_questions, typed_answers

# the page's state for each status of quizgen.grading.scoring.score
STATE = {"correct": "correct", "partial": "partly", "wrong": "incorrect", "invalid": "invalid",
         "blank": "invalid"}

# Answers the grader cannot read at all (an answer with some readable entries is scored).
GARBAGE = {"integer": "twelve", "real": "1..5", "shape": "sixteen x fifty", "vector": "one, , two",
           "matrix": "[[1,2],[3]]", "choice": "?", "choices": "none"}


_open, _check = open_page, check_answer


def _served(browser, tmp_path_factory, name, questions, **options):
    """(page, questions) of a practice page of ``questions``; no console errors by the end."""
    path = tmp_path_factory.mktemp("practice") / name
    path.write_text(practice.page(questions, **options), encoding="utf-8")
    page, errors = _open(browser, path)
    yield page, questions
    assert not errors
    page.close()


@pytest.fixture(scope="module")
def synthetic(browser, tmp_path_factory):  # noqa: F811
    yield from _served(browser, tmp_path_factory, "page.html", synthetic_questions(), topics=["test"])


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
    typed = answer_text(q.answer_type, q.misconceptions[0].value)
    mark = score(q, typed)
    state, text = _check(page, k + 1, typed)
    assert mark.misconception == q.misconceptions[0].id
    assert state == STATE[mark.status], (q.answer_type, text)   # the grader's verdict
    assert f"Feedback for the {q.answer_type} slip." in text
    assert page.get_attribute(f"#item-{k + 1} .result", "data-misconception") == "0"


def test_partly_right_known_mistake_shows_both(synthetic):
    """16 x 48 x 48 against 16 x 50 x 50 is the slip's value and 1 of 3 parts right: the
    grader gives partial credit and names the slip, so the page shows both."""
    page, questions = synthetic
    mark = score(questions[2], "16 x 48 x 48")
    assert (mark.status, mark.parts, mark.misconception) == ("partial", (1, 3), "shape-slip")
    state, text = _check(page, 3, "16 x 48 x 48")
    assert state == "partly" and "1 of 3 parts" in text, text
    assert "Feedback for the shape slip." in text
    state, text = _check(page, 3, "16 x 50 x 49")          # partly right, no known mistake
    assert state == "partly" and "Feedback for" not in text
    assert page.get_attribute("#item-3 .result", "data-misconception") is None


@pytest.mark.parametrize("k", range(7))
def test_garbage_shows_why_it_cannot_be_read(synthetic, k):
    page, questions = synthetic
    q = questions[k]
    assert score(q, GARBAGE[q.answer_type]).status == "invalid"
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


def test_multiple_answers_say_what_wrong_ticks_cost(synthetic):
    page, questions = synthetic
    q = questions[6]
    assert q.answer_type == "choices" and q.answer_value == [0, 2]
    for typed, state, words in [
            ("A B C", "partly", "Partly correct: 2 of the 2 right options ticked; wrong ticks: 1 "
                                "(each takes away one right one)."),
            ("A", "partly", "Partly correct: 1 of the 2 right options ticked."),
            ("A B", "incorrect", "Not correct: 1 of the 2 right options ticked, but wrong ticks: 1"),
            ("B D", "incorrect", "Not correct.\n")]:
        got = _check(page, 7, typed)
        assert got[0] == state == STATE[score(q, typed).status] and words in got[1], (typed, got)


@pytest.fixture(scope="module")
def decimal_page(browser, tmp_path_factory):  # noqa: F811
    yield from _served(browser, tmp_path_factory, "decimals.html", decimal_questions())


def test_decimal_commas_and_unread_entries_on_the_page(decimal_page):
    page, questions = decimal_page
    n = {q.slot: k for k, q in enumerate(questions, 1)}
    assert _check(page, n["r1"], "2,617")[0] == "correct"                # decimals asked
    assert _check(page, n["r3"], "18,500")[0] == "correct"
    assert _check(page, n["r4"], "3,112")[0] == "invalid"                # no decimals asked
    assert _check(page, n["i1"], "3,424")[0] == "correct"                # an integer
    assert _check(page, n["v1"], "0,000; 0,000; 2,300; 3,000")[0] == "correct"
    assert _check(page, n["v2"], "0,206, 1,076")[0] == "correct"
    state, text = _check(page, n["m1"], "0 -0,792 0; 0 4,608 x")
    assert state == "partly" and "5 of 6 parts" in text, text
    assert "Not every entry could be read (could not read 'x' as a number)" in text
    assert "Read as: [[0, -0.792, 0], [0, 4.608, _]]" in text
    state, text = _check(page, n["c2"], "B")                          # B against B, D
    assert state == "partly" and "slip 0" in text, text


def test_every_verdict_follows_the_grader(decimal_page):
    """Each answer derived from the questions' values, through the page's Check: the state,
    the partial count, the mistake's feedback and the unread-entry note are the grader's."""
    page, questions = decimal_page
    cases = [(k, q, text) for k, q in enumerate(questions) for text in typed_answers(q)]
    shown = page.evaluate("""cases => cases.map(([k, text]) => {
        document.querySelector('#answer-' + (k + 1)).value = text;
        quizgenPractice.check(k);
        const out = document.querySelector('#item-' + (k + 1) + ' .result');
        const mis = out.querySelector('.mis');
        const unread = out.querySelector('.unread');
        return [out.dataset.state, out.textContent, mis ? mis.dataset.k : null,
                unread ? unread.textContent : null];
    })""", [[k, text] for k, q, text in cases])
    bad = []
    for (k, q, text), (state, content, mis, unread) in zip(cases, shown):
        m = score(q, text)
        want_mis = next((str(i) for i, mc in enumerate(q.misconceptions)
                         if mc.id == m.misconception), None)
        want_unread = (explain(m.reason) if m.reason is not None and m.reason.ok else None)
        ok = (state == STATE[m.status] and mis == want_mis
              and (unread is None) == (want_unread is None)
              and (want_unread is None or want_unread in unread)
              and (m.status != "partial" or f"{m.parts[0]} of {m.parts[1]} parts" in content
                   or q.answer_type == "choices" and f"{m.parts[0]} of the {m.parts[1]} right" in content)
              and (m.status != "invalid" or explain(m.reason) in content))
        if not ok:
            bad.append((q.slot, text, m, state, mis, unread, content))
    assert not bad, bad[:5]
    statuses = [score(q, text) for _, q, text in cases]
    assert sum(1 for m in statuses if m.status == "partial" and m.misconception) >= 5
    assert sum(1 for m in statuses if m.status == "partial" and m.reason is not None) >= 5


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
            typed = answer_text(q.answer_type, m.value)
            state, text = _check(page, k, typed)
            assert state == STATE[score(q, typed).status] and page.get_attribute(
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
