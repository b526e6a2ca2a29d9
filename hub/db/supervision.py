"""Cypher for "双随机、一公开": inspection plans, inspector pools, draws, targets and results.

  (:InspectionPlan)-[:BY]->(:Department)            (:Inspector {department, id})-[:MEMBER_OF]->(:Department)
  (:Draw)-[:FOR_PLAN]->(:InspectionPlan)            (:DrawPopulation {draw_id, chunk, entries})
  (:InspectionTarget)-[:IN_DRAW]->(:Draw)           (:InspectionTarget)-[:TARGETS]->(:Subject)

An inspector is identified within its department (``(department, id)`` is unique): the same id in
another department's pool is another person, and setting one pool never touches another's roster
or conflicts (回避). Every state change of a draw is conditional on the state it leaves, so two
requests racing on one draw cannot both move it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from hub.db.gateway import Neo4jGateway, native
from hub.db.ingest import RECORDS_MARKING, with_digests
from hub.errors import Conflict
from hub.supervision.stored import DrawTarget, ResultState

_CHUNK = 20_000


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key: native(value) for key, value in row.items()}


# --- plans ------------------------------------------------------------------------------------
async def create_plan(gateway: Neo4jGateway, plan: dict[str, Any],
                      clashes: Callable[[list[dict[str, Any]]], list[str]]) -> list[str]:
    """Create ``plan`` unless ``clashes`` names plans it may not coexist with; those are returned.

    The department's plans of the scheme whose periods overlap are read after taking the
    department's lock, so two requests cannot both create a clashing plan."""

    async def work(tx: AsyncManagedTransaction) -> list[str]:
        await tx.run("MERGE (d:Department {code: $code}) SET d.plans_changed_at = $now",
                     code=plan["department"], now=plan["created_at"])
        result = await tx.run(
            "MATCH (p:InspectionPlan)-[:BY]->(:Department {code: $code}) "
            "WHERE p.scheme = $scheme AND p.period_starts_on <= $ends AND p.period_ends_on >= $starts "
            "RETURN p { .* } AS p", code=plan["department"], scheme=plan["scheme"],
            starts=plan["period_starts_on"], ends=plan["period_ends_on"])
        found = clashes([_plain(record["p"]) async for record in result])
        if not found:
            await tx.run("MATCH (d:Department {code: $plan.department}) "
                         "CREATE (p:InspectionPlan) SET p = $plan CREATE (p)-[:BY]->(d)", plan=plan)
        return found

    return await gateway.write(work)


async def get_plan(gateway: Neo4jGateway, plan_id: str) -> dict[str, Any] | None:
    rows = await gateway.run("MATCH (p:InspectionPlan {id: $id}) RETURN p { .* } AS p", {"id": plan_id})
    return _plain(rows[0]["p"]) if rows else None


async def list_plans(gateway: Neo4jGateway, department: str | None = None) -> list[dict[str, Any]]:
    """Plans, newest first: every department's, or one department's."""
    rows = await gateway.run("MATCH (p:InspectionPlan) WHERE $department IS NULL OR p.department = $department "
                             "RETURN p { .* } AS p ORDER BY p.created_at DESC, p.id", {"department": department})
    return [_plain(row["p"]) for row in rows]


# --- inspector pools --------------------------------------------------------------------------
async def replace_inspectors(gateway: Neo4jGateway, department: str, inspectors: Sequence[dict[str, Any]]) -> None:
    """The department's pool becomes exactly ``inspectors`` (each with the codes they must not
    inspect, 回避). Other departments' inspectors are never matched: the key is (department, id)."""
    await gateway.run(
        """
        MERGE (d:Department {code: $department})
        WITH d
        OPTIONAL MATCH (gone:Inspector {department: $department}) WHERE NOT gone.id IN $ids
        DETACH DELETE gone
        WITH DISTINCT d UNWIND $inspectors AS row
        MERGE (i:Inspector {department: $department, id: row.id})
        SET i.name = row.name, i.conflicts = row.conflicts
        MERGE (i)-[:MEMBER_OF]->(d)
        """, {"department": department, "inspectors": list(inspectors),
              "ids": [row["id"] for row in inspectors]}, write=True)


async def inspectors_of(gateway: Neo4jGateway, department: str) -> list[dict[str, Any]]:
    return await gateway.run(
        "MATCH (i:Inspector {department: $d}) "
        "RETURN i.id AS id, i.name AS name, coalesce(i.conflicts, []) AS conflicts ORDER BY id", {"d": department})


