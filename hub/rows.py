"""A stored row as one of the hub's frozen dataclasses, field by field by name (plans, draws, objections …).

Each field is read from the row under its own name, by its declared type: an enum field gets its member, a
tuple field a tuple (none stored: empty), an optional field None when the row has none, a field with a default
its default. A required field the row lacks is a KeyError naming it — the store and the type disagree. What
a type stores differently is given by name (``Objection``: a department older objections lack).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from enum import Enum
from functools import cache
from types import NoneType, UnionType
from typing import Any, Self, TypeVar

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    kind: Any  # the declared type, without its "| None"
    optional: bool  # may be None
    defaulted: bool  # has a default of its own


@cache
def _fields(cls: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls)
    found = []
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        hint = hints[field.name]
        args = typing.get_args(hint) if isinstance(hint, UnionType) or typing.get_origin(hint) is typing.Union else ()
        optional = NoneType in args
        kind = next(a for a in args if a is not NoneType) if optional else hint
        defaulted = field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
        found.append(_Field(field.name, kind, optional, defaulted))
    return tuple(found)


def from_row(cls: type[T], row: Mapping[str, Any], **given: Any) -> T:
    """``cls`` (a dataclass) from ``row``; ``given`` values are taken as they are."""
    values: dict[str, Any] = {}
    for field in _fields(typing.cast(Any, cls)):  # a class is hashable; mypy sees type[T] as not
        if field.name in given:
            values[field.name] = given[field.name]
            continue
        value = row.get(field.name)
        if typing.get_origin(field.kind) is tuple:
            values[field.name] = tuple(value or ())
        elif value is not None:
            values[field.name] = field.kind(value) if isinstance(field.kind, type) and issubclass(
                field.kind, Enum) else value
        elif field.optional and not field.defaulted:
            values[field.name] = None
        elif not field.defaulted:
            raise KeyError(f"{cls.__name__}.{field.name}: the stored row has none")
    return cls(**values)


class FromRow:
    """For a dataclass kept in the store: ``Cls.of(row)`` is :func:`from_row` (``Cls``, ``row``)."""

    __slots__ = ()

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Self:
        return from_row(cls, row)
