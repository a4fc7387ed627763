import pytest

from quizgen.errors import ExamError, RosterError
from quizgen.exam import load_exam, numbered_students, read_roster
from quizgen.resources import default_exam


def test_default_exam_loads(bank):
    exam = load_exam(default_exam(), bank)
    assert exam.id == "dl-basics" and len(exam.slots) >= 5
    assert [s.name for s in exam.slots] == [f"q{i + 1}" for i in range(len(exam.slots))]


def test_roster_with_bom_semicolons_and_extra_columns(tmp_path):
    p = tmp_path / "r.csv"
    p.write_bytes("\ufeffStudent ID;Name;Email;Section\ns1;Kim Minji;k@x.org;A\n\ns2;Lee;l@x.org;B\n".encode())
    students = read_roster(p)
    assert [(s.student_id, s.name, s.email) for s in students] == [
        ("s1", "Kim Minji", "k@x.org"), ("s2", "Lee", "l@x.org")]


@pytest.mark.parametrize("text, message, line", [
    ("student_id\ns1\ns2\ns1\n", "appears twice (also on line 2)", 4),
    ("name\nKim\n", "no 'student_id' column", 1),
    ("student_id,name\n,Kim\n", "has no student_id", 2),
    ("student_id\n../evil\n", "may only use letters", 2),
])
def test_bad_rosters_name_the_line(tmp_path, text, message, line):
    p = tmp_path / "r.csv"
    p.write_text(text)
    with pytest.raises(RosterError) as e:
        read_roster(p)
    assert message in str(e.value) and f"line {line}" in str(e.value) and str(p) in str(e.value)


def test_roster_that_is_not_utf8(tmp_path):
    p = tmp_path / "r.csv"
    p.write_bytes("student_id,name\ns1,\xc7\xd1\n".encode("latin-1"))
    with pytest.raises(RosterError, match="not UTF-8"):
        read_roster(p)


@pytest.mark.parametrize("text, line, lines", [
    ('student_id,name\ns001,"Kim\ns002,B\ns003,C\n', 2, "lines 3-4"),   # swallows two rows
    ('student_id,name\ns001,A\ns002,"B\nC\n', 3, "line 4"),            # runs to the end of the file
    ('student_id,name\r\ns001,"Kim\r\ns002,B\r\n', 2, "line 3"),       # CRLF
    ('student_id,name\ns001,"Kim\ns002,B\ns003,C"\n', 2, "lines 3-4"),  # closed only rows later
])
def test_an_unclosed_quote_is_refused_at_the_line_it_opens(tmp_path, text, line, lines):
    p = tmp_path / "r.csv"
    p.write_bytes(text.encode())
    with pytest.raises(RosterError) as e:
        read_roster(p)
    assert f"line {line}: the quote before" in str(e.value) and "never closed" in str(e.value)
    assert f"{lines} would become part of this cell" in str(e.value)