@dataclass(frozen=True)
class Scope:
    """Who a plan covers: its scheme's subjects in a region prefix, of kinds and industries (empty: all);
    ``partners``: the schemes whose current grades combine with it (通用+专业)."""

    scheme: str
    region: str | None
    kinds: Sequence[str]
    industries: Sequence[str]
    partners: Sequence[str] = ()


PopulationRow = tuple[str, str | None, dict[str, str]]


async def population(gateway: Neo4jGateway, scope: Scope, today: Any) -> list[PopulationRow]:
    """(code, current grade under the scheme or None, current grades under the ``partners`` schemes)
    of every subject the scope covers; the caller places the ungraded and combines (通用+专业)."""
    return (await populations(gateway, [scope], today))[0]


async def populations(gateway: Neo4jGateway, scopes: Sequence[Scope], today: Any) -> list[list[PopulationRow]]:
    """:func:`population` of several scopes in one round trip, in their order (a list of plans)."""
    rows = await gateway.query(
        """
        UNWIND range(0, size($scopes) - 1) AS i
        WITH i, $scopes[i] AS scope
        CALL (scope) {
          MATCH (s:Subject)
          WHERE (scope.region IS NULL OR s.region STARTS WITH scope.region)
            AND (size(scope.kinds) = 0 OR s.kind IN scope.kinds)
            AND (size(scope.industries) = 0 OR s.industry IN scope.industries)
          CALL (s, scope) {
            OPTIONAL MATCH (s)-[:CURRENT]->(e:Evaluation {scheme: scope.scheme})
            WHERE e.valid_until IS NULL OR e.valid_until >= $today
            RETURN e.grade AS grade LIMIT 1
          }
          CALL (s, scope) {
            OPTIONAL MATCH (s)-[:CURRENT]->(p:Evaluation)
            WHERE p.scheme IN scope.partners AND (p.valid_until IS NULL OR p.valid_until >= $today)
            RETURN collect([p.scheme, p.grade]) AS partners
          }
          RETURN collect([s.uscc, grade, partners]) AS subjects
        }
        RETURN i, subjects
        """, {"scopes": [{"scheme": scope.scheme, "region": scope.region, "kinds": list(scope.kinds),
                          "industries": list(scope.industries), "partners": list(scope.partners)}
                         for scope in scopes], "today": today})
    found: list[list[PopulationRow]] = [[] for _ in scopes]
    for row in rows:
        found[row["i"]] = [(code, grade, {str(k): str(v) for k, v in partners})
                           for code, grade, partners in row["subjects"]]
    return found


@dataclass(frozen=True)
class DrawnIn:
    """The draws that count for 抽查频次: a department's, under a scheme, of plans whose period starts
    between two days (a year)."""

    department: str
    scheme: str
    starts: date
    ends: date


async def times_drawn(gateway: Neo4jGateway, key: DrawnIn) -> dict[str, int]:
    """How many times each subject was drawn by the department's draws under ``scheme`` of plans whose
    period starts in the year; superseded and not yet revealed draws do not count (抽查频次)."""
    return (await times_drawn_many(gateway, [key]))[0]


async def times_drawn_many(gateway: Neo4jGateway, keys: Sequence[DrawnIn]) -> list[dict[str, int]]:
    """:func:`times_drawn` for several keys in one round trip, in their order."""
    rows = await gateway.run(
        """
        UNWIND range(0, size($keys) - 1) AS i
        WITH i, $keys[i] AS key
        CALL (key) {
          MATCH (p:InspectionPlan)-[:BY]->(:Department {code: key.department})
          WHERE p.scheme = key.scheme AND p.period_starts_on >= key.starts AND p.period_starts_on <= key.ends
          MATCH (d:Draw {plan_id: p.id}) WHERE d.status IN ['DRAWN', 'PUBLISHED']
          MATCH (t:InspectionTarget {draw_id: d.id})
          WITH t.uscc AS uscc, count(*) AS times
          RETURN collect([uscc, times]) AS drawn
        }
        RETURN i, drawn
        """, {"keys": [{"department": k.department, "scheme": k.scheme, "starts": k.starts, "ends": k.ends}
                       for k in keys]})
    found: list[dict[str, int]] = [{} for _ in keys]
    for row in rows:
        found[row["i"]] = {str(uscc): int(times) for uscc, times in row["drawn"]}
    return found


# --- draws ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Supersession:
    """The earlier draw a re-draw replaces: the state it must still be in, what changes, and the
    targets to store when it is revealed on the way out (it was frozen but not yet drawn)."""

    draw_id: str
    expected_status: str
    changes: dict[str, Any]
    targets: Sequence[dict[str, Any]] = ()


