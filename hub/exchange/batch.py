"""A batch: the signed unit of exchange — one page of a change feed, pulled or pushed.

On the wire the batch is the payload of a JWS (:mod:`hub.exchange.signing`)::

    {"protocol": 1, "id": "b-…", "sender": "henan-jiaxian", "sender_level": "county",
     "recipient": "henan-pingdingshan", "scope": "UP", "after": "1200", "cursor": "2200",
     "has_more": true, "issued_at": "2026-11-23T10:00:00+08:00", "items": [{…}, …]}

``after``/``cursor`` are the feed positions before and after the page (opaque strings to the
receiver). ``recipient`` binds the batch to one platform: a batch signed for the city is refused by
the province, so a relay cannot redirect it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import orjson

from hub.exchange.signing import BatchRefused
from hub.exchange.vocabulary import Direction, Scope

PROTOCOL = 1


@dataclass(frozen=True)
class Batch:
    id: str
    sender: str
    sender_level: str
    recipient: str
    scope: Scope
    after: str
    cursor: str
    has_more: bool
    issued_at: datetime
    items: list[dict[str, Any]] = field(default_factory=list)
    protocol: int = PROTOCOL

    def encode(self) -> bytes:
        # Not dataclasses.asdict: it deep-copies every item (a third of a page's serialization time).
        return orjson.dumps({name: getattr(self, name) for name in _FIELDS})

    @classmethod
    def decode(cls, payload: bytes) -> Batch:
        """Parse an opened batch's payload; a malformed envelope refuses the whole batch."""
        try:
            data = orjson.loads(payload)
        except orjson.JSONDecodeError:
            raise BatchRefused("the batch payload is not JSON") from None
        if not isinstance(data, dict):
            raise BatchRefused("the batch payload must be a JSON object")
        if data.get("protocol") != PROTOCOL:
            raise BatchRefused(f"batch protocol {data.get('protocol')!r} is not supported (this hub speaks {PROTOCOL})")
        missing = [name for name in ("id", "sender", "sender_level", "recipient", "scope", "after", "cursor",
                                     "has_more", "issued_at", "items") if name not in data]
        if missing:
            raise BatchRefused(f"the batch lacks {', '.join(missing)}")
        if not isinstance(data["items"], list):
            raise BatchRefused("the batch's items must be a list")
        if data["scope"] not in tuple(Scope):
            raise BatchRefused(f"the batch's scope must be UP or DOWN, not {data['scope']!r}")
        try:
            issued = datetime.fromisoformat(str(data["issued_at"]))
        except ValueError:
            raise BatchRefused("the batch's issued_at is not an ISO 8601 time") from None
        return cls(str(data["id"]), str(data["sender"]), str(data["sender_level"]), str(data["recipient"]),
                   Scope(data["scope"]), str(data["after"]), str(data["cursor"]), data["has_more"] is True, issued,
                   data["items"])


def position(cursor: str | None) -> int:
    """A feed position from its cursor; a cursor is the decimal sequence number, opaque to peers."""
    if cursor is None or cursor == "":
        return 0
    if not cursor.isdigit() or len(cursor) > 18:
        raise ValueError(f"cursor {cursor!r} is not one this hub gave out")
    return int(cursor)


_FIELDS = tuple(f.name for f in fields(Batch))


@dataclass(frozen=True)
class Checkpoint:
    """Where a peer's feed stands after a batch: ``key`` is ``<peer>:<direction>``."""

    peer: str
    direction: Direction
    cursor: str | None

    @property
    def key(self) -> str:
        return f"{self.peer}:{self.direction}"


@dataclass(frozen=True, slots=True)
class SyncCursor:
    """A checkpoint as stored: how far the exchange with one peer in one direction has come, and its
    running counts (none for ACKED, which only records how far a peer holds our feed)."""

    peer: str
    direction: str
    cursor: str | None
    updated_at: datetime
    batches: int | None
    applied: int | None
    unchanged: int | None
    dead_letters: int | None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An item a batch could not apply (or a peer refused), kept for the operator: which peer and batch,
    which item, why, and the item as received (JSON, truncated)."""

    id: str
    peer: str
    direction: str
    batch_id: str | None
    item_id: str | None
    reason: str
    item: str | None
    at: datetime
