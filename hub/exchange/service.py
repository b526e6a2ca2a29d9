"""The exchange, as one hub sees it: serve its feed to peers, open and apply their batches.

Who may do what (docs/exchange-protocol.md §Roles):

- the **upward** feed (records and evaluations of every tier, from this level and below) is read by
  the parent platform only — "谁评价谁共享", upwards to the platform of the level above;
- the **downward** feed (PUBLIC evaluations made at this level or above — the province's public
  credit evaluations, seed 000 §三) is read by children only;
- a child pushes its upward feed to us; a parent may push its downward feed to us.

A caller proves which platform it is twice: its bearer token (PLATFORM role, ``org`` = its platform
id, issued by this hub) and the batch's Ed25519 signature under the key its peers-file entry holds.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub import clock, errors
from hub.db import feed
from hub.db.current import Authority
from hub.db.feed import FeedRow
from hub.db.gateway import Neo4jGateway
from hub.disclosure import Disclosure
from hub.errors import BadInput, Forbidden
from hub.exchange import items, levels
from hub.exchange.batch import Batch, Checkpoint, DeadLetter, SyncCursor, position
from hub.exchange.peers import Peer, Peers, Platform, Relation
from hub.exchange.signing import BatchRefused, open_signed, public_key_text, sign
from hub.exchange.vocabulary import Direction, ItemType, Scope
from hub.paging import page_size

MAX_PAGE = 5000  # change-feed items in one signed page
MAX_DEAD_LETTERS = 1000  # dead letters listed at once


class NotAPeer(Forbidden):
    """The caller is not a platform this hub exchanges with in that direction (FORBIDDEN)."""


class ExchangeInputError(BadInput):
    """A request argument the exchange cannot take (a page size, a cursor); BAD_USER_INPUT."""


def _position(cursor: str | None) -> int:
    try:
        return position(cursor)
    except ValueError as exc:
        raise ExchangeInputError(str(exc)) from None


class Busy(errors.Busy):
    """Back-pressure: this hub is applying as many batches as it will at once; retry after a pause."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"this hub is applying other batches; retry in {retry_after_s:g} s", retry_after_s)


@dataclass(frozen=True)
class SignedPage:
    signed: str
    count: int
    cursor: str
    has_more: bool
    subjects: tuple[str, ...] = ()  # whose items it carries (the reader's audit entry names them)


@dataclass(frozen=True)
class Refusal:
    item_id: str | None
    reason: str


@dataclass(frozen=True)
class Receipt:
    batch_id: str
    sender: str
    cursor: str
    applied: int
    unchanged: int
    dead_letters: list[Refusal] = field(default_factory=list)
    subjects: frozenset[str] = frozenset()  # subjects whose records changed here (to re-grade)


