"""The schema as each audience sees it: the tier mechanism's face to introspection and validation.

An **audience** is a viewer role (PUBLIC, BANK, AGENCY, PLATFORM, ADMIN): a bank with or without a
subject's consent is one audience, since consent opens items, never schema. Hidden from an audience:

- every field whose rule (:data:`schema.tiers.FIELD_RULES`) that role can never meet
  (:func:`schema.tiers.reachable`: internal-only fields for the public and banks, role-restricted
  fields for every other role);
- every type left with no visible field, whole, and every field that returns it;
- everything reached only through hidden parts: their arguments' input types, enums, objects.

Hidden means hidden everywhere, and each audience gets its own schema built once from the printed
SDL with the hidden parts left out, checked by graphql-core's ``validate_schema`` at start-up:

- **introspection** — ``__schema`` and ``__type(name:)`` answer from the audience's schema, so
  GraphiQL, the ``gql`` client and codegen get a valid schema that names nothing hidden (a
  ``Mutation`` with no visible field is no ``Mutation`` at all);
- **validation** — a request is validated against the audience's schema after cutting out the
  hidden fields it names (with their arguments and selections): messages and "Did you mean"
  suggestions can name only what the viewer may see;
- **execution** — a hidden field that a request names resolves to ``null`` with ``FORBIDDEN``
  (SPEC §4) before its arguments are read, so neither its arguments nor its subfields are told.

Naming a hidden field therefore tells the caller one thing: that the field exists (the
``FORBIDDEN`` answer SPEC §4 asks for says so). Its type, arguments and subfields stay untold.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from graphql import (
    ASTValidationRule,
    DefinitionNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    NameNode,
    NoUnusedFragmentsRule,
    NoUnusedVariablesRule,
    ObjectTypeDefinitionNode,
    OperationDefinitionNode,
    OperationType,
    SchemaDefinitionNode,
    SelectionSetNode,
    TypeDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_ast_schema,
    get_named_type,
    is_non_null_type,
    parse,
    print_schema,
    specified_rules,
    validate,
    validate_schema,
    visit,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.execution.executor import FieldDetailsList, Path, to_nodes
from graphql.execution.values import get_argument_values
from graphql.language.visitor import REMOVE
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from hub.disclosure import Role, Viewer
from schema.errors import expected
from schema.fast_fields import GENERIC, Leaves, leaves_of

Reachable = Callable[[Role, str, str], bool]
Refuse = Callable[[Any, str, str, Any], GraphQLError]

# Rules that look at the whole request, not at types: they run on the request as sent, so cutting
# a hidden field out does not make a variable or fragment it used look unused.
_WHOLE_REQUEST_RULES = (NoUnusedFragmentsRule, NoUnusedVariablesRule)
_TYPE_RULES = tuple(rule for rule in (*specified_rules, MaybeNullValidationRule, OneOfInputValidationRule)
                    if rule not in _WHOLE_REQUEST_RULES)
_TYPENAME = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())


@dataclass(frozen=True)
class Audience:
    """One role's view: its schema, and the fields of the executable schema hidden from it."""

    role: Role
    schema: GraphQLSchema
    hidden: Mapping[str, frozenset[str]]  # type name → names of its hidden fields

    def hides(self, type_name: str, field_name: str) -> bool:
        names = self.hidden.get(type_name)
        return names is not None and field_name in names

    def hidden_fields(self) -> Iterable[str]:
        for type_name, names in sorted(self.hidden.items()):
            for name in sorted(names):
                yield f"{type_name}.{name}"


class Audiences:
    """Every role's view of one executable schema, built at start-up; see the module docstring."""

    def __init__(self, full: GraphQLSchema, reachable: Reachable, refuse: Refuse,
                 limits: Collection[type[ASTValidationRule]] = ()) -> None:
        self.full, self.refuse, self.limits = full, refuse, tuple(limits)
        printed = parse(print_schema(full))
        self._by_role = {role: _audience(full, printed, role, reachable) for role in Role}
        _REGISTRY[full] = self

    def of(self, viewer: Viewer) -> Audience:
        return self._by_role[viewer.role]

    def __iter__(self) -> Any:
        return iter(self._by_role.values())

    def validate(self, viewer: Viewer, document: DocumentNode) -> list[GraphQLError]:
        """Validation errors as this viewer's audience may read them."""
        return self._validate(self.of(viewer), document)

    def _validate(self, audience: Audience, document: DocumentNode) -> list[GraphQLError]:
        errors = validate(self.full, document, (*_WHOLE_REQUEST_RULES, *self.limits))
        visible = _cut_hidden_fields(self.full, audience, document) if audience.hidden else document
        return validate(audience.schema, visible, _TYPE_RULES) + errors


