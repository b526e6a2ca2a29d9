"""Cypher for the evaluation engine: facts for a batch of subjects, results, history, review flags.

A batch costs two round trips whatever its size: one read of the facts (subjects, the records that
count, related parties, current evaluations) and one write transaction (new evaluations, the
superseded ones marked, review flags opened or cleared).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from hub.db.gateway import Neo4jGateway, native
from hub.db.subjects import evaluation_from_row, record_from_row
from hub.grading.types import RelatedParty
from hub.models import Evaluation, Subject, SubjectKind

# Only ACTIVE records count: repaired (信用修复) and withdrawn (upheld 异议) ones never do
# (seed 002 §三.(五).2 "不再纳入评价依据"; seed 001 §二.(二).5).
_FACTS = """
CALL (s) {
  OPTIONAL MATCH (s)<-[:ABOUT]-(r:Record)
  WHERE r.status = 'ACTIVE' AND (r.decided_on IS NULL OR r.decided_on >= $since)
  RETURN collect(r { .* }) AS records
}
CALL (s) {
  OPTIONAL MATCH (s)-[:LEGAL_REPRESENTATIVE]->(:Person)<-[:LEGAL_REPRESENTATIVE]-(o:Subject)
  WHERE o <> s
  RETURN collect(DISTINCT {
    uscc: o.uscc,
    serious: EXISTS { (o)<-[:ABOUT]-(:Record {kind: 'SERIOUS_DISHONESTY_LIST', status: 'ACTIVE'}) },
    executee: EXISTS { (o)<-[:ABOUT]-(:Record {kind: 'DISHONEST_EXECUTEE', status: 'ACTIVE'}) }
  }) AS related
}
CALL (s) {
  OPTIONAL MATCH (s)<-[:OF]-(e:Evaluation) WHERE e.superseded_at IS NULL
  RETURN collect(e { .* }) AS current
}
RETURN s { .* } AS subject, records, related, current
"""

_PAGE = (
    "MATCH (s:Subject) WHERE s.uscc > $after AND ($region IS NULL OR s.region STARTS WITH $region)"
    " WITH s ORDER BY s.uscc LIMIT $limit" + _FACTS
)
_BY_CODES = "UNWIND $usccs AS code MATCH (s:Subject {uscc: code})" + _FACTS

_WRITE = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.subject_uscc})
CALL (s, row) {
  OPTIONAL MATCH (s)<-[:OF]-(old:Evaluation {scheme: row.scheme}) WHERE old.superseded_at IS NULL
  SET old.superseded_at = row.evaluated_at, old.superseded_by = row.id
  WITH old ORDER BY old.evaluated_at DESC
  RETURN collect(old.grade)[0] AS previous
}
CREATE (e:Evaluation)
SET e = row, e.previous_grade = previous
CREATE (e)-[:OF]->(s)
"""

# A flag is keyed by subject and the two schemes; re-raising an open flag changes nothing.
_FLAGS = """
UNWIND $flags AS flag
MATCH (s:Subject {uscc: flag.subject_uscc})
MERGE (f:ReviewFlag {key: flag.key})
ON CREATE SET f.opened_at = $now, f.status = 'OPEN'
SET f += flag.props, f.status = CASE WHEN f.status = 'CLEARED' THEN 'OPEN' ELSE f.status END
MERGE (f)-[:CONCERNS]->(s)
"""

_CLEAR = """
UNWIND $subjects AS code
MATCH (f:ReviewFlag {status: 'OPEN'})-[:CONCERNS]->(:Subject {uscc: code})
WHERE NOT f.key IN $keep
SET f.status = 'CLEARED', f.cleared_at = $now
"""


@dataclass(frozen=True)
class FactsRow:
    """What the store returns for one subject; the engine turns it into SubjectFacts."""

    subject: Subject
    records: tuple[Any, ...]
    related: tuple[RelatedParty, ...]
    current: tuple[Evaluation, ...]


@dataclass(frozen=True)
class FactsPage:
    rows: tuple[FactsRow, ...]
    last: str | None


async def facts_page(gateway: Neo4jGateway, *, after: str, region: str | None, limit: int,
                     since: date) -> FactsPage:
    rows = await gateway.run(_PAGE, {"after": after, "region": region, "limit": limit, "since": since})
    parsed = tuple(_facts(row) for row in rows)
    return FactsPage(parsed, parsed[-1].subject.uscc if parsed else None)


async def facts_for(gateway: Neo4jGateway, usccs: Sequence[str], since: date) -> tuple[FactsRow, ...]:
    rows = await gateway.run(_BY_CODES, {"usccs": list(usccs), "since": since})
    return tuple(_facts(row) for row in rows)


async def write_results(gateway: Neo4jGateway, rows: Sequence[Mapping[str, Any]],
                        flags: Sequence[Mapping[str, Any]], subjects: Sequence[str],
                        now: datetime) -> None:
    """New evaluations supersede the current ones of their scheme; flags follow, in one transaction."""

    async def work(tx: AsyncManagedTransaction) -> None:
        if rows:
            await (await tx.run(_WRITE, rows=list(rows))).consume()
        if flags:
            await (await tx.run(_FLAGS, flags=list(flags), now=now)).consume()
        await (await tx.run(_CLEAR, subjects=list(subjects), keep=[f["key"] for f in flags],
                            now=now)).consume()

    await gateway.write(work)


async def raw_write(gateway: Neo4jGateway, rows: Sequence[Mapping[str, Any]]) -> None:
    """The floor for write_results: the same rows created with nothing else (benchmarks only)."""
    await gateway.run("UNWIND $rows AS row MATCH (s:Subject {uscc: row.subject_uscc}) "
                      "CREATE (e:BenchEvaluation) SET e = row CREATE (e)-[:OF]->(s)",
                      {"rows": list(rows)}, write=True)


async def open_flags(gateway: Neo4jGateway, limit: int = 500) -> list[dict[str, Any]]:
    rows = await gateway.run(
        "MATCH (f:ReviewFlag {status: 'OPEN'})-[:CONCERNS]->(s:Subject) "
        "RETURN f { .* , subject_uscc: s.uscc, subject_name: s.name } AS flag "
        "ORDER BY f.opened_at DESC, f.key LIMIT $limit", {"limit": limit})
    return [{key: native(value) for key, value in row["flag"].items()} for row in rows]


def _facts(row: Mapping[str, Any]) -> FactsRow:
    node = row["subject"]
    subject = Subject(
        uscc=node["uscc"], name=node["name"], kind=SubjectKind(node["kind"]), region=node["region"],
        industry=node.get("industry"), status=node.get("status", "存续"),
        registered_on=native(node.get("registered_on")))
    related = tuple(RelatedParty(r["uscc"], r["serious"], r["executee"])
                    for r in row["related"] if r.get("uscc"))
    return FactsRow(
        subject=subject,
        records=tuple(record_from_row(r, subject.uscc) for r in row["records"]),
        related=related,
        current=tuple(evaluation_from_row(e, subject.uscc) for e in row["current"]),
    )
