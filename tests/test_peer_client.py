"""The platform client against a peer it cannot trust to be up: what it retries (connection errors,
timeouts, HTTP 429 and 5xx, GraphQL BUSY and DATABASE_UNAVAILABLE), how long it waits (full jitter
below ``base · 2^attempt``, never less than the peer's ``Retry-After`` or ``retryAfter``), what it
refuses at once (401, 413, other 4xx, FORBIDDEN, BATCH_REFUSED, BAD_USER_INPUT) and what it sends.

The peer (henan-province, this hub's parent) is played by an ``httpx.MockTransport`` under the real
httpx client; ``sleep`` records the waits instead of sleeping. No database, no network.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from graphql import build_schema, parse, validate
from hypothesis import given
from hypothesis import strategies as st

from connectors.platform.client import CHANGES, PUSH, PeerClient, PeerRefused, PeerUnavailable, RetryPolicy
from hub.exchange.peers import Peer, PeerTokenMissing, Relation

PROVINCE, URL = "henan-province", "http://province.test:8000"
TOKEN_ENV, TOKEN = "HUB_TEST_PROVINCE_TOKEN", "platform-token-issued-by-province"
PEER = Peer(PROVINCE, Relation.PARENT, URL, Ed25519PrivateKey.generate().public_key(), token_env=TOKEN_ENV)
POLICY = RetryPolicy(attempts=4, base_s=0.5, cap_s=30.0)
SDL = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakePeer:
    """A peer hub that gives its scripted answers in turn (the last one for ever after), records the
    requests it was sent, and stands in for ``sleep`` by recording the waits."""

    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.requests: list[httpx.Request] = []
        self.waits: list[float] = []

    def answers(self, *script: Answer) -> None:
        self.script = list(script)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, httpx.Response) else answer(request)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def province(monkeypatch: pytest.MonkeyPatch) -> FakePeer:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return FakePeer()


@pytest.fixture
async def peer_client(province: FakePeer) -> AsyncIterator[PeerClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(province)) as http:
        yield PeerClient(PEER, http, POLICY, random.Random(2026), province.sleep)


def data(payload: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"data": payload})


def graphql_error(code: str, message: str, status: int = 200, headers: dict[str, str] | None = None,
                  **extensions: Any) -> httpx.Response:
    """An error the way hub/web/graphql_http.py writes one: a message and a code in extensions."""
    error = {"message": message, "extensions": {"code": code, **extensions}}
    return httpx.Response(status, json={"errors": [error], "data": None}, headers=headers)


FEED = data({"changes": {"signed": "header.payload.signature"}})
RECEIPT = {"batchId": "b-1", "cursor": "7", "applied": 3, "unchanged": 1,
           "deadLetters": [{"itemId": "x-r2", "reason": "item 1: version: Field required"}]}


# --- retried --------------------------------------------------------------------------------------

async def test_two_503s_then_an_answer_returns_it_after_two_jittered_waits(
        province: FakePeer, peer_client: PeerClient) -> None:
    unavailable = graphql_error("DATABASE_UNAVAILABLE", "the database is not answering", status=503)
    province.answers(unavailable, unavailable, FEED)
    assert await peer_client.changes("DOWN", None, 100) == "header.payload.signature"
    assert len(province.requests) == 3
    assert len(province.waits) == 2 and peer_client.retries == 2
    for attempt, wait in enumerate(province.waits):
        assert 0 <= wait <= POLICY.base_s * 2 ** attempt


async def test_a_retry_after_header_on_429_is_the_least_wait(province: FakePeer, peer_client: PeerClient) -> None:
    province.answers(httpx.Response(429, text="slow down", headers={"Retry-After": "7"}), FEED)
    assert await peer_client.changes("UP", "12", 100) == "header.payload.signature"
    [wait] = province.waits
    assert wait >= 7  # the jitter alone would stay below base · 2^0 = 0.5 s


async def test_busy_with_retry_after_is_waited_out_and_retried(province: FakePeer, peer_client: PeerClient) -> None:
    busy = graphql_error("BUSY", "busy", retryAfter=2.5)
    province.answers(busy, data({"pushChanges": RECEIPT}))
    assert await peer_client.push("h.p.s") == RECEIPT
    [wait] = province.waits
    assert wait >= 2.5
    assert len(province.requests) == 2


async def test_database_unavailable_in_a_graphql_answer_is_retried(
        province: FakePeer, peer_client: PeerClient) -> None:
    province.answers(graphql_error("DATABASE_UNAVAILABLE", "Neo4j is restarting"), FEED)
    assert await peer_client.changes("UP", None, 100) == "header.payload.signature"
    assert len(province.requests) == 2 and len(province.waits) == 1


async def test_an_unreachable_peer_is_given_up_after_every_attempt_naming_it(
        province: FakePeer, peer_client: PeerClient) -> None:
    province.answers(httpx.ConnectError("connection refused"))
    with pytest.raises(PeerUnavailable) as refused:
        await peer_client.changes("DOWN", None, 100)
    message = str(refused.value)
    assert PROVINCE in message and URL in message
    assert f"gave up after {POLICY.attempts} attempts" in message
    assert "cannot reach it (ConnectError: connection refused)" in message
    assert len(province.requests) == POLICY.attempts
    assert len(province.waits) == POLICY.attempts - 1  # no wait after the last attempt


async def test_a_timeout_is_retried(province: FakePeer, peer_client: PeerClient) -> None:
    province.answers(httpx.ReadTimeout("the peer took too long"), FEED)
    assert await peer_client.changes("DOWN", None, 100) == "header.payload.signature"
    assert len(province.requests) == 2 and len(province.waits) == 1


async def test_timeouts_on_every_attempt_are_reported_as_timeouts(
        province: FakePeer, peer_client: PeerClient) -> None:
    province.answers(httpx.ReadTimeout("the peer took too long"))
    with pytest.raises(PeerUnavailable, match=r"last: timed out \(ReadTimeout\)"):
        await peer_client.push("h.p.s")
    assert len(province.requests) == POLICY.attempts


# --- refused at once ------------------------------------------------------------------------------

async def test_a_refused_token_is_not_retried_and_asks_for_a_new_one(
        province: FakePeer, peer_client: PeerClient) -> None:
    province.answers(graphql_error("UNAUTHENTICATED", "the token has expired", status=401))
    with pytest.raises(PeerRefused) as refused:
        await peer_client.changes("DOWN", None, 100)
    message = str(refused.value)
    assert message.startswith(f"{PROVINCE} refused our token: the token has expired")
    assert "ask its operator for a new platform token" in message
    assert len(province.requests) == 1 and province.waits == []


async def test_a_batch_too_large_is_not_retried_and_names_the_page_size(
        province: FakePeer, peer_client: PeerClient) -> None:
    province.answers(graphql_error("PAYLOAD_TOO_LARGE", "the request body is over 8 MiB", status=413))
    with pytest.raises(PeerRefused, match="the request body is over 8 MiB — lower HUB_SYNC_PAGE_SIZE"):
        await peer_client.push("h.p.s")
    assert len(province.requests) == 1 and province.waits == []


@pytest.mark.parametrize("status", [400, 403, 404])
async def test_other_4xx_are_not_retried(province: FakePeer, peer_client: PeerClient, status: int) -> None:
    province.answers(graphql_error("BAD_REQUEST", "no such thing", status=status))
    with pytest.raises(PeerRefused, match=f"{PROVINCE}: HTTP {status}: no such thing"):
        await peer_client.changes("DOWN", None, 100)
    assert len(province.requests) == 1 and province.waits == []


@pytest.mark.parametrize(("code", "message"), [
    ("FORBIDDEN", "henan-province does not serve the UP feed to its parent"),
    ("BATCH_REFUSED", "the batch does not verify with henan-pingdingshan's key"),
    ("BAD_USER_INPUT", "first must be between 1 and 5000"),
])
async def test_a_refusing_graphql_code_is_not_retried(
        province: FakePeer, peer_client: PeerClient, code: str, message: str) -> None:
    province.answers(graphql_error(code, message))
    with pytest.raises(PeerRefused) as refused:
        await peer_client.push("h.p.s")
    assert str(refused.value) == f"{PROVINCE} refused: {code}: {message}"
    assert len(province.requests) == 1 and province.waits == []


# --- what is sent ---------------------------------------------------------------------------------

def _graphql_post(request: httpx.Request) -> dict[str, Any]:
    assert request.method == "POST"
    assert str(request.url) == f"{URL}/graphql"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    body: dict[str, Any] = orjson.loads(request.content)
    return body


async def test_changes_posts_the_feed_query_with_our_token(province: FakePeer, peer_client: PeerClient) -> None:
    def feed(request: httpx.Request) -> httpx.Response:
        body = _graphql_post(request)
        assert body["query"] == CHANGES
        assert body["variables"] == {"scope": "DOWN", "after": "41", "first": 500}
        return FEED

    province.answers(feed)
    assert await peer_client.changes("DOWN", "41", 500) == "header.payload.signature"
    assert len(province.requests) == 1


async def test_push_posts_the_signed_batch_and_returns_the_receipt(
        province: FakePeer, peer_client: PeerClient) -> None:
    def receive(request: httpx.Request) -> httpx.Response:
        body = _graphql_post(request)
        assert body["query"] == PUSH
        assert body["variables"] == {"batch": "h.p.s"}
        return data({"pushChanges": RECEIPT})

    province.answers(receive)
    assert await peer_client.push("h.p.s") == RECEIPT
    assert len(province.requests) == 1


def test_the_client_queries_validate_against_the_printed_schema() -> None:
    schema = build_schema(SDL.read_text(encoding="utf-8"))
    assert validate(schema, parse(CHANGES)) == []
    assert validate(schema, parse(PUSH)) == []


async def test_a_missing_token_variable_is_named_before_anything_is_sent(
        province: FakePeer, peer_client: PeerClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    province.answers(FEED)
    with pytest.raises(PeerTokenMissing, match=f"peer {PROVINCE}: environment variable {TOKEN_ENV} is not set"):
        await peer_client.changes("DOWN", None, 100)
    assert province.requests == []


# --- the backoff ----------------------------------------------------------------------------------

@given(st.integers(0, 2 ** 32), st.integers(0, 20))
def test_a_backoff_is_drawn_below_the_capped_exponential(seed: int, attempt: int) -> None:
    policy = RetryPolicy(base_s=0.5, cap_s=30)
    assert 0 <= policy.delay(attempt, random.Random(seed)) <= min(30, 0.5 * 2 ** attempt)


@given(st.integers(0, 2 ** 32), st.integers(0, 20), st.floats(0, 300))
def test_a_backoff_is_never_below_what_the_peer_asked(seed: int, attempt: int, at_least: float) -> None:
    assert RetryPolicy(base_s=0.5, cap_s=30).delay(attempt, random.Random(seed), at_least) >= at_least


def test_backoffs_are_jittered_and_grow_to_the_cap() -> None:
    policy = RetryPolicy(base_s=0.5, cap_s=30)
    for attempt in range(12):
        draws = [policy.delay(attempt, random.Random(seed)) for seed in range(200)]
        assert len(set(draws)) > 1  # counties retrying a recovering city do not arrive in step
        assert max(draws) > 0.5 * min(30, 0.5 * 2 ** attempt)  # and the draws fill the range


@pytest.mark.parametrize(("asked", "least", "most"), [
    ("NaN", 0.0, 30.0), ("Infinity", 0.0, 30.0), ("soon", 0.0, 30.0), (1e9, 300.0, 300.0), (-5, 0.0, 30.0)])
async def test_a_peers_requested_wait_is_bounded(
        province: FakePeer, peer_client: PeerClient, asked: object, least: float, most: float) -> None:
    """NaN or infinity would make asyncio.sleep never return; a huge wait would stall the round for days."""
    province.answers(graphql_error("BUSY", "busy", retryAfter=asked), FEED)
    assert await peer_client.changes("UP", None, 100) == "header.payload.signature"
    [wait] = province.waits
    assert least <= wait <= most


@pytest.mark.parametrize("body", [[], {"errors": ["boom"]}, {"data": None}])
async def test_an_answer_that_is_not_a_graphql_response_is_retried_then_reported(
        province: FakePeer, peer_client: PeerClient, body: object) -> None:
    province.answers(httpx.Response(200, json=body))
    with pytest.raises((PeerUnavailable, PeerRefused)) as failed:
        await peer_client.changes("UP", None, 100)
    assert PROVINCE in str(failed.value)


async def test_a_feed_answer_without_a_signed_batch_is_refused(province: FakePeer, peer_client: PeerClient) -> None:
    province.answers(data({"changes": None}))
    with pytest.raises(PeerRefused, match="no signed batch"):
        await peer_client.changes("UP", None, 100)
