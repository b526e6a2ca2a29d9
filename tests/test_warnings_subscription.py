"""The warnings subscription over WebSocket (graphql-transport-ws) against a real `hub serve` process.

A department's screen sees its own department's warnings and nothing else; the credit office sees them
all, or one department's; PUBLIC and banks are refused at connection_init. The records are written into
Neo4j from outside the hub process, as `hub import` and `hub sync run` do: the hub's engine finds them
on the change feed by itself. The hub process keeps the machine's clock (no time travel here: its
tokens and dates must agree with the test's), so the penalties are decided two days ago — fresh
whichever side of the China midnight the run falls.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from hub import clock
from hub.db.server import Neo4jCredentials
from hub.service import CreditHub
from tests.builders import (
    HubProcess,
    Subscriber,
    add_departments,
    add_records,
    add_subjects,
    clear_warnings,
    record_row,
    refusal,
    start_warnings_afresh,
    token,
    uscc,
)

REGION = "410422"  # 叶县: this module's subjects only
X, Y = f"{REGION}-SCJG", f"{REGION}-ZJ"
CODES = [uscc(6000 + n, region=REGION) for n in range(12)]


@pytest.fixture(scope="module")
async def served(hub: CreditHub, neo4j_credentials: Neo4jCredentials,
                 tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[HubProcess]:
    await start_warnings_afresh(hub, CODES)
    await add_departments(hub, [X, Y])
    await add_subjects(hub, CODES)
    process = HubProcess(neo4j_credentials.uri, neo4j_credentials.user, neo4j_credentials.password,
                         tmp_path_factory.mktemp("subscription") / "hub.log", HUB_WARNING_POLL="0.1")
    await process.start()
    try:
        yield process
    finally:
        process.stop()
        await clear_warnings(hub)


SERIAL = iter(range(10_000))


async def penalise(hub: CreditHub, code: str, department: str) -> str:
    """A serious penalty (the serious-penalty rule raises a warning routed to ``department``)."""
    record_id = f"ws-{code}-{next(SERIAL)}"
    await add_records(hub, [record_row(code, record_id, kind="ADMINISTRATIVE_PENALTY", severity="SERIOUS",
                                       decided_on=clock.today() - timedelta(days=2), department=department)])
    return record_id


def agency(department: str | None) -> str:
    return token(token_settings(), "agency", "叶县某局", department=department)


def token_settings():
    from hub.settings import Settings
    from tests.builders import DATA_KEY, JWT_SECRET

    return Settings(HUB_JWT_SECRET=JWT_SECRET, HUB_DATA_KEY=DATA_KEY)


async def stream_cursor(served: HubProcess) -> str:
    async with httpx.AsyncClient(base_url=served.url, timeout=60) as client:
        response = await client.post("/graphql", json={"query": "{ warningStreamCursor }"},
                                     headers={"Authorization": f"Bearer {token(token_settings(), 'admin', 'x')}"})
    return str(response.json()["data"]["warningStreamCursor"])


async def test_public_and_banks_are_refused_at_connection_init(served: HubProcess) -> None:
    settings = token_settings()
    # the close frame says why (cut to the 123 bytes a close frame's reason can hold)
    assert await refusal(served.url, None) == (
        4403, "no bearer token in connection_init: subscriptions are internal-only (内部使用)")
    for who in ("public", "bank"):
        code, reason = await refusal(served.url, token(settings, who, "某银行")) or (None, "")
        assert code == 4403 and reason.startswith("Subscription.warnings is internal-only (内部使用)"), reason
        assert len(reason.encode()) <= 123
    assert await refusal(served.url, token(settings, "agency", "x", department=X)[:-3] + "AAA") == (
        4403, "token signature does not verify: it was forged or tampered with")
    assert await refusal(served.url, agency(X)) is None


async def test_each_department_sees_its_own_warnings_and_the_credit_office_all(
        served: HubProcess, hub: CreditHub) -> None:
    after = await stream_cursor(served)
    admin = token(token_settings(), "admin", "叶县信用办")
    x, y = await Subscriber.connect(served.url, agency(X), after=after), await Subscriber.connect(
        served.url, agency(Y), after=after)
    everyone = await Subscriber.connect(served.url, admin, after=after, region=REGION)
    only_x = await Subscriber.connect(served.url, admin, after=after, department=X)
    try:
        facts = [await penalise(hub, CODES[0], X), await penalise(hub, CODES[1], Y), await penalise(hub, CODES[2], X)]
        seen_x, seen_y = await x.warnings(2), await y.warnings(1)
        assert {w["department"] for w in seen_x} == {X} and [w["department"] for w in seen_y] == [Y]
        assert {w["subjectUscc"] for w in seen_x} == {CODES[0], CODES[2]}
        assert {w["department"] for w in await only_x.warnings(2)} == {X}
        all_three = await everyone.warnings(3)
        assert sorted(w["department"] for w in all_three) == [X, X, Y]
        assert all(w["rule"] == "serious-penalty" and w["status"] == "OPEN" for w in all_three)
        for subscriber in (x, y, everyone, only_x):
            assert await subscriber.nothing_more()
        assert len(facts) == 3
    finally:
        for subscriber in (x, y, everyone, only_x):
            await subscriber.close()


async def test_an_agency_follows_its_own_department_only(served: HubProcess) -> None:
    other = await Subscriber.connect(served.url, agency(X), department=Y)
    refused = await other.next()
    assert refused["type"] == "next" and refused["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert f"speaks for department {X}" in refused["payload"]["errors"][0]["message"]
    await other.close()
    nameless = await Subscriber.connect(served.url, agency(None))
    refused = await nameless.next()
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await nameless.close()


async def test_only_subscriptions_travel_over_the_socket(served: HubProcess) -> None:
    sneaky = await Subscriber.connect(served.url, agency(X), query="{ warnings(first: 5) { edges { cursor } } }")
    refused = await sneaky.next()
    assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "BAD_REQUEST"
    await sneaky.close()


async def test_a_decision_reaches_the_screen_and_a_reconnecting_one_resumes_after_its_cursor(
        served: HubProcess, hub: CreditHub) -> None:
    screen = await Subscriber.connect(served.url, agency(X), after=await stream_cursor(served))
    await penalise(hub, CODES[3], X)
    [raised] = await screen.warnings(1)
    async with httpx.AsyncClient(base_url=served.url, timeout=60) as client:
        body = (await client.post("/graphql", json={
            "query": "mutation($id: ID!) { acknowledgeWarning(id: $id) { status } }",
            "variables": {"id": raised["id"]}},
            headers={"Authorization": f"Bearer {agency(X)}"})).json()
    assert body["data"]["acknowledgeWarning"]["status"] == "ACKNOWLEDGED", body
    [acknowledged] = await screen.warnings(1)
    assert (acknowledged["id"], acknowledged["status"], acknowledged["version"]) == (raised["id"], "ACKNOWLEDGED", 2)
    await screen.close()  # the screen goes away; two warnings are raised meanwhile

    missed = [await penalise(hub, CODES[4], X), await penalise(hub, CODES[5], X)]
    back = await Subscriber.connect(served.url, agency(X), after=acknowledged["cursor"])
    resumed = await back.warnings(2)
    assert sorted(w["subjectUscc"] for w in resumed) == [CODES[4], CODES[5]] and len(missed) == 2
    assert await back.nothing_more()
    await back.close()
    evidence = json.dumps(resumed)
    assert raised["id"] not in evidence  # what it had seen is not sent again
