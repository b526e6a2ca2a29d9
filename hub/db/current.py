"""The CURRENT pointer rule for evaluations written in batches (ingest, platform sync, bulk load).

A subject has at most one ``(s)-[:CURRENT]->(e)`` per scheme, decided by who may issue it, then by
time: an evaluation issued where its scheme allows (``authority``: seed 000 §二.(一) reserves the public
credit evaluation to the province) stands over one computed below that level, whatever their dates;
among equals, the newest (by ``evaluated_at``; on a tie, the one written last). The one it replaces
keeps its place in the history, marked ``superseded_at`` (the newer one's ``evaluated_at``) and
``superseded_by`` (its id); so does an arriving evaluation that does not take the pointer (older than
the current one, or outranked by it): superseded by the current one, never shown as current.

A batch is planned in Python before anything is written, in two steps:

1. **Within the batch** (:func:`chain`): the evaluations of one subject and scheme are put in order of
   ``evaluated_at`` (ties keep their order in the batch); each but the newest is superseded by the
   next one, and only the newest is a *candidate* for the pointer. Written row by row, a batch would
   come to the same; written as one ``UNWIND`` whose rows all look for the pointer before any row
   sets it, two evaluations of one subject in one batch both became current.
2. **Against the graph** (:func:`decide`): one read per batch fetches the current evaluation of each
   candidate's subject and scheme. Where there is none — every subject of a first load — the pointer
   is simply created: no per-row subquery looks for something to supersede.

The writing statement ends with :data:`POINT`; the values cross the wire as text. The bulk loader
(``hub.db.bulk``) applies :func:`chain` to the whole archive, where nothing is current yet.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from neo4j import AsyncManagedTransaction

from hub.db.wire import text

# The current evaluation of each candidate's subject and scheme, and whether it is older than (or as
# old as) the candidate: instants compared in Cypher, so no DateTime crosses the wire either way.
# One row, only for the candidates that have one: a first load gets an empty list back.
_CURRENT = """
UNWIND $candidates AS c
MATCH (:Subject {uscc: c.subject_uscc})-[:CURRENT]->(cur:Evaluation {scheme: c.scheme})
RETURN collect([c.id, cur.id, cur.evaluated_at <= datetime(c.evaluated_at), cur.origin_level]) AS current
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
    """Which candidates take the pointer (by id), and which do not, with the current one that stays."""

    pointers: dict[str, Pointer]
    lost_to: dict[str, str]

    def row(self, evaluation_id: str) -> dict[str, Any]:
        """What a written row carries for POINT."""
        return {"point": evaluation_id in self.pointers, "lost_to": self.lost_to.get(evaluation_id)}


async def decide(tx: AsyncManagedTransaction, candidates: Sequence[Mapping[str, Any]],
                 authority: Authority | None = None) -> Decision:
    """Which candidates take the pointer — read inside the writing transaction. A candidate issued where
    its scheme allows replaces a current estimate whatever their dates, and an estimate never replaces an
    issued current one (seed 000 §二.(一)); otherwise the newer wins (as old: the later write). The
    evaluations they replace are superseded here; the caller's statement points at the new ones (POINT)."""
    if not candidates:
        return Decision({}, {})
    result = await tx.run(_CURRENT, candidates=[
        {"id": c["id"], "subject_uscc": c["subject_uscc"], "scheme": c["scheme"],
         "evaluated_at": text(c["evaluated_at"])} for c in candidates])
    found = {candidate: (held, older, level)
             for candidate, held, older, level in (await result.single(strict=True))["current"]}
    pointers: dict[str, Pointer] = {}
    lost_to: dict[str, str] = {}
    for candidate in candidates:
        held, older, held_level = found.get(candidate["id"], (None, True, None))
        if held == candidate["id"]:
            continue  # already the current one
        issued = _issued(authority, candidate, candidate.get("origin_level"))
        held_issued = _issued(authority, candidate, held_level)
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
    return Decision(pointers, lost_to)
