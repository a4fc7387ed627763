"""``python -m quizgen.render.pdf_part FOLDER``: typeset one part of a large class.

FOLDER holds the Typst templates, data.json and job.json written by
:func:`quizgen.render.pdf._typeset_part_apart`; the result (part.pdf, student-K.pdf, or
error.json) is written back into it. A separate process so that Typst's memory is
returned to the system when the part is done.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .pdf import run_part

if __name__ == "__main__":
    sys.exit(run_part(Path(sys.argv[1])))
