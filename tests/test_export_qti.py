"""QTI exports validated against the official schemas in ../shared/schemas (offline).

Canvas QTI 1.2: the QTI 1.2 XSD (Moodle's copy) and the QTI 1.2.1 DTD from Canvas's
QTIMigrationTool (on a namespace-stripped copy); its manifest against both IMS CP 1.1
XSDs. QTI 2.1: every item and the test against imsqti_v2p1.xsd, the manifest against
imscp_v1p1.xsd. Remote imports are mapped to local files as ../shared/schemas/README.md
says (an lxml resolver standing in for catalog.xml), with network access refused.
"""
import io
import os
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree

from export_fixtures import KOREAN, exam, real, slots
from export_fixtures import q as fq
from quizgen.export import render
from quizgen.export.values import canvas_scale
from quizgen.model import ExamInfo, Question, SlotVariants

SAMPLE = Path(__file__).parent / "golden" / "export" / "bank-sample.json"

SCHEMAS = Path(__file__).resolve().parents[1].parent / "shared" / "schemas"
CATALOG = {  # ../shared/schemas/catalog.xml
    "http://www.w3.org/2001/03/xml.xsd": "oat-qti-sdk/w3/xml.xsd",
    "http://www.w3.org/2001/xml.xsd": "oat-qti-sdk/w3/xml.xsd",
}


def require_schemas():
    """Skip without ../shared/schemas, except under CI=true where that is a failure."""
    if not SCHEMAS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"schemas folder {SCHEMAS} is missing (required under CI)")
        pytest.skip(f"schemas folder {SCHEMAS} is missing: QTI validation needs ../shared/schemas")


@pytest.fixture(scope="module", autouse=True)
def need_schemas():
    require_schemas()


@pytest.fixture(scope="module")
def bank_sample():
    """Every template of the bank (tests/golden/export/bank-sample.json), a slot each."""
    import json
    qs = [Question.from_dict(d) for d in json.loads(SAMPLE.read_text("utf-8"))["questions"]]
    by_template: dict[str, list] = {}
    for one in qs:
        by_template.setdefault(one.template, []).append(one)
    return ExamInfo(id="bank-sample", title="Every template"), [
        SlotVariants(f"s{i + 1}", t, 2.0, tuple(v)) for i, (t, v) in enumerate(sorted(by_template.items()))]


class _Catalog(etree.Resolver):
    def resolve(self, url, pubid, context):
        if url in CATALOG:
            return self.resolve_filename(str(SCHEMAS / CATALOG[url]), context)
        return None


@lru_cache(maxsize=None)
def schema(rel: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_Catalog())
    return etree.XMLSchema(etree.parse(str(SCHEMAS / rel), parser))


@lru_cache(maxsize=None)
def dtd() -> etree.DTD:
    return etree.DTD(str(SCHEMAS / "qtimigrationtool/ims_qtiasiv1p2p1.dtd"))


def assert_valid(validator, doc, name):
    assert validator.validate(doc), f"{name}: {validator.error_log.filter_from_errors()[:3]}"


def strip_namespaces(doc):
    doc = etree.fromstring(etree.tostring(doc))
    for el in doc.iter():
        if isinstance(el.tag, str):
            el.tag = etree.QName(el).localname
            for a in [a for a in el.attrib if a.startswith("{")]:
                del el.attrib[a]
    etree.cleanup_namespaces(doc)
    return doc


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def validate_qti12(data: bytes) -> dict:
    files = members(data)
    man = etree.fromstring(files["imsmanifest.xml"])
    assert_valid(schema("oat-qti-sdk/imscp_v1p1.xsd"), man, "manifest")
    assert_valid(schema("qtimigrationtool/imscp_v1p1.xsd"), man, "manifest (QTIMigrationTool)")
    hrefs = {f.get("href") for f in man.iter("{*}file")}
    assert hrefs == set(files) - {"imsmanifest.xml"}
    docs = {}
    for name, raw in files.items():
        if name.endswith("assessment_meta.xml") or name == "imsmanifest.xml":
            continue
        doc = etree.fromstring(raw)
        assert_valid(schema("qti12/domainProfile_4/ims_qtiasiv1p2.xsd"), doc, name)
        assert_valid(dtd(), strip_namespaces(doc), name + " (DTD)")
        docs[name] = doc
    return docs


