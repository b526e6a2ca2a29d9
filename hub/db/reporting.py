"""Cypher for 双公示 reporting: each import's per-department tallies, and each department's rates over them.

  (:ReportingTally {id, import_id, department, department_name, kind, source_platform, received_on,
                    imported_at, rows, valid, on_time, late, provisional,
                    version, seq, origin_platform, origin_level, issuer})   one per department per import

Seed 004 §一.(二) holds every department to a 合规率 (compliance) and a 及时率 (timeliness) of 100 %.
An import keeps its counts, not its rates, so that rates over several imports are rates of the sums.
``on_time`` and ``late`` are null for an import given no received-on date (timeliness unmeasured);
``provisional`` counts the rows among them judged on a year whose make-up working days (调休) were not
announced when the file was imported (``hub.rights.calendar``).

The tallies are counted once, where the file was received, and travel up the platform exchange as
they are (``REPORTING`` items, docs/exchange-protocol.md §4): a city or province sums the tallies its
counties counted rather than counting again, so its 合规率/及时率 for a county department are the
county's own figures (one source of truth). A tally's ``version`` rises when its counts change, which
puts it back on the feed; its issuer is the platform that counted it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from hub.db.gateway import Neo4jGateway
from hub.reporting import Counts, DepartmentCounts, DepartmentReporting, MonthlyReporting, ReportedRow

ROW_BATCH = 5000  # reported rows written per transaction (a province's file holds 100,000)

# The key is (import_id, department), so recording the same import again overwrites its tallies. A tally
# whose counts change gets a new version and joins the change feed (hub.db.feed: :Pending); one recorded
# again unchanged stays as it is, so re-importing a file sends nothing up.
_TALLIES = """
UNWIND $tallies AS tally
MERGE (t:ReportingTally {import_id: $import_id, department: tally.department})
ON CREATE SET t.imported_at = $imported_at, t.id = tally.id, t.disclosure = 'INTERNAL'
WITH t, tally, t.version IS NULL OR [x IN [t.department_name, t.rows, t.valid, t.on_time, t.late, t.provisional,
     t.kind, t.received_on] | coalesce(toString(x), '-')] <> [x IN [tally.department_name, tally.rows, tally.valid,
     tally.on_time, tally.late, tally.provisional, $kind, $received_on] | coalesce(toString(x), '-')] AS changed
SET t += tally, t.kind = $kind, t.source_platform = $source_platform, t.received_on = $received_on
WITH t, changed WHERE changed
SET t.version = coalesce(t.version, 0) + 1, t:Pending
"""


def tally_id(import_id: str, department: str) -> str:
    """The id a tally is known by on every platform it travels to (its import and department)."""
    digest = hashlib.sha256(f"{import_id}\x1f{department}".encode()).hexdigest()
    return f"rt-{digest[:32]}"


# count(x) and collect(x) skip nulls: on_time stays null unless some import measured it, and the name
# is the newest one a file gave.
# A department's sums over the tallies before it (newest first), grouped by whatever the query names beside it.
_SUMS = """t.department AS department, head(collect(t.department_name)) AS name,
       sum(t.rows) AS rows, sum(t.valid) AS valid,
       CASE WHEN count(t.on_time) = 0 THEN null ELSE sum(t.on_time) END AS on_time,
       CASE WHEN count(t.late) = 0 THEN null ELSE sum(t.late) END AS late,
       sum(coalesce(t.provisional, 0)) AS provisional,
       count(t) AS imports"""

_RATES = """
MATCH (t:ReportingTally) WHERE {where}
WITH t ORDER BY t.imported_at DESC, t.import_id
RETURN """ + _SUMS + """
ORDER BY department
"""


async def record_tallies(gateway: Neo4jGateway, import_id: str, *, kind: str, source_platform: str,
                         received_on: date | None, imported_at: datetime,
                         per_department: Mapping[str, DepartmentCounts]) -> int:
    """Store one import's tallies, one node per department, in one statement; return how many."""
    tallies = [{"id": tally_id(import_id, department), "department": department, "department_name": counts.name,
                "rows": counts.rows, "valid": counts.valid, "on_time": counts.on_time, "late": counts.late,
                "provisional": counts.provisional}
               for department, counts in per_department.items()]
    if tallies:
        await gateway.run(_TALLIES, {"tallies": tallies, "import_id": import_id, "kind": kind,
                                     "source_platform": source_platform, "received_on": received_on,
                                     "imported_at": imported_at}, write=True)
    return len(tallies)


