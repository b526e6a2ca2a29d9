"""工作日 — Chinese working days, the unit of the deadlines subjects' rights are counted in.

Seed 002 §三.(五).1: an objection is handled "在收到正式申请7个工作日内处理完成"; seed 004 §一.(二):
双公示 information is reported within 7 working days of the decision. A Chinese working day is not
simply Monday–Friday: each year the State Council announces the public holidays and the make-up
working days (调休) that pay for the long breaks, so a Saturday can be a working day and a Wednesday
a day off.

The schedule of a year comes from, in this order:

1. the operator's calendar file (``HUB_CALENDAR_FILE``), for each year it lists: the year's notice as
   announced (国务院办公厅关于XXXX年部分节假日安排的通知), holidays and make-up days — it can also
   correct the library;
2. ``chinesecalendar`` (module ``chinese_calendar``), which ships each year's notice once it is made;
   1.11.0 covers 2004–2026;
3. for any other year, the rule (``hub.rights.holidays``): the statutory holidays of the
   《全国年节及纪念日放假办法》 (国务院令第795号, 2024 revision) — 元旦, 春节 from 除夕, 清明, 劳动节,
   端午, 中秋, 国庆 — and the 补假 it owes for those on a weekend, but none of the make-up working
   days, which only the notice decides. A deadline counted on such a year is **provisional**:
   ``due_date`` says so and why, the API passes it on (``Objection.dueOnProvisional``), and the log
   warns once per year. A hub that failed every objection on 2 January because a library was not
   upgraded would be worse; one that counted 1 January as a working day (as the Monday–Friday
   fallback before this did) was wrong.

The composition root passes the file's path, e.g. from ``HUB_CALENDAR_FILE``::

    years:
      - year: 2031
        source: 国务院办公厅关于2031年部分节假日安排的通知
        holidays:                                 # days off, as dates or ranges {from: …, to: …}
          - 2031-01-01
          - {from: 2031-01-22, to: 2031-01-28}
        make_up_working_days: [2031-01-19, 2031-02-08]    # 调休上班: weekend days that are worked

A malformed file is refused with ``CalendarFileError`` naming its line (``hub.datafile``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from functools import cache

import chinese_calendar

from hub.datafile import DataFileError, FileProblem, LineMap, read_data_file, require_keys, text
from hub.rights import holidays

logger = logging.getLogger(__name__)

CALENDAR_FILE_ENV = "HUB_CALENDAR_FILE"  # where the composition root finds the override file


class CalendarFileError(DataFileError):
    """The override file is malformed; ``.path``, ``.line``, ``.problem``."""


class ScheduleBasis(Enum):
    """Where a year's working days come from (see the module docstring for the order)."""

    CALENDAR_FILE = "the calendar file"
    LIBRARY = "chinesecalendar"
    STATUTORY_RULE = "the statutory holidays by rule"  # provisional: no make-up working days known


@dataclass(frozen=True)
class YearSchedule:
    """One year as announced: days off beyond weekends (``holidays``) and weekend days worked."""

    year: int
    holidays: frozenset[date]
    make_up_working_days: frozenset[date]
    source: str | None = None

    def is_working_day(self, day: date) -> bool:
        return day in self.make_up_working_days or (day.weekday() < 5 and day not in self.holidays)


@dataclass(frozen=True)
class DueDate:
    """A deadline counted in working days, and the years it was counted on without their notice."""

    day: date
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)

    @property
    def provisional_reason(self) -> str | None:
        """Why the date may still move, for the caller; ``None`` when every year counted is announced."""
        return provisional_reason(self.provisional_years)


def provisional_reason(years: tuple[int, ...] | list[int]) -> str | None:
    """The caller-facing sentence for working days counted on years whose notice is not known."""
    if not years:
        return None
    named = ", ".join(str(year) for year in years)
    return (f"counted on the statutory holidays of {named} ({holidays.DECREE}, with 补假 for weekend "
            f"holidays) but without that year's make-up working days (调休), which the State Council "
            f"announces each year and this hub does not have yet; the date may move once they are added "
            f"({CALENDAR_FILE_ENV})")


