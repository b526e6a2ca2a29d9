"""A hub told to stop while its warning engine works through a backlog stops within a window.

The engine follows the change feed window by window, each committed with its cursor; it used to loop
until the feed was caught up, so `hub serve` behind a province's batch evaluation (hundreds of thousands
of items) did not stop on SIGTERM for minutes. Now a cycle returns after the window in hand once it is
told to stop, and the next start goes on from the cursor.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hub import clock
from hub.db import feed
from hub.service import CreditHub
from hub.warnings.engine import WarningEngine
from hub.warnings.rules import RuleBook
from tests.builders import add_records, add_subjects, clear_warnings, record_row, remove_subjects, uscc

REGION = "410403"  # 卫东区: this module's subjects only
CODES = [uscc(8100 + n, region=REGION) for n in range(6)]


async def cursor(hub: CreditHub) -> int:
    [state] = await hub.gateway.query("MATCH (st:WarningState {name: 'engine'}) RETURN st.cursor AS c")
    return int(state["c"])


async def test_a_cycle_told_to_stop_returns_after_one_window_and_the_next_goes_on_from_its_cursor(
        hub: CreditHub) -> None:
    engine = WarningEngine(hub.gateway, RuleBook(), hub.schemes, hub.calendar, platform_id=hub.settings.platform_id,
                           level=hub.settings.level, window=2)
    await remove_subjects(hub, CODES)
    await clear_warnings(hub)
    await engine.skip_history()
    await add_subjects(hub, CODES)
    try:
        await add_records(hub, [record_row(code, f"stop-{code}", kind="ADMINISTRATIVE_PENALTY", severity="SERIOUS",
                                           department=f"{REGION}-SCJG", decided_on=clock.today() - timedelta(days=2))
                                for code in CODES])
        numbered = await feed.sequence(hub.gateway, hub.settings.platform_id, hub.settings.level)
        assert numbered.count == len(CODES)  # three windows of two behind the engine's cursor
        start = await cursor(hub)

        stop = asyncio.Event()
        stop.set()
        stopped = await engine.cycle(stop=stop)
        assert stopped.windows == 1 and await cursor(hub) == start + 2  # one window, committed

        rest = await engine.catch_up()
        assert rest.windows >= 2 and await cursor(hub) >= numbered.head
        raised = await hub.gateway.query("MATCH (w:Warning {rule: 'serious-penalty'}) WHERE w.subject_uscc IN $codes "
                                         "RETURN w.subject_uscc AS code", {"codes": CODES})
        assert sorted(row["code"] for row in raised) == sorted(CODES)  # nothing skipped by the stop
    finally:
        await clear_warnings(hub)
        await remove_subjects(hub, CODES)
