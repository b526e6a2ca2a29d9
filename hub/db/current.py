"""The CURRENT pointer rule for evaluations written in batches (ingest, platform sync, the engine, bulk load).

A subject has at most one ``(s)-[:CURRENT]->(e)`` per scheme, decided by who may issue it, then by
time: an evaluation issued where its scheme allows (``authority``: seed 000 §二.(一) reserves the public
credit evaluation to the province) stands over one computed below that level, whatever their dates,
while it is in force (once its ``valid_until`` has passed, an estimate competes with it by date); among
equals, the newest (by ``evaluated_at``; on a tie, the one written last). The one it replaces
keeps its place in the history, marked ``superseded_at`` (the newer one's ``evaluated_at``) and
``superseded_by`` (its id); so does an arriving evaluation that does not take the pointer (older than
the current one, or outranked by it): superseded by the current one, never shown as current.

A batch is planned in Python before anything is written, in two steps:

1. **Within the batch** (:func:`chain`): the evaluations of one subject and scheme are put in order of
   ``evaluated_at`` (ties keep their order in the batch); each but the newest is superseded by the
   next one, and only the newest is a *candidate* for the pointer. Written row by row, a batch would
   come to the same; written as one ``UNWIND`` whose rows all look for the pointer before any row
   sets it, two evaluations of one subject in one batch both became current.
2. **Against the graph** (:func:`decide`): one statement per batch locks the candidates' subjects
   (:data:`LOCK`) and reads the current evaluation of each candidate's subject and scheme. Where there is
   none — every subject of a first load — the pointer is simply created: no per-row subquery looks for
   something to supersede.

Every writer that moves a pointer goes through :func:`decide` — ingest (``hub.db.ingest``), platform sync
(``hub.db.feed``) and the grading engine's runs and re-grades (``hub.db.evaluations.write_results``) — so
one rule decides, and no two writers move one subject's pointers at once (see :data:`LOCK`).

The writing statement ends with :data:`POINT`; the values cross the wire as text. The bulk loader
(``hub.db.bulk``) applies :func:`chain` to the whole archive, where nothing is current yet.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from neo4j import AsyncManagedTransaction

from hub import clock
from hub.db.wire import text

# Writers are serialised per subject, not globally: every transaction that moves a CURRENT pointer first
# takes the write lock of the subjects it will touch, and only then reads their pointers and decides. Under
# Neo4j's read-committed isolation a pointer read without it could be moved by another transaction before
# this one superseded it — the supersede then matched nothing and two pointers were left — and two writers
# that both read "none" both created one. Reading takes no lock, so the lock must come before the read;
# setting or removing a property takes the node's exclusive lock and holds it until the transaction ends:
# ``SET s._lock = true REMOVE s._lock`` takes it and leaves nothing behind (tests/test_current_race.py).
# Codes go sorted, so two writers take shared subjects in one order and never wait on each other in a
# cycle; a deadlock Neo4j still detects (with locks a statement took before, e.g. a sync's records) is a
# transient error, and the managed transaction runs the whole batch again (nothing of it was committed).
LOCK = """
UNWIND $subjects AS code
MATCH (s:Subject {uscc: code})
SET s._lock = true
REMOVE s._lock
"""

# Then, in the same statement, the current evaluation of each candidate's subject and scheme: whether it
# is older than (or as old as) the candidate — instants compared in Cypher, so no DateTime crosses the wire
# either way — where it was made, whether it is in force on ``$today``, and its grade. One row, only for
# the candidates that have one: a first load gets an empty list back. ``count(*)`` ends the locking for
# every subject before the first pointer is read.
_CURRENT = LOCK + """WITH count(*) AS locked
UNWIND $candidates AS c
MATCH (:Subject {uscc: c.subject_uscc})-[:CURRENT]->(cur:Evaluation {scheme: c.scheme})
RETURN collect([c.id, cur.id, cur.evaluated_at <= datetime(c.evaluated_at), cur.origin_level,
                cur.valid_until IS NULL OR cur.valid_until >= date($today), cur.grade]) AS current
"""

# The evaluations the new ones replace stop being current (the new ones are pointed at by the
# statement that writes them: see POINT).
_SUPERSEDE = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.subject_uscc})-[c:CURRENT]->(old:Evaluation {id: row.replaces})
WITH c, old, row, datetime(row.evaluated_at) AS at
SET old.superseded_at = CASE WHEN at > old.evaluated_at THEN at ELSE old.evaluated_at END, old.superseded_by = row.id
DELETE c
"""

# The tail of a statement that has just written evaluation ``e`` of subject ``s`` from ``row``: the
# rows :func:`decide` chose carry ``point`` (stored history never takes the pointer back); the rows it
# refused carry ``lost_to``, the current evaluation that stays, which supersedes them.
POINT = """
WITH s, e, row
CALL (s, e, row) {
  WITH * WHERE row.point AND e.superseded_at IS NULL
  CREATE (s)-[:CURRENT]->(e)
}
CALL (e, row) {
  WITH * WHERE row.lost_to IS NOT NULL AND e.superseded_at IS NULL
  MATCH (w:Evaluation {id: row.lost_to})
  SET e.superseded_at = CASE WHEN w.evaluated_at > e.evaluated_at THEN w.evaluated_at ELSE e.evaluated_at END,
      e.superseded_by = w.id
}
"""

