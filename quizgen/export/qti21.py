"""QTI 2.1 content package (OpenOLAT, Inspera, ONYX, TAO...).

One ``assessmentItem`` per variant (``items/<id>.xml``); one ``assessmentTest``
(``tests/<id>.xml``) with a section per slot that selects 1 of its variants;
``imsmanifest.xml`` lists every file. Numbers are ``textEntryInteraction`` blanks (float)
laid out like the answer; SCORE counts the blanks where ``equal toleranceMode="absolute"``
holds with the margin ``abs + rel*|a|``, and k of n right blanks score
``k * MAXSCORE / n`` (all n: MAXSCORE itself). A shape is one ``textEntryInteraction``
(string, the same ``expectedLength`` for every shape) whatever its number of dimensions:
its ``mapping`` maps each usual spelling of the shape (shapes.py) to MAXSCORE,
``caseSensitive="false"``, anything else to 0; a misconception's wrong shape is matched
with ``stringMatch caseSensitive="false"`` on its spellings. Choices are a ``choiceInteraction``
scored through a ``mapping`` (right options share the points, wrong ones take them back;
``mapResponse`` clamps at 0); the exact key of a multiple-answer question scores
MAXSCORE itself. So full marks are exactly MAXSCORE, never 1.9999999999999998 from
adding decimal shares. A response equal to a misconception adds its id to ``FEEDBACK``;
``SOLUTION`` is always added, so the matching ``modalFeedback`` shows the worked
solution after submission.
"""
from __future__ import annotations

import copy
import functools
import re
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from lxml import etree

from ..model import ExamInfo, Question, SlotVariants
from . import shapes, text, values
from .common import file_stem, ident, slot_ids, sub_element, variant_tag, words
from .files import Stamp, marks, xml_bytes, zip_bytes

NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA = f"{NS} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
_STYLE = re.compile(r' style="[^"]*"')  # Markdown table alignment: not a QTI attribute


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


_sub = sub_element


@functools.lru_cache(maxsize=8192)
def _parsed(html: str) -> etree._Element:
    """An HTML fragment (XHTML from markdown-it) as QTI elements in a ``div``: parsed once for
    the many variants that share a text (the tree is copied for each use, never changed)."""
    if " style=" in html:  # only markdown-it's table alignment (text is escaped: no '"' in it)
        html = _STYLE.sub("", html)
    return etree.fromstring(f'<div xmlns="{NS}">{html}</div>')


def _html_into(parent, html: str) -> None:
    """Parse an HTML fragment (XHTML from markdown-it) into QTI elements under ``parent``."""
    if not html.strip():
        return
    frag = copy.deepcopy(_parsed(html))
    if frag.text:
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + frag.text
        else:
            parent.text = (parent.text or "") + frag.text
    for child in list(frag):
        parent.append(child)


def export(exam: ExamInfo, slots: list[SlotVariants], lang: str) -> bytes:
    """The zip of items, test and manifest."""
    files: dict[str, bytes] = {}
    sections = []
    ids = slot_ids(slots)
    for slot in slots:
        refs = []
        n = len(slot.variants)
        for i, q in enumerate(slot.variants):
            iid = ident(f"{ids[slot.slot]}-{variant_tag(i, n)}", "item")
            href = f"items/{iid}.xml"
            files[href] = item(q, slot, iid, f"{slot.slot} {variant_tag(i, n)} {q.title}".strip(),
                               lang)
            refs.append((iid, href))
        sections.append((slot, ids[slot.slot], refs))
    tid = ident(f"test-{file_stem(exam)}", "test")
    test_href = f"tests/{tid}.xml"
    files[test_href] = test(exam, sections, tid)
    files["imsmanifest.xml"] = manifest(tid, test_href, sections)
    return zip_bytes(files)


def _root(tag: str, **attrs) -> etree._Element:
    el = etree.Element(_q(tag), nsmap={None: NS, "xsi": XSI}, **attrs)
    el.set(f"{{{XSI}}}schemaLocation", SCHEMA)
    return el


def _outcome(parent, oid: str, base: str, default: str | None = None, card: str = "single"):
    o = _sub(parent, "outcomeDeclaration", identifier=oid, cardinality=card, baseType=base)
    if default is not None:
        _sub(_sub(o, "defaultValue"), "value", default)


def _set(parent, oid: str):
    return _sub(parent, "setOutcomeValue", identifier=oid)


