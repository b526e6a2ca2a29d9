"""Cypher for what the warning engine reads: the changed facts, and the graph around them.

The engine follows the change feed (hub.db.feed): every record and evaluation a write path changes is
labelled ``:Pending`` in the writing transaction and numbered by the sequencer, so "what changed since
position N" is one index range read, whichever path wrote it (API mutations, file imports, platform
sync, re-grading). Representatives are not on the feed: the subject upsert labels a subject
``:RepresentativeChanged`` when it takes a new legal representative (hub.db.ingest).

Each read is one round trip for a whole window, whatever its size (UNWIND over the subjects or persons
it concerns), and bounded: a person's subjects are read up to ``fan_out`` (by code) with their count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hub import clock
from hub.db.gateway import Neo4jGateway, native
from hub.exchange.vocabulary import ItemType
from hub.models import RecordKind, Severity
from hub.warnings.model import (
    GradeChange,
    Holding,
    ListEntry,
    OverdueDecision,
    Penalty,
    PersonRef,
    Portfolio,
    RecordFact,
    Representation,
    SubjectRef,
)

# The feed items of one window (after, upto]: this hub's records of the kinds the rules read, its
# evaluations (with the grade each replaced), and warnings received from other platforms.
_WINDOW = """
CALL () {
  MATCH (r:Record) WHERE r.seq > $after AND r.seq <= $upto AND r.origin_platform = $me AND r.kind IN $kinds
  MATCH (r)-[:ABOUT]->(s:Subject)
  RETURN 'RECORD' AS type, [r.id, r.kind, r.status, toString(r.decided_on), r.issuing_department, r.severity,
                            r.amount_wan_yuan, r.kept] AS item, [s.uscc, s.name, s.region] AS subject
  UNION ALL
  MATCH (e:Evaluation) WHERE $evaluations AND e.seq > $after AND e.seq <= $upto AND e.origin_platform = $me
    AND e.outranked IS NULL  // an estimate kept under the issuer's current evaluation changes no grade (hub.db.current)
  MATCH (e)-[:OF]->(s:Subject)
  CALL (e, s) {
    OPTIONAL MATCH (s)<-[:OF]-(old:Evaluation {scheme: e.scheme})
    WHERE e.previous_grade IS NULL AND old.superseded_by = e.id
    WITH e, head(collect(old.grade)) AS replaced
    RETURN coalesce(e.previous_grade, replaced) AS previous
  }
  RETURN 'EVALUATION' AS type, [e.id, e.scheme, e.grade, previous, e.evaluator, toString(e.evaluated_at)] AS item,
         [s.uscc, s.name, s.region] AS subject
  UNION ALL
  MATCH (w:Warning) WHERE w.seq > $after AND w.seq <= $upto AND w.origin_platform <> $me
  RETURN 'WARNING' AS type, [w.id] AS item, null AS subject
}
RETURN type, item, subject
"""


@dataclass(frozen=True)
class Window:
    """The feed positions (after, upto] and what changed in them."""

    after: int
    upto: int
    records: tuple[RecordFact, ...] = ()
    grades: tuple[GradeChange, ...] = ()
    received: tuple[str, ...] = ()  # ids of warnings that came from other platforms

    @property
    def empty(self) -> bool:
        return self.upto <= self.after


@dataclass(frozen=True)
class Waiting:
    """What one poll found: items waiting for the sequencer, the feed head, the engine's cursor,
    representative changes, and 双公示 tallies imported since the last look."""

    pending: int
    head: int
    cursor: int
    markers: int
    tallies: int

    @property
    def backlog(self) -> int:
        """What the engine has still to follow: items to number, feed positions past its cursor, representative
        changes (0: it is at the head with nothing waiting)."""
        return self.pending + max(0, self.head - self.cursor) + self.markers


_POLL = """
CALL () { MATCH (n:Pending) RETURN count(n) AS pending }
CALL () { OPTIONAL MATCH (c:FeedCounter {name: 'changes'}) RETURN coalesce(c.value, 0) AS head }
CALL () { OPTIONAL MATCH (st:WarningState {name: 'engine'}) RETURN coalesce(st.cursor, 0) AS cursor }
CALL () { MATCH (s:RepresentativeChanged) RETURN count(s) AS markers }
CALL () { MATCH (t:ReportingTally) WHERE t.imported_at > $since RETURN count(t) AS tallies }
RETURN pending, head, cursor, markers, tallies
"""


async def poll(gateway: Neo4jGateway, tallies_since: datetime) -> Waiting:
    """One round trip, served from Neo4j's count store and indexes: is anything waiting?"""
    [row] = await gateway.query(_POLL, {"since": tallies_since})
    return Waiting(int(row["pending"]), int(row["head"]), int(row["cursor"]), int(row["markers"]), int(row["tallies"]))


