"""The CURRENT pointer rule for evaluations written in batches (ingest, platform sync, bulk load).

A subject has at most one ``(s)-[:CURRENT]->(e)`` per scheme: the newest evaluation (by
``evaluated_at``; on a tie, the one written last). The one it replaces keeps its place in the
history, marked ``superseded_at`` (the newer one's ``evaluated_at``) and ``superseded_by`` (its id).

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
from collections.abc import Mapping, Sequence
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
RETURN collect([c.id, cur.id, cur.evaluated_at <= datetime(c.evaluated_at)]) AS current
"""

# The evaluations the new ones replace stop being current (the new ones are pointed at by the
# statement that writes them: see POINT).
_SUPERSEDE = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.subject_uscc})-[c:CURRENT]->(old:Evaluation {id: row.replaces})
SET old.superseded_at = datetime(row.evaluated_at), old.superseded_by = row.id
DELETE c
"""

# The tail of a statement that has just written evaluation ``e`` of subject ``s`` from ``row``: the
# rows :func:`decide` chose carry ``point`` (stored history never takes the pointer back).
POINT = """
WITH s, e, row WHERE row.point AND e.superseded_at IS NULL
CREATE (s)-[:CURRENT]->(e)
"""


@dataclass(frozen=True)
class Pointer:
    """A candidate that takes the pointer; ``replaces`` is the current evaluation it supersedes, if any."""

    id: str
    subject_uscc: str
    evaluated_at: str  # ISO 8601 with its offset
    replaces: str | None


def chain(rows: Sequence[Mapping[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[Mapping[str, Any]]]:
    """Order each subject's evaluations of a scheme within ``rows``.

    Returns the properties to add to the rows that a newer row of the batch supersedes (by id), and
    the candidates: the newest row of each subject and scheme, in batch order.
    """
    groups: dict[tuple[str, str], list[tuple[Any, int, Mapping[str, Any]]]] = {}
    for index, row in enumerate(rows):
        groups.setdefault((row["subject_uscc"], row["scheme"]), []).append((row["evaluated_at"], index, row))
    superseded: dict[str, dict[str, Any]] = {}
    candidates: list[tuple[int, Mapping[str, Any]]] = []
    for group in groups.values():
        if len(group) > 1:
            group.sort(key=lambda entry: (entry[0], entry[1]))
            for (_, _, older), (at, _, newer) in itertools.pairwise(group):
                superseded[older["id"]] = {"superseded_at": at, "superseded_by": newer["id"]}
        _, index, newest = group[-1]
        candidates.append((index, newest))
    candidates.sort(key=lambda entry: entry[0])
    return superseded, [row for _, row in candidates]


async def decide(tx: AsyncManagedTransaction, candidates: Sequence[Mapping[str, Any]]) -> dict[str, Pointer]:
    """Which candidates take the pointer, by id — read inside the writing transaction: those whose subject
    has no current evaluation of the scheme, or an older one (or one as old: the later write wins). The
    evaluations they replace are superseded here; the caller's statement points at the new ones (POINT)."""
    if not candidates:
        return {}
    result = await tx.run(_CURRENT, candidates=[
        {"id": c["id"], "subject_uscc": c["subject_uscc"], "scheme": c["scheme"],
         "evaluated_at": text(c["evaluated_at"])} for c in candidates])
    found = {candidate: (held, older) for candidate, held, older in (await result.single(strict=True))["current"]}
    pointers: dict[str, Pointer] = {}
    for candidate in candidates:
        held, older = found.get(candidate["id"], (None, True))
        if held == candidate["id"]:
            continue  # already the current one
        if held is None or older:
            pointers[candidate["id"]] = Pointer(candidate["id"], candidate["subject_uscc"],
                                                text(candidate["evaluated_at"]), held)
    replacing = [{"id": p.id, "subject_uscc": p.subject_uscc, "evaluated_at": p.evaluated_at, "replaces": p.replaces}
                 for p in pointers.values() if p.replaces is not None]
    if replacing:
        await (await tx.run(_SUPERSEDE, rows=replacing)).consume()
    return pointers
