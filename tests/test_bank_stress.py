"""Every template of the bundled bank, at every level, over hundreds of seeds."""
import numpy as np
import pytest

from quizgen.bank import load_bank
from quizgen.bankcheck import question_problems
from quizgen.instantiate import build_question

BANK = load_bank()
CASES = [(t.id, lv) for t in sorted(BANK.templates.values(), key=lambda t: t.id) for lv in t.level_numbers]
SEEDS = 200


@pytest.mark.parametrize("template_id, level", CASES)
def test_template_builds_valid_questions(template_id, level):
    t = BANK.templates[template_id]
    distinct = set()
    for seed in range(SEEDS):
        q = build_question(t, level, np.random.default_rng(seed))
        problems = question_problems(q)
        assert not problems, f"{template_id} level {level} seed {seed}: {problems}"
        distinct.add(q.prompt + "\n".join(q.options or ()))
    # the draws really vary: at least a quarter of the seeds give a new question
    assert len(distinct) >= SEEDS // 4, f"{template_id} level {level}: only {len(distinct)} distinct"


@pytest.mark.parametrize("template_id", sorted(BANK.templates))
def test_korean_and_english_share_numbers_and_answers(template_id):
    t = BANK.templates[template_id]
    if "ko" not in t.languages():
        pytest.skip(f"{template_id} has no Korean text yet")
    for level in t.level_numbers:
        for seed in range(20):
            en = build_question(t, level, np.random.default_rng(seed), lang="en")
            ko = build_question(t, level, np.random.default_rng(seed), lang="ko")
            assert en.answer_value == ko.answer_value and en.check == ko.check
            assert en.params == ko.params
            assert [m.id for m in en.misconceptions] == [m.id for m in ko.misconceptions]
            if en.prompt.isascii():
                assert ko.prompt != en.prompt