_REGISTRY: WeakKeyDictionary[GraphQLSchema, Audiences] = WeakKeyDictionary()


# ---- building an audience's schema -------------------------------------------------------------

def _audience(full: GraphQLSchema, printed: DocumentNode, role: Role, reachable: Reachable) -> Audience:
    objects = {name: type_ for name, type_ in full.type_map.items()
               if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType) and not name.startswith("__")}
    hidden = {name: {field for field in type_.fields if not reachable(role, name, field)}
              for name, type_ in objects.items()}
    # A type with no visible field is hidden whole, and so is every field returning it; repeat
    # until nothing changes (hiding a field can empty the type that holds it).
    while True:
        empty = {name for name, type_ in objects.items() if len(hidden[name]) == len(type_.fields)}
        more = {(name, field) for name, type_ in objects.items() for field, definition in type_.fields.items()
                if field not in hidden[name] and get_named_type(definition.type).name in empty}
        if not more:
            break
        for name, field in more:
            hidden[name].add(field)
    kept = _reached(full, hidden, empty)
    definitions: list[DefinitionNode] = []
    for definition in printed.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            operations = tuple(op for op in definition.operation_types if op.type.name.value in kept)
            definitions.append(SchemaDefinitionNode(description=definition.description,
                                                    directives=definition.directives, operation_types=operations))
        elif isinstance(definition, TypeDefinitionNode):
            name = definition.name.value
            if name not in kept:
                continue
            if isinstance(definition, ObjectTypeDefinitionNode) and hidden.get(name):
                fields = tuple(f for f in definition.fields or () if f.name.value not in hidden[name])
                definition = ObjectTypeDefinitionNode(
                    description=definition.description, name=definition.name, interfaces=definition.interfaces,
                    directives=definition.directives, fields=fields)
            definitions.append(definition)
        else:
            definitions.append(definition)  # directive definitions
    schema = build_ast_schema(DocumentNode(definitions=tuple(definitions)))
    problems = validate_schema(schema)
    if problems:
        raise RuntimeError(f"the schema {role.value} callers see is invalid: {'; '.join(map(str, problems))}")
    return Audience(role, schema, {name: frozenset(fields) for name, fields in hidden.items() if fields})


