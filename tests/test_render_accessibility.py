"""Accessibility of the HTML outputs, checked with axe-core (the standard accessibility engine,
tests/js/node_modules/axe-core) in headless Chromium, and by using the practice page with the
keyboard alone.

The pages: an English and a Korean paper, both keys and both practice pages, all from the
bundled default exam with two slots added so that every answer type is there (it has no
'vector' or 'choices' question). axe-core must find no violation of a WCAG 2.0/2.1 A or AA
rule, at a desktop width and at 320 CSS pixels (a 1280 pixel window at 400% zoom); the
practice page is also checked with every result shown (right, wrong, unreadable, blank) and
every solution open. At 200% zoom (640 CSS pixels) nothing needs scrolling sideways.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from quizgen import api, resources
from quizgen.i18n import messages
from quizgen.model import ANSWER_TYPES
from quizgen.render import practice
from render_helpers import SECRET, answer_text, browser, need  # noqa: F401 (fixture)

AXE = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# the default exam has no vector and no choices question: one slot of each is added
EXTRA_SLOTS = [{"template": "conv.by-hand-1d", "level": 1, "points": 1},
               {"template": "concepts.multi", "level": 2, "points": 1}]
PAGES = ["paper-en", "paper-ko", "key-en", "key-ko", "practice-en", "practice-ko"]


@pytest.fixture(scope="module")
def axe_source():
    need(AXE.exists(), f"axe-core is not installed ({AXE} is missing): run tests/setup.sh "
                       "(npm ci in tests/js)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """{name: (path, questions)} of the pages, written once for the module: the bundled
    exam's first slot of each answer type, and the two added slots (7 questions)."""
    folder = tmp_path_factory.mktemp("a11y")
    exam = yaml.safe_load(resources.default_exam().read_text(encoding="utf-8"))
    _, bank = api.load()
    first = {}
    for slot in exam["slots"]:
        first.setdefault(bank.get(slot["template"]).answer_type, slot)
    exam["slots"] = list(first.values()) + EXTRA_SLOTS
    exam_path = folder / "exam.yaml"
    exam_path.write_text(yaml.safe_dump(exam, allow_unicode=True), encoding="utf-8")
    out = {}
    for lang in ("en", "ko"):
        result = api.generate(exam_path, folder / lang, students=1, secret=SECRET,
                              formats=("html",), lang=lang)
        questions = result.quiz.papers[0].questions
        student = result.quiz.papers[0].student.student_id
        out[f"paper-{lang}"] = (folder / lang / "papers" / f"{student}.html", questions)
        out[f"key-{lang}"] = (folder / lang / "key.html", questions)
        path = folder / f"practice-{lang}.html"
        path.write_text(practice.page(questions, lang=lang), encoding="utf-8")
        out[f"practice-{lang}"] = (path, questions)
    return out


def test_the_pages_cover_every_answer_type(pages):
    for name, (_, questions) in pages.items():
        assert {q.answer_type for q in questions} == set(ANSWER_TYPES), name


def _open(browser, path, width=1280, scale=1):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 800}, device_scale_factor=scale)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return page, errors