class WorkingCalendar:
    """Working days: the operator's file, else chinesecalendar, else the statutory holidays by rule."""

    def __init__(self, overrides: str | os.PathLike[str] | None = None) -> None:
        self._overrides: dict[int, YearSchedule] = {} if overrides is None else load_overrides(overrides)
        self._warned: set[int] = set()

    def basis(self, year: int) -> ScheduleBasis:
        if year in self._overrides:
            return ScheduleBasis.CALENDAR_FILE
        if _library_covers(year):
            return ScheduleBasis.LIBRARY
        return ScheduleBasis.STATUTORY_RULE

    def covered(self, year: int) -> bool:
        """True if the year's announced schedule is known (calendar file or library): not provisional."""
        return self.basis(year) is not ScheduleBasis.STATUTORY_RULE

    def is_working_day(self, day: date) -> bool:
        schedule = self._overrides.get(day.year)
        if schedule is not None:
            return schedule.is_working_day(day)
        if _library_covers(day.year):
            return bool(chinese_calendar.is_workday(day))
        self._warn_once(day.year)
        return day.weekday() < 5 and day not in _rule_days_off(day.year)

    def add_working_days(self, start: date, days: int) -> date:
        """The day that is ``days`` working days after ``start``; ``start`` itself is not counted.

        An objection received on Friday 13 February 2026, before the Spring Festival, is due on
        ``add_working_days(date(2026, 2, 13), 7)`` = Monday 2 March: the make-up Saturdays of 14
        and 28 February count, the nine days off do not.
        """
        if days < 0:
            raise ValueError(f"days must be 0 or more, not {days}")
        day = start
        while days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                days -= 1
        return day

    def due_date(self, start: date, days: int) -> DueDate:
        """``add_working_days``, saying which of the years counted were counted by rule (provisional)."""
        due = self.add_working_days(start, days)
        return DueDate(due, self.provisional_years(start, due))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
        return sum(self.is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))

    def provisional_years(self, start: date, end: date) -> tuple[int, ...]:
        """The years of the days after ``start`` up to ``end`` whose make-up working days are unknown."""
        if end <= start:
            return ()
        first = (start + timedelta(days=1)).year
        return tuple(year for year in range(first, end.year + 1) if not self.covered(year))

    def _warn_once(self, year: int) -> None:
        if year in self._warned:
            return
        self._warned.add(year)
        logger.warning(
            "no announced holiday schedule for %d (chinesecalendar %s has none, nor does the calendar file): "
            "counting that year's statutory holidays by rule (%s) without its make-up working days; "
            "deadlines in %d are provisional until the State Council's %d schedule is added to the file "
            "named by %s (or chinesecalendar is upgraded)",
            year, chinese_calendar.__version__, holidays.DECREE, year, year, CALENDAR_FILE_ENV)


@cache
def _rule_days_off(year: int) -> frozenset[date]:
    """Weekdays off by the 2024 办法; before it took effect (years the library does not cover, before
    2004) the hub has no rule of its own and counts Monday–Friday, still flagged provisional."""
    if year < holidays.FIRST_YEAR_OF_THE_2024_RULE:
        return frozenset()
    return holidays.days_off(year)


@cache
def _library_covers(year: int) -> bool:
    """The library raises NotImplementedError for a year outside its data; ask it once per year."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def load_overrides(path: str | os.PathLike[str]) -> dict[int, YearSchedule]:
    """The years an override file lists; raise ``CalendarFileError`` naming the file and line."""
    return read_data_file(path, _build, CalendarFileError)


def _build(document: object) -> dict[int, YearSchedule]:
    if not isinstance(document, LineMap):
        raise FileProblem(getattr(document, "line", 1), "a calendar file is a mapping with a `years:` list")
    require_keys(document, "the calendar file", ["years"])
    entries = document["years"]
    if not isinstance(entries, list) or not entries:
        raise FileProblem(document.at("years"), "years must be a non-empty list, one entry per year")
    schedules: dict[int, YearSchedule] = {}
    for entry in entries:
        if not isinstance(entry, LineMap):
            raise FileProblem(getattr(entries, "line", document.at("years")),
                              f"each entry of years is a mapping (year, holidays, make_up_working_days), not {entry!r}")
        schedule = _year(entry)
        if schedule.year in schedules:
            raise FileProblem(entry.at("year"), f"year {schedule.year} appears twice")
        schedules[schedule.year] = schedule
    return schedules


def _year(m: LineMap) -> YearSchedule:
    require_keys(m, "a year", ["year", "holidays", "make_up_working_days"], ["source"])
    year = m["year"]
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100:
        raise FileProblem(m.at("year"), f"year must be a year such as 2031, not {year!r}")
    holidays = _dates(m, "holidays", year)
    make_up = _dates(m, "make_up_working_days", year)
    if both := sorted(holidays & make_up):
        raise FileProblem(m.at("make_up_working_days"),
                          f"{both[0]} is listed both as a holiday and as a make-up working day")
    source = text(m, "source", f"year {year}") if "source" in m else None
    return YearSchedule(year, frozenset(holidays), frozenset(make_up), source)


def _dates(m: LineMap, key: str, year: int) -> set[date]:
    """A list of dates and {from, to} ranges (inclusive), all within ``year``."""
    items, line = m[key], m.at(key)
    if not isinstance(items, list):
        raise FileProblem(line, f"{key} of {year} must be a list of dates (YYYY-MM-DD) or ranges "
                                f"{{from: …, to: …}}, not {items!r}")
    days: set[date] = set()
    for item in items:
        if isinstance(item, LineMap):
            require_keys(item, f"a range in {key}", ["from", "to"])
            first, last = _date(item["from"], item.line, key), _date(item["to"], item.line, key)
            if last < first:
                raise FileProblem(item.line, f"the range in {key} ends ({last}) before it starts ({first})")
            days.update(first + timedelta(days=n) for n in range((last - first).days + 1))
        else:
            days.add(_date(item, line, key))
    if outside := sorted(day for day in days if day.year != year):
        raise FileProblem(line, f"{outside[0]} in {key} is not in {year}")
    return days


def _date(value: object, line: int, key: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise FileProblem(line, f"{value!r} in {key} is not a date (YYYY-MM-DD)")
    return value