def validate_qti21(data: bytes) -> dict:
    files = members(data)
    man = etree.fromstring(files["imsmanifest.xml"])
    assert_valid(schema("oat-qti-sdk/imscp_v1p1.xsd"), man, "manifest")
    hrefs = {f.get("href") for f in man.iter("{*}file")}
    assert hrefs == set(files) - {"imsmanifest.xml"}, "the manifest lists every file"
    docs = {}
    for name, raw in files.items():
        if name != "imsmanifest.xml":
            doc = etree.fromstring(raw)
            assert_valid(schema("oat-qti-sdk/qtiv2p1/imsqti_v2p1.xsd"), doc, name)
            docs[name] = doc
    return docs


Q12 = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
Q21 = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"


def canvas_meta(el) -> dict[str, str]:
    return {f.findtext(f"{Q12}fieldlabel"): f.findtext(f"{Q12}fieldentry")
            for f in el.iter(f"{Q12}qtimetadatafield")}


def canvas_groups(doc) -> list:
    return doc.findall(f".//{Q12}section[{Q12}selection_ordering]")


def test_canvas_package_validates_and_groups_variants():
    docs = validate_qti12(render(exam(), slots(3), "qti12"))
    (doc,) = docs.values()
    groups = canvas_groups(doc)
    assert len(groups) == 7  # one group per slot, arrays included
    for g in groups:
        assert g.findtext(f".//{Q12}selection_number") == "1"
        assert len(g.findall(f"{Q12}item")) == 3
    types = {f.getparent().findtext(f"{Q12}fieldentry")
             for f in doc.iter(f"{Q12}fieldlabel") if f.text == "question_type"}
    assert types == {"numerical_question", "multiple_choice_question", "multiple_answers_question",
                     "fill_in_multiple_blanks_question", "short_answer_question"}


def test_canvas_numerical_range_and_points():
    (doc,) = validate_qti12(render(exam(), slots(1), "qti12")).values()
    item = doc.find(f".//{Q12}item[@ident='q2-v001']")
    assert item.find(f".//{Q12}render_fib").get("fibtype") == "Decimal"
    cond = item.findall(f".//{Q12}respcondition")[-1]
    assert cond.findtext(f".//{Q12}varequal") == "0.125"
    assert (cond.findtext(f".//{Q12}vargte"), cond.findtext(f".//{Q12}varlte")) == ("0.12275", "0.12725")
    assert cond.findtext(f"{Q12}setvar") == "100"
    assert canvas_meta(item)["points_possible"] == "2"
    matrix = doc.find(f".//{Q12}item[@ident='q5-v001']")
    assert canvas_meta(matrix)["points_possible"] == "2"  # the whole slot, not a share


def test_canvas_tiny_answers_are_scaled():
    tiny = fq("t", "real", 0.00001, tol=(0.000001, 0.0), prompt="Tiny?")
    (doc,) = validate_qti12(render(exam(), [SlotVariants("t", "t", 1.0, (tiny,))], "qti12")).values()
    item = doc.find(f".//{Q12}item[@ident='t-v001']")
    assert canvas_scale([0.00001], [0.000001]) == 6
    assert item.findall(f".//{Q12}respcondition")[-1].findtext(f".//{Q12}varequal") == "10"
    assert "10^6" in item.findtext(f".//{Q12}mattext")


