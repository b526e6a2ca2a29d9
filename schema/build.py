"""Build the executable schema: types, limits, the error policy, and the tier mechanism."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, ValidationCache
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from hub.settings import Settings
from schema import tiers
from schema.errors import classify
from schema.mutation import Mutation
from schema.query import Query
from schema.warnings import Subscription

SDL_PATH = Path(__file__).with_name("schema.graphql")


class HubSchema(strawberry.Schema):
    """Every error of a result gets its code here, once (schema.errors.classify), whichever stage
    raised it — parsing, validation, a limit or a resolver; only the unexpected ones are logged."""

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        return None

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        result = await super().execute(*args, **kwargs)
        if result.errors:
            result.errors = [classify(error) for error in result.errors]
        return result


def _attribute_or_key(root: Any, name: str) -> Any:
    """Domain dataclasses are read by attribute; rows from the store (plans, draws) by key."""
    return root.get(name) if isinstance(root, dict) else getattr(root, name)


def build_schema(settings: Settings) -> strawberry.Schema:
    # The limit rules are built once: the validation cache is keyed by the rule classes, and
    # strawberry's limiter extensions would build new classes per request (and never hit it).
    limits: list[type[ASTValidationRule]] = [depth_rule(settings.max_query_depth, None, None),
                                             alias_rule(settings.max_aliases)]
    schema = HubSchema(
        query=Query, mutation=Mutation, subscription=Subscription,
        config=StrawberryConfig(auto_camel_case=True, default_resolver=_attribute_or_key),
        extensions=[
            partial(MaxTokensLimiter, max_token_count=settings.max_query_tokens),
            partial(AddValidationRules, limits),
            partial(ParserCache, maxsize=1000),
            partial(ValidationCache, maxsize=1000),
        ],
    )
    tiers.install(schema._schema)
    return schema


def print_sdl(schema: strawberry.Schema) -> str:
    return schema.as_str() + "\n"
