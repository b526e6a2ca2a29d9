"""Incremental ingest: ``hub demo load`` (hub.demo.load, through hub.db.ingest) beside a raw UNWIND load of the
same rows, on an instance of its own ("bench-ingest"), measured in the same run.

- **raw**: the same departments, organizations, subjects with their legal representatives, records and
  evaluations, in pages of the same size, each page one ``UNWIND … MERGE … SET`` building the same nodes
  and relationships — no row digest, no version, no change-feed label, no CURRENT pointers, no
  replaced legal representative looked for: the floor for moving these rows into this database;
- **hub**: ``hub.demo.load`` — what ``hub demo load`` runs.

The figure is credit records per second over the whole load (every stage), and hub / raw (bound ≥ 0.5).

The bulk load (``hub load``, hub.bulk_load: import files, ``neo4j-admin database import``, restart,
constraints and indexes) of the same data set goes into another instance ("<HUB_BENCH_INSTANCE>-load",
"bench-load" by default), wiped first:
records per second over every phase, bound ≥ 100,000.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from hub import demo
from hub.bulk_load import load_local
from hub.cli.load import Rows
from hub.db import ingest
from hub.db.gateway import Neo4jGateway
from hub.db.migrations import migrate
from hub.db.server import LocalNeo4j
from hub.demo import DemoData
from hub.settings import Settings

INGEST_BOUND = 0.5
LOAD_BOUND = 100_000  # records/s, issue 14
# `--only load` wipes its instance: "<HUB_BENCH_INSTANCE>-load" ("bench-load"), never the lookup data set's.
LOAD_INSTANCE = os.environ.get("HUB_BENCH_INSTANCE", "bench") + "-load"

_RAW_SUBJECTS = """
UNWIND $rows AS row
MERGE (s:Subject {uscc: row.uscc})
SET s.name = row.name, s.kind = row.kind, s.region = row.region, s.industry = row.industry,
    s.status = row.status, s.registered_on = row.registered_on
WITH s, row WHERE row.person IS NOT NULL
MERGE (p:Person {fingerprint: row.person.fingerprint})
SET p.name = row.person.name, p.id_masked = row.person.id_masked, p.id_sealed = row.person.id_sealed
MERGE (s)-[:LEGAL_REPRESENTATIVE]->(p)
"""

_RAW_RECORDS = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.subject_uscc})
MERGE (r:Record {id: row.id})
SET r += row
MERGE (r)-[:ABOUT]->(s)
WITH r, row MATCH (d:Department {code: row.issuing_department})
MERGE (r)-[:ISSUED_BY]->(d)
"""

_RAW_EVALUATIONS = """
UNWIND $rows AS row
MATCH (s:Subject {uscc: row.subject_uscc})
MERGE (e:Evaluation {id: row.id})
SET e += row
MERGE (e)-[:OF]->(s)
"""


async def raw_load(gateway: Neo4jGateway, data: DemoData, page: int = demo.CHUNK) -> dict[str, float]:
    """The raw load; seconds per stage."""
    seconds: dict[str, float] = {}
    await ingest.upsert_departments(gateway, data.departments)
    await ingest.upsert_organizations(gateway, data.organizations)
    for stage, statement, rows in (("subjects", _RAW_SUBJECTS, data.subjects),
                                   ("records", _RAW_RECORDS, data.records),
                                   ("evaluations", _RAW_EVALUATIONS, data.evaluations)):
        started = time.perf_counter()
        for start in range(0, len(rows), page):
            await gateway.run(statement, {"rows": rows[start:start + page]}, write=True)
        seconds[stage] = time.perf_counter() - started
    return seconds


async def hub_load(gateway: Neo4jGateway, data: DemoData) -> dict[str, float]:
    """hub.demo.load; seconds per stage."""
    seconds: dict[str, float] = {}
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if done == 0:
            marks[stage] = time.perf_counter()
        if done == total:
            seconds[stage] = time.perf_counter() - marks[stage]

    await demo.load(gateway, data, progress)
    return {stage: seconds[stage] for stage in ("subjects", "records", "evaluations")}


