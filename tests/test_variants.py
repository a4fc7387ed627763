import os
import stat

import pytest

from quizgen.errors import SecretError
from quizgen.variants import SECRET_FILE, resolve_secret, slot_rng, variant_code


def test_generators_depend_on_every_input():
    base = slot_rng("s", "exam", "s001", "q1").integers(1 << 62)
    assert slot_rng("s", "exam", "s001", "q1").integers(1 << 62) == base
    for args in [("t", "exam", "s001", "q1"), ("s", "exam2", "s001", "q1"),
                 ("s", "exam", "s002", "q1"), ("s", "exam", "s001", "q2")]:
        assert slot_rng(*args).integers(1 << 62) != base


def test_fields_cannot_be_shifted_into_each_other():
    a = slot_rng("s", "ab", "c", "q1").integers(1 << 62)
    b = slot_rng("s", "a", "bc", "q1").integers(1 << 62)
    assert a != b


def test_variant_code_is_short_readable_and_not_the_draw_seed():
    code = variant_code("s", "exam", "s001")
    assert len(code) == 6 and code.isalnum() and not set(code) & set("IO01")
    assert variant_code("s", "exam", "s002") != code
    assert variant_code("other", "exam", "s001") != code


def test_secret_precedence_and_file_creation(tmp_path, monkeypatch):
    monkeypatch.delenv("QUIZGEN_SECRET", raising=False)
    assert resolve_secret("explicit", tmp_path) == "explicit"
    monkeypatch.setenv("QUIZGEN_SECRET", "from-env")
    assert resolve_secret(None, tmp_path) == "from-env"
    monkeypatch.delenv("QUIZGEN_SECRET")
    first = resolve_secret(None, tmp_path)
    path = tmp_path / SECRET_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) >= 32 and resolve_secret(None, tmp_path) == first


def test_empty_secret_file_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("QUIZGEN_SECRET", raising=False)
    (tmp_path / SECRET_FILE).write_text("")
    with pytest.raises(SecretError, match="empty"):
        resolve_secret(None, tmp_path)
