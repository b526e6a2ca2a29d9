"""``gradeBreakdown``: the grades in force by region and by industry, and how they moved since the last
evaluation (hub.grade_movement). INTERNAL only: the field rule is in schema.tiers."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from hub.grade_movement import Move

strawberry.enum(Move, name="GradeMove", description="UP: a better grade than the one replaced; DOWN: worse; "
                "SAME: unchanged; FIRST: no grade before under the scheme.")


@strawberry.type(name="GradeCell", description="How many subjects hold a grade of a scheme now, with one key: "
                 "a region code, or an industry ('' when the subject has none registered).")
class GradeCellType:
    scheme: str
    grade: str
    key: str
    count: int


@strawberry.type(name="GradeTransition", description="How many subjects' evaluations in force replaced "
                 "`previousGrade` with `grade` (null previousGrade: their first under the scheme).")
class GradeTransitionType:
    scheme: str
    previous_grade: str | None
    grade: str
    count: int
    move: Move


@strawberry.type(name="GradeMoveSummary", description="Per scheme: how many subjects went up, down, stayed, "
                 "or were graded for the first time, by their evaluation in force.")
class GradeMoveSummaryType:
    scheme: str
    up: int
    down: int
    same: int
    first: int


@strawberry.type(name="GradeBreakdown", description="The evaluations in force today, counted by region, by "
                 "industry and by the grade each replaced.")
class GradeBreakdownType:
    by_region: list[GradeCellType]
    by_industry: list[GradeCellType]
    transitions: list[GradeTransitionType]
    moves: list[GradeMoveSummaryType]
    counted_at: datetime = strawberry.field(description=(
        "When these figures were counted (统计时间): at most HUB_STATISTICS_MAX_AGE seconds before, recounted "
        "in the background after that; one count scans every evaluation in force."))


async def grade_breakdown(info: Info) -> GradeBreakdownType:
    counted = await info.context.hub.grade_movement()
    found = counted.value
    return GradeBreakdownType(
        counted_at=counted.at,
        by_region=[GradeCellType(scheme=c.scheme, grade=c.grade, key=c.key or "", count=c.count)
                   for c in found.by_region],
        by_industry=[GradeCellType(scheme=c.scheme, grade=c.grade, key=c.key or "", count=c.count)
                     for c in found.by_industry],
        transitions=[GradeTransitionType(scheme=m.scheme, previous_grade=m.previous, grade=m.grade, count=m.count,
                                         move=m.move) for m in found.moves],
        moves=[GradeMoveSummaryType(scheme=s.scheme, up=s.up, down=s.down, same=s.same, first=s.first)
               for s in found.summaries])
