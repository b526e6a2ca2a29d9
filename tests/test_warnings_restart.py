"""Kill the hub between a write and its warning, start it again: the warning arrives, once.

A real `hub serve` process, killed with SIGKILL (no shutdown, nothing flushed). The writes go straight
into Neo4j, as `hub import` and `hub sync run` write them; the warnings reach a subscriber that resumes
after the cursor of the last warning it received, as a department's job does.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import websockets

from hub import clock
from hub.db import ingest
from hub.db.server import Neo4jCredentials
from hub.service import CreditHub
from hub.settings import Settings
from tests.builders import (
    DATA_KEY,
    JWT_SECRET,
    HubProcess,
    Subscriber,
    add_subjects,
    clear_warnings,
    record_row,
    remove_subjects,
    start_warnings_afresh,
    token,
    uscc,
)

REGION = "410421"  # 宝丰县: this module's subjects only
DEPARTMENT = f"{REGION}-SCJG"
ONE = uscc(7000, region=REGION)
MANY = [uscc(7100 + n, region=REGION) for n in range(300)]
SETTINGS = Settings(HUB_JWT_SECRET=JWT_SECRET, HUB_DATA_KEY=DATA_KEY)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
async def hub_process(hub: CreditHub, neo4j_credentials: Neo4jCredentials,
                      tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[HubProcess]:
    await start_warnings_afresh(hub, [ONE, *MANY])
    await add_subjects(hub, [ONE, *MANY])
    process = HubProcess(neo4j_credentials.uri, neo4j_credentials.user, neo4j_credentials.password,
                         tmp_path_factory.mktemp("restart") / "hub.log", HUB_WARNING_POLL="0.1",
                         HUB_WARNING_WINDOW="200")  # 1,200 penalties: six windows, six transactions
    await process.start()
    try:
        yield process
    finally:
        process.stop()
        await clear_warnings(hub)
        await remove_subjects(hub, [ONE, *MANY])


def admin() -> str:
    return token(SETTINGS, "admin", "宝丰县信用办", ttl=3600)


async def stream_cursor(process: HubProcess) -> str:
    async with httpx.AsyncClient(base_url=process.url, timeout=60) as client:
        response = await client.post("/graphql", json={"query": "{ warningStreamCursor }"},
                                     headers={"Authorization": f"Bearer {admin()}"})
    return str(response.json()["data"]["warningStreamCursor"])


def serious(code: str, record_id: str) -> dict[str, object]:
    return record_row(code, record_id, kind="ADMINISTRATIVE_PENALTY", severity="SERIOUS", department=DEPARTMENT,
                      decided_on=clock.today() - timedelta(days=2))  # fresh either side of China midnight


async def test_a_warning_written_while_the_hub_is_dead_arrives_once(hub_process: HubProcess,
                                                                     hub: CreditHub) -> None:
    cursor = await stream_cursor(hub_process)
    screen = await Subscriber.connect(hub_process.url, admin(), after=cursor, region=REGION)
    hub_process.kill()  # the hub dies; the screen's socket with it
    with pytest.raises(websockets.ConnectionClosed):
        await screen.next(timeout_s=10)
    await ingest.upsert_records(hub.gateway, [serious(ONE, "restart-one")])  # committed, not yet warned

    await hub_process.start()
    screen = await Subscriber.connect(hub_process.url, admin(), after=cursor, region=REGION)
    [warning] = await screen.warnings(1)
    assert (warning["subjectUscc"], warning["rule"], warning["department"]) == (ONE, "serious-penalty", DEPARTMENT)
    assert await screen.nothing_more(wait_s=3.0)
    await screen.close()
    held = await hub.gateway.run("MATCH (w:Warning {subject_uscc: $code}) RETURN count(w) AS n", {"code": ONE})
    assert held == [{"n": 1}]


async def test_a_hub_killed_mid_evaluation_loses_and_doubles_nothing(hub_process: HubProcess,
                                                                     hub: CreditHub) -> None:
    """1,200 penalties, six of the engine's windows (its transactions); the hub is killed after it has
    raised some of their warnings and before it has raised them all, then started again. The subscriber,
    resuming after its last cursor, ends with every warning exactly once."""
    cursor = await stream_cursor(hub_process)
    received: list[dict[str, object]] = []
    screen = await Subscriber.connect(hub_process.url, admin(), after=cursor, region=REGION)
    rows = [serious(code, f"restart-{code}-{n}") for code in MANY for n in range(4)]
    await ingest.upsert_records(hub.gateway, rows)

    deadline = time.monotonic() + 300
    while await count_warnings(hub) == 0 and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)  # another process's progress: nothing to wait on but its database
    hub_process.kill()  # at once: draining the screen first gave the engine time to finish every window
    raised_before_kill = await count_warnings(hub)
    received += await drain(screen)  # what reached the screen before the kill
    assert 0 < raised_before_kill < len(rows), "killed too late: load more records"

    await hub_process.start()
    last = str(received[-1]["cursor"]) if received else cursor
    screen = await Subscriber.connect(hub_process.url, admin(), after=last, region=REGION)
    received += await screen.warnings(len(rows) - len(received), timeout_s=120)
    assert await screen.nothing_more(wait_s=3.0)
    await screen.close()

    ids = Counter(str(w["id"]) for w in received)
    assert len(ids) == len(rows) and set(ids.values()) == {1}  # each warning, once
    assert await count_warnings(hub) == len(rows)


async def drain(screen: Subscriber) -> list[dict[str, object]]:
    """What the subscriber has received so far, until its socket goes quiet or dies."""
    found: list[dict[str, object]] = []
    while True:
        try:
            message = await screen.next(timeout_s=0.5)
        except (TimeoutError, websockets.ConnectionClosed):
            return found
        found.append(message["payload"]["data"]["warnings"])


async def count_warnings(hub: CreditHub) -> int:
    rows = await hub.gateway.run("MATCH (w:Warning) WHERE w.region = $region AND w.subject_uscc <> $one "
                                 "RETURN count(w) AS n", {"region": REGION, "one": ONE})
    return int(rows[0]["n"])


async def test_a_screen_subscribing_as_the_hub_starts_gets_the_next_warning(hub_process: HubProcess,
                                                                            hub: CreditHub) -> None:
    """The warning at the stream's head was removed by hand, so a starting hub's broker waits a grace period
    before it trusts that head (hub.warnings.heads). A screen that subscribes then, without ``after``, starts
    at the head as the database has it: the warning raised a moment later reaches it (it used to start at
    whatever head the broker learnt first — that very warning's — and skipped it)."""
    hub_process.kill()
    removed = await hub.gateway.run("""
        MATCH (st:WarningState {name: 'stream'}) MATCH (w:Warning) WHERE w.stream_seq = st.value
        WITH w, w.subject_uscc AS subject DETACH DELETE w RETURN subject""", write=True)
    assert [row["subject"] for row in removed] and all(row["subject"] in (ONE, *MANY) for row in removed)
    await hub_process.start()
    screen = await Subscriber.connect(hub_process.url, admin(), region=REGION)
    await ingest.upsert_records(hub.gateway, [serious(ONE, "restart-after-a-removed-head")])
    [warning] = await screen.warnings(1, timeout_s=30)
    assert (warning["subjectUscc"], warning["rule"]) == (ONE, "serious-penalty")
    await screen.close()
