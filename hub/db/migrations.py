"""The graph schema: constraints and indexes, applied idempotently at every start."""

from __future__ import annotations

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
    "CREATE CONSTRAINT review_flag_key IF NOT EXISTS FOR (f:ReviewFlag) REQUIRE f.key IS UNIQUE",
    "CREATE TEXT INDEX subject_name_text IF NOT EXISTS FOR (s:Subject) ON (s.name)",
    "CREATE INDEX subject_region IF NOT EXISTS FOR (s:Subject) ON (s.region)",
    "CREATE INDEX record_kind IF NOT EXISTS FOR (r:Record) ON (r.kind)",
    "CREATE INDEX evaluation_scheme IF NOT EXISTS FOR (e:Evaluation) ON (e.scheme)",
    "CREATE INDEX consent_grantee IF NOT EXISTS FOR (c:Consent) ON (c.grantee)",
    "CREATE INDEX review_flag_status IF NOT EXISTS FOR (f:ReviewFlag) ON (f.status)",
)


async def migrate(gateway: Neo4jGateway) -> int:
    """Apply every statement; return how many ran. Waits until indexes are online."""
    for statement in STATEMENTS:
        await gateway.run(statement, write=True)
    await gateway.run("CALL db.awaitIndexes(60)")
    return len(STATEMENTS)
