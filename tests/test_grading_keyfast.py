"""The two shortcuts for reading a key: the typed fast reader and generate's grading index.

Both must give exactly what the general reader (:func:`light_paper` over
:class:`KeyReader`) gives, and must step aside, never guess, when the key is not what
they expect: another layout, a wrong type, an edited key (stale index), a damaged index.
"""
from __future__ import annotations

import json
import shutil

import pytest

from quizgen import api
from quizgen.grading import keyfast, keyindex
from quizgen.grading.keyfile import KeyReader
from quizgen.grading.light import KeyNotes, light_paper
from quizgen.grading.pipeline import light_papers
from quizgen.output import dumps_key


@pytest.fixture(scope="module")
def exam_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("exam")
    api.generate(None, out, students=7, secret="fast")
    return out


def plain(paper):
    """A light paper as plain nested tuples, whatever record types hold it."""
    return (paper.student, paper.variant, tuple(
        (q.slot, q.title, q.points, type(q.points), q.answer_type, _typed(q.answer_value),
         (q.tolerance.abs, q.tolerance.rel),
         tuple((m.id, _typed(m.value)) for m in q.misconceptions), q.options, q.decimals)
        for q in paper.questions))


def _typed(v):
    if isinstance(v, list):
        return ("list", tuple(_typed(x) for x in v))
    return (type(v).__name__, v)


def general(key):
    notes = KeyNotes()
    return [light_paper(st, notes) for st in KeyReader(key).students()], notes


def test_generate_writes_an_index_beside_each_key(tmp_path):
    api.generate(None, tmp_path, students=3, secret="s", lang="en,ko")
    for key in (tmp_path / "key.json", tmp_path / "ko" / "key.json"):
        assert keyindex.index_path(key).is_file()
        assert keyindex.load(key).verify()


def test_fast_reader_equals_the_general_reader(exam_dir):
    key = exam_dir / "key.json"
    want, want_notes = general(key)
    notes = KeyNotes()
    got = keyfast.light_papers(KeyReader(key), notes)
    assert [plain(p) for p in got] == [plain(p) for p in want]
    assert notes == want_notes and len(notes) > 10
    assert notes.families == want_notes.families and len(notes.families) >= 10
    assert any(len(texts) == 3 for texts in notes.values())  # several papers' texts
    kinds = {q.answer_type for p in want for q in p.questions}
    assert {"real", "integer", "shape", "matrix", "choice"} <= kinds


def test_index_equals_the_general_reader(exam_dir):
    key = exam_dir / "key.json"
    want, want_notes = general(key)
    indexed = keyindex.load(key)
    assert [plain(p) for p in indexed.papers] == [plain(p) for p in want]
    assert indexed.notes == want_notes
    assert indexed.notes.families == want_notes.families
    assert indexed.verify()


def _legacy_layout(data):
    """key.json as earlier quizgen versions wrote it (json module: a space after each separator)."""
    enc = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    blocks = []
    for st in data["students"]:
        head = {k: v for k, v in st.items() if k != "questions"}
        lines = ["  " + enc(head)[:-1] + ', "questions": [']
        lines += ["   " + enc(q) + ("," if j < len(st["questions"]) - 1 else "")
                  for j, q in enumerate(st["questions"])]
        blocks.append("\n".join(lines + ["  ]}"]))
    return ('{\n' f' "format": {enc(data["format"])},\n' f' "exam": {enc(data["exam"])},\n'
            ' "students": [\n' + ",\n".join(blocks) + "\n ]\n}\n")


def test_keys_of_earlier_versions_still_take_the_fast_path(exam_dir, tmp_path):
    data = json.loads((exam_dir / "key.json").read_text(encoding="utf-8"))
    key = tmp_path / "key.json"
    key.write_text(_legacy_layout(data), encoding="utf-8")
    assert json.loads(key.read_text(encoding="utf-8")) == data
    assert key.read_bytes() != (exam_dir / "key.json").read_bytes()
    want = [plain(p) for p in general(exam_dir / "key.json")[0]]
    assert [plain(p) for p in keyfast.light_papers(KeyReader(key))] == want


