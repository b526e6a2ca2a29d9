"""Build the executable schema: types, limits, the error policy, and the tier mechanism."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from hub.settings import Settings
from schema import tiers
from schema.errors import ErrorPolicy
from schema.mutation import Mutation
from schema.query import Query

SDL_PATH = Path(__file__).with_name("schema.graphql")


class HubSchema(strawberry.Schema):
    """Leaves error logging to :class:`ErrorPolicy`, which logs only what is unexpected."""

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        return None


def build_schema(settings: Settings) -> strawberry.Schema:
    schema = HubSchema(
        query=Query, mutation=Mutation,
        config=StrawberryConfig(auto_camel_case=True),
        extensions=[
            ErrorPolicy,
            partial(QueryDepthLimiter, max_depth=settings.max_query_depth),
            partial(MaxTokensLimiter, max_token_count=settings.max_query_tokens),
            partial(MaxAliasesLimiter, max_alias_count=settings.max_aliases),
        ],
    )
    tiers.install(schema._schema)
    return schema


def print_sdl(schema: strawberry.Schema) -> str:
    return schema.as_str() + "\n"
