"""Build the executable schema: types, limits, the error policy, and the tier mechanism."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import MaxTokensLimiter
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from hub.bank_consents import MAX_PAGE as MAX_CONSENT_PAGE
from hub.exchange.service import MAX_DEAD_LETTERS
from hub.exchange.service import MAX_PAGE as MAX_FEED_PAGE
from hub.settings import Settings
from schema import fast_fields, tiers
from schema.errors import classify
from schema.limits import DemandControl, QueryLimits
from schema.mutation import Mutation
from schema.operation_label import OperationLabel
from schema.prepared import PreparedQueries
from schema.query import Query
from schema.visibility import TierExecutor, TierValidation
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


def build_schema(settings: Settings, *, direct_resolvers: bool = True) -> strawberry.Schema:
    # The limit rules are built once and run on every request as sent; the rest of validation runs
    # against the schema the viewer's audience sees (schema.visibility). Demand control measures each
    # document first and keeps accepted ones parsed and validated, per role and query text.
    limits: list[type[ASTValidationRule]] = [depth_rule(settings.max_query_depth, None, None),
                                             alias_rule(settings.max_aliases)]
    demand = QueryLimits(
        max_cost=settings.max_query_cost, list_size=settings.query_list_size,
        max_selections=settings.max_selections, max_field_repeats=settings.max_field_repeats,
        # the largest first: each field accepts (its resolver refuses more, before any work)
        slice_maxima={("Query", "subjects"): settings.max_page_size, ("Query", "changes"): MAX_FEED_PAGE,
                      ("Query", "deadLetters"): MAX_DEAD_LETTERS, ("Query", "myConsents"): MAX_CONSENT_PAGE})
    schema = HubSchema(
        query=Query, mutation=Mutation, subscription=Subscription,
        config=StrawberryConfig(auto_camel_case=True, default_resolver=_attribute_or_key),
        extensions=[
            partial(MaxTokensLimiter, max_token_count=settings.max_query_tokens),
            # measures each document before validation; parses and validates each accepted text once
            partial(DemandControl, limits=demand, gate=asyncio.Lock(),
                    prepared=PreparedQueries(settings.query_cache_bytes)),
            TierValidation,  # after DemandControl: it validates what the cache did not answer
            OperationLabel,  # names the operation for /metrics
        ],
        execution_context_class=TierExecutor,
    )
    # before the tier mechanism wraps its fields; without direct resolvers in tests/test_fast_fields.py, and
    # whenever the schema has exception handlers (a direct call would pass them by)
    fast_fields.install(schema._schema, _attribute_or_key, schema.config,
                        resolvers=direct_resolvers and not schema.exception_handlers)
    tiers.install(schema._schema, limits)
    fast_fields.leaves(schema._schema)  # after the tier mechanism: a field it wraps is not a plain leaf
    return schema


def print_sdl(schema: strawberry.Schema) -> str:
    return schema.as_str() + "\n"
