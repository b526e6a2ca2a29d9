"""Demand control: what a query may cost, decided from its parsed document before validation runs.

GraphQL's own validation is not cheap enough to face a stranger first: graphql-core's
OverlappingFieldsCanBeMerged rule compares every pair of selections that share a response path,
so an 8 KB query repeating ``evaluations { grade }`` 398 times took about a second to validate on
the development machine (``records { title }`` two), all of it on the event loop. So, straight
after parsing and before any validation rule, :func:`measure` walks the document once (fragments
expanded, the walk itself bounded) and the hub refuses, with ``QUERY_TOO_COSTLY``, a query that

- has more than ``HUB_MAX_SELECTIONS`` selections (fields, fragment spreads and inline fragments,
  counted after fragments are expanded) — validation's linear rules scale with this number;
- selects one response path (``subjects.nodes.records``) more than ``HUB_MAX_FIELD_REPEATS`` times —
  the overlap rule's pairwise comparisons are the sum of the squares of these counts, so with both
  caps they stay below ``repeats × selections``;
- would cost more than ``HUB_MAX_QUERY_COST``: every field resolved counts one, every list
  multiplies what is selected under it by its size (Apollo's and Hasura's demand control, IBM's
  GraphQL cost directives). A list's size is its ``first:`` argument (a literal, a variable or the
  argument's default, capped at the largest value the field accepts); a connection's ``first:``
  sizes its ``edges`` and ``nodes``; a page that is not a list (the change feed) counts ``first``
  items; introspection lists count their mean length in this schema (so the standard introspection
  query costs what it really resolves); any other list counts ``HUB_QUERY_LIST_SIZE`` items.

Accepted documents are kept parsed and validated (schema/prepared.py); refused ones are not kept.
The preparation of a request — parsing, this walk and validation — is CPU work with no await in it.
One request prepares at a time, each in a turn of the event loop of its own (:class:`DemandControl`'s
gate): between two preparations the loop serves whatever else is waiting (``/healthz``, replies from
Neo4j), so a crowd of queries cannot stall it for longer than one preparation at a time. Nothing is
lost by it: the loop is one thread, preparations never ran in parallel anyway.
"""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_list_type,
    is_object_type,
    is_union_type,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from hub import deadline
from hub.errors import QueryTooCostly
from schema.prepared import ABSENT, Consulted, Prepared, PreparedQueries

MAX_NESTING = 64  # fields, fragments and inline fragments inside one another (the depth rule allows 10 fields)
SLICING_ARGUMENT = "first"


@dataclass(frozen=True)
class QueryLimits:
    max_cost: int
    list_size: int  # what a list without a `first:` counts
    max_selections: int
    max_field_repeats: int
    slice_maxima: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (type, field) → largest first


@dataclass(frozen=True)
class QueryShape:
    cost: int
    selections: int
    most_repeated: tuple[str, int]  # a response path and how often it is selected there
    # the variables the cost read (first:), with their values: the same document with the same values
    # there costs the same (a lookup's uscc is never read)
    consulted: Consulted = ()


@dataclass(frozen=True)
class _SchemaFacts:
    list_sizes: Mapping[tuple[str, str], float]  # introspection lists: their mean length
    wrapping_depth: int  # below this many ofType, __Type.ofType is null


@functools.lru_cache(maxsize=8)
def _facts(schema: GraphQLSchema) -> _SchemaFacts:
    return _SchemaFacts(introspection_list_sizes(schema), wrapping_depth(schema))


def introspection_list_sizes(schema: GraphQLSchema) -> dict[tuple[str, str], float]:
    """The mean length of each introspection list in this schema: ``types × fields`` is then the
    number of fields the schema has, which is what ``__schema { types { fields { … } } }`` resolves."""
    types = list(schema.type_map.values())
    with_fields = [t for t in types if is_object_type(t) or is_interface_type(t)]
    fields = [f for t in with_fields for f in t.fields.values()]
    directives = list(schema.directives)

    def mean(total: int, over: int) -> float:
        return total / max(1, over)

    return {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(directives),
        ("__Type", "fields"): mean(len(fields), len(types)),
        ("__Type", "inputFields"): mean(sum(len(t.fields) for t in types if is_input_object_type(t)),
                                        len(types)),
        ("__Type", "enumValues"): mean(sum(len(t.values) for t in types if is_enum_type(t)), len(types)),
        ("__Type", "interfaces"): mean(sum(len(t.interfaces) for t in with_fields), len(types)),
        ("__Type", "possibleTypes"): mean(sum(len(schema.get_possible_types(t)) for t in types
                                              if is_interface_type(t) or is_union_type(t)), len(types)),
        ("__Field", "args"): mean(sum(len(f.args) for f in fields), len(fields)),
        ("__Directive", "args"): mean(sum(len(d.args) for d in directives), len(directives)),
        ("__Directive", "locations"): mean(sum(len(d.locations) for d in directives), len(directives)),
    }