def test_canvas_noise_zero_is_zero_and_never_scaled():
    """-4.44e-16 (backprop.conv-weight) is 0: no 'multiplied by 10^16', range +-margin."""
    noise = -4.440892098500626e-16
    tol = (0.002, 0.005)
    real_q = fq("z", "real", noise, tol=tol, prompt="Gradient?")
    mat_q = fq("z", "matrix", [[4.0, noise], [0.0, -2.0]], tol=tol, decimals=0, prompt="dW?")
    assert canvas_scale([noise], [0.002]) == 0 and canvas_scale([noise], [0.0]) == 0
    (doc,) = validate_qti12(render(exam(), [SlotVariants("z", "z", 1.0, (real_q, mat_q))],
                                   "qti12")).values()
    item = doc.find(f".//{Q12}item[@ident='z-v001']")
    assert "10^" not in item.findtext(f".//{Q12}mattext")
    cond = item.findall(f".//{Q12}respcondition")[-1]
    assert cond.findtext(f".//{Q12}varequal") == "0"
    assert (cond.findtext(f".//{Q12}vargte"), cond.findtext(f".//{Q12}varlte")) == ("-0.002", "0.002")
    blanks = canvas_blanks(doc.find(f".//{Q12}item[@ident='z-v002']"))
    assert "0" in blanks["r1c2"] and not any("e-" in t or "10^" in t for t in blanks["r1c2"])


def test_canvas_multiple_answers_condition():
    (doc,) = validate_qti12(render(exam(), slots(1), "qti12")).values()
    item = doc.find(f".//{Q12}item[@ident='q7-v001']")
    cond = item.findall(f".//{Q12}respcondition")[-1]
    both = cond.find(f".//{Q12}and")
    assert [v.text for v in both.findall(f"{Q12}varequal")] == ["1000", "1001"]
    assert [v.text for v in both.findall(f"{Q12}not/{Q12}varequal")] == ["1002", "1003"]


# ------------------------------------------------------------------ Canvas: points per slot


def canvas_blanks(item) -> dict[str, list[str]]:
    """Blank name -> accepted texts, read like Canvas's importer (``response_<blank>``)."""
    out = {}
    for lid in item.iter(f"{Q12}response_lid"):
        name = lid.get("ident").removeprefix("response_")
        out[name] = [m.text for m in lid.iter(f"{Q12}mattext") if m.get("texttype") == "text/plain"]
    return out


def canvas_fimb_score(item, answers: dict[str, str]) -> float:
    """Canvas FillInMultipleBlanksQuestion: a blank is right when the trimmed, lower-cased
    answer equals an accepted text; score = points * right blanks / blanks."""
    blanks = canvas_blanks(item)
    text = item.findtext(f".//{Q12}presentation/{Q12}material/{Q12}mattext")
    assert all(f"[{b}]" in text for b in blanks), "every blank has its box in the text"
    right = sum(answers.get(b, "").strip().lower() in {t.strip().lower() for t in ok}
                for b, ok in blanks.items())
    return float(canvas_meta(item)["points_possible"]) * right / len(blanks)


def key_texts(q) -> list[str]:
    """The key's numbers as a student types them: rounded to the asked decimals."""
    flat = [v for row in q.answer_value for v in row] if q.answer_type == "matrix" else list(q.answer_value)
    if q.decimals is None:
        return [str(v) if isinstance(v, int) else repr(float(v)) for v in flat]
    return [f"{float(v):.{q.decimals}f}" for v in flat]


def _uneven_slot() -> SlotVariants:
    """conv.by-hand-like variants with 4, 9 and 16 entries in one slot."""
    mats = [[[r * k + c for c in range(k)] for r in range(k)] for k in (2, 3, 4)]
    return SlotVariants("conv", "Conv by hand", 3.0,
                        tuple(fq("conv", "matrix", m, prompt="Convolve.") for m in mats))


