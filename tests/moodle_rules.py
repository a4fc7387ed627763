"""The checks Moodle's importers apply, re-implemented for the export tests.

Every rule cites the Moodle source it comes from (moodle/moodle, read for this file):

* question/format/xml/format.php -- ``qformat_xml``: readquestions / import_question
  (``<quiz>`` root, ``type`` attribute), import_headers (``<name><text>`` required, else
  'xmlimportnoname'), trans_format (known text formats), import_category,
  import_numerical (``<answer fraction><text>``, ``<tolerance>``), import_multichoice
  (``<single>``), import_multianswer (cloze text through qtype_multianswer_extract_question
  and qtype_multianswer_validate_question).
* question/format.php -- ``qformat_default::importprocess``: every answer fraction must
  match ``question_bank::fraction_options_full()`` via ``match_grade_options`` (|f - g| <
  0.00001), else 'invalidgrade' and the question is dropped; split_category_path.
* question/engine/bank.php -- ``ensure_fraction_options_initialised``: the grade list.
* question/type/multianswer/questiontype.php -- the ANSWER_REGEX family, extract and
  validate (numerical answers must be numbers or '*', some alternative must be worth 1).
* question/type/multichoice/questiontype.php -- save_question_options: at least 2
  answers ('notenoughanswers'); single: max fraction 1 ('fractionsnomax'); multiple: the
  positive fractions add up to 1 after round(.., 2) ('fractionsaddwrong').
* question/type/shortanswer/questiontype.php -- save_question_options: blank answers are
  skipped, some answer must be worth 1 ('fractionsnomax'); question.php --
  compare_string_with_wildcard: the trimmed response against each answer, unescaped ``*``
  a wildcard (``\\*`` a literal star), case-insensitive when usecase is 0
  (:func:`shortanswer_matches`).
* question/type/numerical/questiontype.php -- apply_unit / qtype_numerical_answer_processor
  ::apply_units: an answer or tolerance must parse as ``[+-]?(\\d+(\\.\\d*)?|\\.\\d+)(e[-+]?\\d+)?``.
* question/format/gift/format.php -- ``qformat_gift::readquestion``: questions split on
  blank lines, escapedchar_pre/post, ``$CATEGORY:``, ``::name::``, the first ``{`` and ``}``,
  type detection, ``$giftanswerweightregex = '/^%\\-*([0-9]{1,2})\\.?([0-9]*)%/'``,
  numerical ``answer:tol``, multichoice needs 2 answers, short answer (``=`` answers, no
  ``~``, no ``->``; usecase 0 from qformat_default::defaultquestion) needs 1.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

from lxml import etree

# bank.php ensure_fraction_options_initialised (fractions of the question's mark)
RAW_FRACTIONS = (0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3,
                 0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05)
FRACTION_OPTIONS_FULL = (0.0, 1.0, -1.0) + RAW_FRACTIONS + tuple(-f for f in RAW_FRACTIONS)
TEXT_FORMATS = ("moodle_auto_format", "html", "plain_text", "wiki_like", "markdown")
KNOWN_TYPES = ("multichoice", "truefalse", "shortanswer", "numerical", "description",
               "matching", "match", "cloze", "multianswer", "essay", "calculated",
               "calculatedsimple", "calculatedmulti", "category")


def match_grade_options(fraction: float) -> bool:
    """question/format.php match_grade_options($gradeoptionsfull, $grade, 'error')."""
    return any(abs(fraction - v) < 0.00001 for v in FRACTION_OPTIONS_FULL)


_APPLY_UNITS = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?")


def is_moodle_number(s: str) -> bool:
    """qtype_numerical_answer_processor::apply_units, with no units defined."""
    s = s.replace(" ", "")
    s = re.sub(r"(?:e|E|(?:x|\*|×)10(?:\^|\*\*))([+-]?\d+)", r"e\1", s)
    s = s.replace(",", "") if "." in s or s.count(",") > 1 else s.replace(",", ".")
    return _APPLY_UNITS.fullmatch(s) is not None


# ---- question/type/multianswer/questiontype.php regexes (PHP -> Python: the lookbehind
# (?<!\\|&|&amp;) becomes three lookbehinds, which is the same for a negative lookbehind).
FRACTION_RE = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER_RE = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK_RE = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE_RE = f"({FRACTION_RE})?({ANSWER_RE})(#({FEEDBACK_RE}))?"
NUMBER_RE = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL_ALTERNATIVE_RE = f"^({NUMBER_RE})(:{NUMBER_RE})?$"
TYPE_DEF_RE = ("(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
               "(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)|"
               "(MULTICHOICE_S|MCS)|(MULTICHOICE_VS|MCVS)|(MULTICHOICE_HS|MCHS)|"
               "(MULTIRESPONSE|MR)|(MULTIRESPONSE_H|MRH)|(MULTIRESPONSE_S|MRS)|"
               "(MULTIRESPONSE_HS|MRHS)")
START_RE = r"\{([0-9]*):(" + TYPE_DEF_RE + "):"
CLOZE_RE = re.compile(START_RE + "(" + ALTERNATIVE_RE + "(~" + ALTERNATIVE_RE + ")*)\\}", re.S)
ALT_LOOP_RE = re.compile("~?" + ALTERNATIVE_RE, re.S)
G_NORM, G_NUMERICAL, G_ALTS = 1, 3, 16
A_FRACTION, A_PERCENT, A_ANSWER, A_FEEDBACK = 1, 2, 3, 5


@dataclass
class Alternative:
    fraction: float
    answer: str
    tolerance: str | None
    feedback: str


@dataclass
class Subquestion:
    qtype: str
    weight: str
    alternatives: list[Alternative] = field(default_factory=list)


def extract_cloze(text: str) -> tuple[list[Subquestion], str]:
    """qtype_multianswer_extract_question: the subquestions and the text with ``{#k}``."""
    subs: list[Subquestion] = []
    while True:
        m = CLOZE_RE.search(text)
        if not m:
            break
        qtype = "numerical" if m.group(G_NUMERICAL) else "other"
        sub = Subquestion(qtype, m.group(G_NORM) or "1")
        remaining = m.group(G_ALTS)
        while True:
            a = ALT_LOOP_RE.search(remaining)
            if not a or not a.group(0):
                break
            if a.group(A_FRACTION) == "=":
                fraction = 1.0
            elif a.group(A_PERCENT):
                fraction = 0.01 * float(a.group(A_PERCENT).replace(",", "."))
            else:
                fraction = 0.0
            fb = a.group(A_FEEDBACK) or ""
            fb = html.unescape(fb).replace("\\}", "}").replace("\\#", "#")
            answer, tol = a.group(A_ANSWER), None
            num = re.match(NUMERICAL_ALTERNATIVE_RE, answer, re.S)
            if qtype == "numerical" and num:
                answer, tol = num.group(1), num.group(6) or "0"
            sub.alternatives.append(Alternative(fraction, answer, tol, fb))
            remaining = remaining.split(a.group(0), 1)[1]
        subs.append(sub)
        text = text.replace(m.group(0), "{#%d}" % len(subs), 1)
    return subs, text


def validate_cloze(subs: list[Subquestion]) -> list[str]:
    """qtype_multianswer_validate_question."""
    if not subs:
        return ["questionsmissing"]
    errors = []
    for k, sub in enumerate(subs, 1):
        answers = [a for a in sub.alternatives if a.answer.strip() != ""]
        if not answers:
            errors.append(f"sub {k}: notenoughanswers")
        for a in answers:
            if sub.qtype == "numerical" and not (is_moodle_number(a.answer.strip())
                                                 or a.answer.strip() == "*"):
                errors.append(f"sub {k}: answermustbenumberorstar ({a.answer!r})")
        if not any(a.fraction == 1 for a in answers):
            errors.append(f"sub {k}: fractionsnomax")
    return errors


# ------------------------------------------------------------------ Moodle XML


@dataclass
class Imported:
    """What the XML importer would make of one ``<question>``."""

    qtype: str
    name: str
    element: etree._Element
    fractions: list[float] = field(default_factory=list)
    cloze: list[Subquestion] = field(default_factory=list)
    category: str = ""
    answers: list[tuple[float, str, str]] = field(default_factory=list)  # shortanswer
    usecase: int = 0


def _text(el, path: str) -> str | None:
    found = el.find(path)
    return None if found is None else (found.text or "")


def check_moodle_xml(data: bytes) -> tuple[list[Imported], list[str]]:
    """Parse a Moodle XML file as qformat_xml + importprocess would; return (questions, errors)."""
    errors: list[str] = []
    root = etree.fromstring(data)
    if root.tag != "quiz":
        return [], [f"root element is <{root.tag}>, readquestions wants <quiz>"]
    out: list[Imported] = []
    for i, q in enumerate(root.findall("question")):
        where = f"question #{i + 1}"
        qtype = q.get("type", "")
        if qtype not in KNOWN_TYPES:
            errors.append(f"{where}: xmltypeunsupported '{qtype}'")
            continue
        if qtype == "category":
            path = _text(q, "category/text")
            if path is None:
                errors.append(f"{where}: category without <category><text>")
                continue
            names = [n.replace("//", "/").strip() for n in re.split(r"(?<!/)/(?!/)", path)]
            if not names[0].startswith("$") or "" in names:
                errors.append(f"{where}: odd category path {path!r}")
            out.append(Imported("category", "", q, category=path))
            continue
        name = _text(q, "name/text")
        if qtype not in ("cloze", "multianswer") and not (name or "").strip():
            errors.append(f"{where}: xmlimportnoname")
        for tagged in q.iter():
            fmt = tagged.get("format")
            if fmt is not None and tagged.tag != "answer" and fmt not in TEXT_FORMATS:
                errors.append(f"{where}: unknown text format '{fmt}'")
        qtext = _text(q, "questiontext/text")
        if qtext is None:
            errors.append(f"{where}: no <questiontext><text>")
            qtext = ""
        imp = Imported(qtype, name or "", q)
        where = f"{where} ({name})"
        if qtype == "numerical":
            _check_numerical(q, imp, where, errors)
        elif qtype == "multichoice":
            _check_multichoice(q, imp, where, errors)
        elif qtype == "shortanswer":
            _check_shortanswer(q, imp, where, errors)
        elif qtype in ("cloze", "multianswer"):
            imp.cloze, _rest = extract_cloze(qtext.strip())
            errors += [f"{where}: {e}" for e in validate_cloze(imp.cloze)]
        for f in imp.fractions:  # importprocess: grades must be in the list
            if not match_grade_options(f):
                errors.append(f"{where}: invalidgrade {f}")
        out.append(imp)
    return out, errors


def _fraction(a) -> float:
    return float(a.get("fraction", "0")) / 100


def _check_numerical(q, imp: Imported, where: str, errors: list[str]) -> None:
    answers = q.findall("answer")
    if not answers:
        errors.append(f"{where}: numerical without answers")
    for a in answers:
        text = (_text(a, "text") or "").strip()
        if text != "*" and not is_moodle_number(text):
            errors.append(f"{where}: invalidnumericanswer {text!r}")
        tol = (_text(a, "tolerance") or "0").strip()
        if tol and not is_moodle_number(tol):
            errors.append(f"{where}: invalidnumerictolerance {tol!r}")
        imp.fractions.append(_fraction(a))
    if answers and not any(abs(f - 1) < 1e-9 for f in imp.fractions):
        errors.append(f"{where}: fractionsnomax (no answer is worth 100%)")


def _check_shortanswer(q, imp: Imported, where: str, errors: list[str]) -> None:
    """qformat_xml::import_shortanswer + qtype_shortanswer::save_question_options."""
    usecase = (_text(q, "usecase") or "0").strip()
    if usecase not in ("0", "1"):
        errors.append(f"{where}: odd usecase {usecase!r}")
    imp.usecase = int(usecase == "1")
    for a in q.findall("answer"):
        text = (_text(a, "text") or "").strip()
        fb = _text(a, "feedback/text") or ""
        if text == "" and _fraction(a) == 0 and not fb.strip():
            continue  # a blank answer from the form: skipped
        imp.answers.append((_fraction(a), text, fb))
    imp.fractions = [f for f, _, _ in imp.answers]
    if not imp.answers:
        errors.append(f"{where}: notenoughanswers")
    elif max(imp.fractions) != 1:
        errors.append(f"{where}: fractionsnomax (max {max(imp.fractions)})")


def shortanswer_matches(response: str, pattern: str, usecase: int = 0) -> bool:
    """qtype_shortanswer_question::compare_string_with_wildcard (NFC-normalised): runs of
    unescaped ``*`` match anything, ``\\*`` a star; the response is trimmed."""
    pattern = unicodedata.normalize("NFC", pattern)
    response = unicodedata.normalize("NFC", response)
    bits = re.split(r"(?<!\\)\*+", pattern)
    regexp = ".*".join(re.escape(b.replace("\\*", "*")) for b in bits)
    flags = 0 if usecase else re.IGNORECASE
    return re.fullmatch(regexp, response.strip(" \t\n\r\0\x0b"), flags) is not None  # PHP trim


def shortanswer_grade(answers: list[tuple[float, str, str]], response: str,
                      usecase: int = 0) -> tuple[float, str] | None:
    """The first answer matching ``response`` (get_matching_answer): (fraction, feedback)."""
    for fraction, text, fb in answers:
        if shortanswer_matches(response, text, usecase):
            return fraction, fb
    return None


def _check_multichoice(q, imp: Imported, where: str, errors: list[str]) -> None:
    single = (_text(q, "single") or "true").strip() not in ("false", "", "0")
    answers = [a for a in q.findall("answer") if (_text(a, "text") or "").strip() != ""]
    if len(answers) < 2:
        errors.append(f"{where}: notenoughanswers")
    imp.fractions = [_fraction(a) for a in answers]
    if single and max(imp.fractions, default=0) != 1:
        errors.append(f"{where}: fractionsnomax (max {max(imp.fractions, default=0)})")
    if not single and round(sum(f for f in imp.fractions if f > 0), 2) != 1:
        errors.append(f"{where}: fractionsaddwrong")


# ------------------------------------------------------------------ GIFT (Moodle's reader)

_GIFT_WEIGHT = re.compile(r"^%\-*([0-9]{1,2})\.?([0-9]*)%")
_ESCAPED = {"\\:": "&&058;", "\\#": "&&035;", "\\=": "&&061;", "\\{": "&&123;",
            "\\}": "&&125;", "\\~": "&&126;", "\\n": "&&010"}
_UNESCAPE = {"&&058;": ":", "&&035;": "#", "&&061;": "=", "&&123;": "{", "&&125;": "}",
             "&&126;": "~", "&&010": "\n"}


def _escapedchar_pre(s: str) -> str:
    s = s.replace("\\\\", "&&092;")
    for k, v in _ESCAPED.items():
        s = s.replace(k, v)
    return s.replace("&&092;", "\\")


def _escapedchar_post(s: str) -> str:
    for k, v in _UNESCAPE.items():
        s = s.replace(k, v)
    return s


def _gift_weight(answer: str) -> tuple[float, str]:
    """answerweightparser: ``%n%`` -> n/100 and the rest of the answer."""
    rest = answer[1:]
    end = rest.index("%")
    return float(rest[:end]) / 100, rest[end + 1:]


@dataclass
class GiftQuestion:
    qtype: str
    name: str = ""
    text: str = ""
    category: str = ""
    answers: list[tuple[float, str, str, str | None]] = field(default_factory=list)
    general_feedback: str = ""


def check_gift(data: bytes) -> tuple[list[GiftQuestion], list[str]]:
    """qformat_default::readquestions + qformat_gift::readquestion, for the types we write."""
    errors: list[str] = []
    out: list[GiftQuestion] = []
    blocks, current = [], []
    for line in data.decode("utf-8").split("\n"):
        line = line.strip()
        if not line:
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    for lines in blocks:
        lines = [" " if ln.startswith("//") else ln for ln in lines]
        text = "\n".join(lines).strip()
        if not text:
            continue
        text = _escapedchar_pre(text)
        if text.startswith("$CATEGORY:"):
            out.append(GiftQuestion("category", category=text[10:].strip()))
            continue
        q = GiftQuestion("")
        if text.startswith("::"):
            text = text[2:]
            end = text.find("::")
            if end < 0:
                errors.append("question name without closing ::")
                continue
            q.name = _escapedchar_post(text[:end])
            text = text[end + 2:].strip()
        start, finish = text.find("{"), text.find("}")
        if start < 0 or finish < 0:
            errors.append(f"{q.name}: braceerror")
            continue
        answertext = text[start + 1:finish].strip()
        q.text = _escapedchar_post(text[:start] + text[finish + 1:]).strip()
        gf = answertext.rfind("####")
        if gf >= 0:
            q.general_feedback = _escapedchar_post(answertext[gf + 4:]).strip()
            answertext = answertext[:gf].strip()
        truefalse = answertext.split("#", 1)[0].strip() if answertext.find("#") > 0 else answertext
        if answertext.startswith("#"):
            q.qtype = "numerical"
            _gift_numerical(q, answertext[1:], errors)
        elif "~" in answertext:
            q.qtype = "multichoice"
            _gift_multichoice(q, answertext, errors)
        elif answertext and "=" in answertext and "->" not in answertext \
                and truefalse not in ("T", "TRUE", "F", "FALSE"):
            q.qtype = "shortanswer"
            _gift_shortanswer(q, answertext, errors)
        else:
            errors.append(f"{q.name}: unexpected GIFT question type for {answertext[:40]!r}")
            continue
        for f, *_ in q.answers:
            if not match_grade_options(f):
                errors.append(f"{q.name}: invalidgrade {f}")
        out.append(q)
    return out, errors


def _split_comment(answer: str) -> tuple[str, str]:
    bits = answer.split("#", 1)
    fb = _escapedchar_post(bits[1]).strip() if len(bits) > 1 else ""
    return bits[0].strip(), fb


def _gift_weighted(q: GiftQuestion, answertext: str, errors: list[str], none_error: str):
    """The ``=``-separated answers of a GIFT answer text as (weight, text), as Moodle splits them."""
    answers = answertext.split("=")
    if answers and not answers[0].strip():
        answers = answers[1:]
    if not answers:
        errors.append(f"{q.name}: {none_error}")
    for a in answers:
        a = a.strip()
        yield _gift_weight(a) if _GIFT_WEIGHT.match(a) else (1.0, a)


def _gift_numerical(q: GiftQuestion, answertext: str, errors: list[str]) -> None:
    if "~" in answertext:
        answertext = answertext[:answertext.index("~")]
    for weight, a in _gift_weighted(q, answertext, errors, "giftnonumericalanswers"):
        ans, fb = _split_comment(a)
        ans = _escapedchar_post(ans)
        value, tol = (ans.split(":", 1) + ["0"])[:2] if ":" in ans else (ans, "0")
        if not (is_moodle_number(value.strip()) and is_moodle_number(tol.strip())):
            errors.append(f"{q.name}: errornotnumbers {ans!r}")
        q.answers.append((weight, value.strip(), fb, tol.strip()))


_FORMATS = ("moodle", "html", "plain", "markdown")


def _gift_text(text: str) -> str:
    """parse_text_with_format: a leading ``[format]`` naming a format is dropped."""
    if text.startswith("[") and "]" in text and text[1:text.index("]")] in _FORMATS:
        text = text[text.index("]") + 1:]
    return _escapedchar_post(text).strip()


def _gift_shortanswer(q: GiftQuestion, answertext: str, errors: list[str]) -> None:
    for weight, a in _gift_weighted(q, answertext, errors, "importminerror"):
        bits = a.split("#", 1)
        fb = _gift_text(bits[1].strip()) if len(bits) > 1 else ""
        q.answers.append((weight, _gift_text(bits[0].strip()), fb, None))
    if q.answers and max(w for w, *_ in q.answers) != 1:
        errors.append(f"{q.name}: fractionsnomax")


def _gift_multichoice(q: GiftQuestion, answertext: str, errors: list[str]) -> None:
    answers = answertext.replace("=", "~=").split("~")
    if answers and not answers[0].strip():
        answers = answers[1:]
    if len(answers) < 2:
        errors.append(f"{q.name}: importminerror")
    single = "=" in answertext
    for a in answers:
        a = a.strip()
        if a.startswith("="):
            weight, a = 1.0, a[1:]
        elif _GIFT_WEIGHT.match(a):
            weight, a = _gift_weight(a)
        else:
            weight = 0.0
        ans, fb = _split_comment(a)
        q.answers.append((weight, _escapedchar_post(ans), fb, None))
    fr = [a[0] for a in q.answers]
    if single and max(fr) != 1:
        errors.append(f"{q.name}: fractionsnomax")
    if not single and round(sum(f for f in fr if f > 0), 2) != 1:
        errors.append(f"{q.name}: fractionsaddwrong")
