"""Cypher for "双随机、一公开": inspection plans, inspector pools, draws, targets and results.

  (:InspectionPlan)-[:BY]->(:Department)            (:Inspector)-[:MEMBER_OF]->(:Department)
  (:Inspector)-[:CONFLICTS_WITH]->(:Subject)        (:Draw)-[:FOR_PLAN]->(:InspectionPlan)
  (:DrawPopulation {draw_id, chunk, entries})       (:InspectionTarget)-[:IN_DRAW]->(:Draw)
  (:InspectionTarget)-[:TARGETS]->(:Subject)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from hub.db.gateway import Neo4jGateway, native

_CHUNK = 20_000


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key: native(value) for key, value in row.items()}


async def create_plan(gateway: Neo4jGateway, plan: dict[str, Any]) -> None:
    await gateway.run(
        "MERGE (d:Department {code: $plan.department}) "
        "CREATE (p:InspectionPlan) SET p = $plan CREATE (p)-[:BY]->(d)", {"plan": plan}, write=True)


async def get_plan(gateway: Neo4jGateway, plan_id: str) -> dict[str, Any] | None:
    rows = await gateway.run("MATCH (p:InspectionPlan {id: $id}) RETURN p { .* } AS p", {"id": plan_id})
    return _plain(rows[0]["p"]) if rows else None


async def list_plans(gateway: Neo4jGateway) -> list[dict[str, Any]]:
    rows = await gateway.run("MATCH (p:InspectionPlan) RETURN p { .* } AS p ORDER BY p.created_at DESC")
    return [_plain(row["p"]) for row in rows]


async def upsert_inspectors(gateway: Neo4jGateway, department: str, inspectors: Sequence[dict[str, Any]]) -> None:
    """Inspectors of a department's pool, each with the subjects they must not inspect (回避)."""
    await gateway.run(
        """
        MERGE (d:Department {code: $department})
        WITH d UNWIND $inspectors AS row
        MERGE (i:Inspector {id: row.id}) SET i.name = row.name, i.department = $department
        MERGE (i)-[:MEMBER_OF]->(d)
        WITH i, row
        OPTIONAL MATCH (i)-[old:CONFLICTS_WITH]->() DELETE old
        WITH DISTINCT i, row UNWIND row.conflicts AS code
        MATCH (s:Subject {uscc: code}) MERGE (i)-[:CONFLICTS_WITH]->(s)
        """, {"department": department, "inspectors": list(inspectors)}, write=True)


async def inspectors_of(gateway: Neo4jGateway, department: str) -> list[dict[str, Any]]:
    rows = await gateway.run(
        "MATCH (i:Inspector)-[:MEMBER_OF]->(:Department {code: $d}) "
        "OPTIONAL MATCH (i)-[:CONFLICTS_WITH]->(s:Subject) "
        "RETURN i.id AS id, i.name AS name, collect(s.uscc) AS conflicts ORDER BY id", {"d": department})
    return rows


async def population(gateway: Neo4jGateway, *, scheme: str, region: str | None, kinds: Sequence[str],
                     industries: Sequence[str], ungraded_as: str, today: Any) -> list[tuple[str, str]]:
    """(code, current grade under the scheme) of every subject the plan covers; ungraded subjects
    are put in the plan's ``ungraded_as`` stratum so that nobody escapes the draw by having no grade."""
    rows = await gateway.query(
        """
        MATCH (s:Subject)
        WHERE ($region IS NULL OR s.region STARTS WITH $region)
          AND (size($kinds) = 0 OR s.kind IN $kinds)
          AND (size($industries) = 0 OR s.industry IN $industries)
        CALL (s) {
          OPTIONAL MATCH (s)-[:CURRENT]->(e:Evaluation {scheme: $scheme})
          WHERE e.valid_until IS NULL OR e.valid_until >= $today
          RETURN e.grade AS grade LIMIT 1
        }
        RETURN s.uscc AS uscc, coalesce(grade, $ungraded) AS grade
        """, {"region": region, "kinds": list(kinds), "industries": list(industries), "scheme": scheme,
              "ungraded": ungraded_as, "today": today})
    return [(row["uscc"], row["grade"]) for row in rows]


async def create_draw(gateway: Neo4jGateway, draw: dict[str, Any]) -> None:
    await gateway.run(
        "MATCH (p:InspectionPlan {id: $draw.plan_id}) CREATE (d:Draw) SET d = $draw CREATE (d)-[:FOR_PLAN]->(p)",
        {"draw": draw}, write=True)