# A row is counted by the first import that brought it (seed 004 §一.(二) measures what was reported, and
# when it was first received): another file bringing it again leaves it as it is; the same import run again
# (the same file) counts it again in its own place.
_ROWS = """
UNWIND $rows AS row
MERGE (r:ReportedRow {key: row.key})
ON CREATE SET r += row, r.import_id = $import_id
WITH r, row WHERE r.import_id = $import_id
SET r += row
"""

# One import's tallies from the rows it was first to bring.
_FROM_ROWS = """
MATCH (r:ReportedRow {import_id: $import_id})
WITH r ORDER BY r.row
RETURN r.department AS department, head(collect(r.name)) AS name, count(r) AS rows,
       sum(CASE WHEN r.valid THEN 1 ELSE 0 END) AS valid, sum(CASE r.late WHEN false THEN 1 ELSE 0 END) AS on_time,
       sum(CASE r.late WHEN true THEN 1 ELSE 0 END) AS late,
       sum(CASE WHEN r.provisional THEN 1 ELSE 0 END) AS provisional
ORDER BY department
"""


async def record_rows(gateway: Neo4jGateway, import_id: str, rows: Sequence[ReportedRow], *, kind: str,
                      source_platform: str, received_on: date | None, imported_at: datetime,
                      batch_size: int = ROW_BATCH) -> int:
    """Keep one import's rows by their identity, ``batch_size`` a transaction, and its tallies from the rows it
    was the first to bring (a row another file brought already counts there); return how many tallies."""
    for start in range(0, len(rows), batch_size):
        batch = [{"key": row.key or f"{import_id}#{row.row}", "row": row.row, "department": row.department,
                  "name": row.name, "valid": row.valid, "late": row.late, "provisional": row.provisional}
                 for row in rows[start:start + batch_size]]
        await gateway.run(_ROWS, {"rows": batch, "import_id": import_id}, write=True)
    timed = received_on is not None
    counted = {row["department"]: Counts(row["name"], row["rows"], row["valid"], row["on_time"] if timed else None,
                                          row["late"] if timed else None, row["provisional"])
               for row in await gateway.run(_FROM_ROWS, {"import_id": import_id})}
    return await record_tallies(gateway, import_id, kind=kind, source_platform=source_platform,
                                received_on=received_on, imported_at=imported_at, per_department=counted)


async def department_rates(gateway: Neo4jGateway, *, department: str | None = None,
                           received_from: date | None = None,
                           received_to: date | None = None) -> list[DepartmentReporting]:
    """Each department's sums over its imports, by department; a received-on range leaves out the
    imports that had no received-on date."""
    where = ["true"]
    if department is not None:
        where.append("t.department = $department")
    if received_from is not None:
        where.append("t.received_on >= $received_from")
    if received_to is not None:
        where.append("t.received_on <= $received_to")
    rows = await gateway.run(_RATES.format(where=" AND ".join(where)), {
        "department": department, "received_from": received_from, "received_to": received_to})
    return [DepartmentReporting(**row) for row in rows]


# A tally's month is its file's received-on month, else the China month it was imported in; the sums are per
# department and month, rates again ratios of the sums (seed 004 §一.(二)).
_MONTHLY = """
MATCH (t:ReportingTally)
WITH t, CASE WHEN t.received_on IS NOT NULL THEN t.received_on
            WHEN t.imported_at IS NOT NULL THEN date(datetime({datetime: t.imported_at, timezone: '+08:00'})) END AS day
WHERE day >= $since AND day <= $until AND ($department IS NULL OR t.department = $department)
WITH t, substring(toString(day), 0, 7) AS month ORDER BY t.imported_at DESC, t.import_id
RETURN month, """ + _SUMS + """
ORDER BY month, department
"""


async def monthly_rates(gateway: Neo4jGateway, *, since: date, until: date,
                        department: str | None = None) -> list[MonthlyReporting]:
    """Each department's sums per month ("YYYY-MM") from ``since`` to ``until``, in one round trip."""
    rows = await gateway.query(_MONTHLY, {"since": since, "until": until, "department": department})
    return [MonthlyReporting(str(row.pop("month")), DepartmentReporting(**row)) for row in rows]
