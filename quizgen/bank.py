"""Find, safe-load and validate the question bank (``question_bank/**/*.yaml``)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

from . import resources
from .errors import BankError, QuizgenError, TemplateError
from .template import Template, template_from_dict


def _node_of(text: str, field: str):
    """(1-based line, YAML node) of a dotted field path (``levels.1.params.n``) in YAML text.

    When the path is not found to its end, the deepest part found (its node is then None).
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None, None
    line = None
    for part in field.replace("]", "").replace("[", ".").split("."):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if str(k.value) == part:
                    line, node = k.start_mark.line + 1, v
                    break
            else:
                return line, None
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            return line, None
    return line, node


def _line_of(text: str, field: str) -> int | None:
    """1-based line of a dotted field path (``levels.1.params.n``) in YAML text, if found."""
    return _node_of(text, field)[0]


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping repeats a key (YAML itself would silently keep the last value)."""

    def __init__(self, key, first_line: int, mark):
        self.key, self.first_line = key, first_line
        super().__init__(None, None, f"the key '{key}' appears twice (first on line {first_line})", mark)


class _UniqueKeys:
    """A constructor mixin that refuses a mapping with the same key twice."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # a merge (<<) may override keys: that is what it is for
                key = self.construct_object(key_node)  # cached: built once
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise DuplicateKeyError(key, seen[key], key_node.start_mark)
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


class BadDateError(yaml.constructor.ConstructorError):
    """An unquoted value shaped like a date that is none (``2026-13-45``): PyYAML's timestamp
    constructor raises a bare ValueError there, with no line."""

    def __init__(self, value: str, key, mark):
        self.value, self.key = value, key
        super().__init__(None, None, f"{value} is not a date", mark)


def _timestamp(loader, node):
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as e:
        raise BadDateError(node.value, None, node.start_mark) from e


class _UniqueKeysAndDates(_UniqueKeys):
    def construct_mapping(self, node, deep=False):
        try:
            return super().construct_mapping(node, deep=deep)
        except BadDateError as e:
            if e.key is None and isinstance(node, yaml.MappingNode):  # the key of the bad value
                e.key = next((k.value for k, v in node.value
                              if v.start_mark.index == e.problem_mark.index), None)
            raise


class UniqueKeyLoader(_UniqueKeysAndDates, yaml.SafeLoader):
    """``yaml.SafeLoader`` that raises :class:`DuplicateKeyError` for a repeated mapping key
    and :class:`BadDateError` for a date that does not exist."""


# libyaml's parser when PyYAML has it (same safe constructor, same data, ~8x faster).
_FAST_LOADER = (type("FastUniqueKeyLoader", (_UniqueKeysAndDates, yaml.CSafeLoader), {})
                if hasattr(yaml, "CSafeLoader") else UniqueKeyLoader)
for _loader in {UniqueKeyLoader, _FAST_LOADER}:
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def safe_load(text: str):
    """``yaml.safe_load`` that also refuses repeated keys (:class:`DuplicateKeyError`, a YAMLError)."""
    try:
        return yaml.load(text, Loader=_FAST_LOADER)
    except (DuplicateKeyError, BadDateError):
        raise
    except yaml.YAMLError:
        return yaml.load(text, Loader=UniqueKeyLoader)  # the pure-Python loader's message and line


def load_yaml(path: Path, what: str = "file"):
    """Safe-load one YAML file; syntax errors become BankError with the line."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise BankError(f"cannot read this {what}: {e.strerror or e}.", path=str(path)) from e
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        utf16 = raw.startswith((b"\xff\xfe", b"\xfe\xff"))
        raise BankError(f"this {what} is not UTF-8 text" + (" (it is UTF-16)." if utf16 else
                        f" (byte 0x{raw[e.start]:02x} there is not)."), path=str(path),
                        line=None if utf16 else raw[:e.start].count(b"\n") + 1,
                        hint="Save it as UTF-8 in your editor (an accented or Korean letter typed in "
                             "another encoding is the usual cause).") from e
    if "\x00" in text:
        raise BankError(f"this {what} holds a NUL character (a zero byte), which a text file never has.",
                        path=str(path), line=text[:text.index("\x00")].count("\n") + 1,
                        hint="Delete it in a text editor, or save the file again as UTF-8 text.")
    try:
        return text, safe_load(text)
    except BadDateError as e:
        raise BankError(f"{e.value} is not a date (YYYY-MM-DD).", path=str(path),
                        line=e.problem_mark.line + 1, field=e.key,
                        hint="Write a real date, e.g. 2026-12-01.") from e
    except yaml.reader.ReaderError as e:
        char = e.character if isinstance(e.character, str) else chr(e.character)
        raise BankError(f"the character U+{ord(char):04X} is not allowed in YAML (a control character, "
                        "often from copying text out of another program).", path=str(path),
                        line=text[:e.position].count("\n") + 1,
                        hint="Delete it in a text editor, or save the file again as UTF-8 text.") from e
    except DuplicateKeyError as e:
        raise BankError(f"the key '{e.key}' appears twice in the same mapping (first on line "
                        f"{e.first_line}); YAML would silently keep only this second one.",
                        path=str(path), line=e.problem_mark.line + 1,
                        hint="Remove one of them, or merge the two into one.") from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        raise BankError(f"YAML syntax error: {problem}.", path=str(path),
                        line=mark.line + 1 if mark else None,
                        hint="Fix the indentation or quoting there.") from e


def load_template_file(path: Path, trusted: bool = False) -> Template:
    text, data = load_yaml(path, "template file")
    try:
        return template_from_dict(data, str(path), trusted)
    except BankError as e:
        if e.field and e.line is None:
            e.line = _line_of(text, e.field)
            e.args = (e.format(),)
        raise


@dataclass(frozen=True)
class Bank:
    """All templates of one or more bank folders, by id. ``digest`` hashes every file's bytes."""

    root: Path
    templates: dict
    digest: str
    roots: tuple = ()   # every folder loaded, ``root`` first

    def get(self, template_id: str) -> Template:
        return self.templates[template_id]

    def topics(self) -> dict[str, list[Template]]:
        out: dict[str, list[Template]] = {}
        for t in sorted(self.templates.values(), key=lambda t: t.id):
            out.setdefault(t.topic, []).append(t)
        return out

    def with_topic(self, topic: str, level: int | None = None) -> list[Template]:
        return [t for t in sorted(self.templates.values(), key=lambda t: t.id)
                if t.topic == topic and (level is None or level in t.levels)]

    def describe(self) -> str:
        """The folders, for messages: ``a`` or ``a + b``."""
        return " + ".join(str(r) for r in (self.roots or (self.root,)))


