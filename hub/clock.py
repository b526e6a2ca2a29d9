"""China time for dates that rules count in (publicity windows, validity, working days).

A fixed UTC+8 offset rather than ``ZoneInfo("Asia/Shanghai")``: China has kept UTC+8 without
daylight saving since 1991, and the neo4j driver calls ``tzinfo.utcoffset()`` with its own
DateTime type, which CPython 3.11's C ``zoneinfo`` does not type-check — a ZoneInfo-aware datetime
in a query parameter can crash the process (seen here: a segfault in ``hub demo load``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")

# The instant a replay stands at (``replaying``); None: the machine's clock.
_replayed: ContextVar[datetime | None] = ContextVar("replayed", default=None)


def now() -> datetime:
    replayed = _replayed.get()
    return replayed if replayed is not None else datetime.now(UTC)


def today() -> date:
    """Today on the Chinese calendar."""
    return now().astimezone(CHINA).date()


@contextmanager
def replaying(moment: datetime) -> Iterator[None]:
    """Within this block (this task and the tasks it starts), ``now()`` is ``moment``.

    For ``hub demo load`` only, which replays a county hub's year (objections filed months ago, a
    draw of last quarter) through the hub's own services at the days they happened, so the data carry
    the dates, due dates and overdue states real use gives them. A context variable, not a global:
    a request served meanwhile by the same process keeps the real clock.
    """
    if moment.utcoffset() is None:
        raise ValueError("replaying needs an aware instant")
    token = _replayed.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _replayed.reset(token)


def date_of(moment: datetime) -> date:
    """The China date of an aware instant (a UTC timestamp taken at 16:30 is already tomorrow there)."""
    return moment.astimezone(CHINA).date()
