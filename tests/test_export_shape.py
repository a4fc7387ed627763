"""A ``shape`` answer in the LMS exports: one text box whatever its number of dimensions,
accepting exactly the usual spellings of the right shape.

The printed papers do not show how many dimensions a shape has; the exports must not
either: the question for ``16 x 50 x 50`` and the one for ``[40000]`` (after nn.Flatten)
have one input each and the same text. Each format is graded here by a small
re-implementation of its LMS's matching rule, written from that LMS's source, not from
the exporter:

* Moodle (XML and GIFT): qtype_shortanswer_question::compare_string_with_wildcard, the
  first matching answer wins, usecase 0 = case-insensitive, unescaped ``*`` a wildcard
  (tests/moodle_rules.py ``shortanswer_grade``).
* Canvas: Quizzes::QuizQuestion::ShortAnswerQuestion#matching_answer,
  ``CGI.escapeHTML(response).strip.downcase == CGI.escapeHTML(answer.strip.downcase)``
  against every ``varequal`` text of the item (Qti::ExtendedTextInteraction imports each
  one as a right answer).
* QTI 2.1: the response processing run by the interpreter of test_export_qti.
"""
import html
import json
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from export_fixtures import exam
from export_fixtures import q as fq
from moodle_rules import check_gift, check_moodle_xml, shortanswer_grade
from quizgen.answers import format_answer, parse
from quizgen.errors import ExportError
from quizgen.export import render
from quizgen.model import Question, SlotVariants
from test_export_gift import gift_pegjs
from test_export_qti import Q12, Q21, QTI21Eval, require_schemas, validate_qti12, validate_qti21

FORMATS = ["moodle", "gift", "qti12", "qti21"]
PROMPT = "What is the output shape of `net` for one sample, without the batch size $N$?"
POINTS = 3.0
SAMPLE = Path(__file__).parent / "golden" / "export" / "bank-sample.json"

CONV = fq("s", "shape", [16, 50, 50], prompt=PROMPT, solution="Padding keeps $50$.", points=POINTS,
          mis=[("ignored-padding", [16, 48, 48], "Padding adds $2p$ to the size."),
               ("flattened", [40000], "`nn.Flatten` is not in this net."),
               ("repeat", [16, 48, 48], "a repeated wrong shape: listed once"),
               ("same", [16, 50, 50], "equal to the answer: left out")])
FLAT = fq("s", "shape", [40000], prompt=PROMPT, solution="$16 \\cdot 50 \\cdot 50$.", points=POINTS,
          mis=[("no-flatten", [16, 50, 50], "You forgot `nn.Flatten`.")])

# What a student may type, written out by hand from the brief (upper-case X included: every
# LMS here compares case-insensitively) ...
RIGHT = {
    "conv": ["16x50x50", "16 x 50 x 50", "16×50×50", "16 × 50 × 50", "16*50*50", "(16, 50, 50)",
           "(16,50,50)", "[16, 50, 50]", "[16,50,50]", "16, 50, 50", "16,50,50",
           "16X50X50", "16 X 50 X 50"],
    "flat": ["40000", "(40000,)", "[40000]", "(40000)"],
}
# ... and shapes that are wrong, among them what a wildcard or a loose match would let in.
WRONG = {
    "conv": ["16 x 150 x 50", "16 x 50 x 500", "50 x 50 x 16", "16 x 50", "16 x 50 x 50 x 1",
           "116 x 50 x 50", "16 x 5 x 50", "16*150*50", "16*50*500", "(16, 50, 500)",
           "[16, 50]", "16 50 50", "16x50x50x", "40000", "", "*"],
    "flat": ["4000", "400000", "40000 x 1", "(40000, 1)", "[40000, 1]", "1 x 40000", "40,000",
           "(4000)", "*", ""],
}
# A misconception's wrong shape: graded 0 with its feedback.
MISTAKES = {
    "conv": {"16 x 48 x 48": "Padding adds", "(16,48,48)": "Padding adds", "16*48*48": "Padding adds",
           "40000": "Flatten", "[40000]": "Flatten"},
    "flat": {"16 x 50 x 50": "You forgot", "16×50×50": "You forgot", "16*50*50": "You forgot",
           "[16, 50, 50]": "You forgot"},
}


