"""The warning broker polls the stream's head only while someone subscribes: an idle hub does not read
Neo4j ten times a second for nobody, and a subscription made while it rested is followed at once."""

from __future__ import annotations

import asyncio
import contextlib

from hub.db.gateway import Neo4jGateway
from hub.db.server import Neo4jCredentials
from hub.warnings.broker import WarningBroker
from hub.warnings.model import WarningFilter

POLL_S = 0.02


async def test_the_broker_rests_without_subscriptions_and_follows_with_one(
        neo4j_credentials: Neo4jCredentials) -> None:
    # a gateway of its own: every statement counted is the broker's (or its subscription's)
    gateway = Neo4jGateway(neo4j_credentials.uri, neo4j_credentials.user, neo4j_credentials.password)
    broker = WarningBroker(gateway, poll_s=POLL_S)
    stop = asyncio.Event()
    running = asyncio.create_task(broker.run(stop))
    try:
        for _ in range(100):  # the first look learns the head
            if broker.head >= 0:
                break
            await asyncio.sleep(POLL_S)
        assert broker.head >= 0
        resting = gateway.stats.reads
        await asyncio.sleep(20 * POLL_S)
        assert gateway.stats.reads == resting  # twenty polling periods, no read

        subscription = broker.subscribe(WarningFilter(region_prefix="410499"), after=None)
        waiting = asyncio.ensure_future(anext(subscription))  # nothing of 410499 comes: it stays open
        assert await _reads_reach(gateway, resting + 10)  # it polls again while someone listens
        assert broker.subscriptions == 1

        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        await subscription.aclose()
        assert broker.subscriptions == 0
        await asyncio.sleep(1.0)  # a poll already under way ends (a read here takes up to 0.2 s)
        closed = gateway.stats.reads
        await asyncio.sleep(20 * POLL_S)
        assert gateway.stats.reads == closed  # resting again

        broker.nudge()  # this process's engine committed a warning: the head is read at once
        assert await _reads_reach(gateway, closed + 1)
        await asyncio.sleep(20 * POLL_S)
        assert gateway.stats.reads == closed + 1  # and then it rests again
    finally:
        stop.set()
        await running
        await gateway.close()


async def _reads_reach(gateway: Neo4jGateway, count: int, within_s: float = 10.0) -> bool:
    for _ in range(int(within_s / POLL_S)):
        if gateway.stats.reads >= count:
            return True
        await asyncio.sleep(POLL_S)
    return False
