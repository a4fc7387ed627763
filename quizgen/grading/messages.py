"""Every word of the grading outputs, in English and Korean: ``{key: {en, ko}}``.

``text(lang)`` returns a lookup ``t(key, **values)``; a missing Korean string falls back
to English, so a new message never breaks an output. A :class:`Msg` is a message not yet
put into words (the detail of an ``issues.csv`` row, made before the language is known);
:func:`say` words it in a language.

The Korean strings are in 합쇼체 (-습니다, -십시오), as the papers are. A particle after a
value is written as the value's format spec, and takes the form the value's Korean reading
needs (:func:`quizgen.josa.josa`): ``{sid:은}`` gives ``s002는``, ``{kid:'로}`` the value in
quotes and then the particle (``'00110'으로``). A particle after a parenthesis belongs to
the word before it and is written out (``단어('{unit}')는``).
"""
from __future__ import annotations

import re
import string
from functools import cache
from typing import Any, Callable, NamedTuple

from ..answers import Parsed, explain
from ..josa import josa

CATALOGUE: dict[str, dict[str, str]] = {
    # feedback
    "feedback_title": {"en": "Feedback: {title}", "ko": "채점 결과: {title}"},
    "student": {"en": "Student", "ko": "학생"},
    "variant": {"en": "Paper", "ko": "문제지 유형"},
    "score": {"en": "Score", "ko": "점수"},
    "question": {"en": "Question", "ko": "문항"},
    "your_answer": {"en": "Your answer", "ko": "제출한 답"},
    "correct_answer": {"en": "Correct answer", "ko": "정답"},
    "points_of": {"en": "{points} of {max} point{ps}", "ko": "{max}점 중 {points}점"},
    "solution": {"en": "Worked solution", "ko": "풀이"},
    "no_answer": {"en": "(no answer)", "ko": "(답 없음)"},
    "not_submitted": {"en": "No submission was received from you; every question counts 0.",
                      "ko": "제출된 답안이 없어 모든 문항을 0점으로 처리했습니다."},
    "not_graded_unreadable": {
        "en": "Your submission ({where}) could not be read, so it has not been graded yet; "
              "your instructor has been told.",
        "ko": "제출한 답안({where})을 읽을 수 없어 아직 채점하지 않았습니다. 담당 교수자에게 "
              "알렸습니다."},
    "line": {"en": "line", "ko": "행"},
    "status_correct": {"en": "Correct.", "ko": "정답입니다."},
    "status_partial": {"en": "Partly correct: {right} of {total} parts right.",
                       "ko": "부분 정답입니다: {total}개 중 {right}개가 맞았습니다."},
    "status_partial_plain": {"en": "Partly correct.", "ko": "부분 정답입니다."},
    "status_partial_ticks": {"en": "Partly correct: you ticked {right} of the {total} right options.",
                             "ko": "부분 정답입니다: 맞는 보기 {total}개 중 {right}개를 골랐습니다."},
    "status_partial_ticks_wrong": {
        "en": "Partly correct: you ticked {right} of the {total} right options, and {wrong} "
              "option{s} that {are} not right; each such tick takes away one right one.",
        "ko": "부분 정답입니다: 맞는 보기 {total}개 중 {right}개를 골랐지만 틀린 보기도 {wrong}개 "
              "골랐습니다. 틀린 보기 하나가 맞는 보기 하나를 상쇄합니다."},
    "status_wrong_ticks": {
        "en": "Not correct: you ticked {right} of the {total} right options, but also {wrong} "
              "option{s} that {are} not right, which cancel{v} {them} (each takes away one right one).",
        "ko": "틀렸습니다: 맞는 보기 {total}개 중 {right}개를 골랐지만 틀린 보기도 {wrong}개 "
              "골랐습니다. 틀린 보기 하나가 맞는 보기 하나를 상쇄합니다."},
    "status_wrong": {"en": "Not correct.", "ko": "틀렸습니다."},
    "status_invalid": {"en": "Your answer could not be read: {reason}. It scores 0.",
                       "ko": "답을 읽을 수 없어 0점 처리했습니다: {reason}."},
    "status_blank": {"en": "No answer given.", "ko": "답을 적지 않았습니다."},
    "entry_unread": {"en": "Not every entry could be read ({reason}); such an entry counts as "
                           "wrong.",
                     "ko": "읽을 수 없는 항목은 오답으로 처리했습니다({reason})."},
    "status_missing": {"en": "Not submitted.", "ko": "제출하지 않았습니다."},
    "status_not_graded": {"en": "Not graded.", "ko": "채점하지 않았습니다."},
    "misconception": {"en": "Typical mistake: {feedback}", "ko": "자주 하는 실수: {feedback}"},
    "unit_ignored": {"en": "The word '{unit}' after your answer was not read; the number was "
                           "scored.",
                     "ko": "답 뒤에 쓴 단어('{unit}')는 읽지 않고 숫자만 채점했습니다."},
    "size_matrix": {"en": "Your answer has {rows} row{rs} of {cols} number{cs}; the answer is "
                          "{want_rows} × {want_cols}.",
                    "ko": "제출한 답은 {rows} × {cols} 행렬이지만 정답은 {want_rows} × {want_cols} "
                          "행렬입니다."},
    "size_shape": {"en": "Your shape has {n} dimension{s}; the answer has {want}.",
                   "ko": "제출한 형태는 {n}차원이지만 정답은 {want}차원입니다."},
    "size_vector": {"en": "Your answer has {n} number{s}; the answer has {want}.",
                    "ko": "제출한 답에는 수가 {n}개 있지만 정답에는 {want}개 있습니다."},
    "choices_as_letters": {"en": "write the letters of your choices, e.g. A C",
                           "ko": "고른 보기의 기호를 쓰십시오(예: A C)"},
    "choice_as_letter": {"en": "write the letter of your choice, e.g. B",
                         "ko": "고른 보기의 기호 하나를 쓰십시오(예: B)"},
    "penalty": {"en": "A wrong choice costs {share} of the points.",
                "ko": "오답을 고르면 배점의 {share}만큼 감점됩니다."},
    # report
    "report_title": {"en": "Grading report: {title}", "ko": "채점 보고서: {title}"},
    "summary": {"en": "Summary", "ko": "요약"},
    "students_in_key": {"en": "Students in the key", "ko": "정답지의 학생 수"},
    "submitted": {"en": "Submitted", "ko": "제출"},
    "missing": {"en": "No submission (graded 0)", "ko": "미제출 (0점 처리)"},
    "unreadable": {"en": "Only unreadable rows (not graded, see issues.csv)",
                   "ko": "읽을 수 없는 행만 있음 (채점하지 않음, issues.csv 참고)"},
    "rows_read": {"en": "Rows read", "ko": "읽은 행"},
    "rows_graded": {"en": "Rows graded", "ko": "채점한 행"},
    "rows_reported": {"en": "Rows not graded (each in issues.csv)",
                      "ko": "채점하지 않은 행 (모두 issues.csv에 있음)"},
    "notes_reported": {"en": "Notes in issues.csv on graded rows, columns, files",
                       "ko": "채점한 행·열·파일에 대한 issues.csv 알림"},
    "keep_rule": {"en": "Several submissions of one student", "ko": "한 학생의 중복 제출"},
    "keep_last": {"en": "the latest one counts (by timestamp, then file order)",
                  "ko": "가장 늦은 제출을 채점 (타임스탬프, 없으면 파일 순서 기준)"},
    "keep_first": {"en": "the earliest one counts (by timestamp, then file order)",
                   "ko": "가장 이른 제출을 채점 (타임스탬프, 없으면 파일 순서 기준)"},
    "keep_best": {"en": "the one with the highest total counts",
                  "ko": "총점이 가장 높은 제출을 채점"},
    "partial_rule": {"en": "Shapes, vectors, matrices", "ko": "형태·벡터·행렬 문항"},
    "partial_proportional": {"en": "credit per correct component",
                             "ko": "맞은 성분 수에 비례해 부분 점수"},
    "partial_all": {"en": "all components right or nothing",
                    "ko": "모든 성분이 맞아야 점수 인정"},
    "distribution": {"en": "Score distribution", "ko": "점수 분포"},
    "n": {"en": "Students with a submission", "ko": "제출한 학생 수"},
    "mean": {"en": "Mean", "ko": "평균"},
    "median": {"en": "Median", "ko": "중앙값"},
    "sd": {"en": "Standard deviation (n − 1)", "ko": "표준편차 (n − 1)"},
    "min_max": {"en": "Lowest / highest", "ko": "최저 / 최고"},
    "reliability": {"en": "Reliability", "ko": "신뢰도"},
    "alpha": {"en": "Cronbach's alpha", "ko": "크론바흐 알파"},
    "kr20": {"en": "KR-20 (every item scored 0 or full marks)",
             "ko": "KR-20 (모든 문항이 0점 또는 만점으로 채점됨)"},
    "items": {"en": "Questions", "ko": "문항 분석"},
    "col_slot": {"en": "Question", "ko": "문항"},
    "col_title": {"en": "Title", "ko": "제목"},
    "col_points": {"en": "Points", "ko": "배점"},
    "col_margin": {"en": "Accepted margin", "ko": "허용 오차"},
    "margin_exact": {"en": "exact", "ko": "정확히 일치"},
    "margin_abs": {"en": "± {abs}", "ko": "± {abs}"},
    "margin_rel": {"en": "± {rel} % of the answer", "ko": "± 정답의 {rel} %"},
    "margin_abs_rel": {"en": "± ({abs} + {rel} % of the answer)",
                       "ko": "± ({abs} + 정답의 {rel} %)"},
    "margin_decimal": {"en": "{margin}, 1 decimal asked", "ko": "{margin}, 소수점 아래 1자리 요구"},
    "margin_decimals": {"en": "{margin}, {decimals} decimals asked",
                        "ko": "{margin}, 소수점 아래 {decimals}자리 요구"},
    "margin_whole": {"en": "{margin}, whole numbers asked", "ko": "{margin}, 정수 요구"},
    "mixed_title": {"en": "{topic} ({n} templates)", "ko": "{topic} (템플릿 {n}종)"},
    "mixed_title_untitled": {"en": "{n} templates", "ko": "템플릿 {n}종"},
    "mixed_slot": {"en": "**{slot}** mixes {n} templates (students drew different questions "
                         "for it); the row above pools them:",
                   "ko": "**{slot}** 문항에는 템플릿 {n}종이 섞여 있습니다(학생마다 다른 문제를 "
                         "받았습니다). 위 표의 값은 이를 합쳐 계산했습니다:"},
    "mixed_part": {"en": "{template}{title}: {n} student{s} with a submission, facility "
                         "{facility}",
                   "ko": "{template}{title}: 제출한 학생 {n}명, 정답률 {facility}"},
    "col_facility": {"en": "Facility", "ko": "정답률"},
    "col_r": {"en": "r (item–rest)", "ko": "r (문항–나머지)"},
    "col_d": {"en": "D (upper–lower 27 %)", "ko": "D (상위–하위 27 %)"},
    "col_invalid": {"en": "Invalid", "ko": "판독 불가"},
    "col_blank": {"en": "Blank", "ko": "무응답"},
    "col_flags": {"en": "Flags", "ko": "점검 필요"},
    "flag_hard": {"en": "very hard", "ko": "너무 어려움"},
    "flag_easy": {"en": "very easy", "ko": "너무 쉬움"},
    "flag_negative": {"en": "negative discrimination", "ko": "변별도 음수"},
    "item_notes": {
        "en": "Facility is the mean share of the points. r is the correlation of the question "
              "with the total of the other questions; D is the facility among the best 27 % "
              "minus the facility among the weakest 27 %, ranked by the whole total (this "
              "question included, as the classic index is), students tied at a group's edge "
              "sharing its last places. Questions with negative r, or a facility at or below "
              "{low} or at or above {high} (as shown, to two decimals), are flagged. With a "
              "penalty for wrong answers a facility can be below 0 and D beyond ±1; the "
              "reliability is computed from the questions' points before a total is floored "
              "at 0.",
        "ko": "정답률은 배점 대비 평균 득점 비율입니다. r은 해당 문항 점수와 나머지 문항 총점의 "
              "상관계수이고, D는 상위 27 % 학생의 정답률에서 하위 27 % 학생의 정답률을 뺀 값입니다. "
              "D의 상위·하위는 이 문항을 포함한 총점으로 정하며(전통적인 정의), 경계에서 총점이 같은 "
              "학생들은 남은 자리를 똑같이 나눠 갖습니다. r이 음수이거나 정답률이 {low} 이하 또는 "
              "{high} 이상인(표시된 소수 둘째 자리 기준) 문항은 점검 대상으로 표시했습니다. 오답 감점이 "
              "있으면 정답률이 0보다 작거나 D가 ±1을 넘을 수 있으며, 신뢰도는 총점을 0으로 올리기 전의 "
              "문항 점수로 계산합니다."},
    "margin_notes": {
        "en": "Accepted margin: how far a real answer (or each entry of a vector or matrix) may "
              "be from the key's value and still count as right; integers, shapes and choices "
              "must be exact.",
        "ko": "허용 오차는 실수 답(벡터·행렬은 각 성분)이 정답과 이만큼까지 달라도 정답으로 "
              "인정하는 범위입니다. 정수, 형태, 보기 문항은 정확히 일치해야 합니다."},
    "misconceptions": {"en": "Misconceptions", "ko": "오개념 분석"},
    "col_misconception": {"en": "Misconception", "ko": "오개념"},
    "col_students": {"en": "Students", "ko": "학생 수"},
    "col_share": {"en": "Share of answers", "ko": "응답 비율"},
    "no_misconceptions": {"en": "No answer matched a known misconception.",
                          "ko": "알려진 오개념과 일치한 답은 없었습니다."},
    "misconception_notes": {
        "en": "Students: how many students with a submission gave the answer of that mistake "
              "on that question; share of answers: of the answers to that question (in a "
              "question that mixes templates, of the answers to that template, named beside "
              "the question). The feedback texts name values of each student's own paper: "
              "… stands for what differs between papers.",
        "ko": "학생 수는 해당 문항에서 그 실수에 해당하는 답을 낸 학생 수이고, 응답 비율은 그 문항의 "
              "응답 중 비율입니다(템플릿이 섞인 문항은 문항 번호 옆에 적은 템플릿의 응답 중 비율). "
              "오개념 설명에는 학생마다 자기 문제지의 값이 들어가므로, 문제지마다 다른 부분은 …로 "
              "표시했습니다."},
    "issues": {"en": "Issues", "ko": "확인이 필요한 행"},
    "no_issues": {"en": "Every row was graded.", "ko": "모든 행을 채점했습니다."},
    "issues_note": {"en": "Details with file and line: issues.csv.",
                    "ko": "파일과 행 번호는 issues.csv에 있습니다."},
    "col_kind": {"en": "Kind", "ko": "종류"},
    "col_count": {"en": "Count", "ko": "건수"},
    "kind_unknown-student": {"en": "unknown student id", "ko": "정답지에 없는 학번"},
    "kind_unknown-question": {"en": "question the key does not have",
                              "ko": "정답지에 없는 문항"},
    "kind_unit-ignored": {"en": "word after a number not read (the number was scored)",
                          "ko": "숫자 뒤의 단어를 빼고 숫자만 채점함"},
    "kind_id-matched": {"en": "student id matched though written differently (leading zeros "
                              "lost, or upper/lower case)",
                        "ko": "앞자리 0이 없거나 대소문자만 달라 정답지 학번과 연결한 학번"},
    "kind_unreadable": {"en": "unreadable row", "ko": "읽을 수 없는 행"},
    "kind_unreadable-answer": {"en": "unreadable answer (scored 0, for a regrade by hand)",
                               "ko": "읽을 수 없는 답 (0점 처리, 직접 다시 채점할 답)"},
    "kind_no-student-id": {"en": "row without a student id", "ko": "학번이 없는 행"},
    "kind_duplicate-submission": {"en": "earlier/other submission not graded",
                                  "ko": "채점하지 않은 중복 제출"},
    "kind_duplicate-answer": {"en": "answer given twice (the later row counts)",
                              "ko": "같은 문항에 두 번 답함 (나중 행을 채점)"},
    "kind_kept-by-file-order": {"en": "duplicate kept by file order (timestamps unreadable or "
                                      "ambiguous)",
                                "ko": "타임스탬프를 읽을 수 없거나 모호해 파일 순서로 고른 제출"},
    "kind_ignored-column": {"en": "column not graded (--map chose another)",
                            "ko": "채점하지 않은 열 (--map이 다른 열을 선택)"},
    "kind_no-rows": {"en": "file with a header but no rows", "ko": "머리글만 있고 행이 없는 파일"},
    "kind_empty-row": {"en": "row with every cell empty", "ko": "모든 칸이 빈 행"},
    "kind_columns-by-order": {"en": "answer columns read as the key's questions in order "
                                     "(Canvas Student Analysis)",
                              "ko": "답 열을 정답지 문항 순서대로 읽음(Canvas Student Analysis)"},
    "kind_missing-column": {"en": "question with no column (scored as unanswered: --allow-missing)",
                            "ko": "열이 없는 문항(--allow-missing: 답 없음으로 채점)"},
    "kind_unused-column": {"en": "column not read (neither a question nor a known column)",
                           "ko": "읽지 않은 열(문항도 아니고 알려진 열도 아님)"},
    "mapping": {"en": "Columns used", "ko": "사용한 열"},
    "layout_wide": {"en": "wide", "ko": "가로형"},
    "layout_long": {"en": "long", "ko": "세로형"},
    "delimiter_comma": {"en": "comma", "ko": "쉼표"},
    "delimiter_semicolon": {"en": "semicolon", "ko": "세미콜론"},
    "delimiter_tab": {"en": "tab", "ko": "탭"},
    "delimiter_bar": {"en": "bar", "ko": "세로 막대"},
    "histogram_alt": {"en": "histogram of the scores", "ko": "점수 분포 히스토그램"},
    "histogram_x": {"en": "Score (%)", "ko": "점수 (%)"},
    "histogram_y": {"en": "Students", "ko": "학생 수"},
    # the Feedback column of moodle-grades.csv (students see it)
    "lms_no_submission": {"en": "no submission", "ko": "제출 없음"},
    "lms_unreadable": {"en": "not graded: submission unreadable ({lines}; see issues.csv)",
                       "ko": "채점하지 않음: 제출한 답안을 읽을 수 없음({lines}, issues.csv 참고)"},
    # issues.csv details (the kind column keeps its English code)
    "concat": {"en": "{a}{b}", "ko": "{a}{b}"},
    "line_of": {"en": "{file} line {line}", "ko": "{file} {line}행"},
    "issue_unknown_student": {"en": "'{sid}' is not a student of the key",
                              "ko": "{sid:'은} 정답지에 없는 학번입니다"},
    "issue_ambiguous_id": {
        "en": "'{sid}' is not a student of the key: without leading zeros it matches {ids} "
              "(leading zeros lost in a spreadsheet?), so it is not graded; write the full id in "
              "a copy of the file and grade again",
        "ko": "{sid:'은} 정답지에 없는 학번입니다. 앞자리 0을 빼면 {ids:과} 모두 "
              "일치합니다(스프레드시트에서 앞자리 0이 사라졌을 수 있습니다). 채점하지 않았으니 "
              "파일 사본에 학번 전체를 적고 다시 채점하십시오"},
    "issue_id_matched": {
        "en": "'{sid}' was matched to the key's '{kid}': its leading zeros were lost (a "
              "spreadsheet drops them); check that this is the right student",
        "ko": "{sid:'을} 정답지의 {kid:'로} 연결했습니다. 앞자리 0이 사라진 "
              "학번입니다(스프레드시트가 지웁니다). 맞는 학생인지 확인하십시오"},
    "issue_ambiguous_id_case": {
        "en": "'{sid}' is not a student of the key: ignoring upper/lower case it matches {ids}, "
              "so it is not graded; write the id exactly as the key has it in a copy of the file "
              "and grade again",
        "ko": "{sid:'은} 정답지에 없는 학번입니다. 대소문자를 무시하면 {ids:과} 모두 "
              "일치합니다. 채점하지 않았으니 파일 사본에 정답지와 똑같이 학번을 적고 다시 "
              "채점하십시오"},
    "issue_id_matched_case": {
        "en": "'{sid}' was matched to the key's '{kid}': the two differ only in upper/lower "
              "case; check that this is the right student",
        "ko": "{sid:'을} 정답지의 {kid:'로} 연결했습니다. 대소문자만 다른 학번입니다. 맞는 "
              "학생인지 확인하십시오"},
    "issue_unit_ignored": {
        "en": "'{text}': the word '{unit}' after the answer was not read; scored as '{read}' "
              "({points} of {max} point{ps})",
        "ko": "'{text}': 답 뒤에 쓴 단어('{unit}')는 읽지 않고 {read:'로} 채점했습니다"
              "({max}점 중 {points}점)"},
    "issue_unreadable_answer": {
        "en": "'{text}': {reason}; scored 0 of {max} point{ps} (regrade it by hand if the student "
              "meant a right answer)",
        "ko": "'{text}': {reason}. {max}점 중 0점으로 처리했습니다(학생이 맞는 답을 뜻했다면 "
              "직접 다시 채점하십시오)"},
    "issue_duplicate": {"en": "{n} submissions; graded the one in {where}, {rule}",
                        "ko": "제출 {n}건 중 {where}의 제출을 채점했습니다. {rule}"},
    "rule_by_rule": {"en": "by the rule: {keep}", "ko": "규칙: {keep}"},
    "rule_file_order": {"en": "by file order ({order}), because {doubt}",
                        "ko": "파일 순서로 골랐습니다({order}). 이유: {doubt}"},
    "keeptext_last": {"en": "the latest submission (by timestamp, then file order)",
                      "ko": "가장 늦은 제출 (타임스탬프, 없으면 파일 순서 기준)"},
    "keeptext_first": {"en": "the earliest submission (by timestamp, then file order)",
                       "ko": "가장 이른 제출 (타임스탬프, 없으면 파일 순서 기준)"},
    "keeptext_best": {"en": "the submission with the highest total",
                      "ko": "총점이 가장 높은 제출"},
    "order_last": {"en": "the last one in file order", "ko": "파일에서 마지막 제출"},
    "order_first": {"en": "the first one in file order", "ko": "파일에서 첫 제출"},
    "order_best": {"en": "the highest total, ties by file order",
                   "ko": "총점이 가장 높은 제출, 같으면 파일 순서"},
    "issue_kept_by_file_order": {
        "en": "graded this one of {n} submissions by file order ({order}), not by timestamp, "
              "because {doubt}; check that this is the submission to grade",
        "ko": "제출 {n}건 중 이 제출을 타임스탬프가 아닌 파일 순서로 골라 채점했습니다({order}). "
              "이유: {doubt}. 채점할 제출이 맞는지 확인하십시오"},
    "doubt_unreadable_one": {"en": "{items} is not a date and time quizgen can read",
                             "ko": "{items:은} quizgen이 읽을 수 있는 날짜·시각이 아닙니다"},
    "doubt_unreadable_many": {"en": "{items} are not dates and times quizgen can read",
                              "ko": "{items:은} quizgen이 읽을 수 있는 날짜·시각이 아닙니다"},
    "doubt_stamp": {"en": "'{ts}' ({where})", "ko": "{where}의 '{ts}'"},  # ko: a particle reads ts
    "doubt_no_timestamp": {"en": "{where} has no timestamp while the others have one",
                           "ko": "다른 제출에는 타임스탬프가 있는데 {where}에는 없습니다"},
    "doubt_ambiguous": {
        "en": "'{ts}' ({where}) can be {month_first} (month first) or {day_first} (day first) "
              "and no other row of its file decides",
        "ko": "{where}의 {ts:'은} 월이 먼저이면 {month_first}, 일이 먼저이면 {day_first:로} "
              "읽을 수 있고, 같은 파일의 다른 행으로도 정할 수 없습니다"},
    "issue_not_on_paper": {"en": "the paper of {sid} has no question {slot}; not graded",
                           "ko": "{sid}의 문제지에는 {slot} 문항이 없어 채점하지 않았습니다"},
    "issue_no_rows": {"en": "the file has a header but no rows with answers (none, or only rows of "
                            "empty cells): no submission came from it (the other files were graded)",
                      "ko": "파일에 머리글만 있고 답이 있는 행이 없어(행이 없거나 빈 칸뿐인 행만 있음) 제출이 "
                            "없습니다(다른 파일은 채점했습니다)"},
    "issue_ignored_column": {
        "en": "column {col} '{header}' also looks like {label}, but --map chose column {chosen}; "
              "its cells are not graded",
        "ko": "{col}번 열 '{header}'도 {label:로} 보이지만 --map이 {chosen}번 열을 "
              "골랐으므로 이 열은 채점하지 않았습니다"},
    "issue_unknown_column": {"en": "column '{header}' looks like a question the key does not "
                                   "have; its cells are not graded",
                             "ko": "'{header}' 열은 정답지에 없는 문항으로 보여 채점하지 "
                                   "않았습니다"},
    "issue_row_too_long": {
        "en": "the row has {cells} cells but the header has {width} (an unquoted decimal comma "
              "or delimiter inside an answer?), so its cells cannot be matched to the columns "
              "and it is not graded",
        "ko": "행의 칸이 {cells}개인데 머리글은 {width}개입니다(답 안에 따옴표 없는 소수점 쉼표나 "
              "구분 기호가 있을 수 있습니다). 칸을 열에 맞출 수 없어 이 행은 채점하지 "
              "않았습니다"},
    "issue_row_too_long_student": {
        "en": "; {sid} is listed as not graded (unreadable row) unless another row of theirs "
              "is graded. Quote the cell or fix the row in a copy of the file and grade again",
        "ko": ". 이 학생의 다른 행을 채점하지 않는 한 {sid:은} 채점하지 않음(읽을 수 없는 "
              "행)으로 표시됩니다. 파일 사본에서 칸을 따옴표로 감싸거나 행을 고친 뒤 다시 "
              "채점하십시오"},
    "issue_no_id": {"en": "the student-id cell is empty", "ko": "학번 칸이 비어 있습니다"},
    "issue_empty_row": {"en": "every cell of this row is empty; there is nothing to grade",
                        "ko": "이 행의 모든 칸이 비어 있어 채점할 내용이 없습니다"},
    "issue_unused_column": {
        "en": "column {col} '{header}' is not a question of the key, nor an id, name, e-mail or "
              "timestamp column quizgen knows; it is not read (to read it, map it: --map "
              "qN={quoted} for the answers to question N, or --map ROLE={quoted} with ROLE "
              "student_id, name, email or timestamp)",
        "ko": "{col}번 열 {header:'은} 정답지의 문항도 아니고 quizgen이 아는 학번·이름·"
              "이메일·제출 시각 열도 아니어서 읽지 않았습니다(읽어야 하는 열이라면 --map으로 "
              "지정하십시오: N번 문항의 답이면 --map qN={quoted}, 그 밖에는 --map ROLE={quoted}, "
              "ROLE은 student_id, name, email, timestamp 중 하나)"},
    "issue_unused_column_second": {
        "en": "column {col} '{header}' looks like {role} column too, but column {other} is read "
              "for that; it is not read (choose with --map if it is the other way round)",
        "ko": "{col}번 열 '{header}'도 같은 종류의 열로 보이지만 {other}번 열을 읽었으므로 이 열은 "
              "읽지 않았습니다(반대라면 --map으로 지정하십시오)"},
    "issue_unused_column_wide": {
        "en": "column {col} '{header}' is not read: in a file with a column per question, answers "
              "are read from the question columns (q1, q2, ...)",
        "ko": "{col}번 열 {header:'은} 읽지 않았습니다. 문항마다 열이 있는 파일에서는 답을 문항 "
              "열(q1, q2, ...)에서 읽습니다"},
    "issue_unused_column_unnamed": {
        "en": "column {col} has no header but holds text; it is not read (if it holds answers, give "
              "it the question's header in a copy of the file)",
        "ko": "{col}번 열은 머리글이 없지만 내용이 있어 읽지 않았습니다(답이 들어 있다면 파일 사본에서 "
              "그 문항의 머리글을 붙이십시오)"},
    "issue_canvas_points": {
        "en": "column {col} '{header}' (after the answer column {answer} of a Canvas Student "
              "Analysis export) holds the points Canvas gave; it is not read (quizgen scores the "
              "answers itself)",
        "ko": "{col}번 열 '{header}'는 Canvas Student Analysis 내보내기에서 {answer}번 답 열 다음에 "
              "오는, Canvas가 준 점수 열이어서 읽지 않았습니다(quizgen이 답을 직접 채점합니다)"},
    "issue_canvas_order": {
        "en": "a Canvas Student Analysis export: its {n} answer columns are read as the key's "
              "questions in order ({cols}); if Canvas listed them in another order, map them "
              "with --map",
        "ko": "Canvas Student Analysis 내보내기이므로 답 열 {n}개를 정답지의 문항 순서대로 읽었습니다"
              "({cols}). Canvas의 순서가 다르다면 --map으로 지정하십시오"},
    "issue_missing_column": {
        "en": "the file has no column for {slot}; with --allow-missing, {slot} is scored as "
              "unanswered (0 points) for every student of this file",
        "ko": "파일에 {slot} 열이 없습니다. --allow-missing에 따라 이 파일의 모든 학생의 {slot} 문항을 "
              "답 없음(0점)으로 채점했습니다"},
    "issue_no_such_question": {"en": "the key has no question '{question}'",
                               "ko": "정답지에 '{question}' 문항이 없습니다"},
    "issue_answered_again": {"en": "answered again on line {line}; the later row counts",
                             "ko": "{line}행에서 다시 답했습니다. 나중 행을 채점합니다"},
}


