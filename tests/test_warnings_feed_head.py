"""An item deleted at the head of the change feed does not stall the warning engine (hub.warnings.heads).

The engine waits for the item numbered at the feed's head to be readable through the index before it
reads the window; an item deleted after it was numbered never will be. Before hub.warnings.heads the
engine waited for it for ever, and every warning behind it with it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hub import clock
from hub.db import feed
from hub.service import CreditHub
from tests.builders import add_records, add_subjects, clear_warnings, record_row, remove_subjects, uscc

REGION = "410402"  # 新华区: this module's subjects only
CODES = [uscc(8000 + n, region=REGION) for n in range(2)]


def serious(code: str, record_id: str) -> dict[str, object]:
    return record_row(code, record_id, kind="ADMINISTRATIVE_PENALTY", severity="SERIOUS",
                      department=f"{REGION}-SCJG", decided_on=clock.today() - timedelta(days=2))


async def test_a_deleted_item_at_the_feed_head_does_not_stall_the_engine(hub: CreditHub) -> None:
    engine = hub.warnings.engine
    await remove_subjects(hub, CODES)
    await clear_warnings(hub)
    await engine.skip_history()
    await add_subjects(hub, CODES)
    try:
        await add_records(hub, [serious(CODES[0], "head-deleted")])
        numbered = await feed.sequence(hub.gateway, hub.settings.platform_id, hub.settings.level)
        assert numbered.count == 1
        await hub.gateway.run("MATCH (r:Record {id: 'head-deleted'}) DETACH DELETE r", write=True)

        passed = await asyncio.wait_for(engine.catch_up(), 60)  # waits its grace, then moves on
        about = await hub.gateway.query("MATCH (w:Warning) WHERE w.id IN $ids AND w.subject_uscc IN $codes "
                                        "RETURN w.id AS id", {"ids": passed.raised, "codes": CODES})
        assert about == []  # the deleted record raised nothing (other modules' due dates may have)
        [state] = await engine.gateway.query("MATCH (st:WarningState {name: 'engine'}) RETURN st.cursor AS c")
        assert state["c"] >= numbered.head  # past the deleted one (and past what its own cycle numbered since)

        await add_records(hub, [serious(CODES[1], "after-the-deleted")])
        later = await asyncio.wait_for(engine.catch_up(), 60)
        raised = await hub.gateway.query("MATCH (w:Warning) WHERE w.id IN $ids RETURN w.rule AS rule, "
                                         "w.subject_uscc AS subject", {"ids": later.raised})
        assert {(row["rule"], row["subject"]) for row in raised} == {("serious-penalty", CODES[1])}
    finally:
        await clear_warnings(hub)
        await remove_subjects(hub, CODES)
