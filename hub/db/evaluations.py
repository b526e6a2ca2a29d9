"""Cypher for the evaluation engine: facts for a batch of subjects, results, history, review flags.

Every evaluation hangs off its subject by ``OF`` (the history); the current one of each scheme is
also pointed at by ``(subject)-[:CURRENT]->``, so that reading and replacing current grades never
walks the history, however many runs there have been.

A batch costs two round trips whatever its size: one read of the facts (subjects, the records that
count, related parties, current evaluations) and one write transaction (new evaluations, the
superseded ones marked, review flags opened or cleared).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from hub import clock
from hub.db import current
from hub.db.gateway import Neo4jGateway, native
from hub.db.subjects import DISCLOSURES, RECORD_KINDS, SEVERITIES, SUBJECT_KINDS, stored
from hub.grading.types import HighAttentionDecision, RelatedParty
from hub.models import CreditRecord, RecordStatus, Subject

# Only ACTIVE records count: repaired (信用修复) and withdrawn (upheld 异议) ones never do
# (seed 002 §三.(五).2 "不再纳入评价依据"; seed 001 §二.(二).5).
_FACTS = """
CALL (s) {
  OPTIONAL MATCH (s)<-[:ABOUT]-(r:Record)
  WHERE r.status = 'ACTIVE' AND (r.decided_on IS NULL OR r.decided_on >= $since)
  RETURN collect([r.id, r.kind, r.title, toString(r.decided_on), r.severity, toString(r.publicity_ends_on),
                  r.disclosure, r.content, r.kept, r.issuing_department]) AS records
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
  OPTIONAL MATCH (s)-[:CURRENT]->(e:Evaluation) WHERE e.valid_until IS NULL OR e.valid_until >= $today
  RETURN collect([e.scheme, e.grade, e.score, e.evaluator, e.origin_level]) AS current
}
RETURN [s.uscc, s.name, s.kind, s.region, s.industry, s.status, toString(s.registered_on)] AS subject,
       records, related, current, s.high_attention AS high_attention
"""

# Every subject, in code order: each page seeks the code index after the last one.
_PAGE = "MATCH (s:Subject) WHERE s.uscc > $after WITH s ORDER BY s.uscc LIMIT $limit" + _FACTS

# A region prefix (a city's, a province's) is walked county by county, each county in code order on the
# (region, uscc) index (hub.db.migrations): a page seeks its county's entries after its last code. One
# statement for the prefix ("s.region STARTS WITH $prefix AND s.uscc > $after") cannot be seeked that way:
# every page read and sorted every subject of the prefix again — 87,026 index entries a page for the
# bench's province, a run growing with the square of the province (tests/test_batch_plans.py).
_NEXT_REGION = """
MATCH (s:Subject) WHERE s.region > $last AND s.region < $upto
RETURN s.region AS region ORDER BY region LIMIT 1
"""
# Ordered by both properties, as the index is: told "ORDER BY s.uscc" alone, the planner sorted the county.
_PAGE_OF_REGION = (
    "MATCH (s:Subject) WHERE s.region = $region AND s.uscc > $after"
    " WITH s ORDER BY s.region, s.uscc LIMIT $limit" + _FACTS
)
_BY_CODES = "UNWIND $usccs AS code MATCH (s:Subject {uscc: code})" + _FACTS

# New evaluations take the CURRENT pointer as every other writer's do (hub.db.current: its lock, its read,
# its rule): an estimate (computed below the level its scheme is reserved to: ``authority`` says it is not
# issued) does not take it from a current evaluation in force issued where the scheme allows
# (seed 000 §二.(一): the public credit evaluation is the province's); it is kept in the history, superseded
# by the standing one from the start (``outranked``). An origin level not recorded is this platform's. Two
# rows of one subject and scheme (never from one run) are chained as an ingest's are: the later row wins.
_WRITE = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.subject_uscc})
CREATE (e:Evaluation)
SET e = row.props, e.evaluated_at = $now, e.valid_until = date(row.props.valid_until), e.version = 1, e:Pending,
    e.superseded_at = CASE WHEN row.props.superseded_by IS NOT NULL THEN $now END
CREATE (e)-[:OF]->(s)
""" + current.POINT