def _base(parent, base: str, value: str):
    return _sub(parent, "baseValue", value, baseType=base)


def _add_feedback(parent, fid: str) -> None:
    mult = _sub(_set(parent, "FEEDBACK"), "multiple")
    _sub(mult, "variable", identifier="FEEDBACK")
    _base(mult, "identifier", fid)


def item(q: Question, slot: SlotVariants, iid: str, title: str, lang: str) -> bytes:
    """One ``assessmentItem`` document."""
    points = float(slot.points if q.points is None else q.points)
    root = _item_stamp().make({"identifier": iid, "title": title, "lang": q.lang or lang,
                               "maxscore": values.num(points)})
    body, rp = root[3], root[4]
    if q.answer_type == "shape":
        key = shapes.key(q)
        root.insert(0, _shape_declaration(key, points))
        _html_into(body, text.to_html(q.prompt, mathml=True))
        _html_into(body, text.to_html(words(lang)["shape_format"], mathml=True))
        _sub(_sub(body, "p"), "textEntryInteraction", responseIdentifier="RESPONSE",
             expectedLength=SHAPE_LENGTH)
        conditions = _shape_processing(key)
        feedback = [(_mid(m.index), m.feedback) for m in key.mistakes]
    elif q.answer_type not in values.CHOICE:
        ps = values.parts(q)
        decl = _declaration_stamp()
        for p in ps:
            root.insert(p.index, decl.make({"rid": f"RESPONSE_{p.index + 1}",
                                             "value": values.num(p.value)}))
        _html_into(body, text.to_html(q.prompt, mathml=True))
        _blanks(body, q, ps)
        conditions = _numeric_processing(q, ps)
        feedback = _mistake_feedback(q)
    else:
        root.insert(0, _choice_declaration(q, points))
        _html_into(body, text.to_html(q.prompt, mathml=True))
        _choice_body(body, q)
        conditions = _choice_processing(q)
        feedback = _mistake_feedback(q)
    for cond in conditions:
        rp.append(cond)
    for mid, fb in feedback:
        mf = _sub(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=mid,
                  showHide="show")
        _html_into(mf, text.to_html(fb, mathml=True))
    mf = _sub(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier="SOLUTION",
              showHide="show")
    _html_into(mf, text.to_html(q.solution, mathml=True) or "<p>-</p>")
    return xml_bytes(root)


@functools.lru_cache(maxsize=1)
def _item_stamp() -> Stamp:
    """The frame every item shares: outcomes, an empty body, the SOLUTION feedback rule."""
    v = marks("identifier", "title", "lang", "maxscore")
    root = _root("assessmentItem", identifier=v["identifier"], title=v["title"],
                 adaptive="false", timeDependent="false")
    root.set(XML_LANG, v["lang"])
    _outcome(root, "SCORE", "float", "0")
    _outcome(root, "MAXSCORE", "float", v["maxscore"])
    _outcome(root, "FEEDBACK", "identifier", card="multiple")
    _sub(root, "itemBody")
    rp = _sub(root, "responseProcessing")
    _base(_sub(_set(rp, "FEEDBACK"), "multiple"), "identifier", "SOLUTION")
    return Stamp(root)


# ------------------------------------------------------------------ a shape

SHAPE_LENGTH = "20"  # the box's width: the same for every shape, so it tells nothing
NUMBER_LENGTH = "12"  # the same for every number blank: a width after the answer's told its sign and digits


def _fragment(xml: str) -> etree._Element:
    """The one element ``xml`` holds, in the QTI namespace: lxml parses in C what would take
    a Python call per element (a shape has 11 spellings, each mapped or matched)."""
    return etree.fromstring(f'<fragment xmlns="{NS}">{xml}</fragment>')[0]


def _shape_declaration(key: shapes.Key, points: float) -> etree._Element:
    """A string response: the prompt's form as the correct response, every accepted
    spelling mapped to the item's points (case-insensitive), anything else to 0."""
    full = values.num(points)
    entries = "".join(f'<mapEntry mapKey={quoteattr(t)} mappedValue="{full}" caseSensitive="false"/>'
                      for t in key.right)
    return _fragment(
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">'
        f"<correctResponse><value>{xml_escape(key.right[0])}</value></correctResponse>"
        f'<mapping lowerBound="0" upperBound="{full}" defaultValue="0">{entries}</mapping>'
        "</responseDeclaration>")


