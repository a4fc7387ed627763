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
from quizgen.export import render
from quizgen.export.values import canvas_scale

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


def test_canvas_package_validates_and_groups_variants():
    docs = validate_qti12(render(exam(), slots(3), "qti12"))
    (doc,) = docs.values()
    groups = doc.findall(f".//{Q12}section[{Q12}selection_ordering]")
    # q1 q2 q6 q7 whole; q3 (3 numbers), q4 (3), q5 (4) split per number
    assert len(groups) == 4 + 3 + 3 + 4
    for g in groups:
        assert g.findtext(f".//{Q12}selection_number") == "1"
        assert len(g.findall(f"{Q12}item")) == 3
    types = {f.getparent().findtext(f"{Q12}fieldentry")
             for f in doc.iter(f"{Q12}fieldlabel") if f.text == "question_type"}
    assert types == {"numerical_question", "multiple_choice_question", "multiple_answers_question"}


def test_canvas_numerical_range_and_points():
    (doc,) = validate_qti12(render(exam(), slots(1), "qti12")).values()
    item = doc.find(f".//{Q12}item[@ident='q2-v001']")
    assert item.find(f".//{Q12}render_fib").get("fibtype") == "Decimal"
    cond = item.findall(f".//{Q12}respcondition")[-1]
    assert cond.findtext(f".//{Q12}varequal") == "0.125"
    assert (cond.findtext(f".//{Q12}vargte"), cond.findtext(f".//{Q12}varlte")) == ("0.12275", "0.12725")
    assert cond.findtext(f"{Q12}setvar") == "100"
    meta = {f.findtext(f"{Q12}fieldlabel"): f.findtext(f"{Q12}fieldentry")
            for f in item.iter(f"{Q12}qtimetadatafield")}
    assert meta["points_possible"] == "2"
    split = doc.find(f".//{Q12}item[@ident='q5-v001-1']")
    meta = {f.findtext(f"{Q12}fieldlabel"): f.findtext(f"{Q12}fieldentry")
            for f in split.iter(f"{Q12}qtimetadatafield")}
    assert meta["points_possible"] == "0.5"


def test_canvas_tiny_answers_are_scaled():
    (doc,) = validate_qti12(render(exam(), slots(1), "qti12")).values()
    item = doc.find(f".//{Q12}item[@ident='q5-v001-4']")  # 0.00001 with margin 1e-6
    assert canvas_scale([0.00001], [0.000001]) == 6
    assert item.findall(f".//{Q12}respcondition")[-1].findtext(f".//{Q12}varequal") == "10"
    assert "10^6" in item.findtext(f".//{Q12}mattext")


def test_canvas_multiple_answers_condition():
    (doc,) = validate_qti12(render(exam(), slots(1), "qti12")).values()
    item = doc.find(f".//{Q12}item[@ident='q7-v001']")
    cond = item.findall(f".//{Q12}respcondition")[-1]
    both = cond.find(f".//{Q12}and")
    assert [v.text for v in both.findall(f"{Q12}varequal")] == ["1000", "1001"]
    assert [v.text for v in both.findall(f"{Q12}not/{Q12}varequal")] == ["1002", "1003"]


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