# A flag is keyed by subject and the two schemes; re-raising an open flag changes nothing. A reviewed flag
# (seed 001 §二.(四).2 复核并说明理由) stays reviewed while the grades are those reviewed; new grades reopen it.
_FLAGS = """
UNWIND $flags AS flag
MATCH (s:Subject {uscc: flag.subject_uscc})
MERGE (f:ReviewFlag {key: flag.key})
ON CREATE SET f.opened_at = $now, f.status = 'OPEN'
SET f += flag.props,
    f.status = CASE WHEN f.status = 'CLEARED' OR (f.status = 'REVIEWED' AND f.reviewed_grades <> flag.props.grades)
                    THEN 'OPEN' ELSE f.status END
MERGE (f)-[:CONCERNS]->(s)
"""

# From each subject to its own flags, whatever the planner's statistics say: given the chance, it seeks the
# flags' status index and joins each flag to the subject (Expand(Into)) — every open flag read once per
# subject of the batch (28.8–33.1 s for a batch of 2,000 subjects with 5,000 open flags, against 54–65 ms).
# Neither a pattern with the status predicate nor an index hint on the subject keeps it from that
# (tests/test_batch_plans.py); the flags are collected from the subject first and judged after, where no
# index applies.
_CLEAR = """
UNWIND $subjects AS code
MATCH (s:Subject {uscc: code})
UNWIND [(s)<-[:CONCERNS]-(flag:ReviewFlag) | flag] AS f
WITH f WHERE f.status IN ['OPEN', 'REVIEWED'] AND NOT f.key IN $keep
SET f.status = 'CLEARED', f.cleared_at = $now
"""


# Graded: a mark left by a file import (hub.db.imports) goes with the evaluations it asked for.
_GRADED = "UNWIND $subjects AS code MATCH (s:Subject:RegradeDue {uscc: code}) REMOVE s:RegradeDue"


@dataclass(frozen=True)
class CurrentGrade:
    """A subject's current evaluation under one scheme, as much as a run needs of it."""

    scheme: str
    grade: str
    score: float | None
    evaluator: str | None
    origin_level: str | None = None  # where it was computed (None: here, not yet sequenced, or unknown)


@dataclass(frozen=True)
class FactsRow:
    """What the store returns for one subject; the engine turns it into SubjectFacts."""

    subject: Subject
    records: tuple[CreditRecord, ...]
    related: tuple[RelatedParty, ...]
    current: tuple[CurrentGrade, ...]
    high_attention: HighAttentionDecision | None = None


@dataclass(frozen=True)
class FactsPage:
    rows: tuple[FactsRow, ...]
    last: str | None


async def facts_pages(gateway: Neo4jGateway, *, region: str | None, limit: int, since: date,
                      today: date) -> AsyncIterator[FactsPage]:
    """The facts of every subject (of a region code prefix), ``limit`` subjects a page at most: in code
    order, or county by county in code order (a page holds one county's subjects)."""
    counties: list[str | None] = [None]
    if region is not None:  # the codes under a prefix of digits are those from it up to the next prefix
        upto = region[:-1] + chr(ord(region[-1]) + 1)
        last = region[:-1] + chr(ord(region[-1]) - 1) + "~"  # just below the prefix: "~" sorts after digits
        counties = []
        while rows := await gateway.query(_NEXT_REGION, {"last": last, "upto": upto}):
            last = rows[0]["region"]
            counties.append(last)
    for county in counties:
        after = ""
        while True:
            page = await facts_page(gateway, after=after, region=county, limit=limit, since=since, today=today)
            if page.last is None:
                break
            yield page
            after = page.last


async def facts_page(gateway: Neo4jGateway, *, after: str, region: str | None, limit: int,
                     since: date, today: date) -> FactsPage:
    """The page after code ``after``: of every subject, or of one county (``region``, a whole code)."""
    rows = await gateway.query(_PAGE if region is None else _PAGE_OF_REGION,
                               {"after": after, "region": region, "limit": limit, "since": since, "today": today})
    parsed = tuple(_facts(row) for row in rows)
    return FactsPage(parsed, parsed[-1].subject.uscc if parsed else None)


