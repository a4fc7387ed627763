"""Real questions from the question bank (every template, English and Korean) through
every exporter and every validator.

The sample lives in tests/golden/export/bank-sample.json. To refresh it after the bank
changes (a deliberate change, like any golden file)::

    python - <<'PY'
    import json, numpy as np
    from quizgen import api
    from quizgen.api import build_question
    bank, out = api.load_bank(), []
    for tid, t in sorted(bank.templates.items()):
        for lang in ("en", "ko"):
            d = build_question(t, t.level_numbers[-1], np.random.default_rng(7), lang=lang).to_dict()
            for k in ("params", "check", "pytorch"):
                d.pop(k, None)
            out.append(d)
    path = "tests/golden/export/bank-sample.json"
    about = json.load(open(path))["about"]
    json.dump({"about": about, "questions": out}, open(path, "w"), ensure_ascii=False, indent=1)
    PY
"""
import json
import re
from pathlib import Path

import pytest

from moodle_rules import check_gift, check_moodle_xml
from quizgen.export import render
from quizgen.model import ExamInfo, Question, SlotVariants
from test_export_gift import gift_pegjs
from test_export_qti import require_schemas, validate_qti12, validate_qti21

SAMPLE = Path(__file__).parent / "golden" / "export" / "bank-sample.json"


@pytest.fixture(scope="module")
def bank_exam():
    qs = [Question.from_dict(d) for d in json.loads(SAMPLE.read_text("utf-8"))["questions"]]
    by_template: dict[str, list[Question]] = {}
    for q in qs:
        by_template.setdefault(q.template, []).append(q)
    slots = [SlotVariants(f"s{i + 1}", t, 2.0, tuple(v))
             for i, (t, v) in enumerate(sorted(by_template.items()))]
    return ExamInfo(id="bank-sample", title="Every template"), slots


def test_sample_covers_every_answer_type(bank_exam):
    kinds = {q.answer_type for s in bank_exam[1] for q in s.variants}
    assert kinds == {"integer", "real", "shape", "vector", "matrix", "choice", "choices"}


def test_moodle(bank_exam):
    assert check_moodle_xml(render(*bank_exam, "moodle"))[1] == []


def test_gift(bank_exam, tmp_path):
    data = render(*bank_exam, "gift")
    assert check_gift(data)[1] == []
    assert len(gift_pegjs(data, tmp_path)) > len(bank_exam[1])


def test_qti(bank_exam):
    require_schemas()
    validate_qti12(render(*bank_exam, "qti12"))
    validate_qti21(render(*bank_exam, "qti21"))


def test_qti21_math_is_mathml_not_tex(bank_exam):
    """QTI 2.1 players show MathML (the schema's own math); TeX would stay as written."""
    require_schemas()
    from quizgen.export.text import DISPLAY, INLINE, split_math
    docs = validate_qti21(render(*bank_exam, "qti21"))
    items = {name: doc for name, doc in docs.items() if name.startswith("items/")}
    m = "{http://www.w3.org/1998/Math/MathML}"
    for name, doc in items.items():
        text = "".join(doc.itertext())
        assert "\\(" not in text and "\\[" not in text, name
    # every formula of every prompt is there, as MathML with its numbers
    exam, slots = bank_exam
    seen = 0
    for s, slot in enumerate(slots, start=1):
        for v, q in enumerate(slot.variants, start=1):
            doc = items[f"items/s{s}-v{v:03d}.xml"]
            body = doc.find("{*}itemBody")
            spans = [t for kind, t in split_math(q.prompt) if kind in (INLINE, DISPLAY)]
            maths = body.findall(f".//{m}math")
            assert len(maths) >= len(spans), (q.template, len(maths), len(spans))
            numbers = sorted(mn.text for el in maths for mn in el.iter(f"{m}mn"))
            for tex in spans:
                for num in re.findall(r"\d+(?:\.\d+)?", tex):
                    assert num in numbers, (q.template, num)
            seen += len(spans)
    assert seen > 50
