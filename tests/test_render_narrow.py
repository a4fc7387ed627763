"""HTML papers and keys at 320 CSS pixels (a 1280 pixel window at 400% zoom), in real Chromium.

An exam with every level of every template of the bundled bank, for several students in
English and Korean: no page scrolls sideways. A wide table (gd.learning-rate's runs), matrix
or formula that cannot wrap scrolls in a box of its own, which takes the keyboard focus and
has a name (axe-core's scrollable-region-focusable rule, and the rest of WCAG A/AA, pass).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from quizgen import api
from render_helpers import SECRET, browser, need  # noqa: F401 (fixture)

AXE = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
WIDTH = 320
STUDENTS = 3


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """{lang: [paper paths..., key path]} for an exam of every template at every level."""
    folder = tmp_path_factory.mktemp("narrow")
    _, bank = api.load()
    slots = [{"template": t.id, "level": level, "points": 1}
             for t in sorted(bank.templates.values(), key=lambda t: t.id) for level in t.levels]
    exam = {"id": "every-template", "title": "Every template", "course": "Narrow", "slots": slots}
    path = folder / "exam.yaml"
    path.write_text(yaml.safe_dump(exam, allow_unicode=True), encoding="utf-8")
    out = {}
    for lang in ("en", "ko"):
        api.generate(path, folder / lang, students=STUDENTS, secret=SECRET, formats=("html",),
                     lang=lang)
        out[lang] = sorted((folder / lang / "papers").glob("*.html")) + [folder / lang / "key.html"]
    return out


# every element that reaches past the window, and every scroll box that scrolls, with its
# name and whether the keyboard reaches it
_MEASURE = """() => {
  const W = document.documentElement.clientWidth, out = {width: document.documentElement.scrollWidth,
    sticking_out: [], scrolling: [], tables: document.querySelectorAll('table').length};
  for (const el of document.querySelectorAll('main *')) {
    const r = el.getBoundingClientRect();
    if (r.right > W + 0.5 && !el.closest('.scroll-x'))
      out.sticking_out.push(el.tagName + ': ' + el.textContent.slice(0, 60));
    const cs = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && cs.overflowX !== 'visible' && el.clientWidth > 1)
      out.scrolling.push({tag: el.tagName, cls: el.className, tabindex: el.getAttribute('tabindex'),
                          role: el.getAttribute('role'), name: el.getAttribute('aria-label'),
                          text: el.textContent.slice(0, 40)});
  }
  return out; }"""


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_no_page_scrolls_sideways_at_320_pixels(browser, pages, lang):  # noqa: F811
    page = browser.new_page(viewport={"width": WIDTH, "height": 800})
    results = {}
    try:
        for path in pages[lang]:
            page.goto(path.as_uri())
            results[path.name] = page.evaluate(_MEASURE)
    finally:
        page.close()
    too_wide = {name: (r["width"], r["sticking_out"][:5]) for name, r in results.items()
                if r["width"] > WIDTH or r["sticking_out"]}
    assert not too_wide, json.dumps(too_wide, ensure_ascii=False, indent=1)
    # the wide things are there (the check is not vacuous): they scroll in their own boxes,
    # each reachable with the keyboard and named in the page's language
    scrolling = [s for r in results.values() for s in r["scrolling"]]
    assert any(s["tag"] == "DIV" and ("run" in s["text"] or "실행" in s["text"]) for s in scrolling)
    assert sum(s["tag"] == "SPAN" for s in scrolling) >= 10
    names = {"en": {"Table", "Formula"}, "ko": {"표", "수식"}}[lang]
    bad = [s for s in scrolling
           if not ("scroll-x" in s["cls"] and s["tabindex"] == "0" and s["role"] == "group"
                   and s["name"] in names)]
    assert not bad, bad


def test_axe_is_clean_at_320_pixels(browser, pages):  # noqa: F811
    """An English paper, and the Korean key's first student (every template; the whole key
    takes axe 20 s)."""
    need(AXE.exists(), f"axe-core is not installed ({AXE} is missing): run tests/setup.sh")
    page = browser.new_page(viewport={"width": WIDTH, "height": 800})
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"], "rules": {"color-contrast": {"enabled": False}}}
    found = {}
    try:
        for path, context in ((pages["en"][0], "document"), (pages["ko"][-1], "'#s1'")):
            page.goto(path.as_uri())
            page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
            result = page.evaluate(f"options => axe.run({context}, options)", options)
            found[path.name] = [{"rule": v["id"], "count": len(v["nodes"]),
                                 "first": v["nodes"][0]["target"]} for v in result["violations"]]
    finally:
        page.close()
    assert not any(found.values()), found


_BOXES = """() => Array.from(document.querySelectorAll('.scroll-x')).map(b => ({
  scrolls: b.scrollWidth > b.clientWidth + 1, tabindex: b.getAttribute('tabindex'),
  role: b.getAttribute('role'), name: b.getAttribute('aria-label')}))"""


def test_a_practice_box_is_a_keyboard_stop_only_while_it_scrolls(browser, tmp_path):  # noqa: F811
    """templates/practice/scroll-boxes.js (the practice page has scripts; the papers have
    none, and their boxes stay stops): at a desktop width the boxes of the opened solutions
    that do not scroll are no keyboard stops and have no name; narrowing the window makes
    the wide ones stops again."""
    import numpy as np
    from quizgen.render import practice
    _, bank = api.load()
    qs = [api.build_question(t, level, np.random.default_rng(3), lang="ko")
          for t in sorted(bank.templates.values(), key=lambda t: t.id) for level in t.levels]
    path = tmp_path / "practice.html"
    path.write_text(practice.page(qs, lang="ko"), encoding="utf-8")
    frames = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(path.as_uri())
        for button in page.locator("button.show").all():
            button.click()
        page.evaluate(frames)
        wide = page.evaluate(_BOXES)
        page.set_viewport_size({"width": WIDTH, "height": 800})
        page.wait_for_timeout(100)
        page.evaluate(frames)
        narrow = page.evaluate(_BOXES)
    finally:
        page.close()
    assert len(wide) > 50
    assert all((b["tabindex"], b["role"], b["name"]) == (None, None, None) for b in wide if not b["scrolls"])
    assert sum(b["tabindex"] == "0" for b in wide) < len(wide) / 4  # most would be empty stops
    scrolling = [b for b in narrow if b["scrolls"]]
    assert len(scrolling) > sum(b["scrolls"] for b in wide)
    assert all((b["tabindex"], b["role"]) == ("0", "group") and b["name"] in ("표", "수식") for b in scrolling)


_KEY_BOXES = """() => ({
  empty: Array.from(document.querySelectorAll('.scroll-x'))
    .filter(b => !b.textContent.trim()).map(b => b.outerHTML.slice(0, 120)),
  loose: Array.from(document.querySelectorAll('table.matrix'))
    .filter(t => !t.closest('.scroll-x')).length,
  boxed: document.querySelectorAll('.scroll-x > table.matrix').length})"""


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_matrix_of_the_key_is_inside_its_scroll_box(browser, pages, lang):  # noqa: F811
    """A matrix answer's box is a <div> in a <div class="kv"> (in a <p> or as a <span> the
    parser closed it before the <table>: an empty "Formula" tab stop and the matrix outside)."""
    page = browser.new_page(viewport={"width": WIDTH, "height": 800})
    try:
        page.goto(pages[lang][-1].as_uri())
        found = page.evaluate(_KEY_BOXES)
    finally:
        page.close()
    assert found["empty"] == [] and found["loose"] == 0, found
    assert found["boxed"] >= STUDENTS  # (not vacuous: the key has matrix answers)