def export(fmt: str, qs=(CONV, FLAT), lang: str = "en") -> bytes:
    return render(exam(lang), [SlotVariants("s", "Output shape", POINTS, tuple(qs))], fmt, lang=lang)


# ------------------------------------------------------------------ each LMS, read back


class Exported:
    """One format's questions for the variants, in order: inputs, text, points and a grader
    ``grade(response) -> (fraction, feedback or None)``."""

    def __init__(self, fmt: str, data: bytes, tmp_path: Path):
        self.fmt = fmt
        getattr(self, f"_read_{fmt}")(data, tmp_path)

    def _read_moodle(self, data, tmp_path):
        imported, errors = check_moodle_xml(data)
        assert errors == []
        qs = [q for q in imported if q.qtype != "category"]
        assert [q.qtype for q in qs] == ["shortanswer"] * len(qs)
        self.inputs = [1 for _ in qs]  # a short-answer question has one box
        self.texts = [q.element.findtext("questiontext/text") for q in qs]
        self.points = [float(q.element.findtext("defaultgrade")) for q in qs]
        self.solutions = [q.element.findtext("generalfeedback/text") for q in qs]
        self.graders = [lambda r, q=q: _moodle_verdict(q.answers, r, q.usecase) for q in qs]

    def _read_gift(self, data, tmp_path):
        imported, errors = check_gift(data)
        assert errors == []
        qs = [q for q in imported if q.qtype != "category"]
        assert [q.qtype for q in qs] == ["shortanswer"] * len(qs)
        assert [q.category for q in imported if q.qtype == "category"] == \
            ["$course$/top/fixture-exam/s"]  # one category: no sub-category per dimension
        parsed = [p for p in gift_pegjs(data, tmp_path) if p["type"] != "Category"]
        assert [p["type"] for p in parsed] == ["Short"] * len(qs)
        for p, q in zip(parsed, qs):  # the independent parser reads the same answers
            assert [(c["weight"] if c["weight"] is not None else 100, c["text"]["text"],
                     c["feedback"]["text"] if c["feedback"] else "") for c in p["choices"]] == \
                [(round(100 * w), t, fb) for w, t, fb, _ in q.answers]
        self.inputs = [1 for _ in qs]
        self.texts = [q.text for q in qs]
        self.points = [None for _ in qs]  # GIFT has no points
        self.solutions = [q.general_feedback for q in qs]
        self.graders = [lambda r, q=q: _moodle_verdict([a[:3] for a in q.answers], r, 0) for q in qs]

    def _read_qti12(self, data, tmp_path):
        require_schemas()
        (doc,) = validate_qti12(data).values()
        items = list(doc.iter(f"{Q12}item"))
        meta = [{f.findtext(f"{Q12}fieldlabel"): f.findtext(f"{Q12}fieldentry")
                 for f in i.iter(f"{Q12}qtimetadatafield")} for i in items]
        assert [m["question_type"] for m in meta] == ["short_answer_question"] * len(items)
        self.inputs = [len(i.findall(f".//{Q12}response_str")) + len(i.findall(f".//{Q12}response_lid"))
                       for i in items]
        self.texts = [i.findtext(f"{Q12}presentation/{Q12}material/{Q12}mattext") for i in items]
        self.points = [float(m["points_possible"]) for m in meta]
        self.solutions = [i.findtext(f"{Q12}itemfeedback[@ident='general_fb']//{Q12}mattext")
                          for i in items]
        # Qti::ExtendedTextInteraction: the text of every condition's match is a right answer
        self.graders = [lambda r, i=i: _canvas_verdict([v.text for v in i.iter(f"{Q12}varequal")], r)
                        for i in items]

    def _read_qti21(self, data, tmp_path):
        require_schemas()
        docs = validate_qti21(data)
        items = [d for n, d in sorted(docs.items()) if n.startswith("items/")]
        self.inputs = [len(list(i.iter(f"{Q21}textEntryInteraction"))) for i in items]
        self.texts = [etree.tostring(i.find(f"{Q21}itemBody"), encoding="unicode") for i in items]
        self.points = [QTI21Eval(i).run({})["MAXSCORE"] for i in items]
        self.solutions = ["".join(i.find(f"{Q21}modalFeedback[@identifier='SOLUTION']").itertext())
                          for i in items]
        self.graders = [lambda r, i=i: _qti21_verdict(i, r) for i in items]