def shape_pattern(dims: tuple) -> str:
    """An XML Schema regular expression (``patternMatch``, anchored) for the shape ``dims``
    with any spaces, ``x`` ``X`` ``×`` ``*`` ``,`` or ``;`` between the sizes, in brackets or not."""
    if not dims:
        raise ValueError("a shape has at least one size")
    s = r"[\s\p{Zs}]"   # XML Schema's \s is ASCII only; the grader also takes a no-break or ideographic space
    sep = rf"({s}*[xX×*,;]{s}*|{s}+)"
    return rf"{s}*[(\[]?{s}*" + sep.join(str(d) for d in dims) + rf"{s}*,?{s}*[)\]]?{s}*"


def _shape_processing(key: shapes.Key) -> list:
    """SCORE from the mapping (0 for no answer); a wrong shape adds its feedback id."""
    rc = etree.Element(_q("responseCondition"))
    rif = _sub(rc, "responseIf")
    _sub(_sub(rif, "isNull"), "variable", identifier="RESPONSE")
    _base(_set(rif, "SCORE"), "float", "0")
    _sub(_set(_sub(rc, "responseElse"), "SCORE"), "mapResponse", identifier="RESPONSE")
    # the mapping compares whole texts: spaces around the sizes or the answer ("64 x 21 ",
    # "( 64, 21 )") are right too, as the grader and the other formats read them
    spaced = _fragment('<responseCondition><responseIf><patternMatch pattern='
                       f'{quoteattr(shape_pattern(key.dims))}><variable identifier="RESPONSE"/>'
                       '</patternMatch><setOutcomeValue identifier="SCORE"><variable identifier="MAXSCORE"/>'
                       '</setOutcomeValue></responseIf></responseCondition>')
    conds = [rc, spaced]
    for m in key.mistakes:
        matches = "".join('<stringMatch caseSensitive="false"><variable identifier="RESPONSE"/>'
                          f'<baseValue baseType="string">{xml_escape(t)}</baseValue></stringMatch>'
                          for t in m.texts)
        rc = _fragment(f"<responseCondition><responseIf><or>{matches}</or></responseIf>"
                       "</responseCondition>")
        _add_feedback(rc[0], _mid(m.index))
        conds.append(rc)
    return conds


# ------------------------------------------------------------------ numbers


def _blanks(body, q: Question, ps: list[values.Part]) -> None:
    def blank(parent, p):
        _sub(parent, "textEntryInteraction", responseIdentifier=f"RESPONSE_{p.index + 1}",
             expectedLength=NUMBER_LENGTH)
    if q.answer_type == "matrix":
        tbody = _sub(_sub(body, "table", **{"class": "quizgen-matrix"}), "tbody")
        row = None
        for p in ps:
            if p.col == 0:
                row = _sub(tbody, "tr")
            blank(_sub(row, "td"), p)
        return
    para = _sub(body, "p")
    vector = q.answer_type == "vector"
    if vector:
        para.text = "[ "
    for j, p in enumerate(ps):
        blank(para, p)
        para[-1].tail = ", " if j + 1 < len(ps) else (" ]" if vector else None)


def _numeric_processing(q: Question, ps: list[values.Part]) -> list:
    """Count the right blanks in SCORE, then turn the count into points: all right is
    MAXSCORE itself (never 1.9999999999999998), k of n is ``k * MAXSCORE / n``."""
    conds = []
    for p in ps:
        tol = values.num(p.margin)
        conds.append(_part_stamp(bool(p.margin)).make(
            {"rid": f"RESPONSE_{p.index + 1}", "tol": f"{tol} {tol}"}))
    for mid, vals in _mistake_values(q, ps):
        rc = etree.Element(_q("responseCondition"))
        rif = _sub(rc, "responseIf")
        both = _sub(rif, "and")
        below = _sub(both, "lt")   # not all blanks right (SCORE counts them here): no "wrong" feedback
        _sub(below, "variable", identifier="SCORE")
        _base(below, "float", str(len(ps)))
        for p, v in zip(ps, vals):
            tol = values.num(values.margin(v, q.tolerance))
            both.append(_target_stamp(tol != "0").make(
                {"rid": f"RESPONSE_{p.index + 1}", "tol": f"{tol} {tol}", "target": values.num(v)}))
        _add_feedback(rif, mid)
        conds.append(rc)
    conds.append(_count_to_points_stamp(len(ps) > 1).make({"n": str(len(ps))}))
    return conds


