"""Cypher for subjects' rights: objections (异议), credit repair applications (信用修复), the outbox.

  (:Objection)-[:CONTESTS]->(:Record|:Evaluation)     (:Objection)-[:BY_SUBJECT]->(:Subject)
  (:RepairApplication)-[:REPAIRS]->(:Record)          (:OutboxEntry) — changes owed to the platform above
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from neo4j import AsyncManagedTransaction

from hub import clock
from hub.db.gateway import Neo4jGateway, native
from hub.db.subjects import record_from_row
from hub.models import CreditRecord


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key: native(value) for key, value in row.items()}


async def contested_item(gateway: Neo4jGateway, item_id: str) -> dict[str, Any] | None:
    """A record or an evaluation by id, with its subject, its issuing department and scheme (who owns it)."""
    rows = await gateway.run(
        """
        CALL () {
          MATCH (item:Record {id: $id})-[:ABOUT]->(s:Subject) RETURN item, s
          UNION ALL
          MATCH (item:Evaluation {id: $id})-[:OF]->(s:Subject) RETURN item, s
        }
        RETURN item.id AS id, CASE WHEN item:Record THEN 'RECORD' ELSE 'EVALUATION' END AS kind,
               s.uscc AS subject_uscc, item.issuing_department AS issuing_department,
               item.status AS status, item.kind AS record_kind, item.severity AS severity,
               item.decided_on AS decided_on, item.scheme AS scheme, item.origin_platform AS origin_platform
        LIMIT 1
        """, {"id": item_id})
    return _plain(rows[0]) if rows else None


# Whether a pending objection contests an item is kept on the item too (``objection_pending``), with a new
# version, so that the item's copies up the exchange show it (underObjection at the city and the province):
# the objection itself stays with the issuer, who decides it (seed 000 §四.(二)).
_OBJECTION_STATE = """
SET item.objection_pending = EXISTS { (item)<-[:CONTESTS]-(:Objection {status: 'PENDING'}) },
    item.version = coalesce(item.version, 0) + 1, item:Pending
