"""Cypher for the audit chain: appends serialized on one head node, reads in sequence order."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict
from typing import Any

from neo4j import AsyncManagedTransaction

from hub import clock
from hub.audit import GENESIS, AuditEntry, AuditEvent
from hub.db.gateway import Neo4jGateway

Chainer = Callable[[int, str, Sequence[AuditEvent]], list[AuditEntry]]
_PAGE = 5000


async def append(gateway: Neo4jGateway, events: Sequence[AuditEvent], chainer: Chainer) -> int:
    """Append events after the current head in one transaction; return the last sequence number.

    Setting a property on the head takes its write lock, so concurrent appenders (even from other
    hub processes) queue up and the chain stays linear.
    """

    async def work(tx: AsyncManagedTransaction) -> int:
        head = await (await tx.run(
            "MERGE (h:AuditHead {name: 'main'}) ON CREATE SET h.seq = 0, h.hash = $genesis "
            "SET h.locked_at = $now RETURN h.seq AS seq, h.hash AS hash",
            genesis=GENESIS, now=clock.now())).single()
        assert head is not None
        entries = chainer(head["seq"], head["hash"], events)
        await tx.run(
            "UNWIND $rows AS row CREATE (a:AuditEntry) SET a = row",
            rows=[{"seq": e.seq, "prev_hash": e.prev_hash, "hash": e.hash, "key_id": e.key_id, **_props(e.event)}
                  for e in entries])
        await tx.run("MATCH (h:AuditHead {name: 'main'}) SET h.seq = $seq, h.hash = $hash",
                     seq=entries[-1].seq, hash=entries[-1].hash)
        return entries[-1].seq

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


def _props(event: AuditEvent) -> dict[str, Any]:
    return {key: value for key, value in asdict(event).items() if value is not None}


def _entry(row: dict[str, Any]) -> AuditEntry:
    fields: dict[str, Any] = {name: row.get(name) for name in AuditEvent.__dataclass_fields__}
    fields["detail"] = fields["detail"] or ""
    fields["at"] = fields["at"] or ""
    return AuditEntry(row["seq"], row["prev_hash"], row["hash"], AuditEvent(**fields), row.get("key_id"))
