"""A request's time budget (HUB_REQUEST_TIMEOUT): the deadline the HTTP door sets and Neo4j obeys.

The HTTP door opens a budget for each request; everything the request does runs inside it. Two
things enforce it:

- the door cuts the request at the deadline (``asyncio.timeout_at``) and answers
  ``DEADLINE_EXCEEDED``;
- every Neo4j transaction the request opens gets the time that is left as its *transaction timeout*
  (hub/db/gateway.py), so the database stops working for a request nobody waits for any more — a
  cancelled coroutine alone would leave the query running on the server.

A mutation is not cut midway: its steps are several transactions (an upheld objection withdraws the
record, then re-grades the subject), and stopping between them would leave the record half-changed,
or a committed write without its audit entry. Once a request is known to be a mutation,
:meth:`RequestBudget.keep_whole` lifts the cut; each of its transactions is still bounded, by the
whole timeout rather than by what is left. Outside a request (the CLI, the sync job) there is no
budget and no timeout is imposed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass

from hub.errors import DeadlineExceeded

MIN_TRANSACTION_S = 0.001  # Neo4j counts in milliseconds; 0 would mean "no timeout"


@dataclass
class RequestBudget:
    timeout_s: float
    deadline: float  # on the event loop's clock
    cut: asyncio.Timeout | None = None
    whole: bool = False  # a mutation: not cut, each transaction bounded by timeout_s

    def remaining(self) -> float:
        return self.deadline - asyncio.get_running_loop().time()

    def expired(self) -> bool:
        return self.cut is not None and self.cut.expired()

    def keep_whole(self) -> None:
        """Let the request run to its end (see the module docstring: mutations)."""
        self.whole = True
        if self.cut is not None:
            self.cut.reschedule(None)

    def transaction_timeout(self) -> float:
        """Seconds a transaction opened now may run; DeadlineExceeded when none are left."""
        if self.whole:
            return self.timeout_s
        left = self.remaining()
        if left <= 0:
            raise DeadlineExceeded(f"the request ran past its {self.timeout_s:g} s (HUB_REQUEST_TIMEOUT)")
        return max(MIN_TRANSACTION_S, left)


_current: ContextVar[RequestBudget | None] = ContextVar("hub_request_budget", default=None)


def current() -> RequestBudget | None:
    return _current.get()


def transaction_timeout() -> float | None:
    """The timeout for a Neo4j transaction opened now: the request's, or None outside a request."""
    budget = _current.get()
    return None if budget is None else budget.transaction_timeout()


@contextlib.asynccontextmanager
async def request_budget(timeout_s: float) -> AsyncIterator[RequestBudget]:
    """Run the block within ``timeout_s``; ``TimeoutError`` leaves it when the deadline cuts it."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    budget = RequestBudget(timeout_s, deadline)
    token = _current.set(budget)
    try:
        async with asyncio.timeout_at(deadline) as cut:
            budget.cut = cut
            yield budget
    finally:
        _current.reset(token)