"""


async def create_objection(gateway: Neo4jGateway, objection: dict[str, Any]) -> None:
    await gateway.run(
        """
        MATCH (item) WHERE (item:Record OR item:Evaluation) AND item.id = $o.target_id
        MATCH (s:Subject {uscc: $o.subject_uscc})
        CREATE (o:Objection) SET o = $o
        CREATE (o)-[:CONTESTS]->(item), (o)-[:BY_SUBJECT]->(s)
        WITH item
        """ + _OBJECTION_STATE, {"o": objection}, write=True)


async def get_objection(gateway: Neo4jGateway, objection_id: str) -> dict[str, Any] | None:
    rows = await gateway.run("MATCH (o:Objection {id: $id}) RETURN o { .* } AS o", {"id": objection_id})
    return _plain(rows[0]["o"]) if rows else None


async def resolve_objection(gateway: Neo4jGateway, objection_id: str, changes: dict[str, Any], *,
                            withdraw_record: bool, correction: dict[str, Any] | None = None) -> str | None:
    """Close the objection; an upheld objection against a record withdraws the record, or corrects it
    (``correction``: the fields to set) — in one transaction. Returns the correction as kept with the
    objection (JSON: each field's value before and after), or None."""

    async def work(tx: AsyncManagedTransaction) -> str | None:
        kept = None
        if correction:
            result = await tx.run("MATCH (:Objection {id: $id})-[:CONTESTS]->(r:Record) RETURN properties(r) AS r",
                                  id=objection_id)
            before = (await result.single(strict=True))["r"]
            kept = json.dumps({name: {"before": _text(before.get(name)), "after": _text(value)}
                               for name, value in correction.items()}, ensure_ascii=False, sort_keys=True)
            await tx.run("MATCH (:Objection {id: $id})-[:CONTESTS]->(r:Record) "
                         "SET r += $props, r.corrected_at = $changes.resolved_at, r.corrected_by_objection = $id, "
                         "r.version = coalesce(r.version, 0) + 1, r:Pending "
                         "FOREACH (k IN keys($dates) | SET r[k] = date($dates[k]))",
                         id=objection_id, changes=changes,
                         props={k: v for k, v in correction.items() if not isinstance(v, date)},
                         dates={k: v.isoformat() for k, v in correction.items() if isinstance(v, date)})
        await tx.run("MATCH (o:Objection {id: $id}) SET o += $changes, o.correction = $kept",
                     id=objection_id, changes=changes, kept=kept)
        await tx.run("MATCH (:Objection {id: $id})-[:CONTESTS]->(item) " + _OBJECTION_STATE, id=objection_id)
        if withdraw_record:
            await tx.run("MATCH (:Objection {id: $id})-[:CONTESTS]->(r:Record) "
                         "SET r.status = 'WITHDRAWN', r.status_changed_at = $changes.resolved_at, "
                         "r.version = coalesce(r.version, 0) + 1, r:Pending", id=objection_id, changes=changes)
        return kept

    return await gateway.write(work)


def _text(value: Any) -> Any:
    value = native(value)
    return value.isoformat() if isinstance(value, date) else value


async def objections(gateway: Neo4jGateway, *, status: str | None = None, due_before: date | None = None,
                     department: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    where = ["true"]
    if status is not None:
        where.append("o.status = $status")
    if department is not None:  # routed to it (before routing, "unassigned" was the platform's)
        where.append("(o.department = $department OR ($department = 'platform' AND "
                     "coalesce(o.department, 'unassigned') = 'unassigned'))")
    if due_before is not None:  # a provisional due date may move: the service counts it again
        where.append("(o.due_on < $due_before OR o.due_on_provisional_reason IS NOT NULL)")
    rows = await gateway.run(
        "MATCH (o:Objection) WHERE " + " AND ".join(where) +
        " RETURN o { .* } AS o ORDER BY o.due_on, o.id LIMIT $limit",
        {"status": status, "due_before": due_before, "department": department, "limit": limit})
    return [_plain(row["o"]) for row in rows]


async def create_repair(gateway: Neo4jGateway, application: dict[str, Any]) -> None:
    await gateway.run(
        "MATCH (r:Record {id: $a.record_id}) CREATE (a:RepairApplication) SET a = $a CREATE (a)-[:REPAIRS]->(r)",
        {"a": application}, write=True)


async def get_repair(gateway: Neo4jGateway, application_id: str) -> dict[str, Any] | None:
    rows = await gateway.run("MATCH (a:RepairApplication {id: $id}) RETURN a { .* } AS a", {"id": application_id})
    return _plain(rows[0]["a"]) if rows else None


async def repairs(gateway: Neo4jGateway, *, status: str, department: str | None = None,
                  limit: int = 500) -> list[dict[str, Any]]:
    """Repair applications of a status routed to a department (older ones without one: their record's issuer,
    the platform's when it has none), or to any (``department`` None), oldest first."""
    rows = await gateway.run(
        "MATCH (a:RepairApplication {status: $status})-[:REPAIRS]->(r:Record) "
        "WITH a, coalesce(a.department, r.issuing_department, 'platform') AS routed "
        "WHERE $department IS NULL OR routed = $department "
        "RETURN a { .*, department: routed } AS a ORDER BY a.filed_at, a.id LIMIT $limit",
        {"status": status, "department": department, "limit": limit})
    return [_plain(row["a"]) for row in rows]


async def decide_repair(gateway: Neo4jGateway, application_id: str, changes: dict[str, Any],
                        outbox: dict[str, Any] | None) -> None:
    """Decide an application; an approval marks the record repaired and queues the change for the
    platform above (seed 000 §四.(三): "上报省公共信用信息平台"), all in one transaction."""

    async def work(tx: AsyncManagedTransaction) -> None:
        await tx.run("MATCH (a:RepairApplication {id: $id}) SET a += $changes", id=application_id, changes=changes)
        if outbox is not None:
            await tx.run("MATCH (:RepairApplication {id: $id})-[:REPAIRS]->(r:Record) "
                         "SET r.status = 'REPAIRED', r.status_changed_at = $at, r.repaired_on = $on, "
                         "r.version = coalesce(r.version, 0) + 1, r:Pending",
                         id=application_id, at=changes["decided_at"], on=clock.date_of(changes["decided_at"]))
            await tx.run("CREATE (e:OutboxEntry) SET e = $entry", entry=outbox)

    await gateway.write(work)


async def record_with_origin(gateway: Neo4jGateway, record_id: str) -> tuple[CreditRecord, str | None] | None:
    """A record by id with the platform it came from (None: made here); None when there is no such record."""
    rows = await gateway.run(
        "MATCH (r:Record {id: $id})-[:ABOUT]->(s:Subject) RETURN r { .* } AS r, s.uscc AS uscc", {"id": record_id})
    if not rows:
        return None
    return record_from_row(rows[0]["r"], rows[0]["uscc"]), rows[0]["r"].get("origin_platform")


async def outbox(gateway: Neo4jGateway, *, undelivered_only: bool = True) -> list[dict[str, Any]]:
    where = "WHERE e.delivered_at IS NULL " if undelivered_only else ""
    rows = await gateway.run("MATCH (e:OutboxEntry) " + where + "RETURN e { .* } AS e ORDER BY e.created_at, e.id")
    return [_plain(row["e"]) for row in rows]



async def objections_of_subjects(gateway: Neo4jGateway, usccs: Sequence[str],
                                 limit: int = 200) -> dict[str, list[dict[str, Any]]]:
    """Every objection about each subject, whatever its state, newest first; one round trip for a page."""
    return await _of_subjects(gateway, "Objection", usccs, limit)


async def repairs_of_subjects(gateway: Neo4jGateway, usccs: Sequence[str],
                              limit: int = 200) -> dict[str, list[dict[str, Any]]]:
    """Every credit repair application of each subject, whatever its state, newest first; one round trip."""
    return await _of_subjects(gateway, "RepairApplication", usccs, limit)


async def _of_subjects(gateway: Neo4jGateway, label: str, usccs: Sequence[str],
                       limit: int) -> dict[str, list[dict[str, Any]]]:
    rows = await gateway.query(
        f"UNWIND $usccs AS code CALL (code) {{ MATCH (n:{label} {{subject_uscc: code}}) "
        "WITH n ORDER BY n.filed_at DESC, n.id LIMIT $limit RETURN collect(n { .* }) AS found } "
        "RETURN code, found", {"usccs": list(usccs), "limit": limit})
    return {row["code"]: [_plain(n) for n in row["found"]] for row in rows}
