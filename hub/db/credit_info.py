"""Cypher for submitted credit information (hub.credit_info.submission): records keyed by id.

Like a file import's records (hub.db.ingest), a row whose content is what was last written
(``row_digest``) changes nothing; a changed one gets the next version and joins the change feed
(``:Pending``). The status is set when the record is created only, so a repaired or withdrawn record
is not revived by its department sending it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.db import ingest, wire
from hub.db.gateway import Neo4jGateway

_UPSERT = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.props.subject_uscc})
MERGE (r:Record {id: row.props.id})
ON CREATE SET r.status = 'ACTIVE'
WITH s, r, row, r.row_digest IS NULL AS created
WHERE r.row_digest IS NULL OR r.row_digest <> row.props.row_digest
SET r += row.props, r.version = coalesce(r.version, 0) + 1, r:Pending
REMOVE r:Demo
""" + wire.set_temporals("r") + """MERGE (r)-[:ABOUT]->(s)
WITH r, row, created
OPTIONAL MATCH (d:Department {code: row.props.issuing_department})
FOREACH (_ IN CASE WHEN d IS NULL THEN [] ELSE [1] END | MERGE (r)-[:ISSUED_BY]->(d))
RETURN r.id AS id, created
"""


async def upsert(gateway: Neo4jGateway, rows: Sequence[dict[str, Any]]) -> dict[str, bool]:
    """Write the rows in one transaction; the ids written, each True when created (unchanged: absent)."""
    found = await gateway.run(_UPSERT, {"rows": ingest.with_digests(rows)}, write=True)
    return {row["id"]: bool(row["created"]) for row in found}
