"""A read cancelled half-way (a subscription closed, a client gone) is no outage of Neo4j."""

from __future__ import annotations

import asyncio
import logging

import pytest

from hub.db.gateway import Neo4jGateway
from hub.service import CreditHub

# long enough to be cancelled while Neo4j is still working or still streaming
_SLOW = "UNWIND range(1, 30000000) AS x WITH x WHERE x % 7 = 0 RETURN count(*) AS n"
_STREAMING = "UNWIND range(1, 2000000) AS x RETURN x, toString(x) AS text"


@pytest.mark.parametrize("statement", [_SLOW, _STREAMING], ids=["running", "streaming"])
@pytest.mark.parametrize("how", ["query", "run"])
async def test_a_cancelled_read_is_not_reported_as_neo4j_down(
        hub: CreditHub, caplog: pytest.LogCaptureFixture, statement: str, how: str) -> None:
    gateway: Neo4jGateway = hub.gateway
    caplog.set_level(logging.WARNING, logger="hub.db.gateway")
    read = gateway.query(statement) if how == "query" else gateway.run(statement)
    task = asyncio.create_task(read)
    await asyncio.sleep(0.3)
    assert not task.done(), "the statement ended before it could be cancelled: make it longer"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()] == []
    assert gateway.available
    # and the gateway goes on serving
    assert (await gateway.query("RETURN 1 AS one")) == [{"one": 1}]
    assert [r.getMessage() for r in caplog.records if "reachable again" in r.getMessage()] == []
