"""Cypher for warnings: raising them (with the engine's cursor), their lifecycle, reading and streaming.

  (:Warning {id, rule, anchor, facts, status, number, stream_seq, version, origin_platform, …})
        -[:CONCERNS]->(:Subject)
  (:WarningState {name: 'engine', cursor, updated_at})   the feed position the engine has evaluated
  (:WarningState {name: 'stream', value})                 the last stream position handed out

Two numbers order warnings on one hub. ``number`` is given once, when the warning is raised (or first
received), and pages the ``warnings`` query. ``stream_seq`` is given again at every change (raised,
acknowledged, handled, dismissed, a newer version received); a subscription resumes "after" one. Both
come from the ``stream`` state node, which a writer locks first: positions go only to committed
warnings, one writer at a time, so a reader that has seen N never later finds a smaller one appear —
the argument of the change feed's sequencer (hub.db.feed).

Raising is one transaction with the engine's cursor: the warnings of a window and the position after
it commit together or not at all — a crash between a write and its warning leaves the window to be
evaluated again, and re-evaluating it raises nothing twice (``id`` is derived from rule + anchor +
facts; an id held already is skipped).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from hub.db.gateway import Neo4jGateway, native
from hub.warnings.model import Candidate, Warning, WarningFilter, WarningStatus
from hub.warnings.rules import Level

SCHEMA: tuple[str, ...] = (
    "CREATE CONSTRAINT warning_id IF NOT EXISTS FOR (w:Warning) REQUIRE w.id IS UNIQUE",
    "CREATE CONSTRAINT warning_state_name IF NOT EXISTS FOR (s:WarningState) REQUIRE s.name IS UNIQUE",
    "CREATE INDEX warning_number IF NOT EXISTS FOR (w:Warning) ON (w.number)",
    "CREATE INDEX warning_stream IF NOT EXISTS FOR (w:Warning) ON (w.stream_seq)",
    "CREATE INDEX warning_seq IF NOT EXISTS FOR (w:Warning) ON (w.seq)",
    "CREATE INDEX warning_anchor IF NOT EXISTS FOR (w:Warning) ON (w.anchor)",
    "CREATE INDEX warning_department IF NOT EXISTS FOR (w:Warning) ON (w.department)",
    "CREATE INDEX reporting_tally_imported_at IF NOT EXISTS FOR (t:ReportingTally) ON (t.imported_at)",
    "CREATE INDEX objection_status IF NOT EXISTS FOR (o:Objection) ON (o.status)",
    "CREATE INDEX repair_application_status IF NOT EXISTS FOR (a:RepairApplication) ON (a.status)",
)

# What a warning node holds besides its lifecycle (written when it is raised).
_LOCK_STREAM = "MERGE (st:WarningState {name: 'stream'}) ON CREATE SET st.value = 0 SET st.locked_at = $now"
_LOCK_ENGINE = "MERGE (st:WarningState {name: 'engine'}) ON CREATE SET st.cursor = 0 SET st.locked_at = $now"

_RAISE = """
UNWIND $rows AS row
CREATE (w:Warning:Pending)
SET w = row.props, w.raised_at = $now, w.updated_at = $now, w.status = 'OPEN', w.version = 1,
    w.origin_platform = $platform, w.origin_level = $level, w.issuer = $platform
