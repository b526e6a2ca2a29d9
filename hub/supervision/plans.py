"""The rules an inspection plan (双随机抽查计划) must meet before anything is drawn from it.

- **Ratios never below the floor.** Each grade's sampling ratio is at least the minimum the
  scheme's measures lists set — seed 004 第十二–十五条: A ≥ 1 %, B ≥ 3 %, C ≥ 10 %, D ≥ 20 %
  ("抽查比例一般不低于") — and at most 100 %: seed 002 §三.(三).2 says "抽查比例不设上限" for the worst
  class, so a department may raise a ratio, never lower it.
- **One plan period, one draw.** A plan covers one period (a year, half-year, quarter or month).
  A department cannot hold two plans of the same scheme whose periods and scopes overlap: a second
  plan over the same subjects would be a way to draw again until a convenient draw came out. A plan
  that must be drawn again is re-drawn, with a recorded, public reason (hub.supervision.inspections).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from hub.errors import BadInput
from hub.supervision.draw import percent_text
from hub.supervision.measures import SamplingFloor

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<half>H[12])|(?P<quarter>Q[1-4])|(?P<month>0[1-9]|1[0-2])))?$")


class PlanError(BadInput):
    """A plan that breaks a rule; the message names the rule (and the seed it comes from)."""


class RatioBelowFloor(PlanError):
    """A sampling ratio below the minimum a measures list sets for the grade (seed 004 第十二–十五条)."""


@dataclass(frozen=True)
class PlanPeriod:
    """The period a plan covers, as ``2026``, ``2026-H2``, ``2026-Q4`` or ``2026-11`` (first and last day)."""

    label: str
    starts_on: date
    ends_on: date

    @classmethod
    def parse(cls, text: str) -> PlanPeriod:
        match = _PERIOD.match(text.strip())
        if match is None:
            raise PlanError(f"period {text!r} is not a year, half-year, quarter or month: write 2026, 2026-H2, "
                            "2026-Q4 or 2026-11")
        year = int(match["year"])
        if match["half"]:
            first, months = (int(match["half"][1]) - 1) * 6 + 1, 6
        elif match["quarter"]:
            first, months = (int(match["quarter"][1]) - 1) * 3 + 1, 3
        elif match["month"]:
            first, months = int(match["month"]), 1
        else:
            first, months = 1, 12
        last = first + months - 1
        return cls(match.group(0), date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]))

    @classmethod
    def quarter_of(cls, day: date) -> PlanPeriod:
        return cls.parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")

    def overlaps(self, other: PlanPeriod) -> bool:
        return self.starts_on <= other.ends_on and other.starts_on <= self.ends_on


@dataclass(frozen=True)
class PlanScope:
    """Which subjects a plan covers: a region prefix (None: all), kinds and industries (empty: all)."""

    region: str | None
    kinds: frozenset[str]
    industries: frozenset[str]

    def overlaps(self, other: PlanScope) -> bool:
        """True when some subject could be covered by both (so drawn twice in one period)."""
        regions = (self.region is None or other.region is None or self.region.startswith(other.region)
                   or other.region.startswith(self.region))
        kinds = not self.kinds or not other.kinds or bool(self.kinds & other.kinds)
        industries = not self.industries or not other.industries or bool(self.industries & other.industries)
        return regions and kinds and industries


def region_prefix(region: str | None) -> str | None:
    """The code prefix a region covers: a province (xx0000), a city (xxxx00) or a county."""
    if region is None:
        return None
    return region[:2] if region.endswith("0000") else region[:4] if region.endswith("00") else region


def check_ratios(scheme_id: str, grades: tuple[str, ...], chosen: Mapping[str, str] | None,
                 floors: Mapping[str, SamplingFloor]) -> dict[str, str]:
    """The plan's ratios (grade → percent text): every grade of the scheme, each in [floor, 100].
    ``chosen`` None takes the floors themselves (the measures lists' minimums)."""
    ratios: dict[str, Decimal] = {}
    if chosen is None:
        ratios = {grade: floor.percent for grade, floor in floors.items()}
    else:
        for grade, text in chosen.items():
            try:
                ratios[grade] = Decimal(str(text))
            except InvalidOperation:
                raise PlanError(f"ratio for grade {grade} is not a number: {text!r}") from None
            if not ratios[grade].is_finite():
                raise PlanError(f"ratio for grade {grade} is not a number: {text!r}")
    missing = [g for g in grades if g not in ratios]
    unknown = [g for g in ratios if g not in grades]
    if missing or unknown:
        raise PlanError(f"ratios must name every grade of {scheme_id} ({', '.join(grades)})"
                        + (f"; missing {', '.join(missing)}" if missing else "")
                        + (f"; unknown {', '.join(unknown)}" if unknown else ""))
    for grade, percent in ratios.items():
        if not Decimal(0) < percent <= Decimal(100):
            raise PlanError(f"ratio for grade {grade} must be in (0, 100], got {percent}")
    below = [f"grade {grade}: {ratios[grade]} % is below the floor of {floor}"
             for grade, floor in floors.items() if grade in ratios and ratios[grade] < floor.percent]
    if below:
        raise RatioBelowFloor("sampling ratios below the measures lists' minimums (seed 004 第十二–十五条: "
                              "抽查比例一般不低于 A 1 %, B 3 %, C 10 %, D 20 %; a department may raise a ratio up to "
                              "100 %, seed 002 §三.(三).2 \"不设上限\", never lower it) — " + "; ".join(below))
    return {grade: percent_text(percent) for grade, percent in ratios.items()}
