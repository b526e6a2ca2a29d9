"""双公示 reporting: a department's share of an imported file, and its 合规率 and 及时率 over its files.

Seed 004 §一.(二) holds every department to a 合规率 (compliance) and a 及时率 (timeliness) of 100 %.
An import keeps its counts, not its rates, so that rates over several imports are rates of the sums
(hub.db.reporting stores and sums them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class DepartmentCounts(Protocol):
    """One department's share of one file, as the 双公示 importer counts it (its ``DepartmentStats``)."""

    @property
    def name(self) -> str | None: ...

    @property
    def rows(self) -> int: ...

    @property
    def valid(self) -> int: ...

    @property
    def on_time(self) -> int | None: ...

    @property
    def late(self) -> int | None: ...

    @property
    def provisional(self) -> int: ...


@dataclass(frozen=True)
class Counts:
    """A department's counts as plain values (a :class:`DepartmentCounts` that is not an importer's)."""

    name: str | None
    rows: int
    valid: int
    on_time: int | None
    late: int | None
    provisional: int = 0  # rows judged on a year whose 调休 were not announced (hub.db.reporting)


@dataclass(frozen=True)
class ReportedRow:
    """One row of a 双公示 file as the rates count it (seed 004 §一.(二)), known by its identity.

    ``key`` is the row's identity wherever it arrives: the id of the record it makes (the decision about a
    subject: its kind, subject code and 决定书文号, ``connectors.shuanggongshi.mapping.record_id``), also for a
    refused row whose subject code and document number can be read; ``None`` when the row cannot be
    identified (a natural person, a row without a readable code or number): it then counts once per file.
    A row already received counts once, whichever file brings it again (hub.db.reporting).
    ``late`` is ``None`` for a refused row or a file without a received date.
    """

    row: int
    key: str | None
    department: str
    name: str | None
    valid: bool
    late: bool | None
    provisional: bool = False


@dataclass(frozen=True)
class DepartmentReporting:
    """A department's counts summed over its imports; the rates are ratios of the sums."""

    department: str
    name: str | None
    rows: int
    valid: int
    on_time: int | None
    late: int | None
    imports: int
    provisional: int = 0

    @property
    def timeliness_provisional_reason(self) -> str | None:
        """Why the 及时率 may still change; ``None`` when every row was judged on announced years."""
        if not self.provisional:
            return None
        return (f"{self.provisional} of the rows counted in onTime/late were judged on a year whose make-up "
                f"working days (调休) were not announced when the file was imported: that year's statutory "
                f"holidays were counted by rule (《全国年节及纪念日放假办法》, 2024 revision), so a row may be "
                f"on time or late by a day once the State Council's notice is known")

    @property
    def compliance_rate(self) -> float:
        """合规率: valid rows / rows."""
        return self.valid / self.rows if self.rows else 1.0

    @property
    def timeliness_rate(self) -> float | None:
        """及时率: rows on time / valid rows of the imports that measured it (each of those is on time
        or late); ``None`` when no import measured it or none had a valid row."""
        if self.on_time is None or self.late is None or not self.on_time + self.late:
            return None
        return self.on_time / (self.on_time + self.late)


MAX_REPORTING_MONTHS = 36  # the console's chart spans a year; three are the most one answer holds


@dataclass(frozen=True)
class MonthlyReporting:
    """A department's counts over the files of one month ("YYYY-MM": received on, else imported, China time)."""

    month: str
    rates: DepartmentReporting
