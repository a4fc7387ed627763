"""Korean papers, keys and practice page: the same words in every format.

- points: Korean attaches the counter ("1점", "2점"), in Markdown, HTML and PDF alike;
  English keeps "1 point", "2 points";
- the hint for a real-number answer is not "실수", which also means "mistake" (the key
  and the practice page have "자주 하는 실수", typical mistakes);
- HTML: Hangul words are not broken across lines (word-break: keep-all), and a long
  token still wraps instead of running out of its box;
- PDF: the same for Typst, which has no such setting (each Hangul run is a box).
"""
from __future__ import annotations

import dataclasses
import re

import pytest

from quizgen.i18n import messages
from quizgen.model import ExamInfo, Quiz, Student, StudentPaper
from quizgen.render import html, markdown, pdf, practice
from render_helpers import browser, pdf_layout_text, pdf_text, synthetic_questions  # noqa: F401 (fixture)

LONG_PROMPT = ("다음 계산 그래프에서 각 원소의 국소 기울기는 그 원소에서의 편미분이며, 출력에 대한 "
               "입력의 기울기를 연쇄 법칙으로 계산하십시오. 결과를 소수 셋째 자리까지 반올림하여 "
               "벡터로 답하십시오. 각 층의 출력 형태를 확인하고 합성곱 연산의 결과를 행렬로 "
               "쓰십시오. 활성화 함수의 도함수를 이용하여 역전파를 완료하십시오.")
LONG_TOKEN = "torch.nn.functional.cross_entropy_with_a_very_long_identifier_" * 4


def _quiz(lang: str, points=(1, 2)) -> Quiz:
    qs = synthetic_questions()[:2]
    qs = [dataclasses.replace(q, points=p) for q, p in zip(qs, points)]
    return Quiz(ExamInfo(id="ko", title="시험", lang=lang),
                (StudentPaper(Student("s1", "김민준"), "V1", tuple(qs)),))


@pytest.mark.parametrize("lang,one,two", [("ko", "1점", "2점"), ("en", "1 point", "2 points")])
def test_points_read_the_same_in_markdown_html_and_typst(lang, one, two):
    quiz = _quiz(lang)
    paper = markdown.student_paper(quiz, quiz.papers[0])
    key = markdown.instructor_key(quiz)
    page, key_page = html.student_page(quiz, quiz.papers[0]), html.key_page(quiz)
    data = pdf.build_data(quiz, key=False)
    assert [q["points_text"] for q in data["students"][0]["questions"]] == [one, two]
    for text in (paper, key, page, key_page):
        assert one in text and two in text
        if lang == "ko":
            assert "1 점" not in text and "2 점" not in text
    assert f"({one})" in paper and f"· {two}" in key


def test_korean_pdf_points():
    from quizgen.render import fonts
    if fonts.find_cjk() is None:
        pytest.skip("no Korean font installed")
    out = pdf.files(_quiz("ko"), key=True)
    for name in ("papers-all.pdf", "key.pdf"):
        text = pdf_text(out[name])
        assert "1점" in text and "2점" in text and "1 점" not in text, name


def test_real_hint_is_not_the_word_for_mistake():
    t = messages("ko")
    assert "실수" not in t["answer_hint_real"] and "수" in t["answer_hint_real"]
    assert "실수" in t["misconceptions"]  # "자주 하는 실수": the word stays for mistakes
    quiz = _quiz("ko")
    real = f"({t['answer_hint_real']})"
    assert real in markdown.student_paper(quiz, quiz.papers[0])
    assert real in html.student_page(quiz, quiz.papers[0])
    assert pdf.build_data(quiz, key=False)["students"][0]["questions"][1]["hint"] == t["answer_hint_real"]
    page = practice.page(synthetic_questions()[:2], lang="ko")
    assert real in page and "(실수)" not in page


_WORDS_JS = """(sel) => {
    // the line (top of its box) of every character of the element's text, word by word
    const el = document.querySelector(sel);
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const words = [];
    let word = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.data.length; i++) {
            if (/\\s/.test(node.data[i])) { if (word.length) words.push(word); word = []; continue; }
            const r = document.createRange();
            r.setStart(node, i); r.setEnd(node, i + 1);
            const box = r.getClientRects()[0];
            if (box) word.push([node.data[i], Math.round(box.top)]);
        }
    }
    if (word.length) words.push(word);
    return {words, overflow: el.scrollWidth - el.clientWidth,
            lines: new Set(words.flat().map(c => c[1])).size};
}"""


def _broken_words(result) -> list[str]:
    return ["".join(c for c, _ in w) for w in result["words"] if len({top for _, top in w}) > 1]


def _korean_questions():
    qs = synthetic_questions()[:2]
    return [dataclasses.replace(qs[0], prompt=LONG_PROMPT),
            dataclasses.replace(qs[1], prompt=f"긴 토큰: {LONG_TOKEN} 입니다.")]