def test_other_layouts_go_to_the_general_reader(exam_dir, tmp_path):
    data = json.loads((exam_dir / "key.json").read_text(encoding="utf-8"))
    want = [plain(p) for p in general(exam_dir / "key.json")[0]]
    for name, text in (("indented", json.dumps(data, indent=2, ensure_ascii=False)),
                       ("minified", json.dumps(data)),
                       ("bom", "\ufeff" + dumps_key(data)),
                       ("no-final-newline", dumps_key(data).rstrip("\n"))):
        key = tmp_path / f"{name}.json"
        key.write_text(text, encoding="utf-8")
        reader = KeyReader(key)
        if name == "bom":  # same layout after the BOM: still fast
            assert [plain(p) for p in keyfast.light_papers(reader)] == want
        else:
            with pytest.raises(keyfast.NotFast):
                keyfast.light_papers(reader)
        assert [plain(p) for p in light_papers(reader)[0]] == want


def test_a_wrong_type_is_left_to_the_general_reader(exam_dir, tmp_path):
    from quizgen.errors import KeyFormatError
    data = json.loads((exam_dir / "key.json").read_text(encoding="utf-8"))
    data["students"][5]["questions"][2]["answer"]["value"] = "sixteen"
    key = tmp_path / "key.json"
    key.write_text(dumps_key(data), encoding="utf-8")
    with pytest.raises(keyfast.NotFast):
        keyfast.light_papers(KeyReader(key))
    with pytest.raises(KeyFormatError) as e:  # the general reader names the field
        light_papers(KeyReader(key))
    assert "students[5].questions[2].answer.value" in str(e.value)


def _grade(exam, subs, out, **kw):
    return api.grade(exam / "key.json", [subs], out, feedback_files=False, **kw)


