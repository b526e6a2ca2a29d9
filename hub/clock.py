"""China time for dates that rules count in (publicity windows, validity, working days).

A fixed UTC+8 offset rather than ``ZoneInfo("Asia/Shanghai")``: China has kept UTC+8 without
daylight saving since 1991, and the neo4j driver calls ``tzinfo.utcoffset()`` with its own
DateTime type, which CPython 3.11's C ``zoneinfo`` does not type-check — a ZoneInfo-aware datetime
in a query parameter can crash the process (seen here: a segfault in ``hub demo load``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today on the Chinese calendar."""
    return datetime.now(CHINA).date()


def date_of(moment: datetime) -> date:
    """The China date of an aware instant (a UTC timestamp taken at 16:30 is already tomorrow there)."""
    return moment.astimezone(CHINA).date()
