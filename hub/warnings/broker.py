"""Delivering warnings to the screens and jobs that keep a subscription open.

The stream is the database's: every change of a warning takes the next stream position in the
transaction that makes it (hub.db.warnings), whichever hub process, engine, lifecycle step or peer's
batch made it. One broker per hub process watches the stream's head — nudged by its own engine after
each commit, polling every ``poll_s`` for the rest while anyone subscribes — and wakes the
subscriptions when it moves. Each
subscription then reads, at its own pace, the changes after its own position that match its filter,
up to the head it was woken for: a slow screen lags, it never overflows or loses one, and a fast one
hears of a warning milliseconds after it is committed.

A subscription that gives ``after`` (the cursor of the last warning it received) resumes there: what
it missed while away is read like anything else, and nothing is sent twice. Without ``after`` it
starts at the stream's head as the database has it at that moment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator

from hub.db import warnings as store
from hub.db.gateway import DatabaseUnavailable, Neo4jGateway
from hub.warnings.heads import HeadGate
from hub.warnings.model import Warning, WarningFilter
from hub.warnings.waiting import nap

log = logging.getLogger("hub.warnings")

READ = 500  # changes read per round trip
RETRY_S = 0.02  # the head moved but its warning is not readable yet: look again this soon


class WarningBroker:
    def __init__(self, gateway: Neo4jGateway, poll_s: float = 0.1) -> None:
        self.gateway, self.poll_s = gateway, poll_s
        self._head = -1  # unknown until the first read
        self._moved = asyncio.Condition()
        self._wake = asyncio.Event()
        self._subscriptions = 0
        self.resting = False  # the last look found nobody subscribed: no more until woken
        self._stream_head = HeadGate("warning broker, stream")

    @property
    def head(self) -> int:
        return self._head

    @property
    def subscriptions(self) -> int:
        return self._subscriptions

    def nudge(self) -> None:
        """A warning was just committed in this process: look at the head now."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            delay: float | None = self.poll_s
            try:
                head, readable = await store.readable_stream_head(self.gateway)
                if not self._stream_head.passes(head, readable):  # moved, not yet readable: look again soon
                    delay = RETRY_S
                elif head != self._head:  # moved on (or back: a wiped database)
                    async with self._moved:
                        self._head = head
                        self._moved.notify_all()
            except DatabaseUnavailable:
                pass
            except Exception:
                log.exception("warning broker failed to read the stream's head; retrying")
            if self._subscriptions == 0 and self._head >= 0:
                # nobody listens: no polling (ten reads a second of Neo4j's and the hub's CPU, for no one)
                # until a subscription or this process's engine wakes it; a new subscription reads the
                # database's head itself before it waits on this one
                delay = None
            self.resting = delay is None
            await nap(self._wake, stop, delay)

    async def _head_after(self, position: int) -> int:
        """The head once it is known and past ``position`` (it may also have gone back)."""
        async with self._moved:
            await self._moved.wait_for(lambda: self._head >= 0 and self._head != position)
            return self._head

    async def subscribe(self, wanted: WarningFilter, after: int | None) -> AsyncGenerator[Warning, None]:
        """The warnings matching ``wanted`` changed after ``after`` — by default after the stream's head as
        the database has it when the subscription is made (not the broker's last look, which may lag: a
        warning committed a moment after subscribing is delivered) — as they come."""
        self._subscriptions += 1
        self._wake.set()  # the broker may be resting with nobody listening: it follows the head again
        try:
            if after is None:
                after, _ = await store.readable_stream_head(self.gateway)
            last = after
            async with self._moved:
                await self._moved.wait_for(lambda: self._head >= 0)
                head = self._head
            while True:
                if head < last:
                    stored, _ = await store.readable_stream_head(self.gateway)
                    if stored >= last:  # the broker has not caught up with the database yet: wait for it
                        head = await self._head_after(head)
                        continue
                    last = 0  # the stream went back (a wiped database): follow it from its start again
                rows = await store.stream(self.gateway, after=last, upto=head, limit=READ, wanted=wanted)
                for warning in rows:
                    yield warning
                if len(rows) == READ:
                    last = rows[-1].stream_seq or last
                    continue
                last = head  # every position up to the head is committed and was read
                head = await self._head_after(last)
        finally:
            self._subscriptions -= 1
