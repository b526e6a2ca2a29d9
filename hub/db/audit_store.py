"""Cypher for the audit chain: appends after a known head or under the head's lock; reads in order.

Two ways to append a batch (hub/audit_log.py decides which):

- :func:`append_after` — the fast path, one auto-commit statement (one round trip): the entries are
  chained in Python after the head this process last wrote, and the statement writes them only if
  the head is still that one. Two writers that both believe they follow the same head cannot both
  succeed: their first entries share a ``seq``, and ``AuditEntry.seq`` is unique, so the later
  commit fails. Either way a stale writer learns it and takes the locked path.
- :func:`append` — the locked path: a write transaction that takes the head's write lock, reads
  the head, chains after it and writes. Correct whatever other processes did.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import fields
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from hub import clock
from hub.audit import GENESIS, AuditEntry, AuditEvent
from hub.db.gateway import Neo4jGateway

Chainer = Callable[[int, str, Sequence[AuditEvent]], list[AuditEntry]]
_PAGE = 5000


Head = tuple[int, str]  # (seq, hash) of the last entry

_APPEND_AFTER = """
MATCH (h:AuditHead {name: 'main'})
SET h.locked_at = $now
WITH h WHERE h.seq = $seq AND h.hash = $hash
SET h.seq = $last_seq, h.hash = $last_hash
WITH h
UNWIND $rows AS row
CREATE (a:AuditEntry) SET a = row
RETURN count(a) AS written
"""


async def append_after(gateway: Neo4jGateway, head: Head, events: Sequence[AuditEvent],
                       chainer: Chainer) -> Head | None:
    """Append events after ``head`` in one statement; None (nothing written) if the head moved."""
    entries = chainer(head[0], head[1], events)
    rows = [_row(e) for e in entries]
    try:
        [result] = await gateway.write_query(_APPEND_AFTER, {
            "seq": head[0], "hash": head[1], "last_seq": entries[-1].seq, "last_hash": entries[-1].hash,
            "rows": rows, "now": clock.now()})
    except ConstraintError:  # another writer took these sequence numbers first
        return None
    return (entries[-1].seq, entries[-1].hash) if result["written"] == len(rows) else None


async def append(gateway: Neo4jGateway, events: Sequence[AuditEvent], chainer: Chainer) -> Head:
    """Append events after the current head in one transaction; return the new head.

    Setting a property on the head takes its write lock, so concurrent appenders (even from other
    hub processes) queue up and the chain stays linear.
    """

    async def work(tx: AsyncManagedTransaction) -> Head:
        head = await (await tx.run(
            "MERGE (h:AuditHead {name: 'main'}) ON CREATE SET h.seq = 0, h.hash = $genesis "
            "SET h.locked_at = $now RETURN h.seq AS seq, h.hash AS hash",
            genesis=GENESIS, now=clock.now())).single()
        assert head is not None
        entries = chainer(head["seq"], head["hash"], events)
        await tx.run(
            "UNWIND $rows AS row CREATE (a:AuditEntry) SET a = row",
            rows=[_row(e) for e in entries])
        await tx.run("MATCH (h:AuditHead {name: 'main'}) SET h.seq = $seq, h.hash = $hash",
                     seq=entries[-1].seq, hash=entries[-1].hash)
        return entries[-1].seq, entries[-1].hash

    return await gateway.write(work)


async def head(gateway: Neo4jGateway) -> tuple[int, str] | None:
    rows = await gateway.run("MATCH (h:AuditHead {name: 'main'}) RETURN h.seq AS seq, h.hash AS hash")
    return (rows[0]["seq"], rows[0]["hash"]) if rows else None


async def entries(gateway: Neo4jGateway) -> AsyncIterator[AuditEntry]:
    """Every entry in sequence order, fetched in pages."""
    after = 0
    while True:
        rows = await gateway.run(
            "MATCH (a:AuditEntry) WHERE a.seq > $after RETURN a { .* } AS a ORDER BY a.seq LIMIT $n",
            {"after": after, "n": _PAGE})
        for row in rows:
            yield _entry(row["a"])
        if len(rows) < _PAGE:
            return
        after = rows[-1]["a"]["seq"]


def _row(entry: AuditEntry) -> dict[str, Any]:
    return {"seq": entry.seq, "prev_hash": entry.prev_hash, "hash": entry.hash, "key_id": entry.key_id,
            **_props(entry.event)}


def _props(event: AuditEvent) -> dict[str, Any]:
    # read field by field: asdict() deep-copies, and this runs for every entry of every batch
    return {name: value for name in _EVENT_FIELDS if (value := getattr(event, name)) is not None}


_EVENT_FIELDS = tuple(field.name for field in fields(AuditEvent))


def _entry(row: dict[str, Any]) -> AuditEntry:
    fields: dict[str, Any] = {name: row.get(name) for name in AuditEvent.__dataclass_fields__}
    fields["detail"] = fields["detail"] or ""
    fields["at"] = fields["at"] or ""
    return AuditEntry(row["seq"], row["prev_hash"], row["hash"], AuditEvent(**fields), row.get("key_id"))


_READS_OF = """
MATCH (s:Subject {uscc: $code})
OPTIONAL MATCH (s)<-[:ABOUT]-(r:Record)
WITH s, [code IN collect(DISTINCT r.issuing_department) WHERE code IS NOT NULL] AS departments
OPTIONAL CALL (s) {
  MATCH (a:AuditEntry {subject_uscc: s.uscc}) WHERE a.action IN ['read', 'denied']
  RETURN a ORDER BY a.seq DESC LIMIT $first
}
RETURN departments, collect(a { .seq, .action, .actor, .role, .tier, .consent_id, .token_id, .detail, .at }) AS entries
"""


async def reads_of(gateway: Neo4jGateway, code: str, first: int) -> tuple[list[str], list[dict[str, Any]]] | None:
    """Who read (or was refused) a subject, newest first, and the departments that issued its records;
    None for a subject this hub does not hold."""
    rows = await gateway.query(_READS_OF, {"code": code, "first": first})
    if not rows:
        return None
    return [str(d) for d in rows[0]["departments"]], list(rows[0]["entries"])