async def create_draw(gateway: Neo4jGateway, draw: dict[str, Any], supersedes: Supersession | None) -> None:
    """A new draw of a plan — and, for a re-draw, the earlier draw superseded — in one transaction.
    (:Draw {plan_id, attempt}) is unique, so two commits racing for one plan cannot both succeed."""

    async def work(tx: AsyncManagedTransaction) -> None:
        if supersedes is not None:
            if not await _transition(tx, supersedes.draw_id, supersedes.expected_status, supersedes.changes):
                raise Conflict(f"draw {supersedes.draw_id} changed while it was being superseded; try again")
            await _create_targets(tx, supersedes.draw_id, supersedes.targets)
        await tx.run("MATCH (p:InspectionPlan {id: $draw.plan_id}) CREATE (d:Draw) SET d = $draw "
                     "CREATE (d)-[:FOR_PLAN]->(p)", draw=draw)

    try:
        await gateway.write(work)
    except ConstraintError:
        raise Conflict(f"another draw of plan {draw['plan_id']} was committed at the same time (attempt "
                       f"{draw['attempt']}); look at the plan's draws and try again") from None


async def get_draw(gateway: Neo4jGateway, draw_id: str) -> dict[str, Any] | None:
    rows = await gateway.run("MATCH (d:Draw {id: $id}) RETURN d { .* } AS d", {"id": draw_id})
    return _plain(rows[0]["d"]) if rows else None


async def list_draws(gateway: Neo4jGateway, plan_id: str | None = None) -> list[dict[str, Any]]:
    where = "WHERE d.plan_id = $plan " if plan_id else ""
    rows = await gateway.run("MATCH (d:Draw) " + where + "RETURN d { .* } AS d ORDER BY d.committed_at DESC, d.id",
                             {"plan": plan_id})
    return [_plain(row["d"]) for row in rows]


async def draws_of_plan(gateway: Neo4jGateway, plan_id: str) -> list[dict[str, Any]]:
    """Every draw of a plan, first attempt first."""
    rows = await gateway.run("MATCH (d:Draw {plan_id: $plan}) RETURN d { .* } AS d "
                             "ORDER BY coalesce(d.attempt, 0), d.committed_at, d.id", {"plan": plan_id})
    return [_plain(row["d"]) for row in rows]


async def _transition(tx: AsyncManagedTransaction, draw_id: str, expected: str, changes: dict[str, Any]) -> bool:
    result = await tx.run("MATCH (d:Draw {id: $id}) WHERE d.status = $expected SET d += $changes RETURN d.id AS id",
                          id=draw_id, expected=expected, changes=changes)
    return bool([record async for record in result])


async def transition(gateway: Neo4jGateway, draw_id: str, expected: str, changes: dict[str, Any]) -> bool:
    """Apply ``changes`` only if the draw is still ``expected``; False when it was not."""

    async def work(tx: AsyncManagedTransaction) -> bool:
        return await _transition(tx, draw_id, expected, changes)

    return await gateway.write(work)


