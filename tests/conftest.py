"""Fixtures: a real Neo4j (our own managed "test" instance, or HUB_TEST_NEO4J_URI), a hub, a client.

The suite never touches the instance `make run` uses: it starts (and afterwards stops, if it
started it) a separate local instance named "test". It wipes that database freely.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, time

import httpx
import hypothesis
import pytest
import time_machine

from hub import clock
from hub.app import create_app
from hub.db import ingest
from hub.db.gateway import Neo4jGateway
from hub.db.server import LocalNeo4j, Neo4jCredentials
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import AUDIT_KEY, DATA_KEY, JWT_SECRET, OUTAGE_INSTANCE, TEST_INSTANCE

pytest_plugins = ["tests.browser"]  # browser fixtures: a served hub, Chromium, a watched page

# Hypothesis fails an example that takes longer than its deadline (200 ms by default), even when the property
# holds: on a loaded 2-core machine a draw of a few milliseconds took longer (a DeadlineExceeded in
# tests/test_draw.py). The properties are what these tests assert, not their speed: no deadline.
hypothesis.settings.register_profile("suite", deadline=None)
hypothesis.settings.load_profile("suite")


def _settings(**extra: str) -> Settings:
    # The suite is one client sending hundreds of requests a second: rate limits are off for its shared
    # app (tests/test_limits.py turns them on in apps of its own).
    values = {"HUB_JWT_SECRET": JWT_SECRET, "HUB_DATA_KEY": DATA_KEY, "HUB_AUDIT_KEY": AUDIT_KEY,
              "HUB_DB_INSTANCE": TEST_INSTANCE, "HUB_RATE_LIMIT_PUBLIC": "0", "HUB_RATE_LIMIT_BANK": "0",
              # modules count what they wrote: no statistic served from memory (hub.recent; tests/test_recent.py)
              "HUB_STATISTICS_MAX_AGE": "0"}
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def neo4j_credentials() -> Iterator[Neo4jCredentials]:
    uri = os.environ.get("HUB_TEST_NEO4J_URI")
    if uri:
        yield Neo4jCredentials(uri, os.environ.get("HUB_TEST_NEO4J_USER", "neo4j"),
                               os.environ.get("HUB_TEST_NEO4J_PASSWORD", ""))
        return
    server = LocalNeo4j(Settings(), TEST_INSTANCE)
    credentials, started = server.start()
    yield credentials
    if started:
        server.stop()


@pytest.fixture(scope="session")
def settings(neo4j_credentials: Neo4jCredentials) -> Settings:
    return _settings(NEO4J_URI=neo4j_credentials.uri, NEO4J_USER=neo4j_credentials.user,
                     NEO4J_PASSWORD=neo4j_credentials.password)


@pytest.fixture(scope="session")
async def hub(settings: Settings, neo4j_credentials: Neo4jCredentials) -> AsyncIterator[CreditHub]:
    gateway = Neo4jGateway(neo4j_credentials.uri, neo4j_credentials.user,
                           neo4j_credentials.password)
    service = CreditHub(settings, gateway)
    await ingest.wipe(gateway)
    await service.migrate()
    yield service
    await service.close()


@pytest.fixture(scope="session")
async def client(settings: Settings, hub: CreditHub) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, hub)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        yield http


# The China date turns at 16:00 UTC. A module whose data depends on "today" (publicity windows,
# validity, due dates) runs twice: a minute before, when China and UTC share the date, and a minute
# after, when China is a day ahead. A rule or a test that takes the machine's date instead of
# hub.clock's fails the second run — at any hour the suite is started.
CHINA_DAY_TURNS = {"15:59Z": time(15, 59), "16:01Z": time(16, 1)}


# A second Neo4j for modules that need a database of their own (a demo load, `hub run`): started per
# module, emptied around each test that asks for ``spare_gateway``.
@pytest.fixture(scope="module")
def spare() -> Iterator[Neo4jCredentials]:
    server = LocalNeo4j(Settings(), OUTAGE_INSTANCE)
    credentials, _ = server.start()
    yield credentials
    server.stop()


@pytest.fixture
async def spare_gateway(spare: Neo4jCredentials) -> AsyncIterator[Neo4jGateway]:
    opened = Neo4jGateway(spare.uri, spare.user, spare.password)
    await ingest.wipe(opened)
    yield opened
    await ingest.wipe(opened)  # the spare instance is left empty for the next module that uses it
    await opened.close()


@pytest.fixture(scope="module", params=sorted(CHINA_DAY_TURNS))
def china_clock(request: pytest.FixtureRequest) -> Iterator[str]:
    """The whole module (its data and its requests) at that UTC time of today, the clock stopped
    there: a slow setup on a loaded machine must not carry 15:59 across 16:00 (asyncio, the driver
    and timeouts run on the monotonic clock, which keeps going)."""
    moment = datetime.combine(clock.now().date(), CHINA_DAY_TURNS[request.param], tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        yield request.param
