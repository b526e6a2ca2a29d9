"""Cypher for file imports in bounded batches: the run's checkpoint, one batch of rows, what is due a re-grade.

  (:ImportRun {import_id, file, kind, source_platform, records, stored, changed, started_at, updated_at,
               stored_at, finished_at, regraded, evaluations})

``import_id`` is the file's digest (hub.cli ``_import_id``): the same bytes from the same platform are
the same import. ``stored`` counts the file's records written so far, advanced in the transaction that
writes each batch, so an import stopped at any point resumes after the last batch it wrote. A run that
finished starts again from the first row (every row is a no-op then, by its digest).

A subject whose records a batch changes is marked ``:RegradeDue`` in that transaction; the re-grade
removes the mark in the transaction that writes its evaluations (hub.db.evaluations.write_results).
So the marks, not the run, say what is left to grade: a file whose rows are all unchanged marks
nobody and makes no evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from neo4j import AsyncManagedTransaction

from hub.db.gateway import Neo4jGateway
from hub.db.ingest import NEW_SUBJECTS, RECORDS_MARKING, Row, with_digests

_BEGIN = """
MERGE (run:ImportRun {import_id: $import_id})
ON CREATE SET run.started_at = $now, run.stored = 0, run.changed = 0
WITH run, run.finished_at IS NOT NULL AS again
SET run.stored = CASE WHEN again THEN 0 ELSE run.stored END,
    run.changed = CASE WHEN again THEN 0 ELSE run.changed END,
    run.started_at = CASE WHEN again THEN $now ELSE run.started_at END,
    run.finished_at = null, run.stored_at = CASE WHEN again THEN null ELSE run.stored_at END,
    run.file = $file, run.kind = $kind, run.source_platform = $source_platform, run.records = $records,
    run.updated_at = $now
RETURN run.stored AS stored, run.changed AS changed
"""

_ADVANCE = """
MATCH (run:ImportRun {import_id: $import_id})
SET run.stored = $stored, run.changed = run.changed + $changed, run.updated_at = $now
"""

_STORED = "MATCH (run:ImportRun {import_id: $import_id}) SET run.stored_at = $now, run.updated_at = $now"

_FINISH = """
MATCH (run:ImportRun {import_id: $import_id})
SET run.finished_at = $now, run.updated_at = $now, run.regraded = $regraded, run.evaluations = $evaluations
"""

_DUE = "UNWIND $usccs AS code MATCH (s:Subject:RegradeDue {uscc: code}) RETURN s.uscc AS uscc"


@dataclass(frozen=True)
class Resume:
    """Where a run starts: the records an earlier, unfinished run of the same file stored (0 if none)."""

    stored: int
    changed: int


async def begin(gateway: Neo4jGateway, import_id: str, *, file: str, kind: str, source_platform: str,
                records: int, now: datetime) -> Resume:
    [row] = await gateway.run(_BEGIN, {"import_id": import_id, "file": file, "kind": kind,
                                       "source_platform": source_platform, "records": records, "now": now},
                              write=True)
    return Resume(int(row["stored"]), int(row["changed"]))


async def store_batch(gateway: Neo4jGateway, import_id: str, subjects: Sequence[Row], records: Sequence[Row], *,
                      stored: int, now: datetime) -> int:
    """In one transaction: create the subjects the hub does not know, write the records (marking the
    subjects whose records change), and advance the run to ``stored``. Returns how many records changed."""

    async def work(tx: AsyncManagedTransaction) -> int:
        if subjects:
            await (await tx.run(NEW_SUBJECTS, rows=list(subjects))).consume()
        changed = 0
        if records:
            result = await tx.run(RECORDS_MARKING, rows=with_digests(records))
            changed = int((await result.single(strict=True))["changed"])
        await (await tx.run(_ADVANCE, import_id=import_id, stored=stored, changed=changed, now=now)).consume()
        return changed

    return await gateway.write(work)


async def mark_stored(gateway: Neo4jGateway, import_id: str, now: datetime) -> None:
    await gateway.run(_STORED, {"import_id": import_id, "now": now}, write=True)


async def finish(gateway: Neo4jGateway, import_id: str, *, regraded: int, evaluations: int, now: datetime) -> None:
    await gateway.run(_FINISH, {"import_id": import_id, "regraded": regraded, "evaluations": evaluations,
                                "now": now}, write=True)


async def due(gateway: Neo4jGateway, usccs: Sequence[str], batch_size: int = 10_000) -> list[str]:
    """Which of these subjects are marked for a re-grade, in the order given."""
    marked: set[str] = set()
    for start in range(0, len(usccs), batch_size):
        rows = await gateway.query(_DUE, {"usccs": list(usccs[start:start + batch_size])})
        marked.update(row["uscc"] for row in rows)
    return [code for code in usccs if code in marked]