def _axe(page, axe_source, skip=()) -> list[dict]:
    """axe-core's violations of the WCAG A/AA rules on ``page`` (but the rules ``skip``), as
    short readable records."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"],
               "rules": {rule: {"enabled": False} for rule in skip}}
    result = page.evaluate("options => axe.run(document, options)", options)
    return [{"rule": v["id"], "impact": v["impact"], "count": len(v["nodes"]),
             "first": v["nodes"][0]["target"], "why": v["nodes"][0]["failureSummary"]}
            for v in result["violations"]]


def _typed(q, k: int) -> str:
    """Answers that bring every result state: right, wrong, unreadable, blank."""
    return [answer_text(q.answer_type, q.answer_value), "7", "?? nonsense ??", ""][k % 4]


def _show_everything(page, questions):
    """Type answers that bring every result state, check them, open every solution."""
    page.evaluate("""typed => typed.forEach((text, k) => {
        const item = document.getElementById('item-' + (k + 1));
        item.querySelector('.answer').value = text;
        item.querySelector('button.check').click();
        item.querySelector('button.show').click(); })""",
                  [_typed(q, n) for n, q in enumerate(questions, 1)])
    assert page.locator(".result[data-state]").count() == len(questions)


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_wcag_violation(browser, axe_source, pages, name):  # noqa: F811
    """At a desktop width and at 320 CSS pixels (a 1280 pixel window at 400% zoom)."""
    path, questions = pages[name]
    page, errors = _open(browser, path)
    found = {}
    try:
        if name.startswith("practice"):  # with every kind of result and every solution shown
            _show_everything(page, questions)
        found[1280] = _axe(page, axe_source)
        # narrow: what the layout changes (colours do not, and their check is the slow one)
        page.set_viewport_size({"width": 320, "height": 800})
        found[320] = _axe(page, axe_source, skip=["color-contrast"])
    finally:
        page.close()
    assert not errors
    assert not any(found.values()), json.dumps(found, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("name", PAGES)
def test_nothing_scrolls_sideways_at_200_percent_zoom(browser, pages, name):  # noqa: F811
    """A 1280 pixel window at 200% zoom lays out 640 CSS pixels: the page reflows into them,
    and no box (a code listing, a formula) hides part of its content behind a scroll bar
    (the 1-pixel screen-reader-only texts aside)."""
    path, questions = pages[name]
    page, _ = _open(browser, path, width=640, scale=2)
    try:
        if name.startswith("practice"):
            _show_everything(page, questions)
        wide = page.evaluate("""() => {
          const W = document.documentElement.clientWidth, out = [];
          if (document.documentElement.scrollWidth > W) out.push('page ' + document.documentElement.scrollWidth);
          for (const el of document.querySelectorAll('body *')) {
            if (el.clientWidth > 1 && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
              out.push(el.tagName + ' ' + el.clientWidth + '/' + el.scrollWidth + ': ' + el.textContent.slice(0, 60));
          }
          return out; }""")
    finally:
        page.close()
    assert not wide, wide


# ---------------------------------------------------------------- keyboard only

def _ax_nodes(page) -> list[dict]:
    cdp = page.context.new_cdp_session(page)
    try:
        return cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()


def _live(node) -> str | None:
    for p in node.get("properties", []):
        if p["name"] == "live":
            return p["value"]["value"]
    return None


def _focus(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
      return {tag: e.tagName, id: e.id, cls: e.className, item: e.closest('article') && e.closest('article').id,
              label: e.getAttribute('aria-label'),
              outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_practice_page_works_with_the_keyboard_alone(browser, pages, lang):  # noqa: F811
    path, questions = pages[f"practice-{lang}"]
    t = messages(lang)
    page, errors = _open(browser, path, width=800)
    try:
        # Every answer field has a name of its own that says which question it answers.
        names = {n["name"]["value"] for n in _ax_nodes(page)
                 if n.get("role", {}).get("value") == "textbox" and not n.get("ignored")}
        assert len(names) == len(questions), sorted(names)
        for n in range(1, len(questions) + 1):
            want = f"Question {n}:" if lang == "en" else f"{n}번 문제의 답"
            assert any(name.startswith(want) for name in names), (want, sorted(names))
        # Before any check, each result region is already in the accessibility tree as a
        # polite live region, so what appears in it later is announced.
        live = [n for n in _ax_nodes(page) if n.get("role", {}).get("value") == "status"
                and not n.get("ignored")]
        assert len(live) == len(questions) and all(_live(n) == "polite" for n in live)

        # Tab from the top: answer field, Check, Show solution, for each question in turn,
        # each with a clearly visible focus indicator (and the scroll boxes of wide formulas
        # in an open solution, named, on the way).
        for n, q in enumerate(questions, 1):
            for kind in ("answer", "check", "show"):
                page.keyboard.press("Tab")
                f = _focus(page)
                while f["cls"] == "scroll-x":
                    assert f["label"] and f["item"] == f"item-{n - 1}", f
                    page.keyboard.press("Tab")
                    f = _focus(page)
                assert f["item"] == f"item-{n}" and kind in f["cls"].split(), (n, kind, f)
                assert f["outline"] not in ("none", "auto") and f["width"] >= 2, (n, kind, f)
            # back to the field (Shift+Tab twice), type the answer, Enter (Ctrl+Enter in the
            # matrix box, where Enter starts a new row)
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Shift+Tab")
            assert _focus(page)["id"] == f"answer-{n}"
            page.keyboard.type(answer_text(q.answer_type, q.answer_value))
            page.keyboard.press("Control+Enter" if q.answer_type == "matrix" else "Enter")
            result = page.locator(f"#item-{n} .result")
            assert result.get_attribute("data-state") == "correct", (q.answer_type, result.inner_text())
            assert t["correct"] in result.inner_text()
            # the Check button with the keyboard: an empty box, Tab, Space
            page.fill(f"#answer-{n}", "")
            page.keyboard.press("Tab")
            page.keyboard.press("Space")
            assert result.get_attribute("data-state") == "invalid"
            assert t["blank_answer"] in result.inner_text()
            # Show solution with Enter: it opens, and says so
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            show = page.locator(f"#item-{n} button.show")
            assert show.get_attribute("aria-expanded") == "true"
            assert page.locator(f"#{show.get_attribute('aria-controls')}").is_visible()
        # the verdicts are in the live regions (announced as they change)
        statuses = page.get_by_role("status")
        assert statuses.count() == len(questions)
        assert all(t["blank_answer"] in text for text in statuses.all_inner_texts())
    finally:
        page.close()
    assert not errors


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_practice_controls_stay_on_screen_at_320_pixels(browser, pages, lang):  # noqa: F811
    """At 320 CSS pixels (400% zoom) every field and button is whole inside its question's
    card (not sticking out of it, nor out of the window)."""
    path, _ = pages[f"practice-{lang}"]
    page, _ = _open(browser, path, width=320)
    try:
        outside = page.evaluate("""() => [...document.querySelectorAll('input, textarea, button')].map(e => {
            const r = e.getBoundingClientRect(), row = e.parentElement.getBoundingClientRect();
            return r.left < row.left - 0.5 || r.right > row.right + 0.5
              || r.right > document.documentElement.clientWidth
              ? (e.id || e.className) + ' ' + Math.round(r.left) + '-' + Math.round(r.right)
                + ' in ' + Math.round(row.left) + '-' + Math.round(row.right) : null; }).filter(Boolean)""")
    finally:
        page.close()
    assert not outside, outside