async def pending_count(gateway: Neo4jGateway) -> int:
    """Items waiting for the sequencer (served from Neo4j's count store: no scan)."""
    rows = await gateway.query("MATCH (n:Pending) RETURN count(n) AS n")
    return int(rows[0]["n"])


async def feed_head(gateway: Neo4jGateway) -> int:
    rows = await gateway.query("MATCH (c:FeedCounter {name: 'changes'}) RETURN c.value AS head")
    return int(rows[0]["head"]) if rows else 0


# The item at the head position exists unless it was deleted (a later change of it would have moved the
# head on; a deleted one is waited for only so long: hub.warnings.heads), and transactions are applied in
# commit order: once the `seq` range indexes find it, every position up to the head is readable through
# them. A reader can see the counter's new value a moment before that (hub.db.warnings.readable_stream_head
# tells where this was seen).
_READABLE_HEAD = """
MATCH (c:FeedCounter {name: 'changes'})
CALL (c) {
  MATCH (r:Record) WHERE r.seq = c.value RETURN count(r) AS found
  UNION ALL
  MATCH (e:Evaluation) WHERE e.seq = c.value RETURN count(e) AS found
  UNION ALL
  MATCH (w:Warning) WHERE w.seq = c.value RETURN count(w) AS found
}
RETURN c.value AS head, sum(found) > 0 OR c.value = 0 AS readable
"""


async def readable_feed_head(gateway: Neo4jGateway) -> tuple[int, bool]:
    """The feed's head, and whether the item at it can be read through the index yet."""
    rows = await gateway.query(_READABLE_HEAD)
    if not rows:
        return 0, True
    return int(rows[0]["head"]), bool(rows[0]["readable"])


async def window(gateway: Neo4jGateway, *, after: int, upto: int, me: str, kinds: Sequence[RecordKind],
                 evaluations: bool) -> Window:
    rows = await gateway.query(_WINDOW, {"after": after, "upto": upto, "me": me, "kinds": [k.value for k in kinds],
                                         "evaluations": evaluations})
    records, grades, received = [], [], []
    for row in rows:
        item = row["item"]
        if row["type"] == ItemType.WARNING:
            received.append(item[0])
            continue
        subject = SubjectRef(*row["subject"])
        if row["type"] == ItemType.RECORD:
            records.append(RecordFact(id=item[0], subject=subject, kind=RecordKind(item[1]), status=item[2],
                                      decided_on=_day(item[3]), department=item[4],
                                      severity=Severity(item[5]) if item[5] else None, amount_wan_yuan=item[6],
                                      kept=item[7]))
        else:
            grades.append(GradeChange(id=item[0], subject=subject, scheme=item[1], grade=item[2],
                                      previous_grade=item[3], evaluator=item[4],
                                      evaluated_on=clock.date_of(datetime.fromisoformat(item[5]))))
    return Window(after, upto, tuple(records), tuple(grades), tuple(received))


async def representative_changes(gateway: Neo4jGateway, limit: int) -> dict[str, str | None]:
    """Subjects that took a new legal representative (subject → the person's fingerprint)."""
    rows = await gateway.query("""
        MATCH (s:Subject:RepresentativeChanged) WITH s LIMIT $limit
        OPTIONAL MATCH (s)-[:LEGAL_REPRESENTATIVE]->(p:Person)
        RETURN s.uscc AS uscc, head(collect(p.fingerprint)) AS person
    """, {"limit": limit})
    return {row["uscc"]: row["person"] for row in rows}


async def penalties(gateway: Neo4jGateway, usccs: Sequence[str], since: date) -> dict[str, tuple[Penalty, ...]]:
    """Each subject's ACTIVE penalties decided on ``since`` or later."""
    if not usccs:
        return {}
    rows = await gateway.query("""
        UNWIND $usccs AS code
        MATCH (:Subject {uscc: code})<-[:ABOUT]-(r:Record)
        WHERE r.kind = 'ADMINISTRATIVE_PENALTY' AND r.status = 'ACTIVE' AND r.decided_on >= $since
        RETURN code, collect([r.id, r.issuing_department, toString(r.decided_on), r.amount_wan_yuan]) AS penalties
    """, {"usccs": list(usccs), "since": since})
    return {row["code"]: tuple(Penalty(p[0], row["code"], p[1], date.fromisoformat(p[2]), p[3])
                               for p in row["penalties"]) for row in rows}


