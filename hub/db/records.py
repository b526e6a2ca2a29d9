"""Cypher for changes to single records (status after repair or an upheld objection).

A change raises the record's version and puts it on the change feed (hub.db.feed).
"""

from __future__ import annotations

from hub import clock
from hub.db.gateway import Neo4jGateway
from hub.models import RecordStatus


async def set_status(gateway: Neo4jGateway, record_id: str, status: RecordStatus) -> str | None:
    """Set a record's status; return its subject's code, or None if there is no such record."""
    rows = await gateway.run(
        "MATCH (r:Record {id: $id})-[:ABOUT]->(s:Subject) SET r.status = $status, "
        "r.status_changed_at = $now, r.version = coalesce(r.version, 0) + 1, r:Pending "
        "RETURN s.uscc AS uscc",
        {"id": record_id, "status": status.value, "now": clock.now()}, write=True)
    return rows[0]["uscc"] if rows else None


async def owner_of(gateway: Neo4jGateway, record_id: str) -> tuple[str | None, str | None] | None:
    """(issuing department, origin platform) of a record; None when there is no such record."""
    rows = await gateway.run("MATCH (r:Record {id: $id}) RETURN r.issuing_department AS department, "
                             "r.origin_platform AS origin", {"id": record_id})
    return (rows[0]["department"], rows[0]["origin"]) if rows else None