def _reached(full: GraphQLSchema, hidden: Mapping[str, set[str]], empty: set[str]) -> set[str]:
    """Names of the types reachable from the visible roots through visible fields only."""
    roots = [t for t in (full.query_type, full.mutation_type, full.subscription_type)
             if t is not None and t.name not in empty]
    seen: set[str] = set()
    stack: list[GraphQLNamedType] = list(roots)
    for directive in full.directives:
        stack += [get_named_type(arg.type) for arg in directive.args.values()]
    while stack:
        type_ = stack.pop()
        if type_.name in seen:
            continue
        seen.add(type_.name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            stack += list(type_.interfaces)
            for name, field in type_.fields.items():
                if name in hidden.get(type_.name, ()):
                    continue
                stack.append(get_named_type(field.type))
                stack += [get_named_type(arg.type) for arg in field.args.values()]
        elif isinstance(type_, GraphQLUnionType):
            stack += list(type_.types)
        elif isinstance(type_, GraphQLInputObjectType):
            stack += [get_named_type(field.type) for field in type_.fields.values()]
    return seen


# ---- validation: cut out the hidden fields a request names ------------------------------------

class _CutHidden(Visitor):
    def __init__(self, type_info: TypeInfo, audience: Audience, visible: GraphQLSchema) -> None:
        super().__init__()
        self.type_info, self.audience, self.visible = type_info, audience, visible

    def enter_field(self, node: FieldNode, *_: Any) -> Any:
        parent = self.type_info.get_parent_type()
        if parent is not None and self.audience.hides(parent.name, node.name.value):
            return REMOVE
        return None

    def leave_selection_set(self, node: SelectionSetNode, *_: Any) -> Any:
        if node.selections:
            return None
        return SelectionSetNode(selections=(_TYPENAME,))

    def leave_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> Any:
        # An operation on a root type hidden whole (a Mutation with no visible field) names only
        # hidden fields: what is left to check is its variables, which a query checks the same way.
        if self.visible.get_root_type(node.operation) is not None:
            return None
        return OperationDefinitionNode(operation=OperationType.QUERY, name=node.name, directives=node.directives,
                                       variable_definitions=node.variable_definitions,
                                       selection_set=SelectionSetNode(selections=(_TYPENAME,)))


def _cut_hidden_fields(full: GraphQLSchema, audience: Audience, document: DocumentNode) -> DocumentNode:
    type_info = TypeInfo(full)
    cut: DocumentNode = visit(document, TypeInfoVisitor(type_info, _CutHidden(type_info, audience, audience.schema)))
    # A fragment spread only inside hidden fields goes with them: what a hidden field would have
    # selected is never checked, so it tells nothing either. (An unused fragment is reported on the
    # request as sent.)
    used_before, used_after = _used_fragments(document), _used_fragments(cut)
    gone = used_before - used_after
    if not gone:
        return cut
    return DocumentNode(definitions=tuple(
        d for d in cut.definitions if not (isinstance(d, FragmentDefinitionNode) and d.name.value in gone)))


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.found.add(node.name.value)


def _used_fragments(document: DocumentNode) -> set[str]:
    """Names of the fragments the operations of ``document`` spread, directly or through others."""
    spreads: dict[str, set[str]] = {}
    stack: list[str] = []
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode | OperationDefinitionNode):
            visitor = _Spreads()
            visit(definition, visitor)
            if isinstance(definition, FragmentDefinitionNode):
                spreads[definition.name.value] = visitor.found
            else:
                stack += visitor.found
    used: set[str] = set()
    while stack:
        name = stack.pop()
        if name not in used:
            used.add(name)
            stack += spreads.get(name, ())
    return used


class TierValidation(SchemaExtension):
    """Validates each request as its viewer's audience sees the schema (strawberry's own validation
    is then skipped). Results are kept by demand control's cache of accepted documents, keyed by
    role and text (schema/prepared.py): when it has set them already, this does nothing."""

    def on_validate(self) -> Any:
        context = self.execution_context
        audiences = _REGISTRY.get(context.schema._schema)
        viewer = getattr(context.context, "viewer", None)
        document = context.graphql_document
        if (context.pre_execution_errors is None and audiences is not None and isinstance(viewer, Viewer)
                and document is not None):
            context.pre_execution_errors = audiences.validate(viewer, document)
        yield


# ---- execution: a hidden field named is refused before its arguments are read -----------------