class Msg(NamedTuple):
    """A message of the catalogue with its values, put into words later by :func:`say`.

    A value may itself be a Msg, or a tuple of Msgs (joined by ``; ``), or the
    :class:`~quizgen.answers.Parsed` of an unreadable answer (its reason, in the language).
    """

    key: str
    values: tuple[tuple[str, Any], ...] = ()


def msg(key: str, **values) -> Msg:
    return Msg(key, tuple(values.items()))


def say(m: Msg, lang: str = "en") -> str:
    """``m`` in words, in ``lang``."""
    t = text(lang)

    def word(v):
        if isinstance(v, Msg):
            return say(v, lang)
        if isinstance(v, Parsed):
            return explain(v, lang)
        if isinstance(v, tuple) and v and all(isinstance(x, Msg) for x in v):
            return "; ".join(say(x, lang) for x in v)
        return v
    return t(m.key, **{k: word(v) for k, v in m.values})


class _Formatter(string.Formatter):
    """``str.format`` with Korean particles as format specs: ``{x:은}``, ``{x:'을}``."""

    def format_field(self, value, spec: str) -> str:
        particle = spec[1:] if spec.startswith("'") else spec
        if particle and not particle.isascii():
            shown = f"'{value}'" if spec.startswith("'") else str(value)
            return josa(shown, particle)
        return super().format_field(value, spec)


_FORMAT = _Formatter().format
_PARTICLE = re.compile(r"\{[^{}:]*:'?[^\x00-\x7f]")  # a field with a particle as its spec


@cache
def _formatter(s: str) -> Callable[..., str]:
    """``s.format`` (in C, three times faster) unless a field of ``s`` takes a Korean
    particle as its spec: the two agree on everything else. (issues.csv words a note per
    unreadable answer, hundreds in a large class, and their English detail at once.)"""
    if _PARTICLE.search(s):
        return lambda **values: _FORMAT(s, **values)
    return s.format


def text(lang: str = "en") -> Callable[..., str]:
    """A lookup ``t(key, **values)`` in ``lang`` (English where a string is missing)."""
    def t(key: str, **values) -> str:
        entry = CATALOGUE[key]
        s = entry.get(lang) or entry["en"]
        return _formatter(s)(**values) if values else s
    return t
