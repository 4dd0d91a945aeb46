"""What setuptools would be given as dependencies, read from setup.cfg and setup.py without running either.

setup.py is parsed with `ast`, never executed, so only values written as literals count: a
string, a list or tuple of strings, a dict of those, `dict(key=...)`, `+` of such values, and
names bound once at module level to such values and never mutated. Anything else (a file read,
a loop, a call, `**kwargs` of unknown content) makes that field unknown, and an unknown
dependency field makes the whole declaration unknown: a guess would be worse than "cannot tell".

setuptools reads setup.cfg first and lets `setup()` keywords override it, so both are merged
field by field the same way.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from resolver.input import parsing

FIELDS = ("install_requires", "extras_require", "python_requires")
_MUTATORS = {"append", "extend", "insert", "remove", "pop", "clear", "update", "setdefault", "add", "sort"}
_MAX_DEPTH = 30


class Unknown(Exception):
    """A value that is not a literal: only running the code would tell it."""


@dataclass
class Declared:
    """The dependency fields one file declares: `values` are known, `unknown` say why not."""

    values: dict[str, Any] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    open_ended: str | None = None  # every field not named may still come from here (`**kwargs`)


def setup_cfg(text: str) -> Declared:
    """The `[options]` dependency fields of a setup.cfg; `file:`/`attr:` values are unknown."""
    import configparser  # only an sdist without usable PKG-INFO gets here: most runs never do

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.ParsingError as error:
        raise ValueError(f"setup.cfg cannot be parsed (line {error.errors[0][0]})") from None
    except configparser.Error as error:
        line = getattr(error, "lineno", None)
        raise ValueError(f"setup.cfg cannot be parsed ({f'line {line}' if line else type(error).__name__})") from None
    declared = Declared()
    options = parser["options"] if parser.has_section("options") else {}
    for key in ("install_requires", "python_requires"):
        if key in options:
            _cfg_value(declared, key, options[key], python=key == "python_requires")
    if parser.has_section("options.extras_require"):
        extras: dict[str, list[str]] = {}
        for extra, value in parser["options.extras_require"].items():
            if _directive(value):
                declared.unknown["extras_require"] = f"setup.cfg gives extra {extra!r} with {value.split(':')[0]}:"
                break
            extras[extra] = _requirement_list(value)
        else:
            declared.values["extras_require"] = extras
    return declared


def _cfg_value(declared: Declared, key: str, value: str, *, python: bool) -> None:
    if _directive(value):
        declared.unknown[key] = f"setup.cfg gives {key} with {value.strip().split(':')[0]}:"
    else:
        declared.values[key] = value.strip() if python else _requirement_list(value)


def _directive(value: str) -> bool:
    return value.strip().startswith(("file:", "attr:"))


def _requirement_list(value: str) -> list[str]:
    """setuptools' reading of a list option: one per line, else separated by semicolons."""
    parts = value.splitlines() if "\n" in value else value.split(";")
    return [part.strip() for part in parts if part.strip() and not part.strip().startswith("#")]


def setup_py(source: bytes) -> Declared:
    """The dependency fields of the one `setup(...)` call in a setup.py.

    Raises ValueError when there is no single call to read (none, several, or not Python 3).
    """
    try:
        tree = parsing.python_source(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise ValueError(f"setup.py is not Python 3 that can be parsed ({type(error).__name__})") from None
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and _is_setup(node.func)]
    if len(calls) != 1:
        raise ValueError(f"setup.py has {len(calls) or 'no'} setup() call{'s' if len(calls) > 1 else ''}")
    scope = _Scope(tree)
    declared = Declared()
    for keyword in calls[0].keywords:
        if keyword.arg is None:
            try:
                spread = scope.value(keyword.value)
            except Unknown as error:
                declared.open_ended = f"setup.py passes **{ast.unparse(keyword.value)} ({error})"
                continue
            if not isinstance(spread, dict):
                declared.open_ended = f"setup.py passes **{ast.unparse(keyword.value)}, not a dict"
                continue
            for key in FIELDS:
                if key in spread:
                    _check(declared, key, spread[key], "setup.py")
        elif keyword.arg in FIELDS:
            try:
                _check(declared, keyword.arg, scope.value(keyword.value), "setup.py")
            except Unknown as error:
                declared.unknown[keyword.arg] = f"setup.py computes {keyword.arg} ({error})"
    if calls[0].args:
        declared.open_ended = "setup.py passes setup() positional arguments"
    return declared