async def get_draw(gateway: Neo4jGateway, draw_id: str) -> dict[str, Any] | None:
    rows = await gateway.run("MATCH (d:Draw {id: $id}) RETURN d { .* } AS d", {"id": draw_id})
    return _plain(rows[0]["d"]) if rows else None


async def list_draws(gateway: Neo4jGateway, plan_id: str | None = None) -> list[dict[str, Any]]:
    where = "WHERE d.plan_id = $plan " if plan_id else ""
    rows = await gateway.run("MATCH (d:Draw) " + where + "RETURN d { .* } AS d ORDER BY d.committed_at DESC",
                             {"plan": plan_id})
    return [_plain(row["d"]) for row in rows]


async def update_draw(gateway: Neo4jGateway, draw_id: str, changes: dict[str, Any]) -> None:
    await gateway.run("MATCH (d:Draw {id: $id}) SET d += $changes", {"id": draw_id, "changes": changes},
                      write=True)


async def freeze_population(gateway: Neo4jGateway, draw_id: str, entries: Sequence[tuple[str, str]],
                            changes: dict[str, Any]) -> None:
    """Store the frozen population in chunks (it is published for verification) and the digest."""

    async def work(tx: AsyncManagedTransaction) -> None:
        for start in range(0, len(entries), _CHUNK):
            chunk = [f"{code}\t{grade}" for code, grade in entries[start:start + _CHUNK]]
            await tx.run("CREATE (:DrawPopulation {draw_id: $id, chunk: $n, entries: $entries})",
                         id=draw_id, n=start // _CHUNK, entries=chunk)
        await tx.run("MATCH (d:Draw {id: $id}) SET d += $changes", id=draw_id, changes=changes)

    await gateway.write(work)


async def frozen_population(gateway: Neo4jGateway, draw_id: str) -> list[tuple[str, str]]:
    rows = await gateway.run(
        "MATCH (c:DrawPopulation {draw_id: $id}) RETURN c.entries AS entries ORDER BY c.chunk", {"id": draw_id})
    return [tuple(entry.split("\t", 1)) for row in rows for entry in row["entries"]]  # type: ignore[misc]


async def store_targets(gateway: Neo4jGateway, draw_id: str, targets: Sequence[dict[str, Any]],
                        changes: dict[str, Any]) -> None:
    async def work(tx: AsyncManagedTransaction) -> None:
        for start in range(0, len(targets), _CHUNK):
            await tx.run(
                "MATCH (d:Draw {id: $id}) UNWIND $rows AS row MATCH (s:Subject {uscc: row.uscc}) "
                "CREATE (t:InspectionTarget {draw_id: $id, uscc: row.uscc, grade: row.grade, "
                "inspectors: row.inspectors, position: row.position}) "
                "CREATE (t)-[:IN_DRAW]->(d), (t)-[:TARGETS]->(s)",
                id=draw_id, rows=list(targets[start:start + _CHUNK]))
        await tx.run("MATCH (d:Draw {id: $id}) SET d += $changes", id=draw_id, changes=changes)

    await gateway.write(work)


async def targets_of(gateway: Neo4jGateway, draw_id: str, *, only_with_results: bool = False,
                     only_without_results: bool = False, limit: int = 10_000) -> list[dict[str, Any]]:
    rows = await gateway.run(
        "MATCH (t:InspectionTarget {draw_id: $id})-[:TARGETS]->(s:Subject) "
        "WHERE (NOT $with OR t.result IS NOT NULL) AND (NOT $without OR t.result IS NULL) "
        "RETURN t { .*, name: s.name } AS t ORDER BY t.position LIMIT $limit",
        {"id": draw_id, "with": only_with_results, "without": only_without_results, "limit": limit})
    return [_plain(row["t"]) for row in rows]


async def record_result(gateway: Neo4jGateway, draw_id: str, uscc: str, result: str, notes: str,
                        at: datetime) -> dict[str, Any] | None:
    rows = await gateway.run(
        "MATCH (t:InspectionTarget {draw_id: $id, uscc: $uscc})-[:TARGETS]->(s:Subject) "
        "SET t.result = $result, t.notes = $notes, t.result_at = $at RETURN t { .*, name: s.name } AS t",
        {"id": draw_id, "uscc": uscc, "result": result, "notes": notes, "at": at}, write=True)
    return _plain(rows[0]["t"]) if rows else None


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
