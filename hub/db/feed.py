"""Cypher for the change feed between platforms: sequencing, pages, applying batches, cursors.

The feed is every record and evaluation ordered by ``seq``, the hub's own sequence number. Writers
never take a sequence number themselves — they only raise the item's ``version`` and label it
``:Pending`` — so concurrent writes never queue on a counter. :func:`sequence` gives pending items
their numbers in one transaction that first locks ``(:FeedCounter)``: numbers are handed out only to
committed items and only by one sequencer at a time, so a reader that has seen number N will never
later find a smaller number appear. That is what makes a cursor ("everything after N") safe to resume
from. An item keeps only its latest ``seq``: the feed carries state, not every intermediate change.

Applying a batch (:func:`apply`) keeps, for each item, the highest version from the item's issuer:
the same item twice changes nothing, an older version changes nothing, and an item whose id is held
under another issuer is dead-lettered. The batch's items, its dead letters and the cursor it
advances are written in ONE transaction — a crash anywhere leaves either all of it or none of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from neo4j import AsyncManagedTransaction

from hub import clock
from hub.db import current, wire
from hub.db import warnings as warning_store
from hub.db.gateway import Neo4jGateway, native
from hub.db.ingest import NEW_SUBJECTS
from hub.exchange.batch import Checkpoint, DeadLetter, SyncCursor
from hub.exchange.vocabulary import Direction, ItemType

# Pending items numbered per sequencer transaction; the rest wait for the next page request.
SEQUENCE_CHUNK = 20_000
MAX_LETTER_ITEM = 20_000  # characters of the refused item kept with its dead letter

_SEQUENCE = """
MERGE (c:FeedCounter {name: 'changes'}) ON CREATE SET c.value = 0
SET c.sequenced_at = $now
WITH c
OPTIONAL MATCH (n:Pending)
WITH c, n LIMIT $limit
WITH c, collect(n) AS items
WITH c, items, c.value AS base
SET c.value = base + size(items)
WITH base, items
CALL (base, items) {
  UNWIND range(0, size(items) - 1) AS i
  WITH base + i + 1 AS seq, items[i] AS n
  SET n.seq = seq, n.version = coalesce(n.version, 1),
      n.origin_platform = coalesce(n.origin_platform, $platform),
      n.origin_level = coalesce(n.origin_level, $level),
      n.issuer = coalesce(n.issuer, n.issuing_department, n.evaluator, $platform)
  REMOVE n:Pending
}
RETURN size(items) AS sequenced, base + size(items) AS head
"""


@dataclass(frozen=True)
class Sequenced:
    """What one sequencer transaction did: how many items it numbered, and the feed's head after it —
    every number up to ``head`` belongs to a committed item, so a page read afterwards may skip to it."""

    count: int
    head: int


async def sequence(gateway: Neo4jGateway, platform: str, level: str, limit: int = SEQUENCE_CHUNK) -> Sequenced:
    """Number up to ``limit`` pending items."""
    parameters = {"platform": platform, "level": level, "limit": limit, "now": clock.now()}
    [row] = await gateway.run(_SEQUENCE, parameters, write=True)
    return Sequenced(int(row["sequenced"]), int(row["head"]))


# One page: records and evaluations after a position, merged in order. ``$levels`` are the origin
# levels the page may carry; ``$records`` false leaves records out (the downward feed).
_PAGE = """
CALL () {
  MATCH (r:Record) WHERE r.seq > $after AND $records AND r.origin_level IN $levels
  WITH r ORDER BY r.seq LIMIT $first
  MATCH (r)-[:ABOUT]->(s:Subject)
  OPTIONAL MATCH (r)-[:ISSUED_BY]->(d:Department)
  RETURN r.seq AS seq, 'RECORD' AS type, properties(r) AS node, s.uscc AS uscc, s.name AS subject_name,
         d.name AS department_name
  UNION ALL
  MATCH (e:Evaluation) WHERE e.seq > $after AND e.origin_level IN $levels AND e.disclosure IN $disclosures
  WITH e ORDER BY e.seq LIMIT $first
  MATCH (e)-[:OF]->(s:Subject)
  RETURN e.seq AS seq, 'EVALUATION' AS type, properties(e) AS node, s.uscc AS uscc, s.name AS subject_name,
         null AS department_name
  UNION ALL
""" + warning_store.FEED_PAGE + """
  UNION ALL
  MATCH (t:ReportingTally) WHERE t.seq > $after AND $records AND t.origin_level IN $levels
  WITH t ORDER BY t.seq LIMIT $first
  RETURN t.seq AS seq, 'REPORTING' AS type, properties(t) AS node, null AS uscc, null AS subject_name,
         t.department_name AS department_name
}
RETURN seq, type, node, uscc, subject_name, department_name ORDER BY seq LIMIT $first
"""

@dataclass(frozen=True)
class FeedRow:
    seq: int
    type: str
    node: dict[str, Any]
    uscc: str | None  # None: a warning or reporting tally about a department (双公示), not a subject
    subject_name: str | None
    department_name: str | None


async def page(gateway: Neo4jGateway, *, after: int, first: int, levels: Sequence[str], records: bool,
               disclosures: Sequence[str]) -> list[FeedRow]:
    """Up to ``first`` feed rows after ``after``."""
    params = {"after": after, "first": first, "levels": list(levels), "records": records,
              "disclosures": list(disclosures)}
    return [FeedRow(row["seq"], row["type"], {k: native(v) for k, v in row["node"].items()}, row["uscc"],
                    row["subject_name"], row["department_name"]) for row in await gateway.query(_PAGE, params)]


# --- applying a batch -------------------------------------------------------------------------

_HELD = """
CALL () {
  UNWIND $records AS id MATCH (n:Record {id: id}) RETURN 'RECORD' AS type, n
  UNION ALL
  UNWIND $evaluations AS id MATCH (n:Evaluation {id: id}) RETURN 'EVALUATION' AS type, n
  UNION ALL
  UNWIND $warnings AS id MATCH (n:Warning {id: id}) RETURN 'WARNING' AS type, n
  UNION ALL
  UNWIND $tallies AS id MATCH (n:ReportingTally {id: id}) RETURN 'REPORTING' AS type, n
}
RETURN type, n.id AS id, n.version AS version, coalesce(n.issuer, n.issuing_department, n.evaluator) AS issuer
"""

# Subjects (ingest.NEW_SUBJECTS) and departments are merged once per batch before these run. Item
# properties go split for the wire (hub.db.wire: dates as text).
_APPLY_RECORDS = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.subject.uscc})
MERGE (r:Record {id: row.id})
WITH s, r, row WHERE coalesce(r.version, 0) < row.version
SET r += row.props, r:Pending
""" + wire.set_temporals("r") + """MERGE (r)-[:ABOUT]->(s)
WITH r, row WHERE row.department IS NOT NULL
MATCH (d:Department {code: row.department.code})
MERGE (r)-[:ISSUED_BY]->(d)
"""