@pytest.mark.parametrize("source", ["fixtures", "default exam"])
def test_canvas_every_slot_is_worth_its_points_whatever_variant_is_drawn(source):
    if source == "fixtures":
        exam_info, s = exam(), slots(2) + [_uneven_slot()]
    else:
        got = real(4)
        if got is None:
            pytest.skip("quizgen.api.variants is not available yet")
        exam_info, s = got
    data = render(exam_info, s, "qti12")
    (doc,) = validate_qti12(data).values()
    groups = canvas_groups(doc)
    assert len(groups) == len(s)
    for slot, g in zip(s, groups):
        picks = int(g.findtext(f".//{Q12}selection_number"))
        items = g.findall(f"{Q12}item")
        assert picks == 1 and len(items) == len(slot.variants)
        # whichever item Canvas draws, the slot is worth its points
        assert {float(canvas_meta(i)["points_possible"]) for i in items} == {slot.points}
    meta = etree.fromstring(members(data)[next(n for n in members(data) if n.endswith("assessment_meta.xml"))])
    declared = float(meta.findtext("{http://canvas.instructure.com/xsd/cccv1p0}points_possible"))
    drawn = sum(int(g.findtext(f".//{Q12}selection_number")) *
                float(canvas_meta(g.find(f"{Q12}item"))["points_possible"]) for g in groups)
    assert declared == drawn == sum(x.points for x in s)


def test_canvas_blanks_score_like_the_grader():
    """Variants of 4, 9, 16 entries: the key scores the slot's points, k of n right k/n."""
    from quizgen.grading.scoring import score
    slot = _uneven_slot()
    (doc,) = validate_qti12(render(exam(), [slot], "qti12")).values()
    for k, q in enumerate(slot.variants):
        item = doc.find(f".//{Q12}item[@ident='conv-v00{k + 1}']")
        names = list(canvas_blanks(item))
        key = key_texts(q)
        assert len(names) == len(key) == len(q.answer_value) ** 2
        assert canvas_fimb_score(item, dict(zip(names, key))) == slot.points
        wrong = dict(zip(names, key)) | {names[0]: "999"}
        n = len(names)
        assert abs(canvas_fimb_score(item, wrong) - slot.points * (n - 1) / n) < 1e-12
        assert score(q, "; ".join(" ".join(key[r * int(n ** .5):(r + 1) * int(n ** .5)])
                                  for r in range(int(n ** .5)))).status == "correct"


def test_canvas_blank_texts_are_what_the_grader_accepts(bank_sample):
    """Every accepted text of every blank is within the grader's tolerance, and the key
    rounded to the asked decimals is accepted whenever the grader accepts it."""
    from quizgen.answers import tolerance_width
    exam_info, s = bank_sample
    (doc,) = validate_qti12(render(exam_info, s, "qti12")).values()
    ids = {}
    for slot, g in zip(s, canvas_groups(doc)):
        for q, item in zip(slot.variants, g.findall(f"{Q12}item")):
            ids[item.get("ident")] = (q, item)
    checked = 0
    for q, item in ids.values():
        if q.answer_type not in ("vector", "matrix"):  # a shape is one text box (test_export_shape)
            continue
        flat = [v for row in q.answer_value for v in row] if q.answer_type == "matrix" else q.answer_value
        blanks = canvas_blanks(item)
        assert len(blanks) == len(flat)
        for a, typed, (name, ok) in zip(flat, key_texts(q), blanks.items()):
            width = tolerance_width(q.tolerance, float(a)) + 1e-12 + 1e-9 * abs(float(a))
            assert all(abs(float(t) - float(a)) <= width for t in ok), (q.template, name, ok)
            if abs(float(typed) - float(a)) <= width:
                assert typed in ok, (q.template, name, typed, ok)
            checked += 1
    assert checked > 50


def test_qti21_package_validates():
    docs = validate_qti21(render(exam(), slots(3), "qti21"))
    test = next(d for n, d in docs.items() if n.startswith("tests/"))
    sections = test.findall(f".//{Q21}assessmentSection")
    assert len(sections) == 7
    assert all(s.find(f"{Q21}selection").get("select") == "1" for s in sections)
    assert all(len(s.findall(f"{Q21}assessmentItemRef")) == 3 for s in sections)
    assert sum(n.startswith("items/") for n in docs) == 21


