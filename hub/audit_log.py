"""The audit log: one object that appends to the chain (group commit), verifies it and names its key.

Appending uses group commit: concurrent requests share one append transaction.

Every audited request must have its entries committed before its response leaves (hub.web). Done
one transaction per request, every request queued on the single ``AuditHead`` lock; under 16
clients most of the hub's time was spent waiting there. Instead, per process:

- a request hands its events to :meth:`AuditLog.append` and waits;
- at most one batch per process is being written at a time; events that arrive meanwhile gather
  into the next batch, which is written as soon as the current one commits (no timer, so a lone
  request waits for nothing but its own commit);
- while requests that will append are still executing (``expecting``), the flusher waits up to
  ``COMMIT_DELAY_S`` for them before it writes (PostgreSQL's commit_delay with commit_siblings): under 16
  bank clients batches held under two entries each, and every batch costs a commit of Neo4j's CPU on a
  machine whose cores the reads need too. A lone request has no siblings and waits for nothing;
- a batch is chained after the head this process wrote last and appended in one statement
  (hub.db.audit_store.append_after, one round trip); if another process appended since, the
  statement writes nothing and the batch goes through the locked path (audit_store.append), which
  reads the head under its write lock;
- each request's wait ends when its batch has committed, or raises what the write raised (the
  response is then withheld, as before);
- the flusher runs in a context of its own, not in that of the request that happened to start it: the
  batch is no one request's (its deadline does not bound the others'), and the statements it sends
  are counted for every request whose entries it carries (hub.db.gateway.counting);
- what disclosed nothing — an anonymous caller's refusals, one entry per request — is queued with
  :meth:`AuditLog.submit` and not waited for: such a request pays no commit (a crash before the
  next batch may lose those entries, never a read's). Since nobody waits for them, they gather for
  up to ``GATHER_S`` (or until a batch someone waits for takes them along): written at once, each
  went in a transaction of its own under 16 clients, and those commits halved the hub's throughput
  for queries naming a refused field (bench/lookup.py); gathered for 50 ms, they still cost a tenth.

So the chain stays one line, in commit order, across any number of hub processes on one Neo4j; a
process holds the head lock for one batch at a time instead of once per request.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from hub.audit import AuditEntry, AuditEvent, AuditKeys, VerifyReport, chain, verify
from hub.db import audit_store
from hub.db.audit_store import Head
from hub.db.gateway import DatabaseUnavailable, Neo4jGateway, StatementCount, counting, current_count

log = logging.getLogger(__name__)

MAX_BATCH_EVENTS = 2000  # one transaction's worth; a larger backlog goes in several batches
MAX_UNAWAITED = 10_000  # events queued without a waiter; past this, submit() waits like append()
# How long events nobody waits for gather before their batch is written. A batch's commit costs Neo4j
# about as much CPU as thirty entries do (hub serve, 16 anonymous clients naming a refused field: at 50 ms,
# 12 entries a batch, Neo4j spent 0.6–0.9 ms more per refused request than per plain one, at 250 ms
# 0.2–0.4 ms; throughput against plain 0.75–0.90 and 0.89–0.97). A crash may lose this much of them.
GATHER_S = 0.25
COMMIT_DELAY_S = 0.002  # how long a batch waits for requests still executing (``expecting``) to join it


@dataclass
class _Waiter:
    events: Sequence[AuditEvent]
    done: asyncio.Future[None]
    count: StatementCount | None  # the statements of the request that waits, if they are counted


class AuditLog:
    """The audit chain of this hub: appends with group commit, verifies, names the active key. One per
    process (per CreditHub); the keys are the only thing it needs besides the database."""

    def __init__(self, gateway: Neo4jGateway, keys: AuditKeys, *, gather_s: float = GATHER_S,
                 commit_delay_s: float = COMMIT_DELAY_S) -> None:
        self.gateway = gateway
        self.keys = keys
        self.gather_s = gather_s
        self.commit_delay_s = commit_delay_s
        self.batches = 0  # transactions written (tests, the bench and /metrics read these three)
        self.batch_seconds = 0.0  # time spent writing them, round trips included
        self.entries = 0  # entries they committed
        self._queue: list[_Waiter] = []
        self._flusher: asyncio.Task[None] | None = None
        self._head: Head | None = None  # the head this process wrote last: a hint, checked each time
        self._unawaited: set[asyncio.Future[None]] = set()
        self._gathering: list[AuditEvent] = []  # submitted, not yet in the queue
        self._gather_timer: asyncio.TimerHandle | None = None
        self._expected = 0  # requests executing that will append what they disclosed (``expecting``)
        self._arrived: asyncio.Event | None = None  # set when one of them is done: the flusher's wake-up

    @contextmanager
    def expecting(self) -> Iterator[None]:
        """Around the execution of a request that will append its entries and wait for them (a bank's, a
        department's): a batch about to be written waits a moment for it (``commit_delay_s``)."""
        self._expected += 1
        try:
            yield
        finally:
            self._expected -= 1
            if self._arrived is not None:
                self._arrived.set()

    async def append(self, events: Sequence[AuditEvent]) -> None:
        """Return once ``events`` are committed in the chain (in order, contiguous)."""
        if not events:
            return
        waiter = _Waiter(events, asyncio.get_running_loop().create_future(), current_count())
        self._queue.append(waiter)
        self._start_flusher()
        # shield: a request that goes away still has its entries written with the batch
        await asyncio.shield(waiter.done)

    async def submit(self, events: Sequence[AuditEvent]) -> None:
        """Queue ``events`` for a batch without waiting for its commit — for what disclosed nothing (an
        anonymous caller's refusals): they gather for ``gather_s`` first. Waits only when the queue is
        long (back-pressure)."""
        if not events:
            return
        if len(self._gathering) + sum(len(waiter.events) for waiter in self._queue) >= MAX_UNAWAITED:
            await self.append(events)
            return
        self._gathering.extend(events)
        if self._gather_timer is None:
            self._gather_timer = asyncio.get_running_loop().call_later(
                self.gather_s, self._gathered, context=contextvars.Context())

    def _gathered(self) -> None:
        self._take_gathered()
        self._start_flusher()

    def _take_gathered(self) -> None:
        """The submitted events join the queue, as one waiter nobody awaits (a failure is logged)."""
        if self._gather_timer is not None:
            self._gather_timer.cancel()
            self._gather_timer = None
        if not self._gathering:
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(_Waiter(self._gathering, done, None))
        self._gathering = []
        self._unawaited.add(done)
        done.add_done_callback(self._settled)

    def _start_flusher(self) -> None:
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), context=contextvars.Context())

    def _settled(self, done: asyncio.Future[None]) -> None:
        self._unawaited.discard(done)
        if not done.cancelled() and done.exception() is not None:
            log.error("audit entries of refusals could not be written: %s", done.exception())

    async def drain(self) -> None:
        """Until everything queued is committed (at shutdown): what is gathering is written now."""
        self._gathered()
        while self._unawaited or (self._flusher is not None and not self._flusher.done()):
            await asyncio.gather(*self._unawaited, *([self._flusher] if self._flusher else []),
                                 return_exceptions=True)

    async def _siblings(self) -> None:
        """Wait up to ``commit_delay_s`` while requests that will append are still executing: each that
        finishes (appending in the same step) wakes this, and the batch then carries its entries too."""
        loop = asyncio.get_running_loop()
        until = loop.time() + self.commit_delay_s
        while self._expected and (left := until - loop.time()) > 0:
            self._arrived = asyncio.Event()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                return
            finally:
                self._arrived = None

    async def _flush(self) -> None:
        while self._queue:
            if self._expected and self.commit_delay_s > 0:
                await self._siblings()
            self._take_gathered()  # a batch someone waits for takes along what is gathering
            batch: list[_Waiter] = []
            size = 0
            while self._queue and (not batch or size + len(self._queue[0].events) <= MAX_BATCH_EVENTS):
                waiter = self._queue.pop(0)
                batch.append(waiter)
                size += len(waiter.events)
            events = [event for waiter in batch for event in waiter.events]
            started = time.perf_counter()
            try:
                with counting() as sent:
                    await self._write(events)
            except Exception as exc:  # every waiter of the batch gets the failure
                self._head = None
                for waiter in batch:
                    if not waiter.done.done():
                        waiter.done.set_exception(exc)
                        waiter.done.exception()  # retrieved here: a waiter that left must not warn
                continue
            finally:
                self.batch_seconds += time.perf_counter() - started
            self.entries += len(events)
            for waiter in batch:
                if waiter.count is not None:
                    waiter.count.add(reads=sent.reads, writes=sent.writes)
                if not waiter.done.done():
                    waiter.done.set_result(None)

    async def _write(self, events: Sequence[AuditEvent]) -> None:
        self.batches += 1
        if self._head is not None:
            try:
                written = await audit_store.append_after(self.gateway, self._head, events, self._chain)
            except DatabaseUnavailable as exc:  # a transient failure: the locked path retries
                log.debug("audit fast path failed, taking the locked path: %s", exc)
                written = None
            if written is not None:
                self._head = written
                return
        self._head = await audit_store.append(self.gateway, events, self._chain)

    def _chain(self, seq: int, prev: str, events: Sequence[AuditEvent]) -> list[AuditEntry]:
        return chain(self.keys, seq, prev, events)

    @property
    def key_id(self) -> str:
        """The id of the key new entries are made with."""
        return self.keys.active

    async def verify(self) -> VerifyReport:
        """Every entry checked against its predecessor and its key, up to the head (``hub audit verify``)."""
        return await verify(self.keys, audit_store.entries(self.gateway), await audit_store.head(self.gateway))
