"""The practice page's words: topics by their names in the page's language (a user bank's
unknown topic by its id), a plain request for an answer when Check is pressed on an empty
box, and Korean UI text in the papers' formal style (합쇼체: -십시오, never -세요)."""
from __future__ import annotations

import dataclasses
import json
import re

import pytest

from quizgen import api
from quizgen.bank import load_bank
from quizgen.i18n import messages
from quizgen.render import practice
from render_helpers import browser, synthetic_questions, check_answer, open_page  # noqa: F401 (fixture)

KOREAN_TOPICS = {
    "activation": "활성화 함수", "backprop": "역전파", "concepts": "개념", "convolution": "합성곱",
    "fc-vs-conv": "완전 연결 층과 합성곱 층", "gradient-descent": "경사 하강법", "loss": "손실 함수",
    "param-count": "파라미터 수", "pooling": "풀링", "receptive-field": "수용 영역",
    "output-shape": "출력 형태",
}


_open, _check = open_page, check_answer


def _page_data(html: str) -> dict:
    return json.loads(html.split('<script id="qz-data" type="application/json">')[1].split("</script>")[0])


def test_every_bundled_topic_has_a_name_in_every_language():
    topics = set(load_bank(None).topics())
    assert topics == set(KOREAN_TOPICS)
    for topic, name in KOREAN_TOPICS.items():
        assert messages("ko")[f"topic_name_{topic}"] == name
        english = messages("en")[f"topic_name_{topic}"]
        assert english != topic and english[0].isupper() and "-" not in english, english


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_page_names_topics_in_its_language(browser, tmp_path, lang):  # noqa: F811
    out, questions = api.practice(n=1, out=tmp_path / f"{lang}.html", lang=lang, seed=5)
    page, errors = _open(browser, out)
    note = page.inner_text("p.note")
    metas = page.locator("article.item .meta").all_inner_texts()
    page.close()
    assert not errors
    names = [messages(lang)[f"topic_name_{q.topic}"] for q in questions]
    assert note.startswith(messages(lang)["topic"] + ": " + ", ".join(names)), note
    for k, (q, meta) in enumerate(zip(questions, metas), 1):
        assert f"{messages(lang)['question']} {k} · {names[k - 1]}" in meta, meta
        if lang == "ko":  # no English topic id left: fc-vs-conv, param-count...
            assert q.topic not in meta and q.topic not in note.split("·")[0]


def test_an_unknown_topic_is_shown_by_its_id():
    qs = [dataclasses.replace(q, topic="my-topic") for q in synthetic_questions()[:1]]
    html = practice.page(qs, lang="ko", topics=["my-topic"])
    assert "주제: my-topic ·" in html and "문제 1 · my-topic" in html


@pytest.mark.parametrize("lang,message", [("ko", "답을 입력하십시오."), ("en", "Type an answer first.")])
def test_a_blank_answer_asks_for_one(browser, tmp_path, lang, message):  # noqa: F811
    path = tmp_path / "p.html"
    path.write_text(practice.page(synthetic_questions(), lang=lang), encoding="utf-8")
    page, errors = _open(browser, path)
    for n, typed in ((1, ""), (3, "   "), (5, "\n")):
        state, text = _check(page, n, typed)
        assert state == "invalid" and text == message, (n, text)
    state, text = _check(page, 1, "twelve")  # an answer that cannot be read still says why
    assert text.startswith(messages(lang)["invalid"].split("{")[0]) and "twelve" in text
    page.close()
    assert not errors


def _korean_ui_strings() -> list[str]:
    html = practice.page(synthetic_questions(), lang="ko")
    data = _page_data(html)
    t = messages("ko")
    chrome = [t[k] for k in ("practice_title", "practice_note", "check", "show_solution",
                             "hide_solution", "your_answer", "topic", "level", "question")]
    return chrome + list(data["labels"].values()) + list(data["reasons"].values())


def test_korean_page_text_is_formal():
    strings = _korean_ui_strings()
    informal = [s for s in strings if re.search(r"(세요|해요|어요|아요|합시다)[.!)(']?", s)]
    assert not informal, informal
    assert any("고르십시오" in s for s in strings) and any("사용하십시오" in s for s in strings)