async def freeze_population(gateway: Neo4jGateway, draw_id: str, entries: Sequence[tuple[str, str]],
                            changes: dict[str, Any]) -> bool:
    """Store the frozen population in chunks and move the draw COMMITTED → FROZEN, in one transaction."""

    async def work(tx: AsyncManagedTransaction) -> bool:
        if not await _transition(tx, draw_id, "COMMITTED", changes):
            return False
        for start in range(0, len(entries), _CHUNK):
            chunk = [f"{code}\t{grade}" for code, grade in entries[start:start + _CHUNK]]
            await tx.run("CREATE (:DrawPopulation {draw_id: $id, chunk: $n, entries: $entries})",
                         id=draw_id, n=start // _CHUNK, entries=chunk)
        return True

    return await gateway.write(work)


async def frozen_population(gateway: Neo4jGateway, draw_id: str) -> list[tuple[str, ...]]:
    rows = await gateway.run(
        "MATCH (c:DrawPopulation {draw_id: $id}) RETURN c.entries AS entries ORDER BY c.chunk", {"id": draw_id})
    return [tuple(entry.split("\t", 1)) for row in rows for entry in row["entries"]]


async def _create_targets(tx: AsyncManagedTransaction, draw_id: str, targets: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(targets), _CHUNK):
        await tx.run(
            "MATCH (d:Draw {id: $id}) UNWIND $rows AS row "
            "CREATE (t:InspectionTarget {draw_id: $id, uscc: row.uscc, grade: row.grade, "
            "inspectors: row.inspectors, position: row.position}) CREATE (t)-[:IN_DRAW]->(d) "
            "WITH t, row OPTIONAL MATCH (s:Subject {uscc: row.uscc}) "
            "FOREACH (_ IN CASE WHEN s IS NULL THEN [] ELSE [1] END | CREATE (t)-[:TARGETS]->(s))",
            id=draw_id, rows=list(targets[start:start + _CHUNK]))


async def store_targets(gateway: Neo4jGateway, draw_id: str, targets: Sequence[dict[str, Any]],
                        changes: dict[str, Any]) -> bool:
    """Store the drawn targets and move the draw FROZEN → DRAWN, in one transaction."""

    async def work(tx: AsyncManagedTransaction) -> bool:
        if not await _transition(tx, draw_id, "FROZEN", changes):
            return False
        await _create_targets(tx, draw_id, targets)
        return True

    return await gateway.write(work)


async def targets_of(gateway: Neo4jGateway, draw_id: str, *, only_with_results: bool = False,
                     only_without_results: bool = False, limit: int | None = 10_000) -> list[dict[str, Any]]:
    """A draw's targets in subject-code order — never in draw order, which is grade order."""
    rows = await gateway.run(
        "MATCH (t:InspectionTarget {draw_id: $id}) "
        "WHERE (NOT $with OR t.result IS NOT NULL) AND (NOT $without OR t.result IS NULL) "
        "OPTIONAL MATCH (t)-[:TARGETS]->(s:Subject) "
        "RETURN t { .*, name: coalesce(s.name, t.uscc) } AS t ORDER BY t.uscc"
        + (" LIMIT $limit" if limit is not None else ""),
        {"id": draw_id, "with": only_with_results, "without": only_without_results, "limit": limit})
    return [_plain(row["t"]) for row in rows]


class _Refused(Exception):
    def __init__(self, state: ResultState) -> None:
        self.state = state


@dataclass(frozen=True)
class RecordedResult:
    """What recording a result came to, and the target as recorded."""

    state: ResultState
    target: DrawTarget | None = None
    published: bool = False


async def record_result(gateway: Neo4jGateway, draw_id: str, uscc: str, fields: dict[str, Any],
                        count_statement: Callable[[int], str], published_at: Any,
                        record: dict[str, Any] | None = None) -> RecordedResult:
    """Record one target's result and the signed running count, in one transaction.

    The draw is locked first (its count is incremented), so concurrent results get distinct counts;
    a result already recorded is never overwritten (一公开: what was published stays published).
    ``record`` (hub.supervision.result_record) is the subject's 抽查检查结果 record, written in the same
    transaction as a file import's records are (the subject marked for a re-grade, the record in the feed)."""

    async def work(tx: AsyncManagedTransaction) -> RecordedResult:
        counted = await (await tx.run(
            "MATCH (d:Draw {id: $id}) WHERE d.status = 'DRAWN' "
            "SET d.results_recorded = coalesce(d.results_recorded, 0) + 1 "
            "RETURN d.results_recorded AS n, d.targets_total AS total", id=draw_id)).data()
        if not counted:
            raise _Refused(ResultState.NOT_DRAWN)
        found = await (await tx.run(
            "MATCH (t:InspectionTarget {draw_id: $id, uscc: $uscc}) RETURN t.result AS result",
            id=draw_id, uscc=uscc)).data()
        if not found:
            raise _Refused(ResultState.NOT_A_TARGET)
        if found[0]["result"] is not None:
            raise _Refused(ResultState.ALREADY_RECORDED)
        n, total = counted[0]["n"], counted[0]["total"]
        changes: dict[str, Any] = {"results_statement": count_statement(n)}
        if n == total:
            changes |= {"status": "PUBLISHED", "published_at": published_at}
        await tx.run("MATCH (d:Draw {id: $id}) SET d += $changes", id=draw_id, changes=changes)
        rows = await (await tx.run(
            "MATCH (t:InspectionTarget {draw_id: $id, uscc: $uscc}) SET t += $fields "
            "WITH t OPTIONAL MATCH (t)-[:TARGETS]->(s:Subject) "
            "RETURN t { .*, name: coalesce(s.name, t.uscc) } AS t", id=draw_id, uscc=uscc, fields=fields)).data()
        if record is not None:
            await (await tx.run(RECORDS_MARKING, rows=with_digests([record]))).consume()
        return RecordedResult(ResultState.RECORDED, DrawTarget.of(_plain(rows[0]["t"])), n == total)

    try:
        return await gateway.write(work)
    except _Refused as refused:
        return RecordedResult(refused.state)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
