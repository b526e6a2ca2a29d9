"""Working days beyond the announced years: the statutory holidays by rule, due dates flagged provisional.

《全国年节及纪念日放假办法》 (国务院令第795号, 2024 revision) 第二条: 元旦 1 day, 春节 4 days from 除夕, 清明 1,
劳动节 2, 端午 1, 中秋 1, 国庆 3; a holiday on a weekend is given back on a working day (补假). Pure
tests: no database.

The lunar dates and 清明 come from lunar-python in the hub. Here they are checked against a second,
independent computation from first principles with ``ephem`` (the sun's apparent ecliptic longitude
and the moon's phases, Beijing dates): a Chinese month begins on the day of a new moon, 十一月 holds
the winter solstice, and in a year of thirteen months between two 十一月 the first month without a
major solar term (中气) is the leap month. 清明 is the day the sun reaches 15°.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import ephem
import pytest

from hub.rights import holidays
from hub.rights.calendar import ScheduleBasis, WorkingCalendar

YEARS_BEYOND_THE_LIBRARY = range(2027, 2061)  # chinesecalendar 1.11.0 stops at 2026
CALENDAR = WorkingCalendar()


# ---- the independent reference: astronomy with ephem ----------------------------------------------

_BEIJING = 8 * ephem.hour  # the Chinese calendar is reckoned in UTC+8
_DEGREES_PER_DAY = 360 / 365.2422


def _beijing_date(moment: float) -> date:
    return ephem.Date(moment + _BEIJING).datetime().date()


def _sun_longitude(moment: float) -> float:
    at = ephem.Date(moment)
    sun = ephem.Sun(at)
    return math.degrees(ephem.Ecliptic(ephem.Equatorial(sun.ra, sun.dec, epoch=at), epoch=at).lon)


def _sun_reaches(after: float, degrees: float) -> float:
    """The first instant after ``after`` at which the sun's apparent longitude is ``degrees``."""
    moment = after + ((degrees - _sun_longitude(after)) % 360) / _DEGREES_PER_DAY
    for _ in range(8):
        moment += ((degrees - _sun_longitude(moment) + 180) % 360 - 180) / _DEGREES_PER_DAY
    return moment


def _month_containing(moment: float) -> float:
    """The new moon beginning the Chinese month that holds ``moment`` (months begin on Beijing dates)."""
    following = ephem.next_new_moon(moment)
    if _beijing_date(following) == _beijing_date(moment):
        return float(following)
    return float(ephem.previous_new_moon(moment))


@cache
def _lunar_months(year: int) -> tuple[tuple[int, bool, date], ...]:
    """(month number, leap, first day) from 十一月 of ``year - 1`` up to 十一月 of ``year``."""
    solstice_before = _sun_reaches(ephem.Date(f"{year - 1}/12/1"), 270)
    solstice = _sun_reaches(ephem.Date(f"{year}/12/1"), 270)
    end = _beijing_date(_month_containing(solstice))
    firsts = [_beijing_date(_month_containing(solstice_before))]
    moon = _month_containing(solstice_before)
    while (first := _beijing_date(moon := float(ephem.next_new_moon(moon + 1)))) < end:
        firsts.append(first)
    major_terms, moment = [_beijing_date(solstice_before)], solstice_before
    for k in range(1, 13):  # 大寒 300°, 雨水 330°, 春分 0°, … 冬至 270°
        moment = _sun_reaches(moment + 1, (270 + 30 * k) % 360)
        major_terms.append(_beijing_date(moment))
    bounds = [*firsts, end]
    leap = None
    if len(firsts) == 13:
        leap = next(i for i in range(1, 13) if not any(bounds[i] <= term < bounds[i + 1] for term in major_terms))
    months, number = [], 11
    for i, first in enumerate(firsts):
        if i:
            number = number if i == leap else number % 12 + 1
        months.append((number, i == leap, first))
    return tuple(months)


def _reference_lunar_day(year: int, month: int, day: int) -> date:
    first = next(f for number, leap, f in _lunar_months(year) if number == month and not leap and month < 11)
    return first + timedelta(days=day - 1)


def _reference_qingming(year: int) -> date:
    return _beijing_date(_sun_reaches(ephem.Date(f"{year}/3/25"), 15))


# ---- the lunar dates and 清明 agree with the reference ------------------------------------------------

def test_the_reference_knows_the_published_spring_festivals() -> None:
    # 春节 2027 is Saturday 6 February, 2030 Sunday 3 February; 2034 follows the leap 十一月 of 2033.
    assert _reference_lunar_day(2027, 1, 1) == date(2027, 2, 6)
    assert _reference_lunar_day(2030, 1, 1) == date(2030, 2, 3)
    assert _reference_lunar_day(2034, 1, 1) == date(2034, 2, 19)
    assert [(n, leap) for n, leap, _ in _lunar_months(2034)[:3]] == [(11, False), (11, True), (12, False)]


@pytest.mark.parametrize("year", YEARS_BEYOND_THE_LIBRARY)
def test_new_years_eve_dragon_boat_and_mid_autumn_match_the_astronomical_computation(year: int) -> None:
    assert holidays.new_years_eve(year) == _reference_lunar_day(year, 1, 1) - timedelta(days=1)
    by_name = {h.name: h.days for h in holidays.statutory_holidays(year)}
    assert by_name["端午节"] == (_reference_lunar_day(year, 5, 5),)
    assert by_name["中秋节"] == (_reference_lunar_day(year, 8, 15),)


@pytest.mark.parametrize("year", YEARS_BEYOND_THE_LIBRARY)
def test_qingming_is_the_day_the_sun_reaches_15_degrees(year: int) -> None:
    assert holidays.qingming(year) == _reference_qingming(year)


