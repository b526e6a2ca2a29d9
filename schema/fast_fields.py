"""Plain data fields read without strawberry's per-field wrapper, and their leaves without graphql-core's.

A page of 100 subjects resolves about 900 fields; strawberry wraps each resolver to build its own
``Info``, convert arguments and run field extensions, which took a third of the page's GraphQL time
(measured with cProfile; bench/lookup.py). A field that is only an attribute of its parent — no
resolver of its own, no arguments, no field extensions or permissions — reads the attribute the same
way strawberry's default path would (``schema.build``'s default resolver), one call instead of five.

Of what was left, most went to graphql-core's own path for a scalar: a ``GraphQLResolveInfo`` and a
``Path`` per field, then ``complete_value``'s chain of type tests, for a value that is only read and
serialised. :class:`Leaves` lists the plain fields whose type is a scalar or an enum;
:class:`schema.visibility.TierExecutor` answers them from it — after its own refusal of a hidden
field, and only where a value is there and serialises: a null for a non-null field, or a value the
type refuses, goes the generic way, which locates and reports the error.

:func:`install` runs before :func:`schema.tiers.install`, and never replaces a field the tier
mechanism guards: those are wrapped afterwards, whatever resolver they have. :func:`leaves` runs
after it, so a field the tier mechanism wrapped is no longer a plain reader and is never a leaf here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)

DefaultResolver = Callable[[Any, str], Any]

# the answer of Leaves.value when the generic path must answer instead
GENERIC: Final = object()


def install(schema: GraphQLSchema, default_resolver: DefaultResolver) -> int:
    """Give every plain data field a direct reader; return how many fields got one."""
    count = 0
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for field in type_.fields.values():
            definition = (field.extensions or {}).get("strawberry-definition")
            if (definition is None or definition.base_resolver is not None or definition.extensions
                    or field.args):
                continue
            field.resolve = _Reader(definition.python_name, default_resolver)
            count += 1
    return count


class _Reader:
    """A plain field's resolver: its parent's attribute (or key), as the default resolver reads it."""

    __slots__ = ("attribute", "default_resolver")

    def __init__(self, attribute: str, default_resolver: DefaultResolver) -> None:
        self.attribute = attribute
        self.default_resolver = default_resolver

    def __call__(self, root: Any, info: GraphQLResolveInfo) -> Any:
        return self.default_resolver(root, self.attribute)


@dataclass(frozen=True, slots=True)
class _Leaf:
    reader: _Reader
    serialise: Callable[[Any], Any]  # what graphql-core's complete_leaf_value calls
    non_null: bool


class Leaves:
    """The plain scalar and enum fields of one schema, by (type name, field name)."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self._by_field: dict[tuple[str, str], _Leaf] = {}
        for type_ in schema.type_map.values():
            if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
                continue
            for name, field in type_.fields.items():
                if not isinstance(field.resolve, _Reader):  # has a resolver, or the tier mechanism wraps it
                    continue
                non_null = isinstance(field.type, GraphQLNonNull)
                leaf_type = field.type.of_type if non_null else field.type
                if isinstance(leaf_type, GraphQLScalarType | GraphQLEnumType):  # not a list, not an object
                    self._by_field[(type_.name, name)] = _Leaf(field.resolve, leaf_type.coerce_output_value, non_null)

    def __contains__(self, field: tuple[str, str]) -> bool:
        return field in self._by_field

    def value(self, type_name: str, field_name: str, source: Any) -> Any:
        """The field's serialised value, or :data:`GENERIC` when graphql-core's path must answer it."""
        leaf = self._by_field.get((type_name, field_name))
        if leaf is None:
            return GENERIC
        value = leaf.reader.default_resolver(source, leaf.reader.attribute)
        if value is None:
            return GENERIC if leaf.non_null else None
        try:
            serialised = leaf.serialise(value)
        except Exception:
            return GENERIC
        return GENERIC if serialised is None or serialised is Undefined else serialised


    def object_of(self, type_name: str, fields: Iterable[tuple[str, str]], source: Any) -> dict[str, Any] | None:
        """An object whose selected fields — (response name, field name) — are all plain leaves (or
        ``__typename``), answered in one pass; None when one of them must go the generic way."""
        answer: dict[str, Any] = {}
        for response_name, field_name in fields:
            if field_name == "__typename":
                answer[response_name] = type_name
                continue
            value = self.value(type_name, field_name, source)
            if value is GENERIC:
                return None
            answer[response_name] = value
        return answer

    def all_leaves(self, type_name: str, field_names: Iterable[str]) -> bool:
        return all(name == "__typename" or (type_name, name) in self._by_field for name in field_names)


_LEAVES: WeakKeyDictionary[GraphQLSchema, Leaves] = WeakKeyDictionary()


def leaves(schema: GraphQLSchema) -> Leaves:
    """Record the schema's plain leaves (once its resolvers are final) and return them."""
    found = _LEAVES[schema] = Leaves(schema)
    return found


def leaves_of(schema: GraphQLSchema) -> Leaves | None:
    return _LEAVES.get(schema)