@pytest.mark.parametrize("kind", ["paper", "practice"])
@pytest.mark.parametrize("width", [360, 520, 700])
def test_korean_html_breaks_lines_between_words(browser, tmp_path, kind, width):  # noqa: F811
    qs = _korean_questions()
    if kind == "paper":
        quiz = Quiz(ExamInfo(id="ko", title="시험", lang="ko"),
                    (StudentPaper(Student("s1", "김민준"), "V1", tuple(qs)),))
        text, first, second = (html.student_page(quiz, quiz.papers[0]),
                               "#q1 p", "#q2 p")
    else:
        text, first, second = practice.page(qs, lang="ko"), "#item-1 p", "#item-2 p"
    path = tmp_path / f"{kind}.html"
    path.write_text(text, encoding="utf-8")
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(path.as_uri())
    prose, token = page.evaluate(_WORDS_JS, first), page.evaluate(_WORDS_JS, second)
    page.close()
    assert prose["lines"] >= 3                       # the text does wrap at this width
    assert not _broken_words(prose), _broken_words(prose)
    assert token["overflow"] <= 1 and token["lines"] >= 2  # a long token wraps inside its box


@pytest.mark.parametrize("lang,expected", [("ko", "keep-all"), ("en", "normal")])
def test_keep_all_is_for_korean_pages_only(browser, tmp_path, lang, expected):  # noqa: F811
    quiz = Quiz(ExamInfo(id=lang, title="T", lang=lang),
                (StudentPaper(Student("s1"), "V1", tuple(synthetic_questions()[:1])),))
    pages = {"paper.html": html.student_page(quiz, quiz.papers[0]), "key.html": html.key_page(quiz),
             "practice.html": practice.page(synthetic_questions()[:1], lang=lang)}
    tab = browser.new_page()
    for name, text in pages.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        tab.goto((tmp_path / name).as_uri())
        assert tab.evaluate("getComputedStyle(document.querySelector('p')).wordBreak") == expected, name
    tab.close()


_HANGUL_RUN = re.compile("[\uac00-\ud7a3]+")
# Words with a bracket inside, as the bank writes them: the terms in English after the Korean.
BRACKET_PROMPT = ("역전파(backpropagation)는 상위 기울기(upstream)와 국소 기울기(local)를 곱합니다. "
                  "출력 형태(shape)는 팽창(dilation)과 패딩(padding)에 달려 있고, 펼치기(flatten)는 "
                  "바(괄호)입니다. ") * 6


def test_korean_pdf_breaks_lines_between_words(tmp_path):
    """Every Hangul run on a line of the PDF is a whole word of the text: no line ends
    inside a word. (Without the boxes, Typst broke this prompt inside 4-6 words.)"""
    from quizgen.render import fonts
    if fonts.find_cjk() is None:
        pytest.skip("no Korean font installed")
    qs = _korean_questions()
    quiz = Quiz(ExamInfo(id="ko", title="시험", lang="ko"),
                (StudentPaper(Student("s1", "김민준"), "V1", tuple(qs)),))
    path = tmp_path / "papers-all.pdf"
    path.write_bytes(pdf.files(quiz, key=False)["papers-all.pdf"])
    text = pdf_layout_text(path)
    words = set(_HANGUL_RUN.findall(LONG_PROMPT))
    pieces = [run for line in text.splitlines() for run in _HANGUL_RUN.findall(line)]
    assert sum(1 for line in text.splitlines() if words & set(_HANGUL_RUN.findall(line))) >= 3  # it wraps
    assert words <= set(pieces)                     # every word of the prompt appears whole
    others = set(_HANGUL_RUN.findall("시험 김민준 긴 토큰 입니다 "
                                     + " ".join(str(v) for v in messages("ko").values())))
    broken = sorted({run for run in pieces if run not in words} - others)
    assert not broken, broken


def test_korean_pdf_keeps_words_with_brackets_whole(tmp_path):
    """A word such as 형태(shape)는 is not broken before or after its bracket, as the HTML's
    keep-all keeps it (before, lines of this prompt began or ended inside six such words)."""
    from quizgen.render import fonts
    if fonts.find_cjk() is None:
        pytest.skip("no Korean font installed")
    q = dataclasses.replace(synthetic_questions()[0], prompt=BRACKET_PROMPT)
    quiz = Quiz(ExamInfo(id="ko", title="시험", lang="ko"), (StudentPaper(Student("s1", "김민준"), "V1", (q,)),))
    path = tmp_path / "papers-all.pdf"
    path.write_bytes(pdf.files(quiz, key=False)["papers-all.pdf"])
    words = set(BRACKET_PROMPT.split())
    lines = [line.split() for line in pdf_layout_text(path).splitlines()]
    prose = [w for w in lines if w and set(w) & words]
    assert len(prose) >= 6                                   # the prompt wraps many times
    ends = {w[i] for w in prose for i in (0, -1)}
    broken = sorted(x for x in ends if x not in words and _HANGUL_RUN.search(x))
    assert not broken, broken