def wrapping_depth(schema: GraphQLSchema) -> int:
    """How deep this schema wraps a type (``[X!]!`` is 3): ``__Type.ofType`` is null below that."""

    def depth(type_: Any) -> int:
        return 1 + depth(type_.of_type) if hasattr(type_, "of_type") else 0

    deepest = 0
    for named in schema.type_map.values():
        for field_ in getattr(named, "fields", {}).values():
            deepest = max(deepest, depth(field_.type), *(depth(a.type) for a in getattr(field_, "args", {}).values()))
    return deepest


def measure(schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None,
            limits: QueryLimits) -> QueryShape:
    """The document's shape and estimated cost (its costliest operation); QueryTooCostly as soon as
    a limit is passed. Linear in the document: the walk stops at ``max_selections``."""
    return _Walk(schema, document, variables or {}, limits).run()


@dataclass(frozen=True)
class _Place:
    """Where the walk is: the type selected on, the response path, and what the parent passes down."""

    parent: GraphQLNamedType | None
    path: tuple[str, ...] = ()
    page: int | None = None  # a connection's first:, which sizes its direct lists (edges, nodes)
    depth: int = 0
    spreads: tuple[str, ...] = ()  # fragments being expanded (a cycle is skipped; validation names it)
    of_type: int = 0  # __Type.ofType fields directly above


class _Walk:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any],
                 limits: QueryLimits) -> None:
        self.schema, self.variables, self.limits = schema, variables, limits
        self.facts = _facts(schema)
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        self.selections = 0
        self.repeats: Counter[tuple[str, ...]] = Counter()
        self.defaults: dict[str, Any] = {}
        self.consulted: dict[str, Any] = {}  # the variables the cost depends on (first:), with their values

    def run(self) -> QueryShape:
        cost = 0.0
        for operation in self.operations:
            self.defaults = {d.variable.name.value: d.default_value for d in operation.variable_definitions or ()}
            root = self.schema.get_root_type(operation.operation)
            cost = max(cost, self.selection_set(operation.selection_set, _Place(root)))
        path, repeats = self.repeats.most_common(1)[0] if self.repeats else ((), 0)
        if repeats > self.limits.max_field_repeats:
            raise QueryTooCostly(
                f"'{'.'.join(path)}' is selected {repeats} times in one place; at most "
                f"{self.limits.max_field_repeats} (HUB_MAX_FIELD_REPEATS): repeated selections are merged pairwise")
        if cost > self.limits.max_cost:
            raise QueryTooCostly(
                f"the query would cost about {cost:,.0f} (each field resolved counts 1, each list multiplies what is "
                f"under it by its first: or {self.limits.list_size} items); at most {self.limits.max_cost:,} "
                "(HUB_MAX_QUERY_COST): ask for fewer items (first:) or fewer fields")
        return QueryShape(round(cost), self.selections, (".".join(path), repeats),
                          tuple(sorted(self.consulted.items(), key=lambda item: item[0])))

    def selection_set(self, node: SelectionSetNode, at: _Place) -> float:
        if at.depth > MAX_NESTING:
            raise QueryTooCostly(f"the query nests fields and fragments more than {MAX_NESTING} levels deep")
        cost = 0.0
        for selection in node.selections:
            self.selections += 1
            if self.selections > self.limits.max_selections:
                raise QueryTooCostly(
                    f"the query has more than {self.limits.max_selections} selections (fields, fragment spreads "
                    "and inline fragments, counted after fragments are expanded) (HUB_MAX_SELECTIONS)")
            if isinstance(selection, FieldNode):
                cost += self.field(selection, at)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                within = self.schema.get_type(condition.name.value) if condition else at.parent
                cost += self.selection_set(selection.selection_set, replace(at, parent=within, depth=at.depth + 1))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None or fragment.name.value in at.spreads:
                    continue
                within = self.schema.get_type(fragment.type_condition.name.value)
                cost += self.selection_set(fragment.selection_set, replace(
                    at, parent=within, depth=at.depth + 1, spreads=(*at.spreads, fragment.name.value)))
        return cost

    def field(self, node: FieldNode, at: _Place) -> float:
        """1 for the field, plus what it selects, times its size if it is a list."""
        name = node.name.value
        here = (*at.path, (node.alias or node.name).value)
        self.repeats[here] += 1
        definition = _definition(self.schema, at.parent, name)
        owner = at.parent.name if at.parent is not None else ""
        of_type = at.of_type + 1 if (owner, name) == ("__Type", "ofType") else 0
        below = _Place(None, here, None, at.depth + 1, at.spreads, of_type)
        if definition is None:  # unknown here: validation will name it; count it and what it selects
            return 1 + (self.selection_set(node.selection_set, below) if node.selection_set else 0)
        named = get_named_type(definition.type)
        first = self.first(node, definition, owner)
        is_list = is_list_type(get_nullable_type(definition.type))
        base, size = 1, 1.0
        if is_list:
            size = first if first is not None else at.page if at.page is not None else self.list_size(owner, name)
        elif first is not None and _has_list_fields(named):
            below = replace(below, page=first)  # a connection: its edges and nodes are the page
        elif first is not None:
            base = max(1, first)  # a page that is not a list (the signed change feed) counts its items
        selected = self.selection_set(node.selection_set, replace(below, parent=named)) if node.selection_set else 0
        if of_type > self.facts.wrapping_depth:
            return 0  # null: no type in this schema is wrapped this deep (still walked, for the caps above)
        return size * (1 + selected) if is_list else base + selected

    def first(self, node: FieldNode, definition: GraphQLField, owner: str) -> int | None:
        """The field's ``first:`` (literal, variable, variable default or argument default), capped."""
        argument_definition = definition.args.get(SLICING_ARGUMENT)
        if argument_definition is None:
            return None
        value: Any = argument_definition.default_value
        for argument in node.arguments or ():
            if argument.name.value != SLICING_ARGUMENT:
                continue
            literal = argument.value
            if isinstance(literal, IntValueNode):
                value = int(literal.value)
            elif isinstance(literal, VariableNode):
                variable = literal.name.value
                default = self.defaults.get(variable)
                self.consulted[variable] = self.variables.get(variable, ABSENT)
                if variable in self.variables:
                    value = self.variables[variable]
                elif isinstance(default, IntValueNode):
                    value = int(default.value)
            elif not isinstance(literal, NullValueNode):
                value = None  # not an Int: validation refuses it
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        cap = self.limits.slice_maxima.get((owner, node.name.value))
        return min(max(0, value), cap) if cap is not None else max(0, value)

    def list_size(self, owner: str, name: str) -> float:
        return self.facts.list_sizes.get((owner, name), self.limits.list_size)


