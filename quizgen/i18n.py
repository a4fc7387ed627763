"""Fixed strings of papers and keys, in every supported language.

Question texts live in the bank; these are the words around them.
"""
from __future__ import annotations

import re

from .model import LANGS

MESSAGES = {
    "en": {
        "student": "Student", "student_id": "ID", "name": "Name", "variant": "Variant",
        "course": "Course", "question": "Question", "points": "points", "point": "point",
        "answer": "Answer", "your_answer": "Your answer", "solution": "Worked solution",
        "misconceptions": "Typical mistakes", "pytorch": "Check it in PyTorch",
        "key_title": "Instructor key", "options": "Options", "total": "Total",
        "answer_hint_integer": "a whole number", "answer_hint_real": "a number",
        "answer_hint_shape": "the sizes the question asks for, separated by x",
        "answer_hint_vector": "numbers separated by commas",
        "answer_hint_matrix": "rows separated by ';' (e.g. 1 2; 3 4)",
        "answer_hint_choice": "one letter", "answer_hint_choices": "all letters that apply",
        "tolerance": "accepted within", "page": "Page", "of": "of",
        "confidential": "Confidential: do not hand out.",
        # typeset papers, HTML pages and the practice page
        "page_of": "Page {n} of {m}", "exam": "Exam", "write_name": "Name",
        "answers_table": "Answers", "choose_one": "mark one", "choose_all": "mark all that apply",
        "practice_title": "Practice", "topic": "Topic", "level": "Level",
        "check": "Check", "show_solution": "Show solution", "hide_solution": "Hide solution",
        "correct": "Correct!", "incorrect": "Not correct.",
        "partly": "Partly correct: {k} of {n} parts are right.",
        "partly_ticks": "Partly correct: {k} of the {n} right options ticked.",
        "partly_ticks_wrong": "Partly correct: {k} of the {n} right options ticked; wrong ticks: {w} "
                              "(each takes away one right one).",
        "incorrect_ticks": "Not correct: {k} of the {n} right options ticked, but wrong ticks: {w} "
                           "(each takes away one right one).",
        "invalid": "Cannot read this answer: {reason}.", "read_as": "Read as: {value}",
        "practice_note": "Answers are checked in this page with the grader's rules; "
                         "nothing is sent anywhere.",
        # points beside a question: "1 point", "2 points" (Korean: "1점")
        "point_n": "{n} point", "points_n": "{n} points",
        "blank_answer": "Type an answer first.",
        # read by screen readers before an answer box's label ("Question 3: Your answer (...)")
        "answer_field_of": "Question {n}:",
        # names of the boxes that scroll sideways when a table or formula is wider than the
        # window (read by screen readers when the box gets the keyboard focus)
        "scroll_table": "Table", "scroll_formula": "Formula",
        # topic names (practice page); a topic without one is shown by its id
        "topic_name_activation": "Activation functions", "topic_name_backprop": "Backpropagation",
        "topic_name_concepts": "Concepts", "topic_name_convolution": "Convolution",
        "topic_name_fc-vs-conv": "Fully connected vs convolutional layers",
        "topic_name_gradient-descent": "Gradient descent", "topic_name_loss": "Loss functions",
        "topic_name_param-count": "Parameter counts", "topic_name_pooling": "Pooling",
        "topic_name_receptive-field": "Receptive fields", "topic_name_output-shape": "Output shapes",
    },
    "ko": {
        "student": "학생", "student_id": "학번", "name": "이름", "variant": "문제지 유형",
        "course": "과목", "question": "문제", "points": "점", "point": "점",
        "answer": "정답", "your_answer": "답", "solution": "풀이",
        "misconceptions": "자주 하는 실수", "pytorch": "PyTorch로 확인하기",
        "key_title": "채점용 정답지", "options": "보기", "total": "합계",
        "answer_hint_integer": "정수", "answer_hint_real": "수, 소수점 사용 가능",  # not 실수: also "mistake"
        "answer_hint_shape": "문제가 묻는 크기를 x로 구분",
        "answer_hint_vector": "쉼표로 구분한 수",
        "answer_hint_matrix": "행을 ';'로 구분 (예: 1 2; 3 4)",
        "answer_hint_choice": "보기 하나", "answer_hint_choices": "해당하는 보기 모두",
        "tolerance": "허용 오차", "page": "쪽", "of": "/",
        "confidential": "대외비: 학생에게 배포하지 마십시오.",
        "page_of": "{n} / {m} 쪽", "exam": "시험", "write_name": "이름",
        "answers_table": "정답 요약", "choose_one": "하나만 표시", "choose_all": "해당하는 것 모두 표시",
        "practice_title": "연습 문제", "topic": "주제", "level": "난이도",
        "check": "확인", "show_solution": "풀이 보기", "hide_solution": "풀이 숨기기",
        "correct": "정답입니다!", "incorrect": "틀렸습니다.",
        "partly": "부분 정답: {n}개 중 {k}개가 맞았습니다.",
        "partly_ticks": "부분 정답: 맞는 보기 {n}개 중 {k}개를 골랐습니다.",
        "partly_ticks_wrong": "부분 정답: 맞는 보기 {n}개 중 {k}개를 골랐지만 틀린 보기도 {w}개 "
                              "골랐습니다(틀린 보기 하나가 맞는 보기 하나를 상쇄합니다).",
        "incorrect_ticks": "틀렸습니다: 맞는 보기 {n}개 중 {k}개를 골랐지만 틀린 보기도 {w}개 "
                           "골랐습니다. 틀린 보기 하나가 맞는 보기 하나를 상쇄합니다.",
        "invalid": "답을 읽을 수 없습니다: {reason}.", "read_as": "읽은 값: {value}",
        "practice_note": "답은 채점기와 같은 규칙으로 이 페이지 안에서 확인하며, 어디에도 전송되지 않습니다.",
        "point_n": "{n}점", "points_n": "{n}점",
        "blank_answer": "답을 입력하십시오.",
        "answer_field_of": "{n}번 문제의",  # "3번 문제의 답 (...)"
        "scroll_table": "표", "scroll_formula": "수식",
        "topic_name_activation": "활성화 함수", "topic_name_backprop": "역전파",
        "topic_name_concepts": "개념", "topic_name_convolution": "합성곱",
        "topic_name_fc-vs-conv": "완전 연결 층과 합성곱 층",
        "topic_name_gradient-descent": "경사 하강법", "topic_name_loss": "손실 함수",
        "topic_name_param-count": "파라미터 수", "topic_name_pooling": "풀링",
        "topic_name_receptive-field": "수용 영역", "topic_name_output-shape": "출력 형태",
    },
}