# The batch's departments first, once each: a page of a county's feed names a handful of departments
# a thousand times, and merging one node per row would lock and re-check it per row. (Not
# ingest's department statement: that one overwrites; a department a peer names is only created.)
_DEPARTMENTS = """
UNWIND $departments AS department
MERGE (d:Department {code: department.code}) ON CREATE SET d.name = department.name, d.domains = []
"""

# The CURRENT pointers follow hub.db.current: planned from the batch and one read.
_APPLY_EVALUATIONS = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.subject.uscc})
MERGE (e:Evaluation {id: row.id})
WITH s, e, row WHERE coalesce(e.version, 0) < row.version
SET e += row.props, e:Pending
""" + wire.set_temporals("e") + """MERGE (e)-[:OF]->(s)
""" + current.POINT

# A 双公示 reporting tally as the platform that counted it sent it (hub.db.reporting): kept, not recounted.
_APPLY_TALLIES = """
UNWIND $rows AS row
MERGE (t:ReportingTally {id: row.id})
WITH t, row WHERE coalesce(t.version, 0) < row.version
SET t += row.props, t:Pending
""" + wire.set_temporals("t")

_DEAD_LETTERS = "UNWIND $letters AS letter CREATE (d:DeadLetter) SET d = letter, d.at = $now"

_CHECKPOINT = """
MERGE (c:SyncCursor {key: $key})
SET c.peer = $peer, c.direction = $direction, c.cursor = coalesce($cursor, c.cursor), c.updated_at = $now,
    c.batches = coalesce(c.batches, 0) + 1, c.applied = coalesce(c.applied, 0) + $applied,
    c.unchanged = coalesce(c.unchanged, 0) + $unchanged, c.dead_letters = coalesce(c.dead_letters, 0) + $dead
