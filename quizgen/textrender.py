"""Render the Jinja2 text fields of question templates (sandboxed, StrictUndefined)."""
from __future__ import annotations

from functools import lru_cache

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .errors import TemplateError
from .texfmt import FILTERS


def _make_env(cls=SandboxedEnvironment) -> jinja2.Environment:
    env = cls(undefined=jinja2.StrictUndefined, autoescape=False,
              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    env.filters.update(FILTERS)
    return env


# Banks from elsewhere (--bank) render sandboxed; the bundled bank is ours and skips the
# sandbox's per-attribute checks, which cost a third of the build time.
ENV = _make_env()
TRUSTED_ENV = _make_env(jinja2.Environment)


@lru_cache(maxsize=4096)
def compile_text(source: str, trusted: bool = False) -> jinja2.Template:
    return (TRUSTED_ENV if trusted else ENV).from_string(source)


@lru_cache(maxsize=1024)
def compile_condition(source: str):
    return ENV.compile_expression(source, undefined_to_none=False)


def render_text(source: str, ctx: dict, *, template_id: str, field: str, trusted: bool = False) -> str:
    """Render one text field; any Jinja problem becomes a TemplateError naming the field."""
    try:
        return compile_text(source, trusted).render(ctx).strip()
    except jinja2.TemplateError as e:
        raise TemplateError(f"cannot render: {e}.", path=template_id, field=field,
                            hint="Use only names the solver provides (see `quizgen preview`).") from e


def holds(condition: str, ctx: dict, *, template_id: str) -> bool:
    try:
        return bool(compile_condition(condition)(**ctx))
    except jinja2.TemplateError as e:
        raise TemplateError(f"constraint '{condition}' cannot be evaluated: {e}.",
                            path=template_id, field="constraints") from e
