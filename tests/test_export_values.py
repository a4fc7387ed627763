"""Exported answer numbers: float noise cleaned (``0.2``, not ``0.19999999999999996``; ``0``,
not ``-4.440892098500626e-16``), and every accepted range still holding the key's exact value.

Each format is read back on its own terms (Moodle's XML and GIFT readers in
tests/moodle_rules.py, the QTI 2.1 ``equal`` tolerance, Canvas's ranges and blank texts);
the exact values come from the Question records, not from the exporter.
"""
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from export_fixtures import exam
from export_fixtures import q as fq
from moodle_rules import check_gift, check_moodle_xml
from quizgen.export.cloze import WIDTH_PAD
from quizgen.export import render
from quizgen.model import ExamInfo, Question, SlotVariants

SAMPLE = Path(__file__).parent / "golden" / "export" / "bank-sample.json"
Q21 = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
Q12 = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"

POINT_TWO = 0.1 + 0.1 + 0.1 - 0.1 - 0.1 + 0.1 - 0.1 - 0.1 + 0.2 + 0.1 - 0.1  # noise near 0.2
MINUS_2_9 = -2.9000000000000004
ZERO_NOISE = -4.440892098500626e-16  # backprop.conv-weight level 2
NOISE = ("0.19999999999999996", "0.20000000000000004", "2.9000000000000004", "e-16", "e-17")


def noisy_slots() -> list[SlotVariants]:
    assert POINT_TWO != 0.2 and abs(POINT_TWO - 0.2) < 1e-15
    qs = [
        fq("a", "real", POINT_TWO, tol=(0.001, 0.0), mis=[("m", MINUS_2_9, "sign")]),
        fq("b", "real", MINUS_2_9, tol=(0.0, 0.01)),
        fq("c", "real", POINT_TWO, tol=(0.0, 0.0)),  # exact tolerance: the margin must widen
        fq("d", "real", ZERO_NOISE, tol=(0.002, 0.005)),
        fq("e", "vector", [POINT_TWO, MINUS_2_9, ZERO_NOISE], tol=(0.01, 0.0), decimals=2,
           mis=[("half", [POINT_TWO / 2, MINUS_2_9 / 2, ZERO_NOISE], "halved")]),
        fq("f", "matrix", [[ZERO_NOISE, 4.0], [POINT_TWO, MINUS_2_9]], tol=(0.002, 0.005),
           decimals=1),
    ]
    return [SlotVariants(x.slot, x.slot, 2.0, (x,)) for x in qs]


def bank_slots() -> tuple[ExamInfo, list[SlotVariants]]:
    qs = [Question.from_dict(d) for d in json.loads(SAMPLE.read_text("utf-8"))["questions"]]
    by_template: dict[str, list] = {}
    for one in qs:
        by_template.setdefault(one.template, []).append(one)
    return ExamInfo(id="bank", title="bank"), [
        SlotVariants(f"s{i + 1}", t, 2.0, tuple(v)) for i, (t, v) in enumerate(sorted(by_template.items()))]


def flat(q) -> list[float]:
    v = q.answer_value
    if q.answer_type == "matrix":
        return [float(x) for row in v for x in row]
    if q.answer_type in ("shape", "vector"):
        return [float(x) for x in v]
    return [float(v)]


def numeric(s: list[SlotVariants]) -> dict[tuple[str, int], Question]:
    """(slot, variant number) -> the numeric question (a shape is text: test_export_shape)."""
    return {(slot.slot, i + 1): q for slot in s for i, q in enumerate(slot.variants)
            if q.answer_type not in ("choice", "choices", "shape")}


def is_clean(text: str) -> bool:
    """Written positionally with at most 12 significant digits, no ``-0``."""
    if not re.fullmatch(r"-?\d+(\.\d+)?", text) or re.fullmatch(r"-0(\.0*)?", text):
        return False
    digits = text.lstrip("-").replace(".", "").lstrip("0").rstrip("0")
    return len(digits) <= 12


def holds(exact: float, value: str, tol: str) -> bool:
    return abs(Decimal(exact) - Decimal(value)) <= Decimal(tol)


# ------------------------------------------------------------------ readers per format


def moodle_keys(data: bytes) -> dict[tuple[str, int], list[tuple[str, str]]]:
    """(slot, variant) -> [(answer, tolerance)] of the right answers; also every number."""
    questions, errors = check_moodle_xml(data)
    assert errors == []
    out, numbers = {}, []
    for q in questions:
        if q.qtype == "numerical":
            ans = [(a.findtext("text"), a.findtext("tolerance"), a.get("fraction"))
                   for a in q.element.findall("answer")]
            keys = [(v, t) for v, t, f in ans if f == "100"]
            numbers += [x for v, t, _ in ans for x in (v, t)]
        elif q.qtype == "cloze":
            keys = [(s.alternatives[0].answer, s.alternatives[0].tolerance) for s in q.cloze]
            numbers += [x for s in q.cloze for a in s.alternatives if a.answer != WIDTH_PAD  # (not a value)
                        for x in (a.answer, a.tolerance)]
        else:
            continue
        slot, tag = q.name.split()[:2]
        out[(slot, int(tag[1:]))] = keys
    return out, numbers