BUNDLED = "bundled"  # as a --bank value: the bank that comes with quizgen


def bank_roots(root: str | Path | Iterable | None) -> list[Path]:
    """``--bank`` value(s) -> folders; None or ``bundled`` is the bundled bank."""
    items = [root] if root is None or isinstance(root, (str, Path)) else list(root)
    if not items:
        items = [None]
    out = []
    for item in items:
        path = resources.bank_dir() if item is None or str(item) == BUNDLED else Path(item)
        if path.resolve() not in [p.resolve() for p in out]:
            out.append(path)
    return out


def load_bank(root: str | Path | Iterable | None = None) -> Bank:
    """Load every ``*.yaml`` and ``*.yml`` under ``root`` (default: the bundled bank).

    ``root`` may be several folders (``["bundled", "my_bank"]``): their templates are
    put together, and a template id may appear in only one of them.
    """
    roots = bank_roots(root)
    from . import solvers

    templates: dict[str, Template] = {}
    digest = hashlib.sha256()
    for k, folder in enumerate(roots):
        if not folder.is_dir():
            raise BankError("the question bank folder does not exist.", path=str(folder),
                            hint=f"Give a folder of template files, or '{BUNDLED}' for the bundled bank.")
        files = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise BankError("no template files (*.yaml, *.yml) in the question bank folder.", path=str(folder))
        trusted = folder.resolve() == resources.bank_dir().resolve()
        prefix = f"{k}:".encode() if len(roots) > 1 else b""  # one folder: the digest it always had
        for path in files:
            digest.update(prefix + path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
            t = load_template_file(path, trusted)
            if t.id in templates:
                raise BankError(f"template id '{t.id}' is also used by {templates[t.id].path}.",
                                path=str(path), field="id", hint="Give each template its own id.")
            if solvers.get(t.solver) is None:
                raise BankError(f"unknown solver '{t.solver}'.", path=str(path), field="solver",
                                line=_line_of(path.read_text(encoding="utf-8"), "solver"),
                                hint="Known solvers: " + ", ".join(solvers.names()) + ".")
            templates[t.id] = t
    return Bank(roots[0], templates, "sha256:" + digest.hexdigest(), tuple(roots))


def locate(err: QuizgenError, bank: Bank, lang: str = "en") -> QuizgenError:
    """A Jinja error in a template's text names the template id (the renderer knows no more):
    return it naming the template file, the YAML field (``prompt.en``) and its line instead.

    Any other error is returned as it is.
    """
    template = bank.templates.get(err.path) if isinstance(err, TemplateError) and err.field else None
    return err if template is None else locate_in(err, template, lang)


def locate_in(err: TemplateError, template: Template, lang: str = "en") -> TemplateError:
    """:func:`locate` for an error of ``template``'s text field ``err.field``."""
    field, texts = err.field, None
    if field in ("title", "prompt", "solution"):
        texts = getattr(template, field)
    elif field.startswith("misconceptions.") and field.endswith(".feedback"):
        mid = field[len("misconceptions."):-len(".feedback")]
        k = next((k for k, m in enumerate(template.misconceptions) if m.id == mid), None)
        if k is not None:
            field, texts = f"misconceptions.{k}.feedback", template.misconceptions[k].feedback
    try:
        text = Path(template.path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    line, node = _node_of(text, field)
    if isinstance(node, yaml.MappingNode) and texts:  # {en: ..., ko: ...}: the language rendered
        field += "." + (lang if texts.get(lang) else "en")
        line, node = _node_of(text, field)
    text_line = getattr(err, "text_line", None)
    if isinstance(node, yaml.ScalarNode) and text_line:
        # a block scalar (| or >) starts on the line after its indicator
        line = node.start_mark.line + (1 if node.style in ("|", ">") else 0) + text_line
    return TemplateError(f"template '{template.id}': {err.message}", path=template.path, line=line,
                         field=field, hint=err.hint)
