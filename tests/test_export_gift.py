"""GIFT export, parsed by the independent gift-pegjs parser (tests/js) and by a
re-implementation of Moodle's GIFT reader (tests/moodle_rules.py)."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from export_fixtures import KOREAN, NASTY, exam, real, slots
from moodle_rules import check_gift
from quizgen.export import render
from quizgen.export.gift import esc

JS = Path(__file__).parent / "js"


def gift_pegjs(data: bytes, tmp_path: Path) -> list[dict]:
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "gift-pegjs").is_dir():
        why = ("node is not installed" if node is None else
               "gift-pegjs is missing: run `npm ci --prefix tests/js`")
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    path = tmp_path / "export.gift.txt"
    path.write_bytes(data)
    run = subprocess.run([node, str(JS / "parse_gift.js"), str(path)], capture_output=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    return gift_pegjs(render(exam(), slots(2), "gift"), tmp_path_factory.mktemp("gift"))


def test_categories_and_questions(parsed):
    cats = [q["title"] for q in parsed if q["type"] == "Category"]
    assert cats[:4] == ["$course$/top/fixture-exam/q1", "$course$/top/fixture-exam/q2",
                        "$course$/top/fixture-exam/q3", "$course$/top/fixture-exam/q4/1"]
    assert len(cats) == 3 + 3 + 4 + 2  # a shape is one question: no sub-categories
    kinds = [q["type"] for q in parsed if q["type"] != "Category"]
    assert kinds.count("MC") == 4 and kinds.count("Numerical") == 2 * (2 + 3 + 4)
    assert kinds.count("Short") == 2


def test_numerical_with_misconceptions(parsed):
    q = next(q for q in parsed if q.get("title") == "q2 v001 Sigmoid")
    right, wrong = q["choices"]
    assert right["text"] == {"type": "range", "number": 0.125, "range": 0.00225}
    assert wrong["weight"] == 0 and wrong["text"]["number"] == -0.125
    assert wrong["feedback"]["text"] == "Sign error: -x vs x."
    assert q["globalFeedback"]["text"] == "σ(0) = 0.5; multiply."


def test_text_survives(parsed):
    q = next(q for q in parsed if q.get("title") == "q1 v001 Conv size")
    assert q["stem"]["format"] == "plain"
    assert q["stem"]["text"] == f"{KOREAN} Input 32 × 32, kernel 1. {NASTY}"
    assert q["choices"][1]["feedback"]["text"] == "You forgot the +1 {again} #1 ~ <oops> & more."


def test_choice_weights(parsed):
    q6 = next(q for q in parsed if q.get("title") == "q6 v001 Choice")
    assert [c["isCorrect"] for c in q6["choices"]] == [False, True, False]
    assert q6["choices"][2]["feedback"]["text"] == "ReLU is not zero-centred ~ ever."
    q7 = next(q for q in parsed if q.get("title") == "q7 v001 Choices")
    assert [c["weight"] for c in q7["choices"]] == [50, 50, -50, -50]


def test_array_answers_one_question_per_number(parsed):
    q = next(q for q in parsed if q.get("title") == "q5 v001 part 4 Matrix")
    assert q["stem"]["text"].endswith("Enter the entry in row 2, column 2 of the answer.")
    assert q["choices"][0]["text"]["number"] == 0.00001


def test_moodle_reader_accepts_it():
    questions, errors = check_gift(render(exam(), slots(3), "gift"))
    assert errors == []
    q1 = next(q for q in questions if q.name == "q1 v002 Conv size")
    assert q1.text == f"[plain]{KOREAN} Input 32 × 32, kernel 2. {NASTY}"
    assert q1.answers[1][:3] == (0.0, "33", "You forgot the +1 {again} #1 ~ <oops> & more.")


def test_escape():
    assert esc("a~b=c#d{e}f:g\\h\ni") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"


def test_korean_fixed_strings(tmp_path):
    out = gift_pegjs(render(exam("ko"), slots(1), "gift", lang="ko"), tmp_path)
    q = next(q for q in out if q.get("title") == "q4 v001 1번 칸 Vector")
    assert q["stem"]["text"].endswith("답의 1번 성분을 입력하십시오 (전체 3개).")
    q = next(q for q in out if q.get("title") == "q3 v001 Shape")
    assert q["stem"]["text"].endswith("문제가 묻는 크기를 x로 구분해 입력하십시오.")


def test_real_generated_questions_parse(tmp_path):
    got = real(3)
    if got is None:
        pytest.skip("quizgen.api.variants is not available yet")
    data = render(*got, "gift")
    assert check_gift(data)[1] == []
    assert any(q["type"] == "Numerical" for q in gift_pegjs(data, tmp_path))


def _letter(i: int) -> str:
    return chr(ord("A") + i)


def test_option_letters_survive_moodles_shuffling(tmp_path):
    """A worked solution names option letters; each GIFT option carries its own letter,
    so after Moodle shuffles and renumbers them the named letters still point right."""
    import random
    from dataclasses import replace
    from export_fixtures import q as fq
    from quizgen.model import SlotVariants
    opts = ["The learning rate is too low", "It is too high", "Momentum", "Batch size", "Dropout"]
    right = [1, 2, 4]
    q = fq("L", "choices", right, options=opts, prompt="Which?",
           solution="Correct: " + ", ".join(_letter(i) for i in right) + f". **{_letter(1)}**: {opts[1]}")
    single = replace(q, answer_type="choice", answer_value=3,
                     solution=f"**{_letter(3)}**: {opts[3]}", misconceptions=())
    data = render(exam(), [SlotVariants("L", "t", 1.0, (q, single))], "gift")
    parsed = [x for x in gift_pegjs(data, tmp_path) if x["type"] == "MC"]
    imported = [x for x in check_gift(data)[0] if x.qtype == "multichoice"]
    for p, imp in zip(parsed, imported):
        texts = [c["text"]["text"] if isinstance(c["text"], dict) else c["text"] for c in p["choices"]]
        assert texts == [f"{_letter(i)}. {o}" for i, o in enumerate(opts)]
        assert [a[1] for a in imp.answers] == texts
    named = {"L v001 T": set("BCE"), "L v002 T": {"D"}}
    rng = random.Random(1)
    for imp in imported:
        shown = list(imp.answers)
        rng.shuffle(shown)  # what Moodle does; its a, b, c numbering then follows this order
        right_letters = {text.split(".", 1)[0] for weight, text, *_ in shown if weight > 0}
        assert right_letters == named[imp.name]
        assert all(f"{_letter(opts.index(text.split('. ', 1)[1]))}." == text[:2]
                   for _, text, *_ in shown)


def test_bank_solutions_name_the_letters_of_the_right_options():
    """concepts.multi says 'Correct: **A, C, D**', concepts.cnn '**D**: ...'."""
    import json
    import re
    from pathlib import Path
    from quizgen.model import Question, SlotVariants
    sample = Path(__file__).parent / "golden" / "export" / "bank-sample.json"
    qs = [Question.from_dict(d) for d in json.loads(sample.read_text("utf-8"))["questions"]
          if d["template"] in ("concepts.multi", "concepts.cnn") and d["lang"] == "en"]
    imported = [x for x in check_gift(render(exam(), [SlotVariants("c", "t", 1.0, tuple(qs))],
                                             "gift"))[0] if x.qtype == "multichoice"]
    assert len(imported) == 2
    for imp in imported:
        named = set(re.findall(r"\b([A-E])\b", imp.general_feedback.split("\n")[0]))
        right = {text.split(".", 1)[0] for weight, text, *_ in imp.answers if weight > 0}
        assert named and named == right, (imp.name, named, right)


def test_multiple_answer_misconceptions_on_their_options():
    from test_export_moodle import misconception_cases
    from quizgen.model import SlotVariants
    q, expected = misconception_cases()
    questions, errors = check_gift(render(exam(), [SlotVariants("m", "t", 1.0, (q,))], "gift"))
    assert errors == []
    (mc,) = [x for x in questions if x.qtype == "multichoice"]
    for i, (_, _, fb, _) in enumerate(mc.answers):
        assert [t for t in ("Pooling has no weights.", "ReLU has no weights.", "Conv2d has a kernel.",
                            "identical to the key", "out of range") if t in fb] == expected.get(i, [])