def _check(declared: Declared, key: str, value: Any, where: str) -> None:
    """Keep `value` if it has the shape setuptools accepts for `key`, else mark it unknown."""
    if key == "python_requires":
        ok = isinstance(value, str)
    elif key == "install_requires":
        ok = isinstance(value, str) or _strings(value)
        value = _requirement_lines(value) if ok else value
    else:
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and (isinstance(v, str) or _strings(v)) for k, v in value.items()
        )
        value = {k: _requirement_lines(v) for k, v in value.items()} if ok else value
    if ok:
        declared.values[key] = value
    else:
        declared.unknown[key] = f"{where} gives {key} a value of an unexpected type"


def _strings(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value)


def _requirement_lines(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """A requirement value as setuptools reads it: a string holds one requirement a line."""
    items = value.splitlines() if isinstance(value, str) else value
    lines = [item.split(" #", 1)[0].strip() for item in items]
    return [line for line in lines if line and not line.startswith("#")]


def merged(cfg: Declared | None, py: Declared | None) -> tuple[dict[str, Any], str | None, str]:
    """The fields setuptools would end up with: (values, why they are unknown or None, origin).

    The origin is the file the dependencies came from ("setup.py" when neither file names any).
    """
    values: dict[str, Any] = {}
    origins: set[str] = set()
    for key in FIELDS:
        for declared, where in ((py, "setup.py"), (cfg, "setup.cfg")):
            if declared is None:
                continue
            if key in declared.unknown:
                return {}, declared.unknown[key], where
            if key in declared.values:
                values[key] = declared.values[key]
                origins.add(where if key != "python_requires" else "")
                break
            if declared.open_ended is not None:
                return {}, declared.open_ended, where
    origin = "setup.cfg" if "setup.cfg" in origins and "setup.py" not in origins else "setup.py"
    return values, None, origin if py is not None else "setup.cfg"


def _is_setup(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "setup") or (
        isinstance(func, ast.Attribute) and func.attr == "setup" and isinstance(func.value, ast.Name)
    )


class _Scope:
    """Module-level names bound once, by a plain assignment, to something never mutated."""

    def __init__(self, tree: ast.Module) -> None:
        stores: dict[str, int] = {}
        self.tainted: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                stores[node.id] = stores.get(node.id, 0) + 1
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                self.tainted.update(node.names)
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.attr in _MUTATORS or isinstance(node.ctx, ast.Store):
                    self.tainted.add(node.value.id)
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Name)
                and isinstance(node.ctx, (ast.Store, ast.Del))
            ):
                self.tainted.add(node.value.id)
        self.bound: dict[str, ast.expr] = {}
        for statement in tree.body:
            if (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
            ):
                name = statement.targets[0].id
                if stores.get(name) == 1 and name not in self.tainted:
                    self.bound[name] = statement.value

    def value(self, node: ast.expr, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            raise Unknown("nested too deeply")
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, bool, type(None))):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.value(item, depth + 1) for item in node.elts]
        if isinstance(node, ast.Dict):
            if any(key is None for key in node.keys):
                raise Unknown("a dict with ** in it")
            keys = [self.value(key, depth + 1) for key in node.keys]  # type: ignore[arg-type]  # no None key: checked just above
            if not all(isinstance(key, str) for key in keys):
                raise Unknown("a dict whose keys are not all strings")
            return dict(zip(keys, (self.value(v, depth + 1) for v in node.values), strict=True))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
            if node.args or any(k.arg is None for k in node.keywords) or "dict" in self.bound:
                raise Unknown("dict() with more than keywords")
            return {k.arg: self.value(k.value, depth + 1) for k in node.keywords}
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.value(node.left, depth + 1), self.value(node.right, depth + 1)
            if type(left) is type(right) and isinstance(left, (list, str)):
                return left + right
            raise Unknown("+ of values that are not both lists or both strings")
        if isinstance(node, ast.Name):
            if node.id not in self.bound:
                raise Unknown(f"{node.id} is not a name bound once, at module level, to a literal")
            return self.value(self.bound[node.id], depth + 1)
        raise Unknown(f"{type(node).__name__.lower()} {_excerpt(node)}")


def _excerpt(node: ast.expr) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."