def _definition(schema: GraphQLSchema, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if parent is not None and parent is schema.query_type:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
    if is_object_type(parent) or is_interface_type(parent):
        return parent.fields.get(name)
    return None


def _has_list_fields(named: GraphQLNamedType) -> bool:
    if not (is_object_type(named) or is_interface_type(named)):
        return False
    return any(is_list_type(get_nullable_type(f.type)) for f in named.fields.values())


class DemandControl(SchemaExtension):
    """Refuses a costly query before validation; one request prepares at a time (module docstring).

    ``on_parse`` takes the gate and, for a query text prepared before, hands strawberry the cached
    document (it then does not parse); ``on_validate`` measures the document — unless it was accepted
    before with the same values of the variables its cost reads (``first:``) — then gives strawberry
    the cached validation result or, after validation, caches the accepted document
    (schema/prepared.py); the gate is given back after it.
    """

    def __init__(self, *, limits: QueryLimits, gate: asyncio.Lock, prepared: PreparedQueries) -> None:
        self.limits = limits
        self.gate = gate
        self.prepared = prepared
        self.held = False
        self.known: Prepared | None = None
        self.consulted: Consulted = ()

    async def on_operation(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            self._release()  # a syntax error ends the request before validation

    async def on_parse(self) -> AsyncIterator[None]:
        await self.gate.acquire()
        self.held = True
        # Give the loop a turn before preparing. A request whose body had already arrived reaches this
        # point without ever waiting; the gate was free, the previous one finished in the same turn,
        # so without this a crowd that arrived together was prepared back to back in one turn of the
        # loop (measured: 19 s without a turn for /healthz under 200 concurrent attack queries).
        await asyncio.sleep(0)
        context = self.execution_context
        self.known = self.prepared.get(self._audience(), context.query) if context.query else None
        if self.known is not None:
            context.graphql_document = self.known.document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None and context.query is not None
        known = self.known
        if known is None or not known.accepts(context.variables):  # measured before with these values: as then
            consulted = measure(context.schema._schema, context.graphql_document, context.variables,
                                self.limits).consulted
            if known is not None:
                known.accepted(consulted)
            self.consulted = consulted
        if self.known is not None:
            context.pre_execution_errors = list(self.known.errors)  # strawberry then does not validate
            yield
        else:
            yield
            self.prepared.put(self._audience(), context.query, context.graphql_document,
                              context.pre_execution_errors or (), self.consulted)
        self._release()

    def on_execute(self) -> Iterator[None]:
        budget = deadline.current()
        if budget is not None and self.execution_context.operation_type is OperationType.MUTATION:
            budget.keep_whole()
        yield

    def _audience(self) -> str:
        # validation depends on the schema the viewer's role sees (schema/visibility.py)
        viewer = getattr(self.execution_context.context, "viewer", None)
        role = getattr(viewer, "role", None)
        return str(getattr(role, "value", role))

    def _release(self) -> None:
        if self.held:
            self.held = False
            self.gate.release()
