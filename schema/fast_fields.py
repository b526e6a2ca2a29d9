"""Plain data fields read by graphql-core directly, without strawberry's per-field wrapper.

A page of 100 subjects resolves about 900 fields; strawberry wraps each resolver to build its own
``Info``, convert arguments and run field extensions, which took a third of the page's GraphQL time
(measured with cProfile; bench/lookup.py). A field that is only an attribute of its parent — no
resolver of its own, no arguments, no field extensions or permissions — reads the attribute the same
way strawberry's default path would (``schema.build``'s default resolver), one call instead of five.

:func:`install` runs before :func:`schema.tiers.install`, and never replaces a field the tier
mechanism guards: those are wrapped afterwards, whatever resolver they have.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema

DefaultResolver = Callable[[Any, str], Any]


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
            field.resolve = _reader(definition.python_name, default_resolver)
            count += 1
    return count


def _reader(name: str, default_resolver: DefaultResolver) -> Callable[..., Any]:
    def read(root: Any, info: GraphQLResolveInfo) -> Any:
        return default_resolver(root, name)

    return read
