"""Shared helpers of the render tests: a small exam over every answer type, hand-made
questions (the bank has no 'choices' family yet), Chromium, and PDF text extraction."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from quizgen.model import Misconception, Question, Tolerance

SECRET = "render-tests-secret-7f3a9c"

# One slot per answer type the bank has (choices has no family yet: see synthetic_questions).
EXAM_YAML = """\
id: render-test
title: Rendering test exam
course: AI & Creativity
lang: {lang}
instructions: Answer every question in the box below it.
slots:
  - {{template: params.dense, level: 2, points: 1}}
  - {{template: loss.cross-entropy, level: 1, points: 2}}
  - {{template: shape.conv2d, level: 2, points: 2}}
  - {{template: conv.by-hand-1d, level: 1, points: 2}}
  - {{template: pool.forward, level: 1, points: 2}}
  - {{template: concepts.learning, level: 1, points: 1}}
"""


def write_exam(folder: Path, lang: str = "en") -> Path:
    path = Path(folder) / f"exam-{lang}.yaml"
    path.write_text(EXAM_YAML.format(lang=lang), encoding="utf-8")
    return path


def generate(folder: Path, *, students: int = 2, lang: str = "en", formats=("md",), **kw):
    from quizgen import api
    folder = Path(folder)
    return api.generate(write_exam(folder, lang), folder / "out", students=students,
                        secret=SECRET, formats=formats, **kw)


def synthetic_questions() -> list[Question]:
    """One hand-made question per answer type, each with a known misconception."""
    def q(slot, atype, value, mis, prompt, options=None, decimals=None, tol=Tolerance()):
        return Question(slot=slot, template=f"test.{atype}", topic="test", level=1, points=1,
                        title=f"A {atype} question", prompt=prompt, answer_type=atype,
                        answer_value=value, tolerance=tol, decimals=decimals,
                        solution=f"Because $x = 1$ and so on ({atype}).",
                        misconceptions=(Misconception(f"{atype}-slip", mis,
                                                      f"Feedback for the {atype} slip."),),
                        options=tuple(options) if options else None)
    return [
        q("p1", "integer", 990, 960, "How many parameters? Compute $30 \\times 33$."),
        q("p2", "real", 0.25, 0.5, "What is $\\frac{1}{4}$?", decimals=2,
          tol=Tolerance(abs=0.005)),
        q("p3", "shape", [16, 50, 50], [16, 48, 48], "Output shape of the stack?"),
        q("p4", "vector", [1.5, -2.0, 0.25], [1.5, 2.0, 0.25], "The gradient vector?",
          decimals=2, tol=Tolerance(abs=0.005)),
        q("p5", "matrix", [[1, 2], [3, 4]], [[1, 3], [2, 4]],
          "Transpose $\\begin{bmatrix} 1 & 3 \\\\ 2 & 4 \\end{bmatrix}$."),
        q("p6", "choice", 2, 0, "Which one?", options=["red", "green", "blue", "grey"]),
        q("p7", "choices", [0, 2], [0, 1], "Which ones apply?",
          options=["first", "second", "third", "fourth"]),
    ]


def answer_text(atype: str, value) -> str:
    """What a student would type for ``value``."""
    from quizgen.answers import letters
    if atype == "shape":
        return " x ".join(str(v) for v in value)
    if atype == "vector":
        return ", ".join(repr(v) for v in value)
    if atype == "matrix":
        return "; ".join(" ".join(repr(x) for x in row) for row in value)
    if atype == "choice":
        return letters(value)
    if atype == "choices":
        return ", ".join(letters(v) for v in value)
    return repr(value)


# ---------------------------------------------------------------- Chromium

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


def need(condition: bool, reason: str) -> None:
    """Skip when a tool is missing, except under CI (CI=true), where it is a failure."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (required under CI)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    need(Path(CHROMIUM).exists(), f"{CHROMIUM} not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "the playwright Python package is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


# ---------------------------------------------------------------- PDF text

def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages]


def pdf_layout_text(path: Path) -> str:
    """``pdftotext -layout``: words of a table row stay on one line."""
    need(shutil.which("pdftotext") is not None, "pdftotext not installed (apt-get install poppler-utils)")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")


def pdf_words(path: Path) -> list[dict]:
    """Every word with its box (points, origin top left) from ``pdftotext -bbox``."""
    need(shutil.which("pdftotext") is not None, "pdftotext not installed (apt-get install poppler-utils)")
    import xml.etree.ElementTree as ET
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True).stdout
    root = ET.fromstring(out)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    words = []
    for n, page in enumerate(root.iter("{http://www.w3.org/1999/xhtml}page"), 1):
        w, h = float(page.get("width")), float(page.get("height"))
        for word in page.findall("x:word", ns):
            words.append({"page": n, "text": word.text or "", "x0": float(word.get("xMin")),
                          "x1": float(word.get("xMax")), "y0": float(word.get("yMin")),
                          "y1": float(word.get("yMax")), "width": w, "height": h})
    return words


def open_page(browser, path):
    """(page, its JavaScript errors so far) of the HTML file ``path`` in headless Chromium."""
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return page, errors


def check_answer(page, n, text):
    """Type ``text`` into practice item ``n``, press Check: (data-state, shown text)."""
    page.fill(f"#answer-{n}", text)
    page.click(f"#item-{n} button.check")
    result = page.locator(f"#item-{n} .result")
    return result.get_attribute("data-state"), result.inner_text()
