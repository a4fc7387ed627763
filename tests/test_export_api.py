"""export_slots: files, names, determinism, atomic writes, errors, no secrets."""
import io
import os
import zipfile
from dataclasses import replace

import pytest

from export_fixtures import SECRET, exam, real, slots
from quizgen.errors import ExportError
from quizgen.export import export_slots, normalize_formats, output_name, render
from quizgen.model import SlotVariants

ALL = ["moodle", "qti12", "qti21", "gift"]


def test_writes_one_file_per_format(tmp_path):
    paths = export_slots(exam(), slots(2), ALL, tmp_path / "out")
    assert [p.name for p in paths] == ["fixture-exam.moodle.xml", "fixture-exam.canvas-qti12.zip",
                                       "fixture-exam.qti21.zip", "fixture-exam.gift.txt"]
    assert sorted(os.listdir(tmp_path / "out")) == sorted(p.name for p in paths)  # no temp files


def test_same_input_same_bytes(tmp_path):
    a = export_slots(exam(), slots(2), ALL, tmp_path / "a")
    b = export_slots(exam(), slots(2), ALL, tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_zip_entries_sorted_with_fixed_dates():
    with zipfile.ZipFile(io.BytesIO(render(exam(), slots(1), "qti21"))) as z:
        names = z.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_format_names_and_aliases():
    assert normalize_formats("moodle, canvas,qti21 ,gift,moodle") == ALL
    with pytest.raises(ExportError, match="unknown export format 'pdf'"):
        normalize_formats("moodle,pdf")
    with pytest.raises(ExportError, match="no export format"):
        normalize_formats(" , ")
    assert output_name(replace(exam(), id="mid term/2026"), "gift") == "mid-term-2026.gift.txt"


def test_bad_questions_are_refused_with_their_place(tmp_path):
    s = slots(1)
    bad = replace(s[5].variants[0], answer_value=7)
    with pytest.raises(ExportError, match="slot 'q6', variant 1: answer 7 does not index"):
        export_slots(exam(), [SlotVariants("q6", "t", 1, (bad,))], ["moodle"], tmp_path)
    odd = replace(s[0].variants[0], answer_type="essay")
    with pytest.raises(ExportError, match="unknown answer type 'essay'"):
        export_slots(exam(), [SlotVariants("q1", "t", 1, (odd,))], ["gift"], tmp_path)
    with pytest.raises(ExportError, match="no slots"):
        export_slots(exam(), [], ["gift"], tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_out_path_that_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ExportError, match="not a folder"):
        export_slots(exam(), slots(1), ["gift"], f)


def test_failed_write_leaves_old_file(tmp_path, monkeypatch):
    (path,) = export_slots(exam(), slots(1), ["gift"], tmp_path)
    before = path.read_bytes()

    def boom(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ExportError, match="No space left"):
        export_slots(exam(), slots(2), ["gift"], tmp_path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_exports_carry_no_secret(tmp_path):
    got = real(2)
    if got is None:
        pytest.skip("quizgen.api.variants is not available yet")
    for p in export_slots(*got, ALL, tmp_path):
        blobs = [p.read_bytes()]
        if p.suffix == ".zip":
            with zipfile.ZipFile(p) as z:
                blobs = [z.read(n) for n in z.namelist()]
        for b in blobs:
            assert SECRET.encode() not in b
            assert b"seed_hint" not in b and b"not-a-secret" not in b


def test_slots_with_korean_names_keep_distinct_identifiers():
    s = slots(1)
    renamed = [replace(s[0], slot="문제"), replace(s[1], slot="시험")]
    data = render(exam(), renamed, "qti21")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        items = [n for n in z.namelist() if n.startswith("items/")]
    assert len(items) == 2 and len(set(items)) == 2
