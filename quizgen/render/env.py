"""The Jinja2 environment for output templates (``templates/<format>/``).

A user's ``--templates DIR`` is searched first, then the bundled folder, so a user
may override a single file. Rendering is sandboxed with StrictUndefined.
"""
from __future__ import annotations

import re
import traceback
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from .. import answers, texfmt
from ..errors import RenderError
from ..resources import templates_dir
from ..textrender import Environment
from .common import points_text


def _md_text(value) -> str:
    from .markdown import md_text  # (markdown imports this module)
    return md_text(value)


@lru_cache(maxsize=16)
def environment(user_dir: str | None = None, autoescape: bool = False) -> jinja2.Environment:
    dirs = ([user_dir] if user_dir else []) + [str(templates_dir())]
    # A user's templates render sandboxed; the bundled ones are ours and skip its checks.
    cls = SandboxedEnvironment if user_dir else Environment
    env = cls(loader=jinja2.FileSystemLoader(dirs), undefined=jinja2.StrictUndefined,
              autoescape=autoescape, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(texfmt.FILTERS)
    env.filters["answer"] = lambda q: answers.format_answer(q.answer_type, q.answer_value,
                                                           q.decimals, q.options)
    env.filters["value"] = lambda v, q: answers.format_answer(q.answer_type, v, q.decimals, q.options)
    env.filters["points"] = points_text  # {{ q|points(t) }}: "2 points", "2점"
    env.filters["md"] = _md_text  # plain text (a name, a title) shown as it is in Markdown
    env.globals["letter"] = answers.letters
    return env


def render(name: str, ctx: dict, *, user_dir: str | Path | None = None, autoescape: bool = False) -> str:
    """Render ``templates/<name>``; template problems become RenderError naming the file."""
    env = environment(str(user_dir) if user_dir else None, autoescape)
    try:
        return env.get_template(name).render(ctx)
    except jinja2.TemplateNotFound as e:
        raise RenderError(f"output template '{name}' not found.", path=str(user_dir or templates_dir()),
                          hint="Copy the bundled templates folder and edit the copy.") from e
    except jinja2.TemplateSyntaxError as e:
        raise RenderError(f"template syntax error: {e.message}.", path=e.filename or name,
                          line=e.lineno) from e
    except UnicodeDecodeError as e:
        raise _not_utf8(e, name, user_dir) from e
    except SecurityError as e:
        found = re.search(r"attribute '([^']*)'", str(e))
        what = f"'{found.group(1)}'" if found else "an attribute"
        raise RenderError(f"it uses {what}, which an output template may not use (names starting with "
                          "'_' and Python's own methods are blocked, so that a template cannot reach "
                          "files or run programs).", **_where(e, name, user_dir),
                          hint="Use only the names the bundled template uses.") from e
    except jinja2.TemplateError as e:
        raise RenderError(f"cannot render: {str(e).rstrip('.')}.", **_where(e, name, user_dir),
                          hint="Use only the names the bundled template uses.") from e


def _where(e: Exception, name: str, user_dir) -> dict:
    """The template file and line where ``e`` arose: the innermost template of the traceback
    (an included or extended one, too), else ``name``."""
    found = None
    for frame, lineno in traceback.walk_tb(e.__traceback__):
        file = frame.f_code.co_filename
        if file.endswith((".j2", ".html", ".md", ".typ", ".css", ".js")) and Path(file).is_file():
            found = {"path": file, "line": lineno}
    return found or {"path": _user_file(name, user_dir), "line": _line(e, name)}


def _user_file(name: str, user_dir) -> str:
    """``DIR/name`` when the user's templates folder holds ``name``, else ``name``."""
    if user_dir and (Path(user_dir) / name).is_file():
        return str(Path(user_dir) / name)
    return name


def _line(e: Exception, name: str) -> int | None:
    """The line of template ``name`` where ``e`` arose (Jinja puts template lines in the traceback)."""
    line = None
    for frame, lineno in traceback.walk_tb(e.__traceback__):
        if frame.f_code.co_filename.replace("\\", "/").endswith(name):
            line = lineno
    return line


def _not_utf8(e: UnicodeDecodeError, name: str, user_dir) -> RenderError:
    """The user's template that is not UTF-8: ``name`` itself, or one it extends or includes."""
    first = _user_file(name, user_dir)
    candidates = [Path(first)] + (sorted(p for p in Path(user_dir).rglob("*") if p.is_file())
                                  if user_dir else [])
    path, line = first, None
    for candidate in candidates:
        try:
            raw = candidate.read_bytes()
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            path, line = str(candidate), raw[:bad.start].count(b"\n") + 1
            break
        except OSError:
            continue
    return RenderError("this output template is not UTF-8 text.", path=path, line=line,
                       hint="Save it as UTF-8 in your editor.")


def source(name: str, *, user_dir: str | Path | None = None) -> str:
    """A bundled or user file (CSS, JavaScript) verbatim, not rendered as a template."""
    env = environment(str(user_dir) if user_dir else None, True)
    try:
        text, _, _ = env.loader.get_source(env, name)
    except UnicodeDecodeError as e:
        raise _not_utf8(e, name, user_dir) from e
    except jinja2.TemplateNotFound as e:
        raise RenderError(f"output template '{name}' not found.", path=str(user_dir or templates_dir()),
                          hint="Copy the bundled templates folder and edit the copy.") from e
    return text
