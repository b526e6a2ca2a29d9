"""The graph schema: constraints and indexes, applied idempotently at every start."""

from __future__ import annotations

from hub import clock
from hub.db import credit_reports, staff, warnings
from hub.db.gateway import Neo4jGateway

# Each statement is idempotent (IF NOT EXISTS); add, never edit, so every hub converges.
STATEMENTS: tuple[str, ...] = (
    "CREATE CONSTRAINT subject_uscc IF NOT EXISTS FOR (s:Subject) REQUIRE s.uscc IS UNIQUE",
    "CREATE CONSTRAINT person_fingerprint IF NOT EXISTS FOR (p:Person) REQUIRE p.fingerprint IS UNIQUE",
    "CREATE CONSTRAINT department_code IF NOT EXISTS FOR (d:Department) REQUIRE d.code IS UNIQUE",
    "CREATE CONSTRAINT organization_name IF NOT EXISTS FOR (o:Organization) REQUIRE o.name IS UNIQUE",
    "CREATE CONSTRAINT record_id IF NOT EXISTS FOR (r:Record) REQUIRE r.id IS UNIQUE",
    "CREATE CONSTRAINT evaluation_id IF NOT EXISTS FOR (e:Evaluation) REQUIRE e.id IS UNIQUE",
    "CREATE CONSTRAINT consent_id IF NOT EXISTS FOR (c:Consent) REQUIRE c.id IS UNIQUE",
    "CREATE CONSTRAINT audit_seq IF NOT EXISTS FOR (a:AuditEntry) REQUIRE a.seq IS UNIQUE",
    "CREATE CONSTRAINT audit_head IF NOT EXISTS FOR (h:AuditHead) REQUIRE h.name IS UNIQUE",
    "CREATE INDEX audit_subject IF NOT EXISTS FOR (a:AuditEntry) ON (a.subject_uscc)",
    "CREATE CONSTRAINT review_flag_key IF NOT EXISTS FOR (f:ReviewFlag) REQUIRE f.key IS UNIQUE",
    "CREATE CONSTRAINT migration_id IF NOT EXISTS FOR (m:Migration) REQUIRE m.id IS UNIQUE",
    "CREATE TEXT INDEX subject_name_text IF NOT EXISTS FOR (s:Subject) ON (s.name)",
    "CREATE INDEX subject_region IF NOT EXISTS FOR (s:Subject) ON (s.region)",
    # a region's subjects county by county, each in code order (hub.db.evaluations: the engine's region runs)
    "CREATE INDEX subject_region_code IF NOT EXISTS FOR (s:Subject) ON (s.region, s.uscc)",
    "CREATE INDEX record_kind IF NOT EXISTS FOR (r:Record) ON (r.kind)",
    "CREATE INDEX evaluation_scheme IF NOT EXISTS FOR (e:Evaluation) ON (e.scheme)",
    "CREATE INDEX consent_grantee IF NOT EXISTS FOR (c:Consent) ON (c.grantee)",
    "CREATE INDEX review_flag_status IF NOT EXISTS FOR (f:ReviewFlag) ON (f.status)",
    # the change feed between platforms (hub.db.feed)
    "CREATE INDEX record_seq IF NOT EXISTS FOR (r:Record) ON (r.seq)",
    "CREATE INDEX evaluation_seq IF NOT EXISTS FOR (e:Evaluation) ON (e.seq)",
    "CREATE CONSTRAINT feed_counter_name IF NOT EXISTS FOR (c:FeedCounter) REQUIRE c.name IS UNIQUE",
    "CREATE CONSTRAINT sync_cursor_key IF NOT EXISTS FOR (c:SyncCursor) REQUIRE c.key IS UNIQUE",
    "CREATE CONSTRAINT dead_letter_id IF NOT EXISTS FOR (d:DeadLetter) REQUIRE d.id IS UNIQUE",
    "CREATE INDEX dead_letter_peer IF NOT EXISTS FOR (d:DeadLetter) ON (d.peer)",
    "CREATE CONSTRAINT reporting_tally_key IF NOT EXISTS FOR (t:ReportingTally) REQUIRE (t.import_id, t.department) "
    "IS UNIQUE",
    "CREATE INDEX reporting_tally_department IF NOT EXISTS FOR (t:ReportingTally) ON (t.department)",
    # a tally travels up the change feed (hub.db.reporting): known by its id, paged by its seq
    "CREATE CONSTRAINT reporting_tally_id IF NOT EXISTS FOR (t:ReportingTally) REQUIRE t.id IS UNIQUE",
    "CREATE INDEX reporting_tally_seq IF NOT EXISTS FOR (t:ReportingTally) ON (t.seq)",
    # each 双公示 row by its identity, counted once whichever file brings it (hub.db.reporting)
    "CREATE CONSTRAINT reported_row_key IF NOT EXISTS FOR (r:ReportedRow) REQUIRE r.key IS UNIQUE",
    "CREATE INDEX reported_row_import IF NOT EXISTS FOR (r:ReportedRow) ON (r.import_id)",
    # 双随机 (hub.db.supervision): an inspector is identified within its department; one draw per plan attempt
    "CREATE CONSTRAINT inspector_key IF NOT EXISTS FOR (i:Inspector) REQUIRE (i.department, i.id) IS UNIQUE",
    "CREATE CONSTRAINT inspection_plan_id IF NOT EXISTS FOR (p:InspectionPlan) REQUIRE p.id IS UNIQUE",
    "CREATE CONSTRAINT draw_id IF NOT EXISTS FOR (d:Draw) REQUIRE d.id IS UNIQUE",
    "CREATE CONSTRAINT draw_attempt IF NOT EXISTS FOR (d:Draw) REQUIRE (d.plan_id, d.attempt) IS UNIQUE",
    "CREATE INDEX draw_population_draw IF NOT EXISTS FOR (c:DrawPopulation) ON (c.draw_id)",
    "CREATE INDEX inspection_target_draw IF NOT EXISTS FOR (t:InspectionTarget) ON (t.draw_id)",
    # token revocation (hub.revocation)
    "CREATE CONSTRAINT revoked_token_jti IF NOT EXISTS FOR (r:RevokedToken) REQUIRE r.jti IS UNIQUE",
    "CREATE INDEX revoked_token_seq IF NOT EXISTS FOR (r:RevokedToken) ON (r.seq)",
    "CREATE INDEX revoked_organization_seq IF NOT EXISTS FOR (r:RevokedOrganization) ON (r.seq)",
    "CREATE CONSTRAINT revocation_counter_name IF NOT EXISTS FOR (c:RevocationCounter) REQUIRE c.name IS UNIQUE",
    # file imports in bounded batches (hub.db.imports)
    "CREATE CONSTRAINT import_run_id IF NOT EXISTS FOR (r:ImportRun) REQUIRE r.import_id IS UNIQUE",
    # decisions about natural persons, kept INTERNAL (hub.db.person_records)
    "CREATE CONSTRAINT person_record_id IF NOT EXISTS FOR (r:PersonRecord) REQUIRE r.id IS UNIQUE",
    # 信用承诺 (hub.db.commitments): a commitment is a Record as well, found by id under its own label
    "CREATE CONSTRAINT commitment_id IF NOT EXISTS FOR (c:Commitment) REQUIRE c.id IS UNIQUE",
    *warnings.SCHEMA,  # 信用预警 (hub.db.warnings)
    *staff.SCHEMA,  # the console's staff accounts and sessions (hub.db.staff)
    *credit_reports.SCHEMA,  # issued 信用报告 (hub.db.credit_reports)
)


