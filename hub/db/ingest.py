"""Cypher for bulk writes: batches of validated rows, one UNWIND statement per batch.

Rows are plain dicts whose keys are the node properties (see docs/data-model.md); callers (the demo
loader, the 双公示 importer, platform sync) validate them first. Every write is an idempotent MERGE
on the item's key, so applying the same batch twice changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from neo4j import AsyncManagedTransaction

from hub import clock
from hub.db import current, representatives, wire
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
# and optionally person: {fingerprint, name, id_masked, id_sealed}. A subject has one legal
# representative: the one a row names replaces any other (_REPLACED_REPRESENTATIVES, same transaction;
# a second statement, so that the first never reads what it writes and needs no Eager).
_SUBJECTS = """
UNWIND $rows AS row
MERGE (s:Subject {uscc: row.uscc})
SET s.name = row.name, s.kind = row.kind, s.region = row.region, s.industry = row.industry,
    s.status = row.status, s.registered_on = date(row.registered_on)
WITH s, row WHERE row.person IS NOT NULL
MERGE (p:Person {fingerprint: row.person.fingerprint})
SET p.name = row.person.name, p.id_masked = row.person.id_masked, p.id_sealed = row.person.id_sealed
MERGE (s)-[:LEGAL_REPRESENTATIVE]->(p)
""" + representatives.TAKEN_ON

# The one it replaces stays linked as a former representative until today (hub.db.representatives:
# the warning engine follows serial representatives).
_REPLACED_REPRESENTATIVES = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.uscc})-[old:LEGAL_REPRESENTATIVE]->(other:Person)
WHERE other.fingerprint <> row.fingerprint
MERGE (s)-[was:FORMER_LEGAL_REPRESENTATIVE]->(other) SET was.until = date(row.changed_on)
DELETE old
"""

# A record row: id, subject_uscc, kind, title, decided_on, issuing_department (code),
# source_platform, disclosure, status, severity, publicity_ends_on, document_number, content,
# amount_wan_yuan, kept.
#
# A row whose content is what was last written (``row_digest``) changes nothing, so re-importing a
# file is a no-op and a repaired record is not revived by an old file. A changed record gets the next
# version and joins the change feed (``:Pending``, see hub.db.feed). Whatever writes it, it is no longer
# demo data (``:Demo``, hub.db.provenance) unless a demo load marks it again.
#
# Rows go as hub.db.wire.split makes them (dates as text): ``row.props`` holds the rest.
_RECORDS = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.props.subject_uscc})
MERGE (r:Record {id: row.props.id})
WITH s, r, row WHERE r.row_digest IS NULL OR r.row_digest <> row.props.row_digest
SET r += row.props, r.version = coalesce(r.version, 0) + 1, r:Pending
REMOVE r:Demo
""" + wire.set_temporals("r") + """MERGE (r)-[:ABOUT]->(s)
WITH r, row WHERE row.props.issuing_department IS NOT NULL
MATCH (d:Department {code: row.props.issuing_department})
MERGE (r)-[:ISSUED_BY]->(d)
"""

# An evaluation row: id, subject_uscc, scheme, score, grade, level, disclosure, evaluated_at,
# valid_until, evaluator. The newest evaluation of a scheme becomes the subject's CURRENT one and
# the one it replaces is marked superseded (history is kept, never deleted): see hub.db.current.
_EVALUATIONS = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.props.subject_uscc})
MERGE (e:Evaluation {id: row.props.id})
SET e += row.props, e.version = coalesce(e.version, 0) + 1, e:Pending
REMOVE e:Demo
""" + wire.set_temporals("e") + """MERGE (e)-[:OF]->(s)
""" + current.POINT


# The same, for a file import (hub.imports): a subject whose records change is marked ``:RegradeDue``
# in the same transaction, so that a re-grade interrupted at any point is finished by the next run
# (the re-grade removes the mark with the new evaluations). Returns how many records changed.
RECORDS_MARKING = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.props.subject_uscc})
MERGE (r:Record {id: row.props.id})
WITH s, r, row WHERE r.row_digest IS NULL OR r.row_digest <> row.props.row_digest
SET r += row.props, r.version = coalesce(r.version, 0) + 1, r:Pending, s:RegradeDue
""" + wire.set_temporals("r") + """MERGE (r)-[:ABOUT]->(s)
WITH r, row
OPTIONAL MATCH (d:Department {code: row.props.issuing_department})
FOREACH (_ IN CASE WHEN d IS NULL THEN [] ELSE [1] END | MERGE (r)-[:ISSUED_BY]->(d))
RETURN count(r) AS changed
"""


def with_digests(rows: Sequence[Row]) -> list[Row]:
    """Record rows as the statements take them: each with the digest of what it says (see
    :func:`row_digest`), split for the wire (hub.db.wire)."""
    return [wire.split({**row, "row_digest": row_digest(row)}) for row in rows]


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
    today = clock.today().isoformat()  # the day a replaced representative stops (China date)
    for start in range(0, len(rows), batch_size):
        batch = [{**row, "registered_on": wire.text(row.get("registered_on"))}
                 for row in rows[start:start + batch_size]]
        represented = [{"uscc": row["uscc"], "fingerprint": row["person"]["fingerprint"], "changed_on": today}
                       for row in batch if row.get("person")]

        async def work(tx: AsyncManagedTransaction, batch: list[Row] = batch,
                       represented: list[Row] = represented) -> None:
            await (await tx.run(_SUBJECTS, rows=batch)).consume()
            if represented:
                await (await tx.run(_REPLACED_REPRESENTATIVES, rows=represented)).consume()

        await gateway.write(work)
    return len(rows)


async def upsert_records(gateway: Neo4jGateway, rows: Sequence[Row], batch_size: int = 5000) -> int:
    return await _batched(gateway, _RECORDS, with_digests(rows), batch_size)


def row_digest(row: Mapping[str, Any]) -> str:
    """A digest of what a record row says (its values, in key order), to recognize a re-sent row."""
    # A row without a digest is dumped as it is (a bulk load digests ~a million rows: the copy was a third of it)
    body = row if type(row) is dict and "row_digest" not in row else {k: v for k, v in row.items() if k != "row_digest"}
    canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.blake2b(canonical, digest_size=16).hexdigest()


async def upsert_evaluations(gateway: Neo4jGateway, rows: Sequence[Row],
                             batch_size: int = 5000) -> int:
    """Write evaluations and move the CURRENT pointers, one transaction per batch."""
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        superseded, candidates = current.chain(batch)

        async def work(tx: AsyncManagedTransaction, batch: Sequence[Row] = batch,
                       candidates: Sequence[Mapping[str, Any]] = candidates,
                       superseded: dict[str, dict[str, Any]] = superseded) -> None:
            decision = await current.decide(tx, candidates)
            written = [{**wire.split({**row, **superseded.get(row["id"], {})}), **decision.row(row["id"])}
                       for row in batch]
            await (await tx.run(_EVALUATIONS, rows=written)).consume()

        await gateway.write(work)
    return len(rows)


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