WITH w, row WHERE row.props.subject_uscc IS NOT NULL
MATCH (s:Subject {uscc: row.props.subject_uscc})
CREATE (w)-[:CONCERNS]->(s)
"""

@dataclass(frozen=True)
class Committed:
    """What one commit did: the warnings it raised, the received ones it numbered, the stream head."""

    raised: tuple[str, ...]
    numbered: int
    stream_head: int
    stale: bool = False  # another engine moved the cursor first: nothing was written


async def engine_cursor(gateway: Neo4jGateway) -> int:
    rows = await gateway.query("MATCH (st:WarningState {name: 'engine'}) RETURN st.cursor AS cursor")
    return int(rows[0]["cursor"]) if rows else 0


async def set_engine_cursor(gateway: Neo4jGateway, position: int, now: datetime) -> None:
    await gateway.run(_LOCK_ENGINE + " SET st.cursor = $position, st.updated_at = $now",
                      {"position": position, "now": now}, write=True)


async def engine_state(gateway: Neo4jGateway) -> dict[str, Any]:
    rows = await gateway.query("MATCH (st:WarningState) RETURN st.name AS name, properties(st) AS state")
    return {row["name"]: {k: native(v) for k, v in row["state"].items()} for row in rows}


async def commit(gateway: Neo4jGateway, candidates: Sequence[Candidate], *, now: datetime, platform: str,
                 level: str, window: tuple[int, int] | None = None, received: Sequence[str] = (),
                 representative_changes: Sequence[str] = ()) -> Committed:
    """Raise the new candidates, number the received warnings, clear the representative markers and
    (with ``window``) move the engine's cursor from ``window[0]`` to ``window[1]`` — one transaction."""

    async def work(tx: AsyncManagedTransaction) -> Committed:
        if window is not None:
            await (await tx.run(_LOCK_ENGINE, now=now)).consume()
            held = await (await tx.run("MATCH (st:WarningState {name: 'engine'}) RETURN st.cursor AS c")).single()
            if held is None or int(held["c"]) != window[0]:
                return Committed((), 0, 0, stale=True)
        await (await tx.run(_LOCK_STREAM, now=now)).consume()
        head_row = await (await tx.run("MATCH (st:WarningState {name: 'stream'}) RETURN st.value AS v")).single()
        head = int(head_row["v"]) if head_row else 0
        fresh = await _not_raised(tx, candidates)
        rows = []
        for candidate in fresh:
            head += 1
            rows.append({"props": _properties(candidate, head)})
        if rows:
            await (await tx.run(_RAISE, rows=rows, now=now, platform=platform, level=level)).consume()
        if received:
            ids = list(dict.fromkeys(received))
            await (await tx.run("UNWIND range(0, size($ids) - 1) AS i MATCH (w:Warning {id: $ids[i]}) "
                                "SET w.stream_seq = $base + i + 1, w.number = coalesce(w.number, $base + i + 1)",
                                ids=ids, base=head)).consume()
            head += len(ids)
        await (await tx.run("MATCH (st:WarningState {name: 'stream'}) SET st.value = $head", head=head)).consume()
        if representative_changes:
            await (await tx.run("UNWIND $codes AS code MATCH (s:Subject:RepresentativeChanged {uscc: code}) "
                                "REMOVE s:RepresentativeChanged", codes=list(representative_changes))).consume()
        if window is not None:
            await (await tx.run("MATCH (st:WarningState {name: 'engine'}) SET st.cursor = $to, st.updated_at = $now",
                                to=window[1], now=now)).consume()
        return Committed(tuple(c.id for c in fresh), len(set(received)), head)

    return await gateway.write(work)


