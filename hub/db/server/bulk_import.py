"""Filling a local instance's database with Neo4j's bulk importer: stop, ``neo4j-admin database import
full``, start.

The importer writes the store files itself, so the database must not run while it does; it replaces
the database's files whole (``--overwrite-destination``). Callers check the database holds nothing
worth keeping first (hub.bulk_load refuses a non-empty one).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from hub.db.bulk import ImportFiles
from hub.db.server.errors import Neo4jServerError
from hub.db.server.local import Echo, LocalNeo4j

IMPORT_TIMEOUT_S = 12 * 3600.0
# The importer's own heap: it keeps its big structures off heap (up to 90 % of free memory by default).
IMPORT_HEAP = "1g"
_IMPORTED = re.compile(r"Imported:\s+(\d+) nodes\s+(\d+) relationships\s+(\d+) properties", re.MULTILINE)
_PHASE = re.compile(r"^(\(\d/\d\) .+?) \d{4}-|^(.+ COMPLETED in .+)$|^(IMPORT DONE in .+)$")


@dataclass(frozen=True)
class ImportReport:
    nodes: int
    relationships: int
    properties: int
    seconds: float


def import_into(local: LocalNeo4j, files: ImportFiles, database: str, echo: Echo = print) -> ImportReport:
    """Run the importer on ``files`` into the stopped instance's ``database``; ``echo`` hears its phases."""
    if local.status().running:
        raise Neo4jServerError(f"Neo4j {local.name} is running; the bulk importer needs it stopped")

    def phases(line: str) -> None:
        match = _PHASE.match(line)
        if match:
            echo("  neo4j-admin: " + next(group for group in match.groups() if group).strip())

    started = time.perf_counter()
    output = local.admin(files.arguments(database), what="database import", timeout_s=IMPORT_TIMEOUT_S,
                         heap=IMPORT_HEAP, on_line=phases)
    seconds = time.perf_counter() - started
    found = _IMPORTED.search(output)
    if found is None:
        raise Neo4jServerError(f"neo4j-admin database import finished without saying what it imported:\n"
                               f"{output[-2000:]}")
    nodes, relationships, properties = (int(group) for group in found.groups())
    return ImportReport(nodes, relationships, properties, seconds)
