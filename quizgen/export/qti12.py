"""Canvas Classic Quizzes: a QTI 1.2 content package.

``imsmanifest.xml`` + ``<id>/<id>.xml`` (the ``questestinterop``) + ``<id>/assessment_meta.xml``.
Each slot is one question group (``<section>`` selecting 1 item) holding its variants, so
Canvas draws one variant per student, and every item of a group is worth the slot's
points: whatever variant a student draws, the slot counts its points once (the groups
carry no ``selection_extension``, which the QTI 1.2.1 DTD lacks, so Canvas takes each
item's ``points_possible``; ``assessment_meta.xml`` declares their sum). Item types as
Canvas writes them: numerical_question (``render_fib fibtype="Decimal"``, a range
condition that sets SCORE to 100), short_answer_question, multiple_choice_question,
multiple_answers_question, fill_in_multiple_blanks_question; metadata ``question_type``
and ``points_possible``; the worked solution as the ``general_fb`` item feedback.

A shape is a short_answer_question ("fill in the blank"): one text box (whatever the
number of dimensions) whose accepted answers are the usual spellings of the shape
(shapes.py), one ``varequal`` each; Canvas compares them as trimmed, case-folded text.
It has no misconception feedback: Canvas's importer takes the text of every ``varequal``
of a short answer item as a right answer, whatever its condition sets, so a wrong shape
listed for its feedback would be marked right.

Canvas has no multi-blank numeric type, so an answer of several numbers (vector,
matrix) is a fill_in_multiple_blanks_question: one blank per number, laid out like the
answer, each blank a ``response_lid`` listing the texts it accepts (Canvas compares
blanks as trimmed, case-folded text and gives each right blank its share of the item's
points). The texts are the numbers within the grader's margin at the question's
decimals and coarser, up to one step either side of the answer at each precision
(values.accepted_texts), so a student who rounds as asked is marked as the grader marks
them; an answer within the margin but further from the key is marked wrong by Canvas.
Canvas keeps numeric answers to 4 decimals, so a numerical item whose answer or margin is
below 1e-4 asks for the answer times 10^k (see values.canvas_scale).
"""
from __future__ import annotations

import functools
from xml.sax.saxutils import escape as xml_escape

from lxml import etree

from ..model import ExamInfo, Question, SlotVariants
from . import shapes, text, values
from .common import file_stem, ident, slot_ids, sub_element, variant_tag, words
from .files import Stamp, marks, xml_bytes, zip_bytes

NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"


_sub = sub_element


def _meta(parent, fields: list[tuple[str, str]]) -> None:
    md = _sub(parent, "qtimetadata")
    for label, entry in fields:
        f = _sub(md, "qtimetadatafield")
        _sub(f, "fieldlabel", label)
        _sub(f, "fieldentry", entry)


def _mattext(parent, html: str) -> None:
    _sub(_sub(parent, "material"), "mattext", html, texttype="text/html")


def export(exam: ExamInfo, slots: list[SlotVariants], lang: str) -> bytes:
    """The zip Canvas imports."""
    aid = ident(f"quizgen-{file_stem(exam)}", "quiz")
    qti = assessment(exam, slots, lang, aid)
    files = {
        "imsmanifest.xml": manifest(aid),
        f"{aid}/{aid}.xml": qti,
        f"{aid}/assessment_meta.xml": assessment_meta(exam, slots, aid),
    }
    return zip_bytes(files)