async def unraised(gateway: Neo4jGateway, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates that would be raised now (a read: the commit checks again under its lock)."""
    if not candidates:
        return []

    async def work(tx: AsyncManagedTransaction) -> list[Candidate]:
        return await _not_raised(tx, candidates)

    return await gateway.read(work)


async def _not_raised(tx: AsyncManagedTransaction, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates not held already (by id) and, for aggregate rules, with no unresolved warning of
    the same rule about the same anchor; one per id."""
    unique = {c.id: c for c in candidates}
    if not unique:
        return []
    held = {row["id"] async for row in await tx.run(
        "UNWIND $ids AS id MATCH (w:Warning {id: id}) RETURN w.id AS id", ids=list(unique))}
    codes = sorted({c.subject_uscc for c in unique.values() if c.subject_uscc is not None})
    known = {row["code"] async for row in await tx.run(  # a subject deleted meanwhile (a wiped database)
        "UNWIND $codes AS code MATCH (s:Subject {uscc: code}) RETURN code", codes=codes)} if codes else set()
    held |= {c.id for c in unique.values() if c.subject_uscc is not None and c.subject_uscc not in known}
    aggregate = [[c.rule.id, c.anchor] for c in unique.values() if c.rule.suppress_while_open]
    open_anchors: set[tuple[str, str]] = set()
    if aggregate:
        open_anchors = {(row["rule"], row["anchor"]) async for row in await tx.run(
            "UNWIND $pairs AS pair MATCH (w:Warning {anchor: pair[1]}) WHERE w.rule = pair[0] "
            "AND w.status IN ['OPEN', 'ACKNOWLEDGED'] RETURN DISTINCT w.rule AS rule, w.anchor AS anchor",
            pairs=aggregate)}
    fresh, claimed = [], set()
    for candidate in unique.values():
        pair = (candidate.rule.id, candidate.anchor)
        if candidate.id in held or (candidate.rule.suppress_while_open and (pair in open_anchors or pair in claimed)):
            continue
        claimed.add(pair)
        fresh.append(candidate)
    return fresh


def _properties(candidate: Candidate, position: int) -> dict[str, Any]:
    rule = candidate.rule
    return {"id": candidate.id, "rule": rule.id, "title": rule.title, "level": rule.level.value,
            "family": rule.family, "anchor": candidate.anchor, "facts": list(candidate.facts),
            "summary": candidate.summary, "subject_uscc": candidate.subject_uscc,
            "subject_name": candidate.subject_name, "region": candidate.region, "department": candidate.department,
            "disclosure": "INTERNAL",  # shared only among departments (seed 001 §三.1), never with PUBLIC or banks
            "evidence": json.dumps(candidate.evidence, ensure_ascii=False, sort_keys=True),
            "persons": json.dumps(list(candidate.persons), ensure_ascii=False) if candidate.persons else None,
            "number": position, "stream_seq": position}


# --- the lifecycle ---------------------------------------------------------------------------

async def change_status(gateway: Neo4jGateway, warning_id: str, *, expected: WarningStatus, to: WarningStatus,
                        changes: Mapping[str, Any], now: datetime) -> Warning | None:
    """Move a warning from ``expected`` to ``to`` with ``changes`` (who, when, the measure or reason):
    a new version (it travels up the feed again) and a new stream position. None if its status was not
    ``expected`` any more (another step won)."""

    async def work(tx: AsyncManagedTransaction) -> Warning | None:
        await (await tx.run(_LOCK_STREAM, now=now)).consume()
        row = await (await tx.run("""
            MATCH (st:WarningState {name: 'stream'})
            MATCH (w:Warning {id: $id}) WHERE w.status = $expected
            WITH st, w, st.value + 1 AS position
            SET st.value = position, w += $changes, w.status = $to, w.updated_at = $now,
                w.version = coalesce(w.version, 1) + 1, w.stream_seq = position, w:Pending
            RETURN properties(w) AS w
        """, id=warning_id, expected=expected.value, to=to.value, changes=dict(changes), now=now)).single()
        return warning_from(row["w"]) if row else None

    return await gateway.write(work)


async def get(gateway: Neo4jGateway, warning_id: str) -> Warning | None:
    rows = await gateway.query("MATCH (w:Warning {id: $id}) RETURN properties(w) AS w", {"id": warning_id})
    return warning_from(rows[0]["w"]) if rows else None


def _where(wanted: WarningFilter) -> tuple[str, dict[str, Any]]:
    """The Cypher condition on ``w`` for a filter (WarningFilter.matches is the same test in Python)."""
    clauses, params = ["true"], {}
    for name, value, clause in (
            ("department", wanted.department, "w.department = $department"),
            ("region", wanted.region_prefix, "w.region STARTS WITH $region"),
            ("rule", wanted.rule, "w.rule = $rule"),
            ("status", wanted.status and wanted.status.value, "w.status = $status"),
            ("raised_from", wanted.raised_from, "w.raised_at >= $raised_from"),
            ("raised_to", wanted.raised_to, "w.raised_at <= $raised_to"),
            ("subject", wanted.subject_uscc, "w.subject_uscc = $subject")):
        if value is not None:
            clauses.append(clause)
            params[name] = value
    return " AND ".join(clauses), params


async def page(gateway: Neo4jGateway, wanted: WarningFilter, *, before: int | None, first: int) -> list[Warning]:
    """Up to ``first`` warnings raised before position ``before`` (newest first)."""
    where, params = _where(wanted)
    rows = await gateway.query(
        "MATCH (w:Warning) WHERE w.number IS NOT NULL AND ($before IS NULL OR w.number < $before) AND " + where +
        " RETURN properties(w) AS w ORDER BY w.number DESC LIMIT $first",
        {**params, "before": before, "first": first})
    return [warning_from(row["w"]) for row in rows]


async def count(gateway: Neo4jGateway, wanted: WarningFilter) -> int:
    """How many warnings a filter matches (every page of :func:`page` together)."""
    where, params = _where(wanted)
    rows = await gateway.query("MATCH (w:Warning) WHERE w.number IS NOT NULL AND " + where + " RETURN count(w) AS n",
                               params)
    return int(rows[0]["n"])


async def stream(gateway: Neo4jGateway, *, after: int, upto: int, limit: int,
                 wanted: WarningFilter | None = None) -> list[Warning]:
    """Warnings whose latest change has a stream position in (``after``, ``upto``], in stream order."""
    where, params = _where(wanted or WarningFilter())
    rows = await gateway.query(
        "MATCH (w:Warning) WHERE w.stream_seq > $after AND w.stream_seq <= $upto AND " + where +
        " RETURN properties(w) AS w ORDER BY w.stream_seq LIMIT $limit",
        {**params, "after": after, "upto": upto, "limit": limit})
    return [warning_from(row["w"]) for row in rows]


async def stream_head(gateway: Neo4jGateway) -> int:
    rows = await gateway.query("MATCH (st:WarningState {name: 'stream'}) RETURN st.value AS v")
    return int(rows[0]["v"]) if rows else 0


async def readable_stream_head(gateway: Neo4jGateway) -> tuple[int, bool]:
    """The stream's head, and whether the position index shows the warning at it yet (else ask again soon).

    A reader can see the state node's new head a moment before the range index on ``stream_seq`` finds
    the warnings of the same transaction (seen on a loaded machine: the range read right after the head
    moved came back empty, the same read later found them). The warning at the head position always
    exists unless deleted — a later change of it would have moved the head; a deleted one is waited for only
    so long (hub.warnings.heads) — and transactions are applied in commit order, so once it is found
    through the index every earlier position is readable too.
    """
    rows = await gateway.query("""
        MATCH (st:WarningState {name: 'stream'})
        OPTIONAL MATCH (w:Warning) WHERE w.stream_seq = st.value
        RETURN st.value AS v, count(w) > 0 OR st.value = 0 AS readable
    """)
    if not rows:
        return 0, True
    return int(rows[0]["v"]), bool(rows[0]["readable"])


def warning_from(row: Mapping[str, Any]) -> Warning:
    value = {key: native(v) for key, v in row.items()}
    return Warning(
        id=value["id"], rule=value["rule"], title=value.get("title") or value["rule"], level=Level(value["level"]),
        status=WarningStatus(value["status"]), anchor=value["anchor"], summary=value.get("summary") or "",
        facts=tuple(value.get("facts") or ()), evidence=value.get("evidence") or "{}", raised_at=value["raised_at"],
        updated_at=value.get("updated_at") or value["raised_at"], number=value.get("number"),
        stream_seq=value.get("stream_seq"), family=value.get("family"), subject_uscc=value.get("subject_uscc"),
        subject_name=value.get("subject_name"), region=value.get("region"), department=value.get("department"),
        persons=value.get("persons"), acknowledged_at=value.get("acknowledged_at"),
        acknowledged_by=value.get("acknowledged_by"), handled_at=value.get("handled_at"),
        handled_by=value.get("handled_by"), measure=value.get("measure"), dismissed_at=value.get("dismissed_at"),
        dismissed_by=value.get("dismissed_by"), dismiss_reason=value.get("dismiss_reason"),
        origin_platform=value.get("origin_platform"), origin_level=value.get("origin_level"),
        version=int(value.get("version") or 1))


# --- the change feed between platforms (hub.db.feed) --------------------------------------------

# The warnings branch of the feed's page (a UNION member of hub.db.feed._PAGE): upward only (``$records``
# is true for the UP feed), all of them INTERNAL.
FEED_PAGE = """
  MATCH (w:Warning) WHERE w.seq > $after AND $records AND w.origin_level IN $levels
  WITH w ORDER BY w.seq LIMIT $first
  OPTIONAL MATCH (w)-[:CONCERNS]->(s:Subject)
  RETURN w.seq AS seq, 'WARNING' AS type, properties(w) AS node, s.uscc AS uscc, s.name AS subject_name,
         null AS department_name
"""


# A warning item from a peer (hub.exchange.items.WarningItem): its properties as sent; the stream
# position is given by this hub's engine when it reads the item from its own feed.
APPLY_RECEIVED = """
UNWIND $rows AS row
MERGE (w:Warning {id: row.id})
WITH w, row WHERE coalesce(w.version, 0) < row.version
SET w += row.props, w:Pending
WITH w, row WHERE row.subject IS NOT NULL
MATCH (s:Subject {uscc: row.subject.uscc})
MERGE (w)-[:CONCERNS]->(s)
"""


# --- related parties -------------------------------------------------------------------------

_RELATED_STEP = """
UNWIND $usccs AS code
MATCH (s:Subject {uscc: code})-[link:LEGAL_REPRESENTATIVE|FORMER_LEGAL_REPRESENTATIVE]->(p:Person)
WHERE type(link) = 'LEGAL_REPRESENTATIVE' OR link.until >= $since
CALL (p) {
  MATCH (p)<-[other:LEGAL_REPRESENTATIVE|FORMER_LEGAL_REPRESENTATIVE]-(o:Subject)
  WHERE type(other) = 'LEGAL_REPRESENTATIVE' OR other.until >= $since
  WITH o, other ORDER BY o.uscc LIMIT $fan_out
  RETURN collect([o.uscc, o.name, o.region, type(other) = 'LEGAL_REPRESENTATIVE', toString(other.until)]) AS subjects
}
CALL (p) { MATCH (p)<-[:LEGAL_REPRESENTATIVE|FORMER_LEGAL_REPRESENTATIVE]-(o:Subject) RETURN count(o) AS total }
RETURN code, type(link) = 'LEGAL_REPRESENTATIVE' AS current, toString(link.until) AS until, p.fingerprint AS fp,
       p.name AS name, p.id_masked AS masked, subjects, total
"""

_RELATED_FACTS = """
UNWIND $usccs AS code
MATCH (s:Subject {uscc: code})
CALL (s) {
  OPTIONAL MATCH (s)-[:CURRENT]->(e:Evaluation) WHERE e.valid_until IS NULL OR e.valid_until >= $today
  RETURN collect([e.scheme, e.grade, e.id]) AS grades
}
CALL (s) {
  OPTIONAL MATCH (s)<-[:ABOUT]-(r:Record) WHERE r.kind IN $lists
  RETURN collect([r.id, r.kind, toString(r.decided_on), r.status]) AS entries
}
RETURN code, grades, entries
"""


async def related_step(gateway: Neo4jGateway, usccs: Sequence[str], *, since: date,
                       fan_out: int) -> list[dict[str, Any]]:
    """One step out: each subject's persons (current, or former until ``since`` or later) and, for each,
    the subjects they link to (at most ``fan_out``, by code) and how many there are."""
    if not usccs:
        return []
    return await gateway.query(_RELATED_STEP, {"usccs": list(usccs), "since": since, "fan_out": fan_out})


async def related_facts(gateway: Neo4jGateway, usccs: Sequence[str], *, today: date,
                        lists: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not usccs:
        return {}
    rows = await gateway.query(_RELATED_FACTS, {"usccs": list(usccs), "today": today, "lists": list(lists)})
    return {row["code"]: row for row in rows}
