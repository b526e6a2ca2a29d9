"""``myConsents``: a bank lists the consents granted to it (hub.bank_consents), paged, with its count.

The tier rule (schema/tiers.py FIELD_RULES) opens the field to bank tokens only; which consents is the
token's organization, never an argument.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.bank_consents import ConsentStatus, encode_cursor
from hub.disclosure import Tier
from schema.context import HubContext
from schema.types import TOTAL_COUNT, ConsentType, Counter, PageInfo


@strawberry.type(name="ConsentEdge")
class ConsentEdge:
    cursor: str
    node: ConsentType


@strawberry.type(name="ConsentConnection", description="Relay-style page of consents, newest grant first.")
class ConsentConnection:
    edges: list[ConsentEdge]
    page_info: PageInfo
    counter: strawberry.Private[Counter]

    @strawberry.field
    def nodes(self) -> list[ConsentType]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description=TOTAL_COUNT)
    async def total_count(self) -> int:
        return await self.counter()


async def my_consents(
    info: Info,
    status: Annotated[ConsentStatus | None, strawberry.argument(
        description="Only consents with this status now (default: all).")] = None,
    first: int | None = 20,
    after: str | None = None,
) -> ConsentConnection:
    context: HubContext = info.context
    page = await context.hub.my_consents(context.viewer, status=status, first=first, after=after)
    context.note_served("Query.myConsents", [c.subject_uscc for c in page.consents], Tier.AUTHORIZED)
    edges = [ConsentEdge(cursor=encode_cursor(c), node=c)  # type: ignore[arg-type]
             for c in page.consents]
    return ConsentConnection(
        edges=edges, counter=lambda: context.hub.count_my_consents(context.viewer, status=status),
        page_info=PageInfo(has_next_page=page.has_next, has_previous_page=after is not None,
                           start_cursor=edges[0].cursor if edges else None,
                           end_cursor=edges[-1].cursor if edges else None))
