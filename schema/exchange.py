"""The platform exchange in GraphQL (docs/exchange-protocol.md): the change feed, pushed batches,
dead letters and sync state. Who may call each field is a rule in schema.tiers."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from hub.disclosure import Tier
from hub.exchange.service import Receipt, SignedPage
from hub.exchange.vocabulary import Scope


@strawberry.enum(name="ChangeScope", description="Which of a hub's two feeds.")
class ChangeScope(Enum):
    UP = strawberry.enum_value("UP", description="Records and evaluations of this level and below, for the parent.")
    DOWN = strawberry.enum_value("DOWN", description="PUBLIC evaluations made at this level or above, for children.")


@strawberry.type(name="ChangeBatch", description="One signed page of a change feed.")
class ChangeBatchType:
    signed: str = strawberry.field(description="The batch: a compact JWS (EdDSA) whose kid is this platform. "
                                   "Only its verified payload is authoritative.")
    count: int = strawberry.field(description="Items in the batch (unsigned convenience copy).")
    cursor: str = strawberry.field(description="Ask for `after: cursor` next (unsigned convenience copy).")
    has_more: bool = strawberry.field(description="Whether another page is waiting (unsigned convenience copy).")


@strawberry.type(name="Refusal", description="A dead-lettered item and why.")
class RefusalType:
    item_id: str | None
    reason: str


@strawberry.type(name="PushReceipt", description="What became of a pushed batch.")
class PushReceiptType:
    batch_id: str
    cursor: str
    applied: int = strawberry.field(description="Items that were new or newer versions.")
    unchanged: int = strawberry.field(description="Items already held at this or a newer version.")
    dead_letters: list[RefusalType]


@strawberry.type(name="DeadLetter", description="An item a peer sent that failed validation, with the reason.")
class DeadLetterType:
    id: strawberry.ID
    peer: str
    direction: str
    batch_id: str | None
    item_id: str | None
    reason: str
    item: str = strawberry.field(description="The item as received (JSON, truncated).")
    at: datetime


@strawberry.type(name="SyncCursor", description="How far an exchange with one peer has come.")
class SyncCursorType:
    peer: str
    direction: str = strawberry.field(description="PULL_UP, PULL_DOWN, PUSH, RECEIVED or ACKED.")
    cursor: str | None
    updated_at: datetime
    batches: int | None
    applied: int | None
    unchanged: int | None
    dead_letters: int | None


@strawberry.type(name="Platform", description="This hub in the platform tree, and the key peers verify it with.")
class PlatformType:
    id: str
    level: str
    region: str
    public_key: str = strawberry.field(description="Ed25519, base64url: the public_key of its peers-file entry.")


async def changes(info: Info, scope: ChangeScope = ChangeScope.UP, after: str | None = None,
                  first: int = 1000) -> ChangeBatchType:
    page: SignedPage = await info.context.hub.exchange.serve_changes(info.context.viewer.org, Scope(scope.name), after,
                                                                     first)
    # the upward feed carries every tier; the downward one PUBLIC evaluations only — both are audited
    info.context.note_served(f"Query.changes({scope.value})", page.subjects,
                             Tier.INTERNAL if scope is ChangeScope.UP else Tier.PUBLIC)
    return ChangeBatchType(signed=page.signed, count=page.count, cursor=page.cursor, has_more=page.has_more)


async def push_changes(info: Info, batch: str) -> PushReceiptType:
    receipt: Receipt = await info.context.hub.exchange.receive_push(info.context.viewer.org, batch)
    info.context.note_write(f"platform batch {receipt.batch_id} from {receipt.sender}: {receipt.applied} applied, "
                            f"{receipt.unchanged} unchanged, {len(receipt.dead_letters)} dead-lettered")
    return PushReceiptType(batch_id=receipt.batch_id, cursor=receipt.cursor, applied=receipt.applied,
                           unchanged=receipt.unchanged,
                           dead_letters=[RefusalType(item_id=r.item_id, reason=r.reason) for r in receipt.dead_letters])


async def acknowledge_changes(info: Info, up_to: str) -> int:
    delivered: int = await info.context.hub.exchange.acknowledged(info.context.viewer.org, up_to)
    info.context.note_write(f"platform acknowledged our feed up to {up_to}: {delivered} outbox entries delivered")
    return delivered


async def dead_letters(info: Info, peer: str | None = None, first: int = 100) -> list[DeadLetterType]:
    letters = await info.context.hub.exchange.dead_letters(peer, first)
    return [DeadLetterType(id=strawberry.ID(d.id), peer=d.peer, direction=d.direction, batch_id=d.batch_id,
                           item_id=d.item_id, reason=d.reason, item=d.item or "", at=d.at) for d in letters]


async def sync_status(info: Info) -> list[SyncCursorType]:
    cursors = await info.context.hub.exchange.status()
    return [SyncCursorType(peer=c.peer, direction=c.direction, cursor=c.cursor, updated_at=c.updated_at,
                           batches=c.batches, applied=c.applied, unchanged=c.unchanged,
                           dead_letters=c.dead_letters) for c in cursors]


def platform(info: Info) -> PlatformType:
    exchange = info.context.hub.exchange
    me = exchange.platform
    return PlatformType(id=me.id, level=me.level, region=me.region, public_key=exchange.public_key)