# Whether an evaluation of a scheme made at an origin level (None: here, or unknown) stands in its
# issuer's name (hub.grading.schemes.GradingScheme.issued_at); None: every evaluation does.
Authority = Callable[[str, str | None], bool]


def _issued(authority: Authority | None, row: Mapping[str, Any], level: str | None) -> bool:
    return True if authority is None else authority(row["scheme"], level)


@dataclass(frozen=True)
class Pointer:
    """A candidate that takes the pointer; ``replaces`` is the current evaluation it supersedes, if any."""

    id: str
    subject_uscc: str
    evaluated_at: str  # ISO 8601 with its offset
    replaces: str | None


def chain(rows: Sequence[Mapping[str, Any]], authority: Authority | None = None,
          ) -> tuple[dict[str, dict[str, Any]], list[Mapping[str, Any]]]:
    """Order each subject's evaluations of a scheme within ``rows``: issued ones after estimates, then by
    ``evaluated_at`` (rows may carry ``origin_level`` for ``authority``).

    Returns the properties to add to the rows that a better row of the batch supersedes (by id), and
    the candidates: the best row of each subject and scheme, in batch order.
    """
    groups: dict[tuple[str, str], list[tuple[bool, Any, int, Mapping[str, Any]]]] = {}
    for index, row in enumerate(rows):
        issued = _issued(authority, row, row.get("origin_level"))
        groups.setdefault((row["subject_uscc"], row["scheme"]), []).append(
            (issued, row["evaluated_at"], index, row))
    superseded: dict[str, dict[str, Any]] = {}
    candidates: list[tuple[int, Mapping[str, Any]]] = []
    for group in groups.values():
        if len(group) > 1:
            group.sort(key=lambda entry: (entry[0], entry[1], entry[2]))
            for (_, at_before, _, older), (_, at, _, newer) in itertools.pairwise(group):
                superseded[older["id"]] = {"superseded_at": max(at, at_before), "superseded_by": newer["id"]}
        _, _, index, newest = group[-1]
        candidates.append((index, newest))
    candidates.sort(key=lambda entry: entry[0])
    return superseded, [row for _, row in candidates]


@dataclass(frozen=True)
class Decision:
    """Which candidates take the pointer (by id), which do not (with the current one that stays), and the
    grade of the current evaluation each candidate met (the engine keeps it as ``previous_grade``)."""

    pointers: dict[str, Pointer]
    lost_to: dict[str, str]
    previous: dict[str, str | None] = field(default_factory=dict)

    def row(self, evaluation_id: str) -> dict[str, Any]:
        """What a written row carries for POINT."""
        return {"point": evaluation_id in self.pointers, "lost_to": self.lost_to.get(evaluation_id)}


async def decide(tx: AsyncManagedTransaction, candidates: Sequence[Mapping[str, Any]],
                 authority: Authority | None = None, *, today: date | None = None) -> Decision:
    """Which candidates take the pointer — decided inside the writing transaction, after it has locked
    the candidates' subjects (:data:`LOCK`), so that no other writer moves their pointers until it ends.

    A candidate issued where its scheme allows replaces a current estimate whatever their dates, and an
    estimate never replaces an issued current one in force on ``today`` (China date; seed 000 §二.(一)) —
    once its validity has run out, the two compare by date; otherwise the newer wins (as old: the later
    write). The evaluations they replace are superseded here; the caller's statement points at the new
    ones (POINT)."""
    if not candidates:
        return Decision({}, {})
    result = await tx.run(_CURRENT, subjects=sorted({c["subject_uscc"] for c in candidates}),
                          today=(today or clock.today()).isoformat(), candidates=[
        {"id": c["id"], "subject_uscc": c["subject_uscc"], "scheme": c["scheme"],
         "evaluated_at": text(c["evaluated_at"])} for c in candidates])
    found = {candidate: (held, older, level, in_force, grade)
             for candidate, held, older, level, in_force, grade in (await result.single(strict=True))["current"]}
    pointers: dict[str, Pointer] = {}
    lost_to: dict[str, str] = {}
    previous: dict[str, str | None] = {}
    for candidate in candidates:
        held, older, held_level, in_force, previous[candidate["id"]] = found.get(
            candidate["id"], (None, True, None, True, None))
        if held == candidate["id"]:
            continue  # already the current one
        issued = _issued(authority, candidate, candidate.get("origin_level"))
        # an issued evaluation stands over an estimate only while in force; against another issued one,
        # in force or not, dates decide
        held_issued = _issued(authority, candidate, held_level) and (in_force or issued)
        takes = held is None or (issued and not held_issued) or (issued == held_issued and older)
        if takes:
            pointers[candidate["id"]] = Pointer(candidate["id"], candidate["subject_uscc"],
                                                text(candidate["evaluated_at"]), held)
        else:
            lost_to[candidate["id"]] = held
    replacing = [{"id": p.id, "subject_uscc": p.subject_uscc, "evaluated_at": p.evaluated_at, "replaces": p.replaces}
                 for p in pointers.values() if p.replaces is not None]
    if replacing:
        await (await tx.run(_SUPERSEDE, rows=replacing)).consume()
    return Decision(pointers, lost_to, previous)