"""


@dataclass(frozen=True)
class Applied:
    applied: list[str]
    unchanged: list[str]
    conflicts: list[tuple[str, str]]  # (item id, why it was dead-lettered): held here under another issuer


async def apply(gateway: Neo4jGateway, rows: Sequence[dict[str, Any]], letters: Sequence[dict[str, Any]],
                checkpoint: Checkpoint, batch_id: str, authority: current.Authority | None = None) -> Applied:
    """Apply validated item rows (``hub.exchange.items.row_for`` plus ``type``), write dead letters, and
    advance the checkpoint — one transaction. An item held under another issuer becomes a dead letter.
    ``authority`` decides which evaluation stands in its issuer's name (hub.db.current)."""

    async def work(tx: AsyncManagedTransaction) -> Applied:
        result = await tx.run(_HELD, records=[r["id"] for r in rows if r["type"] == ItemType.RECORD],
                              evaluations=[r["id"] for r in rows if r["type"] == ItemType.EVALUATION],
                              warnings=[r["id"] for r in rows if r["type"] == ItemType.WARNING],
                              tallies=[r["id"] for r in rows if r["type"] == ItemType.REPORTING])
        held = {(row["type"], row["id"]): row async for row in result}
        fresh: dict[str, list[dict[str, Any]]] = {kind: [] for kind in ItemType}
        unchanged: list[str] = []
        conflicts: list[tuple[dict[str, Any], str]] = []
        for row in rows:
            mine = held.get((row["type"], row["id"]))
            if mine and mine["issuer"] is not None and mine["issuer"] != row["issuer"]:
                conflicts.append((row, f"{row['id']} is held here as issued by {mine['issuer']}; only its "
                                       "issuing authority changes it"))
            elif mine and mine["version"] is not None and mine["version"] >= row["version"]:
                unchanged.append(row["id"])
            else:
                fresh[row["type"]].append(row)
        changed = [row for kind in ItemType for row in fresh[kind]]  # records, evaluations, warnings, tallies
        subjects: dict[str, dict[str, Any]] = {}
        for r in changed:  # a subject named by any item of the batch is created with that name
            if r["subject"] is None:  # a warning or a reporting tally about a department
                continue
            known = subjects.setdefault(r["subject"]["uscc"], r["subject"])
            if known["name"] is None:
                subjects[r["subject"]["uscc"]] = r["subject"]
        if subjects:
            await (await tx.run(NEW_SUBJECTS, rows=list(subjects.values()))).consume()
        departments = {r["department"]["code"]: r["department"] for r in fresh[ItemType.RECORD] if r["department"]}
        if departments:
            await (await tx.run(_DEPARTMENTS, departments=list(departments.values()))).consume()
        if fresh[ItemType.RECORD]:
            await (await tx.run(_APPLY_RECORDS, rows=[{**row, **wire.split(row["props"])}
                                                      for row in fresh[ItemType.RECORD]])).consume()
        if fresh[ItemType.EVALUATION]:
            evaluations = [{"id": r["id"], "subject_uscc": r["subject"]["uscc"], "scheme": r["props"]["scheme"],
                            "evaluated_at": r["props"]["evaluated_at"], "origin_level": r["props"]["origin_level"]}
                           for r in fresh[ItemType.EVALUATION]]
            superseded, candidates = current.chain(evaluations, authority)
            decision = await current.decide(tx, candidates, authority)
            await (await tx.run(_APPLY_EVALUATIONS, rows=[
                {**row, **wire.split({**row["props"], **superseded.get(row["id"], {})}), **decision.row(row["id"])}
                for row in fresh[ItemType.EVALUATION]])).consume()
        if fresh[ItemType.WARNING]:
            await (await tx.run(warning_store.APPLY_RECEIVED, rows=fresh[ItemType.WARNING])).consume()
        if fresh[ItemType.REPORTING]:
            await (await tx.run(_APPLY_TALLIES, rows=[{**row, **wire.split(row["props"])}
                                                      for row in fresh[ItemType.REPORTING]])).consume()
        all_letters = list(letters) + [dead_letter(checkpoint, batch_id, row["id"], reason, row["props"])
                                       for row, reason in conflicts]
        if all_letters:
            await (await tx.run(_DEAD_LETTERS, letters=all_letters, now=clock.now())).consume()
        applied = [r["id"] for r in changed]
        await (await tx.run(_CHECKPOINT, key=checkpoint.key, peer=checkpoint.peer, direction=checkpoint.direction,
                            cursor=checkpoint.cursor, applied=len(applied), unchanged=len(unchanged),
                            dead=len(all_letters), now=clock.now())).consume()
        return Applied(applied, unchanged, [(row["id"], reason) for row, reason in conflicts])

    return await gateway.write(work)


def dead_letter(checkpoint: Checkpoint, batch_id: str, item_id: str | None, reason: str, item: Any) -> dict[str, Any]:
    """A dead letter's properties: which peer and batch, which item, why, and the item as received."""
    text = orjson.dumps(item, default=str).decode()
    return {"id": f"dl-{uuid.uuid4().hex}", "peer": checkpoint.peer, "direction": checkpoint.direction,
            "batch_id": batch_id, "item_id": item_id, "reason": reason, "item": text[:MAX_LETTER_ITEM]}