def _settings() -> Settings:
    return Settings(HUB_NEO4J_PAGECACHE=os.environ.get("HUB_NEO4J_PAGECACHE", "2g"),
                    HUB_NEO4J_HEAP=os.environ.get("HUB_NEO4J_HEAP", "1g"))


def _echo(line: str) -> None:
    print(line, file=sys.stderr)


async def ingest_section(data: DemoData) -> dict[str, Any]:
    """Both loads, raw first, each into the empty database of a new "bench-ingest" (the instance removed and
    created again: deleting a million nodes in transactions takes longer than a load); prints the figures
    and returns them."""
    local = LocalNeo4j(_settings(), "bench-ingest")
    figures: dict[str, dict[str, float]] = {}
    for label, load in (("raw", raw_load), ("hub", hub_load)):
        local.wipe()
        credentials, _ = local.start(echo=_echo)
        gateway = Neo4jGateway(credentials.uri, credentials.user, credentials.password)
        try:
            await migrate(gateway)
            started = time.perf_counter()
            stages = await load(gateway, data)
            figures[label] = {"total": time.perf_counter() - started, **stages}
        finally:
            await gateway.close()
    local.stop()
    records = len(data.records)
    raw, hub = records / figures["raw"]["total"], records / figures["hub"]["total"]
    print(f"\n## Incremental ingest: `hub demo load` ({len(data.subjects):,} subjects, {records:,} records, "
          f"{len(data.evaluations):,} evaluations, pages of {demo.CHUNK:,})")
    for which, title in (("raw", "raw UNWIND … MERGE of the same rows"), ("hub", "hub.demo.load (digest, version, "
                                                                                    "feed label, CURRENT)")):
        phases = ", ".join(f"{stage} {figures[which][stage]:.1f} s" for stage in ("subjects", "records", "evaluations"))
        print(f"  {title:<52} {figures[which]['total']:7.1f} s   {records / figures[which]['total']:9,.0f} records/s"
              f"   ({phases})")
    print(f"  hub / raw: {hub / raw:.2f}   (bound ≥ {INGEST_BOUND})")
    return {"raw_records_per_s": raw, "hub_records_per_s": hub, "ratio": hub / raw}


async def load_section(data: DemoData) -> float:
    """``hub load`` of the data set into the emptied instance LOAD_INSTANCE; prints the figures, returns records/s."""
    settings = _settings()
    local = LocalNeo4j(settings, LOAD_INSTANCE)
    local.wipe()  # hub load fills an empty database only
    summary = await load_local(settings, Rows(data.departments, data.organizations, data.subjects, data.records,
                                              data.evaluations),
                               echo=_echo, work_dir=local.paths.import_dir, instance=LOAD_INSTANCE)
    local.stop()
    rate = summary.records / summary.total_seconds
    phases = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in summary.seconds.items())
    print(f"\n## Bulk load: `hub load` into an empty database ({len(data.subjects):,} subjects, "
          f"{summary.records:,} records, {len(data.evaluations):,} evaluations)")
    print(f"  neo4j-admin database import, every phase   {summary.total_seconds:7.1f} s   {rate:9,.0f} records/s   "
          f"({phases})   (bound ≥ {LOAD_BOUND:,})")
    for phase, seconds in summary.seconds.items():
        cpu = summary.cpu_seconds.get(phase)
        print(f"    {phase:<8} {seconds:7.1f} s   {summary.records / seconds:9,.0f} records/s"
              + (f"   ({cpu:.1f} CPU-s: {summary.records / cpu:,.0f} records per CPU-second)" if cpu else ""))
    if summary.report is not None:  # the importer's own count: every node and relationship it wrote
        report = summary.report
        print(f"    the importer alone (JVM start included): {report.seconds:.1f} s, "
              f"{(report.nodes + report.relationships) / report.seconds:,.0f} nodes + relationships/s "
              f"({report.nodes:,} nodes, {report.relationships:,} relationships)")
    return rate
