"""A statistic kept for a short while: served from memory while it is young, recounted behind the caller's back
once it is older, recounted in front of the caller once it is far too old.

The console's grade breakdown counts every evaluation in force (one scan: about a second at 100,000 subjects on
two cores), and a dashboard is opened far more often than grades change. Government dashboards say when their
figures were counted ("统计时间"); so does this one (``Counted.at``), and no figure is ever older than
``max_age_s`` × :data:`STALE_FACTOR` when it is shown:

- younger than ``max_age_s``: served as it is;
- older: served as it is, and one recount starts in the background (callers meanwhile share it);
- older than ``max_age_s`` × ``STALE_FACTOR``, or never counted: the caller waits for the recount;
- ``max_age_s`` 0: every call counts afresh (the test suite's setting, whose modules count what they wrote).

What is kept is the same for every viewer allowed to ask (the tier mechanism decides who may, before this is
reached): nothing viewer-specific is cached here.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from hub import clock

log = logging.getLogger(__name__)

T = TypeVar("T")
STALE_FACTOR = 10  # past ten times its age a figure is recounted before it is shown


@dataclass(frozen=True)
class Counted(Generic[T]):
    value: T
    at: datetime  # when it was counted (UTC)


class Recent(Generic[T]):
    def __init__(self, count: Callable[[], Awaitable[T]], max_age_s: float) -> None:
        self._count = count
        self.max_age_s = max_age_s
        self._kept: Counted[T] | None = None
        self._counting: asyncio.Task[Counted[T]] | None = None

    async def get(self) -> Counted[T]:
        kept = self._kept
        if self.max_age_s <= 0:
            return await self._recount()
        if kept is None:
            return await asyncio.shield(self._start())
        age = (clock.now() - kept.at).total_seconds()
        if age > self.max_age_s * STALE_FACTOR:
            return await asyncio.shield(self._start())
        if age > self.max_age_s:
            self._start()  # behind the caller: the next one gets the new figure
        return kept

    def _start(self) -> asyncio.Task[Counted[T]]:
        """The recount under way, or a new one; in a context of its own (no one request's deadline or counters)."""
        if self._counting is None or self._counting.done():
            self._counting = asyncio.create_task(self._recount(), context=contextvars.Context())
            self._counting.add_done_callback(_log_failure)
        return self._counting

    async def _recount(self) -> Counted[T]:
        at = clock.now()
        counted = Counted(await self._count(), at)
        self._kept = counted
        return counted


def _log_failure(task: asyncio.Task[Counted[T]]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("a statistic could not be recounted (the last figure stays): %s", task.exception())