def gift_keys(data: bytes):
    questions, errors = check_gift(data)
    assert errors == []
    out, numbers = {}, []
    for q in questions:
        if q.qtype != "numerical":
            continue
        m = re.match(r"(\S+) v(\d+)(?: part (\d+))? ", q.name)
        key = (m.group(1), int(m.group(2)))
        right = [(v, t) for w, v, _, t in q.answers if w == 1]
        assert len(right) == 1
        out.setdefault(key, {})[int(m.group(3) or 1)] = right[0]
        numbers += [x for _, v, _, t in q.answers for x in (v, t)]
    return {k: [parts[i] for i in sorted(parts)] for k, parts in out.items()}, numbers


def qti21_keys(data: bytes, s: list[SlotVariants]):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        docs = {n: etree.fromstring(z.read(n)) for n in z.namelist()}
    test = next(d for n, d in docs.items() if n.startswith("tests/"))
    out, numbers = {}, []
    sections = test.iter(f"{Q21}assessmentSection")
    for slot, sec in zip(s, sections):
        for i, ref in enumerate(sec.iter(f"{Q21}assessmentItemRef")):
            item = docs[ref.get("href").removeprefix("../")]
            keys = []
            for d in item.iter(f"{Q21}responseDeclaration"):
                if d.get("baseType") != "float":
                    break
                rid = d.get("identifier")
                value = d.findtext(f"{Q21}correctResponse/{Q21}value")
                eq = next(e for e in item.iter(f"{Q21}equal")
                          if e.find(f"{Q21}correct[@identifier='{rid}']") is not None)
                tol = eq.get("tolerance", "0 0").split()
                assert tol[0] == tol[1]
                keys.append((value, tol[0]))
            if keys:
                out[(slot.slot, i + 1)] = keys
            numbers += [v for v, _ in keys]
            numbers += [b.text for b in item.iter(f"{Q21}baseValue")
                        if b.getparent().tag == f"{Q21}equal"]
    return out, numbers


def canvas_numbers(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        doc = etree.fromstring(next(z.read(n) for n in z.namelist()
                                    if n.endswith(".xml") and "/" in n and "meta" not in n))
    out = [e.text for tag in ("varequal", "vargte", "varlte") for e in doc.iter(f"{Q12}{tag}")
           if e.getparent().tag != f"{Q12}or" or e.text[:1] in "-0123456789"]
    out = [t for t in out if not re.fullmatch(r"\d{4,}", t) or "." in t]  # label ids
    out += [m.text for m in doc.iter(f"{Q12}mattext") if m.get("texttype") == "text/plain"]
    return [t.lstrip(".") if t.startswith(".") else t.replace("-.", "-0.") for t in out]


# ------------------------------------------------------------------ tests


@pytest.mark.parametrize("fmt", ["moodle", "gift", "qti21", "qti12"])
def test_noise_is_written_cleaned(fmt):
    s = noisy_slots()
    data = render(exam(), s, fmt)
    blobs = [data]
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            blobs = [z.read(n) for n in z.namelist()]
    text = b"".join(blobs).decode("utf-8")
    for noise in NOISE:
        assert noise not in text, noise
    assert "10^" not in text  # nothing is scaled for a noise zero
    numbers = {"moodle": lambda: moodle_keys(data)[1], "gift": lambda: gift_keys(data)[1],
               "qti21": lambda: qti21_keys(data, s)[1], "qti12": lambda: canvas_numbers(data)}[fmt]()
    assert numbers and all(is_clean(n) for n in numbers), [n for n in numbers if not is_clean(n)]
    for shown in ("0.2", "-2.9", "0"):
        assert shown in numbers


@pytest.mark.parametrize("fmt", ["moodle", "gift", "qti21"])
@pytest.mark.parametrize("source", ["noisy", "bank"])
def test_accepted_ranges_hold_the_exact_key(fmt, source):
    exam_info, s = (exam(), noisy_slots()) if source == "noisy" else bank_slots()
    data = render(exam_info, s, fmt)
    keys = {"moodle": lambda: moodle_keys(data)[0], "gift": lambda: gift_keys(data)[0],
            "qti21": lambda: qti21_keys(data, s)[0]}[fmt]()
    questions = numeric(s)
    assert set(keys) == set(questions)
    for where, q in questions.items():
        exact = flat(q)
        assert len(keys[where]) == len(exact), where
        for a, (value, tol) in zip(exact, keys[where]):
            assert is_clean(value) and is_clean(tol), (where, value, tol)
            assert holds(a, value, tol), (where, a, value, tol)