def test_a_quoted_two_line_name_and_a_stray_last_quote_still_work(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text('student_id,name\ns001,"Kim\nMinjun"\ns002,Kim "MJ" Min\ns003,"C\n')
    assert [(s.student_id, s.name) for s in read_roster(p)] == [
        ("s001", "Kim\nMinjun"), ("s002", 'Kim "MJ" Min'), ("s003", "C")]


def test_a_quoted_cell_on_several_lines_with_commas_still_works(tmp_path):
    """A notes column or a name on two lines may hold the delimiter: only a line that starts
    like a row of its own (an id of the same form) is a swallowed row."""
    p = tmp_path / "r.csv"
    p.write_text('student_id,name,notes\ns001,"Kim\nJi, Jr.",x\ns002,B,"late, then\nfine, ok"\n'
                 '20231003,C,"see:\n12, 13"\n')
    assert [(s.student_id, s.name) for s in read_roster(p)] == [
        ("s001", "Kim\nJi, Jr."), ("s002", "B"), ("20231003", "C")]


def test_roster_with_cr_only_line_ends_and_utf16(tmp_path):
    p = tmp_path / "r.csv"
    p.write_bytes(b"student_id,name\rs001,A\rs002,B\r")
    assert [s.student_id for s in read_roster(p)] == ["s001", "s002"]
    p.write_bytes("student_id\tname\r\ns001\t이서연\r\ns002\tB\r\n".encode("utf-16"))  # Excel "Unicode text"
    assert [(s.student_id, s.name) for s in read_roster(p)] == [("s001", "이서연"), ("s002", "B")]


@pytest.mark.parametrize("header", ["student_id,student_id,name", "student_id,Student ID,name",
                                    "StudentID,student_id,name"])
def test_two_student_id_columns_are_refused(tmp_path, header):
    p = tmp_path / "r.csv"
    p.write_text(header + "\ns001,s002,A\n")
    with pytest.raises(RosterError, match=r"line 1: columns 1 and 2 \('.+' and '.+'\) both name the student id"):
        read_roster(p)


def test_a_too_long_student_id_is_refused_while_reading_the_roster(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("student_id\n" + "s" * 100 + "\n" + "s" * 300 + "\n")
    with pytest.raises(RosterError, match="line 3: student_id 's{20}...' is 300 characters long; at most 100"):
        read_roster(p)


def _exam(tmp_path, body):
    p = tmp_path / "exam.yaml"
    p.write_text("id: t\ntitle: T\nslots:\n" + body)
    return p


def test_unknown_template_names_line_and_suggests(tmp_path, bank):
    p = _exam(tmp_path, "  - {template: params.dence}\n")
    with pytest.raises(ExamError) as e:
        load_exam(p, bank)
    msg = str(e.value)
    assert "unknown template 'params.dence'" in msg and "line 4" in msg and "params.dense" in msg


def test_missing_level_and_topic(tmp_path, bank):
    with pytest.raises(ExamError, match="has no level 9"):
        load_exam(_exam(tmp_path, "  - {template: params.dense, level: 9}\n"), bank)
    with pytest.raises(ExamError, match="unknown topic 'nope'"):
        load_exam(_exam(tmp_path, "  - {topic: nope}\n"), bank)
    with pytest.raises(ExamError, match="unknown topic 'outputshape'. Did you mean 'output-shape'"):
        load_exam(_exam(tmp_path, "  - {topic: outputshape}\n"), bank)
    with pytest.raises(ExamError, match="no template of topic 'loss' has level 9. Its templates have levels"):
        load_exam(_exam(tmp_path, "  - {topic: loss, level: 9}\n"), bank)
    with pytest.raises(ExamError, match="exactly one of"):
        load_exam(_exam(tmp_path, "  - {level: 1}\n"), bank)


def test_exam_yaml_syntax_error(tmp_path, bank):
    p = tmp_path / "exam.yaml"
    p.write_text("id: t\nslots: [\n")
    with pytest.raises(ExamError, match="YAML syntax error"):
        load_exam(p, bank)


def test_numbered_students():
    assert [s.student_id for s in numbered_students(3)] == ["s001", "s002", "s003"]
    assert numbered_students(1200)[-1].student_id == "s1200"


def test_anchor_blocks_topic_points_and_empty_course(tmp_path, bank):
    """A top-level block of YAML anchors is allowed (a misspelt field still is not); a topic
    slot without points is worth the same for every student; `course:` left empty is no course."""
    from quizgen.exam import load_exam
    f = tmp_path / "e.yaml"
    f.write_text("id: e\ntitle: E\ncourse:\ndefaults: &d {level: 1}\n"
                 "slots:\n  - {<<: *d, template: params.dense}\n  - {<<: *d, topic: loss}\n",
                 encoding="utf-8")
    exam = load_exam(f, bank)
    assert exam.slots[0].level == 1 and exam.course == {"en": ""}
    pool = bank.with_topic("loss", 1)
    assert exam.slots[1].points == max(t.points for t in pool)
    f.write_text("id: e\ntitle: E\nslot:\n  - {template: params.dense}\n", encoding="utf-8")
    with pytest.raises(ExamError, match="slots"):
        load_exam(f, bank)


@pytest.mark.parametrize("points, message", [
    (".nan", r"points must be a finite number above 0 \(got \.nan\)"),
    (".inf", r"points must be a finite number above 0 \(got \.inf\)"),
    ("true", r"points must be a finite number above 0 \(got true\)"),
    ("0", r"points must be a finite number above 0 \(got 0\)"),
    ("1e300", r"points must be a number, but 1e300 is read as text: .* Write 1\.0e\+300 or a plain number"),
])
def test_points_must_be_a_finite_number_above_0(tmp_path, bank, points, message):
    with pytest.raises(ExamError, match=r"line 4, field 'slots\.0\.points': " + message):
        load_exam(_exam(tmp_path, f"  - {{template: params.dense, points: {points}}}\n"), bank)


def test_level_true_is_not_a_level(tmp_path, bank):
    with pytest.raises(ExamError, match=r"field 'slots\.0\.level': level must be a whole number"):
        load_exam(_exam(tmp_path, "  - {template: params.dense, level: true}\n"), bank)


@pytest.mark.parametrize("date", ["2026-13-45", "2026-02-30", "'2026-13-45'", "next tuesday", "20261201"])
def test_date_must_be_a_real_date(tmp_path, bank, date):
    p = tmp_path / "exam.yaml"
    p.write_text(f"id: t\ntitle: T\ndate: {date}\nslots:\n  - params.dense\n")
    with pytest.raises(ExamError) as e:
        load_exam(p, bank)
    assert str(e.value).startswith(f"{p}, line 3, field 'date': {date.strip(chr(39))} is not a date (YYYY-MM-DD")


@pytest.mark.parametrize("date, created", [("2026-12-01", "2026-12-01"), ("'2026-12-01'", "2026-12-01"), ("", ""),
                                           ("2026-3-2", "2026-03-02"), ("2026/03/02", "2026-03-02"),
                                           ("2026년 3월 2일", "2026-03-02"), ("'2026-03-02 09:00'", "2026-03-02 09:00:00")])
def test_a_real_date_is_kept(tmp_path, bank, date, created):
    p = tmp_path / "exam.yaml"
    p.write_text(f"id: t\ntitle: T\ndate: {date}\nslots:\n  - params.dense\n")
    assert load_exam(p, bank).date == created


@pytest.mark.parametrize("name, shown", [("''", "''"), ("null", "null"), ("'  '", "'  '"),
                                         ("true", "true"), ("[a]", "['a']")])
def test_a_slot_name_must_be_a_name(tmp_path, bank, name, shown):
    with pytest.raises(ExamError) as e:
        load_exam(_exam(tmp_path, f"  - {{slot: {name}, template: params.dense}}\n"), bank)
    assert "line 4, field 'slots.0.slot': a slot's name is a word or number" in str(e.value)
    assert f"(got {shown})" in str(e.value)


def test_slot_names_that_work(tmp_path, bank):
    """Every name that worked before still does, as it was (a slot's name is part of its draws)."""
    names = ["cross-entropy", "5", "q_3.b", "문항1", "Q 1", "q3(a)", "1.5", " q1", "../../x"]
    exam = load_exam(_exam(tmp_path, "".join(f"  - {{slot: {n if n in ('5', '1.5') else repr(n)}, "
                                             "template: params.dense}\n" for n in names)), bank)
    assert [s.name for s in exam.slots] == names


@pytest.mark.parametrize("data, message", [
    (b"id: t\ntitle: Caf\xe9\n", r"line 2: this exam file is not UTF-8 text \(byte 0xe9 there is not\)\. Save it as UTF-8"),
    (b"id: t\ntitle: a\x00b\n", r"line 2: this exam file holds a NUL character"),
    (b"id: t\ntitle: a\x07b\n", r"line 2: the character U\+0007 is not allowed in YAML"),
])
def test_unreadable_exam_text_names_the_line(tmp_path, bank, data, message):
    p = tmp_path / "exam.yaml"
    p.write_bytes(data + b"slots:\n  - params.dense\n")
    with pytest.raises(ExamError, match=message):
        load_exam(p, bank)