# Data migrations run once each, in order; each is recorded as (:Migration {id}).
DATA_MIGRATIONS: tuple[tuple[str, str], ...] = (
    # 0001: the CURRENT pointer from a subject to the newest unsuperseded evaluation of each scheme;
    # older unsuperseded ones are marked superseded (they were replaced before the pointer existed).
    # Batched per 1000 subjects: a province's history does not fit one transaction's memory.
    ("0001-current-evaluation-pointer", """
        MATCH (s:Subject)
        CALL (s) {
          MATCH (s)<-[:OF]-(e:Evaluation) WHERE e.superseded_at IS NULL
          WITH e ORDER BY e.evaluated_at DESC
          WITH e.scheme AS scheme, collect(e) AS newest_first
          WITH head(newest_first) AS latest, tail(newest_first) AS older
          MERGE (s)-[:CURRENT]->(latest)
          FOREACH (o IN older | SET o.superseded_at = latest.evaluated_at, o.superseded_by = latest.id)
        } IN TRANSACTIONS OF 1000 ROWS
    """),
    # 0002: records and evaluations written before the change feed existed join it at version 1.
    ("0002-change-feed", """
        MATCH (n) WHERE (n:Record OR n:Evaluation) AND n.seq IS NULL AND NOT n:Pending
        CALL (n) { SET n:Pending, n.version = coalesce(n.version, 1) } IN TRANSACTIONS OF 10000 ROWS
    """),
    # 双随机: inspectors were keyed by id alone, so a second department reusing an id took over the
    # first's inspector (name, conflicts). Each membership becomes its own (department, id) inspector,
    # with the conflicts (回避) it last had as a list, flagged for the department to review.
    ("0003-inspectors-per-department", """
        MATCH (i:Inspector)-[m:MEMBER_OF]->(d:Department)
        OPTIONAL MATCH (i)-[:CONFLICTS_WITH]->(s:Subject)
        WITH i, m, d, collect(s.uscc) AS conflicts
        MERGE (own:Inspector {department: d.code, id: i.id})
        ON CREATE SET own.name = i.name, own.conflicts = conflicts, own.review_conflicts = true
        SET own.conflicts = coalesce(own.conflicts, conflicts)
        MERGE (own)-[:MEMBER_OF]->(d)
        WITH i, m, own WHERE own <> i DELETE m
    """),
    ("0004-inspector-conflicts-as-codes", """
        MATCH (i:Inspector)-[c:CONFLICTS_WITH]->() DELETE c
    """),
    # Draws before re-draws were counted: each plan's draws numbered by commit time (protocol v1).
    ("0005-draw-attempts", """
        MATCH (d:Draw) WHERE d.attempt IS NULL
        WITH d.plan_id AS plan, d ORDER BY d.committed_at
        WITH plan, collect(d) AS draws
        UNWIND range(0, size(draws) - 1) AS n
        WITH draws[n] AS d, n
        SET d.attempt = n + 1, d.protocol = coalesce(d.protocol, 'v1')
    """),
)