class Exchange:
    def __init__(self, gateway: Neo4jGateway, platform: Platform, peers: Peers, key: Ed25519PrivateKey,
                 max_concurrent_batches: int = 2, authority: Authority | None = None) -> None:
        self.gateway, self.platform, self.peers, self.key = gateway, platform, peers, key
        # Whether an evaluation of a scheme made at a level stands in its issuer's name (hub.db.current).
        self.authority = authority
        self._slots = asyncio.Semaphore(max_concurrent_batches)

    @property
    def public_key(self) -> str:
        return public_key_text(self.key)

    # --- serving the feed ----------------------------------------------------------------------
    async def serve_changes(self, caller: str | None, scope: Scope, after: str | None, first: int) -> SignedPage:
        """A page of this hub's feed for the peer ``caller`` (a PLATFORM token's org)."""
        peer = self._peer(caller)
        wanted = Relation.PARENT if scope is Scope.UP else Relation.CHILD
        if peer.relation is not wanted:
            raise NotAPeer(f"platform {peer.id} is our {peer.relation.value}; the {scope.lower()}ward feed is "
                           f"for our {wanted.value} only")
        return await self.page_for(peer.id, scope, after, first)

    async def acknowledged(self, caller: str | None, cursor: str) -> int:
        """The parent has applied our upward feed up to ``cursor`` (it says so after checkpointing):
        returns how many outbox entries that delivers."""
        peer = self._peer(caller)
        if peer.relation is not Relation.PARENT:
            raise NotAPeer(f"platform {peer.id} is our {peer.relation.value}; only our parent acknowledges our feed")
        return await feed.acknowledge(self.gateway, peer.id, _position(cursor))

    async def page_for(self, recipient: str, scope: Scope, after: str | None, first: int) -> SignedPage:
        """Sequence what is pending, read one page after ``after`` and sign it for ``recipient``."""
        first = page_size(first, MAX_PAGE, error=ExchangeInputError)
        start = _position(after)
        numbered = await feed.sequence(self.gateway, self.platform.id, self.platform.level)
        if scope is Scope.UP:  # ours and what came from below; never what came down from above
            rows = await feed.page(self.gateway, after=start, first=first, levels=self.platform.levels_up_to(),
                                   records=True, disclosures=list(Disclosure))
        else:  # public evaluations made here or above (seed 000 §三: 省级平台 → 各地各部门)
            rows = await feed.page(self.gateway, after=start, first=first, levels=self.platform.levels_from(),
                                   records=False, disclosures=[Disclosure.PUBLIC])
        full = len(rows) == first
        # A short page holds every matching item up to the head the sequencer left: the cursor may skip to it.
        end = rows[-1].seq if full else max([start, numbered.head, *(r.seq for r in rows)])
        has_more = full or numbered.count >= feed.SEQUENCE_CHUNK
        batch = Batch(id=f"b-{uuid.uuid4().hex}", sender=self.platform.id, sender_level=self.platform.level,
                      recipient=recipient, scope=scope, after=str(start), cursor=str(end), has_more=has_more,
                      issued_at=clock.now(), items=[outgoing(row) for row in rows])
        return SignedPage(sign(batch.encode(), self.key, self.platform.id), len(rows), str(end), has_more,
                          tuple(sorted({row.uscc for row in rows if row.uscc is not None})))

    # --- receiving -----------------------------------------------------------------------------
    async def receive_push(self, caller: str | None, signed: str) -> Receipt:
        """A batch a peer pushed: refused whole unless its signature, signer and recipient hold."""
        peer = self._peer(caller)
        if self._slots.locked():
            raise Busy(1.0)
        async with self._slots:
            batch = self.open(peer, signed)
            wanted = Scope.UP if peer.relation is Relation.CHILD else Scope.DOWN
            if batch.scope != wanted:
                raise BatchRefused(f"platform {peer.id} is our {peer.relation.value}: it may push {wanted} batches, "
                                   f"not {batch.scope}")
            return await self.apply(peer.id, batch, Checkpoint(peer.id, Direction.RECEIVED, batch.cursor))

    def open(self, peer: Peer, signed: str, *, after: str | None = None, scope: Scope | None = None) -> Batch:
        """Verify and parse a batch from ``peer``; a pulled page must start ``after`` the cursor and be of
        the ``scope`` that was asked for."""
        opened = open_signed(signed, {peer.id: peer.public_key})
        batch = Batch.decode(opened.payload)
        if scope is not None and batch.scope != scope:
            raise BatchRefused(f"asked for the {scope} feed but the signed batch is {batch.scope}")
        if batch.sender != peer.id:
            raise BatchRefused(f"the batch names {batch.sender!r} as sender but is signed by {peer.id}")
        if batch.recipient != self.platform.id:
            raise BatchRefused(f"the batch is addressed to {batch.recipient!r}, not to this hub ({self.platform.id})")
        if after is not None and batch.after != str(position(after)):
            raise BatchRefused(f"asked for the feed after {after} but the signed batch starts after {batch.after}: "
                               "a replayed or substituted page")
        return batch

    async def apply(self, peer_id: str, batch: Batch, checkpoint: Checkpoint) -> Receipt:
        """Apply the valid items of an opened batch and dead-letter the rest with their reasons, advancing
        ``checkpoint`` in the same transaction."""
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        letters: list[dict[str, Any]] = []
        refusals: list[Refusal] = []
        for index, raw in enumerate(batch.items):
            item = items.check(raw)
            reason = item if isinstance(item, str) else self._out_of_scope(item, batch.scope)
            if reason is not None:
                item_id = items.item_id(raw)
                refusals.append(Refusal(item_id, f"item {index}: {reason}"))
                letters.append(feed.dead_letter(checkpoint, batch.id, item_id, f"item {index}: {reason}", raw))
                continue
            assert not isinstance(item, str)
            row = items.row_for(item)
            row["type"] = item.type
            if isinstance(item, items.EvaluationItem):
                row["props"].update(self._standing(item))
            key = (item.type, item.id)
            if key not in rows or rows[key]["version"] < row["version"]:
                rows[key] = row
        result = await feed.apply(self.gateway, list(rows.values()), letters, checkpoint, batch.id, self.authority)
        refusals += [Refusal(item_id, reason) for item_id, reason in result.conflicts]
        changed = set(result.applied)
        subjects = frozenset(row["subject"]["uscc"] for row in rows.values()
                             if row["type"] == ItemType.RECORD and row["id"] in changed)
        return Receipt(batch.id, peer_id, batch.cursor, len(result.applied), len(result.unchanged), refusals, subjects)

    # --- cursors ---------------------------------------------------------------------------------
    async def cursor(self, peer_id: str, direction: Direction) -> str | None:
        """Where our exchange with a peer stands in one direction (None: from the beginning)."""
        return await feed.cursor(self.gateway, peer_id, direction)

    async def pushed(self, parent_id: str, cursor: str, batch_id: str | None = None,
                     refused: Sequence[Refusal] = ()) -> None:
        """The parent acknowledged our feed up to ``cursor``: keep what it refused (as our own dead letters,
        direction ``PUSH_REFUSED``, for our operator to fix at the source), checkpoint, deliver the outbox."""
        refusals = Checkpoint(parent_id, Direction.PUSH_REFUSED, cursor)
        await feed.add_dead_letters(self.gateway, [
            feed.dead_letter(refusals, batch_id or "", r.item_id, r.reason, None) for r in refused])
        await feed.save_checkpoint(self.gateway, Checkpoint(parent_id, Direction.PUSH, cursor), dead=len(refused))
        await feed.acknowledge(self.gateway, parent_id, _position(cursor))

    # --- reading state -------------------------------------------------------------------------
    async def dead_letters(self, peer: str | None, first: int) -> list[DeadLetter]:
        first = page_size(first, MAX_DEAD_LETTERS)
        return await feed.dead_letters(self.gateway, peer=peer, first=first)

    async def status(self) -> list[SyncCursor]:
        return await feed.cursors(self.gateway)

    async def health(self) -> feed.SyncHealth:
        """Each peer's last sync round per direction and the dead letters held (/metrics)."""
        return await feed.sync_health(self.gateway)

    def _standing(self, item: items.EvaluationItem) -> dict[str, Any]:
        """Who computed an arriving evaluation and in whose name it stands — judged here from its origin
        level, not taken from the sender: a county's own public-credit result stays the county's, whatever
        name it carries (seed 000 §二.(一): the province issues the public credit evaluation)."""
        issued = True if self.authority is None else self.authority(item.scheme, item.origin_level)
        return {"computed_by": item.origin_platform, "authoritative": issued,
                "issued_in_name_of": item.issuer if issued else item.origin_platform}

    def _out_of_scope(self, item: items.AnyItem, scope: Scope) -> str | None:
        """Upward items come from below this level, downward ones from above it, and only PUBLIC
        evaluations come down: a peer cannot pass an item off as another level's."""
        origin = levels.rank(item.origin_level)
        if scope is Scope.UP and origin >= self.platform.rank:
            return (f"origin_level {item.origin_level} is not below this {self.platform.level} platform: "
                    "an upward batch carries items from lower levels only")
        if scope is Scope.DOWN:
            if origin <= self.platform.rank:
                return (f"origin_level {item.origin_level} is not above this {self.platform.level} platform: "
                        "a downward batch carries items from higher levels only")
            if not (isinstance(item, items.EvaluationItem) and item.disclosure.value == "PUBLIC"):
                return ("a downward batch carries only PUBLIC evaluations (seed 000 §三); this item stays where "
                        "it was issued")
        return None

    def _peer(self, caller: str | None) -> Peer:
        peer = self.peers.get(caller)
        if peer is None:
            raise NotAPeer(f"platform {caller!r} is not a peer of this hub ({self.platform.id}); its operator lists "
                           "peers in HUB_PEERS_FILE")
        return peer


def outgoing(row: FeedRow) -> dict[str, Any]:
    """A feed row as the item a peer receives (see hub.exchange.items)."""
    node = row.node
    names: Sequence[str] = items.PROPERTIES[ItemType(row.type)]
    item: dict[str, Any] = {"type": row.type}
    for name in (*names, *items.PROVENANCE):
        item[name] = node.get(name)
    item["subject_uscc"], item["subject_name"] = row.uscc, row.subject_name
    if row.type == ItemType.RECORD:
        item["issuing_department_name"] = row.department_name
    return item
