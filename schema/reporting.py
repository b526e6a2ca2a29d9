"""双公示 reporting in GraphQL: each department's 合规率 and 及时率 over its imported files.

Seed 004 §一.(二) asks both rates of every department at 100 %. INTERNAL only: the field rule is in
schema.tiers.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.reporting import DepartmentReporting


@strawberry.type(name="DepartmentReporting", description="A department's 双公示 rows summed over the files "
                 "imported from it; rates are ratios of the sums (seed 004 §一.(二): both 100 %).")
class DepartmentReportingType:
    department: str = strawberry.field(description="The authority's unified social credit code as its rows "
                                       "give it (else its name).")
    name: str | None
    rows: int
    valid: int = strawberry.field(description="Rows that pass the data standard.")
    on_time: int | None = strawberry.field(description="Valid rows reported within 7 working days of the "
                                           "decision; null when no import had a received-on date.")
    late: int | None
    compliance_rate: float = strawberry.field(description="合规率: valid / rows.")
    timeliness_rate: float | None = strawberry.field(description="及时率: onTime / (onTime + late), over the "
                                                     "imports that had a received-on date.")
    imports: int
    timeliness_provisional: bool = strawberry.field(description=(
        "True when some rows in onTime/late were judged on a year whose make-up working days (调休) were not "
        "announced at import: the 7 working days were counted on that year's statutory holidays by rule."))
    timeliness_provisional_reason: str | None = strawberry.field(description=(
        "How many rows were judged provisionally, and why; null when none was."))


def _type(found: DepartmentReporting) -> DepartmentReportingType:
    return DepartmentReportingType(
        department=found.department, name=found.name, rows=found.rows, valid=found.valid, on_time=found.on_time,
        late=found.late, compliance_rate=found.compliance_rate, timeliness_rate=found.timeliness_rate,
        imports=found.imports, timeliness_provisional=bool(found.provisional),
        timeliness_provisional_reason=found.timeliness_provisional_reason)


async def department_reporting(
    info: Info,
    department: Annotated[str | None, strawberry.argument(description="Only this department.")] = None,
    received_from: Annotated[date | None, strawberry.argument(
        description="Only files received on or after this day.")] = None,
    received_to: Annotated[date | None, strawberry.argument(
        description="Only files received on or before this day.")] = None,
) -> list[DepartmentReportingType]:
    found = await info.context.hub.department_reporting(department, received_from=received_from,
                                                        received_to=received_to)
    return [_type(row) for row in found]


@strawberry.type(name="DepartmentReportingMonth", description="A department's 双公示 rows summed over the files "
                 "of one month: received that month, else imported that month (China time).")
class DepartmentReportingMonthType(DepartmentReportingType):
    month: str = strawberry.field(description="YYYY-MM.")


async def department_reporting_by_month(
    info: Info,
    months: Annotated[int, strawberry.argument(description="How many months back, this one included (1–36).")] = 12,
    department: Annotated[str | None, strawberry.argument(description="Only this department.")] = None,
) -> list[DepartmentReportingMonthType]:
    found = await info.context.hub.monthly_reporting(months, department)
    return [DepartmentReportingMonthType(month=row.month, **vars(_type(row.rates))) for row in found]
