"""Fixed strings in every language; the PyTorch snippets' comments in Korean."""
import re

import pytest

from quizgen.i18n import CODE_COMMENTS, localize_code
from quizgen.instantiate import build_question
from quizgen.variants import slot_rng

HANGUL = re.compile(r"[\uac00-\ud7a3]")
COMMENT = re.compile(r"(?:^|\s)# (.+)$")
# A comment that is code or numbers only (a shape, torch.Size(...)) needs no translation.
CODE_ONLY = re.compile(r"[\[\]().,\s\d]*|torch\.Size\([\[\]\d,\s]*\)")


def _comments(code: str) -> list[str]:
    return [m.group(1) for line in code.splitlines() if (m := COMMENT.search(line))]


def test_every_snippet_comment_of_the_bank_reads_in_korean(bank):
    """All template-levels, a few draws each: no English comment left in a Korean key."""
    seen_en, left = set(), []
    for t in bank.templates.values():
        for level in t.level_numbers:
            for seed in range(6):
                en = build_question(t, level, slot_rng("s", "e", f"p{seed}", t.id), lang="en")
                ko = build_question(t, level, slot_rng("s", "e", f"p{seed}", t.id), lang="ko")
                if not en.pytorch:
                    continue
                # only comments change: the code lines are the same in both languages
                strip = lambda code: [COMMENT.sub("", line) for line in code.splitlines()]  # noqa: E731
                assert strip(en.pytorch) == strip(ko.pytorch), t.id
                for text in _comments(en.pytorch):
                    seen_en.add(re.sub(r"\d+", "N", text))
                for text in _comments(ko.pytorch):
                    if not CODE_ONLY.fullmatch(text) and not HANGUL.search(text):
                        left.append((t.id, level, text))
    assert not left, left[:5]
    assert len(seen_en) >= 10  # the bank's snippets do carry comments: the check above saw them


def test_localize_code_keeps_code_and_unknown_comments():
    code = "x = torch.zeros(1, 3)  # a batch of one\n# run 2: lr = 0.05\ny = f(x)  # something new\nz = 1  # [1, 6, 6]"
    out = localize_code(code, "ko").splitlines()
    assert out[0] == "x = torch.zeros(1, 3)  # " + CODE_COMMENTS["ko"]["a batch of one"]
    assert out[1] == "# 실행 2: lr = 0.05"
    assert out[2] == "y = f(x)  # something new"  # no translation: left as it is, not dropped
    assert out[3] == "z = 1  # [1, 6, 6]"
    assert localize_code(code, "en") == code


@pytest.mark.parametrize("text,expected", [("9 weights + 1 bias", "가중치 9개 + 편향 1개"),
                                           ("25 weights + 1 bias", "가중치 25개 + 편향 1개")])
def test_numbered_comments(text, expected):
    assert localize_code(f"n = 1  # {text}", "ko") == f"n = 1  # {expected}"