def test_qti21_numeric_tolerance_and_feedback():
    docs = validate_qti21(render(exam(), slots(1), "qti21"))
    item = docs["items/q2-v001.xml"]
    eq = item.find(f".//{Q21}equal")
    assert (eq.get("toleranceMode"), eq.get("tolerance")) == ("absolute", "0.00225 0.00225")
    assert item.find(f".//{Q21}textEntryInteraction") is not None
    ids = [m.get("identifier") for m in item.findall(f"{Q21}modalFeedback")]
    assert ids == ["MISCONCEPTION_1", "SOLUTION"]
    m = docs["items/q5-v001.xml"]
    assert len(m.findall(f".//{Q21}td/{Q21}textEntryInteraction")) == 4
    c = docs["items/q7-v001.xml"]
    mapping = {e.get("mapKey"): e.get("mappedValue") for e in c.iter(f"{Q21}mapEntry")}
    assert mapping == {"CHOICE_1": "1", "CHOICE_2": "1", "CHOICE_3": "-1", "CHOICE_4": "-1"}
    assert c.find(f".//{Q21}choiceInteraction").get("maxChoices") == "0"


def test_text_survives_in_qti():
    from lxml import html
    (doc,) = validate_qti12(render(exam(), slots(1), "qti12")).values()
    shown = [html.fromstring(m.text).text_content() for m in doc.iter(f"{Q12}mattext")]
    docs = validate_qti21(render(exam(), slots(1), "qti21"))
    shown.append(" ".join("".join(d.itertext()) for d in docs.values()))
    for text in shown[:1] + shown[-1:]:
        assert KOREAN in text
        assert "a<b & c>d, {braces}, #hash, ~tilde, costs $5 or $10, key=value" in text


def test_real_generated_questions_validate():
    got = real(3)
    if got is None:
        pytest.skip("quizgen.api.variants is not available yet")
    validate_qti12(render(*got, "qti12"))
    validate_qti21(render(*got, "qti21"))


def test_default_exam_export_end_to_end(tmp_path):
    """`quizgen export` of the default exam: four files, each passing its validation."""
    from moodle_rules import check_gift, check_moodle_xml
    from test_export_gift import gift_pegjs

    from export_fixtures import SECRET
    try:
        from quizgen import api
        paths = api.export(None, tmp_path / "lms", n_variants=3, secret=SECRET)
    except (ImportError, AttributeError):
        pytest.skip("quizgen.api.export is not available yet")
    by_suffix = {p.name.split(".", 1)[1]: p.read_bytes() for p in paths}
    assert set(by_suffix) == {"moodle.xml", "canvas-qti12.zip", "qti21.zip", "gift.txt"}
    assert check_moodle_xml(by_suffix["moodle.xml"])[1] == []
    assert check_gift(by_suffix["gift.txt"])[1] == []
    assert gift_pegjs(by_suffix["gift.txt"], tmp_path)
    validate_qti12(by_suffix["canvas-qti12.zip"])
    validate_qti21(by_suffix["qti21.zip"])
    for data in by_suffix.values():
        blobs = members(data).values() if data[:2] == b"PK" else [data]
        assert not any(SECRET.encode() in b for b in blobs)


# ------------------------------------------------------------------ QTI 2.1 scoring


@lru_cache(maxsize=256)
def _xsd_pattern(pattern: str):
    """An ``xs:pattern`` facet compiled by libxml2: XML Schema's regex dialect, not Python's
    (no ``(?:``, no lookarounds; ``\\s`` is only space, tab, CR, LF). A pattern that is not
    valid XML Schema fails here, as it would in a QTI player."""
    xsd = ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="v">'
           '<xs:simpleType><xs:restriction base="xs:string"><xs:pattern value=""/>'
           '</xs:restriction></xs:simpleType></xs:element></xs:schema>')
    doc = etree.fromstring(xsd)
    doc.find(".//{http://www.w3.org/2001/XMLSchema}pattern").set("value", pattern)
    return etree.XMLSchema(doc)


