"""法定节假日 — the statutory public holidays of any year, from the rule that fixes them.

《全国年节及纪念日放假办法》 as revised by the State Council's decree No. 795 (国务院令第795号,
《国务院关于修改〈全国年节及纪念日放假办法〉的决定》, published 2024-11-10, in force 2025-01-01), 第二条 —
the holidays of all citizens (全体公民放假的节日), 13 days a year:

    新年 1 day (1月1日)                    春节 4 days (农历除夕、正月初一至初三)
    清明节 1 day (农历清明当日)             劳动节 2 days (5月1日、2日)
    端午节 1 day (农历端午当日)             中秋节 1 day (农历中秋当日)
    国庆节 3 days (10月1日至3日)

and "全体公民放假的假日，如果适逢周六、周日，应当在工作日补假": a holiday that falls on a weekend is
given back on a working day. Which day, and the make-up working days (调休) that join holidays to
weekends, are what the State Council's notice announces each year (国务院办公厅关于XXXX年部分节假日安排
的通知); the days above are known by rule for every year.

So for a year whose notice the hub does not have, ``rule_schedule`` gives the days off that the 办法
alone decides: the statutory days, plus one 补假 for each statutory day on a Saturday or Sunday or on
another holiday (中秋 on 1–3 October, as in 2020 and 2028), taken on the first weekdays after that
holiday which are not already off — the placement the notices have used. It has no make-up working
days; a deadline counted on it is provisional (``hub.rights.calendar``).

Lunar dates (除夕, 端午 = 五月初五, 中秋 = 八月十五) and the solar term 清明 (the sun at 15° ecliptic
longitude, on the Beijing date) come from ``lunar-python`` (module ``lunar_python``), which computes
them astronomically for any year; tests/test_statutory_holidays.py checks them against an independent
computation (``ephem``'s new moons and solar longitudes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from lunar_python import Lunar

DECREE = "《全国年节及纪念日放假办法》(国务院令第795号, 2024年修订)"
FIRST_YEAR_OF_THE_2024_RULE = 2025  # 国务院令第795号 is in force from 2025-01-01


@dataclass(frozen=True)
class StatutoryHoliday:
    """One festival's statutory days off (第二条), in order, and the 补假 days the rule adds."""

    name: str
    days: tuple[date, ...]
    days_in_lieu: tuple[date, ...] = ()


@cache
def statutory_holidays(year: int) -> tuple[StatutoryHoliday, ...]:
    """The seven festivals of 第二条 in ``year``, each with its 补假 days, in date order."""
    eve = _lunar_day(year, 1, 1) - timedelta(days=1)  # 除夕: the last day of the twelfth month
    festivals = [
        ("新年", (date(year, 1, 1),)),
        ("春节", tuple(eve + timedelta(days=n) for n in range(4))),
        ("清明节", (qingming(year),)),
        ("劳动节", (date(year, 5, 1), date(year, 5, 2))),
        ("端午节", (_lunar_day(year, 5, 5),)),
        ("中秋节", (_lunar_day(year, 8, 15),)),
        ("国庆节", tuple(date(year, 10, d) for d in (1, 2, 3))),
    ]
    festivals.sort(key=lambda festival: festival[1][0])
    off: set[date] = {day for _, days in festivals for day in days}
    holidays: list[StatutoryHoliday] = []
    for name, days in festivals:
        owed = sum(1 for day in days if day.weekday() >= 5) + _shared_with_earlier(days, holidays)
        in_lieu: list[date] = []
        day = days[-1]
        while len(in_lieu) < owed:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in off:
                in_lieu.append(day)
                off.add(day)
        holidays.append(StatutoryHoliday(name, days, tuple(in_lieu)))
    return tuple(holidays)


def days_off(year: int) -> frozenset[date]:
    """Every day of ``year`` that the 办法 alone makes a day off beyond weekends (statutory and 补假)."""
    return frozenset(day for holiday in statutory_holidays(year)
                     for day in (*holiday.days, *holiday.days_in_lieu) if day.weekday() < 5)


def qingming(year: int) -> date:
    """清明: the Beijing date on which the sun reaches 15° of ecliptic longitude."""
    table = Lunar.fromYmd(year, 3, 1).getJieQiTable()  # the lunar year's terms; 清明 always falls in it
    solar = table["清明"]
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def new_years_eve(year: int) -> date:
    """除夕 before the Spring Festival of ``year`` (it is always in the same Gregorian year)."""
    return _lunar_day(year, 1, 1) - timedelta(days=1)


def _lunar_day(year: int, month: int, day: int) -> date:
    """The Gregorian date of a day of the (non-leap) lunar month ``month`` of lunar year ``year``."""
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _shared_with_earlier(days: tuple[date, ...], earlier: list[StatutoryHoliday]) -> int:
    """Days of a festival that are already another festival's (中秋 on 国庆): each is owed once more."""
    taken = {day for holiday in earlier for day in holiday.days}
    return sum(1 for day in days if day in taken and day.weekday() < 5)
