"""Writing a demo data set to Neo4j through the ingest layer, in chunks a progress bar can follow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from hub.db import ingest
from hub.db.gateway import Neo4jGateway
from hub.db.ingest import Row
from hub.demo.dataset import DemoData

CHUNK = 2000  # rows per progress step in load()

Upsert = Callable[[Neo4jGateway, Sequence[Row]], Awaitable[int]]


async def load(gateway: Neo4jGateway, data: DemoData,
               progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Write the data set in dependency order (departments before the records issued by them,
    subjects before their records), in chunks so a progress bar can follow; returns the counts."""
    stages: tuple[tuple[str, Upsert, list[Row]], ...] = (
        ("departments", ingest.upsert_departments, data.departments),
        ("organizations", ingest.upsert_organizations, data.organizations),
        ("subjects", ingest.upsert_subjects, data.subjects),
        ("records", ingest.upsert_records, data.records),
        ("evaluations", ingest.upsert_evaluations, data.evaluations),
    )
    for stage, upsert, rows in stages:
        if progress:
            progress(stage, 0, len(rows))
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            await upsert(gateway, chunk)
            if progress:
                progress(stage, start + len(chunk), len(rows))
    return data.counts()