async def facts_for(gateway: Neo4jGateway, usccs: Sequence[str], since: date,
                    today: date) -> tuple[FactsRow, ...]:
    rows = await gateway.query(_BY_CODES, {"usccs": list(usccs), "since": since, "today": today})
    return tuple(_facts(row) for row in rows)


async def write_results(gateway: Neo4jGateway, rows: Sequence[Mapping[str, Any]],
                        flags: Sequence[Mapping[str, Any]], subjects: Sequence[str],
                        now: datetime, *, authority: current.Authority | None = None) -> None:
    """New evaluations supersede the current ones of their scheme (an estimate never supersedes the issuer's:
    see _WRITE; ``authority`` says whether a scheme's evaluation made at an origin level stands in its issuer's
    name — None: every one does); flags follow, and the subjects' marks for a re-grade go — in one transaction."""

    at = now.isoformat()
    superseded, candidates = current.chain(
        [{"id": row["id"], "subject_uscc": row["subject_uscc"], "scheme": row["scheme"], "evaluated_at": at,
          "origin_level": row.get("origin_level")} for row in rows], authority)

    async def work(tx: AsyncManagedTransaction) -> None:
        if rows:  # the run's time is one parameter: packing a datetime per row costs more than the row
            decision = await current.decide(tx, candidates, authority, today=clock.date_of(now))
            written = [{"subject_uscc": row["subject_uscc"], **decision.row(row["id"]), "props": {
                **row, "previous_grade": decision.previous.get(row["id"]),
                "outranked": True if row.get("authoritative") is False and row["id"] in decision.lost_to else None,
                "superseded_by": superseded.get(row["id"], {}).get("superseded_by")}} for row in rows]
            await (await tx.run(_WRITE, rows=written, now=now)).consume()
        if flags:
            await (await tx.run(_FLAGS, flags=list(flags), now=now)).consume()
        await (await tx.run(_CLEAR, subjects=list(subjects), keep=[f["key"] for f in flags],
                            now=now)).consume()
        await (await tx.run(_GRADED, subjects=list(subjects))).consume()

    await gateway.write(work)


async def raw_write(gateway: Neo4jGateway, rows: Sequence[Mapping[str, Any]], now: datetime) -> None:
    """The floor for write_results: the same rows created with nothing else (benchmarks only)."""
    await gateway.run("UNWIND $rows AS row MATCH (s:Subject {uscc: row.subject_uscc}) "
                      "CREATE (e:BenchEvaluation) SET e = row, e.evaluated_at = $now, "
                      "e.valid_until = date(row.valid_until) CREATE (e)-[:OF]->(s)",
                      {"rows": list(rows), "now": now}, write=True)


async def open_flags(gateway: Neo4jGateway, limit: int = 500) -> list[dict[str, Any]]:
    """Flags still standing — open, or reviewed while the grades are those reviewed — each with its reviews."""
    rows = await gateway.run(
        "MATCH (f:ReviewFlag)-[:CONCERNS]->(s:Subject) WHERE f.status IN ['OPEN', 'REVIEWED'] "
        "CALL (f) { OPTIONAL MATCH (r:DiscrepancyReview)-[:REVIEWS]->(f) WITH r ORDER BY r.reviewed_at "
        "RETURN collect(r { .* }) AS reviews } "
        "RETURN f { .* , subject_uscc: s.uscc, subject_name: s.name, reviews: reviews } AS flag "
        "ORDER BY f.opened_at DESC, f.key LIMIT $limit", {"limit": limit})
    return [{key: native(value) if key != "reviews" else [{k: native(v) for k, v in r.items()} for r in value]
             for key, value in row["flag"].items()} for row in rows]


async def flag(gateway: Neo4jGateway, key: str) -> dict[str, Any] | None:
    rows = await gateway.run("MATCH (f:ReviewFlag {key: $key})-[:CONCERNS]->(s:Subject) "
                             "RETURN f { .*, subject_uscc: s.uscc, subject_name: s.name } AS flag", {"key": key})
    return {k: native(v) for k, v in rows[0]["flag"].items()} if rows else None


