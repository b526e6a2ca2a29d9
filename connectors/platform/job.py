"""One sync round of a hub with its peers — the job behind ``hub sync run`` and ``hub sync serve``.

In order: pull each child's upward feed, push our upward feed to the parent (so what came up from
the children goes on up in the same round), pull the parent's downward feed (the province's public
evaluations). Each pulled batch is applied and its cursor checkpointed in one Neo4j transaction,
so a crash at any point resumes at the last applied batch: nothing lost, nothing doubled. A pushed
batch is checkpointed after the parent acknowledges it; a crash in between re-sends it, which the
parent's version rule makes a no-op.

Back-pressure: the fetcher runs at most ``prefetch`` pages ahead of the applier (a bounded queue),
so a slow database here slows the requests to the peer rather than filling memory.

Its own database going away ends the round, within a bound: every step on this hub's database
(reading a cursor, applying a batch with its checkpoint, reading a page to push, recording a push)
is given ``db_timeout_s`` (``HUB_SYNC_TIMEOUT``, 60 s by default; a killed Neo4j is noticed well
before, within the driver's connection timeout and retry window, ``HUB_NEO4J_TIMEOUT``). The link
in progress fails naming the database, the links after it are not attempted (they would need it
too), and ``SyncSummary.database_unavailable`` says so: ``hub sync run`` exits 1, ``hub sync serve``
waits for the database and resumes when it answers. What was applied before stays applied (each
batch is one transaction with its cursor), so the next round goes on from there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from connectors.platform.client import PeerClient, PeerRefused, PeerUnavailable
from hub.errors import DatabaseUnavailable
from hub.exchange.batch import Batch, Checkpoint, position
from hub.exchange.peers import Peer, PeerTokenMissing
from hub.exchange.service import Exchange, Refusal
from hub.exchange.signing import BatchRefused
from hub.exchange.vocabulary import Direction, Scope


@dataclass
class LinkSummary:
    """What one direction of one peer did in a round."""

    peer: str
    direction: Direction  # PULL_UP, PUSH, PULL_DOWN
    batches: int = 0
    items: int = 0
    applied: int = 0
    unchanged: int = 0
    dead_letters: int = 0
    cursor: str | None = None
    seconds: float = 0.0
    error: str | None = None
    subjects: set[str] = field(default_factory=set)  # whose records changed here in this round

    def describe(self) -> str:
        rate = f", {self.items / self.seconds:,.0f} items/s" if self.seconds > 0 and self.items else ""
        outcome = f" — FAILED: {self.error}" if self.error else ""
        return (f"{self.peer} {self.direction}: {self.batches} batches, {self.items:,} items "
                f"({self.applied:,} applied, {self.unchanged:,} unchanged, {self.dead_letters:,} dead-lettered), "
                f"cursor {self.cursor}, "
                f"{self.seconds:.1f} s{rate}{outcome}")


@dataclass
class SyncSummary:
    links: list[LinkSummary] = field(default_factory=list)
    database_unavailable: str | None = None  # why the round stopped early: this hub's database is gone

    @property
    def ok(self) -> bool:
        return self.database_unavailable is None and all(link.error is None for link in self.links)

    @property
    def subjects(self) -> set[str]:
        """Subjects whose records this round changed (``hub sync run --regrade`` grades them)."""
        return set().union(*(link.subjects for link in self.links))

    def describe(self) -> str:
        if not self.links:
            return "no peers to sync with (HUB_PEERS_FILE lists none with pull or push)"
        return "\n".join(link.describe() for link in self.links)


Progress = Callable[[LinkSummary], None]
log = logging.getLogger("connectors.platform")
_FAILURES = (PeerRefused, PeerUnavailable, PeerTokenMissing, BatchRefused)
DEFAULT_DB_TIMEOUT_S = 60.0
T = TypeVar("T")


class SyncJob:
    def __init__(self, exchange: Exchange, clients: Mapping[str, PeerClient], *, page_size: int = 1000,
                 prefetch: int = 2, progress: Progress | None = None,
                 db_timeout_s: float = DEFAULT_DB_TIMEOUT_S) -> None:
        self.exchange, self.clients = exchange, clients
        self.page_size, self.prefetch = page_size, prefetch
        self.progress = progress or (lambda _: None)
        self.db_timeout_s = db_timeout_s

    async def run_once(self, only: str | None = None) -> SyncSummary:
        summary = SyncSummary()
        peers = self.exchange.peers
        links: list[tuple[Peer, Direction, Callable[[Peer, LinkSummary], Awaitable[None]]]] = [
            (child, Direction.PULL_UP, self.pull) for child in peers.children
            if child.pull and only in (None, child.id)]
        parent = peers.parent
        if parent is not None and only in (None, parent.id):
            if parent.push:
                links.append((parent, Direction.PUSH, self.push))
            if parent.pull:
                links.append((parent, Direction.PULL_DOWN, self.pull))
        for peer, direction, run in links:
            if summary.database_unavailable is not None:  # every link needs it: say so, do not try
                summary.links.append(LinkSummary(peer.id, direction, error="not attempted: "
                                                 + summary.database_unavailable))
                continue
            link = await self._guarded(peer, direction, run, summary)
            summary.links.append(link)
        return summary

    async def _guarded(self, peer: Peer, direction: Direction, run: Callable[[Peer, LinkSummary], Awaitable[None]],
                       summary: SyncSummary) -> LinkSummary:
        link = LinkSummary(peer.id, direction)
        started = time.perf_counter()
        try:
            await run(peer, link)
        except DatabaseUnavailable as exc:
            link.error = summary.database_unavailable = str(exc)
        except _FAILURES as exc:
            link.error = str(exc)
        except Exception as exc:  # a bug or a peer's nonsense must not stop the other links
            log.exception("sync with %s %s failed unexpectedly", peer.id, direction)
            link.error = f"unexpected {type(exc).__name__}: {exc} (see the log)"
        link.seconds = time.perf_counter() - started
        self.progress(link)
        return link

    async def pull(self, peer: Peer, link: LinkSummary) -> None:
        """Apply a peer's feed page by page from our checkpoint, fetching ahead at most ``prefetch`` pages."""
        scope = link.direction.scope
        start = await self._db(self.exchange.cursor(peer.id, link.direction))
        link.cursor = start
        pages: asyncio.Queue[Batch | BaseException | None] = asyncio.Queue(maxsize=self.prefetch)

        async def fetch() -> None:
            after = start
            try:
                while True:
                    signed = await self.clients[peer.id].changes(scope, after, self.page_size)
                    batch = self.exchange.open(peer, signed, after=after, scope=scope)
                    await pages.put(batch)
                    if not batch.items and (not batch.has_more or batch.cursor == str(position(after))):
                        break
                    after = batch.cursor
                await pages.put(None)
            except Exception as exc:  # handed to the applier, which raises it
                await pages.put(exc)
            # Not BaseException: the applier cancels a fetcher that is blocked on a full queue when it
            # fails itself, and a fetcher that caught that cancellation would block on put() forever
            # (the round never ended: `hub sync run` hung when its database went away).

        fetcher = asyncio.create_task(fetch())
        try:
            while (batch := await pages.get()) is not None:
                if isinstance(batch, BaseException):
                    raise batch
                receipt = await self._db(self.exchange.apply(peer.id, batch,
                                                             Checkpoint(peer.id, link.direction, batch.cursor)))
                self._count(link, len(batch.items), receipt.applied, receipt.unchanged, len(receipt.dead_letters))
                link.subjects |= receipt.subjects
                link.cursor = batch.cursor
        finally:
            if not fetcher.done():
                fetcher.cancel()
            await asyncio.gather(fetcher, return_exceptions=True)
        if scope is Scope.UP and link.cursor is not None and link.cursor != start:
            # Everything up to the cursor is applied and checkpointed: tell the child (its outbox).
            await self.clients[peer.id].acknowledge(link.cursor)

    async def push(self, peer: Peer, link: LinkSummary) -> None:
        """Send our upward feed to the parent from our checkpoint; checkpoint each batch it acknowledges."""
        after = await self._db(self.exchange.cursor(peer.id, Direction.PUSH))
        link.cursor = after
        while True:
            page = await self._db(self.exchange.page_for(peer.id, Scope.UP, after, self.page_size))
            refused: list[Refusal] = []
            batch_id = None
            if page.count:
                receipt = await self.clients[peer.id].push(page.signed)
                batch_id = str(receipt.get("batchId"))
                refused = [Refusal(d.get("itemId"), str(d.get("reason"))) for d in receipt.get("deadLetters") or []]
                self._count(link, page.count, int(receipt["applied"]), int(receipt["unchanged"]), len(refused))
            await self._db(self.exchange.pushed(peer.id, page.cursor, batch_id, refused))
            link.cursor = after = page.cursor
            if not page.has_more:
                break

    async def _db(self, step: Awaitable[T]) -> T:
        """A step on this hub's database, bounded: one that does not answer in time is unavailable."""
        try:
            async with asyncio.timeout(self.db_timeout_s):
                return await step
        except TimeoutError:
            raise DatabaseUnavailable(
                f"the credit database (Neo4j at {self.exchange.gateway.uri}) did not answer within "
                f"{self.db_timeout_s:g} s (HUB_SYNC_TIMEOUT); the step was abandoned and rolled back") from None

    def _count(self, link: LinkSummary, items: int, applied: int, unchanged: int, dead: int) -> None:
        link.batches += 1
        link.items += items
        link.applied += applied
        link.unchanged += unchanged
        link.dead_letters += dead
        self.progress(link)
