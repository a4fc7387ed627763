"""Golden files: exports of a small fixed exam stay byte-stable.

After a deliberate change, regenerate with
``QUIZGEN_UPDATE_GOLDEN=1 pytest tests/test_export_golden.py`` and review the diff.
Zip packages are stored unpacked so that a change reads as a text diff.
"""
import io
import os
import zipfile
from pathlib import Path

import pytest

from export_fixtures import exam, slots
from quizgen.export import FORMATS, render

GOLDEN = Path(__file__).parent / "golden" / "export"


def expected_files(fmt: str) -> dict[str, bytes]:
    data = render(exam(), slots(2), fmt)
    suffix = FORMATS[fmt][0]
    if not suffix.endswith(".zip"):
        return {f"fixture-exam.{suffix}": data}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {f"{suffix[:-4]}/{n}": z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_golden(fmt):
    got = expected_files(fmt)
    if os.environ.get("QUIZGEN_UPDATE_GOLDEN") == "1":
        for rel, data in got.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    for rel, data in got.items():
        path = GOLDEN / rel
        assert path.exists(), f"missing golden file {rel}: regenerate (see module docstring)"
        assert path.read_bytes() == data, f"{rel} changed: review, then regenerate deliberately"
    prefix = FORMATS[fmt][0][:-4] if FORMATS[fmt][0].endswith(".zip") else None
    if prefix:
        stored = {str(p.relative_to(GOLDEN)) for p in (GOLDEN / prefix).rglob("*") if p.is_file()}
        assert stored == set(got), "golden folder has stale files"