def _moodle_verdict(answers, response: str, usecase: int):
    got = shortanswer_grade(answers, response, usecase)
    return (0.0, None) if got is None else (got[0], html.unescape(got[1]) if got[0] < 1 else None)


def _canvas_verdict(answers: list[str], response: str):
    """ShortAnswerQuestion#matching_answer (no per-answer feedback in a short answer)."""
    typed = html.escape(response, quote=True).strip().lower()
    hit = any(html.escape(a.strip().lower(), quote=True) == typed and a.strip() for a in answers)
    return (1.0, None) if hit else (0.0, None)


def _qti21_verdict(item, response: str):
    ev = QTI21Eval(item)
    out = ev.run({"RESPONSE": response if response != "" else None})
    notes = sorted(out["FEEDBACK"] - {"SOLUTION"})
    fb = " ".join("".join(item.find(f"{Q21}modalFeedback[@identifier='{n}']").itertext())
                  for n in notes) or None
    return out["SCORE"] / out["MAXSCORE"], fb


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("shape")
    return {fmt: Exported(fmt, export(fmt), tmp) for fmt in FORMATS}


# ------------------------------------------------------------------ tests


@pytest.mark.parametrize("fmt", FORMATS)
def test_flattened_and_3d_shapes_look_the_same(exported, fmt):
    """[16, 50, 50] and [40000]: one input each, the same question text."""
    e = exported[fmt]
    assert e.inputs == [1, 1]
    conv_text, flat_text = e.texts
    assert conv_text == flat_text
    shown = conv_text
    assert "Type the sizes the question asks for, separated by x." in shown
    for leak in ("dimension", "of 3", "of 1", "40000", "{1:", "[n1]"):
        assert leak not in shown, leak


@pytest.mark.parametrize("fmt", FORMATS)
def test_points_and_solution_are_kept(exported, fmt):
    e = exported[fmt]
    if fmt != "gift":
        assert e.points == [POINTS, POINTS]
    assert "Padding keeps" in e.solutions[0] and "50" in e.solutions[1]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("k", [0, 1], ids=["16x50x50", "40000"])
def test_every_usual_spelling_is_right(exported, fmt, k):
    q, grade = ("conv", "flat")[k], exported[fmt].graders[k]
    for typed in RIGHT[q]:
        assert grade(typed) == (1.0, None), typed
        if fmt in ("moodle", "gift", "qti12"):  # Moodle and Canvas trim the response
            assert grade(f"  {typed} ")[0] == 1.0, typed


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("k", [0, 1], ids=["16x50x50", "40000"])
def test_wrong_shapes_are_wrong(exported, fmt, k):
    q, grade = ("conv", "flat")[k], exported[fmt].graders[k]
    for typed in WRONG[q]:
        if typed in MISTAKES[q]:
            continue
        if fmt == "qti21" and typed == "16 50 50":   # its pattern takes spaces as separators, as the grader
            assert grade(typed) == (1.0, None)
            continue
        assert grade(typed) == (0.0, None), typed


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("k", [0, 1], ids=["16x50x50", "40000"])
def test_misconceptions_score_zero_with_their_feedback(exported, fmt, k):
    q, grade = ("conv", "flat")[k], exported[fmt].graders[k]
    for typed, words in MISTAKES[q].items():
        fraction, fb = grade(typed)
        assert fraction == 0.0, typed
        if fmt == "qti12":
            assert fb is None  # Canvas: no wrong answers listed (they would be marked right)
        else:
            assert fb is not None and words in fb, (typed, fb)
            assert "left out" not in fb and "listed once" not in fb


def test_canvas_lists_no_wrong_shape():
    """Canvas's importer makes every listed text a right answer: only right spellings."""
    require_schemas()
    (doc,) = validate_qti12(export("qti12")).values()
    listed = [v.text for v in doc.iter(f"{Q12}varequal")]
    assert "16 x 50 x 50" in listed and "40000" in listed
    assert not {"16 x 48 x 48", "16x48x48"} & set(listed)
    for item, q in zip(doc.iter(f"{Q12}item"), (CONV, FLAT)):
        texts = [v.text for v in item.iter(f"{Q12}varequal")]
        assert all(parse("shape", t).value == list(q.answer_value) for t in texts), texts


