"""Cypher for grade distributions: how many subjects hold each grade of each scheme now (the console's charts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hub.db.gateway import Neo4jGateway

# The evaluations in force: a subject's CURRENT one per scheme, within its validity (hub.db.current).
_DISTRIBUTION = """
MATCH (s:Subject)-[:CURRENT]->(e:Evaluation)
WHERE e.valid_until IS NULL OR e.valid_until >= $today
RETURN e.scheme AS scheme, e.grade AS grade, count(*) AS count
ORDER BY scheme, grade
"""


@dataclass(frozen=True)
class GradeCount:
    scheme: str
    grade: str
    count: int


async def grade_distribution(gateway: Neo4jGateway, today: date) -> list[GradeCount]:
    rows = await gateway.query(_DISTRIBUTION, {"today": today})
    return [GradeCount(str(row["scheme"]), str(row["grade"]), int(row["count"])) for row in rows]


# The same evaluations in force, counted once by every (scheme, grade, region, industry, grade replaced) and
# then summed along each dimension in the same statement: one scan, one round trip, only sums come back.
_BREAKDOWN = """
MATCH (s:Subject)-[:CURRENT]->(e:Evaluation)
WHERE e.valid_until IS NULL OR e.valid_until >= $today
WITH e.scheme AS scheme, e.grade AS grade, s.region AS region, coalesce(s.industry, '') AS industry,
     e.previous_grade AS previous, count(*) AS n
WITH collect({scheme: scheme, grade: grade, region: region, industry: industry, previous: previous, n: n}) AS cells
UNWIND ['REGION', 'INDUSTRY', 'PREVIOUS'] AS dimension
UNWIND cells AS cell
WITH dimension, cell.scheme AS scheme, cell.grade AS grade,
     CASE dimension WHEN 'REGION' THEN cell.region WHEN 'INDUSTRY' THEN cell.industry ELSE cell.previous END AS key,
     sum(cell.n) AS count
RETURN dimension, scheme, grade, key, count
ORDER BY dimension, scheme, key, grade
"""


@dataclass(frozen=True)
class GradeCell:
    """How many subjects hold ``grade`` of ``scheme`` now and have ``key`` along a dimension: their region,
    their industry ('' when not registered), or the grade their current evaluation replaced (None: a first)."""

    scheme: str
    grade: str
    key: str | None
    count: int


@dataclass(frozen=True)
class GradeBreakdown:
    by_region: tuple[GradeCell, ...]
    by_industry: tuple[GradeCell, ...]
    by_previous: tuple[GradeCell, ...]


async def grade_breakdown(gateway: Neo4jGateway, today: date) -> GradeBreakdown:
    """The evaluations in force by region, by industry and by the grade each replaced, in one round trip."""
    found: dict[str, list[GradeCell]] = {"REGION": [], "INDUSTRY": [], "PREVIOUS": []}
    for row in await gateway.query(_BREAKDOWN, {"today": today}):
        key = row["key"]
        found[str(row["dimension"])].append(GradeCell(str(row["scheme"]), str(row["grade"]),
                                                      None if key is None else str(key), int(row["count"])))
    return GradeBreakdown(tuple(found["REGION"]), tuple(found["INDUSTRY"]), tuple(found["PREVIOUS"]))
