"""One clock (hub/clock.py) for the code and the tests: China dates, never the machine's date.

The hub decides publicity windows, validity and due dates on the China date. A rule — or a test that
builds its data — with the machine's date is a day off from 16:00 UTC every day (tests/conftest.py
runs the date-sensitive modules at 15:59 and 16:01 UTC to prove the rules; this keeps the door shut).
"""

from __future__ import annotations

import asyncio
import pathlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from hub import clock

ROOTS = ("hub", "schema", "connectors", "tests", "bench")
# Python's own clocks, and Cypher's (the database's clock is not the hub's: pass $now instead).
MACHINE_CLOCK = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today)\(|(?<![.\w])(datetime|date|"
                           r"localdatetime|timestamp)\(\)")


def _sources() -> list[pathlib.Path]:
    return [path for root in ROOTS for path in pathlib.Path(root).rglob("*.py")]


def test_no_zoneinfo_in_the_code_that_feeds_neo4j() -> None:
    offenders = [str(path) for path in _sources()
                 if re.search(r"\bZoneInfo\(", path.read_text()) and path.name != "clock.py"]
    assert offenders == [], f"use hub.clock.CHINA instead of ZoneInfo in {offenders}"


def test_dates_come_from_hub_clock_only() -> None:
    offenders = [f"{path}:{number}: {line.strip()}" for path in _sources()
                 if path.name not in ("clock.py", "test_clock.py")
                 for number, line in enumerate(path.read_text().splitlines(), start=1)
                 if MACHINE_CLOCK.search(line)]
    assert offenders == [], "take dates from hub.clock (and pass $now to Cypher):\n" + "\n".join(offenders)


def test_the_check_catches_each_way_of_reading_the_machine_clock() -> None:
    # the samples are assembled, so this file holds no machine-clock read for a reader (or a scan) to find
    call = "()"
    for line in ("today = date.today" + call, "now = datetime.now" + "(UTC)", "datetime.utcnow" + call,
                 '"SET r.changed_at = datetime' + call + '"', '"WHERE r.ends >= date' + call + '"',
                 '"RETURN timestamp' + call + '"'):
        assert MACHINE_CLOCK.search(line), line
    for line in ("moment.date()", "clock.today()", "date(2026, 1, 5)", "datetime(2026, 1, 5, tzinfo=UTC)"):
        assert not MACHINE_CLOCK.search(line), line


def test_from_16_00_utc_the_china_date_is_the_next_day() -> None:
    with time_machine.travel(datetime(2026, 12, 31, 15, 59, tzinfo=UTC), tick=False):
        assert clock.today().isoformat() == "2026-12-31"
    with time_machine.travel(datetime(2026, 12, 31, 16, 1, tzinfo=UTC), tick=False):
        assert clock.today().isoformat() == "2027-01-01"
        assert clock.date_of(clock.now()).isoformat() == "2027-01-01"
        assert clock.now().date().isoformat() == "2026-12-31"  # the UTC date a rule must not use


async def test_a_replay_moves_this_task_and_its_children_only() -> None:
    """hub demo load replays a year at its days (hub.demo.year): inside the block and the tasks it starts
    the clock stands at the replayed instant; a task started before it, and everything after, keep the real one."""
    moment = datetime(2025, 3, 3, 16, 30, tzinfo=UTC)  # already 2025-03-04 in China
    outside = asyncio.Event()
    seen: list[datetime] = []

    async def elsewhere() -> None:  # a request the same process serves meanwhile
        await outside.wait()
        seen.append(clock.now())

    other = asyncio.create_task(elsewhere())
    with clock.replaying(moment):
        assert clock.now() == moment and clock.today().isoformat() == "2025-03-04"
        assert await asyncio.create_task(_now()) == moment
        outside.set()
        await other
    assert seen[0] > moment + timedelta(days=365)
    assert clock.now() > moment + timedelta(days=365)
    with pytest.raises(ValueError, match="aware"), clock.replaying(datetime(2025, 3, 3)):
        pass


async def _now() -> datetime:
    return clock.now()
