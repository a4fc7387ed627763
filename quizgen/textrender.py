"""Render the Jinja2 text fields of question templates (sandboxed, StrictUndefined)."""
from __future__ import annotations

from functools import lru_cache

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .errors import TemplateError
from .texfmt import FILTERS


_DICT_ATTRIBUTES = frozenset(dir(dict))


class Environment(jinja2.Environment):
    """``jinja2.Environment`` with a shortcut for ``x.name`` on a plain dict.

    Jinja looks ``x.name`` up as ``getattr(x, "name")`` and, when that raises, as
    ``x["name"]``. Templates mostly read dicts (solver contexts, message tables), where the
    first attempt fails and the exception costs ten times the lookup. For a dict this goes
    straight to the second step unless ``name`` is one of dict's own attributes (``items``,
    ``keys``...), which is exactly when the first step would have succeeded: same result.
    """

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        try:  # jinja2.Environment.getattr's first step, without the call to it
            return getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)


def _make_env(cls=SandboxedEnvironment) -> jinja2.Environment:
    env = cls(undefined=jinja2.StrictUndefined, autoescape=False,
              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    env.filters.update(FILTERS)
    return env


# Banks from elsewhere (--bank) render sandboxed; the bundled bank is ours and skips the
# sandbox's per-attribute checks, which cost a third of the build time.
ENV = _make_env()
TRUSTED_ENV = _make_env(Environment)


@lru_cache(maxsize=4096)
def compile_text(source: str, trusted: bool = False) -> jinja2.Template:
    return (TRUSTED_ENV if trusted else ENV).from_string(source)


@lru_cache(maxsize=1024)
def compile_condition(source: str):
    return ENV.compile_expression(source, undefined_to_none=False)


@lru_cache(maxsize=2)
def _globals(trusted: bool) -> dict:
    # The environments' globals never change after _make_env, so one snapshot serves all renders.
    return dict((TRUSTED_ENV if trusted else ENV).globals)


def text_scope(ctx: dict, trusted: bool = False) -> dict:
    """``ctx`` merged once with the Jinja globals, to pass to several ``render_text(..., scope=True)``.

    ``Template.render`` copies the variables and the globals on every call; a question renders
    four or more fields from the same variables, so it merges them once. Never mutated by Jinja.
    """
    return {**_globals(trusted), **ctx}


def _render(template: jinja2.Template, scope: dict, extra: dict | None = None) -> str:
    """``template.render(ctx)`` for a scope made by :func:`text_scope` (no copy of the variables).

    ``extra`` adds variables for this render only (looked up before ``scope``), without copying it.
    """
    env = template.environment
    context = env.context_class(env, scope, template.name, template.blocks, globals=_globals(env is TRUSTED_ENV))
    if extra:
        context.vars.update(extra)
    try:
        return env.concat(template.root_render_func(context))
    except Exception:
        env.handle_exception()


def render_text(source: str, ctx: dict, *, template_id: str, field: str, trusted: bool = False,
                scope: bool = False, extra: dict | None = None) -> str:
    """Render one text field; any Jinja problem becomes a TemplateError naming the field.

    With ``scope=True``, ``ctx`` is a :func:`text_scope` of the same ``trusted`` and
    ``extra`` may add variables for this field only. A text with no Jinja syntax at all
    (no brace; many feedback texts) renders as itself, so it is not run through Jinja.
    """
    if "{" not in source and "\r" not in source:  # Jinja would only normalise line breaks
        return source.strip()
    try:
        template = compile_text(source, trusted)
        if scope:
            return _render(template, ctx, extra).strip()
        return template.render({**ctx, **extra} if extra else ctx).strip()
    except jinja2.TemplateError as e:
        names = (set(ctx) - set(_globals(trusted)) if scope else set(ctx)) | set(extra or ())
        raise text_error(e, template_id, field, sorted(n for n in names if not n.startswith("_"))) from e


def text_error(e: jinja2.TemplateError, template_id: str, field: str,
               names: list[str] | None = None) -> TemplateError:
    """A TemplateError for a Jinja error in one text field, with a hint that fits its kind.

    ``path`` is the template id (callers that know the bank name the file: ``bank.locate``);
    ``text_line`` is the line within the text, when Jinja knows it.
    """
    message = (e.message or str(e)).rstrip(".")
    if isinstance(e, jinja2.TemplateAssertionError):  # an unknown filter or test, found when compiling
        err = TemplateError(f"Jinja error on line {e.lineno} of the text: {message}.",
                            path=template_id, field=field,
                            hint="Texts may use Jinja's own filters and tests and quizgen's filters: "
                                 + ", ".join(sorted(FILTERS)) + ".")
        err.text_line = e.lineno
        return err
    if isinstance(e, jinja2.TemplateSyntaxError):
        err = TemplateError(f"Jinja syntax error on line {e.lineno} of the text: {message}.",
                            path=template_id, field=field,
                            hint="Close every {{ ... }} and {% ... %} there; for a literal brace "
                                 "write {{ '{{' }} (or wrap the text in {% raw %}...{% endraw %}).")
        err.text_line = e.lineno
        return err
    if isinstance(e, jinja2.UndefinedError):
        return TemplateError(f"cannot render: {message}.", path=template_id, field=field,
                             hint="Use only names the solver provides" +
                                  (f": {', '.join(names)}." if names else "."))
    return TemplateError(f"cannot render: {message}.", path=template_id, field=field,
                         hint="This text uses something the sandbox does not allow or a filter "
                              "that does not exist; keep to plain names and the documented filters.")


def holds(condition: str, ctx: dict, *, template_id: str) -> bool:
    try:
        return bool(compile_condition(condition)(**ctx))
    except jinja2.TemplateError as e:
        raise TemplateError(f"constraint '{condition}' cannot be evaluated: {e}.",
                            path=template_id, field="constraints") from e