async def migrate(gateway: Neo4jGateway, *, await_s: int = 60) -> int:
    """Apply every schema statement and every data migration not yet applied; return how many
    statements ran. Waits until indexes are online (up to ``await_s``: after a bulk load they are
    populated from millions of nodes)."""
    for statement in STATEMENTS:
        await gateway.run(statement, write=True)
    await gateway.autocommit("CALL db.awaitIndexes($seconds)", {"seconds": await_s})
    applied = {row["id"] for row in await gateway.run("MATCH (m:Migration) RETURN m.id AS id")}
    ran = 0
    for migration_id, statement in DATA_MIGRATIONS:
        if migration_id not in applied:
            await gateway.autocommit(statement)
            await gateway.run("MERGE (m:Migration {id: $id}) SET m.applied_at = $now",
                              {"id": migration_id, "now": clock.now()}, write=True)
            ran += 1
    return len(STATEMENTS) + ran


async def besides_migrations(gateway: Neo4jGateway) -> dict[str, int]:
    """What the database holds besides the schema's Migration nodes, by label (empty when it is empty)."""
    rows = await gateway.run("MATCH (n) WHERE NOT n:Migration WITH n LIMIT 1 RETURN count(n) AS n")
    if not rows[0]["n"]:
        return {}
    counted = await gateway.run("MATCH (n) WHERE NOT n:Migration UNWIND labels(n) AS label "
                                "RETURN label, count(*) AS n ORDER BY n DESC LIMIT 5")
    return {row["label"]: int(row["n"]) for row in counted}