async def representatives(gateway: Neo4jGateway, usccs: Sequence[str],
                          former_since: date) -> dict[str, tuple[Representation, ...]]:
    """Each subject's legal representative, and those it had until ``former_since`` or later."""
    if not usccs:
        return {}
    rows = await gateway.query("""
        UNWIND $usccs AS code
        MATCH (s:Subject {uscc: code})
        CALL (s) {
          MATCH (s)-[:LEGAL_REPRESENTATIVE]->(p:Person) RETURN p, true AS current, null AS until
          UNION ALL
          MATCH (s)-[f:FORMER_LEGAL_REPRESENTATIVE]->(p:Person) WHERE f.until >= $since
          RETURN p, false AS current, f.until AS until
        }
        RETURN code, p.fingerprint AS fingerprint, p.name AS name, p.id_masked AS masked, current, until
    """, {"usccs": list(usccs), "since": former_since})
    found: dict[str, list[Representation]] = defaultdict(list)
    for row in rows:
        found[row["code"]].append(Representation(PersonRef(row["fingerprint"], row["name"], row["masked"]),
                                                 row["current"], native(row["until"])))
    return {code: tuple(links) for code, links in found.items()}


async def clear_representative_changes(gateway: Neo4jGateway) -> None:
    await gateway.autocommit("MATCH (s:RepresentativeChanged) CALL (s) { REMOVE s:RepresentativeChanged } "
                             "IN TRANSACTIONS OF 10000 ROWS")


# A person's current subjects, up to $fan_out by code, each with its current grades and its ACTIVE
# penalties and list entries decided since $since; and how many subjects the person represents in all.
# Most people head one business: the count (the relationship degree, no walk) drops those below the
# minimum a rule needs before anything else is read.
_PORTFOLIOS = """
UNWIND $wanted AS wanted
MATCH (p:Person {fingerprint: wanted[0]})
WITH p, wanted[0] AS fp, COUNT { (p)<-[:LEGAL_REPRESENTATIVE]-() } AS total
WHERE total >= wanted[1]
CALL (p) {
  MATCH (p)<-[:LEGAL_REPRESENTATIVE]-(s:Subject)
  WITH s ORDER BY s.uscc LIMIT $fan_out
  CALL (s) {
    OPTIONAL MATCH (s)-[:CURRENT]->(e:Evaluation) WHERE e.valid_until IS NULL OR e.valid_until >= $today
    RETURN collect([e.scheme, e.grade, e.id]) AS grades
  }
  CALL (s) {
    OPTIONAL MATCH (s)<-[:ABOUT]-(r:Record)
    WHERE r.status = 'ACTIVE' AND r.kind IN $kinds AND r.decided_on >= $since
    RETURN collect([r.id, r.kind, toString(r.decided_on), r.issuing_department, r.amount_wan_yuan]) AS records
  }
  RETURN collect([s.uscc, s.name, s.region, grades, records]) AS holdings
}
RETURN fp, p.name AS name, p.id_masked AS masked, total, holdings
"""

_LIST_KINDS = [RecordKind.SERIOUS_DISHONESTY_LIST.value, RecordKind.DISHONEST_EXECUTEE.value,
               RecordKind.ABNORMAL_OPERATION.value]


async def portfolios(gateway: Neo4jGateway, minimums: Mapping[str, int], *, since: date, today: date,
                     fan_out: int) -> dict[str, Portfolio]:
    """The portfolios of the persons (fingerprint → the fewest subjects that matter) with at least that many."""
    if not minimums:
        return {}
    rows = await gateway.query(_PORTFOLIOS, {
        "wanted": [[fp, minimums[fp]] for fp in sorted(minimums)], "since": since, "today": today, "fan_out": fan_out,
        "kinds": [RecordKind.ADMINISTRATIVE_PENALTY.value, *_LIST_KINDS]})
    found = {}
    for row in rows:
        holdings = []
        for uscc, name, region, grades, records in row["holdings"]:
            penalties_, entries = [], []
            for record_id, kind, decided, department, amount in records:
                if record_id is None:  # OPTIONAL MATCH found none
                    continue
                if kind == RecordKind.ADMINISTRATIVE_PENALTY.value:
                    penalties_.append(Penalty(record_id, uscc, department, date.fromisoformat(decided), amount))
                else:
                    entries.append(ListEntry(record_id, RecordKind(kind), _day(decided)))
            holdings.append(Holding(SubjectRef(uscc, name, region),
                                    tuple((g[0], g[1], g[2]) for g in grades if g[0] is not None),
                                    tuple(penalties_), tuple(entries)))
        found[row["fp"]] = Portfolio(PersonRef(row["fp"], row["name"], row["masked"]), tuple(holdings),
                                     int(row["total"]))
    return found


async def persons_of(gateway: Neo4jGateway, usccs: Sequence[str]) -> dict[str, str]:
    """Each subject's current legal representative (subject → fingerprint)."""
    if not usccs:
        return {}
    rows = await gateway.query("""
        UNWIND $usccs AS code
        MATCH (:Subject {uscc: code})-[:LEGAL_REPRESENTATIVE]->(p:Person)
        RETURN code, p.fingerprint AS fingerprint
    """, {"usccs": sorted(set(usccs))})
    return {row["code"]: row["fingerprint"] for row in rows}