def xsd_pattern_matches(pattern: str, value: str) -> bool:
    v = etree.Element("v")
    v.text = value
    return _xsd_pattern(pattern).validate(v)


def test_the_interpreter_matches_patterns_as_xml_schema_does():
    assert xsd_pattern_matches(r"\s*16(\s*[xX]\s*|\s+)50\s*", " 16 x 50 ")
    assert not xsd_pattern_matches(r"\s*16(\s*[xX]\s*|\s+)50\s*", "16\u00a0x 50")  # no-break space is no \s
    assert not xsd_pattern_matches(r"16", "16 ")                                       # anchored
    with pytest.raises(etree.XMLSchemaParseError):
        _xsd_pattern(r"16(?:x)50")                                                    # Python-only syntax


class QTI21Eval:
    """A small QTI 2.1 response-processing interpreter for the expressions the export uses
    (written from the spec, independent of the exporter); anything else raises."""

    def __init__(self, item):
        self.item = item
        self.decl = {d.get("identifier"): d for d in item.iter(f"{Q21}responseDeclaration")}

    def run(self, responses: dict) -> dict:
        self.resp = responses
        self.out = {}
        for o in self.item.iter(f"{Q21}outcomeDeclaration"):
            v = o.find(f"{Q21}defaultValue/{Q21}value")
            multiple = o.get("cardinality") == "multiple"
            self.out[o.get("identifier")] = set() if multiple else (
                float(v.text) if v is not None and o.get("baseType") == "float" else
                (v.text if v is not None else None))
        self.rules(self.item.find(f"{Q21}responseProcessing"))
        return self.out

    def rules(self, parent):
        for rule in parent:
            tag = etree.QName(rule).localname
            if tag == "setOutcomeValue":
                self.out[rule.get("identifier")] = self.ev(rule[0])
            elif tag == "responseCondition":
                for branch in rule:
                    kind = etree.QName(branch).localname
                    if kind == "responseElse":
                        self.rules(branch)
                        break
                    if self.ev(branch[0]):
                        self.rules(list(branch)[1:])
                        break
            else:
                raise AssertionError(f"unknown rule {tag}")

    def ev(self, e):
        tag = etree.QName(e).localname
        kids = list(e)
        if tag == "variable":
            i = e.get("identifier")
            return self.resp.get(i) if i in self.decl else self.out.get(i)
        if tag == "correct":
            d = self.decl[e.get("identifier")]
            vals = [v.text for v in d.find(f"{Q21}correctResponse")]
            if d.get("cardinality") == "multiple":
                return set(vals)
            return float(vals[0]) if d.get("baseType") == "float" else vals[0]
        if tag == "baseValue":
            return float(e.text) if e.get("baseType") == "float" else e.text
        if tag == "sum":
            return sum(self.ev(k) for k in kids)
        if tag == "product":
            out = 1.0
            for k in kids:
                out *= self.ev(k)
            return out
        if tag == "divide":
            return self.ev(kids[0]) / self.ev(kids[1])
        if tag == "gte":
            return self.ev(kids[0]) >= self.ev(kids[1])
        if tag == "lt":
            return self.ev(kids[0]) < self.ev(kids[1])
        if tag == "patternMatch":  # an XML Schema regex: anchored; NULL matches nothing
            v = self.ev(kids[0])
            return None if v is None else xsd_pattern_matches(e.get("pattern"), v)
        if tag == "and":
            return all(self.ev(k) for k in kids)
        if tag == "or":
            return any(self.ev(k) for k in kids)
        if tag == "stringMatch":  # NULL matches nothing
            a, b = self.ev(kids[0]), self.ev(kids[1])
            if a is None or b is None:
                return None
            if e.get("caseSensitive") == "false":
                return a.lower() == b.lower()
            return a == b
        if tag == "isNull":
            v = self.ev(kids[0])
            return v is None or v == set() or v == ""
        if tag == "multiple":
            out = set()
            for k in kids:
                v = self.ev(k)
                out |= v if isinstance(v, set) else ({v} if v is not None else set())
            return out
        if tag == "match":
            a, b = self.ev(kids[0]), self.ev(kids[1])
            return a is not None and a == b
        if tag == "equal":
            a, b = self.ev(kids[0]), self.ev(kids[1])
            if a is None or b is None:
                return None
            if e.get("toleranceMode", "exact") == "exact":
                return a == b
            t0, t1 = (list(map(float, e.get("tolerance").split())) * 2)[:2]
            return b - t0 <= a <= b + t1
        if tag == "mapResponse":
            d = self.decl[e.get("identifier")]
            m = d.find(f"{Q21}mapping")
            v = self.resp.get(e.get("identifier"))
            picked = v if isinstance(v, set) else ({v} if v is not None else set())

            def mapped(x):  # mapEntry caseSensitive (QTI 2.1: default true) for strings
                for entry in m:
                    key = entry.get("mapKey")
                    if key == x or (entry.get("caseSensitive") == "false"
                                    and key.lower() == str(x).lower()):
                        return float(entry.get("mappedValue"))
                return float(m.get("defaultValue", "0"))
            total = sum(mapped(x) for x in picked)
            if m.get("lowerBound") is not None:
                total = max(total, float(m.get("lowerBound")))
            if m.get("upperBound") is not None:
                total = min(total, float(m.get("upperBound")))
            return total
        raise AssertionError(f"unknown expression {tag}")


