"""Markdown papers and key.md show roster text (names, ids) and the exam's plain-text
fields (title, course) as they are: a Markdown viewer must not read HTML, emphasis, links,
math or headings in them. Checked by rendering the files with two Markdown readers
(markdown-it with dollar math, as quizgen's own HTML; pandoc's Markdown, with its
extensions) and comparing the elements with those of the same file for a plain name."""
from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html

from quizgen.model import ExamInfo, Quiz, Student, StudentPaper
from quizgen.render import markdown
from render_helpers import synthetic_questions

HOSTILE = [
    "<img src=x onerror=alert(1)> *Star* #hash $x$",
    "_Under_ `code` [link](http://example.com) ~~gone~~ ~sub~ ^sup^ &amp; &#65; back\\slash",
    "1. Kim | Lee {#id .cls} @cite <http://example.com> <!-- c -->",
    "- Park",
    "# Choi",
    "Kim\nLee\r\n\n# Heading",
    "**강** __민__ 준$$x$$",
]


def _quiz(name: str, sid: str = "s1", title: str = "Midterm", course: str = "DL 101") -> Quiz:
    return Quiz(ExamInfo(id="md", title=title, course=course),
                (StudentPaper(Student(sid, name), "V1", tuple(synthetic_questions()[:2])),))


def _mdit(text: str) -> str:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return md.use(dollarmath_plugin).render(text)


def _pandoc(text: str) -> str:
    """pandoc's Markdown with all its syntax extensions; only "smart" typography (-- as a
    dash, curly quotes) is off: it changes how punctuation looks, not what is markup."""
    import pypandoc
    return pypandoc.convert_text(text, "html", format="markdown-smart", extra_args=["--mathjax"])


READERS = {"markdown-it": _mdit, "pandoc": _pandoc}


def _structure(page: str) -> tuple[list[str], str]:
    """(the elements of the rendered page with their classes, its visible text)."""
    root = lxml_html.fromstring(f"<div>{page}</div>")
    tags = [f"{el.tag}.{el.get('class', '')}" for el in root.iter() if isinstance(el.tag, str)]
    return tags, re.sub(r"\s+", " ", root.text_content())


def _files(quiz: Quiz) -> dict[str, str]:
    return {"paper": markdown.student_paper(quiz, quiz.papers[0]), "key": markdown.instructor_key(quiz)}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("name", HOSTILE)
def test_names_are_shown_as_they_are(name, reader):
    render = READERS[reader]
    plain = {k: _structure(render(v)) for k, v in _files(_quiz("Plain Name")).items()}
    for which, text in _files(_quiz(name)).items():
        tags, visible = _structure(render(text))
        assert tags == plain[which][0], (which, text.splitlines()[:8])
        assert re.sub(r"\s+", " ", name) in visible, (which, visible[:300])


@pytest.mark.parametrize("reader", sorted(READERS))
def test_ids_titles_and_courses_are_shown_as_they_are(reader):
    render = READERS[reader]
    plain = {k: _structure(render(v)) for k, v in _files(_quiz("Kim")).items()}
    evil = _quiz("Kim", sid="s_1_*x*", title="Quiz <b>1</b> $5 *now*", course="AI & [ML](x) #1")
    for which, text in _files(evil).items():
        tags, visible = _structure(render(text))
        assert tags == plain[which][0], (which, text.splitlines()[:8])
        shown = ("s_1_*x*", "Quiz <b>1</b> $5 *now*") + (("AI & [ML](x) #1",) if which == "paper" else ())
        for s in shown:
            assert s in visible, (which, s, visible[:300])


def test_plain_names_stay_readable_in_the_markdown_source():
    quiz = _quiz("Jean-Luc O'Brien (Kim) 김민준", course="AI & Creativity")
    text = markdown.student_paper(quiz, quiz.papers[0])
    assert "Jean-Luc O'Brien (Kim) 김민준" in text and "AI & Creativity" in text
