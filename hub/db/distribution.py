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