def test_a_corrected_key_is_graded_from_the_key_not_the_stale_index(exam_dir, tmp_path):
    exam = tmp_path / "exam"
    shutil.copytree(exam_dir, exam)
    subs = tmp_path / "subs.csv"
    api.simulate(exam / "key.json", subs, seed=3)
    before = _grade(exam, subs, tmp_path / "g1")
    # Find a question answered correctly and change its answer, keeping the key's size.
    data = json.loads((exam / "key.json").read_text(encoding="utf-8"))
    for k, result in enumerate(before.graded.students):
        hit = next((m for m in result.marks if m.status == "correct"
                    and data["students"][k]["questions"][int(m.slot[1:]) - 1]["answer"]["type"]
                    == "integer"), None)
        if hit:
            break
    q = data["students"][k]["questions"][int(hit.slot[1:]) - 1]
    text = (exam / "key.json").read_text(encoding="utf-8")
    old = json.dumps(q, ensure_ascii=False, separators=(",", ":"))
    value = q["answer"]["value"]
    new_value = value + 1 if len(str(value + 1)) == len(str(value)) else value - 1
    q["answer"]["value"] = new_value
    new = json.dumps(q, ensure_ascii=False, separators=(",", ":"))
    assert old in text and len(new) == len(old)
    (exam / "key.json").write_text(text.replace(old, new), encoding="utf-8")
    assert keyindex.load(exam / "key.json") is not None  # same size: only the hash tells
    assert not keyindex.load(exam / "key.json").verify()
    assert "key.index.msgpack, checked against key.json" in before.describe()
    after = _grade(exam, subs, tmp_path / "g2")
    assert "key.json itself (key.index.msgpack does not match it" in after.describe()
    mark = next(m for m in after.graded.students[k].marks if m.slot == hit.slot)
    assert mark.status != "correct"  # graded against the corrected answer
    # ... exactly as without any index
    keyindex.index_path(exam / "key.json").unlink()
    again = _grade(exam, subs, tmp_path / "g3")
    assert "key.json (no key.index.msgpack beside it)" in again.describe()
    assert (tmp_path / "g2" / "grades.csv").read_bytes() == (tmp_path / "g3" / "grades.csv").read_bytes()
    assert again.summary.stats.mean == after.summary.stats.mean


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other-size"])
def test_a_damaged_index_is_ignored(exam_dir, tmp_path, damage):
    exam = tmp_path / "exam"
    shutil.copytree(exam_dir, exam)
    idx = keyindex.index_path(exam / "key.json")
    data = idx.read_bytes()
    if damage == "garbage":
        idx.write_bytes(b"\x00not msgpack" * 10)
    elif damage == "truncated":
        idx.write_bytes(data[: len(data) // 2])
    else:
        with open(exam / "key.json", "a", encoding="utf-8") as f:
            f.write("\n")
    assert keyindex.load(exam / "key.json") is None
    subs = tmp_path / "subs.csv"
    api.simulate(exam / "key.json", subs, seed=4)
    shutil.copytree(exam, tmp_path / "plain")
    keyindex.index_path(tmp_path / "plain" / "key.json").unlink()
    _grade(exam, subs, tmp_path / "g1")
    _grade(tmp_path / "plain", subs, tmp_path / "g2")
    for name in ("grades.csv", "report.md"):
        assert (tmp_path / "g1" / name).read_bytes() == (tmp_path / "g2" / name).read_bytes()


def test_grading_with_and_without_the_index_is_byte_identical(exam_dir, tmp_path):
    subs = tmp_path / "subs.csv"
    api.simulate(exam_dir / "key.json", subs, seed=5)
    plain_exam = tmp_path / "plain"
    shutil.copytree(exam_dir, plain_exam)
    keyindex.index_path(plain_exam / "key.json").unlink()
    api.grade(exam_dir / "key.json", [subs], tmp_path / "g1")
    api.grade(plain_exam / "key.json", [subs], tmp_path / "g2")
    files = sorted(p.relative_to(tmp_path / "g1") for p in (tmp_path / "g1").rglob("*") if p.is_file())
    assert len(files) > 10
    for rel in files:
        assert (tmp_path / "g1" / rel).read_bytes() == (tmp_path / "g2" / rel).read_bytes(), rel


def test_feedback_pass_reads_every_student_whatever_the_layout(exam_dir, tmp_path):
    from quizgen.grading.pipeline import full_students
    data = json.loads((exam_dir / "key.json").read_text(encoding="utf-8"))
    for name, text in (("generate", dumps_key(data)),
                       ("no-final-newline", dumps_key(data).rstrip("\n")),  # fails at the end
                       ("indented", json.dumps(data, indent=1))):
        key = tmp_path / f"{name}.json"
        key.write_text(text, encoding="utf-8")
        assert list(full_students(KeyReader(key))) == data["students"], name


def test_simulate_reads_the_same_class_from_index_key_or_any_layout(exam_dir, tmp_path):
    data = json.loads((exam_dir / "key.json").read_text(encoding="utf-8"))
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "key.json").write_text(dumps_key(data), encoding="utf-8")
    (tmp_path / "indented.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    outs = []
    for key in (exam_dir / "key.json", tmp_path / "plain" / "key.json", tmp_path / "indented.json"):
        out = tmp_path / f"subs-{len(outs)}.csv"
        api.simulate(key, out, seed=9, layout="long")
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2] and len(outs[0]) > 1000


@pytest.mark.parametrize("points", [-1, -0.5, float("inf"), float("nan"), None, "2"])
def test_an_index_with_points_the_key_reader_refuses_is_not_used(exam_dir, tmp_path, points):
    import msgspec
    exam = tmp_path / "exam"
    shutil.copytree(exam_dir, exam)
    index = keyindex.index_path(exam / "key.json")
    data = msgspec.msgpack.decode(index.read_bytes())
    assert keyindex.load(exam / "key.json") is not None
    data[5][0][4][0][2] = points  # students[0].questions[0].points
    index.write_bytes(msgspec.msgpack.encode(data))
    assert keyindex.load(exam / "key.json") is None  # grading reads the key itself
    r = _grade(exam, wide_subs(tmp_path, exam), tmp_path / "out")
    assert r.key_source.startswith("key.json itself")
    assert all(q.points > 0 for s in r.graded.students for q in s.paper.questions)


def wide_subs(tmp_path, exam):
    subs = tmp_path / "subs.csv"
    api.simulate(exam / "key.json", subs, seed=1)
    return subs
