"""Chinese working days (hub.rights.calendar): holidays, make-up days, years beyond the library.

Pure tests: no database. The 2026 and 2025 dates are chinesecalendar 1.11.0's (the State Council's
announcements): Spring Festival 2026 is off Sun 15 – Mon 23 February, with make-up working Saturdays
14 and 28 February; National Day + Mid-Autumn 2025 is off Wed 1 – Wed 8 October, with make-up
working Sun 28 September and Sat 11 October.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

import pytest

from hub.rights.calendar import CalendarFileError, WorkingCalendar

CALENDAR = WorkingCalendar()
LAST_FRIDAY_BEFORE_SPRING_FESTIVAL_2026 = date(2026, 2, 13)
MAKE_UP_SATURDAY_BEFORE = date(2026, 2, 14)
MAKE_UP_SATURDAY_AFTER = date(2026, 2, 28)

OVERRIDE_2031 = """\
years:
  - year: 2031
    source: 国务院办公厅关于2031年部分节假日安排的通知（test data）
    holidays:
      - 2031-01-01
      - {from: 2031-01-22, to: 2031-01-28}
    make_up_working_days: [2031-01-19, 2031-02-08]
"""


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "calendar.yaml"
    path.write_text(content, encoding="utf-8")
    return path


# ---- Spring Festival 2026 -------------------------------------------------------------------------

def test_make_up_saturday_counts_as_a_working_day() -> None:
    assert CALENDAR.is_working_day(MAKE_UP_SATURDAY_BEFORE)
    assert CALENDAR.is_working_day(MAKE_UP_SATURDAY_AFTER)


def test_ordinary_saturday_is_not_a_working_day() -> None:
    assert not CALENDAR.is_working_day(date(2026, 3, 7))


def test_every_day_of_the_2026_spring_festival_is_off_weekdays_included() -> None:
    festival = [date(2026, 2, d) for d in range(15, 24)]
    assert [CALENDAR.is_working_day(day) for day in festival] == [False] * 9
    assert CALENDAR.is_working_day(date(2026, 2, 24))  # Tuesday: back to work


def test_seven_working_days_from_the_friday_before_spring_festival_is_2_march() -> None:
    # Sat 14 (make-up), Tue 24, Wed 25, Thu 26, Fri 27, Sat 28 (make-up), Mon 2 March
    assert CALENDAR.add_working_days(LAST_FRIDAY_BEFORE_SPRING_FESTIVAL_2026, 7) == date(2026, 3, 2)


def test_seven_working_days_from_the_last_working_day_before_spring_festival_is_3_march() -> None:
    # The make-up Saturday 14 February is the last working day before the break.
    assert CALENDAR.add_working_days(MAKE_UP_SATURDAY_BEFORE, 7) == date(2026, 3, 3)


def test_working_days_between_counts_after_start_up_to_and_including_end() -> None:
    assert CALENDAR.working_days_between(LAST_FRIDAY_BEFORE_SPRING_FESTIVAL_2026, date(2026, 3, 2)) == 7
    assert CALENDAR.working_days_between(MAKE_UP_SATURDAY_BEFORE, date(2026, 2, 23)) == 0  # the whole break


def test_working_days_between_is_zero_when_end_is_not_after_start() -> None:
    assert CALENDAR.working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert CALENDAR.working_days_between(date(2026, 3, 2), date(2026, 2, 13)) == 0


def test_zero_working_days_is_the_start_itself_and_negative_is_refused() -> None:
    assert CALENDAR.add_working_days(date(2026, 2, 15), 0) == date(2026, 2, 15)
    with pytest.raises(ValueError, match="0 or more"):
        CALENDAR.add_working_days(date(2026, 2, 15), -1)


# ---- National Day + Mid-Autumn 2025 ---------------------------------------------------------------

def test_mid_autumn_and_national_day_2025_are_off_and_their_make_up_days_are_worked() -> None:
    assert not any(CALENDAR.is_working_day(date(2025, 10, d)) for d in range(1, 9))  # 6 Oct: Mid-Autumn
    assert CALENDAR.is_working_day(date(2025, 9, 28))  # Sunday
    assert CALENDAR.is_working_day(date(2025, 10, 11))  # Saturday


def test_an_objection_received_on_30_september_2025_is_due_on_16_october() -> None:
    # Thu 9, Fri 10, Sat 11 (make-up), Mon 13, Tue 14, Wed 15, Thu 16
    assert CALENDAR.add_working_days(date(2025, 9, 30), 7) == date(2025, 10, 16)


def test_seven_working_days_from_friday_26_september_2025_include_the_make_up_sunday() -> None:
    # Sun 28 (make-up), Mon 29, Tue 30, Thu 9, Fri 10, Sat 11 (make-up), Mon 13
    assert CALENDAR.add_working_days(date(2025, 9, 26), 7) == date(2025, 10, 13)


# ---- years the library does not cover ---------------------------------------------------------------

def test_library_covers_2026_but_not_2031() -> None:
    assert CALENDAR.covered(2026) and CALENDAR.covered(2025)
    assert not CALENDAR.covered(2031)


def test_a_year_beyond_the_library_counts_its_statutory_holidays_with_one_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    calendar = WorkingCalendar()
    with caplog.at_level(logging.WARNING, logger="hub.rights.calendar"):
        assert not calendar.is_working_day(date(2031, 1, 1))  # a Wednesday, and 元旦 by rule
        assert calendar.is_working_day(date(2031, 1, 2))
        assert not calendar.is_working_day(date(2031, 1, 4))  # Saturday
        assert calendar.add_working_days(date(2031, 3, 7), 7) == date(2031, 3, 18)  # Fri + 7 weekdays
        assert calendar.working_days_between(date(2031, 3, 7), date(2031, 3, 14)) == 5
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2031" in warnings[0].getMessage() and "HUB_CALENDAR_FILE" in warnings[0].getMessage()
    assert "provisional" in warnings[0].getMessage()


def test_each_uncovered_year_is_warned_about_once(caplog: pytest.LogCaptureFixture) -> None:
    calendar = WorkingCalendar()
    with caplog.at_level(logging.WARNING, logger="hub.rights.calendar"):
        calendar.working_days_between(date(2031, 12, 1), date(2032, 1, 31))
    assert re.findall(r"schedule for (\d{4})", " ".join(r.getMessage() for r in caplog.records)) == ["2031", "2032"]


# ---- the override file ----------------------------------------------------------------------------

def test_an_override_file_is_obeyed_for_its_year(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    calendar = WorkingCalendar(write(tmp_path, OVERRIDE_2031))
    with caplog.at_level(logging.WARNING, logger="hub.rights.calendar"):
        assert calendar.covered(2031)
        assert not calendar.is_working_day(date(2031, 1, 1))
        assert not any(calendar.is_working_day(date(2031, 1, d)) for d in range(22, 29))  # the range
        assert calendar.is_working_day(date(2031, 1, 19))  # make-up Sunday
        assert calendar.is_working_day(date(2031, 2, 8))  # make-up Saturday
        # from Tue 21 January: Wed 29, Thu 30, Fri 31, Mon 3, Tue 4, Wed 5, Thu 6 February
        assert calendar.add_working_days(date(2031, 1, 21), 7) == date(2031, 2, 6)
    assert caplog.records == []


def test_an_override_file_takes_precedence_over_the_library(tmp_path: Path) -> None:
    path = write(tmp_path, "years:\n  - year: 2026\n    holidays: [2026-03-02]\n    make_up_working_days: []\n")
    calendar = WorkingCalendar(path)
    assert not calendar.is_working_day(date(2026, 3, 2))
    assert not calendar.is_working_day(date(2026, 2, 14))  # the library's make-up Saturday is not in the file


@pytest.mark.parametrize(("content", "line", "problem"), [
    ("years:\n  - year: 2031\n    holidays: [2031-01-01\n    make_up_working_days: []\n", 4, "YAML syntax error"),
    ("years:\n  - year: 2031\n    holidays: [2030-12-31]\n    make_up_working_days: []\n", 3, "not in 2031"),
    ("years:\n  - year: 2031\n    holidays: [2031-1-1]\n    make_up_working_days: []\n", 3, "not a date"),
    ("years:\n  - year: 2031\n    holidays: [2031-01-01]\n    make_up_working_days: [2031-01-01]\n", 4,
     "both as a holiday and as a make-up working day"),
    ("years:\n  - year: 2031\n    holidays: []\n    make_up_working_days: []\n    holiday: []\n", 5,
     "unknown key 'holiday'"),
    ("years:\n  - year: 2031\n    holidays:\n      - {from: 2031-01-28, to: 2031-01-22}\n"
     "    make_up_working_days: []\n", 4, "ends (2031-01-22) before it starts"),
    ("years:\n  - year: 2031\n    holidays: []\n    make_up_working_days: []\n"
     "  - year: 2031\n    holidays: []\n    make_up_working_days: []\n", 5, "year 2031 appears twice"),
])
def test_a_malformed_override_file_is_refused_naming_its_line(tmp_path: Path, content: str, line: int,
                                                              problem: str) -> None:
    with pytest.raises(CalendarFileError) as refused:
        WorkingCalendar(write(tmp_path, content))
    assert refused.value.line == line
    assert problem in str(refused.value) and f"calendar.yaml line {line}" in str(refused.value)
