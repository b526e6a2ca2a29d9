"""File imports into the graph — 双公示 files today — in bounded batches from end to end.

A province's file holds 100,000 rows about 40,000 subjects; one transaction for any of its steps
outgrows what Neo4j lets a transaction use (the default heap gives every transaction together 70 %
of 512 MB). So every step goes in batches, and each batch is one transaction:

1. **store** — ``batch_size`` records with the subjects they name, the run's checkpoint advanced in
   the same transaction (hub.db.imports). Stopped at any point, the same command resumes after the
   last batch written. A record whose row is unchanged is not written again (its digest), and a
   subject whose records change is marked for a re-grade in that transaction;
2. **tally** — the file's rows by identity and its per-department counts from the rows no other file
   brought first (hub.db.reporting), replaced if the file was counted;
   Decisions about natural persons (自然人) are kept after the records, in batches of their own, as
   INTERNAL person records keyed by the sealed ID number (hub.person_records); they grade nobody;
3. **re-grade** — the file's subjects still marked, ``regrade_batch`` at a time: facts read, graded,
   the evaluations written and the marks removed in one transaction (hub.grading.reevaluation). A subject
   none of whose records changed is not graded: re-importing an unchanged file makes no evaluation
   and gives the change feed nothing to send.

The caller's ``progress`` hears ``(stage, done, total)`` for the stages ``storing records`` and
``re-grading subjects``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from hub import clock
from hub.db import imports, person_records, reporting
from hub.db.gateway import Neo4jGateway
from hub.grading.reevaluation import Reevaluator
from hub.models import SubjectKind
from hub.reporting import DepartmentCounts, ReportedRow

STORE_BATCH = 5000
REGRADE_BATCH = 2000
STORING, REGRADING = "storing records", "re-grading subjects"

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class FileImport:
    """One file to import: its id (the digest of its bytes and platform), what it holds, its counts."""

    import_id: str
    file: str
    kind: str
    source_platform: str
    received_on: date | None
    subjects: Mapping[str, str]  # code → the name the file gives (for subjects the hub does not know)
    records: Sequence[dict[str, Any]]
    per_department: Mapping[str, DepartmentCounts]
    # every row by its identity: when given, the tallies count each row once across files (hub.db.reporting);
    # without, the file's ``per_department`` counts are kept as they are
    reported: Sequence[ReportedRow] | None = None
    person_records: Sequence[dict[str, Any]] = ()  # decisions about 自然人, sealed (hub.person_records)


@dataclass(frozen=True)
class ImportOutcome:
    records: int
    changed: int  # records new or changed (the rest were stored unchanged already)
    resumed_at: int  # records an earlier, unfinished run of the same file had stored
    regraded: int  # subjects re-graded
    evaluations: int
    grades_changed: int
    seconds: float
    persons_kept: int = 0  # decisions about natural persons kept (INTERNAL)
    persons_changed: int = 0  # of them new or changed

    def describe(self) -> str:
        """The outcome in English, for the log."""
        resumed = f" (resumed after {self.resumed_at:,} stored by an earlier run)" if self.resumed_at else ""
        persons = (f"; {self.persons_kept:,} decisions about natural persons kept, INTERNAL ({self.persons_changed:,} "
                   "new or changed)") if self.persons_kept else ""
        return (f"{self.changed:,} of {self.records:,} records new or changed{resumed}{persons}; {self.regraded:,} "
                f"subjects re-graded ({self.evaluations:,} evaluations, {self.grades_changed:,} grades changed) in "
                f"{self.seconds:.1f} s")

    def describe_zh(self) -> str:
        """The same in Chinese, for the clerk who ran the import (issue 13 §4)."""
        resumed = f"（接续此前未完成的导入，其已入库 {self.resumed_at:,} 条）" if self.resumed_at else ""
        persons = (f"；保存涉及自然人的决定 {self.persons_kept:,} 条，仅限内部"
                   f"（新增或变更 {self.persons_changed:,} 条）" if self.persons_kept else "")
        return (f"{self.changed:,} / {self.records:,} 条记录新增或变更{resumed}{persons}；{self.regraded:,} 个主体"
                f"重新评价（评价结果 {self.evaluations:,} 条，等级变化 {self.grades_changed:,} 个），用时 "
                f"{self.seconds:.1f} 秒")


class Importer:
    def __init__(self, gateway: Neo4jGateway, reevaluator: Reevaluator, *, store_batch: int = STORE_BATCH,
                 regrade_batch: int = REGRADE_BATCH) -> None:
        self.gateway, self.reevaluator = gateway, reevaluator
        self.store_batch, self.regrade_batch = store_batch, regrade_batch

    async def run(self, file: FileImport, progress: Progress | None = None) -> ImportOutcome:
        report = progress or (lambda stage, done, total: None)
        started = time.perf_counter()
        records = file.records
        resume = await imports.begin(self.gateway, file.import_id, file=file.file, kind=file.kind,
                                     source_platform=file.source_platform, records=len(records), now=clock.now())
        changed = resume.changed
        report(STORING, resume.stored, len(records))
        for start in range(resume.stored, len(records), self.store_batch):
            batch = records[start:start + self.store_batch]
            codes = dict.fromkeys(str(row["subject_uscc"]) for row in batch)
            subjects = [{"uscc": code, "name": file.subjects.get(code) or code,
                         "kind": SubjectKind.from_uscc(code).value, "region": code[2:8]} for code in codes]
            changed += await imports.store_batch(self.gateway, file.import_id, subjects, batch,
                                                 stored=start + len(batch), now=clock.now())
            report(STORING, start + len(batch), len(records))
        persons_changed = 0
        for start in range(0, len(file.person_records), self.store_batch):  # idempotent by id: no checkpoint
            persons_changed += await person_records.upsert(
                self.gateway, file.person_records[start:start + self.store_batch], clock.now())
        if file.reported is not None:
            await reporting.record_rows(self.gateway, file.import_id, file.reported, kind=file.kind,
                                        source_platform=file.source_platform, received_on=file.received_on,
                                        imported_at=clock.now(), batch_size=self.store_batch)
        else:
            await reporting.record_tallies(self.gateway, file.import_id, kind=file.kind,
                                           source_platform=file.source_platform, received_on=file.received_on,
                                           imported_at=clock.now(), per_department=file.per_department)
        await imports.mark_stored(self.gateway, file.import_id, clock.now())

        due = await imports.due(self.gateway, sorted({str(row["subject_uscc"]) for row in records}))
        report(REGRADING, 0, len(due))
        done = 0

        def regraded(count: int) -> None:
            nonlocal done
            done += count
            report(REGRADING, done, len(due))

        summary = await self.reevaluator.subjects(due, batch_size=self.regrade_batch, progress=regraded)
        await imports.finish(self.gateway, file.import_id, regraded=summary.subjects,
                             evaluations=summary.evaluations, now=clock.now())
        return ImportOutcome(len(records), changed, resume.stored, summary.subjects, summary.evaluations,
                             summary.changed, time.perf_counter() - started, len(file.person_records),
                             persons_changed)
