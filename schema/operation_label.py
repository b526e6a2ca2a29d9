"""The name /metrics gives a GraphQL operation: its type and root field (``query subject``).

Only names the schema defines are used — never the client's operation name or aliases — and a request
that asks for several root fields is ``query (several)``: the label set stays as small as the schema,
whatever clients send (hub.web.metrics).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension


def operation_label(document: DocumentNode, operation_name: str | None) -> str | None:
    """``query subject``, ``mutation grantConsent``, ``query (several)``; None when no operation is chosen."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1:
        return None
    operation = chosen[0]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    names = set(_root_fields(operation.selection_set, fragments, frozenset())) - {"__typename"}
    kind = operation.operation.value
    if len(names) == 1:
        return f"{kind} {names.pop()}"
    if names and all(name.startswith("__") for name in names):
        return f"{kind} (introspection)"
    return f"{kind} (several)"


def _root_fields(selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode],
                 seen: frozenset[str]) -> Iterator[str]:
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                yield from _root_fields(fragments[name].selection_set, fragments, seen | {name})


class OperationLabel(SchemaExtension):
    """Puts the label on the request's context (``operation``) once the document has been validated."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and hasattr(context.context, "operation"):
            context.context.operation = operation_label(context.graphql_document, context.operation_name)
        yield