async def record_review(gateway: Neo4jGateway, key: str, review: Mapping[str, Any]) -> None:
    """Keep a department's review of a flag (seed 001 §二.(四).2 复核并说明理由); the flag becomes REVIEWED for
    the grades it had."""
    await gateway.run("MATCH (f:ReviewFlag {key: $key}) CREATE (r:DiscrepancyReview) SET r = $review "
                      "CREATE (r)-[:REVIEWS]->(f) SET f.status = 'REVIEWED', f.reviewed_grades = f.grades",
                      {"key": key, "review": dict(review)}, write=True)



def _facts(row: Mapping[str, Any]) -> FactsRow:
    """Rows come as lists with dates as ISO strings: hydrating driver temporals and maps for
    hundreds of thousands of records costs more than grading them."""
    uscc, name, kind, region, industry, status, registered = row["subject"]
    subject = Subject(uscc=uscc, name=name, kind=SUBJECT_KINDS[kind], region=region, industry=industry,
                      status=status or "存续", registered_on=_day(registered))
    # A list made, then frozen: a generator resumed per record costs more. Dates are parsed inline, not
    # through _day: one Python call fewer per date, tens of thousands a page.
    day = date.fromisoformat
    records = tuple([
        stored(CreditRecord, id=r[0], subject_uscc=uscc, kind=RECORD_KINDS[r[1]], title=r[2],
               decided_on=day(r[3]) if r[3] else None, issuing_department=r[9], source_platform=None,
               disclosure=DISCLOSURES[r[6]], status=RecordStatus.ACTIVE,  # the only ones read (_FACTS)
               severity=SEVERITIES[r[4]] if r[4] else None, publicity_ends_on=day(r[5]) if r[5] else None,
               document_number=None, content=r[7], amount_wan_yuan=None, kept=r[8], under_objection=False)
        for r in row["records"] if r[0] is not None])
    related = tuple([RelatedParty(r["uscc"], r["serious"], r["executee"]) for r in row["related"] if r.get("uscc")])
    current = tuple([CurrentGrade(*c) for c in row["current"] if c[0] is not None])
    decided = row.get("high_attention")  # [class, reason, department, date]: the department's latest decision
    high_attention = (HighAttentionDecision(decided[0], decided[1], decided[2], date.fromisoformat(decided[3]))
                      if decided else None)
    return FactsRow(subject, records, related, current, high_attention)


# seed 004 第十条(三): a department's case-by-case C-or-D decision for a subject of a high-attention industry.
# Every decision is kept (history); the subject holds the latest, which the facts read.
_HIGH_ATTENTION = """
MATCH (s:Subject {uscc: $d.subject_uscc})
CREATE (d:HighAttentionDecision) SET d = $d, d.decided_at = $now
CREATE (d)-[:CONCERNS]->(s)
SET s.high_attention = [$d.risk_class, $d.reason, $d.department, toString(date($today))]
"""


async def record_high_attention(gateway: Neo4jGateway, decision: Mapping[str, Any], now: datetime) -> None:
    await gateway.run(_HIGH_ATTENTION, {"d": dict(decision), "now": now, "today": clock.date_of(now).isoformat()},
                      write=True)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


async def subject_industry(gateway: Neo4jGateway, uscc: str) -> tuple[bool, str | None]:
    """Whether the subject exists, and its industry."""
    rows = await gateway.run("MATCH (s:Subject {uscc: $u}) RETURN s.industry AS industry", {"u": uscc})
    return (True, rows[0]["industry"]) if rows else (False, None)


async def current_grade(gateway: Neo4jGateway, uscc: str, scheme: str) -> str | None:
    """The grade of the subject's current evaluation under ``scheme``, if any."""
    rows = await gateway.run("MATCH (:Subject {uscc: $u})-[:CURRENT]->(e:Evaluation {scheme: $s}) "
                             "RETURN e.grade AS grade", {"u": uscc, "s": scheme})
    return rows[0]["grade"] if rows else None