class TierExecutor(StrawberryGraphQLCoreExecutionContext):
    """Refuses a field hidden from the viewer's audience before graphql-core coerces its arguments
    (a coercion error would describe them). One dictionary look-up per field otherwise; a plain
    scalar field then answers from :class:`schema.fast_fields.Leaves` without graphql-core's path."""

    def execute_field(self, parent_type: GraphQLObjectType, source: Any, field_details_list: FieldDetailsList,
                      path: Path, position_context: Any) -> Any:
        field_name = field_details_list[0].node.name.value
        if field_name in self._hidden.get(parent_type.name, ()):
            field: GraphQLField = parent_type.fields[field_name]
            error = _REGISTRY[self.schema].refuse(self.context_value, parent_type.name, field_name, source)
            self.handle_field_error(error, field.type, field_details_list, path)
            return None
        if self._leaves is not None:  # the schema's fast paths are installed (schema.fast_fields)
            value = self._leaves.value(parent_type.name, field_name, source)  # a plain scalar, after the refusal
            if value is not GENERIC:
                return value
            known = self._known_field(parent_type, field_details_list)
            if known is not None:
                return self._execute_known(parent_type, *known, source, field_details_list, path, position_context)
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None,
                       grouped_field_set: GroupedFieldSet, position_context: Any) -> Any:
        # an object whose selection is only plain leaves (an evaluation's grade and score, say) is
        # answered in one pass, once nothing in it is hidden from the audience; else field by field
        fields = self._leaf_object(parent_type, grouped_field_set)
        if fields and self._leaves is not None:
            answer = self._leaves.object_of(parent_type.name, fields, source_value)
            if answer is not None:
                return answer
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    def handle_field_error(self, raw_error: Exception, return_type: GraphQLOutputType,
                           field_details_list: FieldDetailsList, path: Path) -> None:
        # An error told by its code (a refusal, bad input: schema.errors.classify) needs no traceback, and one
        # would keep the request's frames — with what they hold, the subject's profile — in a reference cycle
        # through this execution until the cycle collector's next pass (a PUBLIC lookup naming a refused
        # field left some 100 objects more to it than one that did not). Unexpected errors keep theirs: they
        # are logged with it.
        if expected(raw_error):
            raw_error.__traceback__ = None
            original = getattr(raw_error, "original_error", None)
            if original is not None:
                original.__traceback__ = None
        super().handle_field_error(raw_error, return_type, field_details_list, path)

    # ---- a field's definition and arguments, once per request ----------------------------------
    #
    # graphql-core resolves each field of each object from scratch: the field's definition looked up and its
    # arguments coerced from the query's text and variables. For the 100 subjects of a page, each with its
    # evaluations, that (with the completion of each subject's list) was most of the page's GraphQL time:
    # 46 µs a subject, against 6 for a subject of plain leaves. The objects of a list share their field
    # nodes, so the definition and the arguments are decided once per field node and request.

    def _known_field(self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList,
                     ) -> tuple[GraphQLField, dict[str, Any]] | None:
        """The field's definition and coerced arguments, or None where graphql-core's own execute_field must
        serve: ``__typename``, arguments that do not coerce (it reports them on each object), middleware."""
        return _per_request(self._known_fields, parent_type, field_details_list,
                            lambda: self._definition(parent_type, field_details_list))

    def _definition(self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList,
                    ) -> tuple[GraphQLField, dict[str, Any]] | None:
        manager = self.middleware_manager
        if manager is not None and manager.middlewares:  # strawberry gives every request one, mostly empty
            return None
        node = field_details_list[0].node
        field = parent_type.fields.get(node.name.value)
        if field is None:
            return None
        try:
            arguments = (get_argument_values(field, node, self.variable_values,
                                             field_details_list[0].fragment_variable_values, self.hide_suggestions)
                         if field.args or node.arguments else {})
        except Exception:
            return None
        return field, arguments

    def _execute_known(self, parent_type: GraphQLObjectType, field: GraphQLField, arguments: dict[str, Any],
                       source: Any, field_details_list: FieldDetailsList, path: Path, position_context: Any) -> Any:
        """graphql-core's execute_field for a field whose definition and arguments are known (no middleware);
        a resolved list of plain objects is answered at once (:meth:`_leaf_list`)."""
        return_type = field.type
        info = self.build_resolve_info(field, to_nodes(field_details_list), parent_type, path)
        try:
            result = (field.resolve or self.field_resolver)(source, info, **arguments)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(return_type, field_details_list, info, path, result,
                                                     position_context)
            if isinstance(result, list | tuple):  # a list of plain objects (a subject's grades): answered at once
                list_type = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
                if isinstance(list_type, GraphQLList):
                    answers = self._leaf_list(list_type.of_type, field_details_list, info, result)
                    if answers is not None:
                        return answers
            completed = self.complete_value(return_type, field_details_list, info, path, result, position_context)
            if self.is_awaitable(completed):
                return self._completed_later(completed, return_type, field_details_list, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return completed

    async def _completed_later(self, completed: Any, return_type: GraphQLOutputType,
                               field_details_list: FieldDetailsList, path: Path) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def complete_iterable_value(self, item_type: GraphQLOutputType, field_details_list: FieldDetailsList,
                                info: GraphQLResolveInfo, path: Path, items: Iterable[Any],
                                position_context: Any) -> Any:
        # a list of objects whose selection is only plain leaves (a subject's evaluations with their
        # grades and scores) is answered item by item in one loop, without completing each item through
        # graphql-core's chain; anything else — a null item, a value that does not serialise, @stream or
        # @defer, an item of another type — goes the generic way, for the whole list
        answers = self._leaf_list(item_type, field_details_list, info, items)
        if answers is not None:
            return answers
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)

    def _leaf_list(self, item_type: GraphQLOutputType, field_details_list: FieldDetailsList,
                   info: GraphQLResolveInfo, items: Iterable[Any]) -> list[dict[str, Any]] | None:
        leaves = self._leaves
        object_type = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if (leaves is None or not isinstance(object_type, GraphQLObjectType) or not isinstance(items, list | tuple)
                or any(details.node.directives for details in field_details_list)):
            return None
        grouped_field_set, defers, _ = self.collect_subfields(object_type, field_details_list)
        fields = () if defers else self._leaf_object(object_type, grouped_field_set)
        if not fields:
            return None
        answers = []
        is_type_of = object_type.is_type_of
        for item in items:
            if item is None or (is_type_of is not None and is_type_of(item, info) is not True):
                return None
            answer = leaves.object_of(object_type.name, fields, item)
            if answer is None:
                return None
            answers.append(answer)
        return answers

    def _leaf_object(self, parent_type: GraphQLObjectType,
                     grouped_field_set: GroupedFieldSet) -> tuple[tuple[str, str], ...]:
        """The (response name, field name) pairs of a selection that is only plain leaves none of them
        hidden, else (); decided once per type and selection in a request."""
        def decide() -> tuple[tuple[str, str], ...]:
            fields = tuple((response_name, details[0].node.name.value)
                           for response_name, details in grouped_field_set.items())
            hidden = self._hidden.get(parent_type.name, ())
            plain = (self._leaves is not None and not any(name in hidden for _, name in fields)
                     and self._leaves.all_leaves(parent_type.name, (name for _, name in fields)))
            return fields if plain else ()

        return _per_request(self._leaf_objects, parent_type, grouped_field_set, decide)

    @cached_property
    def _hidden(self) -> Mapping[str, Collection[str]]:
        """The fields hidden from this request's audience, by type (none without one)."""
        audience = _audience_of(self.schema, self.context_value)
        return audience.hidden if audience is not None else {}

    @cached_property
    def _known_fields(self) -> dict[tuple[str, int], tuple[Any, tuple[GraphQLField, dict[str, Any]] | None]]:
        return {}

    @cached_property
    def _leaf_objects(self) -> dict[tuple[str, int], tuple[Any, tuple[tuple[str, str], ...]]]:
        return {}

    @cached_property
    def _leaves(self) -> Leaves | None:
        return leaves_of(self.schema)


