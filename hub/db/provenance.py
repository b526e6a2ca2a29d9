"""Which data ``hub demo load`` wrote, so that nothing wipes or overwrites a real credit archive.

Every node a demo load writes gets the ``:Demo`` label once the load is done (``mark_demo``). A hub
holds **non-demo data** when a node is not so labelled, except what only describes the hub's own
activity or is derived from what it holds:

    :AuditEntry, :AuditHead   the audit chain (reads of demo data leave entries; they are not data)
    :Migration, :FeedCounter  bookkeeping of the schema and of the change feed
    :ReviewFlag               derived from evaluations
    :StaffUser, :ConsoleSession, :SignInGuard   the console's accounts and sessions (who works here)
    :Evaluation made here     graded by this hub's engine from what it holds (no origin_platform, or
                              this platform's own: hub.grading.engine.ComputedBy)

So data imported (双公示 files), synced from another platform (received records, evaluations, subjects,
cursors, dead letters) or written through the API (objections, repairs, consents, plans, draws,
inspectors, records) is non-demo data, whichever subject it is about. ``hub demo load`` refuses to
reset or to add to such a hub.

``mark_demo`` labels every unlabelled node: the load first checks that the hub held no non-demo
data, so what is unlabelled after it is what it wrote (an API write arriving while a demo loads
would be taken for demo data: load demo data into a hub nobody else uses yet).
"""

from __future__ import annotations

from hub.db.gateway import Neo4jGateway

# Bookkeeping, and what the hub derives from the data itself (warnings and the engine's cursor, like the
# evaluations it makes): not data a demo load could have destroyed.
NOT_DATA = ("AuditEntry", "AuditHead", "Migration", "FeedCounter", "ReviewFlag", "Warning", "WarningState",
            "ImportRun", "RevocationCounter",
            # the console's staff accounts, sign-in failures and sessions (hub.db.staff): who works here, not data
            "StaffUser", "SignInGuard", "ConsoleSession")

_NOT_DEMO = ("NOT n:Demo AND NOT (" + " OR ".join(f"n:{label}" for label in NOT_DATA) + ") "
             "AND NOT (n:Evaluation AND coalesce(n.origin_platform, $platform) = $platform)")


async def mark_demo(gateway: Neo4jGateway, platform: str) -> None:
    """Label every node that is data and not yet ``:Demo`` (call right after a demo load); ``platform`` is
    this hub's id (the evaluations its engine made are not data a load wrote)."""
    await gateway.autocommit("MATCH (n) WHERE " + _NOT_DEMO + " CALL (n) { SET n:Demo } IN TRANSACTIONS OF 10000 ROWS",
                             {"platform": platform})


async def non_demo_data(gateway: Neo4jGateway, platform: str) -> dict[str, int]:
    """How many nodes of each kind the hub holds that no demo load wrote (empty: demo data only);
    ``platform`` is this hub's id."""
    rows = await gateway.run("MATCH (n) WHERE " + _NOT_DEMO +
                             " RETURN coalesce(head([l IN labels(n) WHERE l <> 'Pending']), '(unlabelled)') AS kind, "
                             "count(*) AS n ORDER BY n DESC, kind", {"platform": platform})
    return {row["kind"]: row["n"] for row in rows}


async def holdings(gateway: Neo4jGateway) -> dict[str, int]:
    """What a reset would delete, by kind (count store: no scan)."""
    kinds = ("Subject", "Record", "Evaluation", "AuditEntry")
    rows = await gateway.run(" UNION ALL ".join(f"MATCH (n:{kind}) RETURN '{kind}' AS kind, count(n) AS n"
                                                for kind in kinds))
    return {row["kind"]: row["n"] for row in rows}
