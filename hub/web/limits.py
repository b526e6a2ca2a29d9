"""What one HTTP request may take from the hub: its body, its JSON, its turn, its share.

- :func:`read_body` stops reading at the limit: a 100 MB body is refused (413) after the first
  chunks past the limit, never read whole (the old adapter read the body, then measured it).
- :func:`decode_json` refuses JSON nested deeper than ``HUB_MAX_JSON_DEPTH`` (400): Python's own
  decoder raised ``RecursionError`` (500) on a body nested 1,000 deep.
- :class:`Admission` caps the GraphQL requests running at once (``HUB_MAX_CONCURRENT_REQUESTS``);
  a bounded queue waits a bounded time for a turn; the rest are told ``BUSY`` (503, Retry-After).
  ``/healthz`` and ``/readyz`` never take a turn, so they answer while GraphQL is saturated.
- :class:`RateLimiter` is a token bucket per client: a bank by its organisation, a PUBLIC caller by
  its address (429, Retry-After). INTERNAL callers and platforms are not rate-limited: they are
  known government systems, and peers have their own back-pressure (``HUB_MAX_CONCURRENT_BATCHES``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request

from hub.errors import Busy, PayloadTooLarge, RequestError, TooManyRequests
from hub.settings import Settings

RETRY_AFTER_BUSY_S = 1.0
MAX_RATE_CLIENTS = 100_000  # buckets kept; the least recently seen are forgotten (a full bucket is no bucket)


@dataclass(frozen=True)
class RequestLimits:
    body_bytes: int
    platform_body_bytes: int  # platforms push signed batches of thousands of items
    json_depth: int
    timeout_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RequestLimits:
        return cls(settings.max_body_bytes, settings.max_batch_bytes, settings.max_json_depth,
                   settings.request_timeout_s)


def client_address(request: Request) -> str:
    """The address a request came from (the rate of a PUBLIC caller is its address's)."""
    return request.client.host if request.client else "unknown"


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read as it streams in; PayloadTooLarge as soon as it passes ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body is larger than {limit:,} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"request body is larger than {limit:,} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise RequestError("the client went away before its request body arrived") from None
    return b"".join(chunks)


def decode_json(raw: bytes | str, what: str, max_depth: int) -> Any:
    """Parse JSON; RequestError naming ``what`` if it is not JSON or nests deeper than ``max_depth``."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc) or "recursion" in str(exc):
            raise RequestError(f"{what} nests deeper than {max_depth} levels") from None
        raise RequestError(f"{what} is not valid JSON") from None
    if _deeper_than(value, max_depth):
        raise RequestError(f"{what} nests deeper than {max_depth} levels")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if level > limit:
            return True
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return False


class Admission:
    """At most ``slots`` requests run at once; ``queue`` more wait up to ``wait_s`` for a turn."""

    def __init__(self, slots: int, queue: int, wait_s: float) -> None:
        self.slots, self.queue, self.wait_s = slots, queue, wait_s
        self._free = asyncio.Semaphore(slots)
        self.waiting = 0
        self.running = 0

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if self._free.locked():
            if self.waiting >= self.queue:
                raise Busy(f"the hub is answering {self.slots} GraphQL requests and {self.waiting} more are waiting; "
                           f"retry in {RETRY_AFTER_BUSY_S:g} s", RETRY_AFTER_BUSY_S)
            self.waiting += 1
            try:
                async with asyncio.timeout(self.wait_s):
                    await self._free.acquire()
            except TimeoutError:
                raise Busy(f"no turn came within {self.wait_s:g} s (HUB_QUEUE_TIMEOUT); "
                           f"retry in {RETRY_AFTER_BUSY_S:g} s", RETRY_AFTER_BUSY_S) from None
            finally:
                self.waiting -= 1
        else:
            await self._free.acquire()
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._free.release()


class RateLimiter:
    """A token bucket per client: ``per_minute`` sustained, ``burst`` at once; 0 per minute is off."""

    def __init__(self, per_minute: int, burst: int, who: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.who = who
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client → (tokens, when)

    def take(self, client: str) -> None:
        if self.rate <= 0:
            return
        now = self.clock()
        tokens, when = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - when) * self.rate)
        if tokens < 1:
            self._buckets[client] = (tokens, now)
            wait = (1 - tokens) / self.rate
            raise TooManyRequests(f"too many requests from this {self.who}: at most {self.rate * 60:g} a minute "
                                  f"({self.burst:g} at once); retry in {wait:.1f} s", wait)
        self._buckets[client] = (tokens - 1, now)
        if len(self._buckets) > MAX_RATE_CLIENTS:
            self._buckets.popitem(last=False)
