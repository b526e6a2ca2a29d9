"""``hub load``: a province's archive into an EMPTY database through Neo4j's bulk importer.

Transactions write ~10,000 records a second here; a province holds tens of millions. Neo4j's
importer (``neo4j-admin database import full``) writes the store files directly, many times faster,
but only into a database that is stopped and holds nothing. So a load:

1. checks the database is empty (nothing but the schema's ``Migration`` nodes) — else it refuses,
   naming what the database holds: the importer replaces the store whole;
2. writes the data set as import files (hub.db.bulk: the graph hub.db.ingest would build — labels,
   properties, relationships, CURRENT pointers, ``version`` and ``:Pending`` for the change feed);
3. stops the local instance, runs the importer, starts it again (hub.db.server.bulk_import);
4. applies the constraints and indexes (``hub migrate``) and writes one audit entry.

A failed import leaves the store unusable; the load then removes it so the instance starts again
with an empty database. With ``NEO4J_URI`` pointing at a server this hub does not run, the importer
must run on that server: ``--files-only`` writes the files and the command for its operator.
"""

from __future__ import annotations

import resource
import shlex
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from hub import clock
from hub.audit import AuditEvent
from hub.db.bulk import GraphWriter, ImportFiles, Row
from hub.db.gateway import Neo4jGateway
from hub.db.migrations import besides_migrations, migrate
from hub.db.server import Echo, LocalNeo4j
from hub.db.server.bulk_import import ImportReport, import_into
from hub.errors import Conflict
from hub.service import CreditHub
from hub.settings import Settings

SCHEMA_WAIT_S = 3600  # index population on a province's data takes minutes


class DatabaseNotEmpty(Conflict):
    """``hub load`` only fills an empty database (the importer replaces the store)."""


class LoadSource(Protocol):
    """A data set in ingest's row shapes: the archive reader, or the demo generator's lists."""

    def departments(self) -> Iterable[Row]: ...
    def organizations(self) -> Iterable[Row]: ...
    def subjects(self) -> Iterable[Row]: ...
    def records(self) -> Iterable[Row]: ...
    def evaluations(self) -> Sequence[Row]: ...


@dataclass
class LoadSummary:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per phase: files, import (with the stop), start, schema
    # CPU seconds of the phases that run here: files (this process), import (the importer, a child process).
    # On a shared machine wall time is the machine's as much as the load's; CPU time is the load's own.
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    report: ImportReport | None = None

    @property
    def records(self) -> int:
        return self.counts.get("Record:Pending", 0)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def describe(self) -> str:
        counts = ", ".join(f"{n:,} {label.split(':')[0]}" for label, n in self.counts.items()
                           if not label.isupper() and not label.startswith("Migration"))
        phases = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in self.seconds.items())
        rate = self.records / self.total_seconds if self.total_seconds else 0.0
        links = sum(n for label, n in self.counts.items() if label.isupper())
        return (f"loaded {counts} nodes and {links:,} relationships in {self.total_seconds:.1f} s ({phases}): "
                f"{rate:,.0f} records/s")


def write_files(source: LoadSource, folder: Path) -> ImportFiles:
    """The data set as import files in ``folder`` (departments before records, subjects before both)."""
    writer = GraphWriter(folder)
    writer.departments(source.departments())
    writer.organizations(source.organizations())
    writer.subjects(source.subjects())
    writer.records(source.records())
    writer.evaluations(source.evaluations())
    writer.migrations(clock.now())
    return writer.finish()


def operator_script(files: ImportFiles, database: str) -> str:
    """What the operator of a server this hub does not run executes there, from the files' folder."""
    arguments = [argument.replace(f"{files.folder}/", "") for argument in files.arguments(database)]
    return "\n".join([
        "#!/bin/sh",
        "# Run on the Neo4j server, from this folder, with the database stopped and EMPTY:",
        "# the importer replaces its store files whole (--overwrite-destination).",
        "set -e",
        "neo4j-admin " + shlex.join(arguments),
        "# Then start the database and run `hub migrate` (constraints and indexes) from the hub.",
        "",
    ])


async def load_local(settings: Settings, source: LoadSource, *, echo: Echo, work_dir: Path,
                     instance: str | None = None) -> LoadSummary:
    """Load ``source`` into the local instance's empty database (see the module doc)."""
    local = LocalNeo4j(settings, instance)
    credentials, _ = local.start(echo=echo)
    gateway = Neo4jGateway(credentials.uri, credentials.user, credentials.password, settings.neo4j_database)
    try:
        held = await besides_migrations(gateway)
    finally:
        await gateway.close()
    if held:
        found = ", ".join(f"{n:,} {label}" for label, n in held.items())
        raise DatabaseNotEmpty(
            f"the database of Neo4j {local.name} is not empty (it holds {found}): hub load fills an empty database "
            "only, since Neo4j's importer replaces the store whole. Add to this one with `hub import` or sync, "
            "or load into a new instance (HUB_DB_INSTANCE=<new name> hub load …)")
    summary = LoadSummary()
    started, cpu = time.perf_counter(), time.process_time()
    folder = work_dir / f"hub-load-{clock.now():%Y%m%d%H%M%S}"
    try:
        echo("writing the import files…")
        files = write_files(source, folder)
        summary.counts = dict(files.counts)
        summary.seconds["files"] = time.perf_counter() - started
        summary.cpu_seconds["files"] = time.process_time() - cpu

        mark, cpu = time.perf_counter(), _children_cpu()  # the import phase counts the stop it needs
        echo(f"stopping Neo4j {local.name} for the importer…")
        local.stop()
        try:
            summary.report = import_into(local, files, settings.neo4j_database, echo)
        except BaseException:
            _discard_store(local, settings.neo4j_database, echo)
            local.start(echo=echo)
            raise
        summary.seconds["import"] = time.perf_counter() - mark
        summary.cpu_seconds["import"] = _children_cpu() - cpu
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    mark = time.perf_counter()
    credentials, _ = local.start(echo=echo)
    summary.seconds["start"] = time.perf_counter() - mark
    gateway = Neo4jGateway(credentials.uri, credentials.user, credentials.password, settings.neo4j_database)
    try:
        mark = time.perf_counter()
        echo("applying constraints and indexes…")
        await migrate(gateway, await_s=SCHEMA_WAIT_S)
        summary.seconds["schema"] = time.perf_counter() - mark
        hub = CreditHub(settings, gateway)
        await hub.audit([AuditEvent(action="write", actor="cli:load", role="admin", subject_uscc=None,
                                    detail=f"bulk load: {summary.describe()}")])
    finally:
        await gateway.close()
    return summary


def _children_cpu() -> float:
    """CPU seconds of this process's waited-for children (the importer is one; the server is not)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _discard_store(local: LocalNeo4j, database: str, echo: Echo) -> None:
    """After a failed import the store is unusable: remove it, so the server creates the database anew."""
    echo(f"the import failed; removing the partial store of {database} so the instance starts empty")
    for part in ("databases", "transactions"):
        shutil.rmtree(local.paths.data / part / database, ignore_errors=True)