def messages(lang: str) -> dict:
    """The message table for ``lang`` (English for anything missing)."""
    if lang not in LANGS:
        lang = "en"
    return {**MESSAGES["en"], **MESSAGES[lang]}


# Comments of the PyTorch snippets (written by the solvers and the bank in English), in the
# other languages: the whole comment text, or a pattern for one that holds numbers. A comment
# that is only code or numbers (a shape such as ``[1, 6, 6]``) stays as it is.
CODE_COMMENTS = {
    "ko": {
        "a batch of one": "배치 크기 1",
        "the single output channel": "출력 채널은 하나",
        "the upstream gradient": "상위 기울기(upstream gradient)",
        "an output in the middle": "가운데에 있는 출력 하나",
        "the pattern is away from the border": "패턴이 가장자리에서 떨어져 있음",
        "each y_i depends only on x_i": "각 y_i는 x_i에만 의존함",
        "min pooling = -maxpool(-x)": "최소 풀링 = -maxpool(-x)",
        "positive weights and biases: no ReLU or sum cancels a path":
            "가중치와 편향이 모두 양수이면 ReLU나 합이 어떤 경로도 지우지 않음",
        "max pooling routes to one position: average to count them all":
            "맥스 풀링은 한 위치로만 기울기를 보내므로 평균 풀링으로 바꿔 모두 셈",
        "max pooling routes to one pixel: average to see them all":
            "맥스 풀링은 한 픽셀로만 기울기를 보내므로 평균 풀링으로 바꿔 모두 봄",
        "0-based row, column": "0부터 센 행, 열",
        "True = it can change the output": "True이면 출력을 바꿀 수 있음",
    },
}
CODE_COMMENT_PATTERNS = {
    "ko": (
        (re.compile(r"run (\d+): lr = (\S+)"), r"실행 \1: lr = \2"),
        (re.compile(r"(\d+) weights \+ (\d+) bias(?:es)?"), r"가중치 \1개 + 편향 \2개"),
    ),
}
_COMMENT = re.compile(r"(?m)(^|\s)# (.+)$")


def localize_code(code: str, lang: str) -> str:
    """A PyTorch snippet with its ``# comments`` in ``lang`` (the code itself unchanged).

    A comment without a translation stays in English (a test checks that the bank has none).
    """
    table, patterns = CODE_COMMENTS.get(lang), CODE_COMMENT_PATTERNS.get(lang, ())
    if not table:
        return code

    def one(m: re.Match) -> str:
        text = m.group(2).rstrip()
        if text in table:
            return f"{m.group(1)}# {table[text]}"
        for pattern, repl in patterns:
            if pattern.fullmatch(text):
                return f"{m.group(1)}# {pattern.sub(repl, text)}"
        return m.group(0)

    return _COMMENT.sub(one, code)
