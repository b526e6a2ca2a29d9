"""The warning broker polls the stream's head only while someone subscribes: an idle hub does not read
Neo4j ten times a second for nobody, and a subscription made while it rested is followed at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

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
        assert await _within(lambda: broker.head >= 0)  # the first look learns the head (a new connection)
        resting = gateway.stats.reads
        await asyncio.sleep(20 * POLL_S)
        assert gateway.stats.reads == resting  # twenty polling periods, no read

        subscription = broker.subscribe(WarningFilter(region_prefix="410499"), after=None)
        waiting = asyncio.ensure_future(anext(subscription))  # nothing of 410499 comes: it stays open
        assert await _within(lambda: gateway.stats.reads >= resting + 10)  # it polls again while someone listens
        assert broker.subscriptions == 1

        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        await subscription.aclose()
        assert broker.subscriptions == 0
        # the look under way when the subscription went (or, between looks, the next one) ends — waited for,
        # not slept for: on a loaded machine one read can take a second
        assert await _within(lambda: broker.resting)
        closed = gateway.stats.reads
        await asyncio.sleep(20 * POLL_S)
        assert gateway.stats.reads == closed  # resting again

        broker.nudge()  # this process's engine committed a warning: the head is read at once
        assert await _within(lambda: gateway.stats.reads >= closed + 1)
        await asyncio.sleep(20 * POLL_S)
        assert gateway.stats.reads == closed + 1  # and then it rests again
    finally:
        stop.set()
        await running
        await gateway.close()


async def _within(condition: Callable[[], bool], within_s: float = 60.0) -> bool:
    """Whether ``condition`` comes true within ``within_s`` (checked every polling period): generous, as it
    waits on Neo4j round trips of a loaded machine, and a broker that never reads again fails it all the same."""
    for _ in range(int(within_s / POLL_S)):
        if condition():
            return True
        await asyncio.sleep(POLL_S)
    return False