_Decided = TypeVar("_Decided")


def _per_request(cache: dict[tuple[str, int], tuple[Any, _Decided]], parent_type: GraphQLObjectType, owner: Any,
                 decide: Callable[[], _Decided]) -> _Decided:
    """What ``decide`` says of ``owner`` on ``parent_type`` (a selection, or a field's nodes: shared by every
    object of a list), decided once per request; the owner is kept with its answer, so that its id is not
    reused meanwhile."""
    key = (parent_type.name, id(owner))
    known = cache.get(key)
    if known is None:
        known = cache[key] = (owner, decide())
    return known[1]


def _audience_of(schema: GraphQLSchema, context: Any) -> Audience | None:
    audiences = _REGISTRY.get(schema)
    viewer = getattr(context, "viewer", None)
    if audiences is None or not isinstance(viewer, Viewer):
        return None
    return audiences.of(viewer)


# ---- introspection: __schema and __type answer from the audience's schema ---------------------

_SCHEMA_OF = SchemaMetaFieldDef.resolve
_TYPE_OF = TypeMetaFieldDef.resolve


def _introspected_schema(_source: Any, info: GraphQLResolveInfo) -> Any:
    audience = _audience_of(info.schema, info.context)
    return audience.schema if audience is not None else _SCHEMA_OF(_source, info)  # type: ignore[misc]


def _introspected_type(_source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    audience = _audience_of(info.schema, info.context)
    if audience is None:
        return _TYPE_OF(_source, info, **args)  # type: ignore[misc]
    return audience.schema.get_type(args["name"])


# graphql-core's meta fields are shared by every schema; for a schema without audiences, or a
# context without a viewer, they answer as before.
SchemaMetaFieldDef.resolve = _introspected_schema
TypeMetaFieldDef.resolve = _introspected_type


def nullable_problems(audiences: Audiences) -> list[str]:
    """Hidden fields that are non-null: refusing one would null its parent (checked at start-up)."""
    problems = set()
    for audience in audiences:
        for name in audience.hidden_fields():
            type_name, field_name = name.split(".")
            type_ = audiences.full.type_map[type_name]
            assert isinstance(type_, GraphQLObjectType | GraphQLInterfaceType)
            if is_non_null_type(type_.fields[field_name].type):
                problems.add(name)
    return sorted(problems)


__all__ = ["Audience", "Audiences", "TierExecutor", "TierValidation", "nullable_problems"]
