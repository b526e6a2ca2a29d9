"""One peer's GraphQL API over httpx: timeouts, retries with backoff and jitter, back-pressure.

Retried (the peer may recover): connection errors and timeouts, HTTP 429 and 5xx, and the GraphQL
codes ``BUSY`` (the peer is applying other batches) and ``DATABASE_UNAVAILABLE``. A ``Retry-After``
header or a ``retryAfter`` extension sets the least wait. Not retried — the same request would be
refused again: 401 (our token), 413 (lower ``HUB_SYNC_PAGE_SIZE``), ``FORBIDDEN``,
``BATCH_REFUSED``, ``BAD_USER_INPUT``. Waits grow as ``base · 2^attempt`` capped at ``cap`` and are
drawn uniformly below that ("full jitter"), so that many counties retrying a recovering city do not
arrive in step.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from hub.errors import PeerRefused, PeerUnavailable, retryable_codes
from hub.exchange.peers import Peer

log = logging.getLogger("connectors.platform")

_RETRYABLE_CODES = retryable_codes()

CHANGES = """query Changes($scope: ChangeScope!, $after: String, $first: Int!) {
  changes(scope: $scope, after: $after, first: $first) { signed }
}"""

ACKNOWLEDGE = """mutation Acknowledge($upTo: String!) { acknowledgeChanges(upTo: $upTo) }"""

PUSH = """mutation Push($batch: String!) {
  pushChanges(batch: $batch) { batchId cursor applied unchanged deadLetters { itemId reason } }
}"""


__all__ = ["PeerRefused", "PeerUnavailable"]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_s: float = 0.5
    cap_s: float = 30.0

    def delay(self, attempt: int, rng: random.Random, at_least: float = 0.0) -> float:
        return max(at_least, rng.uniform(0.0, min(self.cap_s, self.base_s * 2 ** attempt)))


class _Retry(Exception):
    def __init__(self, reason: str, at_least: float = 0.0) -> None:
        super().__init__(reason)
        self.at_least = at_least


class PeerClient:
    def __init__(self, peer: Peer, http: httpx.AsyncClient, policy: RetryPolicy | None = None,
                 rng: random.Random | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.peer, self.http = peer, http
        self.policy = policy or RetryPolicy()
        self._rng = rng or random.Random()
        self._sleep = sleep
        self.retries = 0

    async def changes(self, scope: str, after: str | None, first: int) -> str:
        data = await self._call(CHANGES, {"scope": scope, "after": after, "first": first}, f"{scope} feed")
        page = data.get("changes")
        if not isinstance(page, dict) or not isinstance(page.get("signed"), str):
            raise PeerRefused(f"{self.peer.id}: the feed answer has no signed batch")
        return page["signed"]

    async def acknowledge(self, cursor: str) -> int:
        data = await self._call(ACKNOWLEDGE, {"upTo": cursor}, "acknowledgement")
        return int(data.get("acknowledgeChanges") or 0)

    async def push(self, signed: str) -> dict[str, Any]:
        data = await self._call(PUSH, {"batch": signed}, "push")
        receipt = data.get("pushChanges")
        if not isinstance(receipt, dict):
            raise PeerRefused(f"{self.peer.id}: the push answer has no receipt")
        return receipt

    async def _call(self, query: str, variables: dict[str, Any], what: str) -> dict[str, Any]:
        token = self.peer.token()
        last = ""
        for attempt in range(self.policy.attempts):
            try:
                return await self._once(query, variables, token)
            except _Retry as retry:
                last = str(retry)
                if attempt + 1 == self.policy.attempts:
                    break
                wait = self.policy.delay(attempt, self._rng, retry.at_least)
                self.retries += 1
                log.warning("%s %s: %s; retry %d/%d in %.1f s", self.peer.id, what, last, attempt + 1,
                            self.policy.attempts - 1, wait)
                await self._sleep(wait)
        raise PeerUnavailable(f"{self.peer.id} ({self.peer.url}) {what}: gave up after {self.policy.attempts} "
                              f"attempts; last: {last}")

    async def _once(self, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        try:
            response = await self.http.post(f"{self.peer.url}/graphql", json={"query": query, "variables": variables},
                                            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        except httpx.TimeoutException as exc:
            raise _Retry(f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise _Retry(f"cannot reach it ({type(exc).__name__}: {exc})") from None
        except httpx.HTTPError as exc:  # decoding, redirects: the answer was unusable
            raise _Retry(f"unusable answer ({type(exc).__name__}: {exc})") from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Retry(f"HTTP {status}: {_message(response)}", _seconds(response.headers.get("retry-after")))
        if status == 401:
            raise PeerRefused(f"{self.peer.id} refused our token: {_message(response)} — ask its operator for a new "
                              "platform token")
        if status == 413:
            raise PeerRefused(f"{self.peer.id}: {_message(response)} — lower HUB_SYNC_PAGE_SIZE")
        if status >= 400:
            raise PeerRefused(f"{self.peer.id}: HTTP {status}: {_message(response)}")
        try:
            body = response.json()
        except ValueError:
            raise _Retry("the answer is not JSON") from None
        if not isinstance(body, dict):
            raise _Retry("the answer is not a GraphQL response (a JSON object)")
        errors = body.get("errors") or []
        if errors:
            first: dict[str, Any] = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
            raw = first.get("extensions")
            extensions: dict[str, Any] = raw if isinstance(raw, dict) else {}
            code, message = extensions.get("code") or "UNSPECIFIED", first.get("message", "")
            if code in _RETRYABLE_CODES:
                raise _Retry(f"{code}: {message}", _seconds(extensions.get("retryAfter")))
            raise PeerRefused(f"{self.peer.id} refused: {code}: {message}")
        data = body.get("data")
        if not isinstance(data, dict):
            raise _Retry("the answer has no data")
        return data


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            return str(errors[0].get("message"))
    except ValueError:
        pass
    return response.text[:200]


MAX_WAIT_S = 300.0


def _seconds(value: object) -> float:
    """A peer's requested wait (a Retry-After header or a retryAfter extension), within 0…300 s.
    Anything else — a date, NaN, infinity, text — counts as no request (our own backoff applies)."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return min(seconds, MAX_WAIT_S) if math.isfinite(seconds) and seconds > 0 else 0.0
