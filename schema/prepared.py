"""Accepted queries, parsed and validated once: an LRU cache bounded by the length of their text.

Strawberry's ParserCache and ValidationCache keep the last N documents *whatever they are*. An
attacker varying one 8 KB query (a comment is enough) filled a 1,000-entry cache with six million
AST objects, 900 MB, and Python's cycle collector then stopped the event loop for seconds at a time
(9.5 s for one full collection on the development machine under load). This cache keeps only the
documents that passed demand control (schema/limits.py), together with their validation result, and
bounds them by the total length of their query text (``HUB_QUERY_CACHE_BYTES``): a document's size in
memory follows its text, so the cache's share of the heap, and of every collection, stays bounded.

An entry is keyed by the audience (the viewer's role) and the text: validation runs against the
schema that audience sees (schema/visibility.py), so one text can be valid for one role and not for
another, and its messages may name only what that role sees.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, GraphQLError

ABSENT = object()  # a variable the request does not give (its default applies)
Consulted = tuple[tuple[str, Any], ...]  # variables a document's cost reads, with their values


MAX_ACCEPTED = 16  # variable values remembered per document as measured and accepted


@dataclass(frozen=True)
class Prepared:
    document: DocumentNode
    errors: tuple[GraphQLError, ...]  # what validation found (the document is refused if any)
    # the values of the variables its cost reads, each set once measured and accepted (schema/limits.py)
    measured: list[Consulted] = field(default_factory=list)

    def accepts(self, variables: Mapping[str, Any] | None) -> bool:
        return any(consulted_again(consulted, variables) for consulted in self.measured)

    def accepted(self, consulted: Consulted) -> None:
        if len(self.measured) < MAX_ACCEPTED:
            self.measured.append(consulted)


def consulted_again(consulted: Consulted, variables: Mapping[str, Any] | None) -> bool:
    """Whether ``variables`` give every variable in ``consulted`` the value it had then."""
    given = variables or {}
    return all(type(now := given.get(name, ABSENT)) is type(value) and now == value for name, value in consulted)


class PreparedQueries:
    """(audience, query text) → its parsed and validated document, the least recently used dropped first."""

    def __init__(self, budget: int) -> None:
        self.budget = budget  # characters of query text kept
        self._entries: OrderedDict[tuple[str, str], Prepared] = OrderedDict()
        self._size = 0

    def get(self, audience: str, query: str) -> Prepared | None:
        key = (audience, query)
        prepared = self._entries.get(key)
        if prepared is not None:
            self._entries.move_to_end(key)
        return prepared

    def put(self, audience: str, query: str, document: DocumentNode, errors: Sequence[GraphQLError],
            consulted: Consulted | None = None) -> None:
        key = (audience, query)
        if len(query) > self.budget or key in self._entries:
            return
        self._entries[key] = Prepared(document, tuple(errors), [] if consulted is None else [consulted])
        self._size += len(query)
        while self._size > self.budget:
            (_, dropped), _ = self._entries.popitem(last=False)
            self._size -= len(dropped)

    def __len__(self) -> int:
        return len(self._entries)