# ---- the rule of the 办法 -----------------------------------------------------------------------------

def test_thirteen_statutory_days_every_year() -> None:
    for year in YEARS_BEYOND_THE_LIBRARY:
        found = {h.name: len(h.days) for h in holidays.statutory_holidays(year)}
        assert found == {"新年": 1, "春节": 4, "清明节": 1, "劳动节": 2, "端午节": 1, "中秋节": 1, "国庆节": 3}


def test_a_statutory_day_on_a_weekend_is_given_back_on_the_next_weekdays() -> None:
    spring_2027 = next(h for h in holidays.statutory_holidays(2027) if h.name == "春节")
    # 除夕 Fri 5 February, 初一 Sat 6, 初二 Sun 7, 初三 Mon 8: two weekend days owed, Tue 9 and Wed 10
    assert spring_2027.days == (date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8))
    assert spring_2027.days_in_lieu == (date(2027, 2, 9), date(2027, 2, 10))
    new_year_2028 = next(h for h in holidays.statutory_holidays(2028) if h.name == "新年")
    assert new_year_2028.days_in_lieu == (date(2028, 1, 3),)  # 1 January 2028 is a Saturday


def test_mid_autumn_on_national_day_is_owed_a_day_of_its_own() -> None:
    # 2028: 中秋 Tue 3 October, 国庆 Sun 1 – Tue 3: the Sunday and the shared Tuesday are given back.
    assert holidays.days_off(2028) >= {date(2028, 10, d) for d in (2, 3, 4, 5)}
    assert date(2028, 10, 6) not in holidays.days_off(2028)


# ---- the calendar beyond the library ----------------------------------------------------------------

def test_new_years_day_2027_is_not_a_working_day() -> None:
    assert not CALENDAR.covered(2027)
    assert CALENDAR.basis(2027) is ScheduleBasis.STATUTORY_RULE
    assert not CALENDAR.is_working_day(date(2027, 1, 1))  # a Friday
    assert CALENDAR.is_working_day(date(2027, 1, 4))


def test_the_2027_spring_festival_is_off_from_new_years_eve() -> None:
    off = [date(2027, 2, d) for d in range(5, 11)]  # Fri 5 (除夕) … Wed 10 (补假)
    assert [CALENDAR.is_working_day(day) for day in off] == [False] * 6
    assert CALENDAR.is_working_day(date(2027, 2, 4)) and CALENDAR.is_working_day(date(2027, 2, 11))
    # Thu 4 February + 7: Thu 11, Fri 12, Mon 15 … Fri 19
    assert CALENDAR.add_working_days(date(2027, 2, 4), 7) == date(2027, 2, 19)


def test_the_2030_spring_festival_begins_on_saturday_2_february() -> None:
    assert holidays.new_years_eve(2030) == date(2030, 2, 2)
    # 除夕 Sat 2 … 初三 Tue 5, two weekend days given back on Wed 6 and Thu 7
    assert [CALENDAR.is_working_day(date(2030, 2, d)) for d in range(1, 9)] == [
        True, False, False, False, False, False, False, True]


def test_qingming_2027_is_off_and_on_a_saturday_it_is_given_back() -> None:
    assert not CALENDAR.is_working_day(date(2027, 4, 5))  # Monday 5 April
    assert holidays.qingming(2031) == date(2031, 4, 5)  # a Saturday
    assert not CALENDAR.is_working_day(date(2031, 4, 7)) and CALENDAR.is_working_day(date(2031, 4, 8))


def test_national_day_is_three_statutory_days() -> None:
    # 2029: Mon 1 – Wed 3 October, nothing on a weekend, back on Thursday 4
    assert [CALENDAR.is_working_day(date(2029, 10, d)) for d in range(1, 5)] == [False, False, False, True]
    # 2027: Fri 1, Sat 2, Sun 3: the weekend two are given back on Mon 4 and Tue 5
    assert [CALENDAR.is_working_day(date(2027, 10, d)) for d in range(1, 7)] == [
        False, False, False, False, False, True]


# ---- provisional due dates ------------------------------------------------------------------------

def test_a_due_date_inside_an_announced_year_is_final() -> None:
    due = CALENDAR.due_date(date(2026, 2, 13), 7)
    assert due.day == date(2026, 3, 2) and not due.provisional and due.provisional_reason is None


def test_a_due_date_that_runs_into_2027_is_provisional_and_says_why() -> None:
    due = CALENDAR.due_date(date(2026, 12, 28), 7)
    # Tue 29, Wed 30, Thu 31 December 2026; 元旦 Fri 1 January off; Mon 4, Tue 5, Wed 6, Thu 7
    assert due.day == date(2027, 1, 7)
    assert due.provisional and due.provisional_years == (2027,)
    assert due.provisional_reason is not None
    assert "2027" in due.provisional_reason and "全国年节及纪念日放假办法" in due.provisional_reason
    assert "HUB_CALENDAR_FILE" in due.provisional_reason


def test_zero_days_counts_nothing_and_is_never_provisional() -> None:
    assert not CALENDAR.due_date(date(2027, 3, 1), 0).provisional


def test_a_year_the_calendar_file_announces_is_final(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text("years:\n  - year: 2027\n    source: test\n    holidays: [2027-01-01]\n"
                    "    make_up_working_days: [2027-01-09]\n", encoding="utf-8")
    calendar = WorkingCalendar(path)
    assert calendar.basis(2027) is ScheduleBasis.CALENDAR_FILE
    due = calendar.due_date(date(2027, 1, 4), 5)  # Tue 5 … Fri 8, Sat 9 (make-up)
    assert due.day == date(2027, 1, 9) and not due.provisional