async def add_dead_letters(gateway: Neo4jGateway, letters: Sequence[dict[str, Any]]) -> None:
    if letters:
        await gateway.run(_DEAD_LETTERS, {"letters": list(letters), "now": clock.now()}, write=True)


async def save_checkpoint(gateway: Neo4jGateway, checkpoint: Checkpoint, *, applied: int = 0,
                          unchanged: int = 0, dead: int = 0) -> None:
    await gateway.run(_CHECKPOINT, {"key": checkpoint.key, "peer": checkpoint.peer,
                                    "direction": checkpoint.direction, "cursor": checkpoint.cursor,
                                    "applied": applied, "unchanged": unchanged, "dead": dead,
                                    "now": clock.now()}, write=True)


async def cursor(gateway: Neo4jGateway, peer: str, direction: Direction) -> str | None:
    rows = await gateway.query("MATCH (c:SyncCursor {key: $key}) RETURN c.cursor AS cursor",
                               {"key": f"{peer}:{direction}"})
    return rows[0]["cursor"] if rows else None


async def cursors(gateway: Neo4jGateway) -> list[SyncCursor]:
    rows = await gateway.query("MATCH (c:SyncCursor) RETURN c.peer AS peer, c.direction AS direction, "
                               "c.cursor AS cursor, c.updated_at AS updated_at, c.batches AS batches, "
                               "c.applied AS applied, c.unchanged AS unchanged, c.dead_letters AS dead_letters "
                               "ORDER BY c.key")
    return [SyncCursor(peer=row["peer"], direction=row["direction"], cursor=row["cursor"],
                       updated_at=native(row["updated_at"]), batches=row["batches"], applied=row["applied"],
                       unchanged=row["unchanged"], dead_letters=row["dead_letters"]) for row in rows]


@dataclass(frozen=True)
class SyncHealth:
    """When each peer's sync last ran per direction (PULL, PUSH, ACKED), and the dead letters held per peer."""

    last_rounds: tuple[tuple[str, str, datetime], ...]
    dead_letters: dict[str, int]


async def sync_health(gateway: Neo4jGateway) -> SyncHealth:
    [row] = await gateway.query("""
        CALL () { MATCH (c:SyncCursor) WHERE c.peer IS NOT NULL AND c.updated_at IS NOT NULL
                  RETURN collect([c.peer, c.direction, c.updated_at]) AS rounds }
        CALL () { MATCH (d:DeadLetter) WITH d.peer AS peer, count(d) AS n RETURN collect([peer, n]) AS dead }
        RETURN rounds, dead
    """)
    return SyncHealth(tuple((str(peer), str(direction), native(at)) for peer, direction, at in row["rounds"]),
                      {str(peer): int(n) for peer, n in row["dead"]})


async def acknowledge(gateway: Neo4jGateway, peer: str, position: int) -> int:
    """A peer holds (has applied) our feed up to ``position``. Record that, and mark delivered the
    outbox entries it covers; returns how many."""
    rows = await gateway.run("""
        MERGE (c:SyncCursor {key: $key})
        SET c.peer = $peer, c.direction = 'ACKED', c.cursor = toString($position), c.updated_at = $now
        WITH c
        OPTIONAL MATCH (o:OutboxEntry) WHERE o.delivered_at IS NULL
        OPTIONAL MATCH (r:Record {id: o.record_id}) WHERE r.seq <= $position AND NOT r:Pending
        WITH o, r WHERE r IS NOT NULL
        SET o.delivered_at = $now, o.delivered_to = $peer
        RETURN count(o) AS delivered
    """, {"key": f"{peer}:ACKED", "peer": peer, "position": position, "now": clock.now()}, write=True)
    return int(rows[0]["delivered"]) if rows else 0


async def dead_letters(gateway: Neo4jGateway, *, peer: str | None, first: int) -> list[DeadLetter]:
    where = "WHERE d.peer = $peer " if peer else ""
    rows = await gateway.query("MATCH (d:DeadLetter) " + where + "RETURN d.id AS id, d.peer AS peer, "
                               "d.direction AS direction, d.batch_id AS batch_id, d.item_id AS item_id, "
                               "d.reason AS reason, d.item AS item, d.at AS at ORDER BY d.at DESC, d.id LIMIT $first",
                               {"peer": peer, "first": first})
    return [DeadLetter(id=row["id"], peer=row["peer"], direction=row["direction"], batch_id=row["batch_id"],
                       item_id=row["item_id"], reason=row["reason"], item=row["item"], at=native(row["at"]))
            for row in rows]