@functools.lru_cache(maxsize=2)
def _count_to_points_stamp(partial: bool) -> Stamp:
    """``SCORE = MAXSCORE if SCORE >= n else SCORE * MAXSCORE / n`` (without the else
    when there is a single blank: its count is then 0), built once."""
    v = marks("n")
    rc = etree.Element(_q("responseCondition"), nsmap={None: NS})
    rif = _sub(rc, "responseIf")
    gte = _sub(rif, "gte")
    _sub(gte, "variable", identifier="SCORE")
    _base(gte, "float", v["n"])
    _sub(_set(rif, "SCORE"), "variable", identifier="MAXSCORE")
    if not partial:
        return Stamp(rc)
    div = _sub(_set(_sub(rc, "responseElse"), "SCORE"), "divide")
    prod = _sub(div, "product")
    _sub(prod, "variable", identifier="SCORE")
    _sub(prod, "variable", identifier="MAXSCORE")
    _base(div, "float", v["n"])
    return Stamp(rc)


@functools.lru_cache(maxsize=1)
def _declaration_stamp() -> Stamp:
    v = marks("rid", "value")
    rd = etree.Element(_q("responseDeclaration"), nsmap={None: NS}, identifier=v["rid"],
                       cardinality="single", baseType="float")
    _sub(_sub(rd, "correctResponse"), "value", v["value"])
    return Stamp(rd)


@functools.lru_cache(maxsize=2)
def _part_stamp(with_tolerance: bool) -> Stamp:
    """``if RESPONSE_k == correct (within tol): SCORE += 1``, built once."""
    v = marks("rid", "tol")
    rc = etree.Element(_q("responseCondition"), nsmap={None: NS})
    rif = _sub(rc, "responseIf")
    attrs = {"toleranceMode": "absolute", "tolerance": v["tol"]} if with_tolerance else \
        {"toleranceMode": "exact"}
    eq = _sub(rif, "equal", **attrs)
    _sub(eq, "variable", identifier=v["rid"])
    _sub(eq, "correct", identifier=v["rid"])
    total = _sub(_set(rif, "SCORE"), "sum")
    _sub(total, "variable", identifier="SCORE")
    _base(total, "float", "1")
    return Stamp(rc)


@functools.lru_cache(maxsize=2)
def _target_stamp(with_tolerance: bool) -> Stamp:
    """``RESPONSE_k == target (within tol)``, built once."""
    v = marks("rid", "tol", "target")
    attrs = {"toleranceMode": "absolute", "tolerance": v["tol"]} if with_tolerance else \
        {"toleranceMode": "exact"}
    eq = etree.Element(_q("equal"), nsmap={None: NS}, **attrs)
    _sub(eq, "variable", identifier=v["rid"])
    _base(eq, "float", v["target"])
    return Stamp(eq)


def _mistake_values(q: Question, ps: list[values.Part]):
    for j, m in enumerate(q.misconceptions):
        vals = values.flat(m.value, q.answer_type)
        if vals is None or len(vals) != len(ps):
            continue
        if all(values.close(v, p) for v, p in zip(vals, ps)):
            continue
        yield _mid(j), vals


def _mid(j: int) -> str:
    return f"MISCONCEPTION_{j + 1}"


def _mistake_feedback(q: Question) -> list[tuple[str, str]]:
    if q.answer_type in values.CHOICE:
        keep = {mid for mid, _ in _choice_mistakes(q)}
    else:
        keep = {mid for mid, _ in _mistake_values(q, values.parts(q))}
    return [(_mid(j), m.feedback) for j, m in enumerate(q.misconceptions) if _mid(j) in keep]


# ------------------------------------------------------------------ choices


def _cid(i: int) -> str:
    return f"CHOICE_{i + 1}"


def _correct_set(q: Question) -> set[int]:
    return {q.answer_value} if q.answer_type == "choice" else set(q.answer_value)


def _choice_declaration(q: Question, points: float) -> etree._Element:
    single = q.answer_type == "choice"
    correct = _correct_set(q)
    n = len(q.options or ())
    rd = etree.Element(_q("responseDeclaration"), nsmap={None: NS}, identifier="RESPONSE",
                       cardinality="single" if single else "multiple", baseType="identifier")
    cr = _sub(rd, "correctResponse")
    for i in sorted(correct):
        _sub(cr, "value", _cid(i))
    mp = _sub(rd, "mapping", lowerBound="0", upperBound=values.num(points), defaultValue="0")
    for i in range(n):
        if i in correct:
            v = points / len(correct)
        else:
            v = 0.0 if single else -points / len(correct)  # the grader's policy
        _sub(mp, "mapEntry", mapKey=_cid(i), mappedValue=values.num(v))
    return rd


