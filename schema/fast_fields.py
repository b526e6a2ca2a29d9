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

A field below the root types whose own resolver takes only built-in scalar arguments (``Subject.evaluations``
with ``current``, say) is called directly too (:class:`_Direct`), as strawberry would call it.

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
from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField

DefaultResolver = Callable[[Any, str], Any]

# the answer of Leaves.value when the generic path must answer instead
GENERIC: Final = object()


def install(schema: GraphQLSchema, default_resolver: DefaultResolver, config: StrawberryConfig, *,
            resolvers: bool = True) -> int:
    """Give every plain data field a direct reader and, with ``resolvers``, every simple resolver below the
    root types a direct call (:class:`_Direct`); return how many fields got one."""
    roots = {root.name for root in (schema.query_type, schema.mutation_type, schema.subscription_type) if root}
    count = 0
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for field in type_.fields.values():
            definition = (field.extensions or {}).get("strawberry-definition")
            if definition is None or definition.extensions:
                continue
            if definition.base_resolver is None and not field.args:
                field.resolve = _Reader(definition.python_name, default_resolver)
            elif (resolvers and definition.base_resolver is not None and type_.name not in roots
                  and all(_plain_argument(argument) for argument in definition.arguments)):
                field.resolve = _Direct(definition, config)
            else:
                continue
            count += 1
    return count


# Arguments whose values graphql-core hands over as strawberry would pass them (no conversion).
_PLAIN_ARGUMENT_TYPES = (bool, str, int, float)


def _plain_argument(argument: StrawberryArgument) -> bool:
    type_ = argument.type
    if isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    return type_ in _PLAIN_ARGUMENT_TYPES


class _Direct:
    """A field's own resolver, called as strawberry calls it — its parent as ``self``, ``root`` or
    ``parent``, strawberry's ``Info``, its arguments under their Python names — without strawberry's
    per-call work: converting arguments that need no conversion (built-in scalars only), a chain of field
    extensions (none here) and exception handlers (none: ``schema.build`` installs these only then).
    ``Subject.evaluations`` on a page of 100 subjects went through that work 100 times: a fifth of the
    page's GraphQL time."""

    __slots__ = ("definition", "info_class", "info_name", "names", "parent_names", "resolver", "self_parameter")

    def __init__(self, definition: StrawberryField, config: StrawberryConfig) -> None:
        resolver = definition.base_resolver
        assert resolver is not None
        self.definition, self.resolver = definition, resolver
        self.info_class = config.info_class
        self.names = {config.name_converter.from_argument(argument): argument.python_name
                      for argument in definition.arguments}
        self.self_parameter = resolver.self_parameter is not None
        self.parent_names = tuple(parameter.name for parameter in (resolver.parent_parameter, resolver.root_parameter)
                                  if parameter is not None)
        self.info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None

    def __call__(self, root: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        names = self.names
        kwargs = {names[name]: value for name, value in arguments.items()}
        for name in self.parent_names:
            kwargs[name] = root
        if self.info_name is not None:
            kwargs[self.info_name] = self.info_class(_raw_info=info, _field=self.definition)
        return self.resolver(root, **kwargs) if self.self_parameter else self.resolver(**kwargs)


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

    def answer(self, source: Any) -> Any:
        """The field's serialised value, or :data:`GENERIC` when graphql-core's path must answer it."""
        reader = self.reader
        value = reader.default_resolver(source, reader.attribute)
        if value is None:
            return GENERIC if self.non_null else None
        try:
            serialised = self.serialise(value)
        except Exception:
            return GENERIC
        return GENERIC if serialised is None or serialised is Undefined else serialised


# A selection of plain leaves, planned once: (response name, its leaf), None for ``__typename``.
_Plan = tuple[tuple[str, "_Leaf | None"], ...]


class Leaves:
    """The plain scalar and enum fields of one schema, by (type name, field name)."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self._by_field: dict[tuple[str, str], _Leaf] = {}
        self._plans: dict[tuple[str, tuple[tuple[str, str], ...]], _Plan] = {}
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
        return GENERIC if leaf is None else leaf.answer(source)

    def object_of(self, type_name: str, fields: tuple[tuple[str, str], ...], source: Any) -> dict[str, Any] | None:
        """An object whose selected fields — (response name, field name) — are all plain leaves (or
        ``__typename``), answered in one pass; None when one of them must go the generic way."""
        plan = self._plans.get((type_name, fields))
        if plan is None:
            plan = self._plans[(type_name, fields)] = self._plan(type_name, fields)
        if not plan:  # a field that is not a plain leaf
            return None
        answer: dict[str, Any] = {}
        for response_name, leaf in plan:
            if leaf is None:
                answer[response_name] = type_name
                continue
            value = leaf.answer(source)
            if value is GENERIC:
                return None
            answer[response_name] = value
        return answer

    def _plan(self, type_name: str, fields: tuple[tuple[str, str], ...]) -> _Plan:
        """The selection's leaves in order; empty when one of its fields is not a plain leaf."""
        plan = []
        for response_name, field_name in fields:
            leaf = None if field_name == "__typename" else self._by_field.get((type_name, field_name))
            if leaf is None and field_name != "__typename":
                return ()
            plan.append((response_name, leaf))
        return tuple(plan)

    def all_leaves(self, type_name: str, field_names: Iterable[str]) -> bool:
        return all(name == "__typename" or (type_name, name) in self._by_field for name in field_names)


_LEAVES: WeakKeyDictionary[GraphQLSchema, Leaves] = WeakKeyDictionary()


def leaves(schema: GraphQLSchema) -> Leaves:
    """Record the schema's plain leaves (once its resolvers are final) and return them."""
    found = _LEAVES[schema] = Leaves(schema)
    return found


def leaves_of(schema: GraphQLSchema) -> Leaves | None:
    return _LEAVES.get(schema)
