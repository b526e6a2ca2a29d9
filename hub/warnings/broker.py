"""Delivering warnings to the screens and jobs that keep a subscription open.

One broker per hub process follows the stream of warning changes in the database (``stream_seq``,
hub.db.warnings) and hands each to the subscribers whose filter it matches. It reads the database
rather than trusting what its own engine raised, so it also delivers what another hub process's engine
raised or a lifecycle step changed, and what arrived from a peer; the local engine nudges it after
each commit so a warning reaches its subscriber in milliseconds, and it polls every ``poll_s`` for
the rest.

A subscriber that gives ``after`` (the cursor of the last warning it received) is first replayed what
it missed from the database, then joins the live stream with no gap and no repeat: it registers
before it reads, and everything the broker delivered before that moment is at or below the position
it reads up to. A subscriber that falls more than ``QUEUE`` warnings behind is dropped with an error
naming the cursor to resume from.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from hub.db import warnings as store
from hub.db.gateway import DatabaseUnavailable, Neo4jGateway
from hub.errors import Busy
from hub.warnings.model import Warning, WarningFilter

log = logging.getLogger("hub.warnings")

QUEUE = 1000
READ = 500


class SubscriberTooSlow(Busy):
    """The subscriber fell too far behind; it reconnects with ``after`` to resume without loss."""

    def __init__(self, cursor: int) -> None:
        super().__init__(f"this subscription fell more than {QUEUE} warnings behind and was closed; subscribe "
                         f"again with after: \"{cursor}\" to receive the rest", 1.0)


@dataclass(eq=False)
class _Subscriber:
    wanted: WarningFilter
    queue: asyncio.Queue[Warning] = field(default_factory=lambda: asyncio.Queue(QUEUE))
    overflowed: bool = False


class WarningBroker:
    def __init__(self, gateway: Neo4jGateway, poll_s: float = 0.25) -> None:
        self.gateway, self.poll_s = gateway, poll_s
        self._subscribers: set[_Subscriber] = set()
        self._position = 0
        self._idle = 0
        self._wake = asyncio.Event()
        self._started = asyncio.Event()

    @property
    def position(self) -> int:
        return self._position

    def nudge(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not self._started.is_set() and not stop.is_set():
            try:
                self._position = await store.stream_head(self.gateway)
                self._started.set()
            except DatabaseUnavailable:
                await asyncio.sleep(1.0)
        while not stop.is_set():
            try:
                while await self._deliver():
                    pass
            except DatabaseUnavailable:
                pass
            except Exception:
                log.exception("warning broker failed to read the stream; retrying")
            waiter = asyncio.create_task(self._wake.wait())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({waiter, stopper}, timeout=self.poll_s, return_when=asyncio.FIRST_COMPLETED)
            for task in (waiter, stopper):
                task.cancel()
            self._wake.clear()

    async def _deliver(self) -> bool:
        """Read the next changes after our position and hand them out; True when there may be more."""
        rows = await store.stream(self.gateway, after=self._position, limit=READ)
        # From here to the end of this method nothing awaits: a subscriber registering concurrently sees
        # either none of these rows delivered (and reads them itself) or all of them.
        for warning in rows:
            for subscriber in list(self._subscribers):
                if subscriber.wanted.matches(warning) and not subscriber.overflowed:
                    try:
                        subscriber.queue.put_nowait(warning)
                    except asyncio.QueueFull:
                        subscriber.overflowed = True
        if rows:
            self._position = rows[-1].stream_seq or self._position
        else:
            self._idle += 1
            if self._idle % 40 == 0 and self._position and await store.stream_head(self.gateway) < self._position:
                self._position = 0  # the stream went back (a wiped database): follow it from its start again
        return len(rows) == READ

    async def subscribe(self, wanted: WarningFilter, after: int | None) -> AsyncIterator[Warning]:
        """The warnings matching ``wanted`` changed after ``after`` (default: from now), then live."""
        await self._started.wait()
        subscriber = _Subscriber(wanted)
        self._subscribers.add(subscriber)
        try:
            mark = self._position
            last = mark if after is None else after
            while last < mark:
                rows = [w for w in await store.stream(self.gateway, after=last, limit=READ, wanted=wanted)
                        if (w.stream_seq or 0) <= mark]
                if not rows:
                    break
                for warning in rows:
                    last = warning.stream_seq or last
                    yield warning
            last = max(last, mark)
            while True:  # the broker queues only positions after `mark`, in order
                if subscriber.overflowed and subscriber.queue.empty():
                    raise SubscriberTooSlow(last)
                warning = await subscriber.queue.get()
                last = warning.stream_seq or last
                yield warning
        finally:
            self._subscribers.discard(subscriber)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)
