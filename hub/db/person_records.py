"""Cypher for decisions about natural persons (自然人), kept apart from subjects' records.

  (:PersonRecord {id, kind, title, decided_on, issuing_department, source_platform, disclosure,
                  status, severity, document_number, content, amount_wan_yuan, person_name,
                  received_at, updated_at})-[:CONCERNS]->(:Person {fingerprint, id_masked, id_sealed})

A ``PersonRecord`` is not a ``Record``: every reader of records — profiles, search, grading, the
change feed between platforms (hub.db.feed reads ``:Record``), archives — never meets one, so a
natural person's decision cannot reach a PUBLIC or bank caller, nor leave this hub, by any of them.
The one reader is :func:`of_person`, behind an INTERNAL-only query (schema/tiers.py).

The ``Person`` is the one legal representatives are (hub.db.ingest): the same keyed fingerprint of
the resident ID number. Its sealed number and mask are set only when the node is new, so a legal
representative's stored data are never replaced by a file's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.db.gateway import Neo4jGateway

_UPSERT = """
UNWIND $rows AS row
MERGE (p:Person {fingerprint: row.fingerprint})
ON CREATE SET p.id_sealed = row.id_sealed, p.id_masked = row.id_masked
MERGE (r:PersonRecord {id: row.id})
ON CREATE SET r.received_at = $now
WITH p, r, row, r.updated_at IS NULL OR r.kind <> row.kind OR r.title <> row.title
     OR r.decided_on <> row.decided_on OR r.content <> row.content
     OR coalesce(r.amount_wan_yuan, -1.0) <> coalesce(row.amount_wan_yuan, -1.0)
     OR r.issuing_department <> row.issuing_department AS changed
SET r.kind = row.kind, r.title = row.title, r.decided_on = row.decided_on,
    r.issuing_department = row.issuing_department, r.source_platform = row.source_platform,
    r.disclosure = 'INTERNAL', r.status = row.status, r.severity = row.severity,
    r.document_number = row.document_number, r.content = row.content,
    r.amount_wan_yuan = row.amount_wan_yuan, r.person_name = row.person_name,
    r.updated_at = CASE WHEN changed THEN $now ELSE r.updated_at END
MERGE (r)-[:CONCERNS]->(p)
RETURN count(CASE WHEN changed THEN 1 END) AS changed
"""

_OF_PERSON = """
MATCH (p:Person {fingerprint: $fingerprint})<-[:CONCERNS]-(r:PersonRecord)
RETURN r {.*, id_masked: p.id_masked} AS record
ORDER BY r.decided_on DESC, r.id
"""


async def upsert(gateway: Neo4jGateway, rows: Sequence[dict[str, Any]], now: datetime) -> int:
    """Keep these decisions (idempotent by id); how many were new or changed. The disclosure is INTERNAL
    whatever a row says (hub.person_records)."""
    if not rows:
        return 0
    [result] = await gateway.run(_UPSERT, {"rows": list(rows), "now": now}, write=True)
    return int(result["changed"])


async def of_person(gateway: Neo4jGateway, fingerprint: str) -> list[dict[str, Any]]:
    """The decisions about the person with this fingerprint, newest first."""
    return [row["record"] for row in await gateway.query(_OF_PERSON, {"fingerprint": fingerprint})]