def assessment(exam: ExamInfo, slots: list[SlotVariants], lang: str, aid: str) -> bytes:
    """The ``questestinterop`` document: one group per slot, one item per variant."""
    root = etree.Element(f"{{{NS}}}questestinterop", nsmap={None: NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation",
             f"{NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd")
    a = _sub(root, "assessment", ident=aid, title=exam.title or exam.id or "quiz")
    _meta(a, [("cc_maxattempts", "1")])
    top = _sub(a, "section", ident="root_section")
    ids = slot_ids(slots)
    for slot in slots:
        sid = ids[slot.slot]
        n = len(slot.variants)
        g = _group(top, ident(f"g-{sid}", "g"), slot.title or slot.slot)
        for i, q in enumerate(slot.variants):
            g.append(_variant_item(q, slot, sid, i, n, lang))
    return xml_bytes(root)


def _group(parent, gid: str, title: str):
    g = _sub(parent, "section", ident=gid, title=title)
    sel = _sub(_sub(g, "selection_ordering"), "selection")
    _sub(sel, "selection_number", "1")
    return g


def _item(q: Question, item_id: str, title: str, qtype: str, points: float,
          extra_meta: list[tuple[str, str]] = ()) -> etree._Element:
    item = etree.Element(f"{{{NS}}}item", ident=item_id, title=title)
    _meta(_sub(item, "itemmetadata"), [("question_type", qtype),
                                       ("points_possible", values.num(float(points)))]
          + list(extra_meta))
    return item


def _variant_item(q: Question, slot: SlotVariants, sid: str, i: int, n: int, lang: str):
    """One variant as one item worth the slot's points (the same for every variant)."""
    item_id = ident(f"{sid}-{variant_tag(i, n)}", "item")
    title = f"{slot.slot} {variant_tag(i, n)}"
    points = float(slot.points)
    if q.answer_type in values.NUMERIC:
        return _numerical_item(q, values.parts(q)[0], item_id, title, points,
                               text.to_html(q.prompt), lang)
    if q.answer_type == "shape":
        return _short_answer_item(q, item_id, title, points, lang)
    if q.answer_type in values.BLANKS:
        return _blanks_item(q, item_id, title, points)
    return _choice_item(q, item_id, title, points)


# ------------------------------------------------------------------ a shape


def _short_answer_item(q: Question, item_id: str, title: str, points: float, lang: str):
    """A short_answer_question: one text box accepting the spellings of the shape."""
    right = shapes.key(q).right
    ids = [str(1000 + i) for i in range(len(right))]
    item = _item(q, item_id, title, "short_answer_question", points,
                 [("original_answer_ids", ",".join(ids))])
    pres = _sub(item, "presentation")
    _mattext(pres, text.to_html(q.prompt) + "\n" + text.to_html(words(lang)["shape_format"]))
    rs = _sub(pres, "response_str", ident="response1", rcardinality="Single")
    _sub(_sub(rs, "render_fib"), "response_label", ident="answer1", rshuffle="No")
    rp = _resprocessing(item)
    cond = _sub(rp, "respcondition", **{"continue": "No"})
    either = _sub(_sub(cond, "conditionvar"), "or")
    for t in right:
        _sub(either, "varequal", t, respident="response1")
    _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    _general_feedback(item, q)
    return item


# ------------------------------------------------------------------ several numbers


def blank_ids(q: Question, parts: list[values.Part], prompt_html: str) -> list[str]:
    """Canvas blank names (``[r1c2]`` for a matrix, ``[n3]`` otherwise), prefixed when the
    prompt happens to contain one of them in brackets (Canvas would put a box there)."""
    names = [f"r{p.row + 1}c{p.col + 1}" if q.answer_type == "matrix" else f"n{p.index + 1}"
             for p in parts]
    if any(f"[{b}]" in prompt_html for b in names):
        names = [f"quizgen_{b}" for b in names]
    return names


def _blanks_layout(q: Question, parts: list[values.Part], names: list[str]) -> str:
    boxes = [f"[{b}]" for b in names]
    if q.answer_type == "matrix":
        width = max(p.col for p in parts) + 1
        rows = [boxes[i:i + width] for i in range(0, len(boxes), width)]
        cells = "".join("<tr>" + "".join(f"<td>{b}</td>" for b in r) + "</tr>" for r in rows)
        return f'<table class="quizgen-matrix"><tbody>{cells}</tbody></table>'
    return "<p>( " + ", ".join(boxes) + " )</p>"


def _fragment(tag: str, inner: str) -> etree._Element:
    """``<tag>inner</tag>`` in the QTI namespace, parsed (``inner``: escaped XML)."""
    return etree.fromstring(f'<{tag} xmlns="{NS}">{inner}</{tag}>')


def _blanks_item(q: Question, item_id: str, title: str, points: float):
    """A fill_in_multiple_blanks_question: a blank per number, each its share of ``points``."""
    ps = values.parts(q)
    prompt = text.to_html(q.prompt)
    names = blank_ids(q, ps, prompt)
    accepted = [values.accepted_texts(p, q.decimals) for p in ps]
    label_ids, k = [], 1000
    for texts in accepted:
        label_ids.append([str(k + j) for j in range(len(texts))])
        k += len(texts)
    item = _item(q, item_id, title, "fill_in_multiple_blanks_question", points,
                 [("original_answer_ids", ",".join(x for ids in label_ids for x in ids))])
    pres = _sub(item, "presentation")
    _mattext(pres, prompt + "\n" + _blanks_layout(q, ps, names))
    # The accepted texts make most of the file's elements: each blank's list is parsed from
    # one string (lxml builds it in C) instead of element by element.
    for name, texts, ids in zip(names, accepted, label_ids):
        lid = _sub(pres, "response_lid", ident=f"response_{name}")
        _sub(_sub(lid, "material"), "mattext", name)
        lid.append(_fragment("render_choice", "".join(
            f'<response_label ident="{lab}"><material><mattext texttype="text/plain">'
            f"{xml_escape(t)}</mattext></material></response_label>" for lab, t in zip(ids, texts))))
    rp = _resprocessing(item)
    share = values.num(round(100 / len(ps), 4))
    for name, ids in zip(names, label_ids):
        cond = _sub(rp, "respcondition", **{"continue": "Yes"})
        cv = _sub(cond, "conditionvar")
        respident = xml_escape(f"response_{name}", {'"': "&quot;"})
        equals = "".join(f'<varequal respident="{respident}">{lab}</varequal>' for lab in ids)
        if len(ids) > 1:
            cv.append(_fragment("or", equals))
        else:
            cv.extend(list(_fragment("or", equals)))
        _sub(cond, "setvar", share, action="Add", varname="SCORE")
    _general_feedback(item, q)
    return item


# ------------------------------------------------------------------ one number


_NUMERICAL_SLOTS = ("ident", "title", "points", "prompt", "value", "low", "high", "solution")


def _numerical_item(q: Question, part: values.Part, item_id: str, title: str, points: float,
                    prompt_html: str, lang: str) -> etree._Element:
    """A numerical_question item: the answer, or the range [answer - margin, answer + margin]."""
    k = values.canvas_scale([float(part.value)], [part.margin])
    if k:
        prompt_html += "\n" + text.to_html(words(lang)["scaled"].format(k=k))
    value, margin = float(part.value) * 10 ** k, part.margin * 10 ** k
    if part.integer and not k:
        value = int(part.value)
    return _numerical_stamp().make({
        "ident": item_id, "title": title, "points": values.num(float(points)),
        "prompt": prompt_html, "value": values.num(value), "low": values.num(value - margin),
        "high": values.num(value + margin), "solution": text.to_html(q.solution)})


@functools.lru_cache(maxsize=1)
def _numerical_stamp() -> Stamp:
    """The structure of every numerical item, built once (see files.Stamp)."""
    v = marks(*_NUMERICAL_SLOTS)
    item = etree.Element(f"{{{NS}}}item", nsmap={None: NS}, ident=v["ident"], title=v["title"])
    _meta(_sub(item, "itemmetadata"), [("question_type", "numerical_question"),
                                       ("points_possible", v["points"])])
    pres = _sub(item, "presentation")
    _mattext(pres, v["prompt"])
    rs = _sub(pres, "response_str", ident="response1", rcardinality="Single")
    _sub(_sub(rs, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
    rp = _resprocessing(item)
    cond = _sub(rp, "respcondition", **{"continue": "No"})
    either = _sub(_sub(cond, "conditionvar"), "or")
    _sub(either, "varequal", v["value"], respident="response1")
    both = _sub(either, "and")
    _sub(both, "vargte", v["low"], respident="response1")
    _sub(both, "varlte", v["high"], respident="response1")
    _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    fb = _sub(item, "itemfeedback", ident="general_fb")
    _mattext(_sub(fb, "flow_mat"), v["solution"])
    return Stamp(item)


def _resprocessing(item) -> etree._Element:
    rp = _sub(item, "resprocessing")
    _sub(_sub(rp, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE",
         vartype="Decimal")
    cond = _sub(rp, "respcondition", **{"continue": "Yes"})
    _sub(_sub(cond, "conditionvar"), "other")
    _sub(cond, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    return rp


def _general_feedback(item, q: Question) -> None:
    fb = _sub(item, "itemfeedback", ident="general_fb")
    _mattext(_sub(fb, "flow_mat"), text.to_html(q.solution))


def _choice_item(q: Question, item_id: str, title: str, points: float):
    single = q.answer_type == "choice"
    options = list(q.options or ())
    ids = [str(1000 + i) for i in range(len(options))]
    correct = {q.answer_value} if single else set(q.answer_value)
    qtype = "multiple_choice_question" if single else "multiple_answers_question"
    item = _item(q, item_id, title, qtype, points, [("original_answer_ids", ",".join(ids))])
    pres = _sub(item, "presentation")
    _mattext(pres, text.to_html(q.prompt))
    lid = _sub(pres, "response_lid", ident="response1",
               rcardinality="Single" if single else "Multiple")
    rc = _sub(lid, "render_choice")
    for aid, opt in zip(ids, options):
        _mattext(_sub(rc, "response_label", ident=aid), text.to_html(opt, inline=True))
    rp = _resprocessing(item)
    notes = {}
    if single:
        for m in q.misconceptions:
            if isinstance(m.value, int) and m.value not in correct and m.value not in notes:
                notes[m.value] = m.feedback
        for i in sorted(notes):
            cond = _sub(rp, "respcondition", **{"continue": "Yes"})
            _sub(_sub(cond, "conditionvar"), "varequal", ids[i], respident="response1")
            _sub(cond, "displayfeedback", feedbacktype="Response", linkrefid=f"{ids[i]}_fb")
    cond = _sub(rp, "respcondition", **{"continue": "No"})
    cv = _sub(cond, "conditionvar")
    if single:
        _sub(cv, "varequal", ids[q.answer_value], respident="response1")
    else:
        both = _sub(cv, "and")
        for i, aid in enumerate(ids):
            target = both if i in correct else _sub(both, "not")
            _sub(target, "varequal", aid, respident="response1")
    _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    _general_feedback(item, q)
    for i in sorted(notes):
        fb = _sub(item, "itemfeedback", ident=f"{ids[i]}_fb")
        _mattext(_sub(fb, "flow_mat"), text.to_html(notes[i]))
    return item


def manifest(aid: str) -> bytes:
    """IMS CP 1.1 manifest listing the assessment and its Canvas settings file."""
    m = etree.Element(f"{{{CP_NS}}}manifest", nsmap={None: CP_NS}, identifier=f"{aid}-manifest")
    md = _sub(m, f"{{{CP_NS}}}metadata")
    _sub(md, f"{{{CP_NS}}}schema", "IMS Content")
    _sub(md, f"{{{CP_NS}}}schemaversion", "1.1.3")
    _sub(m, f"{{{CP_NS}}}organizations")
    res = _sub(m, f"{{{CP_NS}}}resources")
    r = _sub(res, f"{{{CP_NS}}}resource", identifier=aid, type="imsqti_xmlv1p2")
    _sub(r, f"{{{CP_NS}}}file", href=f"{aid}/{aid}.xml")
    _sub(r, f"{{{CP_NS}}}dependency", identifierref=f"{aid}-meta")
    r2 = _sub(res, f"{{{CP_NS}}}resource", identifier=f"{aid}-meta",
              type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
              href=f"{aid}/assessment_meta.xml")
    _sub(r2, f"{{{CP_NS}}}file", href=f"{aid}/assessment_meta.xml")
    return xml_bytes(m)


def assessment_meta(exam: ExamInfo, slots: list[SlotVariants], aid: str) -> bytes:
    """Canvas's quiz settings (``cccv1p0`` namespace)."""
    q = etree.Element(f"{{{CANVAS_NS}}}quiz", nsmap={None: CANVAS_NS}, identifier=aid)
    total = sum(float(s.points) for s in slots)
    for tag, value in (("title", exam.title or exam.id or "quiz"),
                       ("description", text.to_html(exam.instructions or "")),
                       ("shuffle_answers", "false"), ("scoring_policy", "keep_highest"),
                       ("quiz_type", "assignment"), ("points_possible", values.num(total)),
                       ("show_correct_answers", "false"), ("allowed_attempts", "1")):
        _sub(q, f"{{{CANVAS_NS}}}{tag}", value)
    return xml_bytes(q)