def test_accepted_spellings_are_what_the_grader_reads():
    """Every text an LMS accepts, the grader (`quizgen grade`) reads as the same shape, and
    the key as the grader shows it (``16 × 50 × 50``) is accepted."""
    imported, errors = check_moodle_xml(export("moodle"))
    assert errors == []
    for imp, q in zip([x for x in imported if x.qtype == "shortanswer"], (CONV, FLAT)):
        for fraction, text, _ in imp.answers:
            read = parse("shape", text.replace("\\*", "*"))
            assert read.ok and (read.value == list(q.answer_value)) == (fraction == 1), text
        assert shortanswer_grade(imp.answers, format_answer("shape", q.answer_value))[0] == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_bank_shapes_are_one_box_and_grade_the_key(fmt, tmp_path):
    """rf.size (27 x 27), shape.conv1d and shape.conv2d (flattened) of the bank sample."""
    qs = [Question.from_dict(d) for d in json.loads(SAMPLE.read_text("utf-8"))["questions"]
          if d["answer"]["type"] == "shape"]
    assert {len(q.answer_value) for q in qs} >= {1, 2}
    qs = [replace(q, points=POINTS) for q in qs]
    e = Exported(fmt, export(fmt, qs), tmp_path)
    assert e.inputs == [1] * len(qs)
    for q, grade in zip(qs, e.graders):
        dims = [str(int(v)) for v in q.answer_value]
        assert grade(format_answer("shape", q.answer_value)) == (1.0, None)
        assert grade(" x ".join(dims)) == (1.0, None)
        assert grade(" " + " x ".join(dims) + " ") == (1.0, None)   # spaces around (QTI 2.1: a pattern)
        assert grade(" x ".join(dims + ["1"]))[0] == 0.0
        for m in q.misconceptions:
            if list(m.value) != list(q.answer_value):
                assert grade(" x ".join(str(int(v)) for v in m.value))[0] == 0.0


def test_gift_special_characters_in_shape_feedback(tmp_path):
    """``~ = # { } :`` and ``\\`` in feedback stay text; ``->`` would make Moodle read a
    matching question, so it is written ``→``."""
    nasty = "a~b = c #d {e} f: g\\h -> i"
    q = replace(CONV, misconceptions=(replace(CONV.misconceptions[0], feedback=nasty),),
                solution="conv -> relu -> pool")
    data = export("gift", [q])
    e = Exported("gift", data, tmp_path)
    assert e.graders[0]("16 x 48 x 48") == (0.0, "a~b = c #d {e} f: g\\h → i")
    assert e.solutions[0] == "conv → relu → pool"
    assert e.graders[0]("16x50x50") == (1.0, None)


def test_moodle_special_characters_in_shape_feedback():
    nasty = "a~b = c #d {e} f: <g> & h"
    q = replace(CONV, misconceptions=(replace(CONV.misconceptions[0], feedback=nasty),))
    imported, errors = check_moodle_xml(export("moodle", [q]))
    assert errors == []
    (sa,) = [x for x in imported if x.qtype == "shortanswer"]
    fraction, fb = shortanswer_grade(sa.answers, "16x48x48")
    assert fraction == 0 and etree.fromstring(fb).text == nasty


@pytest.mark.parametrize("fmt", FORMATS)
def test_korean_format_line(fmt, tmp_path):
    e = Exported(fmt, export(fmt, lang="ko"), tmp_path)
    for shown in e.texts:
        assert "문제가 묻는 크기를 x로 구분해 입력하십시오." in shown
        assert "Type the shape" not in shown


def test_a_shape_must_be_whole_sizes():
    for bad in ([16, 2.5], [16, 0], [True, 3]):
        with pytest.raises(ExportError, match="whole numbers > 0"):
            export("moodle", [fq("s", "shape", bad, prompt=PROMPT)])
    # sizes written as floats are whole numbers all the same
    data = export("moodle", [fq("s", "shape", [16.0, 50.0], prompt=PROMPT)])
    assert b"<text>16 x 50</text>" in data and b"16.0" not in data
