"""Neo4j stops while the hub runs: /readyz is 503, queries fail clearly; it recovers by itself.

Uses its own local instance ("outage") so the rest of the suite keeps its database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import httpx
import pytest

from hub.app import create_app
from hub.db.gateway import Neo4jGateway
from hub.db.server import LocalNeo4j, Neo4jCredentials
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import OUTAGE_INSTANCE, add_subject, uscc

QUERY = {"query": "{ subjects(first: 1) { nodes { uscc } } }"}


@pytest.fixture(scope="module")
def outage_server() -> Iterator[tuple[LocalNeo4j, Neo4jCredentials]]:
    server = LocalNeo4j(Settings(), OUTAGE_INSTANCE)
    credentials, _ = server.start()
    yield server, credentials
    server.stop()


async def _until_ready(client: httpx.AsyncClient, seconds: float) -> int:
    status = 0
    for _ in range(int(seconds * 4)):
        status = (await client.get("/readyz")).status_code
        if status == 200:
            break
        await asyncio.sleep(0.25)
    return status


async def test_readiness_follows_neo4j_and_the_hub_recovers_without_restart(
        outage_server: tuple[LocalNeo4j, Neo4jCredentials], settings: Settings,
        caplog: pytest.LogCaptureFixture) -> None:
    server, credentials = outage_server
    gateway = Neo4jGateway(credentials.uri, credentials.user, credentials.password, timeout_s=2.0)
    hub = CreditHub(settings, gateway)
    await hub.migrate()
    await add_subject(hub, uscc(700))
    app = create_app(settings, hub)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://hub.test") as client:
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.post("/graphql", json=QUERY)).json()["data"]["subjects"]["nodes"]

        server.stop()
        caplog.set_level(logging.ERROR, logger="hub.db.gateway")
        down = await client.get("/readyz")
        assert down.status_code == 503 and down.json()["status"] == "unavailable"
        failed = (await client.post("/graphql", json=QUERY)).json()
        [error] = failed["errors"]
        assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
        assert "is unavailable" in error["message"] and credentials.uri in error["message"]
        assert any("is unavailable" in r.getMessage() for r in caplog.records)

        server.start()
        assert await _until_ready(client, 60) == 200
        recovered = (await client.post("/graphql", json=QUERY)).json()
        assert recovered["data"]["subjects"]["nodes"] == [{"uscc": uscc(700)}]
    await hub.close()
