"""Reading department-editable YAML data files so that every mistake names its line.

Grading schemes (``hub.grading.scheme_file``) and measures lists (``hub.supervision.measures``) are
YAML files a department writes and edits by hand; a refusal that says only "invalid" sends the
editor hunting, so each one points at the line of the mistake. This module holds what both readers
share: a SafeLoader whose mappings and sequences remember their lines (``LineMap``, ``LineSeq``) and
which refuses a repeated key (plain SafeLoader silently keeps the last), the translation of YAML
syntax errors to a line, and ``FileProblem`` — what a validator raises — turned into the reader's
own error type (a ``DataFileError`` subclass) by ``read_data_file``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml

from hub.errors import ConfigurationError

T = TypeVar("T")


class FileProblem(Exception):
    """A mistake at ``line`` (1-based) of the file being read; the reader adds the file."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


class DataFileError(ConfigurationError, ValueError):
    """A data file (or the directory holding it) is malformed: "<file> line N: <problem>"."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        self.path, self.line, self.problem = path, line, problem
        super().__init__(f"{path.name} line {line}: {problem}" if line is not None else f"{path}: {problem}")


class LineMap(dict[str, Any]):
    """A YAML mapping that remembers its start line and the line of each key (1-based)."""

    line: int = 1
    key_lines: dict[str, int]

    def at(self, key: str) -> int:
        """The line of ``key``, or the mapping's own line when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineSeq(list[Any]):
    """A YAML sequence that remembers its start line (1-based)."""

    line: int = 1


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that records where every mapping, sequence and mapping key starts."""


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    mapping = LineMap()
    mapping.line, mapping.key_lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key, line = loader.construct_object(key_node, deep=True), key_node.start_mark.line + 1
        if not isinstance(key, str):
            raise FileProblem(line, f"key {key!r} is not a name")
        if key in mapping:
            raise FileProblem(line, f"key {key!r} appears twice (first on line {mapping.key_lines[key]})")
        mapping[key], mapping.key_lines[key] = loader.construct_object(value_node, deep=True), line
    return mapping


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> LineSeq:
    sequence = LineSeq(loader.construct_object(child, deep=True) for child in node.value)
    sequence.line = node.start_mark.line + 1
    return sequence


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def load_yaml(path: str | os.PathLike[str], *, parser_context: bool = False) -> object:
    """The document in ``path``, its mappings ``LineMap``s and its sequences ``LineSeq``s.

    Raises ``DataFileError`` when the file cannot be read, is not YAML (at the line of the syntax
    error; with ``parser_context``, also naming where the enclosing construct began) or repeats a key.
    """
    path = Path(path)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(path, None, f"cannot be read: {exc}") from exc
    except yaml.MarkedYAMLError as exc:
        mark, context = exc.problem_mark or exc.context_mark, exc.context_mark
        where = f" ({exc.context} on line {context.line + 1})" if parser_context and exc.context and context else ""
        raise DataFileError(path, mark.line + 1 if mark else None, f"YAML syntax error: {exc.problem}{where}") from exc
    except yaml.YAMLError as exc:
        raise DataFileError(path, None, f"YAML error: {exc}") from exc
    except FileProblem as problem:
        raise DataFileError(path, problem.line, problem.message) from None


def read_data_file(path: str | os.PathLike[str], build: Callable[[object], T], error: type[DataFileError], *,
                   parser_context: bool = False) -> T:
    """``build`` the document in ``path``; any problem, in the file or raised by ``build`` as a
    ``FileProblem``, becomes ``error`` (the reader's own ``DataFileError``) naming the file and line."""
    path = Path(path)
    try:
        return build(load_yaml(path, parser_context=parser_context))
    except FileProblem as problem:
        raise error(path, problem.line, problem.message) from None
    except DataFileError as exc:  # chained to what the original was chained to (the OSError, the YAMLError)
        raise error(exc.path, exc.line, exc.problem) from exc.__cause__


def require_keys(m: LineMap, what: str, required: Sequence[str], optional: Sequence[str] = ()) -> None:
    """Refuse a key outside ``required`` and ``optional`` (at its line) and a missing required key."""
    allowed = [*required, *optional]
    for key in m:
        if key not in allowed:
            raise FileProblem(m.at(key), f"unknown key {key!r} in {what}; expected {', '.join(allowed)}")
    missing = [key for key in required if key not in m]
    if missing:
        raise FileProblem(m.line, f"{what} is missing {', '.join(missing)}")


def text(m: LineMap, key: str, what: str) -> str:
    """The value of ``key``, which must be non-empty text, stripped."""
    value = m[key]
    if not isinstance(value, str) or not value.strip():
        raise FileProblem(m.at(key), f"{what}: {key} must be non-empty text, not {value!r}")
    return value.strip()