async def regulators(gateway: Neo4jGateway, usccs: Sequence[str]) -> dict[str, str | None]:
    """Each subject's regulator: the department that issued its most recent record."""
    if not usccs:
        return {}
    rows = await gateway.query("""
        UNWIND $usccs AS code
        MATCH (s:Subject {uscc: code})
        CALL (s) {
          OPTIONAL MATCH (s)<-[:ABOUT]-(r:Record) WHERE r.issuing_department IS NOT NULL
          WITH r ORDER BY r.decided_on DESC, r.id DESC LIMIT 1
          RETURN r.issuing_department AS department
        }
        RETURN code, department
    """, {"usccs": sorted(set(usccs))})
    return {row["code"]: row["department"] for row in rows}


async def department_codes(gateway: Neo4jGateway) -> frozenset[str]:
    rows = await gateway.query("MATCH (d:Department) RETURN d.code AS code")
    return frozenset(row["code"] for row in rows)


async def department_regions(gateway: Neo4jGateway, codes: Sequence[str]) -> dict[str, str | None]:
    rows = await gateway.query("UNWIND $codes AS code MATCH (d:Department {code: code}) "
                               "RETURN code, d.region AS region", {"codes": list(codes)})
    return {row["code"]: row["region"] for row in rows}


# --- supervision signals -----------------------------------------------------------------------

async def overdue_objections(gateway: Neo4jGateway, today: date) -> list[OverdueDecision]:
    """Pending objections whose due date is before today (China date)."""
    rows = await gateway.query("""
        MATCH (o:Objection {status: 'PENDING'}) WHERE o.due_on < $today
        OPTIONAL MATCH (o)-[:BY_SUBJECT]->(s:Subject)
        RETURN o.id AS id, o.target_id AS target, o.department AS department, o.due_on AS due,
               [s.uscc, s.name, s.region] AS subject
    """, {"today": today})
    return [OverdueDecision(row["id"], "OBJECTION", _subject(row["subject"]), row["target"],
                            None if row["department"] in (None, "unassigned") else row["department"],
                            native(row["due"])) for row in rows]


async def next_objection_due(gateway: Neo4jGateway, today: date) -> date | None:
    """The earliest due date of a pending objection not yet overdue."""
    rows = await gateway.query("MATCH (o:Objection {status: 'PENDING'}) WHERE o.due_on >= $today "
                               "RETURN min(o.due_on) AS due", {"today": today})
    return native(rows[0]["due"]) if rows else None


@dataclass(frozen=True)
class PendingRepair:
    id: str
    filed_at: datetime
    record_id: str
    department: str | None
    subject: SubjectRef | None


async def pending_repairs(gateway: Neo4jGateway) -> list[PendingRepair]:
    rows = await gateway.query("""
        MATCH (a:RepairApplication {status: 'PENDING'})
        OPTIONAL MATCH (a)-[:REPAIRS]->(r:Record)-[:ABOUT]->(s:Subject)
        RETURN a.id AS id, a.filed_at AS filed, a.record_id AS record, r.issuing_department AS department,
               [s.uscc, s.name, s.region] AS subject
    """)
    return [PendingRepair(row["id"], native(row["filed"]), row["record"], row["department"], _subject(row["subject"]))
            for row in rows]


# A tally counted here has this platform as origin once sequenced (none before); one a child sent up keeps
# the child's: its warning is the child's to raise, and arrives with the feed (hub.db.reporting).
_OURS = "(t.origin_platform IS NULL OR t.origin_platform = $me)"


async def reported_departments(gateway: Neo4jGateway, since: datetime, me: str) -> list[str]:
    """Departments with 双公示 tallies imported here after ``since``."""
    rows = await gateway.query(f"MATCH (t:ReportingTally) WHERE t.imported_at > $since AND {_OURS} "
                               "RETURN DISTINCT t.department AS department", {"since": since, "me": me})
    return sorted(row["department"] for row in rows)


async def late_imports(gateway: Neo4jGateway, departments: Sequence[str], me: str) -> dict[str, tuple[str, ...]]:
    """Per department, the imports here that had late rows."""
    rows = await gateway.query(f"""
        UNWIND $departments AS department
        MATCH (t:ReportingTally {{department: department}}) WHERE t.late > 0 AND {_OURS}
        RETURN department, collect(t.import_id) AS imports
    """, {"departments": list(departments), "me": me})
    return {row["department"]: tuple(sorted(row["imports"])) for row in rows}


def _subject(values: Sequence[Any] | None) -> SubjectRef | None:
    if not values or values[0] is None:
        return None
    return SubjectRef(values[0], values[1], values[2])


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None