def _exact_score_slots() -> list[SlotVariants]:
    """Points and counts whose decimal shares do not add up (1/10 * 10 != 1 in floats)."""
    return [
        SlotVariants("v", "vector", 1.0, (fq("v", "vector", [0.1 * i for i in range(1, 11)],
                                              tol=(0.01, 0.0), points=1.0),
                                           fq("v", "vector", [1, 2, 3], points=1.0))),
        SlotVariants("m", "matrix", 0.7, (fq("m", "matrix", [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
                                              points=0.7),)),
        SlotVariants("c", "choices", 1.0, tuple(
            fq("c", "choices", list(range(k)), options=[f"o{i}" for i in range(k + 2)], points=1.0)
            for k in (3, 6, 7, 10))),
    ]


def test_qti21_full_marks_are_exactly_maxscore(bank_sample):
    """The key scores MAXSCORE exactly (no 1.9999999999999998); k of n blanks k/n."""
    cases = [(exam(), slots(3)), bank_sample, (exam(), _exact_score_slots())]
    checked = 0
    for exam_info, s in cases:
        docs = validate_qti21(render(exam_info, s, "qti21"))
        test_doc = next(d for n, d in docs.items() if n.startswith("tests/"))
        items = [docs[r.get("href").removeprefix("../")]
                 for r in test_doc.iter(f"{Q21}assessmentItemRef")]
        qs = [q for slot in s for q in slot.variants]
        assert len(items) == len(qs)
        for q, item in zip(qs, items):
            ev = QTI21Eval(item)
            maxscore = ev.run({})["MAXSCORE"]
            if q.answer_type in ("choice", "choices"):
                picks = [q.answer_value] if q.answer_type == "choice" else list(q.answer_value)
                ids = {f"CHOICE_{i + 1}" for i in picks}
                key = {"RESPONSE": next(iter(ids)) if q.answer_type == "choice" else ids}
                assert ev.run(key)["SCORE"] == maxscore, (q.template, ev.run(key)["SCORE"])
                assert ev.run({"RESPONSE": None if q.answer_type == "choice" else set()})["SCORE"] == 0
                if q.answer_type == "choices" and len(picks) > 1:  # one right tick fewer
                    part = ev.run({"RESPONSE": ids - {f"CHOICE_{picks[0] + 1}"}})["SCORE"]
                    assert abs(part - maxscore * (len(picks) - 1) / len(picks)) < 1e-9
            elif q.answer_type == "shape":  # one text box, all or nothing
                typed = " x ".join(str(int(v)) for v in q.answer_value)
                assert ev.run({"RESPONSE": typed})["SCORE"] == maxscore, (q.template, typed)
                assert ev.run({"RESPONSE": typed + "0"})["SCORE"] == 0
                assert ev.run({"RESPONSE": None})["SCORE"] == 0
            else:
                flat = ([v for row in q.answer_value for v in row] if q.answer_type == "matrix"
                        else q.answer_value if q.answer_type == "vector" else [q.answer_value])
                key = {f"RESPONSE_{i + 1}": float(v) for i, v in enumerate(flat)}
                assert ev.run(key)["SCORE"] == maxscore, (q.template, ev.run(key)["SCORE"])
                wrong = dict(key, RESPONSE_1=key["RESPONSE_1"] + 1000)
                n = len(flat)
                assert abs(ev.run(wrong)["SCORE"] - maxscore * (n - 1) / n) < 1e-9
            assert maxscore == q.points
            checked += 1
    assert checked > 60


def test_qti21_right_answers_get_no_mistake_feedback_and_boxes_tell_nothing(bank_sample):
    """A right answer never adds a misconception's feedback, even when it also lies within
    the margin of that wrong value (0.031 for 0.033 showed "wrong" feedback on full marks),
    while the misconception itself still does; and every number blank has the same width
    (its width after the answer's length told the answer's sign and digits)."""
    from dataclasses import replace
    exam_info, s = bank_sample
    q = next(q for slot in s for q in slot.variants if q.answer_type == "real" and q.misconceptions)
    mis = q.misconceptions[0]
    near = float(q.answer_value) + 0.5 * (float(mis.value) - float(q.answer_value))
    # margins of 0.6 x the distance: the midpoint is within the answer's and the mistake's
    wide = replace(q, tolerance=replace(q.tolerance, rel=0.0,
                                        abs=0.6 * abs(float(mis.value) - float(q.answer_value))))
    slot = replace(s[0], variants=(wide,), points=wide.points)
    (item,) = [d for n, d in validate_qti21(render(exam_info, [slot], "qti21")).items() if n.startswith("items/")]
    ev = QTI21Eval(item)
    right = ev.run({"RESPONSE_1": near})
    assert right["SCORE"] == right["MAXSCORE"] and right["FEEDBACK"] == {"SOLUTION"}
    wrong = ev.run({"RESPONSE_1": float(mis.value)})
    assert wrong["SCORE"] == 0 and wrong["FEEDBACK"] == {"SOLUTION", "MISCONCEPTION_1"}
    docs = validate_qti21(render(exam_info, s, "qti21"))
    widths = {b.get("expectedLength") for d in docs.values() for b in d.iter(f"{Q21}textEntryInteraction")
              if not b.get("expectedLength") == "20"}
    assert widths == {"12"}


def test_qti21_shape_pattern_takes_the_spaces_the_grader_takes():
    """The grader reads no-break and ideographic spaces as spaces; XML Schema's \\s does not,
    so the pattern names them. Checked with libxml2's XML Schema regex engine."""
    from quizgen import answers
    from quizgen.export.qti21 import shape_pattern
    pattern = shape_pattern((16, 50, 50))
    for typed in ("16 x 50 x 50", " (16, 50, 50) ", "16\u00a0x\u00a050\u00a0x\u00a050", "16\u300050\u300050",
                  "16 50 50", "[16;50;50]"):
        assert answers.parse("shape", typed).value == [16, 50, 50], typed
        assert xsd_pattern_matches(pattern, typed), typed
    for typed in ("165050", "16 x 50", "16 x 50 x 500", "16 x 50 x 50 x 1", "16 x 5 0 x 50"):
        assert not xsd_pattern_matches(pattern, typed), typed
