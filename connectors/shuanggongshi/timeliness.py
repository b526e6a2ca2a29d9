"""及时率 and 合规率 — whether each department reports its 双公示 decisions on time and to the standard.

Seed 004 §一.(二): "各单位在作出行政决定之日起7个工作日内将“双公示”信息归集至市信用信息共享平台 …
确保“双公示”信息合规率、及时率达到100%" (the same 7 working days as 发改办财金〔2018〕424号). A row is
on time when its decision date is at most 7 Chinese working days (``WorkingCalendar``: holidays off,
调休 make-up days on) before the day the platform received the file; the decision day itself is not
counted. So a decision of Friday 13 February 2026 received on Monday 2 March is on time (the Spring
Festival's nine days off do not count, its two make-up Saturdays do), and one of 12 February is late.

A judgement that counted days of a year whose make-up working days are not announced yet (the
calendar counts its statutory holidays by rule) is provisional: each department's ``provisional``
count says how many of its on-time/late rows were judged so, and the API passes it on
(``DepartmentReporting.timelinessProvisional``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from connectors.shuanggongshi.result import DepartmentStats
from hub.reporting import ReportedRow
from hub.rights.calendar import WorkingCalendar

REPORTING_WORKING_DAYS = 7


def is_late(decided_on: date, received_on: date, calendar: WorkingCalendar) -> bool:
    """Reported more than 7 working days after the decision."""
    return calendar.working_days_between(decided_on, received_on) > REPORTING_WORKING_DAYS


@dataclass
class _Tally:
    name: str | None = None
    rows: int = 0
    valid: int = 0
    on_time: int = 0
    late: int = 0
    provisional: int = 0


class DepartmentTally:
    """Counts rows per issuing department as the file is read; ``stats()`` gives the rates."""

    def __init__(self, received_on: date | None, calendar: WorkingCalendar) -> None:
        self._received_on, self._calendar = received_on, calendar
        self._tallies: dict[str, _Tally] = {}
        self._judged: dict[date, tuple[bool, tuple[int, ...]]] = {}  # many rows share a decision day
        self.rows: list[ReportedRow] = []  # each row by its identity, for the hub to count once (hub.db.reporting)
        self._keys: set[str] = set()

    def add(self, department: str, name: str | None, decided_on: date | None, *, row: int = 0,
            key: str | None = None) -> bool:
        """Count a row (file row number ``row``, identity ``key``); ``decided_on`` only for a valid row. True
        when that valid row is late."""
        tally = self._tallies.setdefault(department, _Tally(name))
        tally.name = tally.name or name
        tally.rows += 1
        if key is not None and key in self._keys:  # a row repeated in the file is refused and counts for itself
            key = None
        elif key is not None:
            self._keys.add(key)
        if decided_on is None:
            self.rows.append(ReportedRow(row, key, department, name, False, None))
            return False
        tally.valid += 1
        if self._received_on is None:
            self.rows.append(ReportedRow(row, key, department, name, True, None))
            return False
        judged = self._judged.get(decided_on)
        if judged is None:
            judged = self._judged[decided_on] = (is_late(decided_on, self._received_on, self._calendar),
                                                 self._calendar.provisional_years(decided_on, self._received_on))
        late, provisional_years = judged
        if provisional_years:
            tally.provisional += 1
        if late:
            tally.late += 1
        else:
            tally.on_time += 1
        self.rows.append(ReportedRow(row, key, department, name, True, late, bool(provisional_years)))
        return late

    def stats(self) -> dict[str, DepartmentStats]:
        measured = self._received_on is not None
        return {
            department: DepartmentStats(t.name, t.rows, t.valid, t.on_time if measured else None,
                                        t.late if measured else None, t.provisional)
            for department, t in sorted(self._tallies.items())
        }
