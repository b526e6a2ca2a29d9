"""Cypher for 信用承诺 (hub.commitments): a commitment is a ``(:Record:Commitment)`` of kind COMMITMENT.

Like every record it is ``ABOUT`` its subject, ``ISSUED_BY`` the department that holds it, numbered on the
change feed (``:Pending``, hub.db.feed) and versioned; the ``:Commitment`` label finds a subject's
commitments without reading its other records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.db.gateway import Neo4jGateway

_CREATE = """
MATCH (s:Subject {uscc: $row.subject_uscc})
CREATE (r:Record:Commitment:Pending)
SET r = $row, r.version = 1
CREATE (r)-[:ABOUT]->(s)
WITH r
OPTIONAL MATCH (d:Department {code: r.issuing_department})
FOREACH (_ IN CASE WHEN d IS NULL THEN [] ELSE [1] END | MERGE (r)-[:ISSUED_BY]->(d))
RETURN r.id AS id
"""

# Decided once: the WHERE makes a second decision (a race) change nothing and return no row.
_DECIDE = """
MATCH (r:Commitment {id: $id})-[:ABOUT]->(s:Subject)
WHERE coalesce(r.fulfilment, 'PENDING') = 'PENDING'
SET r += $changes, r.version = coalesce(r.version, 0) + 1, r:Pending
RETURN r { .* } AS r, s.uscc AS uscc
"""


async def create(gateway: Neo4jGateway, row: dict[str, Any]) -> bool:
    """Store a new commitment; False when its subject is unknown (nothing is written)."""
    rows = await gateway.run(_CREATE, {"row": row}, write=True)
    return bool(rows)


async def get(gateway: Neo4jGateway, commitment_id: str) -> tuple[dict[str, Any], str] | None:
    rows = await gateway.run("MATCH (r:Commitment {id: $id})-[:ABOUT]->(s:Subject) RETURN r { .* } AS r, "
                             "s.uscc AS uscc", {"id": commitment_id})
    return (rows[0]["r"], rows[0]["uscc"]) if rows else None


async def decide(gateway: Neo4jGateway, commitment_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
    rows = await gateway.run(_DECIDE, {"id": commitment_id, "changes": changes}, write=True)
    return rows[0]["r"] if rows else None


async def of_subjects(gateway: Neo4jGateway, usccs: Sequence[str]) -> list[tuple[dict[str, Any], str]]:
    rows = await gateway.query(
        "UNWIND $usccs AS code MATCH (s:Subject {uscc: code})<-[:ABOUT]-(r:Commitment) "
        "RETURN r { .* } AS r, s.uscc AS uscc ORDER BY r.recorded_at DESC, r.id", {"usccs": sorted(set(usccs))})
    return [(row["r"], row["uscc"]) for row in rows]
