"""Every exception quizgen raises on purpose.

The CLI turns any :class:`QuizgenError` into one paragraph on stderr and exit
code 2; anything else is a bug.
"""
from __future__ import annotations

import difflib
from typing import Iterable


class QuizgenError(Exception):
    """Base class. ``str(err)`` is the whole user-facing paragraph."""

    def __init__(self, message: str, *, path: str | None = None,
                 line: int | None = None, field: str | None = None,
                 hint: str | None = None):
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        self.hint = hint
        super().__init__(self.format())

    def __reduce__(self):
        # Keep path/line/field/hint when an error travels back from a build worker process.
        return _restore, (type(self), self.args, self.__dict__)

    def format(self) -> str:
        where = []
        if self.path:
            where.append(str(self.path) + (f", line {self.line}" if self.line else ""))
        if self.field:
            where.append(f"field '{self.field}'")
        text = (": ".join([", ".join(where), self.message]) if where else self.message)
        if self.hint:
            text += " " + self.hint
        return text


def did_you_mean(word: object, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """``"Did you mean 'x'? "`` for the closest of ``choices``; empty when none is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=cutoff)
    return f"Did you mean '{close[0]}'? " if close else ""


def _restore(cls, args, state):
    err = Exception.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err


class BankError(QuizgenError):
    """Raised when a question-bank YAML file is unreadable or invalid."""


class TemplateError(QuizgenError):
    """Raised when a template cannot be sampled, solved or rendered."""


class ExamError(QuizgenError):
    """Raised when an exam file is unreadable or names something unknown."""


class RosterError(QuizgenError):
    """Raised when a roster CSV is unreadable, lacks student_id or repeats an id."""


class SecretError(QuizgenError):
    """Raised when the exam secret cannot be found, read or created."""


class OutputError(QuizgenError):
    """Raised when an output folder cannot be written or would overwrite another exam."""


class ShapeError(QuizgenError):
    """Raised when a layer stack cannot be applied to an input shape."""


class KeyFormatError(QuizgenError):
    """Raised when a key.json is not a quizgen key or has an unknown format version."""


class SubmissionError(QuizgenError):
    """Raised when a submission CSV cannot be read at all."""


class RenderError(QuizgenError):
    """Raised when a paper cannot be rendered (bad user template, missing font, Typst error)."""


class ExportError(QuizgenError):
    """Raised when an LMS export cannot be written."""


class QuizgenNote(UserWarning):
    """Issued (``warnings.warn``) for something the user should know that is not an error,
    e.g. that an earlier killed run's leftovers were cleaned up; the CLI prints it as a note."""
