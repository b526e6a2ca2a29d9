"""Cypher for bulk writes: batches of validated rows, one UNWIND statement per batch.

Rows are plain dicts whose keys are the node properties (see docs/data-model.md); callers (the demo
loader, the 双公示 importer, platform sync) validate them first. Every write is an idempotent MERGE
on the item's key, so applying the same batch twice changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson

from hub.db import representatives
from hub.db.gateway import Neo4jGateway

Row = dict[str, Any]

_DEPARTMENTS = """
UNWIND $rows AS row
MERGE (d:Department {code: row.code})
SET d.name = row.name, d.domains = row.domains, d.region = row.region
"""

_ORGANIZATIONS = """
UNWIND $rows AS row
MERGE (o:Organization {name: row.name})
SET o.kind = row.kind, o.uscc = row.uscc
"""

# A subject row: uscc, name, kind, region, industry, status, registered_on (date),
# and optionally person: {fingerprint, name, id_masked, id_sealed}.
_SUBJECTS = """
UNWIND $rows AS row
MERGE (s:Subject {uscc: row.uscc})
SET s.name = row.name, s.kind = row.kind, s.region = row.region, s.industry = row.industry,
    s.status = row.status, s.registered_on = row.registered_on
WITH s, row WHERE row.person IS NOT NULL
MERGE (p:Person {fingerprint: row.person.fingerprint})
SET p.name = row.person.name, p.id_masked = row.person.id_masked, p.id_sealed = row.person.id_sealed
WITH s, p, row
OPTIONAL MATCH (s)-[old:LEGAL_REPRESENTATIVE]->(other:Person) WHERE other <> p
""" + representatives.REPLACED + """
DELETE old
MERGE (s)-[:LEGAL_REPRESENTATIVE]->(p)
""" + representatives.TAKEN_ON

# A record row: id, subject_uscc, kind, title, decided_on, issuing_department (code),
# source_platform, disclosure, status, severity, publicity_ends_on, document_number, content,
# amount_wan_yuan, kept.
#
# A row whose content is what was last written (``row_digest``) changes nothing, so re-importing a
# file is a no-op and a repaired record is not revived by an old file. A changed record gets the next
# version and joins the change feed (``:Pending``, see hub.db.feed).
_RECORDS = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.subject_uscc})
MERGE (r:Record {id: row.id})
WITH s, r, row WHERE r.row_digest IS NULL OR r.row_digest <> row.row_digest
SET r += row, r.version = coalesce(r.version, 0) + 1, r:Pending
MERGE (r)-[:ABOUT]->(s)
WITH r, row WHERE row.issuing_department IS NOT NULL
MATCH (d:Department {code: row.issuing_department})
MERGE (r)-[:ISSUED_BY]->(d)
"""

# Makes the evaluation ``e`` of subject ``s`` its CURRENT one for the scheme unless a newer one is
# current; the one it replaces is marked superseded. Shared by local writes and platform sync.
CURRENT_POINTER = """
CALL (s, e) {
  OPTIONAL MATCH (s)-[c:CURRENT]->(cur:Evaluation {scheme: e.scheme}) WHERE cur <> e
  WITH e, c, cur WHERE cur IS NULL OR cur.evaluated_at <= e.evaluated_at
  FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END |
    DELETE c SET cur.superseded_at = e.evaluated_at, cur.superseded_by = e.id)
  RETURN count(*) AS newer
}
WITH s, e, newer WHERE newer > 0 AND e.superseded_at IS NULL
MERGE (s)-[:CURRENT]->(e)
"""


# An evaluation row: id, subject_uscc, scheme, score, grade, level, disclosure, evaluated_at,
# valid_until, evaluator. The newest evaluation of a scheme becomes the subject's CURRENT one and
# the one it replaces is marked superseded (history is kept, never deleted).
_EVALUATIONS = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.subject_uscc})
MERGE (e:Evaluation {id: row.id})
SET e += row, e.version = coalesce(e.version, 0) + 1, e:Pending
MERGE (e)-[:OF]->(s)
WITH s, e
""" + CURRENT_POINTER


async def _batched(gateway: Neo4jGateway, statement: str, rows: Sequence[Row],
                   batch_size: int) -> int:
    for start in range(0, len(rows), batch_size):
        await gateway.run(statement, {"rows": list(rows[start:start + batch_size])}, write=True)
    return len(rows)


async def upsert_departments(gateway: Neo4jGateway, rows: Sequence[Row]) -> int:
    return await _batched(gateway, _DEPARTMENTS, rows, 1000)


async def upsert_organizations(gateway: Neo4jGateway, rows: Sequence[Row]) -> int:
    return await _batched(gateway, _ORGANIZATIONS, rows, 1000)


async def upsert_subjects(gateway: Neo4jGateway, rows: Sequence[Row], batch_size: int = 2000) -> int:
    return await _batched(gateway, _SUBJECTS, representatives.dated(rows), batch_size)


async def upsert_records(gateway: Neo4jGateway, rows: Sequence[Row], batch_size: int = 5000) -> int:
    return await _batched(gateway, _RECORDS, [{**row, "row_digest": row_digest(row)} for row in rows], batch_size)


def row_digest(row: Row) -> str:
    """A digest of what a record row says (its values, in key order), to recognize a re-sent row."""
    canonical = orjson.dumps({k: v for k, v in row.items() if k != "row_digest"}, option=orjson.OPT_SORT_KEYS,
                             default=str)
    return hashlib.blake2b(canonical, digest_size=16).hexdigest()


async def upsert_evaluations(gateway: Neo4jGateway, rows: Sequence[Row],
                             batch_size: int = 5000) -> int:
    return await _batched(gateway, _EVALUATIONS, rows, batch_size)


# ON CREATE only: a subject the hub knows is never renamed by a file or a peer.
NEW_SUBJECTS = """
UNWIND $rows AS row
MERGE (s:Subject {uscc: row.uscc})
ON CREATE SET s.name = coalesce(row.name, row.uscc), s.kind = row.kind, s.region = row.region,
              s.status = '存续'
"""


async def ensure_subjects(gateway: Neo4jGateway, rows: Sequence[Row]) -> int:
    """Create subjects a file names that the hub does not know yet; known subjects are untouched."""
    return await _batched(gateway, NEW_SUBJECTS, rows, 5000)


async def is_empty(gateway: Neo4jGateway) -> bool:
    rows = await gateway.run("MATCH (s:Subject) RETURN count(s) > 0 AS any")
    return not rows[0]["any"]


async def wipe(gateway: Neo4jGateway) -> None:
    """Delete every node (tests and `hub demo load --reset`), in batches."""
    await gateway.autocommit("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