def _choice_body(body, q: Question) -> None:
    single = q.answer_type == "choice"
    ci = _sub(body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false",
              maxChoices="1" if single else "0")
    for i, opt in enumerate(q.options or ()):
        sc = _sub(ci, "simpleChoice", identifier=_cid(i))
        _html_into(sc, text.to_html(opt, inline=True, mathml=True))


def _choice_mistakes(q: Question):
    correct = _correct_set(q)
    n = len(q.options or ())
    for j, m in enumerate(q.misconceptions):
        picks = [m.value] if q.answer_type == "choice" else m.value
        try:
            picks = sorted({int(i) for i in picks})
        except (TypeError, ValueError):
            continue
        if not picks or set(picks) == correct or any(not 0 <= i < n for i in picks):
            continue
        yield _mid(j), picks


def _choice_processing(q: Question) -> list:
    rc = etree.Element(_q("responseCondition"))
    rif = _sub(rc, "responseIf")
    _sub(_sub(rif, "isNull"), "variable", identifier="RESPONSE")
    _base(_set(rif, "SCORE"), "float", "0")
    if q.answer_type == "choices":  # the key scores MAXSCORE exactly, not a sum of shares
        right = _sub(rc, "responseElseIf")
        m = _sub(right, "match")
        _sub(m, "variable", identifier="RESPONSE")
        _sub(m, "correct", identifier="RESPONSE")
        _sub(_set(right, "SCORE"), "variable", identifier="MAXSCORE")
    _sub(_set(_sub(rc, "responseElse"), "SCORE"), "mapResponse", identifier="RESPONSE")
    conds = [rc]
    for mid, picks in _choice_mistakes(q):
        rc = etree.Element(_q("responseCondition"))
        rif = _sub(rc, "responseIf")
        m = _sub(rif, "match")
        _sub(m, "variable", identifier="RESPONSE")
        if q.answer_type == "choice":
            _base(m, "identifier", _cid(picks[0]))
        else:
            mult = _sub(m, "multiple")
            for i in picks:
                _base(mult, "identifier", _cid(i))
        _add_feedback(rif, mid)
        conds.append(rc)
    return conds


# ------------------------------------------------------------------ test and manifest


def test(exam: ExamInfo, sections: list, tid: str) -> bytes:
    """The ``assessmentTest``: one section per slot selecting one of its variants."""
    root = _root("assessmentTest", identifier=tid, title=exam.title or exam.id or "test")
    _outcome(root, "SCORE", "float", "0")
    part = _sub(root, "testPart", identifier="part-1", navigationMode="nonlinear",
                submissionMode="simultaneous")
    for slot, sid, refs in sections:
        sec = _sub(part, "assessmentSection", identifier=ident(f"section-{sid}", "section"),
                   title=slot.title or slot.slot, visible="true")
        _sub(sec, "selection", select="1")
        for iid, href in refs:
            _sub(sec, "assessmentItemRef", identifier=iid, href=f"../{href}")
    op = _sub(root, "outcomeProcessing")
    s = _sub(_set(op, "SCORE"), "sum")
    _sub(s, "testVariables", variableIdentifier="SCORE")
    return xml_bytes(root)


def manifest(tid: str, test_href: str, sections: list) -> bytes:
    """IMS CP 1.1 manifest listing the test, every item and every file."""
    m = etree.Element(f"{{{CP_NS}}}manifest", nsmap={None: CP_NS}, identifier=f"{tid}-manifest")
    md = _sub(m, "metadata")
    _sub(md, "schema", "QTIv2.1 Package")
    _sub(md, "schemaversion", "1.0.0")
    _sub(m, "organizations")
    res = _sub(m, "resources")
    t = _sub(res, "resource", identifier=tid, type="imsqti_test_xmlv2p1", href=test_href)
    _sub(t, "file", href=test_href)
    items = [ref for *_, refs in sections for ref in refs]
    for iid, _ in items:
        _sub(t, "dependency", identifierref=iid)
    for iid, href in items:
        r = _sub(res, "resource", identifier=iid, type="imsqti_item_xmlv2p1", href=href)
        _sub(r, "file", href=href)
    return xml_bytes(m)
